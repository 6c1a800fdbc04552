"""Topics a supervisee proposes for the next session (issue 10, "Topics and the agenda").

A topic is a sealed item of kind "topic" of the process ({"text": ...} inside), written by
one of its supervisees and shared with the supervisor through the process at creation (the
create must carry the supervisor's envelope); `links.session` names the next planned session
when there is one. Its author edits it (a new rev) or withdraws it (DELETE /items/{id}).
The supervisor sees the proposed topics of a process newest first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, func, select

from ..extensions import db
from ..models import Envelope, Item, Process, SupervisionSession, User
from ..models.types import UTCDateTime, utcnow
from . import processes
from .errors import Forbidden, InvalidInput

KIND = "topic"


# -- hooks of the item PUT (services/items.py) ---------------------------------------------------

def before_create(author: User, item: Item, links: dict[str, str] | None) -> None:
    """A topic belongs to a process its author is a supervisee of, and goes to the supervisor
    at once: the create carries the supervisor's envelope (through the process)."""
    if item.process_id is None:
        raise InvalidInput("A topic belongs to a supervision process.", "process_required",
                           field="process")
    own = processes.membership(author.uid, item.process_id)
    if own is None or own.role != "supervisee":
        raise Forbidden("Topics are proposed by the process's supervisees.", "not_supervisee",
                        field="process")
    supervisor = db.session.scalar(select(Process.supervisor_uid).where(
        Process.id == item.process_id))
    if supervisor not in {env.recipient_uid for env in item.envelopes}:
        raise InvalidInput("A proposed topic is shared with the supervisor when it is made.",
                           "supervisor_envelope_required", field="envelopes")


def after_create(item: Item, extra: None) -> None:
    """Nothing beyond the item itself."""


def before_update(author: User, item: Item) -> None:
    """Its author edits it (checked by the item PUT)."""


def before_delete(item: Item) -> None:
    """Withdrawn: nothing of its own to tidy."""


# -- reading ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TopicsView:
    process: Process
    is_supervisor: bool
    next_session: SupervisionSession | None
    topics: list[tuple[Item, Envelope]]       # newest first, those the reader may open
    can_propose: bool


def next_session(pid: str) -> SupervisionSession | None:
    """The process's next planned session (the one a topic is proposed for), or None."""
    return db.session.scalar(select(SupervisionSession).where(
        SupervisionSession.process_id == pid, SupervisionSession.status == "planned",
        SupervisionSession.starts_at > utcnow()).order_by(SupervisionSession.starts_at)
        .limit(1))


def _readable(reader_uid, pid, now):
    """The topics of process `pid` that reader holds a live envelope for."""
    return (Item.kind == KIND, Item.process_id == pid, Envelope.recipient_uid == reader_uid,
            # the reader's envelopes of this kind: an index range, not all they hold
            Envelope.item_kind == KIND,
            (Envelope.expires_at.is_(None)) | (Envelope.expires_at > now))


@lru_cache(maxsize=1)
def _count_statement():
    return (select(func.count()).select_from(Item).join(Envelope, Envelope.item_id == Item.id)
            .where(*_readable(bindparam("uid"), bindparam("pid"),
                              bindparam("now", type_=UTCDateTime()))))


def count_of(reader: User, pid: str) -> int:
    """How many topics of the process the reader sees (topics_of's rows, counted)."""
    return db.session.scalar(_count_statement(),
                             {"uid": reader.uid, "pid": pid, "now": utcnow()}) or 0


def topics_of(reader: User, pid: str, *, since: datetime | None = None
              ) -> list[tuple[Item, Envelope]]:
    """The topics of the process the reader holds a live envelope for, newest first: a
    supervisee's own, or every supervisee's for the supervisor (one query)."""
    now = utcnow()
    query = (select(Item, Envelope).join(Envelope, Envelope.item_id == Item.id)
             .where(*_readable(reader.uid, pid, now))
             .order_by(Item.created_at.desc(), Item.id.desc()))
    if since is not None:
        query = query.where(Item.created_at >= since)
    return [(item, env) for item, env in db.session.execute(query).all()]


def topics_view(reader: User, pid: str) -> TopicsView:
    """The topics section of a process: current members only (404)."""
    process = processes.get_process(reader, pid)
    supervising = process.supervisor_uid == reader.uid
    return TopicsView(process, supervising, next_session(pid), topics_of(reader, pid),
                      can_propose=not supervising and not process.is_ended)
