"""The language switch: the footer form changes the whole UI (server-rendered text, <html
lang>, and the strings the scripts use) to Swedish or English; a signed-in user's choice is
saved on the account and follows them to a new device; signing up in Swedish starts in Swedish.

Expected texts come from the app's own catalogues (gettext under force_locale), so the checks
follow the translators' wording; a separate assertion checks that the texts really are
translated (differ from the English source). With the no-plaintext proof."""
from __future__ import annotations

import re
import uuid

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import Page, expect

from webapp.i18n import JS_STRINGS

from .journeys import PASSWORD, log_in, log_out, open_editor, open_entry, sign_up, write_entry

LANDING_TITLE = "The space between supervision sessions"
NO_SW = {"service_workers": "block"}       # requests are held with page.route below


@pytest.fixture
def tr(live_server):
    """tr(locale, msgid) → the catalogue's text; tr(locale, js=key) → a script string."""
    def translate(locale: str, msgid: str | None = None, *, js: str | None = None) -> str:
        with live_server.app.test_request_context("/"), force_locale(locale):
            return str(JS_STRINGS[js]) if js else gettext(msgid)
    return translate


def switch_language(page: Page, code: str) -> None:
    page.select_option("#language-select", code)
    with page.expect_navigation():
        page.locator(".language-form [type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)
    expect(page.locator("#language-select")).to_have_value(code)


def expect_chrome(page: Page, tr, locale: str, signed_in: bool) -> None:
    """The parts every page shares, in `locale`, and the scripts' strings with them."""
    expect(page.locator("html")).to_have_attribute("lang", locale)
    expect(page.locator(".skip-link")).to_have_text(tr(locale, "Skip to content"))
    expect(page.locator("label[for=language-select]")).to_have_text(tr(locale, "Language"))
    if signed_in:
        expect(page.locator(".site-nav a[href='/journal/']")).to_have_text(tr(locale, "Journal"))
        expect(page.locator(".site-nav a[href='/account/']")).to_have_text(tr(locale, "Settings"))
    strings = page.evaluate("JSON.parse(document.body.dataset.i18n)")
    for key in ("saving", "wrongPassword", "draftRestored"):
        assert strings[key] == tr(locale, js=key), (locale, key, strings[key])


def wrong_password_message(page: Page) -> str:
    page.goto("/login")
    page.fill("#email", "ei-ketaan@example.fi")
    page.fill("#password", "väärä-salasana-987")
    page.locator("[data-login-form] [type=submit]").click()
    error = page.locator("#login-error")
    expect(error).to_be_visible(timeout=30_000)
    return error.inner_text()


def test_footer_switch_changes_the_ui(new_context, tr, marker, no_plaintext):
    page = new_context(**NO_SW).new_page()              # Accept-Language: fi-FI
    page.goto("/")
    expect_chrome(page, tr, "fi", signed_in=False)
    expect(page.locator("main h1")).to_have_text(tr("fi", LANDING_TITLE))

    switch_language(page, "sv")
    expect_chrome(page, tr, "sv", signed_in=False)
    expect(page.locator("main h1")).to_have_text(tr("sv", LANDING_TITLE))
    expect(page.locator(".hero a[href='/signup']")).to_have_text(tr("sv", "Create an account"))
    page.goto("/login")                                  # the choice stays for the visit
    expect_chrome(page, tr, "sv", signed_in=False)
    expect(page.locator("main h1")).to_have_text(tr("sv", "Sign in"))
    assert wrong_password_message(page) == tr("sv", js="wrongPassword")

    switch_language(page, "en")
    expect_chrome(page, tr, "en", signed_in=False)
    expect(page.locator("main h1")).to_have_text("Sign in")
    assert wrong_password_message(page) == "Wrong email or password."

    # And the texts are really translated, not the English source shown under another lang.
    for msgid in (LANDING_TITLE, "Create an account", "Sign in", "Journal", "Language"):
        assert tr("sv", msgid) != msgid, f"no Swedish translation for {msgid!r}"
        assert tr("fi", msgid) != msgid, f"no Finnish translation for {msgid!r}"
        assert tr("sv", msgid) != tr("fi", msgid), msgid
    for key in ("saving", "wrongPassword", "draftRestored"):
        assert tr("sv", js=key) != tr("en", js=key), f"script string {key} not in Swedish"


def test_signed_in_choice_persists_across_logins(new_context, tr, marker, no_plaintext):
    phone = new_context(**NO_SW).new_page()
    account = sign_up(phone)
    expect_chrome(phone, tr, "fi", signed_in=True)
    switch_language(phone, "sv")
    expect_chrome(phone, tr, "sv", signed_in=True)
    expect(phone.locator("main h1")).to_have_text(tr("sv", "Journal"))

    # The saving status of the compose script, in Swedish: the PUT is held until seen.
    open_editor(phone, "/journal/new")
    phone.fill("#title", f"På svenska {marker}")
    phone.fill("#body", f"Texten {marker} sparas.")
    held = []
    phone.route("**/api/v1/items/*",
                lambda route: held.append(route) if route.request.method == "PUT"
                else route.continue_())
    with phone.expect_request(lambda r: r.method == "PUT" and "/api/v1/items/" in r.url):
        phone.locator("[data-compose-form] [type=submit]").click()
    expect(phone.locator("[data-compose-form] [data-status]")).to_have_text(
        tr("sv", js="saving"))
    assert held, "the save request was not held"
    held[0].continue_()
    phone.wait_for_url(re.compile(r"/journal/[0-9a-f-]{36}$"))
    item_id = phone.url.rsplit("/", 1)[1]
    phone.unroute("**/api/v1/items/*")
    log_out(phone)

    # A new device, whose browser asks for Finnish: the account's choice wins after sign-in.
    laptop = new_context(**NO_SW).new_page()
    laptop.goto("/login")
    expect(laptop.locator("html")).to_have_attribute("lang", "fi")
    log_in(laptop, account.email, account.password)
    expect_chrome(laptop, tr, "sv", signed_in=True)
    assert open_entry(laptop, item_id) == (f"På svenska {marker}", f"Texten {marker} sparas.")
    expect(laptop.locator("main a.button[href$='/edit']")).to_have_text(tr("sv", "Edit"))

    # The unlock page's script message is Swedish too.
    laptop.goto("/unlock?next=/journal/")
    laptop.fill("#password", "väärä-salasana-987")
    laptop.locator("[data-unlock-form] [type=submit]").click()
    expect(laptop.locator("#unlock-error")).to_have_text(tr("sv", js="passwordWrong"),
                                                         timeout=30_000)
    laptop.fill("#password", PASSWORD)
    laptop.locator("[data-unlock-form] [type=submit]").click()
    laptop.wait_for_url(re.compile(r"^[^?]*/journal/$"), timeout=30_000)

    # Back to English on this device: saved on the account, so the phone follows.
    switch_language(laptop, "en")
    log_in(phone, account.email, account.password)
    expect_chrome(phone, tr, "en", signed_in=True)


def test_sign_up_in_swedish(new_context, tr, marker, no_plaintext):
    page = new_context(**NO_SW).new_page()
    page.goto("/signup")
    switch_language(page, "sv")                          # the page's one language selector
    expect(page.locator("[data-js-signup] h1")).to_have_text(tr("sv", "Create an account"))
    page.fill("#email", f"svenska-{uuid.uuid4().hex[:10]}@example.fi")
    page.fill("#display_name", "Astrid Test")
    page.fill("#password", PASSWORD)
    page.fill("#password2", PASSWORD)
    page.locator("[data-signup-form] [type=submit]").click()
    expect(page.locator("[data-recovery]")).to_be_visible(timeout=30_000)
    key = page.text_content("[data-recovery-key]").strip()
    group = int(re.search(r"\d+", page.text_content("[data-recovery-label]")).group())
    page.fill("#recovery-check", key.split("-")[group - 1])
    page.locator("[data-recovery-confirm] [type=submit]").click()
    page.wait_for_url(re.compile(r"^[^?]*/journal/$"))
    expect_chrome(page, tr, "sv", signed_in=True)
    expect(page.locator(".empty-state h2")).to_have_text(tr("sv", "Your journal is empty"))
    write_entry(page, f"Första {marker}", f"Min första reflektion {marker}.")
