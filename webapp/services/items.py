"""The sealed store: create, update, read, list and delete items and their envelopes.

The server checks structure and signatures (PROTOCOL §4–5) but cannot read content.
"""
from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

import protocol

from ..extensions import db
from ..models import Envelope, Item, Tombstone, User
from ..models.types import utcnow
from . import policy
from . import validation as v
from .errors import Conflict, Forbidden, Gone, InvalidInput, NotFound

KINDS = frozenset({"entry", "response", "topic", "note", "contract", "goal", "checkin",
                   "assignment", "template", "agenda", "evaluation", "comment", "title"})
LINK_KEYS = frozenset({"parent", "session", "goal"})
MAX_CT_BYTES = 256 * 1024 + 16
MAX_LIMIT = 100


def _check_envelope(env: Any, item_id: str) -> dict[str, Any]:
    env = v.protocol(lambda: protocol.check_envelope_shape(env), "envelopes")
    v.uuid4(env["recipient"], "recipient")
    return env


def _check_links(links: Any) -> dict[str, str] | None:
    if links is None:
        return None
    if not isinstance(links, dict) or not set(links) <= LINK_KEYS:
        raise InvalidInput("links must be an object with parent, session or goal",
                           "bad_links", field="links")
    return {key: v.uuid4(value, f"links.{key}") for key, value in links.items()}


def _check_sealed(data: dict[str, Any], item_id: str, author: User) -> None:
    sealed = data["sealed"]
    if isinstance(sealed, dict) and isinstance(sealed.get("ct"), str) \
            and len(sealed["ct"]) > MAX_CT_BYTES * 4 // 3 + 4:
        raise InvalidInput("sealed content is too large", "too_large", field="sealed")
    ed_pub = protocol.b64u_decode(author.bundle["ed25519"], 32)
    v.protocol(lambda: protocol.verify_item(
        sealed, data["sig"], item_id=item_id, kind=data["kind"], rev=data["rev"],
        by=author.uid, ed25519_public_raw=ed_pub), "sealed")


def _envelope_row(item: Item, env: dict[str, Any],
                  expires_at: datetime | None = None) -> Envelope:
    return Envelope(recipient_uid=env["recipient"], type=env["type"], epk=env.get("epk"),
                    iv=env["iv"], ct=env["ct"], expires_at=expires_at,
                    item_kind=item.kind, item_created_at=item.created_at)


def _check_recipients(author: User, envelopes: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for env in envelopes:
        recipient = env["recipient"]
        if recipient in seen:
            raise InvalidInput("one envelope per recipient", "duplicate_recipient",
                               field="envelopes")
        seen.add(recipient)
        if recipient == author.uid:
            if env["type"] != "ak":
                raise InvalidInput("the author's envelope must be of type ak",
                                   "bad_envelope", field="envelopes")
        elif env["type"] != "x25519":
            raise InvalidInput("envelopes for others must be of type x25519",
                               "bad_envelope", field="envelopes")
        elif db.session.get(User, recipient) is None or not policy.shares_process(author.uid,
                                                                             recipient):
            raise Forbidden("You can share only with people in your supervision processes.",
                            "not_shared_process", field="envelopes")
    if author.uid not in seen:
        raise InvalidInput("the author's own envelope is required", "missing_owner_envelope",
                           field="envelopes")


def put_item(author: User, item_id: str, data: Any) -> tuple[Item, bool]:
    """Create (rev 1) or update (rev = stored + 1) an item. Returns (item, created).
    Repeating the last accepted write is idempotent; anything else stale is a 409."""
    v.uuid4(item_id, "id")
    v.require_object(data, {"kind", "rev", "sealed", "sig"}, {"envelopes", "process", "links"})
    if not isinstance(data["kind"], str) or data["kind"] not in KINDS:
        raise InvalidInput("unknown kind", "bad_kind", field="kind")
    rev = v.integer(data, "rev", minimum=1, maximum=2**31 - 1)
    if data.get("process") is not None:
        v.uuid4(data["process"], "process")
        raise NotFound("process not found", "process_not_found", field="process")
    links = _check_links(data.get("links"))
    envelopes = None
    if "envelopes" in data:
        if not isinstance(data["envelopes"], list) or len(data["envelopes"]) > 200:
            raise InvalidInput("envelopes must be a list", "invalid_type", field="envelopes")
        envelopes = [_check_envelope(env, item_id) for env in data["envelopes"]]
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


def _create(author: User, item_id: str, data: dict[str, Any], rev: int,
            links: dict[str, str] | None, envelopes: list[dict[str, Any]] | None
            ) -> tuple[Item, bool]:
    if rev != 1:
        raise Conflict("The item does not exist yet; a new item starts at rev 1.", "conflict",
                       rev=0)
    if envelopes is None:
        raise InvalidInput("the author's own envelope is required", "missing_owner_envelope",
                           field="envelopes")
    _check_recipients(author, envelopes)
    _check_link_targets(author, item_id, links)
    _check_sealed(data, item_id, author)
    now = utcnow()
    sealed = data["sealed"]
    item = Item(id=item_id, kind=data["kind"], author_uid=author.uid, rev=1, h=sealed["h"],
                iv=sealed["iv"], ct=sealed["ct"], sig=data["sig"],
                size=len(protocol.b64u_decode(sealed["ct"])), process_id=None,
                created_at=now, updated_at=now)
    item.links = links
    item.envelopes = [_envelope_row(item, env) for env in envelopes]
    try:
        with db.session.begin_nested():
            db.session.add(item)
    except IntegrityError:
        # Someone created this id at the same moment (a retry racing the first try, or two
        # devices): answer as if this request came second.
        return _after_lost_race(author, item_id, data, rev, links, envelopes)
    return item, True


def _after_lost_race(author: User, item_id: str, data: dict[str, Any], rev: int,
                     links: dict[str, str] | None, envelopes: list[dict[str, Any]] | None
                     ) -> tuple[Item, bool]:
    """Re-read after a concurrent write won, and answer as PROTOCOL §7 says for that state."""
    item = db.session.get(Item, item_id, with_for_update=True, populate_existing=True)
    if item is not None:
        return _update(author, item, data, rev, links, envelopes, retrying=True)
    if db.session.get(Tombstone, item_id) is not None:
        raise Gone("This item was deleted.", "deleted")
    raise Conflict("The item changed at the same time; try again.", "conflict", rev=0)


def _same_content(item: Item, data: dict[str, Any]) -> bool:
    return item.sealed == data["sealed"] and item.sig == data["sig"]


def _update(author: User, item: Item, data: dict[str, Any], rev: int,
            links: dict[str, str] | None, envelopes: list[dict[str, Any]] | None,
            *, retrying: bool = False) -> tuple[Item, bool]:
    if not policy.can_edit(author, item):
        if _envelope_of(item.id, author.uid) is None:
            raise NotFound("item not found")
        raise Forbidden("Only the author can change this item.", "not_author")
    if rev == item.rev and item.kind == data["kind"] and _same_content(item, data):
        return item, rev == 1          # a retried write: answer as the first time
    if rev != item.rev + 1 or retrying:
        raise Conflict("The item has changed since you opened it.", "conflict", rev=item.rev)
    if data["kind"] != item.kind:
        raise InvalidInput("the kind of an item cannot change", "bad_kind", field="kind")
    if envelopes is not None:
        _check_recipients(author, envelopes)
    if "links" in data:
        _check_link_targets(author, item.id, links, item.links)
    _check_sealed(data, item.id, author)
    sealed = data["sealed"]
    item.rev, item.h, item.iv, item.ct, item.sig = rev, sealed["h"], sealed["iv"], \
        sealed["ct"], data["sig"]
    item.size = len(protocol.b64u_decode(sealed["ct"]))
    if "links" in data:
        item.links = links
    item.updated_at = utcnow()
    try:
        # Item.rev is the mapper's version column: this flush is
        # UPDATE items SET rev = :new ... WHERE id = :id AND rev = :old, checked by row count.
        with db.session.begin_nested():
            if envelopes is not None:
                # Delete the old set before inserting the new one: (item, recipient) is
                # unique and the unit of work would otherwise INSERT before it DELETEs.
                item.envelopes.clear()
                db.session.flush()
                item.envelopes.extend(_envelope_row(item, env) for env in envelopes)
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
    v.uuid4(item_id, "id")
    envelope = _envelope_of(item_id, reader.uid)
    if envelope is None:
        raise NotFound("item not found")
    return envelope.item, envelope


def encode_cursor(item: Item) -> str:
    raw = f"{item.created_at.astimezone(UTC).isoformat()}|{item.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, item_id = raw.split("|")
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None or not protocol.is_uuid4(item_id):
            raise ValueError
        return when.astimezone(UTC), item_id  # OverflowError outside years 1–9999 in UTC
    except (ValueError, UnicodeDecodeError, OverflowError):
        raise InvalidInput("bad cursor", "bad_cursor", field="before") from None


def parse_limit(raw: Any, default: int = 20) -> int:
    if raw is None or raw == "":
        return default
    try:
        limit = int(raw)
    except (TypeError, ValueError):
        raise InvalidInput("limit must be an integer", "bad_limit", field="limit") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be 1–{MAX_LIMIT}", "bad_limit", field="limit")
    return limit


def list_items(reader: User, *, kind: str | None = None, process: str | None = None,
               before: str | None = None, limit: int = 20
               ) -> tuple[list[tuple[Item, Envelope]], str | None]:
    """Items the reader holds an envelope for, newest first, one page and the next cursor.
    One query per page, an index range scan on the reader's envelopes (no sort, no N+1)."""
    if kind is not None and kind not in KINDS:
        raise InvalidInput("unknown kind", "bad_kind", field="kind")
    if process is not None:
        v.uuid4(process, "process")
    now = utcnow()
    query = (select(Item, Envelope)
             .join(Item, Item.id == Envelope.item_id)
             .where(Envelope.recipient_uid == reader.uid,
                    or_(Envelope.expires_at.is_(None), Envelope.expires_at > now))
             .order_by(Envelope.item_created_at.desc(), Envelope.item_id.desc())
             .limit(limit + 1))
    if kind is not None:
        query = query.where(Envelope.item_kind == kind)
    if process is not None:
        query = query.where(Item.process_id == process)
    if before:
        when, item_id = decode_cursor(before)
        query = query.where(or_(Envelope.item_created_at < when,
                                and_(Envelope.item_created_at == when,
                                     Envelope.item_id < item_id)))
    rows = [(item, env) for item, env in db.session.execute(query).all()]
    next_cursor = encode_cursor(rows[limit - 1][0]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def delete_item(author: User, item_id: str) -> None:
    """Delete an item and every envelope of it, and leave a tombstone so the id stays
    deleted. Author only. Deleting again what the author already deleted is a no-op."""
    v.uuid4(item_id, "id")
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
    db.session.delete(item)
    db.session.add(Tombstone(id=item_id, author_uid=author.uid))
    db.session.flush()


def put_envelope(author: User, item_id: str, recipient_uid: str, data: Any) -> None:
    """Give one more reader (who must share a process with the author) the item's DEK."""
    item, _ = get_item(author, item_id)
    v.uuid4(recipient_uid, "uid")
    if not policy.can_share(author, item):
        raise Forbidden("Only the author can share this item.", "not_author")
    v.require_object(data, {"envelope"}, {"expires_at"})
    env = _check_envelope(data["envelope"], item_id)
    if env["recipient"] != recipient_uid:
        raise InvalidInput("envelope recipient must match the URL", "recipient_mismatch",
                           field="envelope")
    if recipient_uid == author.uid:
        raise InvalidInput("the author's own envelope is part of the item",
                           "bad_envelope", field="envelope")
    _check_recipients(author, [env, {"recipient": author.uid, "type": "ak"}])
    expires_at = _parse_expiry(data.get("expires_at"))
    existing = db.session.scalar(select(Envelope).where(  # expired ones too: they still hold
        Envelope.item_id == item_id, Envelope.recipient_uid == recipient_uid))  # the unique key
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    item.envelopes.append(_envelope_row(item, env, expires_at))
    db.session.flush()


def _parse_expiry(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) else None
        if when is not None and when.tzinfo is not None:
            when = when.astimezone(UTC)
    except (ValueError, OverflowError):
        when = None
    if when is None or when.tzinfo is None or when <= utcnow():
        raise InvalidInput("expires_at must be a future ISO 8601 time with a zone",
                           "bad_expiry", field="expires_at")
    return when


def delete_envelope(author: User, item_id: str, recipient_uid: str) -> None:
    """Revoke a reader's access. The author's own envelope cannot be revoked."""
    item, _ = get_item(author, item_id)
    v.uuid4(recipient_uid, "uid")
    if not policy.can_share(author, item):
        raise Forbidden("Only the author can revoke access.", "not_author")
    if recipient_uid == author.uid:
        raise InvalidInput("the author's own envelope cannot be revoked", "bad_envelope")
    existing = db.session.scalar(select(Envelope).where(
        Envelope.item_id == item_id, Envelope.recipient_uid == recipient_uid))
    if existing is None:
        raise NotFound("envelope not found")
    db.session.delete(existing)
    db.session.flush()
