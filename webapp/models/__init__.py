"""Typed SQLAlchemy models, one module per area."""
from .accounts import AuditEvent, User
from .items import Envelope, Item, Tombstone
from .pins import PinnedKey
from .processes import Invite, Membership, Process

__all__ = ["AuditEvent", "Envelope", "Invite", "Item", "Membership", "PinnedKey", "Process",
           "Tombstone", "User"]
