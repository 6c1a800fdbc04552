"""Supervision sessions (DESIGN.md `Session`): when a process meets.

Plaintext structure so the server can schedule and remind: the start in UTC, the length, the
status, and for a cancelled session a reason *category* (never free text: what happened is
the members' to write, sealed). Sessions are generated from the process's frame, then moved,
added, cancelled or marked held. Item.session_id links sealed items (a supervisor's notes, an
agenda) to a session.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

SESSION_STATUSES = ("planned", "held", "cancelled")
#: Why a session was cancelled, as a category: illness, a clash in either calendar, the
#: workload or situation at work, the supervisor's cancellation, something else.
CANCEL_REASONS = ("illness", "conflict", "workload", "supervisor", "other")


class SupervisionSession(db.Model):
    __tablename__ = "supervision_sessions"

    id: Mapped[str] = mapped_column(String(22), primary_key=True)  # random, URL-safe
    process_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("processes.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(9), default="planned")
    cancel_reason: Mapped[str | None] = mapped_column(String(10), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_supervision_sessions_process_start", "process_id", "starts_at"),
        CheckConstraint(f"status IN {SESSION_STATUSES}", name="ck_supervision_sessions_status"),
        CheckConstraint(f"cancel_reason IS NULL OR cancel_reason IN {CANCEL_REASONS}",
                        name="ck_supervision_sessions_reason"),
        CheckConstraint("(status = 'cancelled') = (cancel_reason IS NOT NULL)",
                        name="ck_supervision_sessions_reason_iff_cancelled"),
        CheckConstraint("minutes BETWEEN 15 AND 480", name="ck_supervision_sessions_minutes"),
    )
