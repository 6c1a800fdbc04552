"""The checks must be able to fail. Each test here breaks one rule on purpose and shows that
the shared proof (`assert_no_plaintext`) or the accessibility check notices: a CSP violation,
an uncaught page error, the marker in a request body or a URL, a page without the CSP header,
and an axe violation."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .conftest import assert_no_plaintext, run_axe


def prove_fails(live_server, recorder, marker, expected: str) -> None:
    with pytest.raises(AssertionError) as failure:
        assert_no_plaintext(live_server, recorder, marker)
    assert expected in str(failure.value), str(failure.value)


def send_something(page: Page) -> None:
    """A harmless POST, so that the proof has a request body to look at."""
    page.evaluate("fetch('/api/v1/auth/prelogin', {method: 'POST', headers: {'Content-Type': "
                  "'application/json'}, body: JSON.stringify({email: 'x@example.fi'})})")


def test_a_csp_violation_is_caught(new_context, live_server, recorder, marker):
    page = new_context().new_page()
    page.goto("/login")
    send_something(page)
    assert_no_plaintext(live_server, recorder, marker)             # clean so far
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate("""() => { const s = document.createElement('script');
            s.textContent = 'window.injected = 1'; document.body.append(s); }""")
    assert page.evaluate("window.injected") is None, "the CSP let an inline script run"
    prove_fails(live_server, recorder, marker, "csp:")
    recorder.problems.clear()
    with page.expect_console_message(lambda m: "violation: style-src" in m.text):
        page.evaluate("""() => { const d = document.createElement('div');
            d.innerHTML = '<span style="color: red">x</span>'; document.body.append(d); }""")
    prove_fails(live_server, recorder, marker, "csp:")
    recorder.problems.clear()
    with page.expect_console_message(lambda m: "violation: connect-src" in m.text):
        page.evaluate("fetch('https://example.com/').catch(() => {})")
    prove_fails(live_server, recorder, marker, "csp:")


def test_a_page_error_is_caught(new_context, live_server, recorder, marker):
    page = new_context().new_page()
    page.goto("/login")
    send_something(page)
    with page.expect_event("pageerror"):
        page.evaluate("setTimeout(() => { throw new Error('canary boom'); })")
    prove_fails(live_server, recorder, marker, "canary boom")


def test_plaintext_in_a_body_or_url_is_caught(new_context, live_server, recorder, marker):
    page = new_context().new_page()
    page.goto("/login")
    page.evaluate("(m) => fetch('/api/v1/auth/prelogin', {method: 'POST', headers: "
                  "{'Content-Type': 'application/json'}, body: JSON.stringify({email: m})})",
                  marker)
    prove_fails(live_server, recorder, marker, "plaintext marker sent to the server")
    recorder.bodies.clear()
    send_something(page)
    page.goto(f"/login?q={marker}")
    prove_fails(live_server, recorder, marker, "marker in a URL")


def test_a_page_without_csp_is_caught(new_context, live_server, recorder, marker):
    context = new_context()
    context.route("**/login", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><title>x</title>"))
    page = context.new_page()
    page.goto("/login")
    send_something(page)
    prove_fails(live_server, recorder, marker, "no strict Content-Security-Policy")


def test_axe_finds_a_violation(new_context):
    page = new_context(bypass_csp=True).new_page()
    page.goto("/login")
    page.evaluate("document.querySelector('label[for=email]').remove()")
    assert "label" in {v["id"] for v in run_axe(page)}
