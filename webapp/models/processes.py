"""Supervision processes (DESIGN.md domain model): the process, its members and invites.

What the server keeps here is structure only: which form, who takes part, when, the plain
schedule frame the server needs to schedule sessions. Everything written by a person (the
process's name, the contract text, goals, notes) is a sealed item with `process_id` set.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

FORMS = ("individual", "group", "community", "management", "crisis")
STATUSES = ("draft", "active", "ended")
MODES = ("in_person", "remote", "hybrid")
ROLES = ("supervisor", "supervisee")


class Process(db.Model):
    __tablename__ = "processes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # chosen by the client
    form: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(8), default="draft")
    supervisor_uid: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.uid", ondelete="CASCADE"), index=True)
    # The schedule frame, plaintext so the server can schedule sessions (the contract's
    # text, sealed, says the same in words).
    session_minutes: Mapped[int] = mapped_column(Integer)
    interval_days: Mapped[int] = mapped_column(Integer)
    session_count: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(10), default="in_person")
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # How often the members evaluate the process together (months; one more at the end).
    evaluation_months: Mapped[int] = mapped_column(Integer, default=6, server_default="6")
    # The signed roster's epoch (PROTOCOL §6): it goes up with every change of members.
    roster_epoch: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Retention of an ended process (issue 11): the day after which the scheduled command
    # purges it (set when it ends; earlier by the members' agreement), when the members were
    # told a month before, and when it was purged (its envelopes, sessions and structure).
    retention_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    retention_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="process", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Membership.id")

    __table_args__ = (
        CheckConstraint(f"form IN {FORMS}", name="ck_processes_form"),
        CheckConstraint(f"status IN {STATUSES}", name="ck_processes_status"),
        CheckConstraint(f"mode IN {MODES}", name="ck_processes_mode"),
    )

    @property
    def is_ended(self) -> bool:
        return self.status == "ended"

    def active_members(self) -> list[Membership]:
        return [m for m in self.memberships if m.ended_at is None]


class ProcessVersion(db.Model):
    """How many times anything of a process has changed: a counter that database triggers
    raise in the same transaction as every insert, update and delete of the process's rows
    and of what hangs on them (its members, sessions, items and their envelopes, contracts,
    goals, check-in choices, assignments, agendas, evaluations, invites, the members' names;
    migration 0015 lists them). A page that shows a process keys what it built on it
    (chrome.render_memo_page): no code path can change the process and leave it unchanged,
    since none of them writes it."""

    __tablename__ = "process_versions"

    process_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Membership(db.Model):
    """A person in a process. Ending it keeps the row (with ended_at) so that the history
    of who took part stays, and a later invite can bring the same person back."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("processes.id", ondelete="CASCADE"))
    user_uid: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.uid", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(10))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Whether the supervisee last chose to share an answer to an assignment with the
    # supervisor (the default offered next time); None: not asked yet.
    share_responses: Mapped[bool | None] = mapped_column(Boolean, nullable=True)

    process: Mapped[Process] = relationship(back_populates="memberships")
    user = relationship("User", lazy="joined")

    __table_args__ = (
        UniqueConstraint("process_id", "user_uid", name="uq_memberships_process_user"),
        Index("ix_memberships_user", "user_uid", "process_id"),
        CheckConstraint(f"role IN {ROLES}", name="ck_memberships_role"),
    )

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class Invite(db.Model):
    """A single-use invitation into a process. Only a hash of the token is stored, so a copy
    of the database cannot be used to join."""

    __tablename__ = "invites"

    id: Mapped[str] = mapped_column(String(22), primary_key=True)
    process_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    used_by: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.uid", ondelete="SET NULL"), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    process: Mapped[Process] = relationship()

    def state(self, now: datetime | None = None) -> str:
        """open, used, revoked or expired."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= (now or utcnow()):
            return "expired"
        return "open"
