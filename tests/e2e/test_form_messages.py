"""The app's own messages, never the browser's: the forms carry `novalidate`, and submitting
them empty or wrong shows every field's error at once, next to its field (aria-invalid,
aria-describedby), in the page's language; what was typed stays and nothing is sent. The
settings form is checked on the server and comes back the same way (a 400 page).

Expected texts come from the app's catalogues (js_strings() under force_locale), and are
checked to differ from the English source, so a Finnish page shows Finnish."""
from __future__ import annotations

import re
import uuid

import pytest
from flask_babel import force_locale
from playwright.sync_api import Page, expect

from webapp.i18n import js_strings

from .journeys import PASSWORD, log_in

NO_SW = {"service_workers": "block"}


@pytest.fixture
def js(live_server):
    """js(locale, key, n=None) → the scripts' string in that language ({n} filled in)."""
    def string(locale: str, key: str, n: int | None = None) -> str:
        with live_server.app.test_request_context("/"), force_locale(locale):
            strings = js_strings()
        if n is None:
            return strings[key]
        return strings[f"{key}_one" if n == 1 else f"{key}_other"].replace("{n}", str(n))
    return string


def writes(recorder, since: int) -> list[str]:
    return [sent.label() for sent in recorder.sent[since:]
            if "/api/" in sent.url and sent.method != "GET"]


def expect_error(page: Page, field: str, message: str, error_id: str | None = None) -> None:
    """`message` is shown in the field's own error element, tied to it by aria-describedby."""
    error_id = error_id or f"{field}-error"
    expect(page.locator(f"#{error_id}")).to_be_visible()
    expect(page.locator(f"#{error_id}")).to_have_text(message)
    expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{field}")).to_have_attribute("aria-describedby",
                                                        re.compile(rf"\b{error_id}\b"))


def expect_no_bubble(page: Page, form: str) -> None:
    assert page.evaluate("(sel) => document.querySelector(sel).noValidate", form), \
        f"{form} lets the browser show its own messages"


def test_signup_shows_every_error_at_once_in_finnish(new_context, recorder, js):
    page = new_context(**NO_SW).new_page()
    page.goto("/signup")
    expect_no_bubble(page, "[data-signup-form]")
    submit = page.locator("[data-signup-form] [type=submit]")
    expect(page.locator("html")).to_have_attribute("lang", "fi")

    before = len(recorder.sent)
    submit.click()
    expect_error(page, "email", js("fi", "emailRequired"))
    expect_error(page, "display_name", js("fi", "nameRequired"))
    expect_error(page, "password", js("fi", "passwordRequired"))
    expect_error(page, "password2", js("fi", "passwordAgainRequired"))
    expect(page.locator("#email")).to_be_focused()
    for key in ("emailRequired", "nameRequired", "passwordRequired", "passwordAgainRequired"):
        assert js("fi", key) != js("en", key), f"{key} is not in Finnish"

    # Wrong values: each field says what is wrong with it, and the values stay.
    page.fill("#email", "aino@example")
    page.fill("#display_name", "Aino")
    page.fill("#password", "lyhyt")
    page.fill("#password2", "toinen")
    submit.click()
    expect_error(page, "email", js("fi", "emailInvalid"))
    expect_error(page, "password", js("fi", "tooShort", 10))
    expect_error(page, "password2", js("fi", "passwordMismatch"))
    expect(page.locator("#display_name")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#display_name-error")).to_be_hidden()
    for field, value in (("email", "aino@example"), ("display_name", "Aino"),
                         ("password", "lyhyt"), ("password2", "toinen")):
        expect(page.locator(f"#{field}")).to_have_value(value)
    assert page.locator("#password-error").inner_text() == "Käytä vähintään 10 merkkiä."
    assert writes(recorder, before) == [], "an invalid sign-up was sent"


def test_login_and_recover_in_swedish(new_context, recorder, js):
    page = new_context(**NO_SW).new_page()
    page.goto("/login")
    page.select_option("#language-select", "sv")
    with page.expect_navigation():
        page.locator(".language-form [type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect_no_bubble(page, "[data-login-form]")

    before = len(recorder.sent)
    page.locator("[data-login-form] [type=submit]").click()
    expect_error(page, "email", js("sv", "emailRequired"))
    expect_error(page, "password", js("sv", "passwordRequired"), error_id="login-error")
    assert js("sv", "emailRequired") == "Skriv din e-postadress."

    page.fill("#email", "astrid.example.fi")
    page.locator("[data-login-form] [type=submit]").click()
    expect_error(page, "email", js("sv", "emailInvalid"))
    expect(page.locator("#email")).to_have_value("astrid.example.fi")
    expect(page.locator("#email")).to_be_focused()

    page.goto("/recover")
    expect_no_bubble(page, "[data-recover-form]")
    page.fill("#email", "astrid@example.fi")
    page.fill("#recovery_key", "ABCD-EFGH")
    page.locator("[data-recover-form] [type=submit]").click()
    expect_error(page, "recovery_key", js("sv", "recoveryFormat"))
    expect_error(page, "password", js("sv", "passwordRequired"))
    expect_error(page, "password2", js("sv", "passwordAgainRequired"))
    expect(page.locator("#email-error")).to_be_hidden()
    expect(page.locator("#recovery_key")).to_have_value("ABCD-EFGH")
    assert writes(recorder, before) == [], "an invalid form was sent"


def test_signed_in_forms(new_context, recorder, module_account, js):
    page = new_context(**NO_SW).new_page()
    log_in(page, module_account.email, module_account.password)
    page.goto("/account/")

    # Change password, empty: all three fields at once, nothing sent.
    before = len(recorder.sent)
    expect_no_bubble(page, "[data-password-form]")
    page.locator("[data-password-form] [type=submit]").click()
    expect_error(page, "current_password", js("fi", "passwordRequired"))
    expect_error(page, "new-password", js("fi", "passwordRequired"))
    expect_error(page, "new-password2", js("fi", "passwordAgainRequired"))
    expect(page.locator("#current_password")).to_be_focused()
    assert writes(recorder, before) == []

    # Settings (checked on the server): both errors at once, in Finnish, values kept.
    expect_no_bubble(page, "form[action$='/account/settings']")
    page.fill("#display_name", "")
    page.fill("#lock_minutes", "0")
    with page.expect_navigation():
        page.locator("form[action$='/account/settings'] [type=submit]").click()
    expect_error(page, "display_name", "Kirjoita nimesi (1–100 merkkiä).")
    expect_error(page, "lock_minutes", "Anna minuuttimäärä väliltä 1–1440.")
    expect(page.locator("#lock_minutes")).to_have_value("0")

    # The unlock page: an empty password is refused before any key work.
    page.goto("/unlock?next=/journal/")
    page.locator("[data-unlock-form] [type=submit]").click()
    expect_error(page, "password", js("fi", "passwordRequired"), error_id="unlock-error")
    expect(page.locator("[data-unlock-form] [data-status]")).to_have_text("")


def test_a_secret_form_cannot_submit_before_its_behaviour_is_there(new_context, recorder):
    """Until the sign-in behaviour has attached, its submit button is disabled: neither a tap
    nor Enter sends the form natively (a GET /login?email=… would put the address in the URL,
    the history and the server log). Once the behaviour is there, the button works."""
    context = new_context(service_workers="block")
    held = []
    context.route(re.compile(r"/static/build/login-[A-Z2-7]{8}\.js$"),
                  lambda route: held.append(route))
    page = context.new_page()
    page.goto("/login")
    submit = page.locator("[data-login-form] [type=submit]")
    expect(submit).to_be_disabled()
    page.fill("#email", "ennen.skriptia@example.fi")
    page.fill("#password", "jotain-salaista-42")
    page.locator("#email").press("Enter")
    page.wait_for_timeout(300)
    assert held, "the sign-in behaviour was not requested"
    assert not [u for u in recorder.urls if "ennen.skriptia" in u], recorder.urls
    assert page.url.endswith("/login")
    held[0].continue_()
    expect(submit).to_be_enabled()
    expect(page.locator("#email")).to_have_value("ennen.skriptia@example.fi")


def test_the_strength_words_do_not_move_the_button_under_a_tap(new_context):
    """The strength words appear under the password field once the estimate is ready (after
    a pause in typing and the dictionaries' load): their line is kept from the start, so the
    button below stays where the finger is going (a tap there in that moment once landed on
    the form instead, and nothing happened)."""
    page = new_context().new_page()
    page.goto("/signup")
    submit = page.locator("[data-signup-form] [type=submit]")
    expect(submit).to_be_enabled()
    before = submit.bounding_box()
    page.fill("#password", PASSWORD)
    expect(page.locator("#password-strength")).not_to_have_text("")
    assert submit.bounding_box() == before


def test_a_second_tap_while_the_password_is_weighed_does_not_register_twice(new_context,
                                                                             recorder):
    """The sign-up button goes off as soon as it is tapped, before the password's strength
    is estimated: while the estimator (a lazy chunk) is still loading, a second tap or Enter
    does nothing. Before, each tap started its own registration: one account was made and
    the form then said the address was taken. The same holds for the reset and the change of
    password, which weigh the new password the same way (passwords.newPassword)."""
    context = new_context(**NO_SW)
    held = []
    context.route(re.compile(r"/static/build/zxcvbn-[A-Z2-7]{8}\.js$"),
                  lambda route: held.append(route))
    page = context.new_page()
    page.goto("/signup")
    submit = page.locator("[data-signup-form] [type=submit]")
    expect(submit).to_be_enabled()
    page.fill("#email", f"kahdesti-{uuid.uuid4().hex[:8]}@example.fi")
    page.fill("#display_name", "Kaisa Kahdesti")
    page.fill("#password", PASSWORD)
    page.fill("#password2", PASSWORD)
    submit.click()
    page.wait_for_function("() => true")  # let the handler reach its await
    expect(submit).to_be_disabled()
    submit.click(force=True)                 # a tap on the button as it is now
    page.locator("#password2").press("Enter")  # and Enter in the last field
    page.wait_for_timeout(200)
    assert held, "the strength estimator was not requested"
    for route in held:
        route.continue_()
    expect(page.locator("[data-recovery]")).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1500)  # a second registration would derive its keys meanwhile
    registrations = [sent for sent in recorder.sent
                     if sent.url.endswith("/api/v1/auth/register") and sent.method == "POST"]
    assert len(registrations) == 1, [sent.label() for sent in registrations]
    expect(page.locator("#email")).not_to_have_attribute("aria-invalid", "true")
