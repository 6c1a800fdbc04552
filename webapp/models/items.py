"""The sealed store (PROTOCOL §4–5): items and their envelopes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class Item(db.Model):
    __tablename__ = "items"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    author_uid: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.uid", ondelete="CASCADE"), index=True)
    rev: Mapped[int] = mapped_column(Integer)
    h: Mapped[str] = mapped_column(Text)
    iv: Mapped[str] = mapped_column(String(16))
    ct: Mapped[str] = mapped_column(Text)
    sig: Mapped[str] = mapped_column(String(86))
    size: Mapped[int] = mapped_column(Integer)
    # The process the item belongs to (its name, contract, goals, agendas...); set at creation
    # and never changed. Other readers of such an item are members of the process.
    process_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("processes.id", ondelete="RESTRICT"), nullable=True, index=True)
    # Links (PROTOCOL §7 `links`) as real, indexed columns. The session link gets its foreign
    # key when sessions arrive.
    parent_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("items.id", ondelete="SET NULL"), nullable=True, index=True)
    session_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    goal_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("items.id", ondelete="SET NULL"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the author last changed what it says (None: never since written). A key rotation
    # (PROTOCOL §5: the same content under a new key) is a new rev and updated_at but not an
    # edit: stopping a share must not make the entry read "edited".
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A reader lost access (revoked, expired and purged, membership ended): the author's
    # client rotates the key on its next open (PROTOCOL §5). A replaced envelope set clears it.
    rekey_due: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    envelopes: Mapped[list[Envelope]] = relationship(
        back_populates="item", cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (Index("ix_items_created_id", "created_at", "id"),)
    # Every ORM update is conditional on the stored rev (UPDATE ... WHERE rev = :old) and
    # fails with StaleDataError when another writer got there first; the service sets rev.
    __mapper_args__ = {"version_id_col": rev, "version_id_generator": False}

    @property
    def sealed(self) -> dict[str, str]:
        return {"h": self.h, "iv": self.iv, "ct": self.ct}

    @property
    def links(self) -> dict[str, str] | None:
        """The wire form of the link columns: only the links that are set, or None."""
        links = {key: value for key, value in (("parent", self.parent_id),
                                               ("session", self.session_id),
                                               ("goal", self.goal_id)) if value}
        return links or None

    @links.setter
    def links(self, links: dict[str, str] | None) -> None:
        links = links or {}
        self.parent_id, self.session_id, self.goal_id = (
            links.get("parent"), links.get("session"), links.get("goal"))


class Envelope(db.Model):
    """One reader's copy of an item's DEK. The set of envelopes is the access list."""

    __tablename__ = "envelopes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("items.id", ondelete="CASCADE"))
    recipient_uid: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.uid", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(10))
    epk: Mapped[str | None] = mapped_column(String(43), nullable=True)
    iv: Mapped[str] = mapped_column(String(16))
    ct: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The process a share to another reader went through (PROTOCOL §5); None for the
    # author's own envelope. Ending a membership deletes the envelopes through it.
    process_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("processes.id", ondelete="CASCADE"), nullable=True)
    # "Bring to the next session": the author's mark on a share (plaintext, no content);
    # the reader's list shows marked items first. A rotation keeps it.
    bring: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Immutable copies of the item's kind and creation time, so that "my items, newest
    # first" is one index range scan per page whatever the size of the store.
    item_kind: Mapped[str] = mapped_column(String(20))
    item_created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    item: Mapped[Item] = relationship(back_populates="envelopes")

    __table_args__ = (
        UniqueConstraint("item_id", "recipient_uid", name="uq_envelopes_item_recipient"),
        Index("ix_envelopes_reader_order", "recipient_uid", "item_created_at", "item_id"),
        Index("ix_envelopes_reader_kind_order", "recipient_uid", "item_kind",
              "item_created_at", "item_id"),
        # Shares through a process to one reader, in the order of a supervisee's shared
        # list (marked first, then newest): a page is an index range, not a sort of them all.
        Index("ix_envelopes_process_recipient_order", "process_id", "recipient_uid", "bring",
              "item_created_at", "item_id"),
        # The reader's own items (owner envelopes, type ak) by kind, newest first: the journal.
        Index("ix_envelopes_reader_own_order", "recipient_uid", "type", "item_kind",
              "item_created_at", "item_id"),
        Index("ix_envelopes_expires_at", "expires_at"),     # the purge
    )

    def is_live(self, now: datetime | None = None) -> bool:
        """An expired envelope counts as deleted (PROTOCOL §5) until it is purged."""
        return self.expires_at is None or self.expires_at > (now or utcnow())

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"recipient": self.recipient_uid, "type": self.type,
                                "iv": self.iv, "ct": self.ct}
        if self.epk:
            data["epk"] = self.epk
        return data


class Tombstone(db.Model):
    """A deleted item id stays deleted (PROTOCOL §7): a late create or update of it is a 410,
    so a retry from another device cannot bring the item back. Holds no content."""

    __tablename__ = "tombstones"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    author_uid: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.uid", ondelete="CASCADE"), index=True)
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
