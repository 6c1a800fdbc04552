"""Sharing with the supervisor: the readers of an item, for a key rotation (PROTOCOL §5)."""
from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field

import protocol

from .items import Timestamp
from .types import Schema, Uuid4, fail, omitted, plain


class Reader(Schema):
    """One reader who keeps access: the process the share went through, its expiry (null:
    until revoked) and the "bring to the next session" mark. A rotation makes their envelope
    again with the new key; the server keeps these values."""

    recipient: Uuid4
    process: Uuid4 | None
    expires_at: Timestamp | None
    bring: bool


class Readers(Schema):
    readers: list[Reader]
    rekey_due: bool = Field(description="A reader lost access (revoked, expired, left): "
                                        "rotate the item's key before anything else")


# -- a page of what one supervisee shares (marked first, then newest) -------------------------

def encode_shared_cursor(cursor: tuple[bool, datetime, str]) -> str:
    """The position after an item in the "marked first, then newest" order, opaque."""
    bring, created_at, item_id = cursor
    raw = f"{int(bring)}|{created_at.astimezone(UTC).isoformat()}|{item_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_shared_cursor(cursor: Any) -> tuple[bool, datetime, str]:
    try:
        if not isinstance(cursor, str) or len(cursor) > 200:
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        bring, stamp, item_id = raw.split("|")
        when = datetime.fromisoformat(stamp)
        if bring not in ("0", "1") or when.tzinfo is None or not protocol.is_uuid4(item_id):
            raise ValueError
        return bring == "1", when.astimezone(UTC), item_id
    except (ValueError, UnicodeDecodeError, OverflowError):
        raise fail("bad_cursor", "bad cursor") from None


SharedCursor = Annotated[tuple[bool, datetime, str], *plain(decode_shared_cursor, {
    "type": "string", "maxLength": 200, "description": "the previous page's cursor"})]


class SharedPageQuery(Schema):
    """A page of one supervisee's shared list (HTML): `before` is the previous page's end."""

    before: SharedCursor = omitted()
