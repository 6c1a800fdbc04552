"""Content-free email reminders (issue 10, "Reminders that say nothing").

- `ReminderSetting`: a user's opt-in per kind of reminder (no row: none is wanted).
- `ReminderSent`: one row per reminder sent, so that the scheduled command sends each once:
  the user, the kind, and the key of what it is about (an assignment item id, a session id,
  an agenda's session id, an evaluation's process id and due date).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

REMINDER_KINDS = ("assignment_due", "session_tomorrow", "agenda_shared", "evaluation_due")


class ReminderSetting(db.Model):
    __tablename__ = "reminder_settings"

    user_uid: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.uid", ondelete="CASCADE"), primary_key=True)
    assignment_due: Mapped[bool] = mapped_column(Boolean, default=False)
    session_tomorrow: Mapped[bool] = mapped_column(Boolean, default=False)
    agenda_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    evaluation_due: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReminderSent(db.Model):
    __tablename__ = "reminders_sent"

    user_uid: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.uid", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint(f"kind IN {REMINDER_KINDS}", name="ck_reminders_sent_kind"),
    )
