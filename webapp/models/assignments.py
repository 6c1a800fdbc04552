"""Interim assignments (välitehtävät) and the choices that travel with what a supervisee
writes between sessions (DESIGN.md domain model: `Assignment` status per assignee).

Plaintext structure only. An assignment's words (title, instructions, estimated time, tags)
are a sealed item of kind "assignment" written by the supervisor, with an envelope for each
assignee through the process; a supervisor's own templates are sealed items of kind
"template" (sealed to themselves); the built-in library is static text in the code. The
supervisee answers in a sealed item of kind "response" (its parent is the assignment item)
and shares it with the supervisor only when they choose.

- `AssignmentAssignee`: one row per assignee of an assignment: status open|done|skipped, the
  due time (default: the start of the next session), the response item once there is one.
- `CheckinSharing`: per goal and supervisee, whether new check-ins on that goal are shared
  with the supervisor (the supervisee's choice; their client envelopes accordingly).
- `Membership.share_responses` (processes.py) remembers, per process, whether the supervisee
  last chose to share an answer with the supervisor (None: not asked yet).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

ASSIGNMENT_STATUSES = ("open", "done", "skipped")


class AssignmentAssignee(db.Model):
    __tablename__ = "assignment_assignees"

    assignment_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    user_uid: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.uid", ondelete="CASCADE"), primary_key=True)
    process_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("processes.id", ondelete="CASCADE"))
    session_id: Mapped[str | None] = mapped_column(  # the session it was given in (or after)
        String(22), ForeignKey("supervision_sessions.id", ondelete="SET NULL"), nullable=True)
    status: Mapped[str] = mapped_column(String(8), default="open")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    response_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("items.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_assignment_assignees_user_status_due", "user_uid", "status", "due_at"),
        Index("ix_assignment_assignees_process", "process_id", "created_at"),
        CheckConstraint(f"status IN {ASSIGNMENT_STATUSES}", name="ck_assignment_assignees_status"),
    )


class CheckinSharing(db.Model):
    __tablename__ = "checkin_sharing"

    goal_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    user_uid: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.uid", ondelete="CASCADE"), primary_key=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
