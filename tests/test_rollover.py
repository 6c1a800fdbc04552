"""The roll-over of unfinished agenda lines (webapp/services/rollover.py): marking a session
held carries its lines not done to the next planned session's agenda (made if missing),
appended after the lines there, as new lines that name the line they continue; done lines
stay; a cancelled session's lines go on the same way; a line is carried once; with no planned
session after it, a line waits and is carried when a session is added (or un-cancelled).

Agendas and their lines are written as rows here (the builder is another area's); the
sessions are changed through the schedule service, whose mark_held runs the hook."""
from __future__ import annotations

import uuid
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select, update

from webapp.extensions import db
from webapp.models import User
from webapp.models.agendas import Agenda, AgendaEntry
from webapp.models.sessions import SupervisionSession
from webapp.models.types import utcnow
from webapp.services import rollover, schedule
from webapp.services.errors import Conflict
from webapp.uow import unit_of_work

from .factories import add_session, api_register, make_process


def agenda(sid: str, pid: str, lines: list[dict], *, version: int = 1) -> list[str]:
    """The agenda of session `sid` with `lines` (dicts of AgendaEntry columns; position by
    order), committed. Returns the lines' ids."""
    ids = []
    with unit_of_work():
        if db.session.get(Agenda, sid) is None:
            db.session.add(Agenda(session_id=sid, process_id=pid, version=version))
            db.session.flush()
        for position, line in enumerate(lines):
            entry = AgendaEntry(id=str(uuid.uuid4()), session_id=sid, process_id=pid,
                                position=line.pop("position", position),
                                source=line.pop("source", "own"),
                                minutes=line.pop("minutes", 10), **line)
            db.session.add(entry)
            ids.append(entry.id)
    return ids


def lines_of(sid: str) -> list[AgendaEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AgendaEntry).where(AgendaEntry.session_id == sid)
                                   .order_by(AgendaEntry.position, AgendaEntry.id)))


def held(user: User, sid: str) -> SupervisionSession:
    with unit_of_work():
        return schedule.mark_held(user, sid)


class Cast:
    """sara supervises `pid` with anna: s1 (an hour ago), s2 (next week) and s3 (in two
    weeks), all planned; `source` is an item of anna's the lines may come from."""

    def __init__(self, sara_uid: str, anna_uid: str, source: str) -> None:
        self.source = source
        self.pid = make_process(sara_uid, anna_uid, status="active")
        now = utcnow()
        self.s1 = add_session(self.pid, now - timedelta(hours=1))
        self.s2 = add_session(self.pid, now + timedelta(days=7))
        self.s3 = add_session(self.pid, now + timedelta(days=14))
        self.sara = db.session.get(User, sara_uid)


@pytest.fixture
def cast(app):
    sara, anna = api_register(app, is_supervisor=True), api_register(app)
    source = anna.write("Aihe", "Teksti")          # through the API, before the context
    with app.app_context():
        yield Cast(sara.uid, anna.uid, source)
        db.session.remove()


def test_marking_held_carries_the_lines_not_done_to_the_next_agenda(cast):
    first, done, second = agenda(cast.s1, cast.pid, [
        {"source": "entry", "source_id": cast.source, "minutes": 25},
        {"done": True, "used_minutes": 15},
        {"minutes": 40, "used_minutes": 10}])
    assert db.session.get(Agenda, cast.s2) is None
    held(cast.sara, cast.s1)
    carried = lines_of(cast.s2)
    assert [line.carried_from_id for line in carried] == [first, second]
    assert {line.id for line in carried}.isdisjoint({first, done, second})
    one, two = carried
    assert (one.source, one.source_id, one.minutes) == ("entry", cast.source, 25)
    assert (two.source, two.source_id, two.minutes) == ("own", None, 40)
    assert [line.position for line in carried] == [0, 1]
    assert not any(line.done for line in carried)
    assert all(line.used_minutes is None and line.process_id == cast.pid for line in carried)
    made = db.session.get(Agenda, cast.s2)
    assert (made.process_id, made.item_id, made.shared_at, made.version) == (
        cast.pid, None, None, 1)
    assert lines_of(cast.s3) == []                     # only the next session takes them
    assert [line.done for line in lines_of(cast.s1)] == [False, True, False]  # kept as were


def test_carried_lines_come_after_the_lines_already_there(cast):
    agenda(cast.s1, cast.pid, [{"minutes": 5}])
    there = agenda(cast.s2, cast.pid, [{"position": 0}, {"position": 3}], version=4)
    held(cast.sara, cast.s1)
    lines = lines_of(cast.s2)
    assert [line.id for line in lines[:2]] == there
    assert lines[2].position == 4 and lines[2].carried_from_id is not None
    # The agenda changed under its editor: its version says so.
    assert db.session.get(Agenda, cast.s2).version == 5


def test_a_line_is_carried_once(cast):
    """Running the roll-over again (a second hook, a session added, the session marked held
    again) finds nothing waiting."""
    lines = agenda(cast.s1, cast.pid, [{}, {}])
    held(cast.sara, cast.s1)
    with pytest.raises(Conflict):
        held(cast.sara, cast.s1)                      # 409 session_held: nothing twice
    with unit_of_work():
        rollover.carry_on(db.session.get(SupervisionSession, cast.s1))
    with unit_of_work():
        added = schedule.add_session(cast.sara, cast.pid, date.today() + timedelta(days=3),
                                     time(9))
        assert rollover.carry_into(db.session.connection(), added) == 0
    assert sorted(line.carried_from_id for line in lines_of(cast.s2)) == sorted(lines)
    assert all(not lines_of(s) for s in [cast.s3])
    assert db.session.scalar(select(AgendaEntry.id).where(
        AgendaEntry.carried_from_id.in_(lines), AgendaEntry.session_id != cast.s2)) is None


def test_a_line_left_unfinished_again_is_carried_again(cast):
    """A chain: s1's line goes to s2; left undone in s2 too, s2's copy goes to s3."""
    (line,) = agenda(cast.s1, cast.pid, [{"minutes": 20}])
    held(cast.sara, cast.s1)
    (second,) = lines_of(cast.s2)
    db.session.execute(update(SupervisionSession).where(SupervisionSession.id == cast.s2)
                       .values(starts_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    held(cast.sara, cast.s2)
    (third,) = lines_of(cast.s3)
    assert (second.carried_from_id, third.carried_from_id) == (line, second.id)
    assert third.minutes == 20


def test_with_no_planned_session_after_it_a_line_waits_for_one(cast):
    """The held session is the process's last: its lines wait, and go to the first planned
    session added after it (not one added before it, nor a cancelled one)."""
    for sid in (cast.s2, cast.s3):
        db.session.execute(update(SupervisionSession).where(SupervisionSession.id == sid)
                           .values(status="cancelled", cancel_reason="other"))
    db.session.commit()
    lines = agenda(cast.s1, cast.pid, [{"minutes": 30}, {"done": True}, {"minutes": 15}])
    held(cast.sara, cast.s1)
    assert rollover.waiting_lines(cast.pid) == [lines[0], lines[2]]
    assert lines_of(cast.s2) == [] and lines_of(cast.s3) == []
    # A session before the held one (a past one entered afterwards) does not take them.
    earlier = add_session(cast.pid, utcnow() - timedelta(days=30))
    assert lines_of(earlier) == [] and len(rollover.waiting_lines(cast.pid)) == 2
    with unit_of_work():
        later = schedule.add_session(cast.sara, cast.pid, date.today() + timedelta(days=21),
                                     time(17)).id
    assert [line.carried_from_id for line in lines_of(later)] == [lines[0], lines[2]]
    assert rollover.waiting_lines(cast.pid) == []


def test_held_without_an_agenda_makes_nothing(cast):
    held(cast.sara, cast.s1)
    assert db.session.get(Agenda, cast.s2) is None
    assert rollover.waiting_lines(cast.pid) == []


def cancel(user: User, sid: str) -> SupervisionSession:
    with unit_of_work():
        return schedule.cancel_session(user, sid, "illness")


def test_a_cancelled_sessions_lines_go_on_to_the_next_session(cast):
    """Nothing of a cancelled session's agenda was discussed: its own lines and those it had
    taken over from the held session before it go on to the next planned session (a line
    ticked done before the cancellation stays where it was)."""
    (earlier,) = agenda(cast.s1, cast.pid, [{"minutes": 20}])
    held(cast.sara, cast.s1)
    (taken,) = lines_of(cast.s2)
    own, done = agenda(cast.s2, cast.pid, [{"position": 1, "minutes": 15},
                                           {"position": 2, "done": True}])
    cancel(cast.sara, cast.s2)
    carried = lines_of(cast.s3)
    assert [line.carried_from_id for line in carried] == [taken.id, own]
    assert [line.minutes for line in carried] == [20, 15]
    assert _continued(done) is None
    # Its own agenda stays as it was (read-only now), and the held session's line is
    # continued only once, by the cancelled session's line.
    assert [line.id for line in lines_of(cast.s2)] == [taken.id, own, done]
    assert _continued(earlier) == taken.id
    assert rollover.waiting_lines(cast.pid) == []


def test_a_cancelled_sessions_lines_wait_for_a_session_after_it(cast):
    """Cancelled with no planned session after it: its lines wait, and go to the first
    planned session added after it (not to one added before its time)."""
    lines = agenda(cast.s3, cast.pid, [{}, {}])
    cancel(cast.sara, cast.s3)
    assert rollover.waiting_lines(cast.pid) == lines
    with unit_of_work():
        before = schedule.add_session(cast.sara, cast.pid, date.today() + timedelta(days=10),
                                      time(9)).id
    assert lines_of(before) == []
    with unit_of_work():
        after = schedule.add_session(cast.sara, cast.pid, date.today() + timedelta(days=21),
                                     time(9)).id
    assert [line.carried_from_id for line in lines_of(after)] == lines
    assert rollover.waiting_lines(cast.pid) == []


def test_un_cancelling_the_only_later_session_carries_what_waited_for_it(cast):
    """s1 is held while s2 and s3 are cancelled: its lines wait. Un-cancelling s3 plans it
    again, and it takes them (as a session added then would)."""
    for sid in (cast.s2, cast.s3):
        cancel(cast.sara, sid)
    lines = agenda(cast.s1, cast.pid, [{}, {"done": True}, {}])
    held(cast.sara, cast.s1)
    assert rollover.waiting_lines(cast.pid) == [lines[0], lines[2]]
    with unit_of_work():
        schedule.uncancel_session(cast.sara, cast.s3)
    assert [line.carried_from_id for line in lines_of(cast.s3)] == [lines[0], lines[2]]
    assert lines_of(cast.s2) == [] and rollover.waiting_lines(cast.pid) == []


def test_un_cancelling_takes_back_what_the_cancellation_carried_on(cast):
    """An undone cancellation leaves no duplicates: the copies nobody touched leave the later
    agenda (its version says it changed), the session has its own lines, and marking it held
    later carries them once."""
    first, second = agenda(cast.s2, cast.pid, [{}, {"minutes": 30}])
    cancel(cast.sara, cast.s2)
    assert [row.carried_from_id for row in lines_of(cast.s3)] == [first, second]
    version = db.session.get(Agenda, cast.s3).version
    with unit_of_work():
        schedule.uncancel_session(cast.sara, cast.s2)
    assert lines_of(cast.s3) == []
    assert db.session.get(Agenda, cast.s3).version == version + 1
    assert [row.id for row in lines_of(cast.s2)] == [first, second]
    db.session.execute(update(SupervisionSession).where(SupervisionSession.id == cast.s2)
                       .values(starts_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    held(cast.sara, cast.s2)
    assert [row.carried_from_id for row in lines_of(cast.s3)] == [first, second]


def test_undoing_held_takes_back_the_untouched_copies(cast):
    """Marked held by mistake: undoing it plans the session again, the copies its marking
    made on the next agenda go where nobody touched them, and a copy worked on (ticked in
    the next session's checklist) stays; marking it held again carries only what is not
    there already."""
    lines = agenda(cast.s1, cast.pid, [{}, {"done": True}, {}])
    held(cast.sara, cast.s1)
    copies = lines_of(cast.s2)
    assert [row.carried_from_id for row in copies] == [lines[0], lines[2]]
    db.session.execute(update(AgendaEntry).where(AgendaEntry.id == copies[1].id)
                       .values(used_minutes=10, updated_at=utcnow() + timedelta(seconds=1)))
    db.session.commit()
    version = db.session.get(Agenda, cast.s2).version
    with unit_of_work():
        schedule.unhold_session(cast.sara, cast.s1)
    assert db.session.get(SupervisionSession, cast.s1).status == "planned"
    assert [row.id for row in lines_of(cast.s2)] == [copies[1].id]
    assert db.session.get(Agenda, cast.s2).version == version + 1
    assert [row.id for row in lines_of(cast.s1)] == lines           # its own lines, as were
    held(cast.sara, cast.s1)
    assert sorted(row.carried_from_id for row in lines_of(cast.s2)) == sorted(
        [lines[0], lines[2]])                                       # each line once


def test_un_cancelling_follows_the_copies_through_sessions_cancelled_since(cast):
    """s2 is cancelled (its lines go to s3), then s3 (they go on to s4): undoing s2's
    cancellation takes back the copies in both, and nothing waits or is carried twice."""
    lines = agenda(cast.s2, cast.pid, [{}, {}])
    s4 = add_session(cast.pid, utcnow() + timedelta(days=21))
    cancel(cast.sara, cast.s2)
    cancel(cast.sara, cast.s3)
    assert len(lines_of(cast.s3)) == 2 and len(lines_of(s4)) == 2
    with unit_of_work():
        schedule.uncancel_session(cast.sara, cast.s2)
    assert lines_of(cast.s3) == [] and lines_of(s4) == []
    assert [row.id for row in lines_of(cast.s2)] == lines
    assert rollover.waiting_lines(cast.pid) == []


def test_un_cancelling_takes_back_copies_that_wait_in_a_cancelled_session(cast):
    """Cancelled one after the other with nothing planned after them, s2's lines wait in
    s3's agenda: undoing s2's cancellation takes them back from there too (else a session
    added later would take them beside s2's own)."""
    lines = agenda(cast.s2, cast.pid, [{}])
    cancel(cast.sara, cast.s2)
    cancel(cast.sara, cast.s3)
    assert len(rollover.waiting_lines(cast.pid)) == 1
    with unit_of_work():
        schedule.uncancel_session(cast.sara, cast.s2)
    assert lines_of(cast.s3) == [] and rollover.waiting_lines(cast.pid) == []
    with unit_of_work():
        added = schedule.add_session(cast.sara, cast.pid, date.today() + timedelta(days=30),
                                     time(9)).id
    assert lines_of(added) == [] and [row.id for row in lines_of(cast.s2)] == lines


def test_un_cancelling_keeps_the_copies_the_supervisor_worked_on(cast):
    """A copy saved with its agenda, or ticked, is hers: it stays; only the untouched one
    goes. Nothing is carried twice afterwards."""
    kept, ticked, untouched = agenda(cast.s2, cast.pid, [{}, {}, {}])
    cancel(cast.sara, cast.s2)
    copies = {row.carried_from_id: row for row in lines_of(cast.s3)}
    db.session.execute(update(AgendaEntry).where(AgendaEntry.id == copies[kept].id)
                       .values(minutes=45, updated_at=utcnow() + timedelta(seconds=1)))
    db.session.execute(update(AgendaEntry).where(AgendaEntry.id == copies[ticked].id)
                       .values(done=True, updated_at=utcnow() + timedelta(seconds=1)))
    db.session.commit()
    with unit_of_work():
        schedule.uncancel_session(cast.sara, cast.s2)
    assert sorted(row.carried_from_id for row in lines_of(cast.s3)) == sorted([kept, ticked])
    db.session.execute(update(SupervisionSession).where(SupervisionSession.id == cast.s2)
                       .values(starts_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    held(cast.sara, cast.s2)
    assert sorted(row.carried_from_id for row in lines_of(cast.s3)) == sorted(
        [kept, ticked, untouched])
    assert db.session.scalar(select(func.count()).select_from(AgendaEntry).where(
        AgendaEntry.carried_from_id.in_([kept, ticked, untouched]))) == 3


def test_un_cancelling_leaves_a_held_sessions_lines_alone(cast):
    """The copies went to a session that has since been held: its agenda is history, and
    nothing is taken from it."""
    (line,) = agenda(cast.s2, cast.pid, [{}])
    cancel(cast.sara, cast.s2)
    (copy,) = lines_of(cast.s3)
    db.session.execute(update(SupervisionSession).where(SupervisionSession.id == cast.s3)
                       .values(status="held"))
    db.session.commit()
    with unit_of_work():
        schedule.uncancel_session(cast.sara, cast.s2)
    assert [row.id for row in lines_of(cast.s3)] == [copy.id]
    assert [row.id for row in lines_of(cast.s2)] == [line]


def test_a_failed_cancellation_carries_nothing(cast):
    """The carry is in the cancellation's transaction: a cancellation that fails after it
    leaves the lines and the status as they were."""
    agenda(cast.s2, cast.pid, [{}])
    with pytest.raises(RuntimeError), unit_of_work():
        schedule.cancel_session(cast.sara, cast.s2, "illness")
        assert len(lines_of(cast.s3)) == 1
        raise RuntimeError("after the hook")
    assert lines_of(cast.s3) == []
    assert db.session.get(SupervisionSession, cast.s2).status == "planned"


def tick(user: User, sid: str, line_id: str, done: bool) -> None:
    from webapp.services import agendas
    with unit_of_work():
        agendas.tick(user, sid, line_id, done, None, False)


def test_a_line_ticked_after_the_session_was_held_changes_what_was_carried(cast):
    """Ticked done on the checklist after the session was marked held (as many do): its
    untouched copy leaves the next agenda; ticked not done again, it is carried on again. A
    copy the supervisor worked on stays. No line is carried twice."""
    first, second, third = agenda(cast.s1, cast.pid, [{}, {}, {}])
    held(cast.sara, cast.s1)
    assert [row.carried_from_id for row in lines_of(cast.s2)] == [first, second, third]
    tick(cast.sara, cast.s1, first, True)
    assert [row.carried_from_id for row in lines_of(cast.s2)] == [second, third]
    tick(cast.sara, cast.s1, first, True)                        # again: nothing changes
    assert [row.carried_from_id for row in lines_of(cast.s2)] == [second, third]
    tick(cast.sara, cast.s1, first, False)
    assert [row.carried_from_id for row in lines_of(cast.s2)] == [second, third, first]
    tick(cast.sara, cast.s1, first, False)                       # again: carried once
    # The copy of the second is worked on in the next session: ticking its original stays.
    copy = next(row for row in lines_of(cast.s2) if row.carried_from_id == second)
    tick(cast.sara, cast.s2, copy.id, True)
    tick(cast.sara, cast.s1, second, True)
    assert sorted(row.carried_from_id for row in lines_of(cast.s2)) == sorted(
        [second, third, first])
    assert db.session.scalar(select(func.count()).select_from(AgendaEntry).where(
        AgendaEntry.carried_from_id.in_([first, second, third]))) == 3
    # On a session not held yet, a tick carries nothing.
    tick(cast.sara, cast.s2, copy.id, False)
    assert lines_of(cast.s3) == []


def test_a_carried_line_removed_from_the_next_agenda_stays_removed(cast):
    """The supervisor drops a carried line from the next agenda (it will not be continued):
    neither marking that session held nor adding a session brings it back."""
    (line,) = agenda(cast.s1, cast.pid, [{}])
    held(cast.sara, cast.s1)
    (copy,) = lines_of(cast.s2)
    db.session.delete(copy)                          # as the builder's save does
    db.session.commit()
    assert rollover.waiting_lines(cast.pid) == []
    db.session.execute(update(SupervisionSession).where(SupervisionSession.id == cast.s2)
                       .values(starts_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    held(cast.sara, cast.s2)
    assert lines_of(cast.s3) == []
    with unit_of_work():
        schedule.add_session(cast.sara, cast.pid, date.today() + timedelta(days=2), time(9))
        schedule.add_session(cast.sara, cast.pid, date.today() + timedelta(days=60), time(9))
    assert _continued(line) is None
    assert db.session.scalar(select(func.count()).select_from(AgendaEntry)
                             .where(AgendaEntry.process_id == cast.pid)) == 1


def _continued(line_id: str) -> str | None:
    return db.session.scalar(select(AgendaEntry.id).where(
        AgendaEntry.carried_from_id == line_id))


def test_other_processes_are_left_alone(cast):
    olli, bertta = (db.session.get(User, uid) for uid in _other_people(cast))
    other = make_process(olli.uid, bertta.uid, status="active")
    theirs = add_session(other, utcnow() - timedelta(hours=3))
    their_next = add_session(other, utcnow() + timedelta(days=2))
    agenda(theirs, other, [{}])
    with unit_of_work():
        db.session.execute(update(SupervisionSession).where(SupervisionSession.id == theirs)
                           .values(status="held"))
    agenda(cast.s1, cast.pid, [{}])
    held(cast.sara, cast.s1)
    assert len(lines_of(cast.s2)) == 1
    assert lines_of(their_next) == []              # their own roll-over waits for theirs
    assert _continued(lines_of(theirs)[0].id) is None


def test_the_hook_runs_in_mark_helds_transaction(cast):
    """A mark_held that fails after the hook (here: the unit of work raises) leaves nothing
    carried: the lines and the status come and go together."""
    agenda(cast.s1, cast.pid, [{}])
    with pytest.raises(RuntimeError), unit_of_work():
        schedule.mark_held(cast.sara, cast.s1)
        assert len(lines_of(cast.s2)) == 1
        raise RuntimeError("after the hook")
    assert lines_of(cast.s2) == []
    assert db.session.get(SupervisionSession, cast.s1).status == "planned"



def _other_people(cast: Cast) -> tuple[str, str]:
    """Two more accounts (rows; no requests in this context)."""
    from webapp.schemas import parse
    from webapp.schemas.accounts import RegisterRequest
    from webapp.services import accounts

    from .factories import fast_account, unique_email
    uids = []
    for supervisor in (True, False):
        body = fast_account().registration(unique_email(), is_supervisor=supervisor)
        with unit_of_work():
            uids.append(accounts.register(parse(RegisterRequest, body)).uid)
    return uids[0], uids[1]
