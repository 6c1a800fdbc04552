"""The roll-over of unfinished agenda lines (issue 10, "Topics and the agenda": after the
session, unfinished items roll over to the next agenda).

When a session is marked held, every line of its agenda that was not ticked done in the
session is carried to the process's next planned session: the first planned session that
starts after the held one. A cancelled session's lines are carried the same way when it is
cancelled (nothing of its agenda was discussed: its topics, and the lines it had taken over
from earlier agendas, go on to the next session instead of stopping there). The next
session's Agenda row is made if it has none, and each carried line is a new AgendaEntry (a
new UUID) appended after the lines already there, with the same source, source_id and
minutes, and `carried_from_id` naming the line it continues. The words of a line stay
sealed: the supervisor's browser finds a carried line's title in an earlier agenda's sealed
payload, the server never sees it (agendas._carried_items follows the chain back to an
agenda saved since the line was in it). A carried line that is again left unfinished is
carried again when that session is held or cancelled (a chain of lines).

When no planned session follows the held one, its unfinished lines *wait*: they are carried
when the supervisor adds a planned session after it (add_session, or generating a schedule:
the SupervisionSession insert below). A held session's lines are carried at one moment only,
the first at which a session after it exists: when it is marked held, or when the first
session after it is added. So a carried line the supervisor removes from the next agenda (it
will not be continued) stays removed: marking that session held carries that session's own
lines, and a session added later finds an earlier session after the held one and carries
nothing of it. Lines that wait while the only later session is cancelled are carried to it
when it is un-cancelled (it is planned again, as if added then). Un-cancelling a session
whose lines were carried on takes the copies back (followed through later sessions cancelled
since) where nobody has touched them (not saved with their agenda, ticked, nor held;
take_back): the session has its own lines still, and the undo leaves no duplicates behind.
Moving a session does not move lines already carried. A line of a held session ticked done
afterwards (after_tick) takes its untouched copy back the same way; ticked not done again,
it is carried on.

A line is carried once: every carry reads the lines to carry and writes their successors
while holding the process's roll-over lock (PostgreSQL: a transaction-level advisory lock
per process; SQLite: the write transaction is exclusive already, webapp/uow.py), and a line
that some line continues (`carried_from_id`) is never read again, so two requests at once
(two devices marking a session held, sessions added at once, the same hook run twice) carry
each line exactly once. The statements are Core statements on the transaction's connection,
so the same code runs from schedule.mark_held (in its transaction) and from the mapper event
of a session insert (where only SQL on the flush's connection is allowed).
"""
from __future__ import annotations

import bisect
import hashlib
import uuid
from datetime import datetime

from sqlalchemy import Connection, and_, delete, event, exists, func, insert, select, update
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models.agendas import CHAIN_DEPTH, Agenda, AgendaEntry
from ..models.sessions import SupervisionSession
from ..models.types import utcnow


def carry_on(session: SupervisionSession) -> SupervisionSession:
    """The hook of schedule.mark_held and schedule.cancel_session, in their transaction:
    carry the unfinished lines of the session just marked held or cancelled. Returns the
    session."""
    connection = db.session.connection()
    _lock(connection, session.process_id)
    _carry(connection, session.process_id,
           connection.execute(_lines_to_carry(session.process_id)
                              .where(AgendaEntry.session_id == session.id)).all())
    return session


def carry_into(connection: Connection, added: SupervisionSession, *,
               uncancelled: bool = False) -> int:
    """A planned session was added (or un-cancelled): carry the lines that waited for it,
    those of the held and cancelled sessions before it that no other session (but cancelled
    ones, and those added with it) follows yet. Returns how many lines were carried."""
    pid = added.process_id
    _lock(connection, pid)
    later = aliased(SupervisionSession)
    others = [later.process_id == pid, later.id != added.id, later.status != "cancelled",
              later.starts_at > SupervisionSession.starts_at]
    if not uncancelled:       # sessions added in the same flush do not count (a schedule)
        others.append(later.created_at < added.created_at)
    waiting = connection.execute(_lines_to_carry(pid).where(
        SupervisionSession.starts_at < added.starts_at, ~exists().where(*others))).all()
    return _carry(connection, pid, waiting)


def after_uncancelled(session: SupervisionSession) -> SupervisionSession:
    """The hook of schedule.uncancel_session, in its transaction: the session is planned
    again; what its cancellation carried on is taken back where nothing was done with it
    since (take_back), and it takes the lines that waited while it was cancelled. Returns the
    session."""
    take_back(session)
    carry_into(db.session.connection(), session, uncancelled=True)
    return session


def after_tick(session: SupervisionSession, line_id: str, done: bool) -> int:
    """The hook of agendas.tick for a line of a session already held (ticked afterwards:
    many supervisors tick after the session): ticked done, its copy on a later agenda is
    taken back where nobody has touched it (take_back); ticked not done again, it is carried
    on as marking the session held would have carried it (unless a copy of it exists).
    Returns how many lines were taken back or carried."""
    if done:
        return take_back(session, only=[line_id])
    connection = db.session.connection()
    _lock(connection, session.process_id)
    return _carry(connection, session.process_id, connection.execute(
        _lines_to_carry(session.process_id).where(AgendaEntry.id == line_id)).all())


def take_back(session: SupervisionSession, only: list[str] | None = None) -> int:
    """Undo the carry of a cancellation that is undone (or of one line, `only`, ticked done
    after its session was held): each of the session's lines is
    followed along its copies (carried_from) through the sessions cancelled since, to where
    it is now (a planned session's agenda, or waiting in a cancelled one), and the copies go
    where nothing was done with any of them since they were made (not saved with their
    agenda, ticked, nor held: the roll-over made them and nobody touched them; their words
    are in this session's agenda still). A chain the supervisor has worked on stays whole.
    The agendas' versions go up. Returns how many lines came back."""
    connection = db.session.connection()
    pid = session.process_id
    _lock(connection, pid)
    mine = select(AgendaEntry.id).where(AgendaEntry.session_id == session.id)
    if only is not None:
        mine = mine.where(AgendaEntry.id.in_(only))
    own = connection.execute(mine).scalars().all()
    chains: dict[str, list] = {line: [] for line in own}
    tips = {line: line for line in own}
    for _ in range(CHAIN_DEPTH):
        if not tips:
            break
        copies = {row.carried_from_id: row for row in connection.execute(
            select(AgendaEntry.id, AgendaEntry.carried_from_id, AgendaEntry.session_id,
                   AgendaEntry.done, AgendaEntry.used_minutes, AgendaEntry.created_at,
                   AgendaEntry.updated_at, SupervisionSession.status)
            .join(SupervisionSession, SupervisionSession.id == AgendaEntry.session_id)
            .where(AgendaEntry.process_id == pid,
                   AgendaEntry.carried_from_id.in_(set(tips.values())))).all()}
        following = {}
        for line, tip in tips.items():
            copy = copies.get(tip)
            if copy is not None:
                chains[line].append(copy)
                if copy.status == "cancelled":
                    following[line] = copy.id
        tips = following
    taken = [chain for chain in chains.values() if chain and all(
        copy.status in ("planned", "cancelled") and not copy.done
        and copy.used_minutes is None and copy.updated_at == copy.created_at
        for copy in chain)]
    if not taken:
        return 0
    # Their agendas first (PostgreSQL: FOR UPDATE), in the order a save takes them (the
    # agenda's version, then its lines), so the two cannot deadlock. The copy where each line
    # is now goes by one DELETE that checks "untouched" itself (a tick committed meanwhile
    # keeps it, and with it the chain); the copies before it, in cancelled sessions' agendas
    # (read-only), follow.
    sessions = sorted({copy.session_id for chain in taken for copy in chain})
    connection.execute(select(Agenda.session_id).where(Agenda.session_id.in_(sessions))
                       .order_by(Agenda.session_id).with_for_update())
    successor = aliased(AgendaEntry)
    gone = set(connection.execute(
        delete(AgendaEntry)
        .where(AgendaEntry.id.in_([chain[-1].id for chain in taken]),
               AgendaEntry.done.is_(False), AgendaEntry.used_minutes.is_(None),
               AgendaEntry.updated_at == AgendaEntry.created_at,
               ~exists().where(successor.carried_from_id == AgendaEntry.id))
        .returning(AgendaEntry.id)).scalars().all())
    before = [copy.id for chain in taken if chain[-1].id in gone for copy in chain[:-1]]
    if before:
        connection.execute(delete(AgendaEntry).where(AgendaEntry.id.in_(before)))
    if gone:
        connection.execute(update(Agenda).where(Agenda.session_id.in_(sessions))
                           .values(version=Agenda.version + 1, updated_at=utcnow()))
    return len(gone)


def waiting_lines(pid: str) -> list[str]:
    """The ids of the process's lines that wait to be carried (no session but cancelled ones
    after theirs yet), oldest session first: for the views and the tests."""
    later = aliased(SupervisionSession)
    return [row.id for row in db.session.execute(_lines_to_carry(pid).where(
        ~exists().where(later.process_id == pid, later.status != "cancelled",
                        later.starts_at > SupervisionSession.starts_at))).all()]


def _lines_to_carry(pid: str):
    """Lines of the process's held and cancelled sessions, not done, that no line continues
    yet, oldest session first (the caller narrows it). The "continued" test looks only at
    lines of the process's own sessions (an index range)."""
    continued = aliased(AgendaEntry)
    own_sessions = select(SupervisionSession.id).where(SupervisionSession.process_id == pid)
    return (select(AgendaEntry.id, AgendaEntry.source, AgendaEntry.source_id,
                   AgendaEntry.minutes, SupervisionSession.starts_at)
            .join(SupervisionSession, SupervisionSession.id == AgendaEntry.session_id)
            .where(SupervisionSession.process_id == pid,
                   SupervisionSession.status.in_(("held", "cancelled")),
                   AgendaEntry.done.is_(False),
                   ~exists().where(continued.carried_from_id == AgendaEntry.id,
                                   continued.session_id.in_(own_sessions)))
            .order_by(SupervisionSession.starts_at, AgendaEntry.session_id,
                      AgendaEntry.position, AgendaEntry.id))


def _carry(connection: Connection, pid: str, lines: list) -> int:
    """Carry each of `lines` to the first planned session after its own (a line with none
    waits). Returns how many were carried."""
    if not lines:
        return 0
    planned = connection.execute(
        select(SupervisionSession.id, SupervisionSession.starts_at)
        .where(SupervisionSession.process_id == pid, SupervisionSession.status == "planned")
        .order_by(SupervisionSession.starts_at, SupervisionSession.id)).all()
    starts = [row.starts_at for row in planned]
    by_target: dict[str, list] = {}
    for line in lines:
        index = bisect.bisect_right(starts, line.starts_at)
        if index < len(planned):               # else it waits for a later session
            by_target.setdefault(planned[index].id, []).append(line)
    now = utcnow()
    for target, carried in by_target.items():      # in the order of the sessions
        _append(connection, pid, target, carried, now)
    return sum(len(carried) for carried in by_target.values())


def _append(connection: Connection, pid: str, target: str, lines: list, now: datetime
            ) -> None:
    """Append `lines` to the agenda of session `target` (made if missing), and count the
    change in the agenda's version (its editor then knows its order is stale)."""
    made = _ensure_agenda(connection, pid, target, now)
    if not made:
        connection.execute(update(Agenda).where(Agenda.session_id == target)
                           .values(version=Agenda.version + 1, updated_at=now))
    last = connection.scalar(select(func.max(AgendaEntry.position))
                             .where(AgendaEntry.session_id == target))
    position = -1 if last is None else last
    rows = []
    for line in lines:
        position += 1
        rows.append({"id": str(uuid.uuid4()), "session_id": target, "process_id": pid,
                     "position": position, "minutes": line.minutes, "source": line.source,
                     "source_id": line.source_id, "carried_from_id": line.id, "done": False,
                     "used_minutes": None, "created_at": now, "updated_at": now})
    connection.execute(insert(AgendaEntry), rows)


def _ensure_agenda(connection: Connection, pid: str, target: str, now: datetime) -> bool:
    """Make the session's Agenda row unless it exists (an insert that does nothing on a
    conflict: the builder may make it at the same moment). True when this call made it."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = dialect_insert(Agenda).values(
        session_id=target, process_id=pid, item_id=None, shared_at=None, version=1,
        created_at=now, updated_at=now).on_conflict_do_nothing(index_elements=["session_id"])
    return connection.execute(statement.returning(Agenda.session_id)).first() is not None


def lock(pid: str) -> None:
    """Take the process's roll-over lock in the current transaction (agendas.tick)."""
    _lock(db.session.connection(), pid)


def _lock(connection: Connection, pid: str) -> None:
    """The process's roll-over lock until the transaction ends (PostgreSQL). SQLite needs
    none: a writing transaction there is exclusive from its start."""
    if connection.dialect.name != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(f"valitila/rollover/{pid}".encode()).digest()[:8],
                         "big", signed=True)
    connection.execute(select(func.pg_advisory_xact_lock(key)))


@event.listens_for(SupervisionSession, "after_insert")
def _carry_to_new_session(_mapper, connection: Connection, target: SupervisionSession) -> None:
    """A planned session added to a process takes the lines that were waiting for it."""
    if (target.status or "planned") == "planned":
        carry_into(connection, target)


def carried_from(session: SupervisionSession) -> tuple[int, SupervisionSession | None, int]:
    """What became of a held or cancelled session's unfinished lines: (lines carried on, the
    session that took the first of them or None, lines still waiting for a session to be
    added: none once a session follows it). Three queries."""
    carried = aliased(AgendaEntry)
    own_sessions = select(SupervisionSession.id).where(
        SupervisionSession.process_id == session.process_id)
    rows = db.session.execute(
        select(AgendaEntry.id, carried.session_id)
        .outerjoin(carried, and_(carried.carried_from_id == AgendaEntry.id,
                                 carried.session_id.in_(own_sessions)))
        .where(AgendaEntry.session_id == session.id, AgendaEntry.done.is_(False))
        .order_by(AgendaEntry.position, AgendaEntry.id)).all()
    targets = [target for _line, target in rows if target is not None]
    first = db.session.get(SupervisionSession, targets[0]) if targets else None
    followed = rows and db.session.scalar(select(exists().where(
        SupervisionSession.process_id == session.process_id,
        SupervisionSession.status != "cancelled",
        SupervisionSession.starts_at > session.starts_at)))
    return len(targets), first, 0 if followed else len(rows) - len(targets)
