"""Accounts: key material per PROTOCOL §1–3 (never the password or the auth key)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"

    uid: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(5), default="fi")
    is_supervisor: Mapped[bool] = mapped_column(Boolean, default=False)
    lock_minutes: Mapped[int] = mapped_column(Integer, default=30)
    salt_seed: Mapped[str] = mapped_column(String(22))
    kdf: Mapped[dict[str, Any]] = mapped_column(JSON)
    auth_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    wrapped_ak: Mapped[dict[str, str]] = mapped_column(JSON)
    recovery_auth_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    recovery_wrapped_ak: Mapped[dict[str, str]] = mapped_column(JSON)
    wrapped_x25519: Mapped[dict[str, str]] = mapped_column(JSON)
    wrapped_ed25519: Mapped[dict[str, str]] = mapped_column(JSON)
    bundle: Mapped[dict[str, Any]] = mapped_column(JSON)
    session_epoch: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def get_id(self) -> str:
        """Flask-Login id: the uid plus the session epoch, so that bumping the epoch
        ends every session made before it ("log out everywhere")."""
        return f"{self.uid}:{self.session_epoch}"

    def keys(self) -> dict[str, Any]:
        """The wrapped key material a client needs to unlock (PROTOCOL §7 login)."""
        return {
            "uid": self.uid,
            "salt_seed": self.salt_seed,
            "kdf": self.kdf,
            "wrapped_ak": self.wrapped_ak,
            "wrapped_x25519": self.wrapped_x25519,
            "wrapped_ed25519": self.wrapped_ed25519,
            "bundle": self.bundle,
        }


class AuditEvent(db.Model):
    """Metadata-only record of security-relevant events (login, key change, ...)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_uid: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.uid", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
