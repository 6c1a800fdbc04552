"""Writing comfort and honest saving (issue 7, points 2, 3 and 7), in a real Chromium at
360 px: an empty form (or one of only spaces) is refused next to the field before anything is
sealed or sent; saving offline goes to the entry like saving online, marked "not sent yet",
with no failure wording, and the notices follow the network; the writing prompt shows before
the text area, which grows with the text; a quiet "draft kept on this device" state, "discard
draft" (the sealed draft leaves IndexedDB), cancel that keeps the draft; a short confirmation
after saving, editing and deleting. Every test ends with the no-plaintext proof."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .device import js_string
from .journeys import open_editor, sign_up, write_entry
from .test_offline import (
    TIMEOUT,
    outbox_ops,
    server_items,
    uid_of,
    until,
    wait_for_outbox,
    wait_until_offline_ready,
)

SUBMIT = "[data-compose-form] [type=submit]"
STATUS = "[data-compose-form] [data-status]"
NOTICE = "[data-js-notice]"
ENTRY_URL = re.compile(r".*/journal/[0-9a-f-]{36}$")

# The sealed draft of a new reflection, as the device keeps it (keystore's sealed store).
DRAFT_STORED = """async (uid) => Boolean(await (await import('/static/js/keystore.js'))
    .getSealed(`${uid}:new:entry`))"""


def puts(recorder) -> list[str]:
    return [s.url for s in recorder.sent if s.method == "PUT"]


def type_slowly_enough(page: Page, selector: str, text: str) -> None:
    """Type (input events, as a person would) rather than fill, where the draft matters."""
    page.locator(selector).press_sequentially(text, delay=5)


# ------------------------------------------------------------------ point 2: empty entries

@pytest.mark.parametrize("title, body, tags", [
    ("", "", ""),
    ("   ", "  \n\n   \t ", ""),
    ("", "   ", "tiimi, rajat"),   # tags alone make no reflection
], ids=["empty", "only-spaces", "only-tags"])
def test_an_empty_form_is_refused_next_to_the_field(new_context, module_account, recorder,
                                                    marker, no_plaintext, title, body, tags):
    from .journeys import log_in
    page = new_context().new_page()
    log_in(page, module_account.email, module_account.password)
    open_editor(page, "/journal/new")
    page.fill("#title", title)
    page.fill("#body", body)
    page.fill("#tags", tags)
    before = len(recorder.sent)
    page.locator(SUBMIT).click()

    field = page.locator("#body")
    error = page.locator("#body-error")
    expect(error).to_be_visible()
    expect(error).to_have_text(js_string(page, "emptyEntry"))
    expect(field).to_have_attribute("aria-invalid", "true")
    assert "body-error" in field.get_attribute("aria-describedby").split()
    expect(field).to_be_focused()
    page.wait_for_timeout(500)  # a save would have queued and sent by now
    assert re.search(r"/journal/new$", page.url), "the page left as if saved"
    sent = [s for s in recorder.sent[before:] if s.method in ("PUT", "POST", "DELETE")]
    assert sent == [], f"an empty form sent {[s.label() for s in sent]}"
    assert outbox_ops(page) == [], "an empty form was sealed into the outbox"
    assert page.evaluate("""async (uid) => (await (await import('/static/js/mirror.js'))
        .list(uid)).every((item) => !item.pending)""", uid_of(page)), \
        "an empty form was kept in the mirror"

    # Writing something clears the message, and then it saves.
    page.locator("#body").press_sequentially(f"Nyt on sisältöä {marker}")
    expect(field).not_to_have_attribute("aria-invalid", "true")
    expect(error).to_be_hidden()
    page.locator(SUBMIT).click()
    page.wait_for_url(ENTRY_URL)
    expect(page.locator("article[data-state=open] [data-field=body]")).to_have_text(
        f"Nyt on sisältöä {marker}")


# ------------------------------------------------------------------ point 3: saving offline

def test_saving_offline_goes_to_the_entry_marked_not_sent_yet(new_context, live_server,
                                                              recorder, marker,
                                                              no_plaintext):
    context = new_context()
    page = context.new_page()
    sign_up(page)
    wait_until_offline_ready(page)
    context.set_offline(True)
    open_editor(page, "/journal/new")
    title, body = f"Junassa {marker}", f"Kirjoitettu ilman verkkoa {marker}."
    page.fill("#title", title)
    page.fill("#body", body)
    page.locator(SUBMIT).click()

    # Like an online save: the entry, shown from the device, marked "not sent yet".
    page.wait_for_url(ENTRY_URL)
    [op] = outbox_ops(page)
    assert page.url.endswith(op["id"])
    entry = page.locator("[data-local-entry]")
    expect(entry.locator("[data-field=title]")).to_have_text(title)
    expect(entry.locator("[data-field=body]")).to_have_text(body)
    expect(entry.locator("[data-local-pending]")).to_be_visible()
    expect(entry.locator("[data-local-pending]")).to_have_text(js_string(page, "notSentYet"))
    expect(page.locator(NOTICE)).to_have_text(js_string(page, "savedLocally"))
    # No failure wording, no "try again".
    for key in ("saveFailed", "genericError"):
        expect(page.locator("main")).not_to_contain_text(js_string(page, key))
    expect(page.locator("[data-retry]")).to_have_count(0)
    expect(page.locator("[data-local-status]")).to_be_visible()
    expect(page.locator("[data-js-outbox-status]")).to_be_visible()
    assert server_items(live_server, uid_of(page)) == [], "it reached the server offline?"

    # Back online: the outbox sends it, and the notices follow: the mark, the offline notice
    # and the status line go, without a reload.
    context.set_offline(False)
    wait_for_outbox(page, 0, "the outbox to send the entry once back online")
    expect(entry.locator("[data-local-pending]")).to_be_hidden()
    expect(page.locator("[data-local-status]")).to_be_hidden(timeout=TIMEOUT)
    expect(page.locator("[data-js-outbox-status]")).to_be_hidden(timeout=TIMEOUT)
    expect(page.locator(NOTICE)).to_have_text(js_string(page, "saved"))
    expect(entry.locator("[data-field=body]")).to_have_text(body)
    assert [i.id for i in server_items(live_server, uid_of(page))] == [op["id"]]

    # Offline again: the offline notice comes back.
    context.set_offline(True)
    expect(page.locator("[data-local-status]")).to_be_visible()
    context.set_offline(False)


# ------------------------------------------------------------------ point 7: writing comfort

def test_prompt_shows_first_and_the_text_area_grows(new_context, module_account, marker,
                                                    no_plaintext):
    from .journeys import log_in
    page = new_context().new_page()
    log_in(page, module_account.email, module_account.password)
    open_editor(page, "/journal/new")
    prompt = page.locator("#body-help")
    body = page.locator("#body")
    tags = page.locator("#tags")
    expect(prompt).to_be_visible()
    assert prompt.bounding_box()["y"] < body.bounding_box()["y"], "the prompt is below the box"
    expect(prompt).to_be_in_viewport()
    assert "body-help" in body.get_attribute("aria-describedby").split()
    # The tags field and the save button are on the first screen of an empty form.
    viewport = page.viewport_size["height"]
    assert tags.bounding_box()["y"] + tags.bounding_box()["height"] < viewport, \
        "the tags field is below the fold of an empty form"

    start = body.bounding_box()["height"]
    page.fill("#title", f"Kasvava {marker}")
    body.fill("\n".join(f"Rivi {n} {marker}" for n in range(30)))
    grown = body.bounding_box()["height"]
    assert grown > start * 2, f"the text area did not grow with the text ({start} → {grown})"
    assert body.evaluate("(el) => el.scrollHeight <= el.clientHeight + 2"), \
        "the text scrolls inside the box instead of the box growing"
    body.fill("Lyhyt.")
    assert body.bounding_box()["height"] < grown, "the text area did not shrink back"


def test_the_text_area_grows_without_field_sizing_too(new_context, module_account, marker,
                                                      no_plaintext):
    """The small script fallback (autogrow.js) where the browser lacks field-sizing."""
    from .journeys import log_in
    context = new_context()
    context.add_init_script("""(() => {
        const supports = CSS.supports.bind(CSS);
        CSS.supports = (...args) => !String(args[0]).includes('field-sizing') && supports(...args);
    })();""")
    page = context.new_page()
    log_in(page, module_account.email, module_account.password)
    open_editor(page, "/journal/new")
    body = page.locator("#body")
    body.press_sequentially("\n".join(f"Rivi {n} {marker}" for n in range(12)), delay=1)
    height = body.evaluate("(el) => parseFloat(el.style.height) || 0")
    assert height > 0, "the fallback set no height"
    assert body.evaluate("(el) => el.scrollHeight <= el.clientHeight + 2")
    page.locator("#body").fill("")
    page.locator("#body").press_sequentially("x")
    assert body.evaluate("(el) => parseFloat(el.style.height)") < height


def test_draft_kept_quietly_and_a_restored_draft_can_be_discarded(new_context, recorder,
                                                                  marker, no_plaintext):
    context = new_context()
    page = context.new_page()
    sign_up(page)
    uid = uid_of(page)
    open_editor(page, "/journal/new")
    discard = page.locator("[data-discard-draft]")
    expect(discard).to_be_hidden()   # nothing to discard on a fresh page
    type_slowly_enough(page, "#body", f"Kesken {marker}")
    expect(page.locator(STATUS)).to_have_text(js_string(page, "draftKept"))
    until(page, DRAFT_STORED, uid, what="the sealed draft in IndexedDB")

    # Back later: the draft is restored and can be discarded, after a confirmation.
    page.goto("/journal/")
    open_editor(page, "/journal/new")
    expect(page.locator("#body")).to_have_value(f"Kesken {marker}")
    expect(page.locator(STATUS)).to_have_text(js_string(page, "draftRestored"))
    expect(discard).to_be_visible()
    dialog = page.locator("[data-discard-dialog]")
    discard.click()
    expect(dialog).to_be_visible()
    dialog.locator("[data-keep]").click()        # changed my mind: nothing happens
    expect(dialog).to_be_hidden()
    expect(page.locator("#body")).to_have_value(f"Kesken {marker}")
    assert page.evaluate(DRAFT_STORED, uid)

    discard.click()
    dialog.locator("[data-confirm]").click()
    expect(page.locator("#body")).to_have_value("")
    expect(page.locator(STATUS)).to_have_text(js_string(page, "draftDiscarded"))
    expect(discard).to_be_hidden()
    expect(page.locator("#body")).to_be_focused()
    assert not page.evaluate(DRAFT_STORED, uid), "the sealed draft is still in IndexedDB"
    before = len(recorder.leave_prompts())
    open_editor(page, "/journal/new")
    expect(page.locator("#body")).to_have_value("")
    expect(page.locator(STATUS)).to_have_text("")
    assert len(recorder.leave_prompts()) == before, "a discarded draft still asked to leave"
    assert puts(recorder) == [], "a draft was sent to the server"


def test_text_typed_before_the_editor_opened_the_saved_text_is_kept(new_context, marker,
                                                                   no_plaintext):
    """An edit page can be typed into before its script has opened the saved text (a slow
    phone): the opening must not overwrite what was typed. The compose behaviour's file is
    held back (service worker blocked, so that the route sees it) while the person types."""
    context = new_context(service_workers="block")
    page = context.new_page()
    sign_up(page)
    item_id = write_entry(page, f"Alku {marker}", f"Tallennettu versio {marker}.")
    held = []
    context.route(re.compile(r".*/static/build/compose-[A-Z0-9]+\.js$"),
                  lambda route: held.append(route))
    page.goto(f"/journal/{item_id}/edit", wait_until="domcontentloaded")
    until(page, "() => true", what="the page")  # parsed; the editor's script is held back
    assert held, "the compose behaviour was not requested"
    page.fill("#body", f"Kirjoitettu heti {marker}")
    expect(page.locator(SUBMIT)).to_be_disabled()   # the editor is not there yet
    for route in held:
        route.continue_()
    expect(page.locator(SUBMIT)).to_be_enabled()
    expect(page.locator("#body")).to_have_value(f"Kirjoitettu heti {marker}")
    expect(page.locator("#title")).to_have_value("")  # not mixed with the saved title
    expect(page.locator(STATUS)).to_have_text(js_string(page, "draftRestored"))
    # The saved version is a tap away (discard what was typed, after a confirmation).
    page.locator("[data-discard-draft]").click()
    page.locator("[data-discard-dialog] [data-confirm]").click()
    expect(page.locator("#body")).to_have_value(f"Tallennettu versio {marker}.")
    expect(page.locator("#title")).to_have_value(f"Alku {marker}")


def test_cancel_keeps_the_draft_without_asking(new_context, recorder, marker, no_plaintext):
    page = new_context().new_page()
    sign_up(page)
    item_id = write_entry(page, f"Alku {marker}", f"Ensimmäinen versio {marker}.")

    # A new reflection: cancel goes back to the journal, the draft stays.
    open_editor(page, "/journal/new")
    page.fill("#title", f"Peruttu {marker}")
    type_slowly_enough(page, "#body", "Jatkan huomenna")
    before = len(recorder.leave_prompts())
    page.locator("[data-cancel-edit]").click()
    page.wait_for_url(re.compile(r"^[^?]*/journal/$"))
    assert len(recorder.leave_prompts()) == before, "cancel asked 'Leave site?'"
    expect(page.locator(NOTICE)).to_have_text(js_string(page, "draftLeft"))
    open_editor(page, "/journal/new")
    expect(page.locator("#title")).to_have_value(f"Peruttu {marker}")
    expect(page.locator("#body")).to_have_value("Jatkan huomenna")

    # An edit: cancel goes back to the entry, unchanged on the server; the edit waits.
    # (Leaving the page with the restored draft above asks, as any unsaved text does.)
    open_editor(page, f"/journal/{item_id}/edit")
    type_slowly_enough(page, "#body", " Lisäys")
    before = len(recorder.leave_prompts())
    page.locator("[data-cancel-edit]").click()
    page.wait_for_url(re.compile(rf".*/journal/{item_id}$"))
    expect(page.locator("article[data-state=open] [data-field=body]")).to_have_text(
        f"Ensimmäinen versio {marker}.")
    open_editor(page, f"/journal/{item_id}/edit")
    expect(page.locator("#body")).to_have_value(f"Ensimmäinen versio {marker}. Lisäys")
    assert len(recorder.leave_prompts()) == before, "cancel asked 'Leave site?'"


def test_saved_edited_and_deleted_are_confirmed(new_context, marker, no_plaintext):
    page = new_context().new_page()
    sign_up(page)
    item_id = write_entry(page, f"Vahvistus {marker}", f"Teksti {marker}.")
    notice = page.locator(NOTICE)
    assert (js_string(page, "saved"), js_string(page, "deleted")) == ("Tallennettu", "Poistettu")
    expect(notice).to_have_text(js_string(page, "saved"))
    expect(notice).to_have_attribute("role", "status")
    page.reload()                      # once only
    expect(page.locator("article[data-state=open]")).to_be_visible()
    page.wait_for_timeout(400)
    expect(notice).to_have_text("")

    open_editor(page, f"/journal/{item_id}/edit")
    page.fill("#body", f"Muokattu {marker}.")
    page.locator(SUBMIT).click()
    page.wait_for_url(re.compile(rf".*/journal/{item_id}$"))
    expect(notice).to_have_text(js_string(page, "saved"))

    page.locator("[data-js-delete]").click()
    page.locator("#delete-dialog [data-confirm]").click()
    page.wait_for_url(re.compile(r"^[^?]*/journal/$"))
    expect(notice).to_have_text(js_string(page, "deleted"))
    expect(page.locator(f"a[href='/journal/{item_id}']")).to_have_count(0)
