"""Changing the password on /account/: weak or mismatched new passwords are refused before
anything is sent, a wrong current password is named next to its field, the change signs out
every other device, the old password stops working and the journal still opens with the new
one. With the no-plaintext proof."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .device import js_string
from .journeys import log_in, open_entry, sign_up, write_entry

NEW_PASSWORD = "sateinen-syysilta-vaahterat-2027"
WEAK_PASSWORD = "salasana123"          # Finnish for "password": refused by the strength check


def api_calls(recorder, since: int) -> list[str]:
    """API calls that send something since `since` (recorder.urls and .sent grow together).
    Reads are left out: another open device refreshes its sealed mirror in the background."""
    return [sent.url for sent in recorder.sent[since:]
            if "/api/" in sent.url and sent.method != "GET"]


def fill_change(page, current: str, new: str, again: str | None = None) -> None:
    page.fill("#current_password", current)
    page.fill("#new-password", new)
    page.fill("#new-password2", new if again is None else again)
    page.locator("[data-password-form] [type=submit]").click()


def test_change_password_signs_out_other_devices(new_context, recorder, marker, no_plaintext):
    phone = new_context().new_page()
    account = sign_up(phone)
    title, body = f"Ennen vaihtoa {marker}", f"Tämä {marker} pysyy luettavana."
    item_id = write_entry(phone, title, body)
    laptop = new_context().new_page()                  # signed in before the change
    log_in(laptop, account.email, account.password)

    phone.goto("/account/")
    form = phone.locator("[data-password-form]")

    # A weak new password: the error is next to the field and nothing is sent.
    before = len(recorder.urls)
    fill_change(phone, account.password, WEAK_PASSWORD)
    expect(phone.locator("#new-password-error")).to_have_text(js_string(phone, "weakPassword"))
    expect(phone.locator("#new-password")).to_have_attribute("aria-invalid", "true")
    expect(phone.locator("#new-password")).to_be_focused()
    assert not api_calls(recorder, before), "a weak new password was sent to the server"

    # The confirmation must match: also refused without a request.
    before = len(recorder.urls)
    fill_change(phone, account.password, NEW_PASSWORD, NEW_PASSWORD + "x")
    expect(phone.locator("#new-password2-error")).to_have_text(
        js_string(phone, "passwordMismatch"))
    expect(phone.locator("#new-password-error")).to_be_hidden()
    assert not api_calls(recorder, before), "mismatched passwords were sent to the server"

    # A wrong current password: the error is next to the current-password field.
    before = len(recorder.urls)
    fill_change(phone, "väärä-nykyinen-salasana-42", NEW_PASSWORD)
    expect(phone.locator("#current_password-error")).to_have_text(
        js_string(phone, "passwordWrong"), timeout=30_000)
    expect(phone.locator("#current_password")).to_have_attribute("aria-invalid", "true")
    expect(form.locator("[type=submit]")).to_be_enabled()
    assert not [u for u in api_calls(recorder, before) if u.endswith("/auth/password")], \
        "a password change was attempted with a wrong current password"

    # The real change.
    fill_change(phone, account.password, NEW_PASSWORD)
    expect(form.locator("[data-status]")).to_have_text(js_string(phone, "passwordChanged"),
                                                       timeout=30_000)
    expect(phone.locator("#current_password-error")).to_be_hidden()
    expect(phone.locator("#new-password")).to_have_value("")       # the form was cleared
    assert any(u.endswith("/api/v1/auth/password") for u in recorder.urls)

    # This device stays signed in and can still read.
    assert open_entry(phone, item_id) == (title, body)

    # The other device was signed out: its next page is the sign-in page.
    laptop.goto("/journal/")
    expect(laptop).to_have_url(re.compile(r"/login\?next=(%2F|/)journal(%2F|/)$"))

    # The old password no longer works, with the generic message.
    old = new_context().new_page()
    old.goto("/login")
    old.fill("#email", account.email)
    old.fill("#password", account.password)
    old.locator("[data-login-form] [type=submit]").click()
    expect(old.locator("#login-error")).to_have_text(js_string(old, "wrongPassword"),
                                                     timeout=30_000)
    expect(old).to_have_url(re.compile(r"/login$"))

    # The new password works on a fresh device and the entry still decrypts.
    fresh = new_context().new_page()
    log_in(fresh, account.email, NEW_PASSWORD)
    assert open_entry(fresh, item_id) == (title, body)
