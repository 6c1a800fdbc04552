"""An evaluation on two phones: the supervisor and the supervisee of a running process both
see it due on their homes; the supervisor writes it (per goal the scale at the start and now,
what helped, what next; a summary) sealed on her device for both; both accept it with their
signatures, each seeing every signature verified; it is printable without the buttons; a
server that alters an acceptance is shown a loud warning. axe-core on every new page; the
no-plaintext proof covers the evaluation's words."""
from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from webapp.services.evaluations import add_months

from .device import js_string
from .journeys import sign_up
from .test_checkins import record
from .test_contract_ui import call, no_axe_violations
from .test_processes_ui import sign_up_as_supervisor


def accept(page) -> None:
    """Accept the evaluation shown, once it is opened: its words appear above the button and
    move it down (a click aimed before that lands beside it)."""
    expect(page.locator("[data-js-evaluation-view]")).to_have_attribute("data-state", "open")
    page.locator("[data-js-evaluation-accept] [type=submit]").click()


def _running(live_server, pid: str, days_to_due: int = 5) -> str:
    """Make the process active with an interim evaluation due in a few days (the contract's
    acceptance is the contract's own test); returns that date (ISO)."""
    from webapp.extensions import db
    from webapp.models import Process
    today = datetime.now(UTC).date()
    due = today + timedelta(days=days_to_due)
    with live_server.app.app_context():
        process = db.session.get(Process, pid)
        process.status, process.activated_at = "active", datetime.now(UTC)
        process.starts_on = add_months(due, -6)
        db.session.commit()
    return due.isoformat()


def test_both_sides_accept_the_evaluation_on_phones(new_context, marker, no_plaintext,
                                                    live_server):
    sara = new_context(bypass_csp=True).new_page()          # bypass: axe is injected
    sign_up_as_supervisor(sara)
    pid = str(uuid.uuid4())
    assert call(sara, "POST", "/processes", {"id": pid, "form": "individual"})["status"] == 201
    token = call(sara, "POST", f"/processes/{pid}/invites", {})["body"]["token"]
    anna = new_context(bypass_csp=True).new_page()
    sign_up(anna, name="Anna Aho")
    assert call(anna, "POST", f"/invites/{token}/accept")["status"] == 200

    # A goal of the contract, sealed on the supervisor's phone for the member.
    sara.goto(f"/processes/{pid}/contract")
    goal_text = f"Jaksan paremmin {marker}"
    sara.fill("#goal-text", goal_text)
    sara.locator("[data-goal-form] [type=submit]").click()
    expect(sara.locator("[data-goal] [data-goal-text]", has_text=goal_text)).to_be_visible()
    due = _running(live_server, pid)
    goal_id = sara.locator("[data-goal]").first.get_attribute("data-goal")

    # The supervisee shares her check-ins on the goal and records two: 2, then 6.
    anna.goto(f"/processes/{pid}/goals/{goal_id}")
    anna.locator("#checkin-shared").check()
    expect(anna.locator("[data-js-checkin-sharing] [data-status]")).to_have_attribute(
        "data-state", "ok")
    anna.goto(f"/processes/{pid}/goals/{goal_id}")
    expect(anna.locator("[data-shared-help]")).to_be_visible()
    for value, note in ((2, f"Alussa {marker}"), (6, f"Nyt {marker}")):
        record(anna, value, note)

    # Due on both homes.
    for page in (sara, anna):
        page.goto("/home/")
        section = page.locator("[data-home-evaluations]")
        expect(section.locator(f"[data-due-on='{due}']")).to_be_visible()
    no_axe_violations(anna, "home with an evaluation due")

    # The supervisor opens the process's evaluations from its card and writes it.
    sara.goto(f"/processes/{pid}")
    sara.locator("section.evaluation-card a").click()
    sara.wait_for_url(re.compile(rf".*/processes/{pid}/evaluations$"))
    expect(sara.locator(f"[data-evaluations-due] [data-due-on='{due}']")).to_be_visible()
    no_axe_violations(sara, "evaluations of a process")
    sara.locator("[data-write-evaluation]").first.click()
    sara.wait_for_url(re.compile(rf".*/processes/{pid}/evaluations/new$"))
    editor = sara.locator("[data-js-evaluation-edit]")
    expect(editor).to_have_attribute("data-editor", "ready")
    goal = editor.locator("fieldset[data-goal]")
    expect(goal.locator("legend")).to_have_text(goal_text)
    # Prefilled from the earliest and the latest check-in she can open.
    expect(goal.locator("[name=start]")).to_have_value("2")
    expect(goal.locator("[name=now]")).to_have_value("6")
    expect(goal.locator("[data-prefill-note]")).to_be_visible()
    no_axe_violations(sara, "evaluation editor")
    goal.locator("[name=start]").fill("3")
    goal.locator("[name=now]").fill("7")
    goal.locator("[name=helped]").fill(f"Välitehtävät auttoivat {marker}")
    goal.locator("[name=next]").fill(f"Jatketaan rajaamista {marker}")
    sara.fill("#ev-summary", f"Hyvä jakso yhdessä {marker}")
    # A value outside 0–10 is refused with its field marked, not dropped.
    goal.locator("[name=now]").fill("11")
    editor.locator("[type=submit]").click()
    expect(goal.locator("[name=now]")).to_have_attribute("aria-invalid", "true")
    expect(editor.locator("form [data-status]").first).to_have_text(
        js_string(sara, "numberRange").replace("{low}", "0").replace("{high}", "10"))
    assert "/evaluations/new" in sara.url
    goal.locator("[name=now]").fill("7")
    editor.locator("[type=submit]").click()
    sara.wait_for_url(re.compile(r".*/evaluations/[0-9a-f-]{36}$"))
    evaluation = sara.url.rsplit("/", 1)[1]
    view = sara.locator("[data-js-evaluation-view]")
    expect(view).to_have_attribute("data-state", "open")
    expect(view.locator("[data-goal] [data-field=now]")).to_have_text("7")
    expect(view.locator("[data-field=summary]")).to_have_text(f"Hyvä jakso yhdessä {marker}")
    no_axe_violations(sara, "evaluation, written")

    # The supervisee opens it from her home, reads it and accepts.
    anna.goto("/home/")
    anna.locator(f"[data-home-evaluations] a[href='/evaluations/{evaluation}']").click()
    anna.wait_for_url(re.compile(rf".*/evaluations/{evaluation}$"))
    view = anna.locator("[data-js-evaluation-view]")
    expect(view.locator("[data-goal] [data-field=start]")).to_have_text("3")
    expect(view.locator("[data-goal] [data-field=helped]")).to_have_text(
        f"Välitehtävät auttoivat {marker}")
    expect(view.locator("[data-goal] h3")).to_have_text(goal_text)
    no_axe_violations(anna, "evaluation, supervisee")
    accept(anna)
    expect(anna.locator("[data-verify]")).to_have_attribute("data-state", "ok")
    expect(anna.locator("[data-js-evaluation-accept]")).to_have_count(0)
    assert call(anna, "GET", f"/evaluations/{evaluation}")["body"]["accepted_at"] is None

    # The supervisor sees anna's signature verified, can no longer edit, and accepts.
    sara.reload()
    expect(sara.locator("[data-verify]")).to_have_attribute("data-state", "ok")
    expect(sara.locator(f"a[href='/evaluations/{evaluation}/edit']")).to_have_count(0)
    accept(sara)
    expect(sara.locator("[data-verify][data-state=ok]")).to_have_count(2)
    expect(sara.locator("[data-evaluation-accepted]")).to_be_visible()
    assert call(sara, "GET", f"/evaluations/{evaluation}")["body"]["accepted_at"]
    anna.reload()
    expect(anna.locator("[data-verify][data-state=ok]")).to_have_count(2)
    no_axe_violations(anna, "evaluation, accepted")

    # No longer due anywhere; listed as accepted.
    anna.goto("/home/")
    expect(anna.locator("[data-home-evaluations]")).to_have_count(0)
    anna.goto(f"/processes/{pid}/evaluations")
    expect(anna.locator(f"[data-evaluations-accepted] [data-evaluation='{evaluation}']")
           ).to_be_visible()
    no_axe_violations(anna, "evaluations of a process, accepted")

    # Printable: no navigation, no buttons; the words and who accepted stay.
    anna.goto(f"/evaluations/{evaluation}")
    expect(anna.locator("[data-js-evaluation-view]")).to_have_attribute("data-state", "open")
    mine = anna.locator("main p.status[data-state=ok]:not([data-status])")  # "you accepted"
    expect(mine).to_be_visible()
    anna.emulate_media(media="print")
    expect(anna.locator(".site-header")).to_be_hidden()
    expect(anna.locator("[data-js-contract-print]")).to_be_hidden()
    expect(anna.locator(".back-links")).to_be_hidden()
    expect(mine).to_be_hidden()                                  # the screen's, not the paper's
    expect(anna.locator("[data-field=summary]")).to_be_visible()
    expect(anna.locator(".acceptance-list")).to_be_visible()
    anna.emulate_media(media="screen")


def test_an_altered_acceptance_is_a_loud_warning(new_context, marker, no_plaintext,
                                                 live_server):
    """The server swaps a stored acceptance's signature: the page says so loudly."""
    sara = new_context().new_page()
    sign_up_as_supervisor(sara, name="Sara Toinen")
    pid = str(uuid.uuid4())
    assert call(sara, "POST", "/processes", {"id": pid, "form": "crisis"})["status"] == 201
    _running(live_server, pid)
    sara.goto(f"/processes/{pid}/evaluations/new")
    editor = sara.locator("[data-js-evaluation-edit]")
    expect(editor).to_have_attribute("data-editor", "ready")
    sara.fill("#ev-summary", f"Kriisijakso {marker}")
    editor.locator("[type=submit]").click()
    sara.wait_for_url(re.compile(r".*/evaluations/[0-9a-f-]{36}$"))
    accept(sara)
    expect(sara.locator("[data-verify]")).to_have_attribute("data-state", "ok")
    uid = sara.get_attribute('meta[name="valitila-user"]', "content")
    from sqlalchemy import update

    from webapp.extensions import db
    from webapp.models.contracts import Acceptance
    with live_server.app.app_context():
        db.session.execute(update(Acceptance).where(Acceptance.user_uid == uid)
                           .values(sig="A" * 86))
        db.session.commit()
    sara.reload()
    expect(sara.locator("[data-verify]")).to_have_attribute("data-state", "error")
    alert = sara.locator(".evaluation [data-status][role=alert]")
    expect(alert).to_be_visible()
    expect(alert).to_have_attribute("data-state", "error")


def test_a_member_who_joins_later_reads_and_accepts_it(new_context, marker, no_plaintext,
                                                       live_server):
    """Written before she joined: the supervisor's page shares it with her from the
    supervisor's device; she then reads it and accepts, and it is accepted by everyone."""
    sara = new_context().new_page()
    sign_up_as_supervisor(sara, name="Sara Kolmas")
    pid = str(uuid.uuid4())
    assert call(sara, "POST", "/processes", {"id": pid, "form": "group"})["status"] == 201
    _running(live_server, pid)
    sara.goto(f"/processes/{pid}/evaluations/new")
    editor = sara.locator("[data-js-evaluation-edit]")
    expect(editor).to_have_attribute("data-editor", "ready")
    sara.fill("#ev-summary", f"Ryhmän väliarvio {marker}")
    editor.locator("[type=submit]").click()
    sara.wait_for_url(re.compile(r".*/evaluations/[0-9a-f-]{36}$"))
    evaluation = sara.url.rsplit("/", 1)[1]

    token = call(sara, "POST", f"/processes/{pid}/invites", {})["body"]["token"]
    anna = new_context().new_page()
    sign_up(anna, name="Anna Myöhemmin")
    assert call(anna, "POST", f"/invites/{token}/accept")["status"] == 200
    anna.goto(f"/evaluations/{evaluation}")
    expect(anna.locator("[data-js-evaluation-accept]")).to_have_count(0)     # nothing to read

    sara.goto(f"/evaluations/{evaluation}")
    expect(sara.locator("[data-share-status]")).to_have_attribute("data-state", "ok")
    anna.reload()
    expect(anna.locator("[data-field=summary]")).to_have_text(f"Ryhmän väliarvio {marker}")
    for page in (anna, sara):
        page.reload()
        expect(page.locator("[data-field=summary]")).to_have_text(f"Ryhmän väliarvio {marker}")
        accept(page)
        expect(page.locator("[data-js-evaluation-accept]")).to_have_count(0)
    sara.reload()
    expect(sara.locator("[data-verify][data-state=ok]")).to_have_count(2)
    expect(sara.locator("[data-evaluation-accepted]")).to_be_visible()


def _process_with_a_goal(new_context, live_server, marker):
    """A supervisor and a member of a running process with one goal, an evaluation due."""
    sara = new_context().new_page()
    sign_up_as_supervisor(sara)
    pid = str(uuid.uuid4())
    assert call(sara, "POST", "/processes", {"id": pid, "form": "individual"})["status"] == 201
    token = call(sara, "POST", f"/processes/{pid}/invites", {})["body"]["token"]
    anna = new_context().new_page()
    sign_up(anna, name="Anna Aho")
    assert call(anna, "POST", f"/invites/{token}/accept")["status"] == 200
    sara.goto(f"/processes/{pid}/contract")
    sara.fill("#goal-text", f"Jaksan paremmin {marker}")
    sara.locator("[data-goal-form] [type=submit]").click()
    expect(sara.locator("[data-goal] [data-goal-text]")).to_have_count(1)
    _running(live_server, pid)
    return sara, anna, pid


def _write(sara, pid: str, summary: str):
    sara.goto(f"/processes/{pid}/evaluations/new")
    editor = sara.locator("[data-js-evaluation-edit]")
    expect(editor).to_have_attribute("data-editor", "ready")
    sara.fill("#ev-summary", summary)
    return editor


def test_an_evaluation_saved_offline_is_saved_when_retried_and_edited_again(
        new_context, marker, no_plaintext, live_server):
    """Saving a new evaluation offline fails before anything is queued (the members' keys
    cannot be fetched); "try again" online saves it for real (it once said "saved" and went
    to a page that did not exist). An edit saved offline is sent once the network is back,
    and saving again after that is no conflict with itself."""
    sara, _anna, pid = _process_with_a_goal(new_context, live_server, marker)
    editor = _write(sara, pid, f"Kirjoitettu ilman verkkoa {marker}")
    # As on a device that has not sealed anything for the member yet: no copy of her key
    # kept here, so offline the evaluation cannot be sealed for her.
    sara.evaluate("""async () => {
        const { transact } = await import('/static/js/idb.js');
        await transact('device', 'readwrite', (store) => {
            const all = store.getAllKeys();
            all.onsuccess = () => all.result.filter((key) => String(key).startsWith('bundle:'))
                .forEach((key) => store.delete(key));
        });
    }""")
    sara.context.set_offline(True)
    editor.locator("[type=submit]").click()
    retry = editor.locator("[data-retry]")
    expect(retry).to_be_visible()
    sara.context.set_offline(False)
    retry.click()
    sara.wait_for_url(re.compile(r".*/evaluations/[0-9a-f-]{36}$"))
    evaluation = sara.url.rsplit("/", 1)[1]
    expect(sara.locator("[data-js-evaluation-view] [data-field=summary]")).to_have_text(
        f"Kirjoitettu ilman verkkoa {marker}")
    assert call(sara, "GET", f"/items/{evaluation}")["status"] == 200

    # Edited offline: kept on the device, sent when the network is back; then saved again.
    sara.goto(f"/evaluations/{evaluation}/edit")
    expect(editor).to_have_attribute("data-editor", "ready")
    sara.context.set_offline(True)
    sara.fill("#ev-summary", f"Muokattu ilman verkkoa {marker}")
    editor.locator("[type=submit]").click()
    status = editor.locator("form [data-status]").first
    expect(status).to_have_text(js_string(sara, "savedLocally"))
    sara.context.set_offline(False)
    sara.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(status).to_have_text(js_string(sara, "saved"), timeout=30_000)
    assert call(sara, "GET", f"/items/{evaluation}")["body"]["rev"] == 2
    sara.fill("#ev-summary", f"Muokattu taas {marker}")
    editor.locator("[type=submit]").click()
    sara.wait_for_url(re.compile(rf".*/evaluations/{evaluation}$"))
    expect(sara.locator("[data-js-evaluation-view] [data-field=summary]")).to_have_text(
        f"Muokattu taas {marker}")
    assert call(sara, "GET", f"/items/{evaluation}")["body"]["rev"] == 3


def test_an_edit_after_the_member_accepted_is_refused_and_the_text_kept(
        new_context, marker, no_plaintext, live_server):
    """The member accepts while the supervisor edits: her save is refused for good (409
    evaluation_accepted), said as such (not as a conflict with another device), her text
    stays in the form and nothing waits in the outbox to be sent."""
    sara, anna, pid = _process_with_a_goal(new_context, live_server, marker)
    editor = _write(sara, pid, f"Ensimmäinen versio {marker}")
    editor.locator("[type=submit]").click()
    sara.wait_for_url(re.compile(r".*/evaluations/[0-9a-f-]{36}$"))
    evaluation = sara.url.rsplit("/", 1)[1]
    sara.goto(f"/evaluations/{evaluation}/edit")
    expect(editor).to_have_attribute("data-editor", "ready")
    anna.goto(f"/evaluations/{evaluation}")
    accept(anna)
    expect(anna.locator("[data-verify]")).to_have_attribute("data-state", "ok")
    late = f"Myöhästynyt muutos {marker}"
    sara.fill("#ev-summary", late)
    editor.locator("[type=submit]").click()
    expect(editor.locator("form [data-status]").first).to_have_text(
        js_string(sara, "saveRefusedAccepted"))
    expect(sara.locator("#ev-summary")).to_have_value(late)
    expect(editor.locator("[data-retry]")).to_be_hidden()
    expect(sara.locator("[data-conflict]")).to_be_hidden()
    assert sara.evaluate("""async () => {
        const outbox = await import('/static/js/outbox.js');
        const { currentUid } = await import('/static/js/session.js');
        return (await outbox.pending(currentUid())).length;
    }""") == 0
