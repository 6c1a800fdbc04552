"""The session agenda (issue 10, "Topics and the agenda"; docs/protocol.md "Session agendas").

The supervisor builds each session's agenda from what happened since the previous held
session: topics her supervisees proposed, entries they marked "bring to the next session",
answers to assignments and check-ins they shared with her, and the unfinished lines of the
previous agenda (carried over by the roll-over when a session is marked held). Everything
gathered is something she already holds a live envelope for through the process: nothing
else is ever gathered (no envelope, an expired one, or one through another process).

Structure is plaintext (`Agenda`, `AgendaEntry`: order, minutes, where a line came from,
done, minutes used); the words are one sealed item of kind "agenda" of the process
(`links.session` = the session), payload `{"lines": {"<entry id>": {"title", "note"}}}`,
sealed to the supervisor while drafting and to every active member once shared.

Saving the structure is one conditional UPDATE on `Agenda.version` (the version the client
last read): of two saves from the same version one wins, the other is `409 agenda_changed`
with the stored version. Ticking a line during the session (the checklist) changes only
that line and no version, so ticks from a phone that was offline do not fight the builder.
Reading is a constant number of queries whatever the number of gathered items.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Envelope, Item, Membership, Process, User
from ..models.agendas import CHAIN_DEPTH, Agenda, AgendaEntry
from ..models.sessions import SupervisionSession
from ..models.types import utcnow
from . import rollover, schedule
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .items import core_rows, wire_json

KIND = "agenda"
#: A gathered line's source → the kind of item it names ("entry": anything marked "bring").
SOURCE_KINDS = {"topic": "topic", "response": "response", "checkin": "checkin"}
GATHERED_SOURCES = ("topic", "entry", "response", "checkin")
MAX_LINES = 400


@dataclass(frozen=True)
class LineInput:
    """One line as the builder saves it (its place is its index in the list)."""

    id: str
    source: str
    source_id: str | None = None
    minutes: int = 0
    done: bool = False
    used_minutes: int | None = None
    used_given: bool = False


@dataclass(frozen=True)
class Timebox:
    """The agenda's minutes against the session's length."""

    total: int
    length: int

    @property
    def left(self) -> int:
        return self.length - self.total

    @property
    def over(self) -> bool:
        return self.total > self.length


#: An item as the API answers it to one reader (items.wire.item_json's form), as JSON text:
#: read as plain rows, not ORM objects, since the builder gathers hundreds at once.
Wire = str


@dataclass(frozen=True)
class Candidates:
    """What the builder gathers for a session: each list newest first, items in their wire
    form with the supervisor's envelope. `previous_checkins`: for each (author, goal) of a
    gathered check-in, the latest shared one before `since` (the browser shows the change).
    `json()`: the groups as one JSON object's members, each list as it is written."""

    since: datetime | None
    previous: SupervisionSession | None
    topics: list[Wire] = field(default_factory=list)
    entries: list[Wire] = field(default_factory=list)
    responses: list[Wire] = field(default_factory=list)
    checkins: list[Wire] = field(default_factory=list)
    previous_checkins: list[Wire] = field(default_factory=list)
    #: when the first of the shares read ends (what is gathered changes then; None: none)
    ends_at: datetime | None = None

    @property
    def count(self) -> int:
        return len(self.topics) + len(self.entries) + len(self.responses) + len(self.checkins)

    def json(self, names: dict[str, str]) -> str:
        """The members `"<name>":[…]` of a JSON object, each group under its name in
        `names` (the API and the page name them differently)."""
        return ",".join(f'"{names[key]}":{json_list(getattr(self, key))}' for key in (
            "topics", "entries", "responses", "checkins", "previous_checkins"))


class Carried(NamedTuple):
    """Where a carried line's words are: under `line` in the sealed agenda `item` (with the
    reader's envelope), an agenda earlier in the line's chain."""

    line: str
    item: Item
    envelope: Envelope


@dataclass(frozen=True)
class AgendaView:
    """A session's agenda as one reader may see it."""

    session: SupervisionSession
    process: Process
    is_supervisor: bool
    agenda: Agenda | None
    lines: list[Any]          # rows of _LINE_COLUMNS (pages: _PAGE_LINE_COLUMNS), in order
    item: tuple[Item, Envelope] | None          # the sealed agenda, with the reader's envelope
    # Carried lines: where their words are (_carried_items), by line id.
    carried: dict[str, Carried] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return self.agenda.version if self.agenda is not None else 0

    @property
    def shared_at(self) -> datetime | None:
        return self.agenda.shared_at if self.agenda is not None else None

    @property
    def timebox(self) -> Timebox:
        return Timebox(sum(line.minutes for line in self.lines), self.session.minutes)


# -- who may do what ---------------------------------------------------------------------------

def _session_of(user: User, sid: str) -> tuple[SupervisionSession, Process]:
    """The session and its process for a current member (404 to anyone else)."""
    session = schedule.get_session(user, sid)
    return session, db.session.get(Process, session.process_id)


def _supervised(user: User, sid: str) -> tuple[SupervisionSession, Process]:
    session, process = _session_of(user, sid)
    if process.supervisor_uid != user.uid:
        raise Forbidden("Only the process's supervisor builds the agenda.", "not_supervisor")
    return session, process


def _writable(user: User, sid: str) -> tuple[SupervisionSession, Process]:
    session, process = _supervised(user, sid)
    if process.is_ended:
        raise Conflict("The process has ended.", "process_ended")
    if session.status == "cancelled":
        raise Conflict("The session was cancelled.", "session_cancelled",
                       session_status=session.status)
    return session, process


def _live(now: datetime):
    return (Envelope.expires_at.is_(None)) | (Envelope.expires_at > now)


# -- gathering ---------------------------------------------------------------------------------

def previous_held(session: SupervisionSession) -> SupervisionSession | None:
    """The process's latest held session that started before this one."""
    return db.session.scalar(
        select(SupervisionSession).where(
            SupervisionSession.process_id == session.process_id,
            SupervisionSession.status == "held",
            SupervisionSession.starts_at < session.starts_at)
        .order_by(SupervisionSession.starts_at.desc()).limit(1))


#: The columns of an item and the reader's envelope that make its wire form.
_WIRE_COLUMNS = (Item.id, Item.kind, Item.author_uid, Item.rev, Item.h, Item.iv, Item.ct,
                 Item.sig, Item.process_id, Item.parent_id, Item.session_id, Item.goal_id,
                 Item.created_at, Item.updated_at, Envelope.recipient_uid, Envelope.type,
                 Envelope.epk, Envelope.iv.label("env_iv"), Envelope.ct.label("env_ct"),
                 Envelope.bring, Envelope.expires_at.label("env_expires_at"))


#: A row of _WIRE_COLUMNS (wire_row's columns first, in its order) as the JSON text of the
#: API's form of an item for its reader; tests/test_agendas.py checks it against the items
#: API's answer for the same item.
_wire = wire_json


def json_list(wires: list[str]) -> str:
    """A list of _wire texts as one JSON array."""
    return "[" + ",".join(wires) + "]"


def _gathered_query(reader_uid: str, pid: str, since: datetime | None, now: datetime):
    """Everything shared with the reader through the process that the agenda gathers: the
    topics, answers and check-ins, and whatever was marked "bring"; written, edited or shared
    since `since`. One index range (envelopes by process and recipient)."""
    query = (select(*_WIRE_COLUMNS).join(Envelope, Envelope.item_id == Item.id)
             .where(Envelope.process_id == pid, Envelope.recipient_uid == reader_uid,
                    Item.author_uid != reader_uid, _live(now),
                    Envelope.item_kind.in_(tuple(SOURCE_KINDS.values())) | Envelope.bring)
             .order_by(Item.created_at.desc(), Item.id.desc()))
    if since is not None:
        query = query.where((Item.updated_at >= since) | (Envelope.created_at >= since))
    return query


def _previous_checkins(reader_uid: str, pid: str, since: datetime, now: datetime,
                       gathered: list[str]) -> list:
    """Per (author, goal), the latest check-in shared with the reader before `since` that
    is not among the `gathered` ones (one written before `since` but shared or edited after
    it is gathered, and must not be its own predecessor): rows of _WIRE_COLUMNS."""
    ranked = (select(Item.id.label("id"), func.row_number().over(
        partition_by=(Item.author_uid, Item.goal_id),
        order_by=(Item.created_at.desc(), Item.id.desc())).label("rank"))
        .join(Envelope, Envelope.item_id == Item.id)
        .where(Envelope.process_id == pid, Envelope.recipient_uid == reader_uid,
               Envelope.item_kind == "checkin", _live(now), Item.created_at < since,
               Item.id.not_in(gathered))
        .subquery())
    rows = core_rows(
        select(*_WIRE_COLUMNS).join(Envelope, Envelope.item_id == Item.id)
        .join(ranked, ranked.c.id == Item.id)
        .where(ranked.c.rank == 1, Envelope.recipient_uid == reader_uid))
    return rows


def gather(supervisor_uid: str, session: SupervisionSession) -> Candidates:
    """The candidates of a session's agenda for its supervisor (a constant number of
    queries: the previous held session, the gathered items, the earlier check-ins)."""
    now = utcnow()
    previous = previous_held(session)
    since = previous.starts_at if previous is not None else None
    groups: dict[str, list[Wire]] = {s: [] for s in GATHERED_SOURCES}
    checkins: list[str] = []
    rows = core_rows(_gathered_query(supervisor_uid, session.process_id, since, now))
    for row in rows:
        source = "entry" if row.bring and row.kind not in SOURCE_KINDS else row.kind
        groups[source].append(_wire(row))
        if source == "checkin":
            checkins.append(row.id)
    earlier = (_previous_checkins(supervisor_uid, session.process_id, since, now, checkins)
               if since is not None and checkins else [])
    ends = [row.env_expires_at for row in (*rows, *earlier) if row.env_expires_at is not None]
    return Candidates(since, previous, groups["topic"], groups["entry"], groups["response"],
                      groups["checkin"], [_wire(row) for row in earlier],
                      min(ends) if ends else None)


def candidates(supervisor: User, sid: str) -> tuple[AgendaView, Candidates]:
    """The builder's data: the agenda as stored and everything gathered for it. The
    process's supervisor only (403 to its other members, 404 to anyone else)."""
    session, process = _supervised(supervisor, sid)
    view = _view(supervisor, session, process, True, _PAGE_LINE_COLUMNS)
    return view, gather(supervisor.uid, session)


def gathered(supervisor: User, sid: str) -> Candidates:
    """Only what the builder gathers (the candidates call): the same checks as
    `candidates`, without reading the agenda."""
    session, _process = _supervised(supervisor, sid)
    return gather(supervisor.uid, session)


# -- reading the agenda ------------------------------------------------------------------------

def _reader_envelope(item_id: str | None, uid: str) -> tuple[Item, Envelope] | None:
    if item_id is None:
        return None
    row = db.session.execute(
        select(Item, Envelope).join(Envelope, Envelope.item_id == Item.id)
        .where(Item.id == item_id, Envelope.recipient_uid == uid, _live(utcnow()))).first()
    return (row[0], row[1]) if row else None


def _carried_items(lines: list[Any], uid: str) -> dict[str, Carried]:
    """For each carried line, where its words are, among the sealed agendas of the lines
    before it in its chain (carried_from, and that line's carried_from, …) that the reader
    holds an envelope of: the nearest one saved since that line was in it (its sealed
    payload has the line's words). An agenda never saved since lines were carried into it
    (a session held or cancelled before the supervisor opened it) has no words for them.
    Where none was saved since, the earliest one of the chain (where the line was first
    written: its own lines are saved with their words). One query per step back (one for a
    line carried once), and one for the envelopes."""
    current = {line.id: line.carried_from_id for line in lines if line.carried_from_id}
    # line → [(earlier line, its agenda's item, saved since the line was in it)], nearest first
    chains: dict[str, list[tuple[str, str, bool]]] = {}
    for _ in range(CHAIN_DEPTH):
        if not current:
            break
        rows = {row.id: row for row in core_rows(
            select(AgendaEntry.id, AgendaEntry.carried_from_id, AgendaEntry.created_at,
                   Agenda.item_id, Item.updated_at)
            .join(Agenda, Agenda.session_id == AgendaEntry.session_id)
            .outerjoin(Item, Item.id == Agenda.item_id)
            .where(AgendaEntry.id.in_(set(current.values()))))}
        following = {}
        for line_id, earlier in current.items():
            row = rows.get(earlier)
            if row is None:
                continue
            if row.item_id is not None:
                chains.setdefault(line_id, []).append(
                    (earlier, row.item_id, row.updated_at is not None
                     and row.updated_at >= row.created_at))
            if row.carried_from_id:
                following[line_id] = row.carried_from_id
        current = following
    if not chains:
        return {}
    readable = {item.id: (item, env) for item, env in db.session.execute(
        select(Item, Envelope).join(Envelope, Envelope.item_id == Item.id)
        .where(Item.id.in_({item_id for chain in chains.values() for _l, item_id, _s in chain}),
               Envelope.recipient_uid == uid, _live(utcnow()))).all()}
    carried = {}
    for line_id, chain in chains.items():
        held = [(earlier, item_id, saved) for earlier, item_id, saved in chain
                if item_id in readable]
        if held:
            earlier, item_id, _saved = next((c for c in held if c[2]), held[-1])
            carried[line_id] = Carried(earlier, *readable[item_id])
    return carried


#: A line as read for a view: the row's columns (attribute access as on AgendaEntry), not an
#: ORM object: an agenda may have hundreds.
_LINE_COLUMNS = (AgendaEntry.id, AgendaEntry.position, AgendaEntry.minutes, AgendaEntry.source,
                 AgendaEntry.source_id, AgendaEntry.carried_from_id, AgendaEntry.done,
                 AgendaEntry.used_minutes, AgendaEntry.created_at, AgendaEntry.updated_at)


#: What the pages show of a line (no timestamps: hundreds of them to convert for nothing).
_PAGE_LINE_COLUMNS = (AgendaEntry.id, AgendaEntry.minutes, AgendaEntry.source,
                      AgendaEntry.source_id, AgendaEntry.carried_from_id, AgendaEntry.done,
                      AgendaEntry.used_minutes)


def _lines(sid: str, columns=_LINE_COLUMNS) -> list[Any]:
    return core_rows(select(*columns).where(AgendaEntry.session_id == sid)
                     .order_by(AgendaEntry.position, AgendaEntry.created_at))


def _view(reader: User, session: SupervisionSession, process: Process,
          supervising: bool, columns=_LINE_COLUMNS) -> AgendaView:
    agenda = db.session.get(Agenda, session.id, populate_existing=True)
    lines = _lines(session.id, columns) if agenda is not None else []
    item = _reader_envelope(agenda.item_id if agenda else None, reader.uid)
    return AgendaView(session, process, supervising, agenda, lines, item,
                      _carried_items(lines, reader.uid))


def agenda_of(reader: User, sid: str) -> AgendaView:
    """A session's agenda: the supervisor's always (drafting or shared); a participant's
    once it is shared (`404 agenda_not_shared` before); 404 to anyone else."""
    session, process = _session_of(reader, sid)
    supervising = process.supervisor_uid == reader.uid
    view = _view(reader, session, process, supervising)
    if not supervising and view.shared_at is None:
        raise NotFound("The agenda of this session has not been shared yet.",
                       "agenda_not_shared")
    return view


def is_shared(sid: str) -> bool:
    return bool(db.session.scalar(select(Agenda.shared_at.is_not(None))
                                  .where(Agenda.session_id == sid)))


# -- saving the structure ----------------------------------------------------------------------

def _bump(session: SupervisionSession, expected: int) -> Agenda:
    """Take the next version of the session's agenda if it is still `expected` (0: none
    yet): one conditional UPDATE (or the INSERT of the first), else 409 with the stored."""
    now = utcnow()
    if expected == 0:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(Agenda).values(
                    session_id=session.id, process_id=session.process_id, version=1,
                    created_at=now, updated_at=now))
        except IntegrityError:
            _changed(session.id)
    else:
        result = db.session.execute(
            update(Agenda).where(Agenda.session_id == session.id, Agenda.version == expected)
            .values(version=Agenda.version + 1, updated_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            _changed(session.id)
    return db.session.get(Agenda, session.id, populate_existing=True)


def _changed(sid: str) -> None:
    stored = db.session.scalar(select(Agenda.version).where(Agenda.session_id == sid)
                               .execution_options(populate_existing=True))
    raise Conflict("The agenda was changed elsewhere since you opened it.", "agenda_changed",
                   version=stored or 0)


def _check_item(supervisor: User, session: SupervisionSession, agenda: Agenda,
                item_id: str | None) -> None:
    if item_id is None or item_id == agenda.item_id:
        return
    if agenda.item_id is not None:
        raise Conflict("This session's agenda is another item.", "agenda_item_exists",
                       item=agenda.item_id)
    item = db.session.get(Item, item_id)
    if (item is None or item.kind != KIND or item.author_uid != supervisor.uid
            or item.session_id != session.id or item.process_id != session.process_id):
        raise NotFound("item: no agenda item of this session", "agenda_item_not_found",
                       field="item")
    agenda.item_id = item_id


def _check_sources(supervisor: User, session: SupervisionSession,
                   lines: list[LineInput], stored: dict[str, Any]) -> None:
    """A new line gathered from an item names something the supervisor holds a live
    envelope for through the process, of the kind its source says; a stored line keeps its
    source."""
    wanted: dict[str, str] = {}
    for line in lines:
        kept = stored.get(line.id)
        if kept is not None:
            if (kept.source, kept.source_id) != (line.source, line.source_id):
                raise InvalidInput("a line keeps the source it was added with",
                                   "line_source_changed", field="lines", line=line.id)
        elif line.source != "own":
            wanted[line.source_id or ""] = line.source
    if not wanted:
        return
    rows = db.session.execute(
        select(Envelope.item_id, Envelope.item_kind, Envelope.bring)
        .where(Envelope.item_id.in_(list(wanted)), Envelope.recipient_uid == supervisor.uid,
               Envelope.process_id == session.process_id, _live(utcnow()))).all()
    found = {item_id: (kind, bring) for item_id, kind, bring in rows}
    for source_id, source in wanted.items():
        kind, bring = found.get(source_id, (None, False))
        if kind is None or (SOURCE_KINDS.get(source, kind) != kind) or (
                source == "entry" and not bring):
            raise NotFound("a line's source is nothing shared with you in this process",
                           "source_not_found", field="lines", source_id=source_id)


def _check_lines(lines: list[LineInput]) -> None:
    seen: set[str] = set()
    for line in lines:
        if line.id in seen:
            raise InvalidInput("each line once", "duplicate_line", field="lines", line=line.id)
        seen.add(line.id)
        if (line.source == "own") != (line.source_id is None):
            raise InvalidInput("a gathered line names its source_id, an own line none",
                               "bad_source", field="lines", line=line.id)


def save(supervisor: User, sid: str, version: int, lines: list[LineInput],
         item_id: str | None = None) -> AgendaView:
    """Save the agenda's structure: its lines in order (new ones added, missing ones
    removed), minutes, done; and, the first time, the sealed agenda item. Conditional on
    `version` (the one the client read): `409 agenda_changed` with the stored version."""
    _check_lines(lines)
    session, process = _writable(supervisor, sid)
    agenda = _bump(session, version)
    _check_item(supervisor, session, agenda, item_id)
    stored = {line.id: line for line in _lines(sid)}
    _check_sources(supervisor, session, lines, stored)
    new_ids = [line.id for line in lines if line.id not in stored]
    if new_ids and db.session.scalar(select(func.count()).select_from(AgendaEntry)
                                     .where(AgendaEntry.id.in_(new_ids))):
        raise Conflict("A line id belongs to another agenda.", "line_exists", field="lines")
    keep = {line.id for line in lines}
    gone = [line_id for line_id in stored if line_id not in keep]
    if gone:
        db.session.execute(delete(AgendaEntry).where(AgendaEntry.id.in_(gone))
                           .execution_options(synchronize_session=False))
    now = utcnow()
    changes, rows = [], []
    for position, line in enumerate(lines):
        values = {"position": position, "minutes": line.minutes, "done": line.done,
                  "updated_at": now}
        if line.used_given:
            values["used_minutes"] = line.used_minutes
        if line.id in stored:
            changes.append({"id": line.id, **values})
        else:
            rows.append({"id": line.id, "session_id": sid, "process_id": process.id,
                         "source": line.source, "source_id": line.source_id,
                         "created_at": now, "used_minutes": line.used_minutes, **values})
    if changes:
        db.session.execute(update(AgendaEntry), changes)
    if rows:
        db.session.execute(insert(AgendaEntry), rows)
    db.session.flush()
    db.session.expire_all()
    return _view(supervisor, session, process, True)


def share(supervisor: User, sid: str) -> AgendaView:
    """Share the saved agenda with the participants: every active member of the process
    must hold a live envelope of the sealed agenda (`409 readers_missing` lists who does
    not); sets `shared_at` (kept when shared again)."""
    session, process = _writable(supervisor, sid)
    agenda = db.session.get(Agenda, sid, with_for_update=True, populate_existing=True)
    if agenda is None or agenda.item_id is None:
        raise Conflict("Save the agenda before sharing it.", "agenda_not_saved")
    members = set(db.session.scalars(select(Membership.user_uid).where(
        Membership.process_id == process.id, Membership.ended_at.is_(None))))
    holders = set(db.session.scalars(select(Envelope.recipient_uid).where(
        Envelope.item_id == agenda.item_id, _live(utcnow()))))
    missing = sorted(members - holders)
    if missing:
        raise Conflict("Every participant needs the agenda's key first.", "readers_missing",
                       missing=missing)
    if agenda.shared_at is None:
        agenda.shared_at = utcnow()
    db.session.flush()
    return _view(supervisor, session, process, True)


def tick(supervisor: User, sid: str, line_id: str, done: bool | None,
         used_minutes: int | None, used_given: bool) -> AgendaEntry:
    """The checklist during the session: mark one line done (or not) and note the minutes
    it took. Only that line changes; no version (ticks from an offline phone arrive late).
    On a session already held, a tick changes what was carried on (rollover.after_tick)."""
    session, _process = _writable(supervisor, sid)
    # After the process's roll-over lock, the session's status is read anew: a tick and a
    # roll-over (marking the session held) go one after the other.
    rollover.lock(session.process_id)
    status = db.session.scalar(select(SupervisionSession.status)
                               .where(SupervisionSession.id == sid))
    values: dict = {"updated_at": utcnow()}
    if done is not None:
        values["done"] = done
    if used_given:
        values["used_minutes"] = used_minutes
    result = db.session.execute(
        update(AgendaEntry).where(AgendaEntry.id == line_id, AgendaEntry.session_id == sid)
        .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise NotFound("no such line in this agenda", "line_not_found")
    line = db.session.get(AgendaEntry, line_id, populate_existing=True)
    assert line is not None
    if done is not None and status == "held":
        rollover.after_tick(session, line_id, done)
    return line


# -- hooks of the item PUT (services/items.py) for kind "agenda" -------------------------------

def before_create(author: User, item: Item, links: dict[str, str] | None) -> None:
    """An agenda item belongs to a session of a process its author supervises."""
    if item.process_id is None:
        raise InvalidInput("An agenda belongs to a supervision process.", "process_required",
                           field="process")
    process = db.session.get(Process, item.process_id)
    if process is None or process.supervisor_uid != author.uid:
        raise Forbidden("Only the process's supervisor writes its agendas.", "not_supervisor",
                        field="process")
    if not (links or {}).get("session"):
        raise InvalidInput("An agenda names its session (links.session).", "session_required",
                           field="links.session")
    stored = db.session.scalar(select(Agenda.item_id).where(
        Agenda.session_id == links["session"]))   # type: ignore[index]
    if stored is not None and stored != item.id:
        raise Conflict("This session has an agenda already.", "agenda_item_exists",
                       item=stored)


def after_create(item: Item, extra: None) -> None:
    """The structure is saved with PUT /sessions/{sid}/agenda (it names this item)."""


def before_update(author: User, item: Item) -> None:
    """Its author (the supervisor) edits it: checked by the item PUT."""


def before_delete(item: Item) -> None:
    """The structure stays; Agenda.item_id is cleared by its foreign key."""


class Member(NamedTuple):
    name: str
    bundle: dict[str, Any]


def members(pid: str) -> dict[str, Member]:
    """The process's current members (the readers of a shared agenda) with their names and
    public key bundles, in one query."""
    return {uid: Member(name, bundle) for uid, name, bundle in db.session.execute(
        select(Membership.user_uid, User.display_name, User.bundle)
        .join(User, User.uid == Membership.user_uid)
        .where(Membership.process_id == pid, Membership.ended_at.is_(None))
        .order_by(Membership.user_uid)).all()}
