"""Races of the schedule: the supervisor's devices (or two tabs) send at the same moment.

Each round releases one thread per device through a barrier (tests/test_races.race). Run on
SQLite (the default) and on PostgreSQL (`scripts/with-postgres.sh`). Each test prints a line
of figures for the closing notes: run with `-s`.
"""
from __future__ import annotations

import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models.sessions import SupervisionSession

from .factories import api_login, api_register
from .test_races import ROUNDS, _status, db_name, race

DEVICES = 4
START = {"date": "2027-03-10", "time": "17:00"}


@pytest.fixture
def devices(app):
    sara = api_register(app, is_supervisor=True)
    return [sara] + [api_login(app, sara) for _ in range(DEVICES - 1)]


def _count(app, pid: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SupervisionSession)
                                 .where(SupervisionSession.process_id == pid))


def test_generating_at_once_makes_one_schedule(app, devices):
    """Every device asks to plan the same process's sessions at once: one 201, the rest 409
    schedule_exists, and the process has exactly one schedule (the frame's count)."""
    sara = devices[0]
    totals: Counter[int] = Counter()
    for _ in range(ROUNDS):
        pid = str(uuid.uuid4())
        assert sara.post("/processes", {"id": pid, "form": "crisis"}).status_code == 201
        answers = race([lambda d=d, p=pid: d.post(f"/processes/{p}/sessions/generate", START)
                        for d in devices])
        statuses = [_status(a) for a in answers]
        totals.update(statuses)
        assert statuses.count(201) == 1 and statuses.count(409) == DEVICES - 1, statuses
        for answer in answers:
            if answer.status_code == 409:
                assert answer.get_json()["error"]["code"] == "schedule_exists"
        assert _count(app, pid) == 3
    print(f"\nrace generate [{db_name(app)}]: {ROUNDS} rounds × {DEVICES} devices: "
          f"{dict(totals)}")


def test_a_move_racing_a_cancel_has_one_winner(app, devices):
    """Two devices change the same session from the same `updated_at` at once, one moving it
    and one cancelling it: one 200, one 409 session_changed, and the stored session is the
    winner's change alone (never moved *and* cancelled)."""
    sara, phone = devices[0], devices[1]
    pid = str(uuid.uuid4())
    assert sara.post("/processes", {"id": pid, "form": "individual"}).status_code == 201
    sessions = sara.post(f"/processes/{pid}/sessions/generate", START).get_json()["sessions"]
    totals: Counter[str] = Counter()
    for n in range(ROUNDS):
        session = sessions[n % len(sessions)]
        if session["status"] != "planned":
            session = sara.patch(f"/sessions/{session['id']}", {"status": "planned"}).get_json()
        stamp = session["updated_at"]
        move = {"date": f"{2028 + n}-06-15", "time": "09:00", "updated_at": stamp}
        cancel = {"status": "cancelled", "cancel_reason": "illness", "updated_at": stamp}
        path = f"/sessions/{session['id']}"
        answers = race([lambda p=path, b=move: sara.patch(p, b),
                        lambda p=path, b=cancel: phone.patch(p, b)])
        statuses = [_status(a) for a in answers]
        assert sorted(statuses) == [200, 409], statuses
        loser = answers[statuses.index(409)].get_json()["error"]
        assert loser["code"] == "session_changed"
        stored = sara.get(f"/sessions/{session['id']}").get_json()
        if statuses[0] == 200:                     # the move won
            totals["move"] += 1
            assert stored["status"] == "planned"
            assert stored["starts_at"] != session["starts_at"]          # 09:00, not 17:00
        else:                                      # the cancellation won
            totals["cancel"] += 1
            assert stored["status"] == "cancelled" and stored["starts_at"] == \
                session["starts_at"]
        assert stored["updated_at"] != stamp
        sessions[n % len(sessions)] = stored
    print(f"\nrace move/cancel [{db_name(app)}]: {ROUNDS} rounds: {dict(totals)}")


def test_adding_while_the_process_ends(app, devices):
    """A session added at the moment the process ends: either it was added before the end
    (201, then the process is ended) or it is refused (409 process_ended); never a 500."""
    sara, phone = devices[0], devices[1]
    totals: Counter[tuple[int, int]] = Counter()
    for _ in range(ROUNDS):
        pid = str(uuid.uuid4())
        assert sara.post("/processes", {"id": pid, "form": "crisis"}).status_code == 201
        add, end = race([lambda p=pid: sara.post(f"/processes/{p}/sessions", START),
                         lambda p=pid: phone.post(f"/processes/{p}/end")])
        assert _status(end) == 200
        assert _status(add) in (201, 409), add.get_json()
        if add.status_code == 409:
            assert add.get_json()["error"]["code"] == "process_ended"
        assert _count(app, pid) == (1 if add.status_code == 201 else 0)
        totals[(add.status_code, end.status_code)] += 1
    print(f"\nrace add/end [{db_name(app)}]: {ROUNDS} rounds: {dict(totals)}")
