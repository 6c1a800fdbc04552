"""Typed SQLAlchemy models, one module per area."""
from .accounts import AuditEvent, User
from .items import Envelope, Item, Tombstone

__all__ = ["AuditEvent", "Envelope", "Item", "Tombstone", "User"]
