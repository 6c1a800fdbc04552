"""Session agendas (issue 10, "Topics and the agenda"; DESIGN.md domain model `Agenda`).

Plaintext structure only, so the server can gather, time-box, order and roll over without
reading a word:

- `Agenda`: one per session. Its words (each entry's title as the supervisor wrote or kept
  it, her own items, notes) are one sealed item of kind "agenda" (`item_id`, links.session =
  the session), sealed to the supervisor while she builds it and, once shared, to every
  participant. `shared_at` says when it was shared (participants see it before the session);
  `version` goes up with every change of the entries (a conditional UPDATE on it keeps two
  editors from overwriting each other's order).
- `AgendaEntry`: one line of the agenda: its place, the minutes given to it, what it came
  from (`source_id`: a proposed topic, an entry marked "bring", a shared answer, a shared
  check-in; NULL for the supervisor's own line), whether it was dealt with in the session
  (`done`, `used_minutes`: the checklist during the session) and, for a line carried over
  from an earlier agenda because it was not finished, the line it continues
  (`carried_from_id`). The id is chosen by the client (a UUID), so the sealed agenda can name
  its lines before they reach the server.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

#: Where a line came from ("own": written by the supervisor on the agenda itself).
ENTRY_SOURCES = ("topic", "entry", "response", "checkin", "own")


class Agenda(db.Model):
    __tablename__ = "agendas"

    session_id: Mapped[str] = mapped_column(
        String(22), ForeignKey("supervision_sessions.id", ondelete="CASCADE"), primary_key=True)
    process_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("items.id", ondelete="SET NULL"), nullable=True)
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


#: How many links of a line's chain of copies (carried_from, one per session it was carried
#: through) are followed, forwards by the roll-over (services/rollover.take_back) and
#: backwards for the words (services/agendas._carried_items). A chain is as long as the
#: sessions cancelled or held in a row with the line unfinished; this bounds the queries.
CHAIN_DEPTH = 24


class AgendaEntry(db.Model):
    __tablename__ = "agenda_entries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        String(22), ForeignKey("agendas.session_id", ondelete="CASCADE"))
    process_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("processes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(8))
    source_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("items.id", ondelete="SET NULL"), nullable=True, index=True)
    carried_from_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("agenda_entries.id", ondelete="SET NULL"), nullable=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    used_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_agenda_entries_session_position", "session_id", "position"),
        CheckConstraint(f"source IN {ENTRY_SOURCES}", name="ck_agenda_entries_source"),
        CheckConstraint("minutes BETWEEN 0 AND 480", name="ck_agenda_entries_minutes"),
        CheckConstraint("used_minutes IS NULL OR used_minutes BETWEEN 0 AND 480",
                        name="ck_agenda_entries_used_minutes"),
    )
