"""Layout on a phone and names in the accessibility tree (issue 7, points 9 and 12-14).

- No page scrolls sideways at 320 px (document.scrollWidth against the viewport).
- The landing headline breaks only between words or at a (soft) hyphen, at 320 and 360 px,
  in each language.
- Sign-out is in Settings, not in the header; an empty journal has one write button; the
  journal's head leaves the first entry in the top part of a phone screen; "Install the app"
  is offered in Settings only, never in the footer of every (desktop) page.
- Every link and button on the main pages has a non-empty name in Chromium's accessibility
  tree (read through the DevTools protocol, as a screen reader gets it; axe does not flag a
  link around an <article>), and entry links are named by their title, with a dated
  fallback before the entry is opened.
With the no-plaintext proof."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from .conftest import Recorder
from .device import seed_entries
from .journeys import PASSWORD, SIGN_OUT, log_in, open_editor, sign_up
from .leaks import new_marker


@pytest.fixture(scope="module")
def recorder():
    return Recorder()


@pytest.fixture(scope="module")
def marker():
    return new_marker()


@dataclass
class Site:
    page: Page
    titles: list[str]
    ids: list[str]


@pytest.fixture(scope="module")
def site(browser, base_url, recorder, marker):
    context = browser.new_context(base_url=base_url, viewport={"width": 360, "height": 740},
                                  locale="fi-FI")
    context.set_default_timeout(20_000)
    recorder.attach(context)
    page = context.new_page()
    sign_up(page)
    titles = [f"Palaverin jälkeen {n} {marker}" for n in range(3)]
    ids = seed_entries(page, [(title, f"Huomasin {marker}, että kysymällä ensin mikä toimii "
                                      "keskustelu kääntyi ratkaisuihin.") for title in titles])
    yield Site(page, titles, ids)
    context.close()


def signed_out(new_context, width=360, height=740, locale="fi-FI") -> Page:
    return new_context(viewport={"width": width, "height": height}, locale=locale).new_page()


def journal_open(page: Page) -> None:
    page.goto("/journal/")
    expect(page.locator("#entry-list article[aria-busy]")).to_have_count(0)


# ------------------------------------------------------------------ no sideways scrolling

SCROLL = "[document.documentElement.scrollWidth, window.innerWidth]"
PUBLIC_PAGES = ["/", "/login", "/signup", "/recover", "/tietosuoja", "/saavutettavuus"]


def test_no_page_scrolls_sideways_at_320_px(new_context, site, no_plaintext):
    wide = []
    anonymous = signed_out(new_context, width=320, height=640)
    for path in PUBLIC_PAGES:
        anonymous.goto(path)
        scroll, viewport = anonymous.evaluate(SCROLL)
        if scroll > viewport:
            wide.append(f"{path} (signed out): {scroll} px in a {viewport} px viewport")
    page = site.page
    page.set_viewport_size({"width": 320, "height": 640})
    try:
        visits = [("/journal/", journal_open),
                  (f"/journal/{site.ids[0]}", lambda p: p.goto(f"/journal/{site.ids[0]}")),
                  ("/journal/new", lambda p: open_editor(p, "/journal/new")),
                  ("/account/", lambda p: p.goto("/account/")),
                  ("/tietosuoja", lambda p: p.goto("/tietosuoja"))]
        for path, visit in visits:
            visit(page)
            scroll, viewport = page.evaluate(SCROLL)
            if scroll > viewport:
                wide.append(f"{path}: {scroll} px in a {viewport} px viewport")
    finally:
        page.set_viewport_size({"width": 360, "height": 740})
    assert not wide, "pages scroll sideways at 320 px:\n" + "\n".join(wide)


# ------------------------------------------------------------------ the landing headline

# Each line break inside the element must fall after a space or a (soft) hyphen.
MID_WORD_BREAKS = """(el) => {
  const chars = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.data.length; i += 1) chars.push([node, i]);
  }
  const bad = [];
  let top = null;
  let before = null;
  for (const [node, i] of chars) {
    const ch = node.data[i];
    const range = document.createRange();
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    // a character just after a break may also report an empty box at the end of the line
    const rect = [...range.getClientRects()].filter((r) => r.width > 0).pop();
    if (rect && ch !== ' ' && ch !== '\\u00ad') {
      if (top !== null && rect.top > top + 2 && !/[\\s\\u00ad-]/.test(before ?? ' ')) {
        bad.push(`${node.data.slice(Math.max(0, i - 8), i)}|${node.data.slice(i, i + 8)}`);
      }
      top = rect.top;
    }
    before = ch;
  }
  return bad;
}"""


@pytest.mark.parametrize("locale", ["fi-FI", "sv-SE", "en-GB"])
@pytest.mark.parametrize("width", [320, 360])
def test_landing_headline_never_breaks_mid_word(new_context, site, locale, width,
                                                no_plaintext):
    page = signed_out(new_context, width=width, locale=locale)
    page.goto("/")
    headline = page.locator("main h1")
    assert headline.evaluate("(el) => getComputedStyle(el).hyphens") == "auto"
    assert headline.evaluate(MID_WORD_BREAKS) == [], f"{locale} at {width} px"
    assert headline.evaluate("(el) => el.scrollWidth <= el.clientWidth")


# ------------------------------------------------------------------ header, journal, install

def test_sign_out_is_in_settings_not_in_the_header(site, no_plaintext):
    page = site.page
    journal_open(page)
    header = page.locator("header")
    expect(header.get_by_role("button", name="Kirjaudu ulos")).to_have_count(0)
    expect(header.locator("[data-js-logout]")).to_have_count(0)
    page.goto("/account/")
    expect(page.locator(SIGN_OUT)).to_have_accessible_name("Kirjaudu ulos tältä laitteelta")
    expect(page.locator("main section").filter(has=page.locator(SIGN_OUT))
           .get_by_role("heading", name="Kirjaudu ulos")).to_be_visible()


def test_empty_journal_has_one_write_button(new_context, no_plaintext):
    page = signed_out(new_context)
    sign_up(page)
    expect(page.locator(".empty-state")).to_be_visible()
    expect(page.locator("main").get_by_role("link", name=re.compile("^Kirjoita"))).to_have_count(1)
    expect(page.locator("main a[href='/journal/new']")).to_have_count(1)


def test_journal_head_leaves_room_for_the_entries(site, no_plaintext):
    """Title, write button and search take well under half of a 360 × 740 screen."""
    page = site.page
    journal_open(page)
    first = page.locator("#entry-list > li.entry-card").first.bounding_box()
    assert first["y"] <= 0.4 * 740, f"the first entry starts at {first['y']} px"
    title = page.locator("main h1").bounding_box()
    write = page.locator("main").get_by_role("link", name="Kirjoita pohdinta").bounding_box()
    assert abs(title["y"] + title["height"] / 2 - (write["y"] + write["height"] / 2)) < 12, \
        "the title and the write button share a row"
    expect(page.get_by_role("searchbox", name="Hae päiväkirjastasi")).to_be_visible()


FAKE_INSTALL_PROMPT = """() => {
  const event = new Event('beforeinstallprompt', { cancelable: true });
  event.prompt = async () => {};
  event.userChoice = Promise.resolve({ outcome: 'dismissed' });
  window.dispatchEvent(event);
  const button = document.querySelector('[data-pwa-install]');
  return Boolean(button && !button.hidden);
}"""


def test_install_is_offered_in_settings_not_on_every_page(new_context, site, no_plaintext):
    desktop = signed_out(new_context, width=1280, height=800)
    for path in ("/", "/login", "/tietosuoja"):
        desktop.goto(path)
        desktop.wait_for_timeout(300)          # the pwa behaviour is attached
        assert not desktop.evaluate(FAKE_INSTALL_PROMPT), path
        expect(desktop.get_by_role("button", name="Asenna sovellus")).to_have_count(0)
    page = site.page
    journal_open(page)
    page.wait_for_timeout(300)
    assert not page.evaluate(FAKE_INSTALL_PROMPT)
    expect(page.get_by_role("button", name="Asenna sovellus")).to_have_count(0)
    page.goto("/account/")
    card = page.locator("[data-pwa-card]")
    expect(card.get_by_role("heading", name="Asenna sovellus")).to_be_visible()
    expect(card.locator("[data-pwa-menu-help]")).to_be_visible()   # no prompt (yet)
    page.wait_for_function(FAKE_INSTALL_PROMPT)
    expect(card.get_by_role("button", name="Asenna sovellus")).to_be_visible()
    expect(card.locator("[data-pwa-menu-help]")).to_be_hidden()


# ------------------------------------------------------------------ accessible names

INTERACTIVE = {"link", "button", "checkbox", "radio", "textbox", "searchbox", "combobox",
               "menuitem", "tab", "switch", "slider", "spinbutton"}


def unnamed_controls(page: Page) -> list[str]:
    """Links and controls with an empty name in Chromium's accessibility tree."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    found = []
    for node in nodes:
        role = (node.get("role") or {}).get("value")
        if node.get("ignored") or role not in INTERACTIVE:
            continue
        name = ((node.get("name") or {}).get("value") or "").strip()
        if not name:
            found.append(f"{role} (backend node {node.get('backendDOMNodeId')})")
    return found


def controls_in_tree(page: Page) -> int:
    return len(re.findall(r"^\s*- (link|button)\b", page.locator("body").aria_snapshot(), re.M))


def test_every_link_and_control_has_a_name(new_context, site, no_plaintext):
    problems = []
    anonymous = signed_out(new_context)
    for path in PUBLIC_PAGES:
        anonymous.goto(path)
        problems += [f"{path}: {p}" for p in unnamed_controls(anonymous)]
    page = site.page
    visits = [("/journal/", journal_open),
              (f"/journal/{site.ids[0]}", lambda p: p.goto(f"/journal/{site.ids[0]}")),
              ("/journal/new", lambda p: open_editor(p, "/journal/new")),
              ("/account/", lambda p: p.goto("/account/")),
              ("/saavutettavuus", lambda p: p.goto("/saavutettavuus"))]
    for path, visit in visits:
        visit(page)
        expect(page.locator("[aria-busy=true]")).to_have_count(0)
        assert controls_in_tree(page) > 0, path
        problems += [f"{path}: {p}" for p in unnamed_controls(page)]
    assert not problems, "links or controls without a name:\n" + "\n".join(problems)


def test_entry_links_are_named_by_their_title(site, no_plaintext):
    page = site.page
    journal_open(page)
    entries = page.locator("#entry-list")
    for title in site.titles:
        expect(entries.get_by_role("link", name=title, exact=True)).to_have_count(1)
    snapshot = entries.aria_snapshot()
    for title in site.titles:
        assert f'link "{title}"' in snapshot, snapshot
    # The whole card is the tap target: a tap on the excerpt opens the entry.
    excerpt = page.locator("#entry-list .entry-excerpt").first.bounding_box()
    page.mouse.click(excerpt["x"] + 10, excerpt["y"] + excerpt["height"] / 2)
    page.wait_for_url(re.compile(r"/journal/[0-9a-f-]{36}$"))


def test_entry_links_have_a_dated_name_before_they_are_opened(new_context, site, no_plaintext):
    """Before the sealed behaviour opens the cards (held here, on a second device without a
    service worker, so that the module really comes from the network), each link is named
    "Merkintä <date>"."""
    page = site.page
    page.goto("/account/")
    email = page.locator("main strong").first.inner_text()
    laptop = new_context(service_workers="block").new_page()
    log_in(laptop, email, PASSWORD)
    held = []
    sealed_module = re.compile(r"/static/build/sealed-[A-Z2-7]{8}\.js$")  # the built chunk
    laptop.route(sealed_module, lambda route: held.append(route))
    try:
        laptop.goto("/journal/")
        expect(laptop.locator("#entry-list article[aria-busy=true]")).to_have_count(3)
        links = laptop.locator("#entry-list").get_by_role("link", name=re.compile(
            r"^Merkintä \d{1,2}\.\d{1,2}\.\d{4}$"))
        expect(links).to_have_count(3)
        assert not [p for p in unnamed_controls(laptop) if p.startswith("link")]
        assert held, "the sealed behaviour's chunk was not held: the check would be empty"
    finally:
        laptop.context.close()          # with the module still held
