"""The recovery-key screen (issue 7, point 8), on a 360 px phone: "Kopioi" says that it
copied (or that it could not) in a visible, announced status; the step opens at its heading
(in view and focused); the groups are numbered on screen and the confirm step names the asked
group by its position in words. With the no-plaintext proof."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .device import js_string
from .test_recovery_prompt import start_sign_up

FI_ORDINALS = ["ensimmäinen", "toinen", "kolmas", "neljäs", "viides", "kuudes", "seitsemäs",
               "kahdeksas", "yhdeksäs", "kymmenes", "yhdestoista", "kahdestoista",
               "kolmastoista"]


def test_copy_says_it_copied(new_context, no_plaintext):
    context = new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    _, key = start_sign_up(page)
    status = page.locator("[data-recovery-copy-status]")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_be_empty()
    page.get_by_role("button", name="Kopioi").click()
    expect(status).to_have_text(js_string(page, "recoveryCopied"))
    expect(status).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key


def test_copy_says_when_it_could_not(new_context, no_plaintext):
    page = new_context().new_page()
    page.add_init_script("""Object.defineProperty(navigator, 'clipboard', {value: {
        writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError'))}});""")
    start_sign_up(page)
    page.get_by_role("button", name="Kopioi").click()
    status = page.locator("[data-recovery-copy-status]")
    expect(status).to_have_text(js_string(page, "recoveryCopyFailed"))
    expect(status).to_be_visible()


def test_the_step_opens_at_its_heading(new_context, no_plaintext):
    page = new_context(viewport={"width": 360, "height": 640}).new_page()
    start_sign_up(page)
    heading = page.get_by_role("heading", level=1, name="Palautusavaimesi")
    expect(heading).to_be_focused()
    box = heading.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 640, box
    # the whole heading is on screen, not only a part of it
    assert page.evaluate("document.getElementById('recovery-title').getBoundingClientRect()"
                         ".top") >= 0


def test_the_asked_group_is_named_by_its_position(new_context, no_plaintext):
    page = new_context().new_page()
    _, key = start_sign_up(page)
    groups = key.split("-")
    # Each group is numbered on screen (1–13, above the group).
    numbers = page.evaluate("""() => [...document.querySelectorAll(
        '[data-recovery-key] .recovery-group')].map((el) => [
        getComputedStyle(el, '::before').content, el.textContent])""")
    assert numbers == [[f'"{i + 1}"', g] for i, g in enumerate(groups)]
    label = page.text_content("[data-recovery-label]")
    n = int(re.search(r"\d+", label).group())
    assert f"palautusavaimesi {FI_ORDINALS[n - 1]} ryhmä (numero {n})" in label, label
    # The field is named by that sentence (what a screen reader says).
    expect(page.get_by_role("textbox", name=re.compile(FI_ORDINALS[n - 1]))).to_be_visible()
    # Typing that group continues to the journal.
    page.get_by_role("textbox", name=re.compile(FI_ORDINALS[n - 1])).fill(groups[n - 1])
    page.locator("[data-recovery-confirm] [type=submit]").click()
    page.wait_for_url(re.compile(r"^[^?]*/journal/$"))


def test_the_ordinals_in_swedish_and_english(new_context, no_plaintext):
    """Every language names the position in words (the list has all 13 positions)."""
    page = new_context(locale="sv-SE").new_page()
    page.goto("/signup")
    for lang, third in (("sv", "tredje"), ("en", "third")):
        page.goto("/signup")
        page.select_option("#language-select", lang)
        with page.expect_navigation():              # the form posts, then redirects back
            page.locator(".language-form [type=submit]").click()
        page.wait_for_load_state()
        expect(page.locator("html")).to_have_attribute("lang", lang)
        ordinals = js_string(page, "recoveryOrdinals").split("|")
        assert len(ordinals) == 13 and ordinals[2] == third, ordinals
        assert "{ordinal}" in js_string(page, "recoveryGroup")
