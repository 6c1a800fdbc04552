"""The recovery key cannot be lost silently (issue 7, point 1). Leaving the sign-up at the key
step (a reload) leaves an account whose key was never confirmed: every signed-in page then
shows a polite, persistent prompt (a region with a heading, not a dialog) that leads to a
step that makes a NEW key with the password, shows it once and has it confirmed; the old key
stops working and the prompt is gone. Settings always offers the same. With the
no-plaintext proof."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from .device import js_string
from .journeys import PASSWORD, sign_up
from .test_recovery import expect_key_refused, submit_reset

KEY_FORMAT = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){12}$")
PROMPT_NAME = "Tallenna palautusavaimesi"


def start_sign_up(page: Page) -> tuple[str, str]:
    """Sign up and stop at the key step: (email, the key shown)."""
    email = f"e2e-{uuid.uuid4().hex[:10]}@example.fi"
    page.goto("/signup")
    page.fill("#email", email)
    page.fill("#display_name", "Aino Kesken")
    page.fill("#password", PASSWORD)
    page.fill("#password2", PASSWORD)
    page.locator("[data-signup-form] [type=submit]").click()
    expect(page.locator("[data-recovery]")).to_be_visible(timeout=30_000)
    return email, page.text_content("[data-recovery-key]").strip()


def confirm_shown_key(page: Page) -> str:
    """Type back the asked group of the key on screen and continue; returns the key."""
    key = page.text_content("[data-recovery-key]").strip()
    assert KEY_FORMAT.match(key), key
    group = int(re.search(r"\d+", page.text_content("[data-recovery-label]")).group())
    page.fill("#recovery-check", key.split("-")[group - 1])
    page.locator("[data-recovery-confirm] [type=submit]").click()
    return key


def prompt(page: Page):
    return page.get_by_role("region", name=PROMPT_NAME)


def make_new_key(page: Page, password: str = PASSWORD) -> str:
    """On the new-key page: a wrong password is refused next to the field, the right one
    shows a new key; returns it (not yet confirmed)."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Tee uusi palautusavain")
    page.fill("#current_password", "väärä-salasana-123")
    page.locator("[data-new-recovery-form] [type=submit]").click()
    expect(page.locator("#current_password-error")).to_have_text(
        js_string(page, "recoveryWrongPassword"), timeout=30_000)
    expect(page.locator("[data-recovery]")).to_be_hidden()
    page.fill("#current_password", password)
    page.locator("[data-new-recovery-form] [type=submit]").click()
    expect(page.locator("[data-recovery]")).to_be_visible(timeout=30_000)
    expect(page.locator("[data-js-new-recovery]")).to_be_hidden()
    return page.text_content("[data-recovery-key]").strip()


def test_reload_at_the_key_step_then_the_prompt_leads_to_a_new_key(new_context, no_plaintext):
    page = new_context().new_page()
    email, first_key = start_sign_up(page)
    page.reload()                             # e.g. a phone reloading the tab meanwhile
    # Signed in already: the sign-up page sends the person on to the journal.
    expect(page).to_have_url(re.compile(r"^[^?]*/journal/$"))
    page.wait_for_load_state("networkidle")

    # The prompt is on every signed-in page, polite (not a dialog) and not dismissible.
    for path in (None, "/journal/new", "/account/"):    # None: the journal, where it landed
        if path:
            page.goto(path)
        expect(prompt(page)).to_be_visible()
        expect(prompt(page).get_by_role("heading", level=2)).to_have_text(PROMPT_NAME)
        expect(page.locator("dialog[open]")).to_have_count(0)

    # It leads to a step that makes a new key and shows it once...
    page.goto("/journal/")
    expect(prompt(page)).to_be_visible()
    prompt(page).get_by_role("link", name="Tee uusi palautusavain").click()
    expect(page).to_have_url(re.compile(r"/account/recovery-key\?next=/journal/$"))
    expect(prompt(page)).to_have_count(0)
    second_key = make_new_key(page)
    assert KEY_FORMAT.match(second_key) and second_key != first_key

    # ...confirmed as at sign-up: back where the person was, and the prompt is gone.
    confirm_shown_key(page)
    page.wait_for_url(re.compile(r"^[^?]*/journal/$"))
    page.wait_for_load_state("networkidle")     # the journal settles before we leave it
    for path in (None, "/journal/new", "/account/"):
        if path:
            page.goto(path)
        expect(page.locator("main h1:visible").first).to_be_visible()
        expect(prompt(page)).to_have_count(0)

    # The key shown at sign-up no longer opens the account.
    other = new_context().new_page()
    other.goto("/recover")
    submit_reset(other, email, first_key, "kirkas-pakkasaamu-lumessa-2027")
    expect_key_refused(other, "wrongRecovery")


def test_settings_make_a_new_key(new_context, no_plaintext):
    page = new_context().new_page()
    account = sign_up(page)                   # confirmed at sign-up: no prompt
    page.goto("/account/")
    expect(prompt(page)).to_have_count(0)
    section = page.get_by_role("region", name="Palautusavain")
    expect(section).to_contain_text("Vahvistit palautusavaimesi")
    section.get_by_role("link", name="Tee uusi palautusavain").click()
    expect(page).to_have_url(re.compile(r"/account/recovery-key$"))

    new_key = make_new_key(page)
    assert new_key != account.recovery_key
    # Leaving before confirming is not silent: the prompt asks again on every page.
    page.goto("/journal/")
    expect(prompt(page)).to_be_visible()
    page.goto("/account/")
    expect(page.get_by_role("region", name="Palautusavain")).to_contain_text(
        "ei ole vielä tallennettu")

    page.get_by_role("region", name="Palautusavain").get_by_role(
        "link", name="Tee uusi palautusavain").click()
    third_key = make_new_key(page)
    assert third_key not in (new_key, account.recovery_key)
    confirm_shown_key(page)
    page.wait_for_url(re.compile(r"/account/$"))
    page.wait_for_load_state("networkidle")
    expect(prompt(page)).to_have_count(0)
    expect(page.get_by_role("region", name="Palautusavain")).to_contain_text(
        "Vahvistit palautusavaimesi")

    # Only the last key works.
    other = new_context().new_page()
    for dead in (account.recovery_key, new_key):
        other.goto("/recover")
        submit_reset(other, account.email, dead, "kirkas-pakkasaamu-lumessa-2027")
        expect_key_refused(other, "wrongRecovery")
