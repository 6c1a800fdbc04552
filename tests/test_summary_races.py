"""Races of a session's summary: the supervisor's two devices write the session's first
summary at the same moment (two new items): one is made, the other is told which one is
there (409 summary_exists); never two summaries of one session. Run on SQLite (default)
and PostgreSQL (`scripts/with-postgres.sh`); `-s` prints the figures."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Item
from webapp.models.sessions import SupervisionSession
from webapp.models.types import utcnow

from .factories import add_session, api_login, api_register, make_process, share_body
from .test_races import _status, db_name, race

ROUNDS = 12


def _supervisor_on_two_devices(app):
    """Sara, signed in on a second device too (`phone`, with her keys), supervises Anna:
    (sara, phone, anna, the process's id)."""
    sara = api_register(app, is_supervisor=True)
    phone = api_login(app, sara)
    phone.deks = sara.deks
    anna = api_register(app)
    return sara, phone, anna, make_process(sara.uid, anna.uid, status="active", app=app)


def _held_session(app, sara, pid: str) -> str:
    """A session of the process that began an hour ago, marked held."""
    sid = add_session(pid, utcnow() - timedelta(hours=1), app=app)
    assert sara.patch(f"/sessions/{sid}", {"status": "held"}).status_code == 200
    return sid


def test_two_first_summaries_at_once_make_one(app):
    sara, phone, anna, pid = _supervisor_on_two_devices(app)
    totals: Counter[int] = Counter()
    for _ in range(ROUNDS):
        sid = _held_session(app, sara, pid)
        bodies = []
        for n in range(2):
            item_id, body = sara.seal({"body": f"laite {n}"}, kind="summary")
            body["process"], body["links"] = pid, {"session": sid}
            body["envelopes"].append(share_body(sara, item_id, anna.uid, app))
            bodies.append((item_id, body))
        answers = race([lambda d=d, b=b: d.put(f"/items/{b[0]}", b[1])
                        for d, b in zip((sara, phone), bodies, strict=True)])
        statuses = sorted(_status(a) for a in answers)
        totals.update(statuses)
        assert statuses == [201, 409], statuses
        loser = next(a for a in answers if a.status_code == 409).get_json()["error"]
        winner = bodies[[a.status_code for a in answers].index(201)][0]
        assert (loser["code"], loser["item"]) == ("summary_exists", winner)
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Item).where(
                Item.kind == "summary", Item.session_id == sid)) == 1
    print(f"\nrace summaries [{db_name(app)}]: {ROUNDS} rounds: {dict(totals)}")


def test_undoing_held_and_a_first_summary_at_once_never_leave_a_planned_session_a_summary(app):
    """The supervisor's phone undoes "held" while her laptop writes the first summary: either
    the summary is made and the undo refused (409 summary_written), or the undo goes first
    and the summary is refused (409 session_not_held); never a planned session with a
    summary."""
    sara, phone, anna, pid = _supervisor_on_two_devices(app)
    outcomes: Counter[str] = Counter()
    for _ in range(ROUNDS):
        sid = _held_session(app, sara, pid)
        item_id, body = sara.seal({"body": "yhteenveto"}, kind="summary")
        body["process"], body["links"] = pid, {"session": sid}
        body["envelopes"].append(share_body(sara, item_id, anna.uid, app))
        write, undo = race([
            lambda i=item_id, b=body: sara.put(f"/items/{i}", b),
            lambda s=sid: phone.patch(f"/sessions/{s}", {"status": "planned"})])
        codes = (_status(write), _status(undo))
        assert codes in ((201, 409), (409, 200)), codes
        if codes == (201, 409):
            assert undo.get_json()["error"]["code"] == "summary_written"
            outcomes["summary first"] += 1
        else:
            assert write.get_json()["error"]["code"] == "session_not_held"
            outcomes["undo first"] += 1
        with app.app_context():
            status = db.session.scalar(select(SupervisionSession.status)
                                       .where(SupervisionSession.id == sid))
            summaries = db.session.scalar(select(func.count()).select_from(Item).where(
                Item.kind == "summary", Item.session_id == sid))
        assert (status, summaries) in (("held", 1), ("planned", 0)), (status, summaries)
    print(f"\nrace undo held+summary [{db_name(app)}]: {ROUNDS} rounds: {dict(outcomes)}")
