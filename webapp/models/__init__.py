"""Typed SQLAlchemy models, one module per area."""
from .accounts import AuditEvent, User
from .assignments import AssignmentAssignee, CheckinSharing
from .contracts import Acceptance, ContractRevision, Goal
from .items import Envelope, Item, Tombstone
from .pins import PinnedKey
from .processes import Invite, Membership, Process
from .sessions import SupervisionSession

__all__ = ["Acceptance", "AssignmentAssignee", "AuditEvent", "CheckinSharing", "ContractRevision",
           "Envelope", "Goal", "Invite", "Item", "Membership", "PinnedKey", "Process",
           "SupervisionSession", "Tombstone", "User"]
