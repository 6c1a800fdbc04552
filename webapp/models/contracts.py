"""The contract (työnohjaussopimus), its goals and the signatures that accept it (DESIGN.md
domain model; PROTOCOL §6).

Plaintext structure only. The contract's words are sealed items of kind "contract" and each
goal is a sealed item of kind "goal"; these tables say how they fit together:

- A contract *revision* is one item of kind "contract" of the process. Until somebody has
  accepted it, its author may edit it (the item's `rev` goes up, and an acceptance of an older
  `rev` no longer counts). An amendment is a new revision: a new item with the next `number`
  whose `parent_id` names the one it amends. Earlier revisions stay readable as they were.
- An acceptance is a member's Ed25519 signature over
  "valitila/v1/accept|" + item_id + "|" + rev + "|" + b64u(content_hash) (PROTOCOL §6); the
  server checks it against the member's bundle on write, every client checks it on read.
  The same table will hold the acceptances of evaluations.
- A goal keeps its order and whether it was achieved or dropped here, so that check-ins and
  evaluations can attach to it (items.goal_id) while its words stay sealed.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

GOAL_STATUSES = ("open", "achieved", "dropped")


class ContractRevision(db.Model):
    """One revision of a process's contract: the item that holds its sealed text."""

    __tablename__ = "contract_revisions"

    item_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    process_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("processes.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the process
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("process_id", "number", name="uq_contract_revisions_number"),
    )


class Acceptance(db.Model):
    """A member's signature accepting one revision (item and rev) of a contract or an
    evaluation. A member accepts a given item rev once."""

    __tablename__ = "acceptances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(36), ForeignKey("items.id", ondelete="CASCADE"))
    rev: Mapped[int] = mapped_column(Integer)
    user_uid: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.uid", ondelete="CASCADE"), index=True)
    content_hash: Mapped[str] = mapped_column(String(43))  # b64u SHA-256 (PROTOCOL §4)
    sig: Mapped[str] = mapped_column(String(86))  # b64u Ed25519 (PROTOCOL §6)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("item_id", "rev", "user_uid", name="uq_acceptances_item_rev_user"),
    )


class Goal(db.Model):
    """A goal of a process's contract: its place in the list and its status."""

    __tablename__ = "goals"

    item_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    process_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("processes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8), default="open")
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_goals_process_position", "process_id", "position"),
        CheckConstraint(f"status IN {GOAL_STATUSES}", name="ck_goals_status"),
    )
