"""Joining from an invite link and safety numbers (issue 9), on phones: the link
/join/<token>#fp=<fp16> with the right fp → sign up from the link → joined, the supervisor's
key pinned on the server as a record the supervisee signed; a wrong fp, or a bundle swapped in
the database, refuses the join with nothing to click through and nothing joined; signed in,
"Join" pins and joins; the safety number is the same in both browsers, "mark as verified"
signs a verified pin, and a key swapped afterwards shows the warning. axe-core on each page;
the link's fp never reaches the server."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

import protocol
from webapp.extensions import db
from webapp.models import Membership, PinnedKey, User
from webapp.services import processes

from ..factories import fast_account, make_process
from .conftest import run_axe
from .device import js_string
from .journeys import PASSWORD, log_out, sign_up


def uid_of(page: Page) -> str:
    return page.locator('meta[name="valitila-user"]').get_attribute("content")


def no_axe_violations(page: Page) -> None:
    violations = run_axe(page)
    assert violations == [], violations


def supervisor(new_context, name: str = "Sara Ohjaaja") -> Page:
    page = new_context(bypass_csp=True).new_page()     # bypass: axe is injected as a script
    sign_up(page, name=name, supervisor=True)
    return page


def invite(live_server, supervisor_uid: str, pid: str | None = None) -> tuple[str, str, str]:
    """(pid, token, fp16 of the supervisor's bundle) of a new invite into `pid` (made)."""
    app = live_server.app
    pid = pid or make_process(supervisor_uid, app=app)
    with app.app_context():
        user = db.session.get(User, supervisor_uid)
        _, token = processes.create_invite(user, pid)
        fp = protocol.fp16(user.bundle)
        db.session.commit()
    return pid, token, fp


def members(live_server, pid: str) -> set[str]:
    with live_server.app.app_context():
        return set(db.session.scalars(select(Membership.user_uid).where(
            Membership.process_id == pid, Membership.ended_at.is_(None))))


def swap_bundle(live_server, uid: str) -> dict:
    """What a malicious server does: another valid, self-signed bundle for the same uid."""
    swapped = fast_account(uid).account.registration["bundle"]
    with live_server.app.app_context():
        db.session.execute(update(User).where(User.uid == uid).values(bundle=swapped))
        db.session.commit()
    return swapped


def assert_fp_never_sent(recorder, fp: str) -> None:
    for sent in recorder.sent:
        assert fp not in sent.url and fp.encode() not in sent.headers, sent.label()


def fill_signup(page: Page, name: str) -> None:
    page.fill("#email", f"e2e-{uuid.uuid4().hex[:10]}@example.fi")
    page.fill("#display_name", name)
    page.fill("#password", PASSWORD)
    page.fill("#password2", PASSWORD)
    page.locator("[data-signup-form] [type=submit]").click()


def confirm_recovery_key(page: Page) -> None:
    section = page.locator("[data-recovery]")
    expect(section).to_be_visible(timeout=30_000)
    key = page.text_content("[data-recovery-key]").strip()
    group = int(re.search(r"\d+", page.text_content("[data-recovery-label]")).group())
    page.fill("#recovery-check", key.split("-")[group - 1])
    page.locator("[data-recovery-confirm] [type=submit]").click()


def test_sign_up_from_the_link_joins_and_pins(new_context, live_server, recorder,
                                               no_plaintext):
    """(`no_plaintext`: no page error or CSP violation on the way, and the proof's marker
    nowhere; nothing typed here is sealed, so the marker is the fixture's own.)"""
    sara = supervisor(new_context)
    sara_uid = uid_of(sara)
    pid, token, fp = invite(live_server, sara_uid)

    anna = new_context(bypass_csp=True).new_page()
    anna.goto(f"/join/{token}#fp={fp}")
    join = anna.locator("[data-js-join]")
    expect(join.locator("[data-join-ok]")).to_be_visible()
    expect(join.locator("[data-field=supervisor]")).to_have_text("Sara Ohjaaja")
    expect(join.locator("[data-form=individual]")).to_be_visible()
    expect(join.locator("[data-form=group]")).to_be_hidden()
    for refusal in join.locator("[data-join-refused]").all():
        expect(refusal).to_be_hidden()
    no_axe_violations(anna)

    join.locator("[data-join-signup]").click()
    anna.wait_for_url(re.compile(rf".*/signup\?invite={token}$"))
    fill_signup(anna, "Anna Ohjattava")   # a display name: plaintext by design
    confirm_recovery_key(anna)
    anna.wait_for_url(re.compile(rf".*/processes/{pid}$"))
    anna_uid = uid_of(anna)
    assert members(live_server, pid) == {sara_uid, anna_uid}

    # The supervisor's key, checked against the link, is pinned: on the server as a record
    # Anna signed, over the full fingerprint of the bundle the link vouched for.
    with live_server.app.app_context():
        pin = db.session.get(PinnedKey, (anna_uid, sara_uid))
        sara_bundle = db.session.get(User, sara_uid).bundle
        anna_bundle = db.session.get(User, anna_uid).bundle
    assert pin is not None and not pin.verified
    assert pin.fp == protocol.b64u_encode(protocol.fingerprint(sara_bundle))
    assert protocol.verify_pin(anna_bundle["ed25519"], pin.sig, anna_uid, sara_uid, pin.fp,
                               False)
    # The invite is used up: the link's page now says so.
    assert anna.request.get(f"/join/{token}").status == 404
    assert_fp_never_sent(recorder, fp)


@pytest.mark.parametrize("tamper", ["wrong_fp", "swapped_bundle"])
def test_a_tampered_link_or_a_swapped_key_refuses_the_join(new_context, live_server, recorder,
                                                             tamper):
    sara = supervisor(new_context)
    sara_uid = uid_of(sara)
    pid, token, fp = invite(live_server, sara_uid)
    if tamper == "wrong_fp":
        link_fp = protocol.fp16(fast_account().account.registration["bundle"])
    else:
        link_fp = fp
        swap_bundle(live_server, sara_uid)

    # Signed out: a loud refusal, nothing offered.
    visitor = new_context(bypass_csp=True).new_page()
    visitor.goto(f"/join/{token}#fp={link_fp}")
    join = visitor.locator("[data-js-join]")
    refusal = join.locator("[data-join-refused=mismatch]")
    expect(refusal).to_be_visible()
    expect(refusal).to_have_attribute("role", "alert")
    expect(join.locator("[data-join-ok]")).to_be_hidden()
    for link in visitor.locator("[data-join-signup], [data-join-login]").all():
        expect(link).to_be_hidden()
    expect(join.locator("[data-field=supervisor]")).to_have_text("")
    no_axe_violations(visitor)

    # Signed in: the same, and no "Join".
    anna = new_context(bypass_csp=True).new_page()
    sign_up(anna, name="Anna Ohjattava")
    anna.goto(f"/join/{token}#fp={link_fp}")
    expect(anna.locator("[data-join-refused=mismatch]")).to_be_visible()
    expect(anna.locator("[data-join-accept]")).to_be_hidden()

    # The join page kept nothing for a link that failed its check: signing up straight from
    # /signup?invite= says the link is incomplete. With the link's fp kept in the tab (as
    # after a check that passed), the sign-up checks the key again: no account either way.
    visitor.goto(f"/signup?invite={token}")
    fill_signup(visitor, "Ville Vierailija")
    expect(visitor.locator("[data-signup-form] [data-status]")).to_have_text(
        js_string(visitor, "inviteIncomplete"))
    visitor.evaluate("([token, fp]) => sessionStorage.setItem('valitila:invite-fp:' + token, fp)",
                     [token, link_fp])
    visitor.reload()
    fill_signup(visitor, "Ville Vierailija")
    expect(visitor.locator("[data-signup-form] [data-status]")).to_have_text(
        js_string(visitor, "inviteMismatch"))
    with live_server.app.app_context():
        assert db.session.scalar(select(User).where(User.display_name == "Ville Vierailija")) \
            is None
        assert db.session.scalars(select(PinnedKey).where(PinnedKey.subject_uid == sara_uid)
                                  ).all() == []
    assert members(live_server, pid) == {sara_uid}
    assert sara.request.get(f"/api/v1/invites/{token}").status == 200   # still open
    assert_fp_never_sent(recorder, link_fp)


def test_no_fp_in_the_link_refuses(new_context, live_server):
    sara = supervisor(new_context)
    _, token, _ = invite(live_server, uid_of(sara))
    page = new_context(bypass_csp=True).new_page()
    page.goto(f"/join/{token}")
    expect(page.locator("[data-join-refused=no_fp]")).to_be_visible()
    expect(page.locator("[data-join-ok]")).to_be_hidden()
    page.goto("/join/" + "x" * 32 + "#fp=" + "A" * 22)
    expect(page.locator("h1")).to_be_visible()
    assert page.locator("[data-js-join]").count() == 0
    no_axe_violations(page)


def test_join_signed_in_then_compare_safety_numbers(new_context, live_server, recorder):
    sara = supervisor(new_context)
    sara_uid = uid_of(sara)
    anna = new_context(bypass_csp=True).new_page()
    sign_up(anna, name="Anna Ohjattava")
    anna_uid = uid_of(anna)
    pid, token, fp = invite(live_server, sara_uid)

    anna.goto(f"/join/{token}#fp={fp}")
    expect(anna.locator("[data-field=supervisor]")).to_have_text("Sara Ohjaaja")
    no_axe_violations(anna)
    anna.locator("[data-join-accept]").click()
    anna.wait_for_url(re.compile(rf".*/processes/{pid}$"))
    assert members(live_server, pid) == {sara_uid, anna_uid}
    with live_server.app.app_context():
        assert db.session.get(PinnedKey, (anna_uid, sara_uid)) is not None

    numbers = []
    for page, other in ((anna, sara_uid), (sara, anna_uid)):
        page.goto(f"/people/{other}/safety")
        shown = page.locator("[data-safety-number]")
        expect(shown.locator(".recovery-group")).to_have_count(12)
        text = shown.text_content()
        assert re.fullmatch(r"\d{5}( \d{5}){11}", text), text
        numbers.append(text)
        expect(page.locator("[data-safety-qr] svg")).to_be_visible()
        expect(page.locator("[data-safety-state=unverified]")).to_be_visible()
        no_axe_violations(page)
    assert numbers[0] == numbers[1]
    with live_server.app.app_context():
        bundles = [db.session.get(User, u).bundle for u in (anna_uid, sara_uid)]
    codes = [protocol.safety_code(protocol.fingerprint(b)) for b in bundles]
    assert numbers[0] == protocol.safety_number(*codes)

    # The numbers match: Anna marks Sara verified (a signed, verified pin on the server).
    anna.goto(f"/people/{sara_uid}/safety")
    anna.locator("[data-safety-verify]").click()
    expect(anna.locator("[data-safety-state=verified]")).to_be_visible()
    expect(anna.locator("[data-safety-verify]")).to_be_hidden()
    with live_server.app.app_context():
        pin = db.session.get(PinnedKey, (anna_uid, sara_uid))
        assert pin.verified and pin.verified_at is not None
    anna.reload()
    expect(anna.locator("[data-safety-state=verified]")).to_be_visible()

    # The server swaps Sara's key: Anna's page warns and offers to verify the new number.
    swap_bundle(live_server, sara_uid)
    anna.reload()
    expect(anna.locator("[data-safety-warning=changed]")).to_be_visible()
    expect(anna.locator("[data-safety-state=unverified]")).to_be_visible()
    expect(anna.locator("[data-safety-verify]")).to_be_visible()
    assert anna.locator("[data-safety-number]").text_content() != numbers[0]
    no_axe_violations(anna)
    assert_fp_never_sent(recorder, fp)
    assert not recorder.problems, recorder.problems


def test_sign_in_from_the_link_then_join(new_context, live_server, recorder):
    sara = supervisor(new_context)
    sara_uid = uid_of(sara)
    anna = new_context(bypass_csp=True).new_page()
    account = sign_up(anna, name="Anna Ohjattava")
    anna_uid = uid_of(anna)
    log_out(anna)
    pid, token, fp = invite(live_server, sara_uid)

    anna.goto(f"/join/{token}#fp={fp}")
    expect(anna.locator("[data-field=supervisor]")).to_have_text("Sara Ohjaaja")
    anna.locator("[data-join-login]").click()
    anna.wait_for_url(re.compile(r".*/login\?next="))
    anna.fill("#email", account.email)
    anna.fill("#password", account.password)
    anna.locator("[data-login-form] [type=submit]").click()
    # Back on the link's page (without its fragment: the fp was kept in the tab), signed in.
    anna.wait_for_url(re.compile(rf".*/join/{token}$"))
    expect(anna.locator("[data-field=supervisor]")).to_have_text("Sara Ohjaaja")
    anna.locator("[data-join-accept]").click()
    anna.wait_for_url(re.compile(rf".*/processes/{pid}$"))
    assert members(live_server, pid) == {sara_uid, anna_uid}
    with live_server.app.app_context():
        assert db.session.get(PinnedKey, (anna_uid, sara_uid)) is not None
    assert_fp_never_sent(recorder, fp)
    assert not recorder.problems, recorder.problems


def test_goals_wait_for_the_supervisor_after_joining_then_open(new_context, live_server):
    """Just after joining, the contract's goals are not yet shared with the new member: the
    check-in card and the goal's page say the goal waits for the supervisor, never that it
    could not be opened on this device; once the supervisor's app has shared the process,
    the goal opens on the home, on the card and on its page."""
    sara = new_context(bypass_csp=True).new_page()
    sign_up(sara, name="Sara Ohjaaja", supervisor=True)   # her app shares (process-sync)
    pid, token, fp = invite(live_server, uid_of(sara))
    goal = "Jaksan paremmin arjessa."
    sara.goto(f"/processes/{pid}/contract")
    sara.fill("#goal-text", goal)
    sara.locator("[data-goal-form] [type=submit]").click()
    expect(sara.locator("[data-goal] [data-goal-text]")).to_have_text([goal])
    goal_id = sara.locator("[data-goal]").get_attribute("data-goal")

    anna = new_context(bypass_csp=True).new_page()
    anna.goto(f"/join/{token}#fp={fp}")
    anna.locator("[data-join-signup]").click()
    anna.wait_for_url(re.compile(rf".*/signup\?invite={token}$"))
    fill_signup(anna, "Anna Ohjattava")
    confirm_recovery_key(anna)
    anna.wait_for_url(re.compile(rf".*/processes/{pid}$"))
    failed = js_string(anna, "decryptFailed")

    # Not shared yet (the supervisor's app has not been open since): waiting, no error.
    for page in (f"/processes/{pid}", f"/processes/{pid}/goals/{goal_id}"):
        anna.goto(page)
        anna.wait_for_load_state("networkidle")           # the page's behaviours have run
        assert failed not in anna.locator("main").text_content(), page
        assert anna.locator("[data-state=error]").count() == 0, page
    expect(anna.locator("p.notice[data-state=waiting]")).to_be_visible()
    no_axe_violations(anna)
    anna.goto(f"/processes/{pid}")
    link = anna.locator("[data-checkin-goal-link]")
    expect(link).to_have_count(1)
    expect(link.locator("[data-state=waiting]")).to_be_visible()

    sara.goto("/home/")                                   # her app shares the process's papers
    expect(sara.locator("[data-js-notice]")).to_have_attribute("data-state", "ok")
    anna.goto("/home/")
    expect(anna.locator(f"[data-process='{pid}'] [data-goals]")).to_contain_text(goal)
    anna.goto(f"/processes/{pid}")
    expect(anna.locator("[data-checkin-goal-link] [data-state=open]")).to_have_text(goal)
    anna.goto(f"/processes/{pid}/goals/{goal_id}")
    expect(anna.locator("h1 [data-state=open]")).to_have_text(goal)
    expect(anna.locator("p.notice[data-state=waiting]")).to_have_count(0)
