"""Sharing with the supervisor: the readers of an item, for a key rotation (PROTOCOL §5)."""
from __future__ import annotations

from pydantic import Field

from .items import Timestamp
from .types import Schema, Uuid4


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
