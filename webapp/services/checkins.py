"""Goal check-ins (issue 10, scaling questions): a supervisee's quick 0–10 check-in on a goal
of their process's contract, with an optional note, and whether the supervisor sees them.

A check-in is a sealed item of kind "checkin" of the process (`process_id`) linked to the
goal item (`goal_id`); its value and note live only inside the sealed payload
({"value": 0..10, "note": text}). The server keeps the structure: which goal, whose, when.

Per goal the supervisee decides whether the supervisor sees the check-ins
(CheckinSharing, one row per goal and supervisee, written by an atomic upsert):
- on: each new check-in is written with an envelope for the supervisor through the process
  (the item PUT allows it: a new reader through the item's own process); the client offers to
  share the earlier ones too (PUT /items/{id}/envelopes/{uid}).
- off: every envelope of that goal's check-ins by that supervisee to anyone else is deleted
  at once and the items are marked for a key rotation by the author's client (PROTOCOL §5);
  while off, no envelope of such a check-in to anyone else is accepted (the item PUT and the
  envelope endpoint ask `check_readers`). Both sides take the process row lock first
  and the switch's row: turning the switch upserts the row (which holds it until commit)
  and a share reads it FOR SHARE (SQLite's write transaction is exclusive anyway), so a
  switch racing a share comes out in one order: never "off" with an envelope left.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import CheckinSharing, Envelope, Goal, Item, Membership, Process, User
from ..models.types import utcnow
from . import processes
from .errors import Conflict, Forbidden, InvalidInput, NotFound

KIND = "checkin"


# -- who and what --------------------------------------------------------------------------------

def _goal_of(pid: str, goal_id: str) -> Goal:
    goal = db.session.get(Goal, goal_id)
    if goal is None or goal.process_id != pid:
        raise NotFound("goal not found", "goal_not_found")
    return goal


def _supervisee_of(user: User, pid: str) -> Process:
    """The process for one of its supervisees: 404 for non-members, 403 for its supervisor."""
    process = processes.get_process(user, pid)
    if process.supervisor_uid == user.uid:
        raise Forbidden("Check-ins are the supervisees' own.", "not_supervisee")
    return process


def is_shared(goal_id: str, uid: str, *, lock: bool = False) -> bool:
    """Whether the supervisee shares their check-ins on the goal (default: not). `lock`
    reads the row FOR SHARE (PostgreSQL): a switch being turned holds it (the upsert) until
    it commits, so a share checked here waits and then reads the switch's new value."""
    query = select(CheckinSharing.shared).where(CheckinSharing.goal_id == goal_id,
                                                CheckinSharing.user_uid == uid)
    if lock:
        query = query.with_for_update(read=True)
    return bool(db.session.scalar(query))


def sharing_of(user: User, pid: str, goal_id: str) -> bool:
    """The supervisee's choice for a goal of their process (404/403 as set_sharing)."""
    _supervisee_of(user, pid)
    _goal_of(pid, goal_id)
    return is_shared(goal_id, user.uid)


# -- the sharing switch ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SharingResult:
    goal_id: str
    shared: bool
    revoked: list[str]      # check-ins whose envelopes to others were deleted (to rotate)


def _upsert(goal_id: str, uid: str, shared: bool) -> None:
    """INSERT … ON CONFLICT (goal, user) DO UPDATE: one statement, so two switches at once
    never both insert (no IntegrityError, no lost row)."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    statement = insert(CheckinSharing).values(goal_id=goal_id, user_uid=uid, shared=shared,
                                              updated_at=now)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["goal_id", "user_uid"], set_={"shared": shared, "updated_at": now}))


def set_sharing(user: User, pid: str, goal_id: str, shared: bool) -> SharingResult:
    """Turn the sharing of the user's check-ins on a goal on or off. Off deletes every
    envelope of those check-ins to anyone but the author and marks them for a key rotation;
    the ids are returned so the client can rotate at once. 404 for non-members and goals of
    other processes, 403 for the supervisor, 409 once the process has ended (turning off is
    allowed then too: taking back is always possible)."""
    process = _supervisee_of(user, pid)
    _goal_of(pid, goal_id)
    if shared and process.is_ended:
        raise Conflict("The process has ended; nothing new can be shared through it.",
                       "process_ended")
    processes.lock_for_sharing(pid)
    _upsert(goal_id, user.uid, shared)
    revoked: list[str] = []
    if not shared:
        revoked = _revoke_all(goal_id, user.uid)
    db.session.flush()
    db.session.expire_all()
    return SharingResult(goal_id, is_shared(goal_id, user.uid), revoked)


def _revoke_all(goal_id: str, uid: str) -> list[str]:
    """Delete the envelopes of the user's check-ins on the goal held by anyone else."""
    ids = list(db.session.scalars(select(Item.id).where(
        Item.kind == KIND, Item.goal_id == goal_id, Item.author_uid == uid)))
    if not ids:
        return []
    held = sorted(set(db.session.scalars(select(Envelope.item_id).where(
        Envelope.item_id.in_(ids), Envelope.recipient_uid != uid))))
    if held:
        db.session.execute(Envelope.__table__.delete().where(
            Envelope.item_id.in_(held), Envelope.recipient_uid != uid))
        db.session.execute(update(Item).where(Item.id.in_(held)).values(rekey_due=True)
                           .execution_options(synchronize_session=False))
    return held


# -- hooks of the item PUT and the envelope endpoint (services/items.py) ----------------------

def before_create(author: User, item: Item, links: dict[str, str] | None) -> None:
    """A check-in belongs to a process its author is a supervisee of, and names one of that
    process's goals; an envelope for anyone else only while the author shares that goal's
    check-ins (check_readers)."""
    if item.process_id is None:
        raise InvalidInput("A check-in belongs to a supervision process.", "process_required",
                           field="process")
    goal_id = (links or {}).get("goal")
    if goal_id is None:
        raise InvalidInput("A check-in names its goal (links.goal).", "goal_required",
                           field="links.goal")
    goal = db.session.get(Goal, goal_id)
    if goal is None or goal.process_id != item.process_id:
        raise NotFound("links.goal: goal not found", "goal_not_found", field="links.goal")
    own = processes.membership(author.uid, item.process_id)
    if own is None or own.role != "supervisee":
        raise Forbidden("Check-ins are written by the process's supervisees.",
                        "not_supervisee", field="process")
    check_readers(author, item, [env.recipient_uid for env in item.envelopes], goal_id)


def after_create(item: Item, extra: None) -> None:
    """Nothing beyond the item itself."""


def before_update(author: User, item: Item) -> None:
    """An edit of a check-in by its author (the item PUT checked that); a replaced envelope
    set is checked by check_readers."""


def before_delete(item: Item) -> None:
    """Nothing to tidy: a check-in has no rows of its own."""


def check_readers(author: User, item: Item, recipients: list[str],
                  goal_id: str | None = None) -> None:
    """Refuse an envelope of a check-in for anyone but its author while the author does not
    share that goal's check-ins. Called under the process lock (taken here)."""
    others = [uid for uid in recipients if uid != author.uid]
    if not others:
        return
    goal_id = goal_id or item.goal_id
    if item.process_id is not None:
        processes.lock_for_sharing(item.process_id)
    if goal_id is None or not is_shared(goal_id, author.uid, lock=True):
        raise Conflict("Sharing of this goal's check-ins is off; turn it on first.",
                       "checkin_sharing_off", field="envelopes")


# -- reading ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GoalCheckins:
    """One supervisee's check-ins on one goal as the reader may open them, oldest first."""

    person: Membership
    shared: bool
    checkins: list[tuple[Item, Envelope]]


def checkins_of(reader: User, goal_id: str, author_uid: str) -> list[tuple[Item, Envelope]]:
    """The author's check-ins on the goal that the reader holds a live envelope for, oldest
    first (one query)."""
    from .items import _live_envelopes
    rows = db.session.execute(
        select(Item, Envelope).join(Envelope, Envelope.item_id == Item.id)
        .where(Item.kind == KIND, Item.goal_id == goal_id, Item.author_uid == author_uid,
               Envelope.recipient_uid == reader.uid, Envelope.item_kind == KIND,
               Envelope.id.in_(_live_envelopes().with_only_columns(Envelope.id)
                               .where(Envelope.recipient_uid == reader.uid,
                                      Envelope.item_kind == KIND)))
        .order_by(Item.created_at, Item.id)).all()
    return [(item, env) for item, env in rows]


@dataclass(frozen=True)
class GoalView:
    process: Process
    goal: Goal
    item: Item
    envelope: Envelope | None        # the reader's envelope of the goal item
    is_supervisor: bool
    people: list[GoalCheckins]       # the reader alone (a supervisee), or every supervisee
    #: A supervisee's own check-ins the supervisor cannot read (the earlier ones, when
    #: sharing was turned on later): offered to share too. Empty for the supervisor.
    unshared: tuple[str, ...] = ()


def goal_view(reader: User, pid: str, goal_id: str) -> GoalView:
    """A goal's page: for a supervisee, their own check-ins and sharing switch; for the
    supervisor, per current supervisee the check-ins shared with them. Current members only
    (404), the goal must be the process's (404)."""
    process = processes.get_process(reader, pid)
    goal = _goal_of(pid, goal_id)
    item = db.session.get(Item, goal_id)
    from .items import _envelope_of
    envelope = _envelope_of(goal_id, reader.uid)
    supervising = process.supervisor_uid == reader.uid
    members = [m for m in process.memberships if m.ended_at is None and m.role == "supervisee"
               and (supervising or m.user_uid == reader.uid)]
    members.sort(key=lambda m: (m.user.display_name.casefold(), m.user_uid))
    people = [GoalCheckins(m, is_shared(goal_id, m.user_uid),
                           checkins_of(reader, goal_id, m.user_uid)) for m in members]
    unshared: tuple[str, ...] = ()
    if not supervising and people:
        mine = [checkin.id for checkin, _env in people[0].checkins]
        readable = shared_with(process.supervisor_uid, mine)
        unshared = tuple(item_id for item_id in mine if item_id not in readable)
    return GoalView(process, goal, item, envelope, supervising, people, unshared)


def shared_with(reader_uid: str, item_ids: list[str]) -> set[str]:
    """Which of these items the reader holds a live envelope for (one query)."""
    if not item_ids:
        return set()
    from .items import _live_envelopes
    return set(db.session.scalars(_live_envelopes().with_only_columns(Envelope.item_id).where(
        Envelope.item_id.in_(item_ids), Envelope.recipient_uid == reader_uid)))
