"""Sharing with the supervisor (issue 9), two people on phones: the supervisee shares an entry
from its page (the supervisor's key pinned on first sight) → the supervisor's page shows it
opened → the supervisee stops sharing on "What I have shared" (the entry's key is rotated) →
the supervisor's API answers 404 → a share "until the end of the next session" disappears the
moment it expires. The process and the membership are made with the factories, not the UI.
axe-core on the new pages; the no-plaintext proof covers the shared entries."""
from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import update

from webapp.extensions import db
from webapp.models import Envelope, Item, Process
from webapp.models.types import utcnow

from ..factories import make_process
from .conftest import run_axe
from .device import js_string
from .journeys import sign_up, write_entry


def uid_of(page: Page) -> str:
    return page.locator('meta[name="valitila-user"]').get_attribute("content")


def no_axe_violations(page: Page) -> None:
    violations = run_axe(page)
    assert violations == [], violations


def share_from_entry(page: Page, item_id: str, *, duration: str = "revoked",
                     bring: bool = False) -> None:
    page.goto(f"/journal/{item_id}")
    panel = page.locator("[data-js-share-panel]")
    form = panel.locator("[data-share-form]")
    expect(form.locator("[type=submit]")).to_be_enabled()
    form.locator(f"input[name=duration][value={duration}]").check()
    if bring:
        form.locator("#share-bring").check()
    form.locator("[type=submit]").click()
    # The panel comes back from the server with the share listed, and its button now
    # changes that share instead of making one.
    expect(page.locator("[data-js-share-panel] [data-revoke]")).to_have_count(1)
    button = page.locator("[data-js-share-panel] [data-share-form] [type=submit]")
    expect(button).to_have_accessible_name("Tallenna tämän jaon muutokset")


def test_share_read_revoke_and_expire(new_context, live_server, marker, no_plaintext):
    anna = new_context(bypass_csp=True).new_page()     # bypass: axe is injected as a script
    sign_up(anna, name="Anna Ohjattava")
    sara = new_context(bypass_csp=True).new_page()
    sara.goto("/signup")
    sara.check("#is_supervisor")
    sign_up(sara, name="Sara Ohjaaja")
    anna_uid, sara_uid = uid_of(anna), uid_of(sara)
    pid = make_process(sara_uid, anna_uid, status="active", app=live_server.app)
    with live_server.app.app_context():     # the first session today: "next session" exists
        db.session.execute(update(Process).where(Process.id == pid)
                           .values(starts_on=date.today(), ends_on=date.today()
                                   + timedelta(days=365)))
        db.session.commit()

    # The supervisee shares an entry, marked for the next session.
    first = write_entry(anna, f"Jaettava {marker}", f"Ohjaajalle {marker} luettavaksi.")
    share_from_entry(anna, first, bring=True)
    expect(anna.locator("[data-js-share-panel]")).to_contain_text("Sara Ohjaaja")
    no_axe_violations(anna)

    # The supervisor reads it, opened in the browser.
    shared_page = f"/processes/{pid}/people/{anna_uid}/shared"
    sara.goto(shared_page)
    card = sara.locator("article[data-state=open]")
    expect(card.locator("[data-field=title]")).to_have_text(f"Jaettava {marker}")
    expect(card.locator("[data-field=excerpt]")).to_have_text(f"Ohjaajalle {marker} luettavaksi.")
    expect(card.locator(".badge")).to_be_visible()
    no_axe_violations(sara)
    assert sara.request.get(f"/api/v1/items/{first}").status == 200

    # The supervisee sees the same on her side, and stops sharing it.
    anna.goto(shared_page)
    expect(anna.locator("article[data-state=open] [data-field=title]")).to_have_text(
        f"Jaettava {marker}")
    anna.goto("/shared")
    row = anna.locator(f"[data-share][data-item='{first}']")
    expect(row.locator("[data-field=title]")).to_have_text(f"Jaettava {marker}")
    no_axe_violations(anna)
    row.locator("[data-revoke]").click()
    expect(row).to_have_count(0)
    # "What was already read cannot be unread", in the page's language.
    expect(anna.locator("[data-status]").first).to_have_text(js_string(anna, "shareStopped"))

    # At once: the supervisor's API answers 404 and her page no longer lists it.
    assert sara.request.get(f"/api/v1/items/{first}").status == 404
    sara.goto(shared_page)
    expect(sara.locator(".empty-state")).to_be_visible()
    # The author's client rotated the entry's key: rev 2, nothing due.
    readers = anna.request.get(f"/api/v1/items/{first}/readers").json()
    assert readers == {"readers": [], "rekey_due": False}
    assert anna.request.get(f"/api/v1/items/{first}").json()["rev"] == 2

    # A share until the end of the next session disappears the moment it expires.
    second = write_entry(anna, f"Sessioon asti {marker}", f"Vain tähän {marker} istuntoon.")
    share_from_entry(anna, second, duration="session")
    sara.goto(shared_page)
    expect(sara.locator("article[data-state=open] [data-field=title]")).to_have_text(
        f"Sessioon asti {marker}")
    with live_server.app.app_context():
        stored = db.session.get(Envelope, db.session.scalar(
            db.select(Envelope.id).where(Envelope.item_id == second,
                                         Envelope.recipient_uid == sara_uid)))
        assert stored.expires_at is not None and stored.expires_at > utcnow()
        stored.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    sara.goto(shared_page)
    expect(sara.locator(".empty-state")).to_be_visible()
    assert sara.request.get(f"/api/v1/items/{second}").status == 404
    anna.goto("/shared")
    expect(anna.locator(".empty-state")).to_be_visible()
    # The purge then deletes it for good and marks the entry for a new key.
    result = live_server.app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0 and "Purged" in result.output  # (others' too: one server)
    with live_server.app.app_context():
        assert db.session.get(Item, second).rekey_due
        assert db.session.scalar(db.select(Envelope.id).where(
            Envelope.item_id == second, Envelope.recipient_uid == sara_uid)) is None
    # The author's next open of the entry rotates its key.
    anna.goto(f"/journal/{second}")
    expect(anna.locator("[data-js-share-panel][data-rekey-due=false]")).to_be_visible()
    assert anna.request.get(f"/api/v1/items/{second}").json()["rev"] == 2


def test_sharing_again_keeps_the_bring_mark(new_context, live_server, marker, no_plaintext):
    """An entry shared with "bring to the next session" and shared again (for another
    time) stays marked unless she unticks it: the form starts from each process's current
    share (found by exploratory testing: a second share silently dropped the mark)."""
    anna = new_context().new_page()
    sign_up(anna, name="Anna Ohjattava")
    sara = new_context().new_page()
    sign_up(sara, name="Sara Ohjaaja", supervisor=True)
    first_pid = make_process(uid_of(sara), uid_of(anna), status="active", app=live_server.app)
    make_process(uid_of(sara), uid_of(anna), status="active", app=live_server.app)
    item_id = write_entry(anna, f"Mukaan {marker}", f"Tuon tämän {marker}.")
    anna.goto(f"/journal/{item_id}")
    form = anna.locator("[data-js-share-panel] [data-share-form]")
    expect(form.locator("[type=submit]")).to_be_enabled()
    form.locator(f"input[name=process][value='{first_pid}']").check()
    form.locator("#share-bring").check()
    form.locator("[type=submit]").click()
    expect(anna.locator("[data-js-share-panel] [data-revoke]")).to_have_count(1)

    form = anna.locator("[data-js-share-panel] [data-share-form]")
    bring = form.locator("#share-bring")
    first = form.locator(f"input[name=process][value='{first_pid}']")
    other = form.locator(f"input[name=process]:not([value='{first_pid}'])")
    first.check()
    expect(bring).to_be_checked()
    other.check()
    expect(bring).not_to_be_checked()
    first.check()
    expect(bring).to_be_checked()
    form.locator("input[name=duration][value=days]").check()
    form.locator("[type=submit]").click()
    # (the panel comes back with the share's end: until then the old one is there)
    expect(anna.locator("[data-js-share-panel] .share-list time")).to_have_count(1)
    expect(anna.locator("[data-js-share-panel] [data-revoke]")).to_have_count(1)
    expect(anna.locator("[data-js-share-panel] .share-list .badge")).to_be_visible()
    with live_server.app.app_context():
        assert db.session.scalar(db.select(Envelope.bring).where(
            Envelope.item_id == item_id, Envelope.recipient_uid == uid_of(sara)))
        ends = db.session.scalar(db.select(Envelope.expires_at).where(
            Envelope.item_id == item_id, Envelope.recipient_uid == uid_of(sara)))
    assert ends is not None
    # Changing that share keeps its end unless she picks another: only the mark changes.
    form = anna.locator("[data-js-share-panel] [data-share-form]")
    keep = form.locator("#share-keep")
    expect(keep).to_be_checked()
    form.locator(f"input[name=process]:not([value='{first_pid}'])").check()
    expect(keep).to_be_hidden()                                  # not shared through it
    expect(form.locator("#share-until-revoked")).to_be_checked()
    form.locator(f"input[name=process][value='{first_pid}']").check()
    expect(keep).to_be_checked()
    form.locator("#share-bring").uncheck()
    form.locator("[type=submit]").click()
    expect(anna.locator("[data-js-share-panel] .share-list .badge")).to_have_count(0)
    with live_server.app.app_context():
        db.session.expire_all()
        kept = db.session.execute(db.select(Envelope.expires_at, Envelope.bring).where(
            Envelope.item_id == item_id, Envelope.recipient_uid == uid_of(sara))).one()
    assert kept == (ends, False)


def test_what_i_have_shared_stops_answers_and_checkins_too(new_context, live_server, marker,
                                                          no_plaintext):
    """"What I have shared" lists every active share: a reflection, an answer to an interim
    assignment (under the assignment's title) and a goal whose check-ins the supervisor sees.
    One answer is stopped on its own, then everything at once after a confirming dialog: the
    supervisor's API answers 404 for each, the goal's check-ins are no longer shared, and the
    keys are rotated."""
    from ..factories import add_goal, api_register
    from ..test_assignments_api import give_api

    anna = new_context(bypass_csp=True).new_page()     # bypass: axe is injected as a script
    sign_up(anna, name="Anna Ohjattava")
    anna_uid = uid_of(anna)
    sara = api_register(live_server.app, is_supervisor=True, display_name="Sara Ohjaaja")
    pid = make_process(sara.uid, anna_uid, status="active", app=live_server.app)
    goal = add_goal(sara, pid, f"Jaksan paremmin {marker}", readers=(anna_uid,),
                    app=live_server.app)
    tasks = [give_api(live_server.app, sara, pid, [anna_uid]) for _ in range(2)]

    entry = write_entry(anna, f"Jaettu pohdinta {marker}", f"Ohjaajalle {marker}.")
    share_from_entry(anna, entry)
    answers = []
    for task in tasks:
        anna.goto(f"/assignments/{task}")
        expect(anna.locator("[data-js-assignment-response]")).to_have_attribute(
            "data-editor", "ready")
        anna.fill("#answer-body", f"Vastaus {marker}")
        anna.locator("input[name=share][value=yes]").check()
        anna.locator("[data-response-form] [type=submit]").click()
        expect(anna.locator("[data-answer-saved]")).to_have_text(
            "Vastauksesi on jaettu työnohjaajallesi.")
        answers.append(anna.request.get(f"/api/v1/assignments/{task}").json()
                       ["assignees"][0]["response"])
    anna.goto(f"/processes/{pid}/goals/{goal}")
    anna.locator("#checkin-shared").check()
    expect(anna.locator("[data-js-checkin-sharing] [data-status]")).to_have_attribute(
        "data-state", "ok")

    anna.goto("/shared")
    expect(anna.locator("[data-share]:not([data-answer]) [data-field=title]")).to_have_text(
        f"Jaettu pohdinta {marker}")
    rows = anna.locator("[data-answer]")
    expect(rows).to_have_count(2)
    expect(rows.locator("[data-js-assignment-title]")).to_have_text(["Ihmekysymys"] * 2)
    expect(anna.locator("[data-checkin-goal] [data-js-home-goal]")).to_have_text(
        f"Jaksan paremmin {marker}")
    no_axe_violations(anna)
    for answer in answers:
        assert sara.get(f"/items/{answer}").status_code == 200

    # One answer, on its own.
    anna.locator(f"[data-answer][data-item='{answers[0]}'] [data-revoke]").click()
    expect(rows).to_have_count(1)
    expect(anna.locator("[data-status]").first).to_have_text(js_string(anna, "shareStopped"))
    assert sara.get(f"/items/{answers[0]}").status_code == 404
    assert anna.request.get(f"/api/v1/items/{answers[0]}/readers").json() == {
        "readers": [], "rekey_due": False}
    # Its page now starts from "only me": an edit would not share it again.
    anna.goto(f"/assignments/{tasks[0]}")
    expect(anna.locator("input[name=share][value=no]")).to_be_checked()

    # Everything else, at once, after the dialog (cancelled first: nothing happens).
    anna.goto("/shared")
    anna.locator("[data-revoke-all]").click()
    dialog = anna.locator("[data-stop-all-dialog]")
    expect(dialog).to_be_visible()
    no_axe_violations(anna)
    dialog.locator("[data-cancel]").click()
    expect(dialog).to_be_hidden()
    assert sara.get(f"/items/{entry}").status_code == 200
    anna.locator("[data-revoke-all]").click()
    dialog.locator("[data-confirm]").click()
    expect(anna.locator("[data-status]").first).to_have_text(
        js_string(anna, "allSharesStopped"))
    expect(anna.locator(".share-group")).to_have_count(0)
    expect(anna.locator("[data-revoke-all]")).to_be_hidden()
    for item_id in (entry, answers[1]):
        assert sara.get(f"/items/{item_id}").status_code == 404
    sharing = anna.request.get(f"/api/v1/processes/{pid}/goals/{goal}/checkin-sharing")
    assert sharing.json()["shared"] is False
    anna.reload()
    expect(anna.locator(".empty-state")).to_be_visible()
