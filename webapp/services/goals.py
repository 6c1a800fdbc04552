"""The goals of a supervision process (DESIGN.md): each goal's words are a sealed item of kind
"goal" written by the process's supervisor; its place in the list and whether it was achieved
or dropped are plaintext here (webapp/models/contracts.py Goal), so that check-ins and
evaluations can attach to a goal later (items.goal_id) while its words stay sealed.

A goal item is made through the ordinary item PUT: services/items.py calls the hooks here in
the same transaction, so an item of kind "goal" and its Goal row exist together or not at all.
Editing a goal's words is an edit of its item. The order and the status change here.
"""
from __future__ import annotations

from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import Envelope, Item, Process, User
from ..models.contracts import GOAL_STATUSES, Goal
from ..models.types import utcnow
from . import processes
from .errors import Conflict, Forbidden, InvalidInput, NotFound


def _supervised(user: User, pid: str) -> Process:
    """The process, locked, for its supervisor while it has not ended: 404 for non-members,
    403 for other members, 409 once it has ended."""
    processes.get_process(user, pid)
    process = db.session.get(Process, pid, with_for_update=True, populate_existing=True)
    if process is None:
        raise NotFound("process not found", "process_not_found")
    if process.supervisor_uid != user.uid:
        raise Forbidden("Only the process's supervisor changes its goals.", "not_supervisor")
    if process.is_ended:
        raise Conflict("The process has ended.", "process_ended")
    return process


# -- reading -----------------------------------------------------------------------------------

def goals_of(reader: User, pid: str) -> list[tuple[Goal, Item, Envelope | None]]:
    """The goals of a process in order, each with its item and the reader's live envelope
    (None until the supervisor's client has shared it). Current members only (404)."""
    processes.get_process(reader, pid)
    rows = db.session.execute(
        select(Goal, Item).join(Item, Item.id == Goal.item_id).where(Goal.process_id == pid)
        .order_by(Goal.position, Goal.item_id)).all()
    ids = [item.id for _goal, item in rows]
    now = utcnow()
    envelopes = {env.item_id: env for env in db.session.scalars(
        select(Envelope).where(Envelope.item_id.in_(ids), Envelope.recipient_uid == reader.uid))
        if env.is_live(now)} if ids else {}
    return [(goal, item, envelopes.get(item.id)) for goal, item in rows]


# -- hooks of the item PUT (services/items.py) ------------------------------------------------

def before_create(author: User, item: Item, links: dict[str, str] | None) -> int:
    """Check a new goal and return its position (last). Only the process's supervisor adds
    goals; her writes queue (processes.queue_supervisor_writes), so two goals added at once get
    distinct positions."""
    if item.process_id is None:
        raise InvalidInput("A goal belongs to a supervision process.", "process_required",
                           field="process")
    processes.lock_for_sharing(item.process_id)
    process = db.session.get(Process, item.process_id, populate_existing=True)
    if process is None or process.supervisor_uid != author.uid:
        raise Forbidden("Only the process's supervisor writes its goals.", "not_supervisor",
                        field="process")
    processes.queue_supervisor_writes(process.id, author.uid)
    last = db.session.scalar(select(func.max(Goal.position)).where(
        Goal.process_id == process.id))
    return (last or 0) + 1


def after_create(item: Item, position: int) -> None:
    db.session.flush()
    db.session.add(Goal(item_id=item.id, process_id=item.process_id, position=position,
                        status="open"))
    db.session.flush()


def before_update(author: User, item: Item) -> None:
    """A goal's words may be edited by its author while the process runs (checked by the
    item PUT already)."""


def before_delete(item: Item) -> None:
    db.session.execute(delete(Goal).where(Goal.item_id == item.id))


# -- changing ----------------------------------------------------------------------------------

def _goal(pid: str, item_id: str) -> Goal:
    goal = db.session.get(Goal, item_id, populate_existing=True)
    if goal is None or goal.process_id != pid:
        raise NotFound("goal not found", "goal_not_found")
    return goal


def set_status(user: User, pid: str, item_id: str, status: str) -> Goal:
    """Mark a goal achieved or dropped, or reopen it (open). The same status again is a
    no-op (its time is kept)."""
    if status not in GOAL_STATUSES:
        raise InvalidInput("status must be open, achieved or dropped", "bad_status",
                           field="status")
    _supervised(user, pid)
    goal = _goal(pid, item_id)
    if goal.status != status:
        goal.status, goal.status_changed_at = status, utcnow()
        db.session.flush()
    return goal


def reorder(user: User, pid: str, item_ids: list[str]) -> list[Goal]:
    """Put the process's goals in the given order: `item_ids` must name each goal once."""
    _supervised(user, pid)
    goals = {goal.item_id: goal for goal in db.session.scalars(
        select(Goal).where(Goal.process_id == pid))}
    if len(item_ids) != len(set(item_ids)) or set(item_ids) != set(goals):
        raise InvalidInput("The order must name every goal of the process once.", "bad_order",
                           field="items")
    for position, item_id in enumerate(item_ids, start=1):
        goals[item_id].position = position
    db.session.flush()
    return [goals[item_id] for item_id in item_ids]
