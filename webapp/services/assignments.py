"""Interim assignments (välitehtävät): giving them, answering them, marking them done or
skipped (issue 10; the schema's docstring in webapp/models/assignments.py).

An assignment's words are a sealed item of kind "assignment" of a process, written by its
supervisor with an envelope for each assignee (a supervisee of the process) through the
process. services/items.py calls the hooks here inside the item's transaction: the item and
one AssignmentAssignee row per assignee are made together or not at all. The due time is the
start of the process's next planned session unless the giver names one (give()).

A supervisee answers in an item of kind "response" whose parent is the assignment and whose
process is the assignment's: one response per assignee. A response may be read by its author
and, when they choose, by the process's supervisor (policy.may_receive_envelope); whether the
supervisee shared it is remembered per process (Membership.share_responses) as the default
offered next time. Status changes are one conditional UPDATE on the row's status.
"""
from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, delete, select, update

from ..extensions import db
from ..models import Envelope, Item, Membership, Process, SupervisionSession, User
from ..models.assignments import AssignmentAssignee
from ..models.types import utcnow
from ..schemas.items import ItemWrite
from . import processes
from .errors import Conflict, Forbidden, InvalidInput, NotFound

#: Statuses a supervisee may set (an assignment starts open).
FINAL_STATUSES = ("done", "skipped")

_UNSET = object()
#: The due time give() asks for, read by after_create inside the same call.
_due: ContextVar[object] = ContextVar("valitila_assignment_due", default=_UNSET)


@dataclass(frozen=True)
class AssigneeView:
    """One assignee's row, their display name, and the response when the reader may open
    it (their own; the supervisor's only when it was shared with them)."""

    row: AssignmentAssignee
    name: str
    response: Item | None
    response_envelope: Envelope | None
    #: Whether the process's supervisor may read the response (a live envelope of theirs).
    shared: bool


@dataclass(frozen=True)
class AssignmentView:
    """An assignment for one reader: its item, the reader's envelope, the assignees the
    reader may see (all for the supervisor, their own row for a supervisee)."""

    item: Item
    envelope: Envelope
    process: Process
    assignees: list[AssigneeView]
    is_supervisor: bool

    def mine(self, uid: str) -> AssigneeView | None:
        return next((a for a in self.assignees if a.row.user_uid == uid), None)


# -- due times ---------------------------------------------------------------------------------

def default_due(pid: str, now: datetime | None = None) -> datetime | None:
    """"Before the next session": the start of the process's next planned session, or None
    when none is planned."""
    return db.session.scalar(
        select(SupervisionSession.starts_at)
        .where(SupervisionSession.process_id == pid, SupervisionSession.status == "planned",
               SupervisionSession.starts_at > (now or utcnow()))
        .order_by(SupervisionSession.starts_at).limit(1))


# -- hooks of the item PUT for kind "assignment" ------------------------------------------------

def before_create(author: User, item: Item, links: dict[str, str] | None) -> list[str]:
    """Only the process's supervisor gives assignments, to supervisees of the process: the
    assignees are the item's readers other than the author (at least one). Returns them."""
    if item.process_id is None:
        raise InvalidInput("An assignment belongs to a supervision process.",
                           "process_required", field="process")
    processes.lock_for_sharing(item.process_id)
    process = db.session.get(Process, item.process_id, populate_existing=True)
    if process is None or process.supervisor_uid != author.uid:
        raise Forbidden("Only the process's supervisor gives assignments.", "not_supervisor",
                        field="process")
    processes.queue_supervisor_writes(process.id, author.uid)
    assignees = [env.recipient_uid for env in item.envelopes
                 if env.recipient_uid != author.uid]
    if not assignees:
        raise InvalidInput("An assignment is given to at least one supervisee: add their "
                           "envelope.", "no_assignees", field="envelopes")
    supervisees = set(db.session.scalars(select(Membership.user_uid).where(
        Membership.process_id == process.id, Membership.role == "supervisee",
        Membership.ended_at.is_(None))))
    if not set(assignees) <= supervisees:
        raise Forbidden("Assignments go to supervisees of the process.", "not_supervisee",
                        field="envelopes")
    return assignees


def after_create(item: Item, assignees: list[str]) -> None:
    """One open row per assignee, due as give() asked or before the next session."""
    due = _due.get()
    due_at = default_due(item.process_id) if due is _UNSET else due
    db.session.flush()
    now = utcnow()
    for uid in assignees:
        db.session.add(AssignmentAssignee(
            assignment_id=item.id, user_uid=uid, process_id=item.process_id,
            session_id=item.session_id, status="open", due_at=due_at, created_at=now,
            updated_at=now))
    db.session.flush()


def before_update(author: User, item: Item) -> None:
    """The supervisor may edit the words while the process runs (checked by the PUT)."""


def before_delete(item: Item) -> None:
    """Deleting an assignment takes its rows with it (responses stay their authors')."""
    db.session.execute(delete(AssignmentAssignee).where(
        AssignmentAssignee.assignment_id == item.id))


# -- giving ------------------------------------------------------------------------------------

def give(supervisor: User, item_id: str, data: ItemWrite, due_at: object = _UNSET
         ) -> tuple[Item, bool]:
    """Give an assignment (create its item and rows in one transaction) or edit it. `due_at`
    (a time or None for no due time) replaces the default due time, and on an edit the due
    time of every assignee. Returns (item, created)."""
    from . import items
    if data.kind != "assignment":
        raise InvalidInput("kind must be assignment", "bad_kind", field="item.kind")
    token = _due.set(due_at)
    try:
        item, created = items.put_item(supervisor, item_id, data)
    finally:
        _due.reset(token)
    if not created and due_at is not _UNSET:
        db.session.execute(update(AssignmentAssignee).where(
            AssignmentAssignee.assignment_id == item.id).values(due_at=due_at,
                                                                 updated_at=utcnow()))
        db.session.flush()
    return item, created


# -- hooks of the item PUT for kind "response" -------------------------------------------------

def response_before_create(author: User, item: Item, links: dict[str, str] | None
                           ) -> AssignmentAssignee:
    """A response answers an assignment given to its author, in the assignment's process;
    one response per assignee (the row is locked: two first answers at once make one)."""
    parent = (links or {}).get("parent")
    if parent is None:
        raise InvalidInput("A response names its assignment as its parent.",
                           "parent_required", field="links.parent")
    row = db.session.get(AssignmentAssignee, (parent, author.uid), with_for_update=True,
                         populate_existing=True)
    if row is None:
        raise NotFound("assignment not found", "assignment_not_found", field="links.parent")
    if item.process_id != row.process_id:
        raise InvalidInput("A response belongs to its assignment's process.",
                           "process_mismatch", field="process")
    if row.response_id is not None and row.response_id != item.id:
        raise Conflict("This assignment has a response already: edit it.", "response_exists",
                       response=row.response_id)
    response_check_readers(author, item, [env.recipient_uid for env in item.envelopes])
    return row


def response_after_create(item: Item, row: AssignmentAssignee) -> None:
    db.session.flush()
    row.response_id = item.id
    row.updated_at = utcnow()
    db.session.flush()


def response_check_readers(author: User, item: Item, readers: list[str]) -> None:
    """A response is read by its author and, by their choice, the process's supervisor: no
    one else. A new set of readers (an edit's, or the supervisor added later) is a new
    choice, remembered as the default."""
    process = db.session.get(Process, item.process_id) if item.process_id else None
    supervisor = process.supervisor_uid if process is not None else None
    if any(uid not in (author.uid, supervisor) for uid in readers):
        raise Forbidden("An answer is shared with the process's supervisor only.",
                        "response_private", field="envelopes")
    if process is None:
        return
    if supervisor in readers:
        _remember(author.uid, process.id, True)
    elif readers == [author.uid]:
        _remember(author.uid, process.id, False)


def response_before_delete(item: Item) -> None:
    db.session.execute(update(AssignmentAssignee).where(
        AssignmentAssignee.response_id == item.id).values(response_id=None))


def _remember(uid: str, pid: str, shared: bool) -> None:
    """Membership.share_responses := the supervisee's latest choice in this process."""
    db.session.execute(update(Membership).where(
        Membership.process_id == pid, Membership.user_uid == uid)
        .values(share_responses=shared))


# -- the supervisee's status -------------------------------------------------------------------

def set_status(user: User, assignment_id: str, status: str) -> AssignmentAssignee:
    """Mark one's assignment done or skipped (from open), or open again (from done or
    skipped: a tap by mistake is undone). One conditional UPDATE from the states it may come
    from, so of two changes at once one wins and the other gets 409 `status_conflict` with
    the stored status; the same status again is a no-op (idempotent)."""
    if status not in ("open", *FINAL_STATUSES):
        raise InvalidInput("status must be open, done or skipped", "bad_status",
                           field="status")
    row = _own_row(user, assignment_id)
    if row.status == status:
        return row
    processes.lock_for_sharing(row.process_id)
    if db.session.scalar(select(Process.status).where(Process.id == row.process_id)) \
            == "ended":
        raise Conflict("The supervision process has ended.", "process_ended")
    changed = db.session.execute(
        update(AssignmentAssignee)
        .where(AssignmentAssignee.assignment_id == assignment_id,
               AssignmentAssignee.user_uid == user.uid,
               AssignmentAssignee.status.in_(FINAL_STATUSES) if status == "open"
               else AssignmentAssignee.status == "open")
        .values(status=status, updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    row = db.session.get(AssignmentAssignee, (assignment_id, user.uid),
                         populate_existing=True)
    if not changed and row.status != status:
        raise Conflict("The assignment was marked otherwise meanwhile.", "status_conflict",
                       current=row.status)
    return row


def _own_row(user: User, assignment_id: str) -> AssignmentAssignee:
    """The user's row of an assignment while they are a current member of its process;
    404 for anyone else (the supervisor too: the status is the supervisee's to set)."""
    row = db.session.get(AssignmentAssignee, (assignment_id, user.uid))
    if row is None or not processes.is_current_member(user.uid, row.process_id):
        raise NotFound("assignment not found", "assignment_not_found")
    return row


# -- reading -----------------------------------------------------------------------------------

def _live_envelopes(uid: str, item_ids: list[str]) -> dict[str, Envelope]:
    if not item_ids:
        return {}
    now = utcnow()
    return {env.item_id: env for env in db.session.scalars(select(Envelope).where(
        Envelope.item_id.in_(item_ids), Envelope.recipient_uid == uid)) if env.is_live(now)}


def _views(reader: User, process: Process, items: list[Item]) -> list[AssignmentView]:
    """Views of these assignment items of one process: four queries whatever the counts."""
    ids = [item.id for item in items]
    envelopes = _live_envelopes(reader.uid, ids)
    is_supervisor = process.supervisor_uid == reader.uid
    query = select(AssignmentAssignee, User.display_name).join(
        User, User.uid == AssignmentAssignee.user_uid).where(
        AssignmentAssignee.assignment_id.in_(ids)).order_by(User.display_name, User.uid)
    if not is_supervisor:
        query = query.where(AssignmentAssignee.user_uid == reader.uid)
    rows = db.session.execute(query).all() if ids else []
    response_ids = [row.response_id for row, _name in rows if row.response_id]
    readable = _live_envelopes(reader.uid, response_ids)
    shared = set(readable) if is_supervisor \
        else set(_live_envelopes(process.supervisor_uid, response_ids))
    responses = {item.id: item for item in db.session.scalars(
        select(Item).where(Item.id.in_(list(readable))))} if readable else {}
    by_item: dict[str, list[AssigneeView]] = {item_id: [] for item_id in ids}
    for row, name in rows:
        env = readable.get(row.response_id) if row.response_id else None
        by_item[row.assignment_id].append(AssigneeView(
            row, name, responses.get(row.response_id) if env else None, env,
            row.response_id in shared))
    return [AssignmentView(item, envelopes[item.id], process, by_item[item.id], is_supervisor)
            for item in items if item.id in envelopes]


def for_process(reader: User, pid: str) -> tuple[Process, list[AssignmentView]]:
    """The assignments of a process a current member may read, newest first: the supervisor
    sees every assignee's status (answers only when shared), a supervisee their own."""
    process = processes.get_process(reader, pid)
    query = select(Item).where(Item.process_id == pid, Item.kind == "assignment")
    if process.supervisor_uid != reader.uid:
        query = query.join(AssignmentAssignee, AssignmentAssignee.assignment_id == Item.id
                           ).where(AssignmentAssignee.user_uid == reader.uid)
    items = list(db.session.scalars(query.order_by(Item.created_at.desc(), Item.id.desc())))
    return process, _views(reader, process, items)


def one(reader: User, assignment_id: str) -> AssignmentView:
    """One assignment for its supervisor or an assignee who is a current member of its
    process; 404 for anyone else."""
    item = db.session.get(Item, assignment_id)
    if item is None or item.kind != "assignment" or item.process_id is None \
            or not processes.is_current_member(reader.uid, item.process_id):
        raise NotFound("assignment not found", "assignment_not_found")
    process = db.session.get(Process, item.process_id)
    views = _views(reader, process, [item])
    if not views or (not views[0].is_supervisor and views[0].mine(reader.uid) is None):
        raise NotFound("assignment not found", "assignment_not_found")
    return views[0]


@dataclass(frozen=True)
class OpenAssignment:
    """An open assignment on a supervisee's home: the row, the item and their envelope."""

    row: AssignmentAssignee
    item: Item
    envelope: Envelope


@lru_cache(maxsize=1)
def _open_statement():
    """open_for's first query, built once (bound parameter): every home page runs it."""
    uid = bindparam("uid")
    return (select(AssignmentAssignee, Item)
            .join(Item, Item.id == AssignmentAssignee.assignment_id)
            .join(Membership, (Membership.process_id == AssignmentAssignee.process_id)
                  & (Membership.user_uid == uid) & Membership.ended_at.is_(None))
            .where(AssignmentAssignee.user_uid == uid, AssignmentAssignee.status == "open")
            .order_by(AssignmentAssignee.due_at.is_(None), AssignmentAssignee.due_at,
                      AssignmentAssignee.created_at))


def open_for(uid: str) -> list[OpenAssignment]:
    """A supervisee's open assignments in processes they are still in, the soonest due
    first (no due time last): two queries."""
    rows = db.session.execute(_open_statement(), {"uid": uid}).all()
    envelopes = _live_envelopes(uid, [item.id for _row, item in rows])
    return [OpenAssignment(row, item, envelopes[item.id]) for row, item in rows
            if item.id in envelopes]


def share_default(uid: str, pid: str) -> bool | None:
    """The supervisee's remembered choice for answers in this process (None: not asked)."""
    own = processes.membership(uid, pid)
    return own.share_responses if own is not None else None


class ResponseRules:
    """The hooks of the item PUT for kind "response" (services/items.py _kind_rules)."""

    before_create = staticmethod(response_before_create)
    after_create = staticmethod(response_after_create)
    check_readers = staticmethod(response_check_readers)
    before_delete = staticmethod(response_before_delete)

    @staticmethod
    def before_update(author: User, item: Item) -> None:
        """Its author edits a response while the process runs (checked by the PUT)."""


def counts(uid: str, pid: str, supervisor: bool) -> dict[str, int]:
    """How many assignee rows of the process are open, done and skipped: every assignee's for
    the supervisor, the reader's own otherwise (the process page's card). One query."""
    from sqlalchemy import func
    query = select(AssignmentAssignee.status, func.count()).where(
        AssignmentAssignee.process_id == pid).group_by(AssignmentAssignee.status)
    if not supervisor:
        query = query.where(AssignmentAssignee.user_uid == uid)
    found = dict(db.session.execute(query).all())
    return {status: found.get(status, 0) for status in ("open", "done", "skipped")}


# -- a supervisor's own templates (kind "template") --------------------------------------------

def _template_private(author: User, readers: list[str]) -> None:
    if any(uid != author.uid for uid in readers):
        raise Forbidden("A template is sealed to its author alone.", "private_template",
                        field="envelopes")


class TemplateRules:
    """The hooks of the item PUT for kind "template": a supervisor's own assignment
    template, sealed to its author alone (no envelope for anyone else, ever)."""

    @staticmethod
    def before_create(author: User, item: Item, links: dict[str, str] | None) -> None:
        _template_private(author, [env.recipient_uid for env in item.envelopes])

    @staticmethod
    def after_create(item: Item, extra: None) -> None:
        """Nothing beyond the item."""

    @staticmethod
    def before_update(author: User, item: Item) -> None:
        """Its author edits it."""

    @staticmethod
    def check_readers(author: User, item: Item, readers: list[str]) -> None:
        _template_private(author, readers)

    @staticmethod
    def before_delete(item: Item) -> None:
        """Its author deletes it."""


def session_choices(pid: str, now: datetime | None = None) -> tuple[list, str | None]:
    """The sessions an assignment may be given in (the process's sessions that were not
    cancelled, newest first, up to the next planned one) and the one to offer first: the
    latest that has started within the last day ("during or right after a session"), else
    none. One query."""
    from datetime import timedelta
    now = now or utcnow()
    upcoming = default_due(pid, now)
    query = select(SupervisionSession).where(
        SupervisionSession.process_id == pid, SupervisionSession.status != "cancelled")
    if upcoming is not None:
        query = query.where(SupervisionSession.starts_at <= upcoming)
    sessions = list(db.session.scalars(query.order_by(SupervisionSession.starts_at.desc())
                                       .limit(12)))
    started = [s for s in sessions if s.starts_at <= now]
    chosen = started[0].id if started and started[0].starts_at > now - timedelta(days=1) \
        else None
    return sessions, chosen
