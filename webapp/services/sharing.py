"""Sharing with the supervisor (issue 9): what a supervisee has shared, what one supervisee
shares with their supervisor through one process, the item's readers for a key rotation,
revoking, and the purge of expired shares.

Shares are envelopes (PROTOCOL §5): an envelope to someone other than the item's author, made
through a process. The server sees only structure (who, through which process, until when,
the "bring to the next session" mark); titles and texts are opened in the browser.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Select, and_, bindparam, delete, exists, func, or_, select, tuple_, update
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Envelope, Item, Membership, Process, SupervisionSession, User
from ..models.types import UTCDateTime, utcnow
from . import items
from .errors import NotFound

#: The kinds listed one by one as shared entries ("What I have shared", the supervisor's
#: view of one supervisee): reflections. Answers and check-ins are listed by "What I have
#: shared" through their assignment and goal (shared_answers, shared_checkin_goals); a goal's
#: check-ins are seen on the goal's page, proposed topics on the topics page.
LISTED_KINDS = ("entry",)


def _live(envelope=Envelope):
    """An envelope that has not expired (an expired one counts as deleted, PROTOCOL §5)."""
    return or_(envelope.expires_at.is_(None), envelope.expires_at > utcnow())


# -- the supervisee's side ---------------------------------------------------------------------

@dataclass(frozen=True)
class ShareTarget:
    """A process the user may share through, with its supervisor: the process's sealed name
    (a `title` item the user can read, or None while the supervisor has not shared it yet)
    and its frame, from which the browser computes "until the end of the next session"."""

    process: Process
    supervisor: User
    title: tuple[Item, Envelope] | None
    #: The process's schedule, when it has one: the end of its next planned session (None:
    #: none left). Absent (the default) for a process without sessions: the frame says.
    next_session_end: datetime | None | bool = False

    @property
    def frame(self) -> dict[str, str | int | None]:
        p = self.process
        frame = {"starts_on": _iso(p.starts_on), "ends_on": _iso(p.ends_on),
                 "interval_days": p.interval_days, "session_count": p.session_count,
                 "session_minutes": p.session_minutes}
        if self.next_session_end is not False:
            end = self.next_session_end
            frame["next_session_end"] = end.isoformat() if end else None
        return frame


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def share_targets(user: User) -> list[ShareTarget]:
    """The processes the user is an active supervisee of (not ended), each with its
    supervisor and sealed name: where "share with the supervisor" can go."""
    rows = db.session.execute(
        select(Process, User)
        .join(Membership, Membership.process_id == Process.id)
        .join(User, User.uid == Process.supervisor_uid)
        .where(Membership.user_uid == user.uid, Membership.ended_at.is_(None),
               Membership.role == "supervisee", Process.status != "ended",
               Process.supervisor_uid != user.uid)
        .order_by(Process.created_at, Process.id)).all()
    pids = [process.id for process, _ in rows]
    titles = _titles(user, pids)
    ends = _next_session_ends(pids)
    return [ShareTarget(process, supervisor, titles.get(process.id),
                        ends.get(process.id, False))
            for process, supervisor in rows]


def _next_session_ends(pids: list[str]) -> dict[str, datetime | None]:
    """{pid: the end of its next planned session, or None when none is left} for each of
    `pids` that has a schedule at all; two queries whatever the counts."""
    if not pids:
        return {}
    now = utcnow()
    scheduled = db.session.scalars(select(SupervisionSession.process_id)
                                   .where(SupervisionSession.process_id.in_(pids)).distinct())
    ends: dict[str, datetime | None] = dict.fromkeys(scheduled)
    rows = db.session.execute(
        select(SupervisionSession.process_id, SupervisionSession.starts_at,
               SupervisionSession.minutes)
        .where(SupervisionSession.process_id.in_(pids), SupervisionSession.status == "planned",
               # a session still running started at most the longest length ago
               SupervisionSession.starts_at > now - timedelta(minutes=480))
        .order_by(SupervisionSession.process_id, SupervisionSession.starts_at)).all()
    for pid, starts_at, minutes in rows:
        end = starts_at + timedelta(minutes=minutes)
        if ends.get(pid) is None and end > now:
            ends[pid] = end
    return ends


def _titles(reader: User, pids: list[str]) -> dict[str, tuple[Item, Envelope]]:
    """The newest readable `title` item of each process (its sealed name), by process id."""
    if not pids:
        return {}
    rows = db.session.execute(
        select(Item, Envelope).join(Envelope, Envelope.item_id == Item.id)
        .where(Item.kind == "title", Item.process_id.in_(pids),
               Envelope.recipient_uid == reader.uid, _live(),
               Envelope.item_kind == "title")  # the reader's envelopes by kind: an index range
        .order_by(Item.created_at)).all()
    return {item.process_id: (item, env) for item, env in rows}


def process_title(reader: User, pid: str) -> tuple[Item, Envelope] | None:
    """The process's sealed name as the reader can open it, or None."""
    return _titles(reader, [pid]).get(pid)


@dataclass(frozen=True)
class Share:
    """One active share of the author's item: the author's own copy of the item (to open its
    title) and the reader's envelope (who, through which process, until when, the mark)."""

    item: Item
    own: Envelope
    share: Envelope
    reader: User


def _shares_of(author_uid: str) -> Select:
    own = aliased(Envelope)
    return (select(Item, own, Envelope, User)
            .join(Envelope, Envelope.item_id == Item.id)
            .join(own, and_(own.item_id == Item.id, own.recipient_uid == Item.author_uid))
            .join(User, User.uid == Envelope.recipient_uid)
            .where(Item.author_uid == author_uid, Envelope.recipient_uid != author_uid,
                   _live()))


def my_shares(author: User) -> list[Share]:
    """Every active share of the author's reflections ("What I have shared"): live envelopes
    to someone else, by process, then reader, then marked first, then newest item first.
    (Answers and check-ins: shared_answers, shared_checkin_goals; topics are for the
    supervisor by design: LISTED_KINDS.)"""
    rows = db.session.execute(_shares_of(author.uid).where(Item.kind.in_(LISTED_KINDS)).order_by(
        Envelope.process_id, Envelope.recipient_uid, Envelope.bring.desc(),
        Envelope.item_created_at.desc(), Envelope.item_id)).all()
    return [Share(*row) for row in rows]


def item_shares(author: User, item_id: str) -> tuple[Item, list[Share]]:
    """One item of the author's and its active shares; 404 for anyone but the author."""
    item, _ = items.get_item(author, item_id)
    if item.author_uid != author.uid:
        raise NotFound("item not found")
    rows = db.session.execute(_shares_of(author.uid).where(Item.id == item_id)
                              .order_by(Envelope.created_at, Envelope.id)).all()
    return item, [Share(*row) for row in rows]


@dataclass(frozen=True)
class Readers:
    """What the author's client needs to rotate an item's key (PROTOCOL §5): the readers who
    keep access (their envelopes are made again with the new key; the server keeps each
    one's process, expiry and mark) and whether a rotation is due."""

    readers: list[Envelope]
    rekey_due: bool


def readers(author: User, item_id: str) -> Readers:
    """The item's live readers other than the author, and whether its key should be
    rotated: a reader was revoked or purged (items.rekey_due), or an envelope expired and
    waits for the purge. 404 for anyone but the author."""
    item, _ = items.get_item(author, item_id)
    if item.author_uid != author.uid:
        raise NotFound("item not found")
    others = db.session.scalars(select(Envelope).where(
        Envelope.item_id == item_id, Envelope.recipient_uid != author.uid)
        .order_by(Envelope.id)).all()
    now = utcnow()
    live = [env for env in others if env.is_live(now)]
    return Readers(live, item.rekey_due or len(live) < len(others))


@dataclass(frozen=True)
class SharedAnswer:
    """An answer of the author's to an interim assignment that someone else may read: the
    assignment item (its sealed title) with the author's own envelope of it (None if she holds
    none), the answer's id, and the reader's envelope."""

    assignment: Item
    assignment_envelope: Envelope | None
    response_id: str
    share: Envelope
    reader: User


def shared_answers(author: User) -> list[SharedAnswer]:
    """Every live share of the author's answers to assignments, by process, then reader, then
    newest answer first (one query)."""
    from ..models.assignments import AssignmentAssignee

    own = aliased(Envelope)
    rows = db.session.execute(
        select(Item, own, AssignmentAssignee.response_id, Envelope, User)
        .select_from(AssignmentAssignee)
        .join(Envelope, Envelope.item_id == AssignmentAssignee.response_id)
        .join(User, User.uid == Envelope.recipient_uid)
        .join(Item, Item.id == AssignmentAssignee.assignment_id)
        .outerjoin(own, and_(own.item_id == Item.id, own.recipient_uid == author.uid,
                             _live(own)))
        .where(AssignmentAssignee.user_uid == author.uid,
               Envelope.recipient_uid != author.uid, _live())
        .order_by(Envelope.process_id, Envelope.recipient_uid,
                  Envelope.item_created_at.desc(), Envelope.item_id)).all()
    return [SharedAnswer(*row) for row in rows]


@dataclass(frozen=True)
class SharedCheckins:
    """A goal whose check-ins the author shares with the process's supervisor (turned on on
    the goal's page): the goal item (its sealed words) with the author's envelope of it (None
    while the supervisor has not shared it with her), and the supervisor."""

    goal: Item
    goal_envelope: Envelope | None
    process_id: str
    reader: User
    #: Her check-ins on the goal, and how many of them the reader can open (the earlier
    #: ones are shared only when she says so).
    checkins: int = 0
    shared: int = 0


def shared_checkin_goals(author: User) -> list[SharedCheckins]:
    """The goals whose check-ins the author shares, in the processes she is still a member
    of, by process, then the contract's order, with how many of her check-ins on each the
    supervisor can open (one query)."""
    from ..models.assignments import CheckinSharing
    from ..models.contracts import Goal

    own = aliased(Envelope)
    checkin, seen = aliased(Item), aliased(Envelope)
    mine = and_(checkin.kind == "checkin", checkin.goal_id == Item.id,
                checkin.author_uid == author.uid)
    total = select(func.count()).select_from(checkin).where(mine).scalar_subquery()
    shared = (select(func.count()).select_from(checkin)
              .join(seen, seen.item_id == checkin.id)
              .where(mine, seen.recipient_uid == Process.supervisor_uid, _live(seen))
              .scalar_subquery())
    rows = db.session.execute(
        select(Item, own, Process.id, User, total, shared)
        .select_from(CheckinSharing)
        .join(Item, Item.id == CheckinSharing.goal_id)
        .join(Process, Process.id == Item.process_id)
        .join(Membership, and_(Membership.process_id == Process.id,
                               Membership.user_uid == author.uid,
                               Membership.ended_at.is_(None)))
        .join(User, User.uid == Process.supervisor_uid)
        .outerjoin(Goal, Goal.item_id == Item.id)
        .outerjoin(own, and_(own.item_id == Item.id, own.recipient_uid == author.uid,
                             _live(own)))
        .where(CheckinSharing.user_uid == author.uid, CheckinSharing.shared.is_(True),
               Process.supervisor_uid != author.uid)
        .order_by(Process.id, Goal.position, Item.created_at, Item.id)).all()
    return [SharedCheckins(*row) for row in rows]


@dataclass
class ShareGroup:
    """What the author shares with one reader through one process ("What I have shared"):
    reflections, answers to assignments, and goals whose check-ins the reader sees."""

    process_id: str
    reader: User
    entries: list[Share] = field(default_factory=list)
    answers: list[SharedAnswer] = field(default_factory=list)
    checkin_goals: list[SharedCheckins] = field(default_factory=list)


def what_i_share(author: User) -> list[ShareGroup]:
    """Every active share of the author's, grouped by process and reader, in a stable order
    (three queries, whatever the counts)."""
    groups: dict[tuple[str, str], ShareGroup] = {}

    def group(pid: str, reader: User) -> ShareGroup:
        return groups.setdefault((pid, reader.uid), ShareGroup(pid, reader))

    for share in my_shares(author):
        group(share.share.process_id, share.reader).entries.append(share)
    for answer in shared_answers(author):
        group(answer.share.process_id, answer.reader).answers.append(answer)
    for goal in shared_checkin_goals(author):
        group(goal.process_id, goal.reader).checkin_goals.append(goal)
    return [groups[key] for key in sorted(groups)]


def revoke_all(author: User, process_id: str | None = None) -> int:
    """Revoke every active share of the author's items (through one process, if given):
    each envelope deleted at once, each item marked for a key rotation. Returns how many."""
    query = select(Envelope.item_id, Envelope.recipient_uid).join(
        Item, Item.id == Envelope.item_id).where(
        Item.author_uid == author.uid, Envelope.recipient_uid != author.uid, _live())
    if process_id is not None:
        query = query.where(Envelope.process_id == process_id)
    pairs = db.session.execute(query.order_by(Envelope.item_id, Envelope.recipient_uid)).all()
    for item_id, recipient in pairs:
        items.delete_envelope(author, item_id, recipient)
    return len(pairs)


# -- the supervisor's side ---------------------------------------------------------------------

@dataclass(frozen=True)
class SharedRow:
    """One item a supervisee shares with the supervisor, as the viewer opens it: the item in
    the API's wire form with the viewer's own envelope (the supervisor's share envelope, or
    the supervisee's own owner envelope), its creation time, and the supervisor's envelope's
    "bring to the next session" mark and expiry."""

    wire: items.Wire
    created_at: datetime
    bring: bool
    expires_at: datetime | None


class ProcessRef(NamedTuple):
    """What the supervisor's list shows of the process (a plain row, not an ORM object)."""

    id: str
    supervisor_uid: str


class PersonRef(NamedTuple):
    """What the supervisor's list shows of the supervisee (a plain row)."""

    uid: str
    display_name: str


@dataclass(frozen=True)
class SharedWithSupervisor:
    """One page of what one supervisee shares with the supervisor through one process, and
    the cursor of the next page (None on the last)."""

    process: ProcessRef
    supervisee: PersonRef
    rows: list[SharedRow]
    next: tuple[bool, datetime, str] | None = None


@lru_cache(maxsize=2)
def _shared_statement(paged: bool):
    """The page query, built once (bound parameters): the supervisor's live share envelopes
    through the process for the supervisee's items, joined to the viewer's own envelope,
    read as plain rows. Order: marked first, then newest; keyset on (bring, created, id)."""
    sup, mine = aliased(Envelope), aliased(Envelope)
    now = bindparam("now")
    live = [or_(env.expires_at.is_(None), env.expires_at > now) for env in (sup, mine)]
    statement = (
        select(Item.id, Item.kind, Item.author_uid, Item.rev, Item.h, Item.iv, Item.ct,
               Item.sig, Item.process_id, Item.parent_id, Item.session_id, Item.goal_id,
               Item.created_at, Item.updated_at, mine.recipient_uid, mine.type, mine.epk,
               mine.iv.label("env_iv"), mine.ct.label("env_ct"), sup.bring,
               sup.expires_at.label("sup_expires_at"))
        .join(sup, sup.item_id == Item.id)
        .join(mine, and_(mine.item_id == Item.id, mine.recipient_uid == bindparam("viewer")))
        .where(Item.author_uid == bindparam("uid"), Item.kind.in_(LISTED_KINDS),
               sup.recipient_uid == bindparam("supervisor"), sup.process_id == bindparam("pid"),
               *live)
        .order_by(sup.bring.desc(), sup.item_created_at.desc(), sup.item_id.desc())
        .limit(bindparam("limit")))
    if paged:
        statement = statement.where(
            tuple_(sup.bring, sup.item_created_at, sup.item_id)
            < tuple_(bindparam("b_bring"), bindparam("b_created", type_=UTCDateTime()),
                     bindparam("b_id")))
    return statement


def shared_with_supervisor(viewer: User, pid: str, uid: str, *,
                           before: tuple[bool, datetime, str] | None = None,
                           limit: int = 20) -> SharedWithSupervisor:
    """The items `uid` shares with the supervisor of process `pid` through it, "bring to the
    next session" first, then newest, a page of `limit` after the cursor `before`. Only the
    process's supervisor, or the supervisee themself, may look; 404 for anyone else, for a
    process or person that is not there, and for a person who is not a current supervisee of
    the process."""
    page = shared_page(viewer, pid, uid, before=before, limit=limit)
    return SharedWithSupervisor(page.process, page.supervisee, shared_rows(page.rows),
                                page.next)


class SharedPage(NamedTuple):
    """shared_with_supervisor's page as the plain rows it read (a tuple of tuples, equal and
    hashable by value: a view can key what it made of the page on the page itself);
    shared_rows(rows) are its SharedRows."""

    process: ProcessRef
    supervisee: PersonRef
    rows: tuple[tuple, ...]
    next: tuple[bool, datetime, str] | None
    #: the process's name for the viewer: its newest title item they hold a live envelope
    #: for, as a plain row of the wire columns (None: none shared with them yet)
    title: tuple | None = None
    #: when the first share the page read ends (the page changes then: None, none ends)
    ends_at: datetime | None = None


def shared_page(viewer: User, pid: str, uid: str, *,
                before: tuple[bool, datetime, str] | None = None,
                limit: int = 20) -> SharedPage:
    """shared_with_supervisor's page and access rules (404), its rows left as read, and the
    process's name for the viewer. Two queries."""
    now = utcnow()
    found = _rows(_access_statement(), {"pid": pid, "uid": uid, "viewer": viewer.uid,
                                        "now": now})
    if not found:
        raise NotFound("not found")
    supervisor_uid, display_name, *title = found[0]
    values = {"now": now, "viewer": viewer.uid, "uid": uid,
              "supervisor": supervisor_uid, "pid": pid, "limit": limit + 1}
    if before is not None:
        values.update(b_bring=before[0], b_created=before[1], b_id=before[2])
    rows = _rows(_shared_statement(before is not None), values)
    last = rows[limit - 1] if len(rows) > limit else None
    cursor = (bool(last.bring), last.created_at, last.id) if last is not None else None
    ends = [row.sup_expires_at for row in rows if row.sup_expires_at is not None]
    # Plain tuples: a Row compares in Python, a tuple in C.
    return SharedPage(ProcessRef(pid, supervisor_uid), PersonRef(uid, display_name),
                      tuple(map(tuple, rows[:limit])), cursor,
                      tuple(title) if title[0] is not None else None,
                      min(ends) if ends else None)


def shared_rows(rows: tuple[tuple, ...]) -> list[SharedRow]:
    """A SharedPage's rows as SharedRows (the wire form with the viewer's envelope; the
    supervisor's envelope's mark and expiry are the last two columns)."""
    return [SharedRow(items.wire_of(row), row[12], bool(row[19]), row[20]) for row in rows]


@lru_cache(maxsize=1)
def _access_statement():
    """Who may look, in one query (built once): a row (the process's supervisor, the
    supervisee's name, then the process's name item for the viewer in the wire columns, all
    None when they hold none) when the process exists, the viewer is its supervisor or the
    supervisee, the viewer's membership has not ended, and the person is a current
    supervisee of it; no row otherwise. The name is the newest title item of the process
    the viewer holds a live envelope for (an index seek per process)."""
    person, viewer = aliased(Membership), aliased(Membership)
    uid, viewer_uid = bindparam("uid"), bindparam("viewer")
    now = bindparam("now", type_=UTCDateTime())
    named, named_env = aliased(Item), aliased(Envelope)
    newest_title = (select(named.id)
                    .join(named_env, named_env.item_id == named.id)
                    .where(named.kind == "title", named.process_id == Process.id,
                           named_env.recipient_uid == viewer_uid,
                           named_env.item_kind == "title",
                           or_(named_env.expires_at.is_(None), named_env.expires_at > now))
                    .order_by(named.created_at.desc(), named.id.desc()).limit(1)
                    .correlate(Process).scalar_subquery())
    return (select(Process.supervisor_uid, User.display_name,
                   Item.id, Item.kind, Item.author_uid, Item.rev, Item.h, Item.iv, Item.ct,
                   Item.sig, Item.process_id, Item.parent_id, Item.session_id, Item.goal_id,
                   Item.created_at, Item.updated_at, Envelope.recipient_uid, Envelope.type,
                   Envelope.epk, Envelope.iv, Envelope.ct)
            .join(person, and_(person.process_id == Process.id, person.user_uid == uid,
                               person.ended_at.is_(None), person.role == "supervisee"))
            .join(User, User.uid == person.user_uid)
            .outerjoin(Item, Item.id == newest_title)
            .outerjoin(Envelope, and_(Envelope.item_id == Item.id,
                                      Envelope.recipient_uid == viewer_uid))
            .where(Process.id == bindparam("pid"),
                   or_(Process.supervisor_uid == viewer_uid, person.user_uid == viewer_uid),
                   exists().where(viewer.process_id == Process.id,
                                  viewer.user_uid == viewer_uid, viewer.ended_at.is_(None))))


def _rows(statement, values: dict) -> list:
    """A Core select built once, executed on the session's connection and read as plain
    rows (as services.items.core_rows; pending changes flushed first, as autoflush would)."""
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.flush()
    return db.session.connection().execute(statement, values).all()


# -- the purge ---------------------------------------------------------------------------------

def purge_expired(now: datetime | None = None) -> int:
    """Delete every expired envelope (they already count as deleted, PROTOCOL §5) and mark
    their items for a key rotation by the author's client. Returns how many were deleted.
    Run on a schedule (`flask --app webapp purge`)."""
    now = now or utcnow()
    expired = and_(Envelope.expires_at.is_not(None), Envelope.expires_at <= now)
    db.session.execute(
        update(Item).where(exists().where(Envelope.item_id == Item.id, expired))
        .values(rekey_due=True).execution_options(synchronize_session=False))
    count = db.session.execute(
        delete(Envelope).where(expired).execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    return count or 0
