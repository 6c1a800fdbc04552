"""The sealed store: create, update, read, list and delete items and their envelopes.

The server checks structure and signatures (PROTOCOL §4–5) but cannot read content.
"""
from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Select, String, bindparam, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

import protocol

from ..extensions import db
from ..models import Envelope, Item, Process, SupervisionSession, Tombstone, User
from ..models.types import UTCDateTime, utcnow
from ..schemas.items import (
    EnvelopeWrite,
    ItemWrite,
    OwnerEnvelope,
    ShareEnvelope,
    encode_cursor,
)
from . import policy, processes
from .errors import Conflict, Forbidden, Gone, InvalidInput, NotFound

EnvelopeValue = OwnerEnvelope | ShareEnvelope


def _check_sealed(data: ItemWrite, item_id: str, author: User) -> None:
    """The signature over the sealed content, by the author, for this id, kind and rev
    (its structure was checked by the schema)."""
    ed_pub = protocol.b64u_decode(author.bundle["ed25519"], 32)
    try:
        protocol.verify_item(data.sealed.model_dump(), data.sig, item_id=item_id,
                             kind=data.kind, rev=data.rev, by=author.uid,
                             ed25519_public_raw=ed_pub)
    except protocol.ProtocolError as exc:
        raise InvalidInput(str(exc), exc.code, field="sealed") from None


def _envelope_row(item: Item, env: EnvelopeValue, expires_at: datetime | None = None,
                  process_id: str | None = None, bring: bool = False) -> Envelope:
    return Envelope(recipient_uid=env.recipient, type=env.type,
                    epk=env.epk if isinstance(env, ShareEnvelope) else None,
                    iv=env.iv, ct=env.ct, expires_at=expires_at, process_id=process_id,
                    bring=bring, item_kind=item.kind, item_created_at=item.created_at)


def _private() -> Forbidden:
    return Forbidden("A private note is sealed to its author alone: it cannot be shared.",
                     "private_note", field="envelopes")


def _not_shared() -> Forbidden:
    return Forbidden("You can share only with people in your supervision processes.",
                     "not_shared_process", field="envelopes")


def _reader_rows(author: User, item: Item, envelopes: list[EnvelopeValue],
                 stored: dict[str, Envelope] | None = None) -> list[Envelope]:
    """The envelope rows of a create or a key rotation (PROTOCOL §5): one per recipient, the
    author's own of type ak, the others of type x25519. A reader who already holds a live
    envelope (`stored`) keeps the process, expiry and "bring" mark it was shared with (an
    expiry in the envelope object replaces it); a new reader is allowed only through the item's own
    process, when the author and the reader are both its active members."""
    seen: set[str] = set()
    rows = []
    for env in envelopes:
        recipient = env.recipient
        if recipient in seen:
            raise InvalidInput("one envelope per recipient", "duplicate_recipient",
                               field="envelopes")
        seen.add(recipient)
        if recipient == author.uid:
            if env.type != "ak":
                raise InvalidInput("the author's envelope must be of type ak",
                                   "bad_envelope", field="envelopes")
            rows.append(_envelope_row(item, env))
            continue
        if not policy.may_receive_envelope(item, recipient):
            raise _private()
        if env.type != "x25519":
            raise InvalidInput("envelopes for others must be of type x25519",
                               "bad_envelope", field="envelopes")
        own_expiry = getattr(env, "expires_at", None)
        kept = (stored or {}).get(recipient)
        if kept is not None and kept.is_live() and _still_through(kept):
            rows.append(_envelope_row(item, env, own_expiry or kept.expires_at,
                                      kept.process_id, kept.bring))
        elif item.process_id is not None and _both_active(author.uid, recipient,
                                                          item.process_id):
            rows.append(_envelope_row(item, env, own_expiry, item.process_id))
        else:
            raise _not_shared()
    if author.uid not in seen:
        raise InvalidInput("the author's own envelope is required", "missing_owner_envelope",
                           field="envelopes")
    return rows


def _still_through(kept: Envelope) -> bool:
    """A reader keeps their envelope in a rotation while the membership it was shared
    through lasts (its end deletes it: a rotation that read the set before must not bring
    it back). The process is locked first; see processes.lock_for_sharing."""
    if kept.process_id is None:
        return True
    processes.lock_for_sharing(kept.process_id)
    return processes.is_current_member(kept.recipient_uid, kept.process_id)


def _both_active(author_uid: str, reader_uid: str, process_id: str) -> bool:
    """Both are active members of the process, checked under its lock."""
    processes.lock_for_sharing(process_id)
    return (processes.is_active_member(author_uid, process_id)
            and processes.is_active_member(reader_uid, process_id))


def _kind_rules(kind: str):
    """The module that adds rules and rows of its own to items of `kind` (a contract revision,
    a goal), called inside the item's transaction; None for other kinds."""
    from . import agendas, assignments, checkins, contracts, evaluations, goals, summaries, topics
    return {"contract": contracts, "goal": goals, "checkin": checkins,
            "topic": topics, "assignment": assignments, "agenda": agendas,
            "evaluation": evaluations,
            "response": assignments.ResponseRules,
            "template": assignments.TemplateRules, "summary": summaries}.get(kind)


def _check_process(author: User, process_id: str | None) -> None:
    """An item may belong only to a process its author is an active member of."""
    if process_id is None or processes.is_active_member(author.uid, process_id):
        return
    own = processes.membership(author.uid, process_id)
    if own is not None and own.ended_at is None:
        raise Conflict("The supervision process has ended; nothing new can be added.",
                       "process_ended", field="process")
    raise NotFound("process not found", "process_not_found", field="process")


def _check_note(author: User, kind: str, process_id: str | None) -> None:
    """A private note of a process is its supervisor's (policy.can_keep_notes), and written
    only while the process runs: checked under the process's row lock (ending takes it FOR
    UPDATE), so a note written as the process ends is saved before the end or refused."""
    if kind != "note" or process_id is None:
        return
    processes.lock_for_sharing(process_id)
    process = db.session.get(Process, process_id, populate_existing=True)
    if process is None or not policy.can_keep_notes(author, process):
        raise Forbidden("Only the process's supervisor keeps notes in it.", "not_supervisor",
                        field="process")
    if process.is_ended:
        raise Conflict("The supervision process has ended; nothing new can be added.",
                       "process_ended", field="process")


def _check_session_link(process_id: str | None, links: dict[str, str] | None,
                        stored: dict[str, str] | None = None) -> None:
    """A new session link of an item of a process must name a session of that process."""
    session_id = (links or {}).get("session")
    if process_id is None or session_id is None or session_id == (stored or {}).get("session"):
        return
    session = db.session.get(SupervisionSession, session_id)
    if session is None or session.process_id != process_id:
        raise NotFound("links.session: session not found", "session_not_found",
                       field="links.session")


def put_item(author: User, item_id: str, data: ItemWrite) -> tuple[Item, bool]:
    """Create (rev 1) or update (rev = stored + 1) an item. Returns (item, created).
    Repeating the last accepted write is idempotent; anything else stale is a 409."""
    rev = data.rev
    links = data.links.model_dump(exclude_none=True) if data.links is not None else None
    envelopes = data.envelopes
    if db.session.get(Tombstone, item_id) is not None:
        raise Gone("This item was deleted.", "deleted")
    # The row lock (PostgreSQL) or the write transaction taken up front (SQLite, see
    # webapp/uow.py) serialises writers of one item; the conditional UPDATE below would
    # still refuse a stale revision without them.
    item = db.session.get(Item, item_id, with_for_update=True, populate_existing=True)
    if item is None:
        return _create(author, item_id, data, rev, links, envelopes)
    return _update(author, item, data, rev, links, envelopes)


def _check_link_targets(author: User, item_id: str, links: dict[str, str] | None,
                        stored: dict[str, str] | None = None) -> None:
    """A new parent or goal link must name an item the author can read (not the item
    itself). A link kept as stored is not checked again: losing access to a parent later
    must not make the child's own edits fail."""
    for key in ("parent", "goal"):
        target = (links or {}).get(key)
        if target is None or target == (stored or {}).get(key):
            continue
        if target == item_id:
            raise InvalidInput(f"an item cannot be its own {key}", "bad_links",
                               field=f"links.{key}")
        if _envelope_of(target, author.uid) is None:
            raise NotFound(f"links.{key}: item not found", "link_not_found",
                           field=f"links.{key}")


def _create(author: User, item_id: str, data: ItemWrite, rev: int,
            links: dict[str, str] | None, envelopes: list[EnvelopeValue] | None
            ) -> tuple[Item, bool]:
    if rev != 1:
        raise Conflict("The item does not exist yet; a new item starts at rev 1.", "conflict",
                       rev=0)
    if envelopes is None:
        raise InvalidInput("the author's own envelope is required", "missing_owner_envelope",
                           field="envelopes")
    _check_process(author, data.process)
    _check_note(author, data.kind, data.process)
    now = utcnow()
    sealed = data.sealed
    item = Item(id=item_id, kind=data.kind, author_uid=author.uid, rev=1, h=sealed.h,
                iv=sealed.iv, ct=sealed.ct, sig=data.sig,
                size=len(protocol.b64u_decode(sealed.ct)), process_id=data.process,
                created_at=now, updated_at=now)
    rows = _reader_rows(author, item, envelopes)
    _check_link_targets(author, item_id, links)
    _check_session_link(data.process, links)
    _check_sealed(data, item_id, author)
    item.links = links
    item.envelopes = rows
    rules = _kind_rules(data.kind)
    extra = rules.before_create(author, item, links) if rules else None
    try:
        with db.session.begin_nested():
            db.session.add(item)
            if rules:
                rules.after_create(item, extra)
    except IntegrityError:
        # Someone created this id at the same moment (a retry racing the first try, or two
        # devices): answer as if this request came second.
        return _after_lost_race(author, item_id, data, rev, links, envelopes)
    return item, True


def _after_lost_race(author: User, item_id: str, data: ItemWrite, rev: int,
                     links: dict[str, str] | None, envelopes: list[EnvelopeValue] | None
                     ) -> tuple[Item, bool]:
    """Re-read after a concurrent write won, and answer as PROTOCOL §7 says for that state."""
    item = db.session.get(Item, item_id, with_for_update=True, populate_existing=True)
    if item is not None:
        return _update(author, item, data, rev, links, envelopes, retrying=True)
    if db.session.get(Tombstone, item_id) is not None:
        raise Gone("This item was deleted.", "deleted")
    raise Conflict("The item changed at the same time; try again.", "conflict", rev=0)


def _same_content(item: Item, data: ItemWrite) -> bool:
    return item.sealed == data.sealed.model_dump() and item.sig == data.sig


def _update(author: User, item: Item, data: ItemWrite, rev: int,
            links: dict[str, str] | None, envelopes: list[EnvelopeValue] | None,
            *, retrying: bool = False) -> tuple[Item, bool]:
    if not policy.can_edit(author, item):
        if _envelope_of(item.id, author.uid) is None:
            raise NotFound("item not found")
        raise Forbidden("Only the author can change this item.", "not_author")
    links_given = "links" in data.model_fields_set      # absent keeps them, null clears them
    if rev == item.rev and item.kind == data.kind and _same_content(item, data):
        return item, rev == 1          # a retried write: answer as the first time
    if rev != item.rev + 1 or retrying:
        raise Conflict("The item has changed since you opened it.", "conflict", rev=item.rev)
    if data.kind != item.kind:
        raise InvalidInput("the kind of an item cannot change", "bad_kind", field="kind")
    if data.process is not None and data.process != item.process_id:
        raise InvalidInput("the process of an item cannot change", "process_immutable",
                           field="process")
    if item.process_id is not None:
        _check_process(author, item.process_id)    # an ended process is read-only
        _check_note(author, item.kind, item.process_id)
    rules = _kind_rules(item.kind)
    if rules:
        rules.before_update(author, item)
    rows = None
    if envelopes is not None:
        stored = {env.recipient_uid: env for env in item.envelopes}
        rows = _reader_rows(author, item, envelopes, stored)
        if rules and hasattr(rules, "check_readers"):
            rules.check_readers(author, item, [row.recipient_uid for row in rows])
    if links_given:
        _check_link_targets(author, item.id, links, item.links)
        _check_session_link(item.process_id, links, item.links)
    _check_sealed(data, item.id, author)
    sealed = data.sealed
    item.rev, item.h, item.iv, item.ct, item.sig = rev, sealed.h, sealed.iv, sealed.ct, \
        data.sig
    item.size = len(protocol.b64u_decode(sealed.ct))
    if links_given:
        item.links = links
    # The due rotation (a new envelope set while a reader's loss is pending) re-seals the
    # same content; anything else is the author's edit.
    rotation = rows is not None and item.rekey_due
    item.updated_at = utcnow()
    if not rotation:
        item.edited_at = item.updated_at
    try:
        # Item.rev is the mapper's version column: this flush is
        # UPDATE items SET rev = :new ... WHERE id = :id AND rev = :old, checked by row count.
        with db.session.begin_nested():
            if rows is not None:
                # Delete the old set before inserting the new one: (item, recipient) is
                # unique and the unit of work would otherwise INSERT before it DELETEs.
                item.envelopes.clear()
                db.session.flush()
                item.envelopes.extend(rows)
                item.rekey_due = False      # the set was re-keyed (PROTOCOL §5 rotation)
            db.session.flush()
    except StaleDataError:
        return _after_lost_race(author, item.id, data, rev, links, envelopes)
    return item, False


def _envelope_of(item_id: str, uid: str) -> Envelope | None:
    return db.session.scalar(_live_envelopes().where(
        Envelope.item_id == item_id, Envelope.recipient_uid == uid))


def _live_envelopes() -> Select:
    return select(Envelope).where(
        or_(Envelope.expires_at.is_(None), Envelope.expires_at > utcnow()))


def get_item(reader: User, item_id: str) -> tuple[Item, Envelope]:
    """An item with the reader's own envelope; 404 for anyone without one."""
    envelope = _envelope_of(item_id, reader.uid)
    if envelope is None:
        raise NotFound("item not found")
    return envelope.item, envelope


#: The columns of an item and the reader's envelope that make the item's wire form.
WIRE_COLUMNS = (Item.id, Item.kind, Item.author_uid, Item.rev, Item.h, Item.iv, Item.ct,
                Item.sig, Item.process_id, Item.parent_id, Item.session_id, Item.goal_id,
                Item.created_at, Item.updated_at, Envelope.recipient_uid, Envelope.type,
                Envelope.epk, Envelope.iv.label("env_iv"), Envelope.ct.label("env_ct"))


def page_query(reader_uid: str, *, kind: str | None = None, process: str | None = None,
               before: tuple[datetime, str] | None = None, limit: int = 20,
               wire: bool = False, own: bool = False) -> Select:
    """The page query with its values bound (see _page_statement)."""
    statement, values = _page(reader_uid, kind=kind, process=process, before=before,
                              limit=limit, wire=wire, own=own)
    return statement.params(values)


def _page(reader_uid: str, *, kind: str | None, process: str | None,
          before: tuple[datetime, str] | None, limit: int, wire: bool, own: bool = False
          ) -> tuple[Select, dict[str, object]]:
    """The page statement for these arguments and the values of its parameters."""
    values: dict[str, object] = {"reader": reader_uid, "now": utcnow()}
    if kind is not None:
        values["kind"] = kind
    if process is not None:
        values["process"] = process
    if before is not None:
        values["before_at"], values["before_id"] = before
    statement = _page_statement(wire, kind is not None, process is not None,
                                before is not None, limit, own)
    return statement, values


@lru_cache(maxsize=64)
def _page_statement(wire: bool, kind: bool, process: bool, before: bool, limit: int,
                    own: bool = False) -> Select:
    """The page query, built once per shape with bound parameters (a page then costs its
    execution, not the building and cache-keying of a new statement). The cursor is a
    row-value comparison, `(created_at, id) < (:t, :id)`, which SQLite and PostgreSQL both
    turn into a range on the reader's index, so a page deep in a long journal costs what
    the first costs (an `a < x OR (a = x AND b < y)` does not). Rows hold the item and the
    envelope, or (`wire`) the WIRE_COLUMNS. `own`: only the reader's own items (their owner
    envelope, type ak), a range on ix_envelopes_reader_own_order."""
    query = (select(*(WIRE_COLUMNS if wire else (Item, Envelope)))
             .join(Item, Item.id == Envelope.item_id)
             .where(Envelope.recipient_uid == bindparam("reader"),
                    or_(Envelope.expires_at.is_(None),
                        Envelope.expires_at > bindparam("now", type_=UTCDateTime())))
             .order_by(Envelope.item_created_at.desc(), Envelope.item_id.desc())
             .limit(limit + 1))
    if own:
        query = query.where(Envelope.type == "ak")
    if kind:
        query = query.where(Envelope.item_kind == bindparam("kind"))
    if process:
        # The process's own items, and what was shared with the reader through it.
        query = query.where(or_(Item.process_id == bindparam("process"),
                                Envelope.process_id == bindparam("process")))
    if before:
        query = query.where(tuple_(Envelope.item_created_at, Envelope.item_id)
                            < tuple_(bindparam("before_at", type_=UTCDateTime()),
                                     bindparam("before_id", type_=String())))
    return query


def list_items(reader: User, *, kind: str | None = None, process: str | None = None,
               before: tuple[datetime, str] | None = None, limit: int = 20,
               own: bool = False) -> tuple[list[tuple[Item, Envelope]], str | None]:
    """Items the reader holds an envelope for, newest first, one page and the next cursor.
    `before` is the decoded cursor of the previous page (created_at, id).
    One query per page, an index range scan on the reader's envelopes (no sort, no N+1)."""
    statement, values = _page(reader.uid, kind=kind, process=process, before=before,
                              limit=limit, wire=False, own=own)
    rows = [(item, env) for item, env in db.session.execute(statement, values).all()]
    last = rows[limit - 1][0] if len(rows) > limit else None
    next_cursor = encode_cursor(last.created_at, last.id) if last is not None else None
    return rows[:limit], next_cursor


def wire_row(row) -> dict:
    """A plain row whose first 19 columns are the item's (id, kind, author_uid, rev, h, iv,
    ct, sig, process_id, parent_id, session_id, goal_id, created_at, updated_at) and the
    reader's envelope's (recipient_uid, type, epk, iv, ct), in the API's wire form
    (webapp.items.wire.item_json). Read by position: the journal's page query and the shared
    list select these columns in this order."""
    (item_id, kind, author, rev, h, iv, ct, sig, process_id, parent, session_id, goal,
     created, updated, recipient, env_type, epk, env_iv, env_ct) = row[:19]
    envelope = {"recipient": recipient, "type": env_type, "iv": env_iv, "ct": env_ct}
    if epk:
        envelope["epk"] = epk
    if parent or session_id or goal:
        links = {key: value for key, value in (("parent", parent), ("session", session_id),
                                               ("goal", goal)) if value}
    else:
        links = None
    return {"id": item_id, "kind": kind, "author": author, "rev": rev,
            "sealed": {"h": h, "iv": iv, "ct": ct}, "sig": sig, "envelope": envelope,
            "process": process_id, "links": links, "created_at": created.isoformat(),
            "updated_at": updated.isoformat()}


_str = json.encoder.encode_basestring_ascii      # a JSON string literal (C)


def _text(value: str | None) -> str:
    return "null" if value is None else _str(value)


def wire_json(row) -> str:
    """wire_row(row) as compact JSON text (json.dumps with separators=(",", ":"), ASCII),
    written directly: pages read tens to hundreds of items, and a dict per item then the
    JSON encoder over it was most of their own time. Same columns by position as wire_row;
    tests/test_journal_wire.py checks it against the API's form."""
    (item_id, kind, author, rev, h, iv, ct, sig, process_id, parent, session_id, goal,
     created, updated, recipient, env_type, epk, env_iv, env_ct) = row[:19]
    epk_text = f',"epk":{_str(epk)}' if epk else ""
    links = ",".join(f"{_str(key)}:{_str(value)}" for key, value in (
        ("parent", parent), ("session", session_id), ("goal", goal)) if value)
    return (f'{{"id":{_str(item_id)},"kind":{_str(kind)},"author":{_text(author)},'
            f'"rev":{int(rev)},"sealed":{{"h":{_text(h)},"iv":{_text(iv)},'
            f'"ct":{_text(ct)}}},"sig":{_text(sig)},"envelope":{{"recipient":'
            f'{_text(recipient)},"type":{_text(env_type)},"iv":{_text(env_iv)},'
            f'"ct":{_text(env_ct)}{epk_text}}},"process":{_text(process_id)},'
            f'"links":{"{" + links + "}" if links else "null"},'
            f'"created_at":"{created.isoformat()}",'
            f'"updated_at":"{updated.isoformat()}"}}')


class Wire(NamedTuple):
    """An item in the API's wire form for one reader, as compact JSON text (wire_json),
    with the two of its fields a card shows."""

    id: str
    created_at: str  # ISO 8601, as in the JSON
    json: str


def wire_of(row) -> Wire:
    return Wire(row[0], row[12].isoformat(), wire_json(row))


def core_rows(statement, values: dict | None = None) -> list:
    """A Core select of columns executed on the session's connection (its transaction), not
    through the ORM layer, read as plain tuples. Anything the session holds pending is
    flushed first, as session.execute would (autoflush)."""
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.flush()
    return db.session.connection().execute(statement, values or {}).all()


def list_wire_items(reader: User, *, kind: str | None = None, process: str | None = None,
                    before: tuple[datetime, str] | None = None, limit: int = 20,
                    own: bool = False) -> tuple[list[tuple[Wire, datetime]], str | None]:
    """The page list_items reads (same query, order and cursor), for a page that only shows
    it: each item straight in the API's wire form as JSON text (webapp.items.wire.item_json:
    the item and the reader's own envelope; wire_of) beside its creation time, read as plain
    rows, without building ORM objects."""
    rows, next_cursor = list_wire_rows(reader, kind=kind, process=process, before=before,
                                       limit=limit, own=own)
    return wire_page(rows), next_cursor


def list_wire_rows(reader: User, *, kind: str | None = None, process: str | None = None,
                   before: tuple[datetime, str] | None = None, limit: int = 20,
                   own: bool = False) -> tuple[tuple, str | None]:
    """list_wire_items's page as the plain rows it reads (a tuple of tuples of the
    WIRE_COLUMNS, equal and hashable by value: a view can key what it made of a page on the
    page itself) and the next cursor. wire_page(rows) is list_wire_items's page."""
    statement, values = _page(reader.uid, kind=kind, process=process, before=before,
                              limit=limit, wire=True, own=own)
    rows = core_rows(statement, values)
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = encode_cursor(last[12], last[0]) if last is not None else None
    # Plain tuples: a Row compares in Python, a tuple in C (a page's 20 rows: 17 µs → 3 µs).
    return tuple(map(tuple, rows[:limit])), next_cursor


def wire_page(rows) -> list[tuple[Wire, datetime]]:
    """Rows of the WIRE_COLUMNS as (Wire, created_at) pairs (list_wire_items's page)."""
    return [(wire_of(row), row[12]) for row in rows]


def delete_item(author: User, item_id: str) -> None:
    """Delete an item and every envelope of it, and leave a tombstone so the id stays
    deleted. Author only. Deleting again what the author already deleted is a no-op."""
    item = db.session.get(Item, item_id, with_for_update=True, populate_existing=True)
    if item is None:
        tombstone = db.session.get(Tombstone, item_id)
        if tombstone is not None and tombstone.author_uid == author.uid:
            return
        raise NotFound("item not found")
    if not policy.can_edit(author, item):
        if _envelope_of(item_id, author.uid) is None:
            raise NotFound("item not found")
        raise Forbidden("Only the author can delete this item.", "not_author")
    if item.process_id is not None and _process_ended(item.process_id):
        raise Conflict("The supervision process has ended; it stays as it was.",
                       "process_ended", field="process")
    rules = _kind_rules(item.kind)
    if rules:
        rules.before_delete(item)
    db.session.delete(item)
    db.session.add(Tombstone(id=item_id, author_uid=author.uid))
    db.session.flush()


def _process_ended(process_id: str) -> bool:
    """Whether the process has ended, read under its row lock (processes.lock_for_sharing:
    ending takes the row FOR UPDATE), so that a delete racing the end comes out before it
    or is refused after it, never done after the end on a stale read."""
    processes.lock_for_sharing(process_id)
    return db.session.scalar(select(Process.status).where(Process.id == process_id)) == "ended"


def put_envelope(author: User, item_id: str, recipient_uid: str, data: EnvelopeWrite) -> None:
    """Give one more reader the item's DEK, through a process the author and the reader are
    both active members of (PROTOCOL §5). Sharing again replaces the envelope, expiry
    included."""
    item = _locked_for_sharing(author, item_id)
    env = data.envelope
    if env.recipient != recipient_uid:
        raise InvalidInput("envelope recipient must match the URL", "recipient_mismatch",
                           field="envelope")
    if recipient_uid == author.uid or env.type != "x25519":
        raise InvalidInput("the author's own envelope is part of the item",
                           "bad_envelope", field="envelope")
    if not policy.may_receive_envelope(item, recipient_uid):
        raise _private()
    if item.process_id is not None and item.process_id != data.process:
        raise Forbidden("This item is shared through its own process only.",
                        "not_shared_process", field="process")
    if not _both_active(author.uid, recipient_uid, data.process):
        raise Forbidden("You can share only with active members of a supervision process "
                        "you are in.", "not_shared_process", field="process")
    rules = _kind_rules(item.kind)
    if rules and hasattr(rules, "check_readers"):
        rules.check_readers(author, item, [recipient_uid])
    existing = db.session.scalar(select(Envelope).where(  # expired ones too: they still hold
        Envelope.item_id == item_id, Envelope.recipient_uid == recipient_uid))  # the unique key
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    expires_at = data.expires_at or getattr(env, "expires_at", None)
    item.envelopes.append(_envelope_row(item, env, expires_at, data.process, data.bring))
    db.session.flush()


def _locked_for_sharing(author: User, item_id: str) -> Item:
    """The item, row-locked (PostgreSQL; SQLite's write transaction is already exclusive),
    so that shares, revocations, rotations and a delete of one item happen one at a time:
    the envelope read below is still true when it is written."""
    get_item(author, item_id)                       # 404 for anyone without an envelope
    item = db.session.get(Item, item_id, with_for_update=True, populate_existing=True)
    if item is None:                                # deleted meanwhile
        raise NotFound("item not found")
    if not policy.can_share(author, item):
        raise Forbidden("Only the author can share this item.", "not_author")
    return item


def delete_envelope(author: User, item_id: str, recipient_uid: str) -> None:
    """Revoke a reader's access. The author's own envelope cannot be revoked. The item is
    marked for a key rotation by the author's client (rekey_due)."""
    item = _locked_for_sharing(author, item_id)
    if recipient_uid == author.uid:
        raise InvalidInput("the author's own envelope cannot be revoked", "bad_envelope")
    existing = db.session.scalar(select(Envelope).where(
        Envelope.item_id == item_id, Envelope.recipient_uid == recipient_uid))
    if existing is None:
        raise NotFound("envelope not found")
    db.session.delete(existing)
    item.rekey_due = True
    db.session.flush()
