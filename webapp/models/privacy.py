"""Erasure and retention (issue 11, "Your data is yours").

- `Erasure`: an erased account's uid and when it was erased — nothing else. A restore from a
  backup taken before the erasure brings the account back; the operator command re-applies
  every erasure on this list after any restore.
- `RetentionConsent`: a member's agreement to end an ended process's retention early (the
  supervisor proposes; when every member who was in the process at its end has agreed, the
  scheduled command purges it). `Process.retention_until`, `retention_notice_at` and
  `purged_at` hold the rest of the retention's state.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class Erasure(db.Model):
    __tablename__ = "erasures"

    uid: Mapped[str] = mapped_column(String(36), primary_key=True)  # no foreign key: erased
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RetentionConsent(db.Model):
    __tablename__ = "retention_consents"

    process_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True)
    user_uid: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.uid", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
