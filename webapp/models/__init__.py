"""Typed SQLAlchemy models, one module per area."""
from .accounts import AuditEvent, User
from .agendas import Agenda, AgendaEntry
from .assignments import AssignmentAssignee, CheckinSharing
from .contracts import Acceptance, ContractRevision, Goal
from .evaluations import Evaluation
from .items import Envelope, Item, Tombstone
from .pins import PinnedKey
from .privacy import Erasure, RetentionConsent
from .processes import Invite, Membership, Process, ProcessVersion
from .reminders import ReminderSent, ReminderSetting
from .sessions import SupervisionSession

__all__ = ["Acceptance", "Agenda", "AgendaEntry", "AssignmentAssignee", "AuditEvent",
           "CheckinSharing", "ContractRevision", "Envelope", "Erasure", "Evaluation", "Goal",
           "Invite", "Item", "Membership", "PinnedKey", "Process", "ProcessVersion", "ReminderSent",
           "ReminderSetting", "RetentionConsent",
           "SupervisionSession", "Tombstone", "User"]
