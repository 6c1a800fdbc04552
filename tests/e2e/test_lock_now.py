"""Locking by hand: "Lock now" in the header drops the unlocked keys at once, as the
inactivity lock does, and the lock screen says which account is locked and blames only the
password. A language chosen while signed out is remembered after signing out. With the
no-plaintext proof."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .device import idb_value, js_string
from .journeys import PASSWORD, log_in, log_out, write_entry

NO_SW = {"service_workers": "block"}


def test_lock_now_and_the_lock_screen(new_context, module_account, marker, no_plaintext):
    page = new_context().new_page()
    log_in(page, module_account.email, module_account.password)
    title, body = f"Lukitaan käsin {marker}", f"Teksti {marker} vain avattuna."
    item_id = write_entry(page, title, body)
    assert idb_value(page, "unlocked") is not None

    lock = page.get_by_role("button", name="Lukitse nyt")
    expect(lock).to_be_visible()
    lock.click()
    page.wait_for_url(re.compile(rf"/unlock\?next=%2Fjournal%2F{item_id}&locked=1$"))
    assert idb_value(page, "unlocked") is None, "the unlocked keys are still on the device"
    assert idb_value(page, "account")["uid"], "the wrapped keys were dropped too"
    assert marker not in page.content()

    # The lock screen names the account; there is no Lock now on it.
    account = page.locator("[data-locked-account]")
    expect(account).to_contain_text("Aino Testi")
    expect(account).to_contain_text(module_account.email)
    expect(page.locator("[data-js-lock-now]")).to_have_count(0)

    # A wrong password is blamed on the password only (no email was asked).
    page.fill("#password", "väärä-salasana-lukossa")
    page.locator("[data-unlock-form] [type=submit]").click()
    expect(page.locator("#unlock-error")).to_have_text(js_string(page, "passwordWrong"),
                                                       timeout=30_000)
    assert "sähköposti" not in page.locator("#unlock-error").inner_text().lower()

    page.fill("#password", PASSWORD)
    page.locator("[data-unlock-form] [type=submit]").click()
    page.wait_for_url(re.compile(rf"/journal/{item_id}$"), timeout=30_000)
    expect(page.locator("article[data-state=open] [data-field=body]")).to_have_text(body)


def test_language_chosen_signed_out_is_kept_after_sign_out(new_context, module_account):
    page = new_context(**NO_SW).new_page()             # the browser asks for Finnish
    page.goto("/login")
    page.select_option("#language-select", "sv")
    with page.expect_navigation():
        page.locator(".language-form [type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    log_in(page, module_account.email, module_account.password)   # the account says fi
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    log_out(page)
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
