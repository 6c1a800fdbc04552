"""After the session, on two devices (issue 10): the supervisor marks a session held on its
page → the unfinished line of its agenda moves to the next session's agenda (the page says
so) → she writes the shared summary on "after the session" with the sealed editor, with no
network (it waits in the outbox and is sent when the connection is back) → the supervisee
reads it on the session's page, opened in her browser; the private notes and
new assignments are a link away. The process and the agenda are rows (the factories).
axe-core on every page of the flow; the no-plaintext proof covers the summary."""
from __future__ import annotations

import uuid
from datetime import timedelta

from playwright.sync_api import Page, expect

from webapp.extensions import db
from webapp.models.agendas import Agenda, AgendaEntry
from webapp.models.types import utcnow

from ..factories import add_session, make_process
from .conftest import run_axe
from .device import js_string
from .journeys import sign_up
from .test_offline import wait_for_outbox


def uid_of(page: Page) -> str:
    return page.locator('meta[name="valitila-user"]').get_attribute("content")


def no_axe_violations(page: Page) -> None:
    violations = run_axe(page)
    assert violations == [], violations


def agenda_rows(app, sid: str, pid: str) -> None:
    """The session's agenda: one line ticked done, one not."""
    with app.app_context():
        db.session.add(Agenda(session_id=sid, process_id=pid))
        db.session.flush()
        for position, done in enumerate((True, False)):
            db.session.add(AgendaEntry(id=str(uuid.uuid4()), session_id=sid, process_id=pid,
                                       position=position, source="own", minutes=20,
                                       done=done))
        db.session.commit()


def test_mark_held_write_the_summary_and_read_it(new_context, live_server, marker,
                                                 no_plaintext):
    anna = new_context(bypass_csp=True).new_page()     # bypass: axe is injected as a script
    sign_up(anna, name="Anna Ohjattava")
    sara_context = new_context(bypass_csp=True)
    sara = sara_context.new_page()
    sara.goto("/signup")
    sara.check("#is_supervisor")
    sign_up(sara, name="Sara Ohjaaja")
    app = live_server.app
    pid = make_process(uid_of(sara), uid_of(anna), status="active", app=app)
    with app.app_context():
        held = add_session(pid, utcnow() - timedelta(minutes=50))
        following = add_session(pid, utcnow() + timedelta(days=14))
    agenda_rows(app, held, pid)
    session_url = f"/processes/{pid}/sessions/{held}"

    # Before: the session page says what marking it held leads to.
    sara.goto(session_url)
    expect(sara.locator("[data-after-help]")).to_be_visible()
    held_button = sara.locator("[data-held-form] [type=submit]")
    expect(held_button).to_be_enabled()
    no_axe_violations(sara)
    held_button.click()
    expect(sara.locator("[data-session-status]")).to_have_text("Pidetty")
    expect(sara.locator("[data-no-summary]")).to_be_visible()
    no_axe_violations(sara)
    # Marked held by mistake: undone until the summary is written (the line it carried on
    # comes back from the next agenda), then marked held again.
    sara.locator("[data-unhold-form] [type=submit]").click()
    expect(sara.locator("[data-session-status]")).to_have_text("Suunniteltu")
    with app.app_context():
        assert db.session.query(AgendaEntry).filter_by(session_id=following).count() == 0
    sara.locator("[data-held-form] [type=submit]").click()
    expect(sara.locator("[data-session-status]")).to_have_text("Pidetty")

    # After the session: the roll-over, the summary's editor, the ways on.
    sara.locator("[data-after-link]").click()
    sara.wait_for_url(f"**{session_url}/after")
    editor = sara.locator("[data-js-summary-editor]")
    expect(editor).to_have_attribute("data-editor", "ready")
    expect(sara.locator("[data-rolled]")).to_contain_text("1")
    with app.app_context():
        moved = db.session.query(AgendaEntry).filter_by(session_id=following).all()
        assert [line.minutes for line in moved] == [20] and moved[0].carried_from_id
    no_axe_violations(sara)
    # Written with no network: sealed for the members with the keys fetched as the page
    # opened, it waits in the outbox and is sent when the connection is back.
    sara_context.set_offline(True)
    editor.locator("#summary-body").fill(f"Sovimme kokeilusta. {marker}")
    editor.locator("[type=submit]").click()
    expect(editor.locator("[data-status]")).to_have_text(js_string(sara, "savedLocally"))
    sara_context.set_offline(False)
    wait_for_outbox(sara, 0, "the summary sent once online")
    sara.goto(session_url)
    summary = sara.locator("[data-session-summary] [data-js-summary]")
    expect(summary).to_have_text(f"Sovimme kokeilusta. {marker}")
    no_axe_violations(sara)

    # The supervisee reads it on the session's page, opened in her browser; she has no
    # editor on "after the session", nor the supervisor's links.
    anna.goto(session_url)
    expect(anna.locator("[data-session-summary] [data-js-summary]")).to_have_text(
        f"Sovimme kokeilusta. {marker}")
    expect(anna.locator("[data-after-link]")).to_have_count(0)
    no_axe_violations(anna)
    anna.goto(f"{session_url}/after")
    expect(anna.locator("[data-js-summary]")).to_have_text(f"Sovimme kokeilusta. {marker}")
    expect(anna.locator("[data-summary-form]")).to_have_count(0)
    expect(anna.locator("[data-notes-link]")).to_have_count(0)
    no_axe_violations(anna)

    # The supervisor edits it (the same item, a new rev) and goes on to new assignments.
    sara.goto(f"{session_url}/after")
    editor = sara.locator("[data-js-summary-editor]")
    expect(editor).to_have_attribute("data-editor", "ready")
    expect(editor.locator("#summary-body")).to_have_value(f"Sovimme kokeilusta. {marker}")
    editor.locator("#summary-body").fill(f"Sovimme kokeilusta ja seurannasta. {marker}")
    editor.locator("[type=submit]").click()
    sara.wait_for_url(f"**{session_url}")
    expect(sara.locator("[data-session-summary] [data-js-summary]")).to_have_text(
        f"Sovimme kokeilusta ja seurannasta. {marker}")
    anna.goto(session_url)
    expect(anna.locator("[data-session-summary] [data-js-summary]")).to_have_text(
        f"Sovimme kokeilusta ja seurannasta. {marker}")
    sara.goto(f"{session_url}/after")
    sara.locator("[data-assign-link]").click()
    sara.wait_for_url(f"**/processes/{pid}/assignments#give-title")
    expect(sara.locator("[data-js-assignment-give]")).to_be_visible()
    sara.goto(f"{session_url}/after")
    sara.locator("[data-notes-link]").click()
    # A new note from here is about this session.
    sara.wait_for_url(f"**/processes/{pid}/notes?session={held}")
    expect(sara.locator("#note-new-session")).to_have_value(held)
