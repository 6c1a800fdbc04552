"""Two devices of one user edit the same reflection. Device A saves first; device B's save is
stale and must show a conflict panel with both versions, losing nothing. Each choice is its
own test: keep mine, keep the saved one, merge and edit, keep mine as a new reflection.
With the no-plaintext proof."""
from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Page, expect

from .device import js_string
from .journeys import log_in, open_editor, open_entry, save_compose, write_entry


@dataclass
class Conflict:
    a: Page
    b: Page
    item_id: str
    title: str        # the title both started from (A keeps it)
    a_body: str
    b_title: str
    b_body: str


def make_conflict(new_context, account, marker) -> Conflict:
    """A writes an entry; B opens its editor; A edits and saves; B edits and saves (stale)."""
    a = new_context().new_page()
    log_in(a, account.email, account.password)
    title = f"Yhteinen {marker}"
    item_id = write_entry(a, title, f"Alkuperäinen {marker}.")
    b = new_context().new_page()
    log_in(b, account.email, account.password)
    open_editor(b, f"/journal/{item_id}/edit")
    expect(b.locator("#body")).to_have_value(f"Alkuperäinen {marker}.")

    a_body = f"Laitteen A versio {marker}: kirjoitin tämän ensin."
    open_editor(a, f"/journal/{item_id}/edit")
    a.fill("#body", a_body)
    save_compose(a, item_id)
    expect(a.locator("[data-field=body]")).to_have_text(a_body)

    b_title, b_body = f"B:n otsikko {marker}", f"Laitteen B versio {marker}: vanhan päälle."
    b.fill("#title", b_title)
    b.fill("#body", b_body)
    b.locator("[data-compose-form] [type=submit]").click()
    panel = b.locator("[data-conflict]")
    expect(panel).to_be_visible(timeout=30_000)
    return Conflict(a, b, item_id, title, a_body, b_title, b_body)


def expect_both_versions(c: Conflict) -> None:
    panel = c.b.locator("[data-conflict]")
    expect(panel.locator("[data-mine-title]")).to_have_text(c.b_title)
    expect(panel.locator("[data-mine-body]")).to_have_text(c.b_body)
    expect(panel.locator("[data-theirs-title]")).to_have_text(c.title)
    expect(panel.locator("[data-theirs-body]")).to_have_text(c.a_body)
    expect(c.b.locator("[data-compose-form] [data-status]")).to_have_text(
        js_string(c.b, "conflict"))
    expect(panel).to_be_focused()
    expect(c.b).to_have_url(re.compile(rf"/journal/{c.item_id}/edit$"))   # still editing


def read_elsewhere(new_context, account, item_id: str) -> tuple[str, str]:
    """What the server holds, as a third device reads it."""
    c = new_context().new_page()
    log_in(c, account.email, account.password)
    return open_entry(c, item_id)


def test_keep_mine(new_context, module_account, marker, no_plaintext):
    c = make_conflict(new_context, module_account, marker)
    expect_both_versions(c)
    c.b.locator("[data-keep-mine]").click()
    c.b.wait_for_url(re.compile(rf"/journal/{c.item_id}$"))
    expect(c.b.locator("article[data-state=open] [data-field=body]")).to_have_text(c.b_body)
    assert read_elsewhere(new_context, module_account, c.item_id) == (c.b_title, c.b_body)


def test_keep_the_saved_one(new_context, module_account, marker, no_plaintext):
    c = make_conflict(new_context, module_account, marker)
    expect_both_versions(c)
    c.b.locator("[data-keep-theirs]").click()
    c.b.wait_for_url(re.compile(rf"/journal/{c.item_id}$"))
    assert open_entry(c.b, c.item_id) == (c.title, c.a_body)
    # B's discarded text does not come back as a draft.
    open_editor(c.b, f"/journal/{c.item_id}/edit")
    expect(c.b.locator("#body")).to_have_value(c.a_body)
    expect(c.b.locator("[data-compose-form] [data-status]")).not_to_have_text(
        js_string(c.b, "draftRestored"))
    assert open_entry(c.a, c.item_id) == (c.title, c.a_body)


def test_merge_and_edit(new_context, module_account, marker, no_plaintext):
    c = make_conflict(new_context, module_account, marker)
    expect_both_versions(c)
    c.b.locator("[data-merge]").click()
    expect(c.b.locator("[data-conflict]")).to_be_hidden()
    expect(c.b.locator("[data-compose-form] [data-status]")).to_have_text(
        js_string(c.b, "mergeHint"))
    body = c.b.locator("#body")
    expect(body).to_be_focused()
    merged = body.input_value()
    assert c.b_body in merged and c.a_body in merged, merged
    title = c.b.locator("#title").input_value()
    assert c.b_title in title and c.title in title, title

    edited = merged + f"\n\nYhdistin molemmat {marker}."
    c.b.fill("#body", edited)
    save_compose(c.b, c.item_id)
    expect(c.b.locator("article[data-state=open] [data-field=body]")).to_have_text(edited)
    assert read_elsewhere(new_context, module_account, c.item_id) == (title, edited)


def test_keep_mine_as_a_new_reflection(new_context, module_account, marker, no_plaintext):
    c = make_conflict(new_context, module_account, marker)
    expect_both_versions(c)
    c.b.locator("[data-keep-as-new]").click()
    c.b.wait_for_url(re.compile(r"/journal/[0-9a-f-]{36}$"))
    new_id = c.b.url.rsplit("/", 1)[1]
    assert new_id != c.item_id
    assert open_entry(c.b, new_id) == (c.b_title, c.b_body)
    assert open_entry(c.b, c.item_id) == (c.title, c.a_body)      # A's version untouched
