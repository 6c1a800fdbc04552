"""Accounts: key material per PROTOCOL §1–3 (never the password or the auth key)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("calendar_token_hash",
                                       name="uq_users_calendar_token_hash"),)

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
    # When the user proved they saved the current recovery key (typed back a group of it);
    # None while the key was never confirmed: every signed-in page then asks for a new one.
    recovery_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True,
                                                                   default=None)
    wrapped_x25519: Mapped[dict[str, str]] = mapped_column(JSON)
    wrapped_ed25519: Mapped[dict[str, str]] = mapped_column(JSON)
    bundle: Mapped[dict[str, Any]] = mapped_column(JSON)
    session_epoch: Mapped[int] = mapped_column(Integer, default=1)
    # The user's time zone (IANA name): dates are stored in UTC and shown in this zone.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Helsinki",
                                          server_default="Europe/Helsinki")
    # The personal calendar feed's secret (only its hash; None: no feed). A new secret
    # revokes the old URL.
    calendar_token_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The DeviceSession this request is signed in through and the cookie value naming it;
    # set by services.devices (at sign-in, or when the cookie is loaded), not stored here.
    # (plain class attributes, not annotated: the ORM must not map them)
    device_session = None  # DeviceSession (sign-in) or services.devices.DeviceRef (a request)
    session_token = None  # str | None

    def get_id(self) -> str | None:
        """Flask-Login id: the cookie value naming this device's DeviceSession row."""
        return self.session_token

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


class DeviceSession(db.Model):
    """One signed-in device: the login cookie names this row, logout deletes it.

    Identity: a random public `id` (128 bits, shown in the settings page and used by the
    per-device sign-out form) plus a random 256-bit secret that only the cookie holds; the
    table keeps SHA-256(secret). The cookie value is `<id>.<secret>`: the row is found by its
    primary key and the secret compared in constant time. Splitting the two means the public
    id can appear in pages and forms without being a credential, a lookup never compares
    secrets through an index (no timing oracle), and a copy of the database (a backup) holds
    no usable cookie. The Flask cookie is signed too, so it cannot be forged without
    SECRET_KEY; the row is what makes logout real: once it is gone, a copied cookie is dead.

    `last_seen_at` is updated at most once a minute per session (no write per request);
    `expires_at` is the absolute end (`SESSION_MAX_DAYS` after sign-in); the idle limit
    (`SESSION_IDLE_DAYS`) is checked against `last_seen_at`. `label` is a coarse device name
    from the User-Agent ("Firefox · Windows"); no address or history is kept."""

    __tablename__ = "device_sessions"

    id: Mapped[str] = mapped_column(String(22), primary_key=True)
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    user_uid: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.uid", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
