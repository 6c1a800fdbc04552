"""Erasing an account (PROTOCOL §7 `POST /me/erase`)."""
from __future__ import annotations

from .accounts import Key32
from .types import Schema


class EraseRequest(Schema):
    """Proof by the current password's auth key (signed in, with the CSRF token)."""

    auth_key: Key32  # type: ignore[valid-type]
