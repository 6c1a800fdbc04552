"""Evaluations (arviointi; issue 10, "Evaluation").

An evaluation's words (per goal: the scale at the start and now, what helped, what next; a
free summary) are a sealed item of kind "evaluation" of the process, sealed to its members.
This table gives it its place in the cadence: the date it answers (`due_on`: one every
`Process.evaluation_months` months from the start, and one at the end) and whether it is
the interim or the final one. The members accept it like a contract revision: Ed25519
signatures in `acceptances` over the item's rev (PROTOCOL §6); `accepted_at` is set when the
last active member has accepted the newest rev.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

EVALUATION_KINDS = ("interim", "final")


class Evaluation(db.Model):
    __tablename__ = "evaluations"

    item_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    process_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("processes.id", ondelete="CASCADE"))
    due_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("process_id", "due_on", name="uq_evaluations_process_due"),
        CheckConstraint(f"kind IN {EVALUATION_KINDS}", name="ck_evaluations_kind"),
    )
