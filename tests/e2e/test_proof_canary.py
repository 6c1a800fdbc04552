"""The checks must be able to fail. Each test here breaks one rule on purpose and shows that
the shared proof (`assert_no_plaintext`) or the accessibility check notices: a CSP violation,
an uncaught page error, a page without the CSP header, an axe violation, and the marker —
raw or encoded (url, form, json, base64 and base64url at each alignment, hex) — in a request
body, a URL or a header sent by a page or the service worker, in IndexedDB, Cache Storage or
Web Storage of a device (open, or closed during the test), in a database file, and in the
server log."""
from __future__ import annotations

import logging
import re
import sqlite3

import pytest
from playwright.sync_api import Page

from .conftest import assert_no_plaintext, run_axe

# How a careless script might encode the marker, with the browser's own functions. `offset`
# filler bytes go before the marker, so that base64 meets it at each of the 3 alignments.
ENCODE = r"""([m, how, offset]) => {
  const bytes = new Uint8Array([...new Uint8Array(offset).fill(0x21),
                                ...new TextEncoder().encode(m)]);
  const b64 = () => btoa(String.fromCharCode(...bytes));
  const hex = () => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  switch (how) {
    case 'raw': return m;
    case 'url': return encodeURIComponent(m);
    case 'form': return new URLSearchParams({ q: m }).toString();
    case 'json': return JSON.stringify(m).replace(/[\u0080-\uffff]/g,
      (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
    case 'base64': return b64();
    case 'base64url': return b64().replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    case 'hex': return hex();
    case 'HEX': return hex().toUpperCase();
  }
  throw new Error(how);
}"""

# (how the script encodes, the encoding name the proof must report, alignments to try)
CASES = [("raw", "raw", [0]), ("url", "url", [0]), ("form", "form", [0]), ("json", "json", [0]),
         ("base64", "base64", [0, 1, 2]), ("base64url", "base64url", [0, 1, 2]),
         ("hex", "hex", [0, 1]), ("HEX", "hex", [0])]


def prove_fails(live_server, recorder, marker, expected: str, encoding: str | None = None) -> str:
    """The proof fails, and one of its findings mentions `expected` (and names `encoding`)."""
    with pytest.raises(AssertionError) as failure:
        assert_no_plaintext(live_server, recorder, marker)
    message = str(failure.value)
    lines = [line for line in message.splitlines() if expected in line]
    assert lines, message
    if encoding is not None:
        assert any(re.search(rf"\[(.*, )?{encoding}(, .*)?\]$", line) for line in lines), message
    return message


def forget_traffic(recorder) -> None:
    recorder.sent.clear()
    recorder.bodies.clear()
    recorder.urls.clear()


def send_something(page: Page) -> None:
    """A harmless POST, so that the proof has a request body to look at."""
    page.evaluate("fetch('/api/v1/auth/prelogin', {method: 'POST', headers: {'Content-Type': "
                  "'application/json'}, body: JSON.stringify({email: 'x@example.fi'})})")


def clean_page(new_context, live_server, recorder, marker) -> Page:
    page = new_context().new_page()
    page.goto("/login")
    send_something(page)
    assert_no_plaintext(live_server, recorder, marker)             # clean so far
    return page


def test_a_csp_violation_is_caught(new_context, live_server, recorder, marker):
    page = clean_page(new_context, live_server, recorder, marker)
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
    prove_fails(live_server, recorder, marker, "plaintext marker sent to the server", "raw")
    forget_traffic(recorder)
    send_something(page)
    page.goto(f"/login?q={marker}")   # the browser %-encodes the space and the letters
    prove_fails(live_server, recorder, marker, "marker in a URL", "url")


@pytest.mark.parametrize("how, encoding, offsets", CASES, ids=[c[0] for c in CASES])
def test_an_encoded_marker_in_a_body_url_or_header_is_caught(
        new_context, live_server, recorder, marker, how, encoding, offsets):
    page = clean_page(new_context, live_server, recorder, marker)
    for offset in offsets:
        encoded = page.evaluate(ENCODE, [marker, how, offset])
        assert marker not in encoded or how == "raw"

        forget_traffic(recorder)
        page.evaluate("(body) => fetch('/api/v1/auth/prelogin', {method: 'POST', headers: "
                      "{'Content-Type': 'text/plain'}, body})", f"x={encoded}&y=1")
        prove_fails(live_server, recorder, marker, "in the body of POST", encoding)

        if how != "json":  # (a JSON string in a query would be %-encoded on top)
            forget_traffic(recorder)
            send_something(page)
            # The raw marker is %-encoded by the browser itself (space and letters).
            page.evaluate("(q) => fetch('/healthz?q=' + q)", encoded)
            prove_fails(live_server, recorder, marker, "marker in a URL: GET",
                        "url" if how == "raw" else encoding)

        if how == "raw":
            continue  # a header value must be ASCII: fetch refuses the raw marker
        forget_traffic(recorder)
        send_something(page)
        page.evaluate("(v) => fetch('/healthz', {headers: {'X-Canary': v}})", encoded)
        prove_fails(live_server, recorder, marker, "marker in a request header of GET", encoding)


def test_a_request_of_the_service_worker_is_caught(new_context, live_server, recorder, marker):
    context = new_context()
    page = context.new_page()
    page.goto("/login")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    send_something(page)
    assert_no_plaintext(live_server, recorder, marker)
    worker = (context.service_workers or [context.wait_for_event("serviceworker")])[0]
    encoded = page.evaluate(ENCODE, [marker, "base64url", 1])
    forget_traffic(recorder)
    send_something(page)
    worker.evaluate("(body) => fetch('/api/v1/auth/prelogin', {method: 'POST', body})",
                    encoded)
    prove_fails(live_server, recorder, marker, "(service worker)", "base64url")


def test_an_encoded_marker_on_the_device_is_caught(new_context, live_server, recorder, marker):
    """IndexedDB (as a string and as bytes), Cache Storage and Web Storage, and a device that
    the test closed before the proof ran."""
    page = clean_page(new_context, live_server, recorder, marker)
    base64 = page.evaluate(ENCODE, [marker, "base64", 2])
    page.evaluate("""async ([text, raw]) => {
      const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open('canary', 1);
        request.onupgradeneeded = () => request.result.createObjectStore('notes');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      await new Promise((resolve, reject) => {
        const tx = db.transaction('notes', 'readwrite');
        tx.objectStore('notes').put({ text }, 'encoded');
        tx.objectStore('notes').put(new TextEncoder().encode(raw), 'bytes');
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    }""", [base64, marker])
    message = prove_fails(live_server, recorder, marker, "IndexedDB", "base64")
    assert re.search(r"IndexedDB \[raw, .*base64", message), message    # the bytes too
    page.evaluate("""() => new Promise((resolve, reject) => {
        const request = indexedDB.deleteDatabase('canary');
        request.onsuccess = resolve;
        request.onerror = () => reject(request.error);
    })""")
    assert_no_plaintext(live_server, recorder, marker)

    hex_marker = page.evaluate(ENCODE, [marker, "HEX", 0])
    page.evaluate("""async (text) => (await caches.open('canary')).put('/canary',
        new Response(text))""", hex_marker)
    prove_fails(live_server, recorder, marker, "Cache Storage", "hex")
    assert page.evaluate("caches.delete('canary')")
    assert_no_plaintext(live_server, recorder, marker)

    # A device closed inside the test is looked into as it closes.
    other = new_context()
    other_page = other.new_page()
    other_page.goto("/login")
    form = other_page.evaluate(ENCODE, [marker, "form", 0])
    other_page.evaluate("(v) => localStorage.setItem('canary', v)", form)
    other.close()
    prove_fails(live_server, recorder, marker, "(closed in the test) Web Storage", "form")


def test_an_encoded_marker_in_the_database_is_caught(new_context, live_server, recorder,
                                                     marker):
    page = clean_page(new_context, live_server, recorder, marker)
    hex_marker = page.evaluate(ENCODE, [marker, "hex", 0])
    connection = sqlite3.connect(live_server.db_path, timeout=30)
    try:
        connection.execute("PRAGMA secure_delete = ON")   # so the cleanup below erases it
        connection.execute("CREATE TABLE canary (value TEXT)")
        with connection:
            connection.execute("INSERT INTO canary VALUES (?)", (hex_marker,))
        prove_fails(live_server, recorder, marker, "in the database file", "hex")
    finally:
        with connection:
            connection.execute("DROP TABLE canary")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()


def test_an_encoded_marker_in_the_log_is_caught(new_context, live_server, recorder, marker):
    page = clean_page(new_context, live_server, recorder, marker)
    encoded = page.evaluate(ENCODE, [marker, "json", 0])
    logging.getLogger("webapp").error("canary: the request body was {\"note\": \"%s\"}", encoded)
    prove_fails(live_server, recorder, marker, "in the server log", "json")


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
