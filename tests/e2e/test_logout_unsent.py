"""Signing out never throws away unsent writing without asking."""
from __future__ import annotations

from playwright.sync_api import expect

from .journeys import sign_up


def test_sign_out_with_unsent_changes_asks_first(new_context, marker, no_plaintext):
    context = new_context()
    page = context.new_page()
    sign_up(page)
    page.goto("/journal/new")
    expect(page.locator("[data-compose-form] [type=submit]")).to_be_enabled()
    context.set_offline(True)
    page.fill("#title", f"Lähettämättä {marker}")
    page.fill("#body", f"Kirjoitettu ilman yhteyttä {marker}.")
    page.locator("[data-compose-form] [type=submit]").click()
    expect(page.locator("[data-outbox-text]")).to_contain_text("1")

    messages: list[str] = []

    def refuse(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", refuse)
    page.locator("[data-js-logout] [type=submit]").first.click()
    page.wait_for_function("() => document.querySelector('[data-js-logout]') !== null")
    expect(page.locator("[data-outbox-text]")).to_contain_text("1")
    assert messages and "1" in messages[0], messages
    # Nothing was wiped: the sealed change still waits in the outbox on this device.
    waiting = page.evaluate("""async () => {
        const outbox = await import('/static/js/outbox.js');
        const uid = document.querySelector('meta[name="valitila-user"]').content;
        return (await outbox.pending(uid)).length;
    }""")
    assert waiting == 1
    assert page.url.endswith("/journal/new")
    context.set_offline(False)
