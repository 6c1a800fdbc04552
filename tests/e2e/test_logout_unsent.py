"""Signing out never throws away unsent writing without asking."""
from __future__ import annotations

from playwright.sync_api import expect

from .device import js_string
from .journeys import SIGN_OUT, sign_up

ITEMS = "**/api/v1/items/**"


def test_sign_out_with_unsent_changes_asks_first(new_context, recorder, marker, no_plaintext):
    context = new_context()
    page = context.new_page()
    sign_up(page)
    page.goto("/journal/new")
    expect(page.locator("[data-compose-form] [type=submit]")).to_be_enabled()
    # Every write fails on the way (pages and the service worker alike), while pages still
    # load: sign-out lives in Settings, so the person goes there with the change unsent.
    context.route(ITEMS, lambda route: route.abort("internetdisconnected")
                  if route.request.method != "GET" else route.continue_())
    saved_locally = js_string(page, "savedLocally")
    page.fill("#title", f"Lähettämättä {marker}")
    page.fill("#body", f"Kirjoitettu ilman yhteyttä {marker}.")
    page.locator("[data-compose-form] [type=submit]").click()
    expect(page.locator("[data-outbox-text]")).to_contain_text("1")
    # Saved on the device: the page shows the entry from there (or says so in place).
    page.wait_for_function("""(text) => !location.pathname.endsWith('/new')
        || document.querySelector('[data-compose-form] [data-status]')?.textContent === text""",
                           arg=saved_locally)
    page.wait_for_load_state()
    page.goto("/account/")
    expect(page.locator("[data-outbox-text]")).to_contain_text("1")

    # The recorder answers every confirm() with "Cancel" (as a person keeping their text).
    page.locator(SIGN_OUT).click()
    for _ in range(200):  # up to 10 s for the sync attempt and the question
        asked = [d for d in recorder.dialogs if d.startswith("confirm")]
        if asked:
            break
        page.wait_for_timeout(50)
    assert asked and "1" in asked[0], recorder.dialogs
    expect(page.locator("[data-outbox-text]")).to_contain_text("1")
    # Nothing was wiped: the sealed change still waits in the outbox on this device.
    waiting = page.evaluate("""async () => {
        const outbox = await import('/static/js/outbox.js');
        const uid = document.querySelector('meta[name="valitila-user"]').content;
        return (await outbox.pending(uid)).length;
    }""")
    assert waiting == 1
    assert page.url.endswith("/account/")
    context.unroute(ITEMS)
