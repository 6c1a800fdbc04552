"""Pinned keys (PROTOCOL §2 "Pinning"): records signed by their owner, kept for the owner's
other devices."""
from __future__ import annotations

from datetime import datetime

from .types import Schema, Uuid4, b64u

Fp = b64u(32)
Sig = b64u(64)


class PinWrite(Schema):
    """PUT /pins/{uid}: the fingerprint (b64u of all 32 bytes) of the subject's bundle as the
    caller's client pinned it, whether the caller verified it by safety number, and the
    caller's Ed25519 signature over
    `"valitila/v1/pin|" + owner + "|" + subject + "|" + fp + "|" + ("1" if verified else "0")`."""

    fp: Fp  # type: ignore[valid-type]
    verified: bool
    sig: Sig  # type: ignore[valid-type]


class Pin(Schema):
    """A pin record; clients accept it only when `sig` verifies with their own key."""

    subject: Uuid4
    fp: b64u(32, check=False)  # type: ignore[valid-type]
    verified: bool
    verified_at: datetime | None
    sig: b64u(64, check=False)  # type: ignore[valid-type]
    updated_at: datetime


class PinList(Schema):
    pins: list[Pin]
