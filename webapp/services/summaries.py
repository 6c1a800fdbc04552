"""A held session's shared summary (issue 10, "After the session": mark it held, write a short
shared summary).

A summary is a sealed item of kind "summary" of the process ({"body": ...} inside), with
`links.session` = the session, written by the process's supervisor once the session is held
and sealed to every active member (their browsers open it on the session's page). The server
keeps the rules the words cannot: only the supervisor writes one, for a held session of the
process, one per session, and it goes to members only (a reader outside the process, or a
former member, is refused). It is written through the ordinary item PUT (PROTOCOL §7): the
hooks below run inside that transaction (services/items.py `_kind_rules`).

A summary keeps its session: an update that would move it to another session or drop the
link is refused (400 session_immutable).

One per session: the create locks the session's row and then looks for a summary of it, so of
two devices writing a first summary at once, one creates and the other is told which item is
there (409 summary_exists): its editor then opens that one.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, event, func, or_, select
from sqlalchemy.orm.base import NO_VALUE

from ..extensions import db
from ..models import Envelope, Item, Membership, Process, SupervisionSession, User
from ..models.types import utcnow
from . import processes, rollover, schedule
from .errors import Conflict, Forbidden, InvalidInput

KIND = "summary"


# -- hooks of the item PUT (services/items.py) -------------------------------------------------

def before_create(author: User, item: Item, links: dict[str, str] | None) -> None:
    """The process's supervisor, a held session of the process (put_item checked that the
    linked session is the process's), no summary of it yet, readers who are members."""
    if item.process_id is None:
        raise InvalidInput("A summary belongs to a supervision process.", "process_required",
                           field="process")
    _supervisor_only(author, item.process_id)
    session_id = (links or {}).get("session")
    if session_id is None:
        raise InvalidInput("A summary names its session (links.session).", "session_required",
                           field="links.session")
    # The session's row, locked: two first summaries at once are made one after the other.
    session = db.session.get(SupervisionSession, session_id, with_for_update=True,
                             populate_existing=True)
    if session is None or session.status != "held":
        raise Conflict("A summary is written once the session is marked held.",
                       "session_not_held", field="links.session")
    existing = of_session(session_id)
    if existing is not None:
        raise Conflict("This session has a summary already: edit it.", "summary_exists",
                       field="links.session", item=existing)
    check_readers(author, item, [env.recipient_uid for env in item.envelopes])


def after_create(item: Item, extra: None) -> None:
    """Nothing beyond the item itself."""


def before_update(author: User, item: Item) -> None:
    """Its author (the supervisor, checked by the PUT) edits it while the process runs."""
    _supervisor_only(author, item.process_id)


def check_readers(author: User, item: Item, readers: list[str]) -> None:
    """Every reader is the author or a current member of the item's process."""
    for uid in readers:
        if uid != author.uid and not processes.is_current_member(uid, item.process_id):
            raise Forbidden("A summary is shared with the process's members only.",
                            "not_member", field="envelopes")


def before_delete(item: Item) -> None:
    """Its author may delete it (a new one can then be written)."""


@event.listens_for(Item.session_id, "set", active_history=True)
def _session_kept(item: Item, value, old, _initiator) -> None:
    """A summary stays the summary of its session: an update may not move it to another
    session or drop the link (the item PUT sets the links after the hooks above; this is
    where the change shows)."""
    if item.kind == KIND and old not in (None, NO_VALUE) and value != old:
        raise InvalidInput("The session of a summary cannot change.", "session_immutable",
                           field="links.session")


def _supervisor_only(author: User, pid: str | None) -> None:
    supervisor = db.session.scalar(select(Process.supervisor_uid).where(Process.id == pid))
    if supervisor != author.uid:
        raise Forbidden("Only the process's supervisor writes the session's summary.",
                        "not_supervisor", field="process")


# -- reading -----------------------------------------------------------------------------------

def of_session(session_id: str) -> str | None:
    """The id of the session's summary item, or None."""
    return db.session.scalar(select(Item.id).where(Item.session_id == session_id,
                                                   Item.kind == KIND)
                             .order_by(Item.created_at).limit(1))


@dataclass(frozen=True)
class SummaryView:
    """What one member sees of a session's summary."""

    session: SupervisionSession
    process: Process
    is_supervisor: bool
    item: Item | None              # the summary, when the reader holds a live envelope of it
    envelope: Envelope | None
    written: bool                  # a summary exists (the reader may have no envelope of it)
    members: list[str]             # active members besides the supervisor (the readers)
    notes: int                     # the supervisor's private notes of this session
    #: the supervisor's: (agenda lines carried on, the session that took them, lines waiting)
    rolled: tuple[int, SupervisionSession | None, int] | None = None

    @property
    def can_write(self) -> bool:
        """The supervisor writes it once the session is held, while the process runs."""
        return (self.is_supervisor and self.session.status == "held"
                and not self.process.is_ended)


def summary_view(reader: User, sid: str, pid: str | None = None) -> SummaryView:
    """The summary of a session for a current member of its process (404 for anyone else)."""
    session = schedule.get_session(reader, sid, pid)
    return summary_of(reader, session, processes.get_process(reader, session.process_id))


def summary_of(reader: User, session: SupervisionSession, process: Process) -> SummaryView:
    """The summary of a session whose process the caller has already checked the reader is a
    current member of (the session's page): one query for a member, four for the
    supervisor."""
    supervising = process.supervisor_uid == reader.uid
    row = db.session.execute(
        select(Item, Envelope).outerjoin(
            Envelope, and_(Envelope.item_id == Item.id, Envelope.recipient_uid == reader.uid,
                           or_(Envelope.expires_at.is_(None), Envelope.expires_at > utcnow())))
        .where(Item.session_id == session.id, Item.kind == KIND)
        .order_by(Item.created_at).limit(1)).first()
    item, envelope = (row[0], row[1]) if row is not None else (None, None)
    members: list[str] = []
    notes = 0
    if supervising:
        members = list(db.session.scalars(
            select(Membership.user_uid).where(Membership.process_id == process.id,
                                              Membership.ended_at.is_(None),
                                              Membership.user_uid != reader.uid)
            .order_by(Membership.user_uid)))
        notes = db.session.scalar(select(func.count()).select_from(Item).where(
            Item.process_id == process.id, Item.kind == "note",
            Item.author_uid == reader.uid, Item.session_id == session.id)) or 0
    rolled = rollover.carried_from(session) if supervising and session.status == "held" \
        else None
    return SummaryView(session, process, supervising,
                       item if envelope is not None else None, envelope,
                       written=item is not None, members=members, notes=notes, rolled=rolled)
