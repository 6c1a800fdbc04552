"""What saving a reflection leaves behind on the device. A successful save goes straight to the
saved entry (no "Leave site?" prompt) and leaves no draft behind, so the next new reflection
starts empty and becomes a new entry; leaving a page with unsaved text does ask, and keeps the
text as a sealed draft that comes back. With the no-plaintext proof."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .device import js_string
from .journeys import log_in, open_editor, save_compose

CARDS = "#entry-list > li.entry-card"


def type_entry(page, title: str, body: str) -> None:
    page.fill("#title", title)
    page.fill("#body", body)


def test_saving_goes_to_the_entry_without_a_leave_prompt(new_context, module_account, recorder,
                                                         marker, no_plaintext):
    page = new_context().new_page()
    log_in(page, module_account.email, module_account.password)
    open_editor(page, "/journal/new")
    type_entry(page, f"Tallennus {marker}", f"Teksti {marker}.")
    save_compose(page)
    expect(page.locator("article[data-state=open] [data-field=body]")).to_have_text(
        f"Teksti {marker}.")
    assert recorder.leave_prompts() == [], (
        "saving asked 'Leave site?' (the compose page still counts as saving when it "
        f"navigates to the entry): {recorder.leave_prompts()}")


def test_next_new_reflection_starts_empty(new_context, module_account, marker, no_plaintext):
    page = new_context().new_page()
    log_in(page, module_account.email, module_account.password)
    open_editor(page, "/journal/new")
    first = (f"Ensimmäinen {marker}", f"Ensimmäinen teksti {marker}.")
    type_entry(page, *first)
    first_id = save_compose(page)

    open_editor(page, "/journal/new")
    status = page.locator("[data-compose-form] [data-status]")
    expect(page.locator("#title")).to_have_value("")
    expect(page.locator("#body")).to_have_value("")
    expect(status).not_to_have_text(js_string(page, "draftRestored"))

    second = (f"Toinen {marker}", f"Toinen teksti {marker}.")
    type_entry(page, *second)
    second_id = save_compose(page)
    assert second_id != first_id, "the second reflection was saved over the first"
    page.goto("/journal/")
    expect(page.locator(f"a[href='/journal/{first_id}'][data-field=title]")).to_have_text(
        first[0])
    expect(page.locator(f"a[href='/journal/{second_id}'][data-field=title]")).to_have_text(
        second[0])


def test_leaving_unsaved_text_asks_and_keeps_a_draft(new_context, module_account, recorder,
                                                     marker, no_plaintext):
    page = new_context().new_page()
    log_in(page, module_account.email, module_account.password)
    open_editor(page, "/journal/new")
    text = (f"Keskeneräinen {marker}", f"En ehtinyt tallentaa {marker}.")
    type_entry(page, *text)
    before = len(recorder.leave_prompts())
    page.locator(".site-nav a[href='/journal/']").click()
    page.wait_for_url(re.compile(r"^[^?]*/journal/$"))
    assert len(recorder.leave_prompts()) == before + 1, "leaving unsaved text did not ask"

    open_editor(page, "/journal/new")
    expect(page.locator("#title")).to_have_value(text[0])
    expect(page.locator("#body")).to_have_value(text[1])
    expect(page.locator("[data-compose-form] [data-status]")).to_have_text(
        js_string(page, "draftRestored"))
