"""A supervisor's private notes (issue 9): per process and per session, sealed to the
supervisor alone.

A note is an item of kind "note" with `process_id` set and, optionally, a session link
(Item.session_id). It is written and changed through the items API like every sealed item;
the rules that keep it private live there and in policy: only the process's supervisor may
write one (items._check_note), no envelope of it may go to anyone but its author
(policy.may_receive_envelope), and process-sync never shares it (it is not a MEMBER_KIND).
This module reads them for the notes page: two queries whatever the counts.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select

from ..extensions import db
from ..models import Envelope, Item, Process, SupervisionSession, User
from ..models.types import utcnow
from . import policy, processes
from .errors import NotFound


@dataclass(frozen=True)
class NoteGroup:
    """The notes of one session (None: notes about the process as a whole), newest first."""

    session: SupervisionSession | None
    notes: list[tuple[Item, Envelope]]


@dataclass(frozen=True)
class NotesView:
    process: Process
    sessions: list[SupervisionSession]      # newest first: the session picker
    groups: list[NoteGroup]

    @property
    def read_only(self) -> bool:
        return self.process.is_ended

    @property
    def count(self) -> int:
        return sum(len(group.notes) for group in self.groups)


def notes_process(user: User, pid: str) -> Process:
    """The process whose notes `user` keeps: its supervisor only; 404 for anyone else
    (members included: that there are notes is the supervisor's business)."""
    process = processes.get_process(user, pid)          # 404 unless a current member
    if not policy.can_keep_notes(user, process):
        raise NotFound("process not found", "process_not_found")
    return process


def notes_view(user: User, pid: str) -> NotesView:
    """The notes page of one process: its sessions for the picker, and the supervisor's
    notes grouped by session, the newest session first (notes about the process as a
    whole, and those whose session is gone, first of all), newest note first in each."""
    process = notes_process(user, pid)
    sessions = list(db.session.scalars(
        select(SupervisionSession).where(SupervisionSession.process_id == pid)
        .order_by(SupervisionSession.starts_at.desc(), SupervisionSession.id)))
    rows = db.session.execute(
        select(Item, Envelope)
        .join(Envelope, and_(Envelope.item_id == Item.id, Envelope.recipient_uid == user.uid,
                             Envelope.item_kind == "note",      # an index range of theirs
                             or_(Envelope.expires_at.is_(None), Envelope.expires_at > utcnow())))
        .where(Item.process_id == pid, Item.kind == "note", Item.author_uid == user.uid)
        .order_by(Item.created_at.desc(), Item.id.desc())).all()
    known = {session.id for session in sessions}
    by_session: dict[str | None, list[tuple[Item, Envelope]]] = {}
    for item, envelope in rows:
        key = item.session_id if item.session_id in known else None
        by_session.setdefault(key, []).append((item, envelope))
    groups = []
    if None in by_session:
        groups.append(NoteGroup(None, by_session[None]))
    groups += [NoteGroup(session, by_session[session.id]) for session in sessions
               if session.id in by_session]
    return NotesView(process, sessions, groups)
