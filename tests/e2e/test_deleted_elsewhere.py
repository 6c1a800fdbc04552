"""An entry edited on one device (the laptop) is deleted on another (the phone) before the edit
is saved: the server answers the PUT with 410 `deleted` (the id stays deleted), and the
editor must not lose the text. It shows the "deleted on another device" panel, with the
typed text, "keep mine as a new reflection" and "discard my text" (and none of the 409
choices); keeping it as new saves a NEW entry (another id) with exactly the typed text, and
the old id stays gone. Once online, once offline (the edit waits in the outbox, which meets
the 410 when the network is back). With the no-plaintext proof."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .device import js_string
from .journeys import log_in, open_editor, open_entry, write_entry
from .test_offline import OUTBOX_OPS, until, wait_for_outbox, wait_until_offline_ready

SUBMIT = "[data-compose-form] [type=submit]"
STATUS = "[data-compose-form] [data-status]"
KEEP_AS_NEW = "Säilytä omani uutena pohdintana"   # "Keep mine as a new reflection" (fi)
ID = re.compile(r".*/journal/([0-9a-f-]{36})$")


def delete_elsewhere(phone: Page, item_id: str) -> None:
    """The other device deletes the entry through the API (the app's own client: session
    cookie and CSRF token), and the server then refuses the id."""
    status = phone.evaluate("""async (id) => {
        const { api } = await import('/static/js/api.js');
        await api('DELETE', `/items/${id}`);
        return (await fetch(`/api/v1/items/${id}`)).status;
    }""", item_id)
    assert status in (404, 410), f"the deleted entry still answers {status}"


def api_status(page: Page, item_id: str) -> int:
    return page.evaluate("async (id) => (await fetch(`/api/v1/items/${id}`)).status", item_id)


def expect_deleted_panel(laptop: Page, item_id: str, title: str, body: str,
                         editing: str | None = None):
    """The deleted-elsewhere panel is shown with the typed text and only its two choices;
    the laptop is still on the edit page (or on `editing`). Returns the panel."""
    panel = laptop.get_by_role("region", name=js_string(laptop, "deletedConflictTitle"))
    expect(panel).to_be_visible(timeout=30_000)
    expect(panel).to_be_focused()
    expect(panel.get_by_role("heading", level=2)).to_have_text(
        js_string(laptop, "deletedConflictTitle"))
    expect(panel.locator("[data-conflict-intro]")).to_have_text(
        js_string(laptop, "deletedConflictText"))
    expect(panel.locator("[data-mine-title]")).to_have_text(title)
    expect(panel.locator("[data-mine-body]")).to_have_text(body)
    # No "saved version" to compare with, and no 409 choices.
    expect(panel.locator("[data-theirs-body]")).to_be_hidden()
    expect(panel.locator("[data-keep-mine]")).to_be_hidden()
    expect(panel.locator("[data-merge]")).to_be_hidden()
    expect(panel.get_by_role("button", name=KEEP_AS_NEW)).to_be_visible()
    expect(panel.get_by_role("button", name=js_string(laptop, "discardMine"))).to_be_visible()
    expect(laptop.locator(STATUS)).to_have_text(js_string(laptop, "deletedConflict"))
    expect(laptop).to_have_url(re.compile(editing or rf"/journal/{item_id}/edit$"))
    return panel


def keep_as_new(laptop: Page, panel, item_id: str, title: str, body: str) -> str:
    """Choose "keep mine as a new reflection": a new entry with the typed text is shown."""
    panel.get_by_role("button", name=KEEP_AS_NEW).click()
    laptop.wait_for_url(ID, timeout=30_000)
    new_id = ID.match(laptop.url).group(1)
    assert new_id != item_id, "the text was not kept as a new reflection"
    shown = laptop.locator("article[data-state=open]")
    expect(shown.locator("[data-field=title]")).to_have_text(title)
    expect(shown.locator("[data-field=body]")).to_have_text(body)
    return new_id


def two_devices(new_context, account, marker):
    phone = new_context().new_page()
    log_in(phone, account.email, account.password)
    original = f"Alkuperäinen {marker}."
    item_id = write_entry(phone, f"Poistuva {marker}", original)
    laptop_context = new_context()
    laptop = laptop_context.new_page()
    log_in(laptop, account.email, account.password)
    return phone, laptop_context, laptop, item_id, original


def test_edit_of_an_entry_deleted_elsewhere_is_kept_as_a_new_reflection(
        new_context, module_account, marker, no_plaintext):
    phone, _ctx, laptop, item_id, original = two_devices(new_context, module_account, marker)
    open_editor(laptop, f"/journal/{item_id}/edit")
    expect(laptop.locator("#body")).to_have_value(original)
    title, body = f"Läppärin otsikko {marker}", f"Läppärin muokkaus {marker}: ei saa kadota."
    laptop.fill("#title", title)
    laptop.fill("#body", body)

    delete_elsewhere(phone, item_id)
    laptop.locator(SUBMIT).click()
    panel = expect_deleted_panel(laptop, item_id, title, body)

    new_id = keep_as_new(laptop, panel, item_id, title, body)
    wait_for_outbox(laptop, 0)
    # Another device decrypts the new entry from the server; the old id stays gone.
    assert open_entry(phone, new_id) == (title, body)
    assert api_status(phone, item_id) in (404, 410)
    assert api_status(laptop, item_id) in (404, 410)


def test_offline_edit_of_an_entry_deleted_elsewhere_offers_the_text_when_back_online(
        new_context, module_account, marker, no_plaintext):
    phone, laptop_context, laptop, item_id, original = two_devices(
        new_context, module_account, marker)
    wait_until_offline_ready(laptop)
    open_editor(laptop, f"/journal/{item_id}/edit")
    expect(laptop.locator("#body")).to_have_value(original)

    laptop_context.set_offline(True)
    title, body = f"Junassa {marker}", f"Offline-muokkaus {marker}: odottaa jonossa."
    laptop.fill("#title", title)
    laptop.fill("#body", body)
    laptop.locator(SUBMIT).click()
    # Saved offline, like online: the entry, shown from the device (issue 7).
    laptop.wait_for_url(re.compile(rf".*/journal/{item_id}$"))
    expect(laptop.locator("[data-local-entry] [data-local-pending]")).to_be_visible()
    wait_for_outbox(laptop, 1, "the offline edit queued")

    delete_elsewhere(phone, item_id)
    laptop_context.set_offline(False)
    # The outbox's sync meets the 410 and keeps the sealed text queued as a deleted conflict.
    until(laptop, f"""async () => {{
        const ops = await ({OUTBOX_OPS})();
        return ops.length === 1 && ops[0].conflict && ops[0].conflict.deleted === true;
    }}""", what="the laptop's sync to meet the 410")
    expect(laptop.locator("[data-js-outbox-status]")).to_contain_text(
        js_string(laptop, "conflictsWaiting_one").replace("{n}", "1"))

    # The entry's edit page is gone with it: a new-reflection page takes the text in.
    open_editor(laptop, "/journal/new")
    panel = expect_deleted_panel(laptop, item_id, title, body, editing=r"/journal/new$")
    new_id = keep_as_new(laptop, panel, item_id, title, body)
    wait_for_outbox(laptop, 0)
    assert open_entry(phone, new_id) == (title, body)
    assert api_status(phone, item_id) in (404, 410)
