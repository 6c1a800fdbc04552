"""Races of the roll-over (webapp/services/rollover.py): whatever arrives at once, each
unfinished agenda line is carried exactly once (no line has two successors, none is lost).

Threads are released together through a barrier (tests/test_races.race) for many rounds. Run
on SQLite (the default) and on PostgreSQL (`scripts/with-postgres.sh`), where only the
roll-over's lock keeps two transactions from carrying the same line. Each test prints a line
of figures: run with `-s`.
"""
from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, insert, select

from webapp.extensions import db
from webapp.models.agendas import Agenda, AgendaEntry
from webapp.models.sessions import SupervisionSession
from webapp.models.types import utcnow
from webapp.services import rollover
from webapp.uow import unit_of_work

from .factories import add_session, api_login, api_register, make_process
from .test_races import _status, db_name, race

ROUNDS = 12
DEVICES = 4


def _agenda(app, sid: str, pid: str, count: int, done: int = 1) -> list[str]:
    """An agenda of `count` lines, the first `done` of them ticked done. Returns the ids of
    the lines not done."""
    with app.app_context(), unit_of_work():
        db.session.add(Agenda(session_id=sid, process_id=pid))
        db.session.flush()
        ids = [str(uuid.uuid4()) for _ in range(count)]
        db.session.add_all(AgendaEntry(id=line, session_id=sid, process_id=pid, position=n,
                                       source="own", minutes=10, done=n < done)
                           for n, line in enumerate(ids))
    return ids[done:]


def _successors(app, pid: str) -> Counter[str]:
    """How many lines continue each line of the process."""
    with app.app_context():
        return Counter(db.session.scalars(
            select(AgendaEntry.carried_from_id).where(AgendaEntry.process_id == pid,
                                                      AgendaEntry.carried_from_id.is_not(None))))


def _lines_in(app, sid: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AgendaEntry)
                                 .where(AgendaEntry.session_id == sid))


def _sessions(app, sara, *offsets: timedelta) -> tuple[str, list[str]]:
    """A new active process of sara's with a supervisee, and a planned session at each of
    now + `offsets`. Returns (pid, the sessions' ids)."""
    pid = make_process(sara.uid, api_register(app).uid, status="active", app=app)
    now = utcnow()
    return pid, [add_session(pid, now + offset, app=app) for offset in offsets]


def _each_carried_once(app, pid: str, lines: list[str]) -> None:
    """No line of the process has two successors, and each of `lines` has one."""
    successors = _successors(app, pid)
    assert max(successors.values()) == 1, successors
    assert all(successors[line] == 1 for line in lines), successors


def test_devices_marking_one_session_held_at_once_carry_each_line_once(app):
    """Every device of the supervisor marks the same session held at once: one 200, the rest
    409 session_held, and each unfinished line is in the next agenda exactly once."""
    sara = api_register(app, is_supervisor=True)
    devices = [sara] + [api_login(app, sara) for _ in range(DEVICES - 1)]
    totals: Counter[int] = Counter()
    for _ in range(ROUNDS):
        pid = make_process(sara.uid, api_register(app).uid, status="active", app=app)
        now = utcnow()
        past = add_session(pid, now - timedelta(hours=1), app=app)
        following = add_session(pid, now + timedelta(days=7), app=app)
        undone = _agenda(app, past, pid, 5, done=2)
        answers = race([lambda d=d, s=past: d.patch(f"/sessions/{s}", {"status": "held"})
                        for d in devices])
        statuses = [_status(a) for a in answers]
        totals.update(statuses)
        assert sorted(statuses) == [200] + [409] * (DEVICES - 1), statuses
        assert _successors(app, pid) == Counter({line: 1 for line in undone})
        assert _lines_in(app, following) == len(undone)
    print(f"\nrace held×{DEVICES} [{db_name(app)}]: {ROUNDS} rounds: {dict(totals)}")


def test_two_sessions_marked_held_at_once_never_carry_a_line_twice(app):
    """Two past sessions of one process are marked held at once (two devices): whichever
    way they interleave, no line is carried twice, and the lines of the later session go to
    the future one."""
    sara = api_register(app, is_supervisor=True)
    phone = api_login(app, sara)
    outcomes: Counter[str] = Counter()
    for _ in range(ROUNDS):
        pid, (first, second, future) = _sessions(app, sara, -timedelta(days=7),
                                                 -timedelta(hours=1), timedelta(days=7))
        first_lines = _agenda(app, first, pid, 3)
        second_lines = _agenda(app, second, pid, 3)
        answers = race([lambda s=first: sara.patch(f"/sessions/{s}", {"status": "held"}),
                        lambda s=second: phone.patch(f"/sessions/{s}", {"status": "held"})])
        assert [_status(a) for a in answers] == [200, 200]
        # first's lines went to the future session, or to the second one while it was
        # still planned (and on from there, or waiting there for the next roll-over).
        _each_carried_once(app, pid, second_lines + first_lines)
        assert _lines_in(app, future) >= len(second_lines)
        outcomes["via second" if _lines_in(app, second) > 3 else "straight"] += 1
    print(f"\nrace two held [{db_name(app)}]: {ROUNDS} rounds: {dict(outcomes)}")


def test_roll_overs_at_once_carry_each_waiting_line_once(app):
    """Lines wait (the held session is the last); a session is then added by a statement
    that runs no roll-over, and several roll-overs into it run at once, each in its own
    transaction (as the same hook run twice would): each line is carried exactly once."""
    sara = api_register(app, is_supervisor=True)
    carried: Counter[int] = Counter()
    for _ in range(ROUNDS):
        pid = make_process(sara.uid, api_register(app).uid, status="active", app=app)
        past = add_session(pid, utcnow() - timedelta(hours=1), app=app)
        undone = _agenda(app, past, pid, 4)
        assert sara.patch(f"/sessions/{past}", {"status": "held"}).status_code == 200
        later = str(uuid.uuid4())[:22]
        with app.app_context(), unit_of_work():
            db.session.execute(insert(SupervisionSession).values(   # Core: no roll-over
                id=later, process_id=pid, starts_at=utcnow() + timedelta(days=3), minutes=60,
                status="planned", created_at=utcnow(), updated_at=utcnow()))
        assert _successors(app, pid) == Counter()

        def carry(sid=later) -> int:
            with app.app_context():
                with unit_of_work():
                    added = db.session.get(SupervisionSession, sid)
                    count = rollover.carry_into(db.session.connection(), added)
                db.session.remove()
            return count

        counts = race([carry for _ in range(DEVICES)])
        assert not any(isinstance(c, Exception) for c in counts), counts
        assert sorted(counts) == [0] * (DEVICES - 1) + [len(undone)], counts
        carried.update(counts)
        assert _successors(app, pid) == Counter({line: 1 for line in undone})
        assert _lines_in(app, later) == len(undone)
    print(f"\nrace carry×{DEVICES} [{db_name(app)}]: {ROUNDS} rounds: {dict(carried)}")


def test_sessions_added_at_once_take_the_waiting_lines_once(app):
    """The held session is the process's last, so its unfinished lines wait; the supervisor's
    devices each add a session at once (POST /processes/{pid}/sessions): every line is
    carried exactly once, to the earliest of the new sessions that existed when it went."""
    sara = api_register(app, is_supervisor=True)
    devices = [sara] + [api_login(app, sara) for _ in range(DEVICES - 1)]
    spread: Counter[int] = Counter()
    for _ in range(ROUNDS):
        pid = make_process(sara.uid, api_register(app).uid, status="active", app=app)
        past = add_session(pid, utcnow() - timedelta(hours=1), app=app)
        undone = _agenda(app, past, pid, 3)
        assert sara.patch(f"/sessions/{past}", {"status": "held"}).status_code == 200
        assert _successors(app, pid) == Counter()              # waiting
        days = [f"2031-0{n + 1}-10" for n in range(DEVICES)]
        answers = race([lambda d=d, day=day, p=pid: d.post(f"/processes/{p}/sessions",
                                                             {"date": day, "time": "10:00"})
                        for d, day in zip(devices, days, strict=True)])
        assert [_status(a) for a in answers] == [201] * DEVICES
        assert _successors(app, pid) == Counter({line: 1 for line in undone})
        taken = [_lines_in(app, a.get_json()["id"]) for a in answers]
        assert sorted(taken) == [0] * (DEVICES - 1) + [len(undone)], taken
        spread[taken.index(len(undone))] += 1
    print(f"\nrace add×{DEVICES} [{db_name(app)}]: {ROUNDS} rounds, taken by device: "
          f"{dict(spread)}")


def test_held_and_the_next_session_cancelled_at_once_carry_each_line_once(app):
    """One device marks the past session held while another cancels the next one: whichever
    way they interleave, every unfinished line of both reaches the session after them exactly
    once (the held session's lines straight, or through the cancelled one)."""
    sara = api_register(app, is_supervisor=True)
    phone = api_login(app, sara)
    outcomes: Counter[str] = Counter()
    for _ in range(ROUNDS):
        pid, (past, following, last) = _sessions(app, sara, -timedelta(hours=1),
                                                 timedelta(days=7), timedelta(days=14))
        past_lines = _agenda(app, past, pid, 3)
        following_lines = _agenda(app, following, pid, 2)
        answers = race([
            lambda s=past: sara.patch(f"/sessions/{s}", {"status": "held"}),
            lambda s=following: phone.patch(f"/sessions/{s}", {"status": "cancelled",
                                                                "cancel_reason": "illness"})])
        assert [_status(a) for a in answers] == [200, 200]
        _each_carried_once(app, pid, past_lines + following_lines)
        # Nothing stops in the cancelled session: the last one holds a line for each.
        assert _lines_in(app, last) == len(past_lines) + len(following_lines)
        outcomes["via cancelled" if _lines_in(app, following) > 2 else "straight"] += 1
    print(f"\nrace held+cancel [{db_name(app)}]: {ROUNDS} rounds: {dict(outcomes)}")


def test_un_cancelling_racing_a_save_of_the_later_agenda_keeps_what_was_saved(app):
    """One device undoes a cancellation (taking back the lines it carried on) while another
    saves the later agenda those lines went to: either the save comes first and its lines
    stay as saved, or the take-back comes first and the save gets 409 agenda_changed (its
    client re-reads); never a saved line lost, never a deadlock."""
    sara = api_register(app, is_supervisor=True)
    phone = api_login(app, sara)
    outcomes: Counter[str] = Counter()
    for n in range(ROUNDS):
        pid, (cancelled, later) = _sessions(app, sara, timedelta(days=7), timedelta(days=14))
        own = _agenda(app, cancelled, pid, 2, done=0)
        assert sara.patch(f"/sessions/{cancelled}", {"status": "cancelled",
                                                     "cancel_reason": "illness"}
                          ).status_code == 200
        stored = sara.get(f"/sessions/{later}/agenda").get_json()
        body = {"version": stored["version"], "lines": [
            {"id": line["id"], "source": "own", "minutes": 25} for line in stored["lines"]]}
        def save(s=later, b=body, reads=n % 3):
            for _ in range(reads):     # the other device reads first in some rounds: the two
                phone.get(f"/sessions/{s}/agenda")   # then meet at different points
            return phone.put(f"/sessions/{s}/agenda", b)

        answers = race([
            lambda s=cancelled: sara.patch(f"/sessions/{s}", {"status": "planned"}), save])
        undo, save = (_status(a) for a in answers)
        assert undo == 200, answers[0].get_json()
        kept = sara.get(f"/sessions/{later}/agenda").get_json()["lines"]
        if save == 200:
            assert [line["minutes"] for line in kept] == [25, 25]
            outcomes["saved first"] += 1
        else:
            assert save == 409, answers[1].get_json()
            assert answers[1].get_json()["error"]["code"] == "agenda_changed"
            assert kept == []
            outcomes["taken back first"] += 1
        assert _lines_in(app, cancelled) == len(own)
    print(f"\nrace uncancel+save [{db_name(app)}]: {ROUNDS} rounds: {dict(outcomes)}")


def test_a_tick_racing_marking_held_never_leaves_a_done_line_carried(app):
    """One device ticks a line done while another marks the session held: whichever comes
    first, the line ends done and no copy of it is on the next agenda (marking held after the
    tick does not carry it; the tick after marking held takes the copy back); the other
    unfinished lines are carried exactly once."""
    sara = api_register(app, is_supervisor=True)
    phone = api_login(app, sara)
    outcomes: Counter[str] = Counter()
    for _ in range(ROUNDS):
        pid, (past, following) = _sessions(app, sara, -timedelta(hours=1), timedelta(days=7))
        ticked, *others = _agenda(app, past, pid, 4, done=0)
        answers = race([
            lambda s=past: sara.patch(f"/sessions/{s}", {"status": "held"}),
            lambda s=past, line=ticked: phone.post(f"/sessions/{s}/agenda/ticks",
                                                   {"line": line, "done": True})])
        assert [_status(a) for a in answers] == [200, 200], [a.get_json() for a in answers]
        successors = _successors(app, pid)
        assert successors[ticked] == 0, successors
        _each_carried_once(app, pid, others)
        assert _lines_in(app, following) == len(others)
        with app.app_context():
            assert db.session.get(AgendaEntry, ticked).done
            outcomes["ticked after held" if db.session.scalar(
                select(AgendaEntry.updated_at).where(AgendaEntry.id == ticked))
                > db.session.scalar(select(SupervisionSession.updated_at).where(
                    SupervisionSession.id == past)) else "ticked first"] += 1
    print(f"\nrace tick×held [{db_name(app)}]: {ROUNDS} rounds: {dict(outcomes)}")
