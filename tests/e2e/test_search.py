"""Search on the device in the user's language (issue 7, point 6): Finnish and Swedish
stemming, prefix and compound matching ("raportti" finds "asiakasraportin"), and tags as
tappable filters: toggle buttons on the cards with names and a pressed state, a line that says
which tag filters the list and a button that removes it, and links from an entry's page. The
query and the tag never leave the device (the tag lives in the URL's fragment)."""
from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import Page, expect

from .conftest import run_axe
from .device import js_string
from .journeys import sign_up, write_entry
from .test_i18n_ui import switch_language

CARDS = "#entry-list > li.entry-card"
RESULTS = "#search-results > li.entry-card"


def tag_button(page: Page, scope: str, tag: str, pressed: bool | None = None):
    """A tag's filter button found through the accessibility tree (role, name, pressed)."""
    name = js_string(page, "tagFilter").replace("{tag}", tag)
    if pressed is None:
        return page.locator(scope).get_by_role("button", name=name, exact=True)
    return page.locator(scope).get_by_role("button", name=name, exact=True, pressed=pressed)


def count_text(page: Page, n: int) -> str:
    key = "searchCount_one" if n == 1 else "searchCount_other"
    return js_string(page, key).replace("{n}", str(n))


def test_finnish_search_finds_compounds_and_tags_filter_the_journal(
        new_context, recorder, marker, no_plaintext):
    # CSP bypassed only to inject axe-core; reduced motion so no colour is measured mid-transition.
    page = new_context(bypass_csp=True, reduced_motion="reduce").new_page()
    sign_up(page)
    entries = [
        ("Maanantai", f"Kirjoitin asiakasraportin illalla valmiiksi. {marker}", "työ, asiakkaat"),
        ("Tiimipalaveri", f"Puhuimme rajoista ja jaksamisesta. {marker}", "tiimi"),
        ("Rapujuhlat", f"Söimme rapuja ja raparperipiirakkaa. {marker}", "Tiimi, vapaa"),
    ]
    ids = {title: write_entry(page, title, body, tags) for title, body, tags in entries}
    page.goto("/journal/")
    expect(page.locator(f"{CARDS} article[data-state=open]")).to_have_count(3)
    search = page.locator("#journal-search")
    results = page.locator(RESULTS)

    # Stemming + compounds: "raportti" finds "asiakasraportin", not "rapuja"/"raparperi".
    search.press_sequentially("raportti")
    expect(results.locator(".entry-title")).to_have_text(["Maanantai"])
    expect(page.locator("[data-search-count]")).to_have_text(count_text(page, 1))
    expect(page.locator("#entry-list")).to_be_hidden()
    search.fill("raporttien")  # another form of the word
    expect(results.locator(".entry-title")).to_have_text(["Maanantai"])
    search.fill("rapu")  # a prefix: "rapuja" and the title "Rapujuhlat", nothing else
    expect(results.locator(".entry-title")).to_have_text(["Rapujuhlat"])
    search.fill("rapotti")  # misspelt: no match
    expect(results).to_have_count(0)
    expect(page.locator("[data-search-count]")).to_have_text(js_string(page, "searchNone"))
    search.fill("")
    expect(page.locator("#entry-list")).to_be_visible()

    # Tap a tag on a card: the journal shows only that tag (case-insensitive: "Tiimi" too).
    chip = tag_button(page, "#entry-list", "tiimi", pressed=False)
    expect(chip).to_have_count(1)
    chip.click()
    expect(results.locator(".entry-title")).to_have_text(["Rapujuhlat", "Tiimipalaveri"])
    expect(page.locator("#entry-list")).to_be_hidden()
    bar = page.locator("[data-tag-filter-bar]")
    expect(bar).to_be_visible()
    expect(bar.locator(".tag-filter-label")).to_have_text(
        js_string(page, "tagFilterActive").replace("{tag}", "tiimi"))
    expect(bar.locator(".tag-filter-label")).to_be_focused()  # the new state is read out
    expect(page.locator("[data-search-count]")).to_have_text(count_text(page, 2))
    expect(tag_button(page, "#search-results", "tiimi", pressed=True)).to_have_count(1)
    expect(tag_button(page, "#search-results", "Tiimi", pressed=True)).to_have_count(1)
    expect(tag_button(page, "#search-results", "vapaa", pressed=False)).to_have_count(1)
    assert page.url.endswith("/journal/#tag=tiimi")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert run_axe(page) == [], scheme

    # Search within the filter: both apply.
    search.fill("jaksaminen")
    expect(results.locator(".entry-title")).to_have_text(["Tiimipalaveri"])
    search.fill("raportti")  # only in an entry without the tag
    expect(results).to_have_count(0)
    search.fill("")
    expect(results).to_have_count(2)

    # Tapping the pressed tag again removes the filter, as does the clear button.
    tag_button(page, "#search-results", "tiimi", pressed=True).click()
    expect(page.locator("#entry-list")).to_be_visible()
    expect(bar).to_be_hidden()
    expect(search).to_be_focused()
    tag_button(page, "#entry-list", "vapaa").click()
    expect(results.locator(".entry-title")).to_have_text(["Rapujuhlat"])
    clear = page.get_by_role("button", name=js_string(page, "tagFilterClear"), exact=True)
    clear.click()
    expect(page.locator("#entry-list")).to_be_visible()
    expect(results).to_be_hidden()
    expect(bar).to_be_hidden()
    expect(search).to_be_focused()
    assert page.url.endswith("/journal/")

    # On an entry's page the tags are links to the journal filtered by them.
    page.goto(f"/journal/{ids['Maanantai']}")
    link = page.get_by_role("link", name=js_string(page, "tagFilter").replace("{tag}", "työ"),
                            exact=True)
    expect(link).to_have_attribute("href", f"/journal/#tag={quote('työ')}")
    link.click()
    page.wait_for_url(re.compile(r".*/journal/#tag="))
    expect(results.locator(".entry-title")).to_have_text(["Maanantai"])
    expect(page.locator("[data-tag-filter-bar] .tag-filter-label")).to_have_text(
        js_string(page, "tagFilterActive").replace("{tag}", "työ"))

    # Neither the query words nor the tags went anywhere: the fragment is never sent.
    assert recorder.urls, "no requests were recorded: the check would be empty"
    for needle in ("raportti", "raporttien", "rapotti", "jaksaminen", "tiimi", "vapaa",
                   quote("työ"), "tag="):
        assert not any(needle in url.lower() for url in recorder.urls), needle
        assert not any(needle.encode() in body.lower() for body in recorder.bodies), needle


def test_swedish_search_stems_in_swedish(new_context, marker, no_plaintext):
    page = new_context().new_page()
    sign_up(page)
    switch_language(page, "sv")
    write_entry(page, "Måndag", f"Jag skrev kundrapporten i kväll. {marker}")
    write_entry(page, "Fredag", f"Alla rapporterna är klara. {marker}")
    write_entry(page, "Export", f"Exporten misslyckades igen. {marker}")
    page.goto("/journal/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator(f"{CARDS} article[data-state=open]")).to_have_count(3)
    page.locator("#journal-search").press_sequentially("rapport")
    expect(page.locator(f"{RESULTS} .entry-title")).to_have_text(["Fredag", "Måndag"])
    page.locator("#journal-search").fill("rapporten")
    expect(page.locator(f"{RESULTS} .entry-title")).to_have_text(["Fredag", "Måndag"])
    expect(page.locator("[data-search-count]")).to_have_text(count_text(page, 2))
