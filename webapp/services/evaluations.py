"""Evaluations (arviointi, issue 10): when they fall due, writing them, accepting them
(the schema's docstring in webapp/models/evaluations.py; docs/protocol.md "Evaluations").

**The cadence.** A running (active) process falls due for an interim evaluation every
`Process.evaluation_months` months from its start — `starts_on`, or the date it became
active when no start was planned — counted from the start each time, so a start on 31 January
gives 31 July, then 31 January (a month without the day gives its last day: 31 August + 6
months is 28 or 29 February). A final one falls due at the end: `ends_on`, or the day of the
last session not cancelled when no end was planned; interim dates on or after the end are
left out. A date is *due* (`due_evaluations`) from 14 days before it until an evaluation for
it has been accepted by every active member; an ended or draft process has none due.

**Writing.** An evaluation's words are a sealed item of kind "evaluation" of the process
(payload: per goal the scale at the start and now, what helped, what next; a free summary),
written by the process's supervisor — together with the supervisee in a session — and sealed
to every active member. services/items.py calls the hooks below inside the item's
transaction, so the item and its Evaluation row (which date of the cadence it answers, interim
or final) are made together or not at all. The date is the one `write()` names, or else the
earliest date of the cadence that has no evaluation yet. The author edits it (the next rev)
until somebody has accepted it; then it is final.

**Accepting** is PROTOCOL §6's signature, through services/acceptances.py (the machinery the
contract uses): every active member accepts the current rev; when the last one has, the
evaluation's `accepted_at` is set. An acceptance locks the item row (the lock an edit takes in
put_item) and then the process row, so an edit racing an acceptance, and two acceptances at
once, come out one way.
"""
from __future__ import annotations

import calendar
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, delete, func, select, update

from ..extensions import db
from ..models import Envelope, Item, Membership, Process, SupervisionSession, User
from ..models.contracts import Acceptance
from ..models.evaluations import Evaluation
from ..models.types import utcnow
from ..schemas.items import ItemWrite
from . import acceptances, processes
from .errors import Conflict, Forbidden, InvalidInput, NotFound

#: Days before its date from which an evaluation shows as due (homes, reminders).
DUE_WINDOW_DAYS = 14
#: The range of Process.evaluation_months the supervisor may choose.
MONTHS_RANGE = (1, 24)
#: Enough interim dates for any real process (100 years of monthly evaluations).
_MAX_STEPS = 1200

_UNSET = object()
#: The date write() asks for, read by before_create inside the same call.
_due_on: ContextVar[object] = ContextVar("valitila_evaluation_due_on", default=_UNSET)


@dataclass(frozen=True)
class DueEvaluation:
    """A date of a process's cadence that is due (or within the window) and not yet accepted;
    `item_id` names the evaluation written for it, if one is."""

    process_id: str
    due_on: date
    kind: str
    item_id: str | None = None


@dataclass(frozen=True)
class EvaluationView:
    """One evaluation for one reader: its row, item, the reader's envelope (None while the
    supervisor's client has not shared it with them) and its acceptances (every rev)."""

    evaluation: Evaluation
    item: Item
    envelope: Envelope | None
    acceptances: list[Acceptance]

    def accepted_now(self) -> list[Acceptance]:
        """The acceptances of the current rev (an edit makes older ones stale)."""
        return [a for a in self.acceptances if a.rev == self.item.rev]


# -- the cadence -------------------------------------------------------------------------------

def add_months(start: date, months: int) -> date:
    """`start` plus a number of months, the day kept or, where the month is shorter, its last
    day (31 January + 1 month = 28 or 29 February)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def start_of(process: Process) -> date | None:
    """The cadence counts from the planned start, else from the day the process became
    active; None for a draft without a planned start."""
    if process.starts_on is not None:
        return process.starts_on
    return process.activated_at.date() if process.activated_at is not None else None


def end_of(process: Process, last_session: date | None) -> date | None:
    """The final evaluation's date: the planned end, else the last session's day."""
    return process.ends_on if process.ends_on is not None else last_session


def cadence(start: date | None, end: date | None, months: int, until: date | None = None
            ) -> list[tuple[date, str]]:
    """The dates of a process's evaluations in order, as (due_on, "interim" | "final"): one
    every `months` months from `start` (before `end`), then `end`. Without an end the interim
    dates go on; `until` (required then) stops the list after that day."""
    if start is None or months < 1:
        return [(end, "final")] if end is not None and (until is None or end <= until) \
            else []
    if end is None and until is None:
        raise ValueError("an open-ended cadence needs `until`")
    dates: list[tuple[date, str]] = []
    for step in range(1, _MAX_STEPS + 1):
        due = add_months(start, step * months)
        if (end is not None and due >= end) or (until is not None and due > until):
            break
        dates.append((due, "interim"))
    if end is not None and (until is None or end <= until):
        dates.append((end, "final"))
    return dates


def _last_sessions(pids: list[str]) -> dict[str, date]:
    """Each process's last session not cancelled, as a (UTC) date."""
    if not pids:
        return {}
    rows = db.session.execute(_last_sessions_statement(), {"pids": pids}).all()
    return {pid: starts_at.date() for pid, starts_at in rows if starts_at is not None}


@lru_cache(maxsize=1)
def _last_sessions_statement():
    return (select(SupervisionSession.process_id, func.max(SupervisionSession.starts_at))
            .where(SupervisionSession.process_id.in_(bindparam("pids", expanding=True)),
                   SupervisionSession.status != "cancelled")
            .group_by(SupervisionSession.process_id))


@lru_cache(maxsize=3)
def _running_statement(by: str | None):
    """due_evaluations' processes: every active one, one ("pid"), or a member's ("uid"); the
    columns the cadence reads (start_of, end_of), as plain rows; built once per form (bound
    parameters): every home page runs it."""
    statement = select(Process.id, Process.starts_on, Process.activated_at, Process.ends_on,
                       Process.evaluation_months).where(Process.status == "active")
    if by == "pid":
        statement = statement.where(Process.id == bindparam("pid"))
    elif by == "uid":
        statement = statement.join(Membership, Membership.process_id == Process.id).where(
            Membership.user_uid == bindparam("uid"), Membership.ended_at.is_(None))
    return statement


@lru_cache(maxsize=1)
def _written_statement():
    return select(Evaluation).where(
        Evaluation.process_id.in_(bindparam("pids", expanding=True)))


def process_cadence(process: Process, until: date) -> list[tuple[date, str]]:
    """The process's evaluation dates up to `until` (all of them when it has an end, the
    final one included)."""
    end = end_of(process, _last_sessions([process.id]).get(process.id))
    return cadence(start_of(process), end, process.evaluation_months,
                   None if end is not None else until)


def due_evaluations(today: date, *, uid: str | None = None, pid: str | None = None,
                    written_ahead: bool = False) -> list[DueEvaluation]:
    """Every evaluation that is due, or falls due within DUE_WINDOW_DAYS of `today`, and has
    not been accepted by everyone: of every active process, or of those `uid` is a current
    member of, or of process `pid`. With `written_ahead`, also those written ahead of that
    window and not accepted yet (they wait for the members' acceptance now: the homes).
    Ordered by date, then process. Three queries."""
    horizon = today + timedelta(days=DUE_WINDOW_DAYS)
    if pid is not None and uid is not None:
        statement = _running_statement("pid").join(
            Membership, Membership.process_id == Process.id).where(
            Membership.user_uid == uid, Membership.ended_at.is_(None))
        running = db.session.execute(statement, {"pid": pid}).all()
    elif pid is not None:
        running = db.session.execute(_running_statement("pid"), {"pid": pid}).all()
    elif uid is not None:
        running = db.session.execute(_running_statement("uid"), {"uid": uid}).all()
    else:
        running = db.session.execute(_running_statement(None)).all()
    pids = [p.id for p in running]
    last = _last_sessions(pids)
    written: dict[tuple[str, date], Evaluation] = {}
    if pids:
        written = {(e.process_id, e.due_on): e for e in db.session.scalars(
            _written_statement(), {"pids": pids})}
    due = []
    for process in running:
        for due_on, kind in cadence(start_of(process), end_of(process, last.get(process.id)),
                                    process.evaluation_months, horizon):
            if due_on > horizon:
                continue
            row = written.get((process.id, due_on))
            if row is not None and row.accepted_at is not None:
                continue
            due.append(DueEvaluation(process.id, due_on, kind,
                                     row.item_id if row is not None else None))
    if written_ahead:
        due += [DueEvaluation(row.process_id, row.due_on, row.kind, row.item_id)
                for (_pid, due_on), row in written.items()
                if due_on > horizon and row.accepted_at is None]
    return sorted(due, key=lambda d: (d.due_on, d.process_id))


# -- reading -----------------------------------------------------------------------------------

def _views(reader_uid: str, rows: list[tuple[Evaluation, Item]]) -> list[EvaluationView]:
    ids = [item.id for _row, item in rows]
    envelopes: dict[str, Envelope] = {}
    if ids:
        now = utcnow()
        envelopes = {env.item_id: env for env in db.session.scalars(
            select(Envelope).where(Envelope.item_id.in_(ids),
                                   Envelope.recipient_uid == reader_uid))
            if env.is_live(now)}
    accepted = acceptances.of_items(ids)
    return [EvaluationView(row, item, envelopes.get(item.id), accepted[item.id])
            for row, item in rows]


def evaluations_of(reader: User, pid: str) -> tuple[Process, list[EvaluationView]]:
    """The process (404 unless the reader is a current member) and its evaluations, newest
    date first, each with the reader's envelope and acceptances. Three queries."""
    process = processes.get_process(reader, pid)
    rows = db.session.execute(
        select(Evaluation, Item).join(Item, Item.id == Evaluation.item_id)
        .where(Evaluation.process_id == pid)
        .order_by(Evaluation.due_on.desc())).all()
    return process, _views(reader.uid, [(row, item) for row, item in rows])


def get(reader: User, item_id: str) -> tuple[Process, EvaluationView]:
    """One evaluation for a current member of its process (`404 evaluation_not_found` for
    anyone else and for an item that is no evaluation)."""
    row = db.session.get(Evaluation, item_id)
    if row is None or not processes.is_current_member(reader.uid, row.process_id):
        raise NotFound("evaluation not found", "evaluation_not_found")
    item = db.session.get(Item, item_id)
    process = db.session.get(Process, row.process_id)
    return process, _views(reader.uid, [(row, item)])[0]


@lru_cache(maxsize=1)
def _accepted_count_statement():
    return select(func.count()).select_from(Evaluation).where(
        Evaluation.process_id == bindparam("pid"), Evaluation.accepted_at.is_not(None))


def summary(pid: str, today: date) -> dict:
    """The process page's card: the dates due now (not accepted), the next date of the
    cadence after the window that has no evaluation written yet (one can be written and
    accepted ahead of its date), and how many evaluations are accepted."""
    process = db.session.get(Process, pid)
    horizon = today + timedelta(days=DUE_WINDOW_DAYS)
    due = due_evaluations(today, pid=pid, written_ahead=True) \
        if process.status == "active" else []
    upcoming = None
    if process.status == "active":
        written = set(db.session.scalars(select(Evaluation.due_on).where(
            Evaluation.process_id == pid, Evaluation.due_on > horizon)))
        # a few periods ahead: past the dates already written early
        until = add_months(horizon, 3 * (process.evaluation_months + 1))
        upcoming = next((d for d, _k in process_cadence(process, until)
                         if d > horizon and d not in written), None)
    accepted = db.session.scalar(_accepted_count_statement(), {"pid": pid}) or 0
    return {"due": due, "next": upcoming, "accepted": accepted,
            "months": process.evaluation_months}


# -- hooks of the item PUT for kind "evaluation" -----------------------------------------------

def before_create(author: User, item: Item, links: dict[str, str] | None
                  ) -> tuple[date, str]:
    """Only the supervisor of a running process writes an evaluation, for a date of its
    cadence that has none yet (writers queue on a lock, so two at once for one date make
    one). Returns (due_on, kind)."""
    if item.process_id is None:
        raise InvalidInput("An evaluation belongs to a supervision process.",
                           "process_required", field="process")
    processes.lock_for_sharing(item.process_id)          # FOR SHARE: ending it waits
    process = db.session.get(Process, item.process_id, populate_existing=True)
    if process is None or process.supervisor_uid != author.uid:
        raise Forbidden("Only the process's supervisor writes its evaluations.",
                        "not_supervisor", field="process")
    # Writers of one process's evaluations queue, so the dates written are read after the
    # last one.
    processes.queue_supervisor_writes(process.id, author.uid)
    if process.status != "active":
        raise Conflict("A process is evaluated once its contract is accepted.",
                       "process_not_active", field="process")
    asked = _due_on.get()
    written = set(db.session.scalars(select(Evaluation.due_on).where(
        Evaluation.process_id == process.id)))
    today = utcnow().date()
    if asked is _UNSET:
        dates = process_cadence(process, add_months(today, process.evaluation_months + 1))
        choice = next(((d, k) for d, k in dates if d not in written), None)
        if choice is None:
            raise Conflict("Every evaluation of the process's cadence is written.",
                           "no_evaluation_due", field="process")
        return choice
    assert isinstance(asked, date)
    kinds = dict(process_cadence(process, asked))
    if asked not in kinds:
        raise InvalidInput("due_on is not a date of the process's evaluations.", "bad_due",
                           field="due_on")
    if asked in written:
        existing = db.session.scalar(select(Evaluation.item_id).where(
            Evaluation.process_id == process.id, Evaluation.due_on == asked))
        raise Conflict("This date has an evaluation already: edit it.", "evaluation_exists",
                       field="due_on", evaluation=existing)
    return asked, kinds[asked]


def after_create(item: Item, due: tuple[date, str]) -> None:
    """The evaluation's row (in the item's transaction)."""
    db.session.flush()
    db.session.add(Evaluation(item_id=item.id, process_id=item.process_id, due_on=due[0],
                              kind=due[1]))
    db.session.flush()


def before_update(author: User, item: Item) -> None:
    """Edited until somebody accepts it (the item row is locked by put_item, the lock an
    acceptance takes first); then it is final."""
    if acceptances.is_accepted(item.id):
        raise Conflict("Somebody has accepted this evaluation: it is final.",
                       "evaluation_accepted")


def before_delete(item: Item) -> None:
    """A draft nobody has accepted may be deleted (its date falls due again); an accepted
    one stays."""
    if acceptances.is_accepted(item.id):
        raise Conflict("An accepted evaluation cannot be deleted.", "evaluation_kept")
    db.session.execute(delete(Evaluation).where(Evaluation.item_id == item.id))


# -- writing -----------------------------------------------------------------------------------

def write(supervisor: User, item_id: str, data: ItemWrite, due_on: object = _UNSET
          ) -> tuple[Item, bool]:
    """Write an evaluation for `due_on` (a date of the cadence; left out: the earliest one
    without an evaluation), or edit it (the date stays). Returns (item, created)."""
    from . import items
    if data.kind != "evaluation":
        raise InvalidInput("kind must be evaluation", "bad_kind", field="item.kind")
    token = _due_on.set(due_on)
    try:
        return items.put_item(supervisor, item_id, data)
    finally:
        _due_on.reset(token)


# -- accepting ---------------------------------------------------------------------------------

def accept(user: User, item_id: str, rev: int, sig: str) -> tuple[Acceptance, bool]:
    """A member accepts the evaluation's current rev (PROTOCOL §6). When every active member
    has accepted it, `accepted_at` is set. Returns (acceptance, created)."""
    from .items import _envelope_of
    if _envelope_of(item_id, user.uid) is None:               # 404 without an envelope
        raise NotFound("item not found")
    row = db.session.get(Evaluation, item_id)
    if row is None:
        raise NotFound("This item is not an evaluation.", "not_a_contract")
    item = acceptances.locked_item(item_id)
    process = db.session.get(Process, row.process_id, with_for_update=True,
                             populate_existing=True)
    if item is None or process is None:
        raise NotFound("item not found")
    if not processes.is_current_member(user.uid, process.id):
        raise NotFound("process not found", "process_not_found")
    if process.is_ended:
        raise Conflict("The process has ended; nothing can be accepted.", "process_ended")
    if rev != item.rev:
        raise Conflict("The evaluation has changed since you opened it.", "stale_rev",
                       rev=item.rev)
    acceptance, created = acceptances.sign(user, item, rev, sig)
    if created and acceptances.missing(process.id, item_id, rev) == 0:
        db.session.execute(update(Evaluation).where(
            Evaluation.item_id == item_id, Evaluation.accepted_at.is_(None))
            .values(accepted_at=utcnow()).execution_options(synchronize_session=False))
        db.session.refresh(row)
    return acceptance, created


# -- the cadence's length ----------------------------------------------------------------------

def set_months(supervisor: User, pid: str, months: int, previous: int) -> Process:
    """The supervisor changes how often the process is evaluated: one conditional UPDATE from
    the value they saw (`previous`), so of two changes from one state one wins and the other
    gets `409 cadence_changed` with the stored `months`; the same value again is a no-op."""
    if not MONTHS_RANGE[0] <= months <= MONTHS_RANGE[1]:
        raise InvalidInput("months must be from 1 to 24", "bad_months", field="months")
    process = processes._own_process(supervisor, pid)
    if process.is_ended:
        raise Conflict("The process has ended.", "process_ended")
    if process.evaluation_months == months:
        return process
    changed = db.session.execute(
        update(Process).where(Process.id == pid, Process.evaluation_months == previous,
                              Process.status != "ended")
        .values(evaluation_months=months).execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(process)
    if not changed and process.evaluation_months != months:
        if process.is_ended:
            raise Conflict("The process has ended.", "process_ended")
        raise Conflict("The cadence was changed meanwhile.", "cadence_changed",
                       months=process.evaluation_months)
    return process


# -- the editor's prefill ----------------------------------------------------------------------

def checkin_bounds(reader: User, pid: str) -> dict[str, tuple[tuple[Item, Envelope],
                                                              tuple[Item, Envelope]]]:
    """Per goal of the process, the earliest and the latest check-in the reader can open
    (their own, or shared with them): the editor prefills "at the start" and "now" from
    their values, opened in the browser. One query."""
    from ..models.contracts import Goal
    from .items import _live_envelopes
    rows = db.session.execute(
        select(Item, Envelope).join(Envelope, Envelope.item_id == Item.id)
        .join(Goal, Goal.item_id == Item.goal_id)
        .where(Goal.process_id == pid, Item.kind == "checkin",
               Envelope.recipient_uid == reader.uid, Envelope.item_kind == "checkin",
               Envelope.id.in_(_live_envelopes().with_only_columns(Envelope.id)
                               .where(Envelope.recipient_uid == reader.uid,
                                      Envelope.item_kind == "checkin")))
        .order_by(Item.created_at, Item.id)).all()
    bounds: dict[str, tuple] = {}
    for item, envelope in rows:
        first = bounds.get(item.goal_id, ((item, envelope),))[0]
        bounds[item.goal_id] = (first, (item, envelope))
    return bounds


def members_without_envelope(process: Process, view: EvaluationView) -> list[str]:
    """The active members who hold no live envelope of an evaluation still open for
    acceptance (they joined after it was written): the supervisor's client shares it with
    them when she opens it, so that every active member can read and accept it."""
    if view.evaluation.accepted_at is not None or process.is_ended:
        return []
    now = utcnow()
    holders = {env.recipient_uid for env in db.session.scalars(
        select(Envelope).where(Envelope.item_id == view.item.id)) if env.is_live(now)}
    return [m.user_uid for m in process.active_members() if m.user_uid not in holders]
