"""The supervisor's processes in the browser, two phones: a supervisor signs up as one,
starts a process whose name is sealed on the device, makes an invite and sees its link (with
the fingerprint of her own key) and its QR code, and sends it by email; a supervisee joins
with the token, sees "waiting for your supervisor" until the supervisor's app is open again,
which shares the name with her (and says so). axe-core on every new page; the no-plaintext
proof covers the process's name."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

import protocol

from .conftest import run_axe
from .journeys import PASSWORD, sign_up


def sign_up_as_supervisor(page: Page, name: str = "Sara Ohjaaja") -> None:
    """Sign up with "I am a supervisor" ticked (journeys.sign_up's steps otherwise)."""
    email = f"e2e-sup-{uuid.uuid4().hex[:10]}@example.fi"
    page.goto("/signup")
    page.fill("#email", email)
    page.fill("#display_name", name)
    page.fill("#password", PASSWORD)
    page.fill("#password2", PASSWORD)
    page.check("#is_supervisor")
    page.locator("[data-signup-form] [type=submit]").click()
    expect(page.locator("[data-recovery]")).to_be_visible(timeout=30_000)
    key = page.text_content("[data-recovery-key]").strip()
    group = int(re.search(r"\d+", page.text_content("[data-recovery-label]")).group())
    page.fill("#recovery-check", key.split("-")[group - 1])
    page.locator("[data-recovery-confirm] [type=submit]").click()
    page.wait_for_url(re.compile(r"^[^?]*/home/$"))        # a supervisor lands on their home


def no_axe_violations(page: Page, what: str) -> None:
    violations = run_axe(page)
    assert not violations, (what, violations)


def api_json(page: Page, method: str, path: str) -> dict:
    """A call from the page, as its scripts make them (session cookie and CSRF token)."""
    return page.evaluate("""async ([method, path]) => {
        const csrf = document.querySelector('meta[name="csrf-token"]').content;
        const r = await fetch('/api/v1' + path, {method, headers: {'X-CSRF-Token': csrf,
            'Accept': 'application/json'}, credentials: 'same-origin'});
        return {status: r.status, body: r.status === 204 ? null : await r.json()};
    }""", [method, path])


def test_a_supervisor_starts_a_process_invites_and_shares_it(new_context, marker, no_plaintext):
    sara_page = new_context(bypass_csp=True).new_page()   # bypass: axe is injected
    sign_up_as_supervisor(sara_page)
    nav = sara_page.locator("nav.site-nav a[href='/processes/']")
    expect(nav).to_be_visible()
    nav.click()
    sara_page.wait_for_url(re.compile(r".*/processes/$"))
    no_axe_violations(sara_page, "empty home")

    sara_page.locator("a[href='/processes/new']").first.click()
    sara_page.wait_for_url(re.compile(r".*/processes/new$"))
    no_axe_violations(sara_page, "new process")
    # choosing a form fills its default frame; the supervisor changes what she wants
    sara_page.check("#form-crisis")
    expect(sara_page.locator("#session_minutes")).to_have_value("75")
    expect(sara_page.locator("#interval_days")).to_have_value("7")
    expect(sara_page.locator("#session_count")).to_have_value("3")
    sara_page.fill("#session_count", "2")
    name = f"Kriisi {marker}"
    sara_page.fill("#process-name", name)
    sara_page.locator("[data-process-form] [type=submit]").click()
    sara_page.wait_for_url(re.compile(r".*/processes/[0-9a-f-]{36}$"))
    pid = sara_page.url.rsplit("/", 1)[1]
    expect(sara_page.locator("h1.process-name")).to_have_text(name)
    expect(sara_page.locator("#session_count")).to_have_value("2")
    no_axe_violations(sara_page, "process page")

    # the home lists it, its name opened on the device
    sara_page.goto("/processes/")
    expect(sara_page.locator(f"a[href='/processes/{pid}'] .process-name")).to_have_text(name)
    no_axe_violations(sara_page, "home with a process")

    # an invite: the link carries the token (shown once) and the fp16 of her own key
    sara_page.goto(f"/processes/{pid}")
    sara_page.locator("[data-invite-form] [type=submit]").click()
    link_box = sara_page.locator("[data-invite-link]")
    expect(link_box).to_be_visible()
    link = link_box.input_value()
    match = re.fullmatch(r"http://127\.0\.0\.1:\d+/join/([A-Za-z0-9_-]+)#fp=([A-Za-z0-9_-]{22})",
                         link)
    assert match, link
    uid = sara_page.get_attribute('meta[name="valitila-user"]', "content")
    bundle = api_json(sara_page, "GET", f"/users/{uid}/bundle")["body"]
    assert match.group(2) == protocol.fp16(bundle)
    expect(sara_page.locator("[data-invite-list] [data-revoke]")).to_have_count(1)
    show_qr = sara_page.locator("[data-show-qr]")
    expect(show_qr).to_have_attribute("aria-expanded", "false")
    show_qr.click()
    qr = sara_page.locator("[data-qr] svg[role=img]")
    expect(qr).to_be_visible()
    expect(show_qr).to_have_attribute("aria-expanded", "true")
    assert int(qr.get_attribute("viewBox").split()[2]) >= 25        # a real QR matrix
    show_qr.click()                                   # the same button hides it again
    expect(qr).to_be_hidden()
    expect(show_qr).to_have_attribute("aria-expanded", "false")
    # email (no MAIL_SERVER here: the server logs it)
    sara_page.fill("#invite-email", "kutsuttu@example.fi")
    sara_page.locator("[data-email-form] [type=submit]").click()
    expect(sara_page.locator("[data-email-form] [data-status]")).to_have_attribute(
        "data-state", "ok")
    no_axe_violations(sara_page, "invite link shown")

    # the supervisee joins with the token and waits for the name
    anna_page = new_context().new_page()
    sign_up(anna_page, name="Anna Aho")
    joined = api_json(anna_page, "POST", f"/invites/{match.group(1)}/accept")
    assert joined["status"] == 200, joined
    anna_page.goto(f"/processes/{pid}")
    expect(anna_page.locator("main")).to_contain_text("Välitila")
    waiting = anna_page.locator("p.notice[role=status]")
    expect(waiting).to_be_visible()
    expect(anna_page.locator("h1.process-name")).not_to_have_text(name)
    assert anna_page.locator("[data-js-process-invites]").count() == 0

    # the supervisor's app, open on any page, shares the name with her and says so
    sara_page.goto("/journal/")
    expect(sara_page.locator("[data-js-notice]")).to_have_attribute("data-state", "ok")
    expect(sara_page.locator("[data-js-notice]")).to_contain_text("1")
    assert api_json(sara_page, "GET", f"/processes/{pid}")["status"] == 200
    anna_page.reload()
    expect(anna_page.locator("h1.process-name")).to_have_text(name)
    expect(anna_page.locator("p.notice[role=status]")).to_have_count(0)
    anna_page.goto("/processes/")
    expect(anna_page.locator(f"a[href='/processes/{pid}'] .process-name")).to_have_text(name)
    assert anna_page.locator("a[href='/processes/new']").count() == 0

    # and nothing is due any more
    sara_page.goto(f"/processes/{pid}")
    expect(sara_page.locator("[data-waiting]")).to_have_count(0)
