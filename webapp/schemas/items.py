"""Sealed items and envelopes (PROTOCOL §4–5, §7)."""
from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    PlainSerializer,
    Tag,
    ValidationError,
    WithJsonSchema,
    WrapValidator,
    model_serializer,
    model_validator,
)

import protocol

from ..models.types import utcnow
from .accounts import AK_BYTES
from .types import (
    Schema,
    Str,
    Uuid4,
    b64u,
    b64u_length,
    coded,
    fail,
    integer,
    omitted,
    plain,
    protocol_check,
)

KINDS = ("entry", "response", "topic", "note", "contract", "goal", "checkin", "assignment",
         "template", "agenda", "evaluation", "comment", "title", "summary")
MAX_CT_BYTES = 256 * 1024 + protocol.TAG_LEN    # the largest sealed payload, padded, plus tag
MAX_HEADER_BYTES = 1024
MAX_ENVELOPES = 200
MAX_LIMIT, DEFAULT_LIMIT = 100, 20
MAX_REV = 2**31 - 1

Kind = Annotated[Literal[KINDS], coded("bad_kind", "unknown kind")]  # type: ignore[valid-type]


# -- sealed content ----------------------------------------------------------------------------

def _check_sealed(value: Any) -> None:
    """The structure of `sealed` the server can check without keys (PROTOCOL §4)."""
    if (not isinstance(value, dict) or set(value) != {"h", "iv", "ct"}
            or not all(isinstance(v, str) for v in value.values())):
        raise protocol.ProtocolError("bad_sealed", "sealed must have exactly string h, iv, ct")
    if len(value["ct"]) > b64u_length(MAX_CT_BYTES):
        raise protocol.ProtocolError("too_large", "sealed content is too large")
    protocol.b64u_decode(value["iv"], protocol.IV_LEN, field="sealed.iv")
    ct = protocol.b64u_decode(value["ct"], field="sealed.ct")
    if len(ct) < protocol.PAD_BLOCK + protocol.TAG_LEN or (
            len(ct) - protocol.TAG_LEN) % protocol.PAD_BLOCK:
        raise protocol.ProtocolError("bad_length", "sealed.ct is not a padded plaintext plus tag")
    if len(value["h"]) > b64u_length(MAX_HEADER_BYTES):
        raise protocol.ProtocolError("bad_header", "header too long")
    protocol.parse_header(value["h"])


class Sealed(Schema):
    """`{h, iv, ct}`: the header (base64url JSON, the AAD), the IV and the ciphertext of the
    padded payload (a multiple of 256 bytes plus the 16-byte tag). A request's `sealed` is
    checked whole by `_check_sealed` (SealedIn); the fields are not decoded twice."""

    h: b64u(max_bytes=MAX_HEADER_BYTES, check=False)  # type: ignore[valid-type]
    iv: b64u(protocol.IV_LEN, check=False)  # type: ignore[valid-type]
    ct: b64u(max_bytes=MAX_CT_BYTES, check=False)  # type: ignore[valid-type]


SealedIn = Annotated[Sealed, protocol_check(_check_sealed)]


# -- envelopes ---------------------------------------------------------------------------------

def _expiry(value: Any) -> datetime:
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) else None
        if when is not None and when.tzinfo is not None:
            when = when.astimezone(UTC)
    except (ValueError, OverflowError):
        when = None
    if when is None or when.tzinfo is None or when <= utcnow():
        raise fail("bad_expiry", "expires_at must be a future RFC 3339 time with an offset")
    return when


#: A future time with an offset or Z (PROTOCOL §5), as an aware UTC datetime.
Expiry = Annotated[datetime, *plain(_expiry, {"type": "string", "format": "date-time"})]


class OwnerEnvelope(Schema):
    """The author's own envelope: the DEK boxed with the account key."""

    recipient: Uuid4
    type: Literal["ak"]
    iv: b64u(protocol.IV_LEN)  # type: ignore[valid-type]
    ct: b64u(AK_BYTES)  # type: ignore[valid-type]


class ShareEnvelope(Schema):
    """The DEK for another user, through X25519 with an ephemeral key `epk`."""

    recipient: Uuid4
    type: Literal["x25519"]
    epk: b64u(32)  # type: ignore[valid-type]
    iv: b64u(protocol.IV_LEN)  # type: ignore[valid-type]
    ct: b64u(AK_BYTES)  # type: ignore[valid-type]
    # In an update's set: this reader's new expiry (absent keeps the stored one). Left out
    # of answers when absent (the document gives it no null).
    expires_at: Expiry = Field(default=None, exclude_if=lambda value: value is None)


Envelope = Annotated[Annotated[OwnerEnvelope, Tag("ak")] | Annotated[ShareEnvelope,
                                                                     Tag("x25519")],
                     Discriminator("type")]
EnvelopeIn = Annotated[Envelope, protocol_check(protocol.check_envelope_shape)]


# -- links -------------------------------------------------------------------------------------

#: A supervision session's id (random base64url, models.sessions; a UUIDv4 fits the pattern).
SessionLink = Annotated[Str, Field(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9_-]+$"),
                        coded("bad_id", "not a session id")]


class Links(Schema):
    """Links to other items: a parent item, a session, a goal."""

    parent: Uuid4 = omitted()
    session: SessionLink = omitted()
    goal: Uuid4 = omitted()

    @model_serializer(mode="wrap")
    def _only_set(self, handler: Any) -> dict[str, Any]:
        # Answered as stored: only the links an item has (a missing link is absent, never
        # null, as the schema says and Item.links gives them).
        return {key: value for key, value in handler(self).items() if value is not None}


def _links(value: Any, handler: Any) -> Any:
    try:
        return handler(value)
    except ValidationError as exc:
        error = exc.errors()[0]
        if error["type"] == "bad_id":
            raise fail("bad_id", "must be a lowercase UUIDv4",
                       field=f"links.{error['loc'][-1]}") from None
        raise fail("bad_links", "links must be an object with parent, session or goal") \
            from None


LinksIn = Annotated[Links, WrapValidator(_links)]


# -- requests ----------------------------------------------------------------------------------

class ItemPath(Schema):
    item_id: Uuid4


class EnvelopePath(Schema):
    item_id: Uuid4
    uid: Uuid4


class ItemWrite(Schema):
    """PUT /items/{item_id}: create (rev 1, with the author's own envelope) or update (the
    stored rev + 1). `envelopes` on an update replaces the set; `links` replaces the links
    (null clears them), absent keeps them."""

    kind: Kind
    rev: integer(1, MAX_REV)  # type: ignore[valid-type]
    sealed: SealedIn
    sig: b64u(64)  # type: ignore[valid-type]
    envelopes: Annotated[list[EnvelopeIn], Field(max_length=MAX_ENVELOPES)] = omitted()
    process: Uuid4 | None = None
    links: LinksIn | None = None




class EnvelopeWrite(Schema):
    """PUT /items/{item_id}/envelopes/{uid}: share the item with one more reader."""

    envelope: EnvelopeIn
    process: Uuid4
    expires_at: Expiry | None = None
    #: "Bring to the next session": the reader's list shows marked items first (plaintext).
    bring: bool = False

    @model_validator(mode="after")
    def _one_expiry(self) -> EnvelopeWrite:
        inner = getattr(self.envelope, "expires_at", None)
        if inner is not None and self.expires_at is not None and inner != self.expires_at:
            raise fail("bad_expiry", "two different expiries", field="expires_at")
        return self


# -- the list ----------------------------------------------------------------------------------

def encode_cursor(created_at: datetime, item_id: str) -> str:
    """The position after an item in "newest first" order, opaque to clients."""
    raw = f"{created_at.astimezone(UTC).isoformat()}|{item_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: Any) -> tuple[datetime, str]:
    try:
        if not isinstance(cursor, str) or len(cursor) > 200:
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, item_id = raw.split("|")
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None or not protocol.is_uuid4(item_id):
            raise ValueError
        return when.astimezone(UTC), item_id  # OverflowError outside years 1–9999 in UTC
    except (ValueError, UnicodeDecodeError, OverflowError):
        raise fail("bad_cursor", "bad cursor") from None


#: `next` of the previous page: (created_at, id) of its last item.
Cursor = Annotated[tuple[datetime, str], *plain(decode_cursor, {
    "type": "string", "maxLength": 200, "description": "`next` of the previous page"})]
Limit = integer(1, MAX_LIMIT, "bad_limit")


class ItemQuery(Schema):
    """GET /items: filters and one page."""

    kind: Kind = omitted()
    process: Uuid4 = omitted()
    before: Cursor = omitted()
    limit: Limit = DEFAULT_LIMIT  # type: ignore[valid-type]


class PageQuery(Schema):
    """A page of the journal (HTML): `before` is the previous page's `next`."""

    before: Cursor = omitted()


# -- responses ---------------------------------------------------------------------------------

#: A stored time, answered as ISO 8601 with its UTC offset ("...+00:00").
Timestamp = Annotated[datetime, PlainSerializer(lambda when: when.isoformat(), return_type=str),
                      WithJsonSchema({"type": "string", "format": "date-time"})]

class Item(Schema):
    """An item as one reader gets it: with the reader's own envelope only."""

    id: Uuid4
    kind: Kind
    author: Uuid4
    rev: int
    sealed: Sealed
    sig: b64u(64)  # type: ignore[valid-type]
    envelope: Envelope
    process: Uuid4 | None
    links: Links | None
    created_at: Timestamp
    updated_at: Timestamp


class ItemPage(Schema):
    items: list[Item]
    next: Str | None = Field(description="The cursor of the next page (`before`), or null")
