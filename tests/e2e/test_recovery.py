"""Reset with the recovery key on a fresh device: the key is accepted however it is typed
(lower case, without dashes, with spaces), a new recovery key is issued and must be confirmed
by typing back the asked group, the journal still opens, and the old recovery key, the old
password and the other device's session all stop working. With the no-plaintext proof."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .device import js_string
from .journeys import log_in, open_entry, sign_up, write_entry

FIRST_NEW_PASSWORD = "kirkas-pakkasaamu-lumessa-2027"
SECOND_NEW_PASSWORD = "hiljainen-järvi-kesäyönä-2028"
KEY_FORMAT = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){12}$")


def submit_reset(page: Page, email: str, typed_key: str, password: str) -> None:
    page.fill("#email", email)
    page.fill("#recovery_key", typed_key)
    page.fill("#password", password)
    # As a person would: the strength words are there (the estimator has loaded) before the
    # tap, so nothing on the form is still moving or loading under it.
    expect(page.locator("#password-strength")).not_to_be_empty(timeout=30_000)
    page.fill("#password2", password)
    page.locator("[data-recover-form] [type=submit]").click()


def expect_key_refused(page: Page, message_key: str) -> None:
    """The error sits next to the recovery key field and the reset does not go on."""
    error = page.locator("#recovery_key-error")
    expect(error).to_have_text(js_string(page, message_key), timeout=30_000)
    expect(page.locator("#recovery_key")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[data-recovery]")).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/recover$"))


def new_key_confirmed(page: Page, old_key: str) -> str:
    """On the "save your new recovery key" step: a wrong group is refused, the asked group
    continues to the journal. Returns the new key."""
    expect(page.locator("[data-recovery]")).to_be_visible(timeout=30_000)
    key = page.text_content("[data-recovery-key]").strip()
    assert KEY_FORMAT.match(key), key
    assert key != old_key, "the reset did not issue a new recovery key"
    group = int(re.search(r"\d+", page.text_content("[data-recovery-label]")).group())
    groups = key.split("-")
    wrong = next(g for g in ("AAAA", "BBBB", "CCCC") if g != groups[group - 1])
    page.fill("#recovery-check", wrong)
    page.locator("[data-recovery-confirm] [type=submit]").click()
    expect(page.locator("#recovery-check-error")).to_have_text(
        js_string(page, "recoveryMismatch"))
    expect(page).to_have_url(re.compile(r"/recover$"))        # did not continue
    page.fill("#recovery-check", groups[group - 1].lower())
    page.locator("[data-recovery-confirm] [type=submit]").click()
    page.wait_for_url(re.compile(r"^[^?]*/journal/$"))
    return key


def login_refused(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("[data-login-form] [type=submit]").click()
    expect(page.locator("#login-error")).to_have_text(js_string(page, "wrongPassword"),
                                                      timeout=30_000)
    expect(page).to_have_url(re.compile(r"/login$"))


def test_reset_with_recovery_key(new_context, marker, no_plaintext):
    phone = new_context().new_page()
    account = sign_up(phone)
    title, body = f"Palautus {marker}", f"Muistiinpano {marker} säilyy."
    item_id = write_entry(phone, title, body)
    first_key = account.recovery_key

    tablet = new_context().new_page()
    tablet.goto("/recover")
    # Not a recovery key at all: refused on the device, before anything is derived.
    submit_reset(tablet, account.email, "ABCD-EFGH", FIRST_NEW_PASSWORD)
    expect_key_refused(tablet, "recoveryFormat")
    # A well-formed key that is not this account's: refused by the server.
    other = ("B" if first_key[0] != "B" else "C") + first_key[1:]
    submit_reset(tablet, account.email, other, FIRST_NEW_PASSWORD)
    expect_key_refused(tablet, "wrongRecovery")

    # The real key, typed in lower case and without dashes.
    submit_reset(tablet, account.email, first_key.replace("-", "").lower(), FIRST_NEW_PASSWORD)
    second_key = new_key_confirmed(tablet, first_key)
    assert open_entry(tablet, item_id) == (title, body)

    # The device that was signed in before the reset is signed out.
    phone.goto("/journal/")
    expect(phone).to_have_url(re.compile(r"/login\?next="))

    # The old recovery key no longer works (typed exactly as it was shown).
    laptop = new_context().new_page()
    laptop.goto("/recover")
    submit_reset(laptop, account.email, first_key, SECOND_NEW_PASSWORD)
    expect_key_refused(laptop, "wrongRecovery")

    # The new key works, here pasted with spaces instead of dashes; it is replaced in turn.
    submit_reset(laptop, account.email, second_key.replace("-", " "), SECOND_NEW_PASSWORD)
    new_key_confirmed(laptop, second_key)
    assert open_entry(laptop, item_id) == (title, body)

    # Neither the original nor the first new password opens the account any more.
    desk = new_context().new_page()
    login_refused(desk, account.email, account.password)
    login_refused(desk, account.email, FIRST_NEW_PASSWORD)
    log_in(desk, account.email, SECOND_NEW_PASSWORD)
    assert open_entry(desk, item_id) == (title, body)
