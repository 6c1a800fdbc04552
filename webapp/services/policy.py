"""Authorization: who may read, edit, share and manage what. The only place it is decided;
services, views and templates all ask here.

Reading an item is holding a live envelope for it (PROTOCOL §5): the set of envelopes is the
access list, so `can_read` needs the caller's envelope, which the services look up in the
same query that loads the item. Sharing with another person goes through a supervision
process both are active members of (PROTOCOL §5; webapp/services/processes.py).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..models import Envelope, Item, Process, User

#: Kinds sealed to their author alone (a supervisor's private notes): the server refuses an
#: envelope of such an item to anyone else, and process-sync never shares them.
PRIVATE_KINDS = frozenset({"note"})


def _uid(user: User | str) -> str:
    return user if isinstance(user, str) else user.uid


def is_author(user: User | str | None, item: Item) -> bool:
    """The author wrote the item and holds its owner envelope."""
    return user is not None and _uid(user) == item.author_uid


def can_read(user: User | None, item: Item, envelope: Envelope | None) -> bool:
    """True when `envelope` is the user's own live envelope of `item`."""
    return (user is not None and envelope is not None and envelope.item_id == item.id
            and envelope.recipient_uid == user.uid and envelope.is_live())


def can_edit(user: User | None, item: Item) -> bool:
    """Only the author changes or deletes an item (readers hold envelopes, not the pen)."""
    return is_author(user, item)


def can_share(user: User | None, item: Item) -> bool:
    """Only the author gives or takes away readers."""
    return is_author(user, item)


def is_member(uid: str, process_id: str) -> bool:
    """True when the user is an active member of the process (one that has not ended)."""
    from . import processes
    return processes.is_active_member(uid, process_id)


def shares_process(uid_a: str, uid_b: str) -> bool:
    """True when the two users are current members of a common supervision process."""
    from . import processes
    return processes.shares_process(uid_a, uid_b)


def may_receive_envelope(item: Item, recipient_uid: str) -> bool:
    """Whether `recipient_uid` may ever hold an envelope of `item` (the sharing rules apart):
    an item of a private kind is readable by its author alone."""
    return item.kind not in PRIVATE_KINDS or recipient_uid == item.author_uid


def can_keep_notes(user: User | None, process: Process) -> bool:
    """Private notes of a process are its supervisor's: only they write and read them."""
    return user is not None and process.supervisor_uid == user.uid
