"""What the homes show, read in a constant number of queries whatever the counts (as
processes/queries.py): the processes a person is in, each one's sealed name, the next
planned session, the goals, the "bring to the next session" marks, and a supervisor's coming
sessions across all their processes with the supervisees' names.

Only structure and ciphertext: names and goals are sealed items the browser opens."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Envelope, Goal, Item, Membership, Process, SupervisionSession, User
from ..models.types import utcnow
from ..processes.queries import titles

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


@dataclass
class HomeProcess:
    """One process on a home: the process, the reader's role, its sealed name for the
    reader, the next planned session, the goals, the reader's own items marked "bring to
    the next session" through it, and (for the supervisor) the supervisees' names."""

    process: Process
    role: str
    title: tuple[Item, Envelope] | None
    has_title: bool
    next_session: SessionTime | None = None
    goals: list[GoalRow] = field(default_factory=list)
    bring_count: int = 0
    supervisees: list[str] = field(default_factory=list)


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


def home(user: User, now: datetime | None = None) -> Home:
    """Everything on the user's home in six queries, however many processes, sessions,
    goals and shares there are."""
    now = now or utcnow()
    order = func.coalesce(Process.activated_at, Process.created_at)
    rows = db.session.execute(
        select(Process, Membership.role)
        .join(Membership, Membership.process_id == Process.id)
        .where(Membership.user_uid == user.uid, Membership.ended_at.is_(None),
               Process.status.in_(OPEN_STATUSES))
        .order_by((Process.status != "active"), order.desc(), Process.id)).all()
    pids = [process.id for process, _ in rows]
    readable, named = titles(user.uid, pids)                       # two queries
    by_pid = {process.id: HomeProcess(process, role, readable.get(process.id),
                                      process.id in named)
              for process, role in rows}
    if not pids:
        return Home([], [], [])
    supervised = [p for p in by_pid.values() if p.role != "supervisor"]
    supervising = [p for p in by_pid.values() if p.role == "supervisor"]
    coming = _sessions(by_pid, now, {p.process.id for p in supervising})
    if supervised:
        _goals(user, by_pid, [p.process.id for p in supervised])
        _bring_counts(user, by_pid, [p.process.id for p in supervised])
    if supervising:
        _supervisees(by_pid, [p.process.id for p in supervising])
    return Home(supervising, supervised, coming)


def _sessions(by_pid: dict[str, HomeProcess], now: datetime,
              supervising: set[str]) -> list[ComingSession]:
    """One query: of every listed process, its next planned session, and the planned ones
    within COMING_DAYS; the latter, of the processes the user supervises, are the
    supervisor's coming sessions, soonest first. Only those rows are read, however long the
    schedules are (a window numbers each process's sessions from now on)."""
    horizon = now + timedelta(days=COMING_DAYS)
    number = func.row_number().over(partition_by=SupervisionSession.process_id,
                                    order_by=(SupervisionSession.starts_at,
                                              SupervisionSession.id)).label("n")
    ahead = (select(SupervisionSession.id, SupervisionSession.process_id,
                    SupervisionSession.starts_at, SupervisionSession.minutes, number)
             .where(SupervisionSession.process_id.in_(list(by_pid)),
                    SupervisionSession.status == "planned",
                    SupervisionSession.starts_at >= now)
             .subquery())
    rows = db.session.execute(
        select(ahead.c.id, ahead.c.process_id, ahead.c.starts_at, ahead.c.minutes)
        .where(or_(ahead.c.n == 1, ahead.c.starts_at <= horizon))
        .order_by(ahead.c.starts_at, ahead.c.id)).all()
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


def _bring_counts(user: User, by_pid: dict[str, HomeProcess], pids: list[str]) -> None:
    """One query: how many of the user's own items each process's supervisor has, live,
    marked "bring to the next session"."""
    rows = db.session.execute(
        select(Envelope.process_id, func.count(func.distinct(Envelope.item_id)))
        .join(Item, Item.id == Envelope.item_id)
        .where(Envelope.process_id.in_(pids), Envelope.bring.is_(True),
               Envelope.recipient_uid != user.uid, Item.author_uid == user.uid, _live())
        .group_by(Envelope.process_id)).all()
    for pid, count in rows:
        by_pid[pid].bring_count = count


def _supervisees(by_pid: dict[str, HomeProcess], pids: list[str]) -> None:
    """One query: the display names of each process's current supervisees."""
    names: dict[str, list[str]] = defaultdict(list)
    rows = db.session.execute(
        select(Membership.process_id, User.display_name)
        .join(User, User.uid == Membership.user_uid)
        .where(Membership.process_id.in_(pids), Membership.ended_at.is_(None),
               Membership.role == "supervisee")
        .order_by(Membership.process_id, Membership.joined_at, Membership.id)).all()
    for pid, name in rows:
        names[pid].append(name)
    for pid, row in by_pid.items():
        if pid in names:
            row.supervisees = names[pid]
