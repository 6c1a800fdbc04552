"""Pinned keys (PROTOCOL §2 "Pinning"; DESIGN.md `PinnedKey`): whose bundle a user has pinned
and whether they verified it by safety number.

The server only keeps these for the owner's other devices. Each row carries the owner's
Ed25519 signature over "valitila/v1/pin|" + owner + "|" + subject + "|" + fp + "|" + verified
("1"/"0"), which the server checks on write and every client checks on read, so the server
cannot plant or alter a pin; it can at most withhold one.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class PinnedKey(db.Model):
    __tablename__ = "pins"

    owner_uid: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.uid", ondelete="CASCADE"), primary_key=True)
    subject_uid: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.uid", ondelete="CASCADE"), primary_key=True,
        index=True)
    # b64u of the full 32-byte fingerprint of the pinned bundle (PROTOCOL §2)
    fp: Mapped[str] = mapped_column(String(43))
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sig: Mapped[str] = mapped_column(String(86))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
