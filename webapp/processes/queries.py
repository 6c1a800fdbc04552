"""What the process pages show, read in a constant number of queries whatever the counts:
the processes a person is in with their member counts, each process's sealed name for this
reader, and the shares a supervisor's client still owes its new members."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from markupsafe import Markup
from sqlalchemy import and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    Agenda,
    Envelope,
    Invite,
    Item,
    Membership,
    Process,
    ProcessVersion,
    SupervisionSession,
    User,
)
from ..models.types import UTCDateTime, utcnow
from ..services.errors import NotFound
from ..services.items import core_rows, wire_row
from .names import sealed_wire_json

#: The kinds of a process's own items that every member reads: the supervisor's client gives
#: a new member an envelope for each (the name now; the contract, goals and agendas later).
#: A supervisor's private notes are items of the process too, and are never in this list.
#: An agenda is not among them: it is its supervisor's alone while she drafts it, and her
#: Share button gives every member an envelope (webapp/services/agendas.py).
MEMBER_KINDS = ("title", "contract", "goal")


@lru_cache(maxsize=2)
def _versions_statement(one: bool):
    statement = (select(Membership.process_id, Membership.role, ProcessVersion.version)
                 .join(ProcessVersion, ProcessVersion.process_id == Membership.process_id)
                 .where(Membership.user_uid == bindparam("uid"), Membership.ended_at.is_(None)))
    if one:
        return statement.where(Membership.process_id == bindparam("pid"))
    return statement.order_by(Membership.process_id)


def versions(uid: str) -> tuple[tuple[str, str, int], ...]:
    """(process, role, version) of every process `uid` is a current member of, in one
    query: what a page about all of them (a home) keys what it built on. The versions are
    raised by the database with every change of a process (models.ProcessVersion)."""
    return tuple(map(tuple, core_rows(_versions_statement(False), {"uid": uid})))


def version(uid: str, pid: str) -> tuple[str, int] | None:
    """(role, version) of process `pid` for its current member `uid`; None for anyone else
    (the page's own check then answers 404)."""
    rows = core_rows(_versions_statement(True), {"uid": uid, "pid": pid})
    return (rows[0][1], rows[0][2]) if rows else None


@lru_cache(maxsize=1)
def _session_version_statement():
    return (select(Membership.role, ProcessVersion.version, Process.id, Process.status,
                   SupervisionSession.status)
            .join(Process, Process.id == SupervisionSession.process_id)
            .join(ProcessVersion, ProcessVersion.process_id == Process.id)
            .join(Membership, and_(Membership.process_id == Process.id,
                                   Membership.user_uid == bindparam("uid"),
                                   Membership.ended_at.is_(None)))
            .where(SupervisionSession.id == bindparam("sid")))


class SessionVersion(NamedTuple):
    role: str
    version: int
    pid: str
    process_status: str
    session_status: str


def session_version(uid: str, sid: str) -> SessionVersion | None:
    """For a session of a process `uid` is a current member of: their role, the process's
    version (as version()), the process's id and status and the session's status, in one
    query; None for anyone else and for a session that is not there."""
    rows = core_rows(_session_version_statement(), {"uid": uid, "sid": sid})
    return SessionVersion(*rows[0]) if rows else None


def _member_item():
    """An item every current member reads: one of MEMBER_KINDS, or the agenda of a session
    still planned once its supervisor has shared it (a draft stays hers; the agendas of held
    sessions belong to those who were there). Someone who joins later gets these from the
    supervisor's client like the process's name, instead of asking for them."""
    upcoming_agenda = exists().where(
        Agenda.item_id == Item.id, Agenda.shared_at.is_not(None),
        SupervisionSession.id == Agenda.session_id, SupervisionSession.status == "planned")
    return or_(Item.kind.in_(MEMBER_KINDS), and_(Item.kind == "agenda", upcoming_agenda))


@dataclass(frozen=True)
class ProcessRow:
    """One process on a home page: the process, the reader's role, how many active members
    it has, its name item for this reader (None: no envelope yet) and whether it has one."""

    process: Process
    role: str
    member_count: int
    title: tuple[Item, Envelope] | None
    has_title: bool


def _live_envelope(uid: str):
    return and_(Envelope.item_id == Item.id, Envelope.recipient_uid == uid,
                or_(Envelope.expires_at.is_(None), Envelope.expires_at > utcnow()))


def titles(uid: str, pids: list[str]) -> tuple[dict[str, tuple[Item, Envelope]], set[str]]:
    """({pid: (name item, the reader's envelope)}, {pids that have a name at all}). A name is
    an item of kind "title" of the process written by its supervisor; the newest wins."""
    if not pids:
        return {}, set()
    rows = db.session.execute(
        select(Item, Envelope).join(Process, Process.id == Item.process_id)
        .join(Envelope, _live_envelope(uid))
        # (the reader's envelopes by kind, an index range: not every envelope they hold)
        .where(Envelope.item_kind == "title", Item.process_id.in_(pids), Item.kind == "title",
               Item.author_uid == Process.supervisor_uid)
        .order_by(Item.created_at, Item.id)).all()
    readable = {item.process_id: (item, envelope) for item, envelope in rows}
    named = set(db.session.scalars(select(Process.id).where(
        Process.id.in_(pids), _has_title())))
    return readable, named


@lru_cache(maxsize=1)
def _title_statement():
    """titles()' first query as columns in wire_row's order, built once (bound parameters)."""
    return (select(Item.id, Item.kind, Item.author_uid, Item.rev, Item.h, Item.iv, Item.ct,
                   Item.sig, Item.process_id, Item.parent_id, Item.session_id, Item.goal_id,
                   Item.created_at, Item.updated_at, Envelope.recipient_uid, Envelope.type,
                   Envelope.epk, Envelope.iv, Envelope.ct)
            .join(Process, Process.id == Item.process_id)
            .join(Envelope, and_(Envelope.item_id == Item.id,
                                 Envelope.recipient_uid == bindparam("uid"),
                                 or_(Envelope.expires_at.is_(None),
                                     Envelope.expires_at > bindparam("now",
                                                                     type_=UTCDateTime()))))
            .where(Envelope.item_kind == "title",
                   Item.process_id.in_(bindparam("pids", expanding=True)),
                   Item.kind == "title", Item.author_uid == Process.supervisor_uid)
            .order_by(Item.created_at, Item.id))


def _has_title():
    """The process has a name: a title item written by its supervisor. An EXISTS per
    process, which stops at its first such item, instead of reading every item of every
    process (a process holds its members' shared items too) for a DISTINCT."""
    return exists().where(Item.process_id == Process.id, Item.kind == "title",
                          Item.author_uid == Process.supervisor_uid)


@lru_cache(maxsize=1)
def _named_statement():
    return select(Process.id).where(Process.id.in_(bindparam("pids", expanding=True)),
                                    _has_title())


def title_wires(uid: str, pids: list[str]) -> tuple[dict[str, dict], set[str]]:
    """titles() read as plain rows in the API's wire form (services.items.wire_row), for a
    page that only puts the name's ciphertext in a `data-sealed` attribute: ({pid: wire},
    {pids that have a name at all}), the same two queries and the same newest-wins rule,
    without building ORM objects."""
    if not pids:
        return {}, set()
    named = {pid for pid, in core_rows(_named_statement(), {"pids": pids})}
    return readable_titles(uid, pids), named


def readable_titles(uid: str, pids: list[str]) -> dict[str, Markup]:
    """title_wires()' first half as the pages use it, for a caller that knows which
    processes have a name (see has_title): {pid: the name item in wire form with the
    reader's envelope, as `data-sealed` JSON}, one query."""
    if not pids:
        return {}
    rows = core_rows(_title_statement(), {"uid": uid, "pids": pids, "now": utcnow()})
    return {row[8]: row_json(tuple(row)) for row in rows}


@lru_cache(maxsize=1024)
def row_json(row: tuple) -> Markup:
    """An item's plain row (wire_row's columns) as `data-sealed` JSON: a pure function of
    the row, kept, since a supervisor's pages show the same thirty names on every visit
    (a renamed process is a new row: a new rev, a new envelope)."""
    return sealed_wire_json(wire_row(row))


def shown_process(uid: str, pid: str) -> tuple[Process, bool]:
    """The process for its current member, and whether it has a name, in one query (as
    services.processes.get_process, which reads the membership and then the process, and
    title_wires' second query): 404 for anyone else, former members too."""
    row = db.session.execute(_shown_statement(), {"uid": uid, "pid": pid}).first()
    if row is None:
        raise NotFound("process not found", "process_not_found")
    return row[0], bool(row[1])


@lru_cache(maxsize=1)
def _shown_statement():
    return (select(Process, has_title())
            .join(Membership, and_(Membership.process_id == Process.id,
                                   Membership.user_uid == bindparam("uid"),
                                   Membership.ended_at.is_(None)))
            .where(Process.id == bindparam("pid")))


def has_title():
    """A column: whether the process (Process) has a name (as title_wires' second query),
    to read along with the process's own row instead of in a query of its own."""
    return _has_title().label("has_title")


def home(user: User) -> list[ProcessRow]:
    """The processes the user is a current member of: active, then drafts, then ended;
    newest first within each (as services.processes.list_processes)."""
    counts = (select(Membership.process_id, func.count().label("n"))
              .where(Membership.ended_at.is_(None)).group_by(Membership.process_id).subquery())
    mine = aliased(Membership)
    order = func.coalesce(Process.activated_at, Process.created_at)
    rows = db.session.execute(
        select(Process, mine.role, counts.c.n)
        .join(mine, and_(mine.process_id == Process.id, mine.user_uid == user.uid,
                         mine.ended_at.is_(None)))
        .join(counts, counts.c.process_id == Process.id)
        .order_by(order.desc(), Process.id)).all()
    rank = {"active": 0, "draft": 1, "ended": 2}
    rows = sorted(rows, key=lambda row: rank[row[0].status])
    readable, named = titles(user.uid, [row[0].id for row in rows])
    return [ProcessRow(process, role, count, readable.get(process.id), process.id in named)
            for process, role, count in rows]


def members(pid: str) -> list[Membership]:
    """The active members of a process with their accounts, supervisor first."""
    return list(db.session.scalars(
        select(Membership).where(Membership.process_id == pid, Membership.ended_at.is_(None))
        .order_by((Membership.role != "supervisor"), Membership.joined_at, Membership.id)))


class MemberRow(NamedTuple):
    """A current member as the process page lists them (a plain row)."""

    user_uid: str
    role: str
    display_name: str


@lru_cache(maxsize=1)
def _member_statement():
    return (select(Membership.user_uid, Membership.role, User.display_name)
            .join(User, User.uid == Membership.user_uid)
            .where(Membership.process_id == bindparam("pid"), Membership.ended_at.is_(None))
            .order_by((Membership.role != "supervisor"), Membership.joined_at, Membership.id))


def member_rows(pid: str) -> list[MemberRow]:
    """members(), each with the name only, read as plain rows in one query."""
    return [MemberRow(*row) for row in core_rows(_member_statement(), {"pid": pid})]


def members_and_lacking(pid: str) -> tuple[list[MemberRow], set[str]]:
    """member_rows() and the uids of the members who lack an envelope for one of the
    process's member items (those shares_due lists for it), in one query: the page of the
    process's supervisor."""
    rows = core_rows(_member_lacking_statement(), {"pid": pid})
    return [MemberRow(*row[:3]) for row in rows], {row[0] for row in rows if row[3]}


@lru_cache(maxsize=1)
def _member_lacking_statement():
    """_member_statement with a column: the member is one shares_due would list for the
    process (not its supervisor, the process not ended, a member item (_member_item) by the
    supervisor that the member holds no envelope for)."""
    held = (exists().where(Envelope.item_id == Item.id,
                           Envelope.recipient_uid == Membership.user_uid)
            .correlate_except(Envelope))
    lacking = and_(Membership.user_uid != Process.supervisor_uid, Process.status != "ended",
                   exists().where(Item.process_id == Process.id,
                                  Item.author_uid == Process.supervisor_uid,
                                  _member_item(), ~held))
    return (select(Membership.user_uid, Membership.role, User.display_name,
                   lacking.label("lacking"))
            .join(User, User.uid == Membership.user_uid)
            .join(Process, Process.id == Membership.process_id)
            .where(Membership.process_id == bindparam("pid"), Membership.ended_at.is_(None))
            .order_by((Membership.role != "supervisor"), Membership.joined_at, Membership.id))


class InviteRow(NamedTuple):
    """An invite as the process page lists it (a plain row; Invite.state's rule)."""

    id: str
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime | None = None) -> str:
        """open, used, revoked or expired."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= (now or utcnow()):
            return "expired"
        return "open"


def invites(pid: str) -> list[InviteRow]:
    """The process's invites, newest first, as plain rows."""
    return [InviteRow(*row) for row in core_rows(_invite_statement(), {"pid": pid})]


@lru_cache(maxsize=1)
def _invite_statement():
    return (select(Invite.id, Invite.expires_at, Invite.used_at, Invite.revoked_at)
            .where(Invite.process_id == bindparam("pid"))
            .order_by(Invite.created_at.desc(), Invite.id))


def shares_due(supervisor_uid: str) -> list[tuple[str, str, str]]:
    """(item id, process id, member uid) for every item of a process the user supervises and
    has not ended that every member reads (_member_item: its name, contract, goals, the shared
    agenda of a coming session), written by the supervisor, that an active member holds no
    envelope for: what the supervisor's client shares next."""
    return [(item_id, pid, uid) for item_id, pid, uid in core_rows(
        _due_statement("supervisor"), {"supervisor": supervisor_uid})]


@lru_cache(maxsize=2)
def _due_statement(by: str):
    """The query of shares_due, of one process ("pid") or of a supervisor's ("supervisor"),
    built once (bound parameters)."""
    processes = select(Process.id).where(
        Process.id == bindparam("pid") if by == "pid"
        else Process.supervisor_uid == bindparam("supervisor"))
    member = aliased(Membership)
    held = exists().where(Envelope.item_id == Item.id,
                          Envelope.recipient_uid == member.user_uid)
    return (select(Item.id, Item.process_id, member.user_uid)
            .join(Process, Process.id == Item.process_id)
            .join(member, and_(member.process_id == Item.process_id, member.ended_at.is_(None),
                               member.user_uid != Process.supervisor_uid))
            .where(Item.process_id.in_(processes), Process.status != "ended",
                   Item.author_uid == Process.supervisor_uid, _member_item(), ~held)
            .order_by(Item.process_id, member.user_uid, Item.created_at, Item.id))
