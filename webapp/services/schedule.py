"""The schedule of a supervision process: sessions generated from the frame, then moved,
added, cancelled with a reason category, marked held or un-cancelled; and each user's time
zone.

Times are stored in UTC. A person enters a local date and wall-clock time in a time zone (their
own unless they name one); `local_start` turns it into UTC with zoneinfo, so a schedule of
"17:00 every four weeks" made in Helsinki stays 17:00 local on both sides of a change of
daylight saving time (its UTC hour moves instead).

Only the process's supervisor changes the schedule; every current member sees it; an ended
process is read-only. Every write decides with one conditional UPDATE (on the expected
status, and on the `updated_at` the client last read when it sends one) or under the process
row's lock (`FOR UPDATE`; on SQLite the write transaction is exclusive, webapp/uow.py):
two "generate" calls at once make one schedule, a move racing a cancellation has one winner.
"""
from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select, update

from ..extensions import db
from ..models import Process, User
from ..models.sessions import SupervisionSession
from ..models.types import utcnow
from ..schemas.processes import MAX_SESSION_MINUTES
from ..schemas.sessions import DEFAULT_ZONE, is_zone
from . import processes, rollover
from .errors import Conflict, Forbidden, InvalidInput, NotFound


def new_session_id() -> str:
    """A random, URL-safe id of 22 characters (128 bits)."""
    return secrets.token_urlsafe(16)[:22]


# -- time zones --------------------------------------------------------------------------------

def zone_name(user: User | None) -> str:
    """The user's time zone (the default for anyone without a valid one)."""
    name = getattr(user, "timezone", None)
    return name if is_zone(name) else DEFAULT_ZONE


def zone_of(user: User | None) -> ZoneInfo:
    return ZoneInfo(zone_name(user))


def set_timezone(user: User, name: str) -> User:
    """Change the user's time zone (an IANA name from schemas.sessions.time_zones)."""
    if not is_zone(name):
        raise InvalidInput("Choose a time zone from the list.", "bad_timezone",
                           field="timezone")
    user.timezone = name
    db.session.flush()
    return user


def local_start(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local date and time. A time that does not exist (skipped when the
    clocks go forward) counts with the offset before the change, so it lands an hour later on
    the wall clock; an ambiguous one (repeated when they go back) is its first occurrence."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def _zone(user: User, name: str | None) -> ZoneInfo:
    return ZoneInfo(name) if name and is_zone(name) else zone_of(user)


# -- reading -----------------------------------------------------------------------------------

def list_sessions(user: User, pid: str) -> list[SupervisionSession]:
    """The sessions of a process its current member may see (404 to anyone else), by start."""
    processes.get_process(user, pid)
    return sessions_of(pid)


def sessions_of(pid: str) -> list[SupervisionSession]:
    return list(db.session.scalars(
        select(SupervisionSession).where(SupervisionSession.process_id == pid)
        .order_by(SupervisionSession.starts_at, SupervisionSession.id)))


def get_session(user: User, sid: str, pid: str | None = None) -> SupervisionSession:
    """One session for a current member of its process; 404 for anyone else, and when `pid`
    is given and is not the session's process."""
    session = db.session.get(SupervisionSession, sid)
    if session is None or (pid is not None and session.process_id != pid):
        raise NotFound("session not found", "session_not_found")
    own = processes.membership(user.uid, session.process_id)
    if own is None or own.ended_at is not None:
        raise NotFound("session not found", "session_not_found")
    return session


def can_manage(user: User | None, process: Process) -> bool:
    """The process's supervisor changes its schedule, and only while it has not ended."""
    return (user is not None and process.supervisor_uid == user.uid
            and not process.is_ended)


def overlapping_ids(sessions) -> set[str]:
    """Of (id, starts_at, minutes) triples, the ids of those whose time overlaps another's
    (touching ends do not overlap): sorted by start, each is checked against the latest end
    before it."""
    found: set[str] = set()
    latest_end, latest_id = None, None
    for sid, starts_at, minutes in sorted(sessions, key=lambda s: (s[1], s[0])):
        if latest_end is not None and starts_at < latest_end:
            found.update((sid, latest_id))
        end = starts_at + timedelta(minutes=minutes)
        if latest_end is None or end > latest_end:
            latest_end, latest_id = end, sid
    return found


def overlaps(supervisor: User, session: SupervisionSession) -> list[SupervisionSession]:
    """The supervisor's other sessions, in any of the processes she supervises, planned or
    held, whose time overlaps this one's, soonest first: her session page warns of a double
    booking (a move or a new session is not refused for it: two short sessions back to back
    on one afternoon, or a group's session beside an individual one, may be what she
    means). One query, an index range per process."""
    start, end = session.starts_at, ends_at(session)
    rows = db.session.scalars(
        select(SupervisionSession)
        .join(Process, Process.id == SupervisionSession.process_id)
        .where(Process.supervisor_uid == supervisor.uid,
               SupervisionSession.id != session.id,
               SupervisionSession.status != "cancelled",
               SupervisionSession.starts_at > start - timedelta(minutes=MAX_SESSION_MINUTES),
               SupervisionSession.starts_at < end)
        .order_by(SupervisionSession.starts_at, SupervisionSession.id)).all()
    return [row for row in rows if ends_at(row) > start]


#: How far ahead the add and move forms know the supervisor's other sessions (busy_times).
BUSY_AHEAD = timedelta(days=800)
BUSY_LIMIT = 500


def busy_times(supervisor: User, *, exclude: str | None = None,
               now: datetime | None = None) -> list[tuple[datetime, datetime]]:
    """When the supervisor is booked: (start, end) of her sessions in every process she
    supervises, planned or held, not yet over a day ago and starting in the next BUSY_AHEAD,
    soonest first (at most BUSY_LIMIT), without the session `exclude` (the one being moved).
    The add and move forms check a new time against them in the browser and say so before
    saving (overlaps() says it on the session page after). One query."""
    now = now or utcnow()
    query = (select(SupervisionSession.starts_at, SupervisionSession.minutes)
             .join(Process, Process.id == SupervisionSession.process_id)
             .where(Process.supervisor_uid == supervisor.uid,
                    SupervisionSession.status != "cancelled",
                    SupervisionSession.starts_at > now - timedelta(
                        days=1, minutes=MAX_SESSION_MINUTES),
                    SupervisionSession.starts_at < now + BUSY_AHEAD)
             .order_by(SupervisionSession.starts_at, SupervisionSession.id)
             .limit(BUSY_LIMIT))
    if exclude is not None:
        query = query.where(SupervisionSession.id != exclude)
    return [(start, start + timedelta(minutes=minutes))
            for start, minutes in db.session.execute(query).all()]


# -- writing -----------------------------------------------------------------------------------

def _managed_process(supervisor: User, pid: str, *, lock: bool) -> Process:
    """The process, for its supervisor (404 to non-members, 403 to other members), locked
    when asked; 409 when it has ended."""
    processes.get_process(supervisor, pid)
    process = db.session.get(Process, pid, with_for_update=lock, populate_existing=lock)
    if process is None:
        raise NotFound("process not found", "process_not_found")
    if process.supervisor_uid != supervisor.uid:
        raise Forbidden("Only the process's supervisor changes the schedule.",
                        "not_supervisor")
    if process.is_ended:
        raise Conflict("The process has ended.", "process_ended")
    return process


def plan(first: date, clock: time, zone: ZoneInfo, *, count: int, interval_days: int,
         last_day: date | None = None) -> list[datetime]:
    """The UTC starts of `count` sessions from the local `first` day, `interval_days` apart,
    all at the same local wall-clock time; none after `last_day` (the frame's end)."""
    starts = []
    for n in range(count):
        day = first + timedelta(days=n * interval_days)
        if last_day is not None and day > last_day:
            break
        starts.append(local_start(day, clock, zone))
    return starts


def generate_schedule(supervisor: User, pid: str, first: date, clock: time,
                      zone_name_: str | None = None) -> list[SupervisionSession]:
    """Plan the process's sessions from its frame, the first at `first` `clock` local time.
    A process has one generated schedule: with sessions already there it is a 409
    (`schedule_exists`; add, move or cancel sessions instead). The process row is locked
    first, so of two calls at once one generates and the other sees its sessions."""
    process = _managed_process(supervisor, pid, lock=True)
    if db.session.scalar(select(exists().where(SupervisionSession.process_id == pid))):
        raise Conflict("The process already has a schedule.", "schedule_exists")
    starts = plan(first, clock, _zone(supervisor, zone_name_), count=process.session_count,
                  interval_days=process.interval_days, last_day=process.ends_on)
    if not starts:
        raise InvalidInput("The first session is after the process's end.", "bad_dates",
                           field="date")
    now = utcnow()
    rows = [SupervisionSession(id=new_session_id(), process_id=pid, starts_at=start,
                               minutes=process.session_minutes, status="planned",
                               created_at=now, updated_at=now) for start in starts]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def add_session(supervisor: User, pid: str, day: date, clock: time,
                minutes: int | None = None, zone_name_: str | None = None
                ) -> SupervisionSession:
    """One more planned session (the frame's length unless `minutes` is given)."""
    process = _managed_process(supervisor, pid, lock=True)
    now = utcnow()
    row = SupervisionSession(id=new_session_id(), process_id=pid,
                             starts_at=local_start(day, clock, _zone(supervisor, zone_name_)),
                             minutes=minutes or process.session_minutes, status="planned",
                             created_at=now, updated_at=now)
    db.session.add(row)
    db.session.flush()
    return row


def _managed_session(supervisor: User, sid: str) -> SupervisionSession:
    session = get_session(supervisor, sid)
    _managed_process(supervisor, session.process_id, lock=False)
    return session


def _conditional(session: SupervisionSession, from_status: str,
                 expected: datetime | None, **values) -> SupervisionSession:
    """Write `values` only if the session is still in `from_status` (and unchanged since
    `expected`, when given): one UPDATE decides. 409 otherwise, with the session's state."""
    now = utcnow()
    if expected is not None and now == expected:      # the new stamp must differ
        now += timedelta(microseconds=1)
    where = [SupervisionSession.id == session.id, SupervisionSession.status == from_status]
    if expected is not None:
        where.append(SupervisionSession.updated_at == expected)
    # The process row is taken FOR SHARE: ending the process (FOR UPDATE) waits for this
    # change or comes first, and then the change sees it ended.
    processes.lock_for_sharing(session.process_id)
    if db.session.scalar(select(Process.status).where(Process.id == session.process_id)
                         ) == "ended":
        raise Conflict("The process has ended.", "process_ended")
    changed = db.session.execute(
        update(SupervisionSession).where(*where).values(updated_at=now, **values)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(session)
    if changed != 1:
        if expected is not None and session.updated_at != expected:
            raise Conflict("The session was changed meanwhile.", "session_changed",
                           session_status=session.status,
                           updated_at=session.updated_at.isoformat())
        raise Conflict(f"The session is {session.status}.", f"session_{session.status}",
                       session_status=session.status,
                       updated_at=session.updated_at.isoformat())
    return session


def move_session(supervisor: User, sid: str, day: date | None, clock: time | None,
                 minutes: int | None = None, zone_name_: str | None = None,
                 expected: datetime | None = None) -> SupervisionSession:
    """Move a planned session to a new local date and time, and/or change its length."""
    session = _managed_session(supervisor, sid)
    values: dict = {}
    if day is not None and clock is not None:
        values["starts_at"] = local_start(day, clock, _zone(supervisor, zone_name_))
    if minutes is not None:
        values["minutes"] = minutes
    if not values:
        raise InvalidInput("Nothing to change.", "bad_change", field="date")
    return _conditional(session, "planned", expected, **values)


def cancel_session(supervisor: User, sid: str, reason: str,
                   expected: datetime | None = None) -> SupervisionSession:
    """Cancel a planned session with a reason category (what happened, in words, is for
    the members to write, sealed)."""
    session = _managed_session(supervisor, sid)
    # Its agenda's lines go on to the next session (services/rollover.py).
    return rollover.carry_on(_conditional(session, "planned", expected, status="cancelled",
                                          cancel_reason=reason))


def uncancel_session(supervisor: User, sid: str,
                     expected: datetime | None = None) -> SupervisionSession:
    """Undo a cancellation: the session is planned again at its time (a cancellation made
    by mistake can be undone afterwards too, so that a session that took place can be marked
    held)."""
    session = _managed_session(supervisor, sid)
    return rollover.after_uncancelled(
        _conditional(session, "cancelled", expected, status="planned", cancel_reason=None))


def mark_held(supervisor: User, sid: str, expected: datetime | None = None
              ) -> SupervisionSession:
    """Mark a planned session held, once it has started (409 `not_started` before)."""
    session = _managed_session(supervisor, sid)
    if session.status == "planned" and session.starts_at > utcnow():
        raise Conflict("The session has not started yet.", "not_started")
    return rollover.carry_on(_conditional(session, "planned", expected, status="held"))


def unhold_session(supervisor: User, sid: str, expected: datetime | None = None
                   ) -> SupervisionSession:
    """Undo marking a session held (the wrong session tapped, or too early): it is planned
    again at its time, and what the marking carried on to the next agenda comes back where
    nobody has touched it since (rollover.take_back; a line worked on there stays, and the
    session keeps its own lines). Refused once the session's summary is written (409
    `summary_written`): a summary belongs to a held session, and its readers have it.

    The session's row is locked first, as a summary's first write locks it: of the undo and
    a first summary at once, one goes first and the other sees it (the summary is refused
    for a planned session, the undo for a written summary)."""
    from . import summaries  # (summaries imports this module)
    session = _managed_session(supervisor, sid)
    db.session.get(SupervisionSession, session.id, with_for_update=True,
                   populate_existing=True)
    if summaries.of_session(session.id) is not None:
        raise Conflict("The session's summary is written: the session stays held.",
                       "summary_written", session_status=session.status,
                       updated_at=session.updated_at.isoformat())
    session = _conditional(session, "held", expected, status="planned")
    rollover.take_back(session)
    return session


def replan_session(supervisor: User, sid: str, expected: datetime | None = None
                   ) -> SupervisionSession:
    """`status: "planned"`: undo a cancellation or a marking held, whichever the session
    has (each change checks the status it starts from: a session changed meanwhile is a
    409 with its state)."""
    session = _managed_session(supervisor, sid)
    if session.status == "held":
        return unhold_session(supervisor, sid, expected)
    return uncancel_session(supervisor, sid, expected)


def change_session(supervisor: User, sid: str, action: str, *, day: date | None = None,
                   clock: time | None = None, minutes: int | None = None,
                   zone_name_: str | None = None, reason: str | None = None,
                   expected: datetime | None = None) -> SupervisionSession:
    """Dispatch one change (move, cancel, held, replan: undo a cancellation or a marking
    held): the API's PATCH."""
    if action == "move":
        return move_session(supervisor, sid, day, clock, minutes, zone_name_, expected)
    if action == "cancel":
        return cancel_session(supervisor, sid, reason or "other", expected)
    if action == "held":
        return mark_held(supervisor, sid, expected)
    if action == "replan":
        return replan_session(supervisor, sid, expected)
    raise InvalidInput("unknown change", "bad_change")


def ends_at(session: SupervisionSession) -> datetime:
    return session.starts_at + timedelta(minutes=session.minutes)
