"""What the homes show, read in a constant number of queries whatever the counts (as
processes/queries.py): the processes a person is in, each one's sealed name, the next
planned session, the goals, the "bring to the next session" marks, and a supervisor's coming
sessions across all their processes with the supervisees' names.

Only structure and ciphertext: names and goals are sealed items the browser opens."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from markupsafe import Markup
from sqlalchemy import and_, bindparam, exists, func, or_, select, union_all
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    Agenda,
    Envelope,
    Goal,
    Item,
    Membership,
    Process,
    SupervisionSession,
    User,
)
from ..models.types import UTCDateTime, utcnow
from ..processes.queries import has_title, readable_titles
from ..services.items import core_rows

#: How far ahead the supervisor's home lists sessions.
COMING_DAYS = 14
#: The statuses a home lists (an ended process is on the processes page only).
OPEN_STATUSES = ("active", "draft")


@dataclass(frozen=True)
class GoalRow:
    """A goal of a process: its place, status, and its sealed item with the reader's
    envelope (None: not shared with the reader yet)."""

    goal: Goal
    sealed: tuple[Item, Envelope] | None


@dataclass(frozen=True)
class SessionTime:
    """A planned session as a home shows it (read as a plain row, not an ORM object)."""

    id: str
    process_id: str
    starts_at: datetime
    minutes: int


@dataclass(frozen=True)
class ProcessRef:
    """What a home shows of a process itself (read as a plain row, not an ORM object)."""

    id: str
    status: str


@dataclass
class HomeProcess:
    """One process on a home: the process, the reader's role, its sealed name for the
    reader (the title item in the API's wire form with the reader's envelope, as
    `data-sealed` JSON; None: not shared with the reader yet, or none), the next planned
    session, the goals, the reader's own items marked "bring to the next session" through
    it, and (for the supervisor) the supervisees' names."""

    process: ProcessRef
    role: str
    title: Markup | None
    has_title: bool
    next_session: SessionTime | None = None
    goals: list[GoalRow] = field(default_factory=list)
    bring_count: int = 0
    #: when the first of those shares ends (None: none ends)
    bring_until: datetime | None = None
    supervisees: list[str] = field(default_factory=list)
    #: a supervisee's: the next session's agenda is shared (they can read it before it)
    agenda_shared: bool = False
    #: a supervisee's: the last held session and whether its summary is there to read
    last_held: SessionTime | None = None
    summary_readable: bool = False
    name: str = ""  # the name's markup, built once per page by the view (processes.names)


@dataclass(frozen=True)
class ComingSession:
    session: SessionTime
    process: HomeProcess


@dataclass(frozen=True)
class Home:
    """Both sides of a person's home: what they supervise, and where they are supervised."""

    supervising: list[HomeProcess]
    supervised: list[HomeProcess]
    coming: list[ComingSession]

    @property
    def empty(self) -> bool:
        return not self.supervising and not self.supervised


def _live(envelope=Envelope):
    return or_(envelope.expires_at.is_(None), envelope.expires_at > utcnow())


def lands_on_home(user: User) -> bool:
    """Where signing in leads: a supervisor, or a member of a process that has not ended,
    to the home; anyone else to the journal. One query (none for a supervisor)."""
    if user.is_supervisor:
        return True
    return bool(db.session.scalar(select(exists().where(
        Membership.user_uid == user.uid, Membership.ended_at.is_(None),
        Process.id == Membership.process_id, Process.status.in_(OPEN_STATUSES)))))


@lru_cache(maxsize=1)
def _processes_statement():
    """The processes a person is a current member of, not ended: active first, newest."""
    order = func.coalesce(Process.activated_at, Process.created_at)
    return (select(Process.id, Process.status, Membership.role, has_title())
            .join(Membership, Membership.process_id == Process.id)
            .where(Membership.user_uid == bindparam("uid"), Membership.ended_at.is_(None),
                   Process.status.in_(OPEN_STATUSES))
            .order_by((Process.status != "active"), order.desc(), Process.id))


def home(user: User, now: datetime | None = None) -> Home:
    """Everything on the user's home in five queries, however many processes, sessions,
    goals and shares there are."""
    now = now or utcnow()
    rows = core_rows(_processes_statement(), {"uid": user.uid})      # with has_title
    pids = [pid for pid, _, _, _ in rows]
    readable = readable_titles(user.uid, pids)
    by_pid = {pid: HomeProcess(ProcessRef(pid, status), role, readable.get(pid),
                               bool(named))
              for pid, status, role, named in rows}
    if not pids:
        return Home([], [], [])
    supervised = [p for p in by_pid.values() if p.role != "supervisor"]
    supervising = [p for p in by_pid.values() if p.role == "supervisor"]
    coming = _sessions(by_pid, now, {p.process.id for p in supervising})
    if supervised:
        _goals(user, by_pid, [p.process.id for p in supervised])
        _between(user, by_pid, [p.process.id for p in supervised], now)
    if supervising:
        _supervisees(by_pid, [p.process.id for p in supervising])
    return Home(supervising, supervised, coming)


@lru_cache(maxsize=1)
def _sessions_statement():
    """The planned sessions of the fortnight (an index range per process), and after it
    each process's next planned one (an index seek per process), soonest first."""
    sessions, later = SupervisionSession, aliased(SupervisionSession)
    pids, now = bindparam("pids", expanding=True), bindparam("now", type_=UTCDateTime())
    horizon = bindparam("horizon", type_=UTCDateTime())
    columns = (sessions.id, sessions.process_id, sessions.starts_at, sessions.minutes)
    fortnight = select(*columns).where(
        sessions.process_id.in_(pids), sessions.status == "planned",
        sessions.starts_at >= now, sessions.starts_at <= horizon)
    first = (select(later.id)
             .where(later.process_id == Process.id, later.status == "planned",
                    later.starts_at >= now)
             .order_by(later.starts_at, later.id).limit(1).correlate(Process)
             .scalar_subquery())
    beyond = select(*columns).where(
        sessions.id.in_(select(first).where(Process.id.in_(pids))),
        sessions.starts_at > horizon)
    both = union_all(fortnight, beyond).subquery()
    return select(both).order_by(both.c.starts_at, both.c.id)


def _sessions(by_pid: dict[str, HomeProcess], now: datetime,
              supervising: set[str]) -> list[ComingSession]:
    """One query: of every listed process, its next planned session, and the planned ones
    within COMING_DAYS; the latter, of the processes the user supervises, are the
    supervisor's coming sessions, soonest first. Only those rows are read, however long the
    schedules are (the fortnight an index range, each process's first an index seek)."""
    horizon = now + timedelta(days=COMING_DAYS)
    rows = core_rows(_sessions_statement(),
                   {"pids": list(by_pid), "now": now, "horizon": horizon})
    coming = []
    for sid, pid, starts_at, minutes in rows:
        session = SessionTime(sid, pid, starts_at, minutes)
        row = by_pid[pid]
        if row.next_session is None:
            row.next_session = session
        if pid in supervising and session.starts_at <= horizon:
            coming.append(ComingSession(session, row))
    return coming


def _goals(user: User, by_pid: dict[str, HomeProcess], pids: list[str]) -> None:
    """One query: the goals of the processes, in order, each with the reader's envelope of
    its item when they hold one."""
    env = aliased(Envelope)
    rows = db.session.execute(
        select(Goal, Item, env)
        .join(Item, Item.id == Goal.item_id)
        .outerjoin(env, and_(env.item_id == Item.id, env.recipient_uid == user.uid,
                             _live(env)))
        .where(Goal.process_id.in_(pids))
        .order_by(Goal.process_id, Goal.position, Goal.item_id)).all()
    for goal, item, envelope in rows:
        by_pid[goal.process_id].goals.append(
            GoalRow(goal, (item, envelope) if envelope is not None else None))


@lru_cache(maxsize=1)
def _between_statement():
    """Per process: how many of the reader's own items its supervisor has, live, marked
    "bring to the next session"; its last held session (an index seek), whether that
    session's summary has a live envelope for the reader, and whether the next planned
    session's agenda is shared (correlated subqueries, one row per process)."""
    held, planned = aliased(SupervisionSession), aliased(SupervisionSession)
    now, reader = bindparam("now", type_=UTCDateTime()), bindparam("reader")
    marked = aliased(Envelope)
    counted = (marked.process_id == Process.id, marked.bring.is_(True),
               marked.recipient_uid != reader, Item.author_uid == reader,
               or_(marked.expires_at.is_(None), marked.expires_at > now))
    bring = (select(func.count(func.distinct(marked.item_id)))
             .join(Item, Item.id == marked.item_id).where(*counted)
             .correlate(Process).scalar_subquery())
    # when the first of them ends (the count changes then by the clock alone)
    bring_until = (select(func.min(marked.expires_at))
                   .join(Item, Item.id == marked.item_id).where(*counted)
                   .correlate(Process).scalar_subquery())
    last = (select(held.id)
            .where(held.process_id == Process.id, held.status == "held")
            .order_by(held.starts_at.desc(), held.id.desc()).limit(1)
            .correlate(Process).scalar_subquery())
    upcoming = (select(planned.id)
                .where(planned.process_id == Process.id, planned.status == "planned",
                       planned.starts_at >= now)
                .order_by(planned.starts_at, planned.id).limit(1)
                .correlate(Process).scalar_subquery())
    shared = exists().where(Agenda.session_id == upcoming, Agenda.shared_at.is_not(None))
    per_process = (select(Process.id.label("pid"), last.label("sid"),
                          shared.label("agenda_shared"), bring.label("bring"),
                          bring_until.label("bring_until"))
                   .where(Process.id.in_(bindparam("pids", expanding=True))).subquery())
    summary = exists().where(
        Item.session_id == per_process.c.sid, Item.kind == "summary",
        Envelope.item_id == Item.id, Envelope.recipient_uid == reader,
        or_(Envelope.expires_at.is_(None), Envelope.expires_at > now))
    return (select(per_process.c.pid, per_process.c.bring, per_process.c.bring_until,
                   per_process.c.agenda_shared, SupervisionSession.id,
                   SupervisionSession.starts_at, SupervisionSession.minutes, summary)
            .outerjoin(SupervisionSession, SupervisionSession.id == per_process.c.sid))


def _between(user: User, by_pid: dict[str, HomeProcess], pids: list[str],
             now: datetime) -> None:
    """One query: for the processes the user is supervised in, what they bring to the next
    session, what came of the last one and what is ready for the next: the marked shares,
    the last held session with whether its summary is there for them, and whether the next
    session's agenda is shared."""
    rows = core_rows(_between_statement(), {"pids": pids, "reader": user.uid, "now": now})
    for pid, bring, bring_until, agenda_shared, sid, starts_at, minutes, summary in rows:
        row = by_pid[pid]
        row.bring_count = bring or 0
        row.bring_until = bring_until
        row.agenda_shared = bool(agenda_shared)
        if sid is not None:
            row.last_held = SessionTime(sid, pid, starts_at, minutes)
            row.summary_readable = bool(summary)


@lru_cache(maxsize=1)
def _supervisees_statement():
    return (select(Membership.process_id, User.display_name)
            .join(User, User.uid == Membership.user_uid)
            .where(Membership.process_id.in_(bindparam("pids", expanding=True)),
                   Membership.ended_at.is_(None), Membership.role == "supervisee")
            .order_by(Membership.process_id, Membership.joined_at, Membership.id))


def _supervisees(by_pid: dict[str, HomeProcess], pids: list[str]) -> None:
    """One query: the display names of each process's current supervisees."""
    names: dict[str, list[str]] = defaultdict(list)
    for pid, name in core_rows(_supervisees_statement(), {"pids": pids}):
        names[pid].append(name)
    for pid, row in by_pid.items():
        if pid in names:
            row.supervisees = names[pid]
