"""Supervision processes: create one, invite people into it, join, leave, end it.

Every use case that reads and then writes decides with one conditional statement or under a
row lock (PostgreSQL `FOR UPDATE`; SQLite's write transaction is exclusive, webapp/uow.py):
two people accepting one invite, a member leaving while someone shares with them, and a
process ending while an invite is accepted all come out one way or the other, never half.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Envelope, Invite, Item, Membership, Process, User
from ..models.types import utcnow
from ..schemas.processes import Frame, ProcessCreate
from .errors import Conflict, Forbidden, InvalidInput, NotFound

INVITE_DAYS = 14


@dataclass(frozen=True)
class FormDefaults:
    session_minutes: int
    interval_days: int
    session_count: int


#: The frame each form starts from (DESIGN.md; the supervisor changes any of it).
#: Crisis: 1–3 sessions about a week apart, 60–90 minutes. Individual: 60 minutes every
#: 3–4 weeks for a year. Group: 90 minutes every 4 weeks. Work community and management
#: supervision follow the group's rhythm with the individual's length for management.
FORM_DEFAULTS: dict[str, FormDefaults] = {
    "individual": FormDefaults(60, 28, 12),
    "group": FormDefaults(90, 28, 10),
    "community": FormDefaults(90, 28, 8),
    "management": FormDefaults(60, 28, 10),
    "crisis": FormDefaults(75, 7, 3),
}


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(("valitila/invite|" + token).encode()).digest()


# -- reading -----------------------------------------------------------------------------------

# The membership checks below run on nearly every request about a process, several times on
# some pages: their statements are built once (bound parameters), not per call.

@lru_cache(maxsize=1)
def _membership_statement():
    return select(Membership).where(Membership.process_id == bindparam("pid"),
                                    Membership.user_uid == bindparam("uid"))


@lru_cache(maxsize=1)
def _active_member_statement():
    return select(exists().where(
        Membership.process_id == bindparam("pid"), Membership.user_uid == bindparam("uid"),
        Membership.ended_at.is_(None), Process.id == Membership.process_id,
        Process.status != "ended"))


@lru_cache(maxsize=1)
def _current_member_statement():
    return select(exists().where(
        Membership.process_id == bindparam("pid"), Membership.user_uid == bindparam("uid"),
        Membership.ended_at.is_(None)))


@lru_cache(maxsize=1)
def _share_lock_statement():
    return select(Process.id).where(Process.id == bindparam("pid")).with_for_update(read=True)


def membership(uid: str, pid: str) -> Membership | None:
    """The user's membership of a process, ended or not."""
    return db.session.scalar(_membership_statement(), {"pid": pid, "uid": uid})


def is_active_member(uid: str, pid: str) -> bool:
    """Active: the membership has not ended and neither has the process (a draft counts:
    the contract is negotiated in it). Only active members share through a process."""
    return bool(db.session.scalar(_active_member_statement(), {"pid": pid, "uid": uid}))


def is_current_member(uid: str, pid: str) -> bool:
    """The membership has not ended (the process may have: its shares stay readable)."""
    return bool(db.session.scalar(_current_member_statement(), {"pid": pid, "uid": uid}))


def lock_for_sharing(pid: str) -> None:
    """Hold the process row (PostgreSQL `FOR SHARE`; SQLite's write transaction is exclusive
    already) while an envelope through it is checked and written. Ending a membership takes
    the row `FOR UPDATE`, so it waits for a share in progress and then deletes its envelope,
    or the share waits and then sees the membership ended: never an envelope left through an
    ended membership. Call it before reading the membership."""
    db.session.execute(_share_lock_statement(), {"pid": pid})


def queue_supervisor_writes(pid: str, supervisor_uid: str) -> None:
    """Hold the process FOR SHARE (lock_for_sharing: ending it waits) and queue on the
    supervisor's membership row (FOR UPDATE), so that her writes that number or check what
    the process already has (a contract revision, an assignment, an evaluation) run one after
    another. Not the process row FOR UPDATE: an item's envelopes are checked under its FOR
    SHARE first, and two writers upgrading that lock at once deadlock on PostgreSQL."""
    lock_for_sharing(pid)
    db.session.execute(select(Membership.id).where(
        Membership.process_id == pid, Membership.user_uid == supervisor_uid)
        .with_for_update())


def shares_process(uid_a: str, uid_b: str) -> bool:
    """Whether two people are current members of one process (ended or not): they may see
    each other's public keys, to verify what the other wrote."""
    if uid_a == uid_b:
        return True
    mine = select(Membership.process_id).where(Membership.user_uid == uid_a,
                                               Membership.ended_at.is_(None))
    return bool(db.session.scalar(select(exists().where(
        Membership.user_uid == uid_b, Membership.ended_at.is_(None),
        Membership.process_id.in_(mine)))))


def get_process(user: User, pid: str) -> Process:
    """A process its current member may see; 404 for anyone else (former members too)."""
    own = membership(user.uid, pid)
    if own is None or own.ended_at is not None:
        raise NotFound("process not found", "process_not_found")
    return own.process


def list_processes(user: User) -> list[Process]:
    """The processes the user is a current member of: active first, then drafts, then ended;
    newest first within each."""
    order = func.coalesce(Process.activated_at, Process.created_at)
    status_rank = {"active": 0, "draft": 1, "ended": 2}
    rows = db.session.scalars(
        select(Process).join(Membership, Membership.process_id == Process.id)
        .where(Membership.user_uid == user.uid, Membership.ended_at.is_(None))
        .order_by(order.desc(), Process.id)).unique().all()
    return sorted(rows, key=lambda p: status_rank[p.status])


def _own_process(supervisor: User, pid: str, *, lock: bool = False) -> Process:
    """The process, for its supervisor only: 404 to non-members, 403 to other members."""
    get_process(supervisor, pid)
    process = db.session.get(Process, pid, with_for_update=lock, populate_existing=lock)
    if process is None:
        raise NotFound("process not found", "process_not_found")
    if process.supervisor_uid != supervisor.uid:
        raise Forbidden("Only the process's supervisor can do this.", "not_supervisor")
    return process


# -- creating and changing ---------------------------------------------------------------------

def _frame_values(form: str, frame: Frame) -> dict:
    defaults = FORM_DEFAULTS[form]
    return {
        "session_minutes": frame.session_minutes or defaults.session_minutes,
        "interval_days": frame.interval_days or defaults.interval_days,
        "session_count": frame.session_count or defaults.session_count,
        "mode": frame.mode or "in_person",
        "starts_on": frame.starts_on, "ends_on": frame.ends_on,
    }


def create_process(supervisor: User, data: ProcessCreate) -> tuple[Process, bool]:
    """A new process in draft with the caller as its supervisor. Returns (process, created);
    repeating the same create (a retry) answers with the process made the first time."""
    if not supervisor.is_supervisor:
        raise Forbidden("Only supervisors can start a supervision process.", "not_supervisor")
    existing = db.session.get(Process, data.id)
    if existing is not None:
        return _same_create(supervisor, existing, data)
    process = Process(id=data.id, form=data.form, status="draft",
                      supervisor_uid=supervisor.uid, roster_epoch=1,
                      **_frame_values(data.form, data))
    try:
        with db.session.begin_nested():
            db.session.add(process)
            db.session.flush()
            db.session.add(Membership(process_id=process.id, user_uid=supervisor.uid,
                                      role="supervisor"))
            db.session.flush()
    except IntegrityError:
        # The same id was created at this very moment (a retry racing the first try).
        existing = db.session.get(Process, data.id, populate_existing=True)
        if existing is None:
            raise
        return _same_create(supervisor, existing, data)
    return process, True


def _same_create(supervisor: User, existing: Process, data: ProcessCreate
                 ) -> tuple[Process, bool]:
    if existing.supervisor_uid != supervisor.uid or existing.form != data.form:
        raise Conflict("This process id is already in use.", "id_taken", field="id")
    return existing, False


def update_frame(supervisor: User, pid: str, frame: Frame) -> Process:
    """Change the schedule frame (fields left out keep their value)."""
    process = _own_process(supervisor, pid, lock=True)
    if process.is_ended:
        raise Conflict("The process has ended.", "process_ended")
    for key, value in frame.model_dump(exclude_unset=True).items():
        setattr(process, key, value)
    if process.starts_on and process.ends_on and process.ends_on < process.starts_on:
        raise InvalidInput("ends_on is before starts_on", "bad_dates", field="ends_on")
    db.session.flush()
    return process


def end_process(supervisor: User, pid: str) -> Process:
    """End a process: it stays readable to its members, nothing new is shared through it,
    and its open invites stop working. Ending again is a no-op."""
    process = _own_process(supervisor, pid, lock=True)
    if not process.is_ended:
        now = utcnow()
        process.status, process.ended_at = "ended", now
        from .retention import on_process_ended
        on_process_ended(process)
        db.session.execute(update(Invite).where(
            Invite.process_id == pid, Invite.used_at.is_(None), Invite.revoked_at.is_(None))
            .values(revoked_at=now))
        db.session.flush()
    return process


# -- invites -----------------------------------------------------------------------------------

def create_invite(supervisor: User, pid: str, expires_at: datetime | None = None
                  ) -> tuple[Invite, str]:
    """A single-use invite. Returns the row and the token (shown once, stored hashed)."""
    process = _own_process(supervisor, pid, lock=True)
    if process.is_ended:
        raise Conflict("The process has ended.", "process_ended")
    token = secrets.token_urlsafe(24)
    invite = Invite(id=secrets.token_urlsafe(16)[:22], process_id=pid,
                    token_hash=_token_hash(token),
                    expires_at=expires_at or utcnow() + timedelta(days=INVITE_DAYS))
    db.session.add(invite)
    db.session.flush()
    return invite, token


def list_invites(supervisor: User, pid: str) -> list[Invite]:
    _own_process(supervisor, pid)
    return list(db.session.scalars(select(Invite).where(Invite.process_id == pid)
                                   .order_by(Invite.created_at.desc(), Invite.id)))


def revoke_invite(supervisor: User, pid: str, invite_id: str) -> None:
    """Revoke an invite that was not used. Revoking again is a no-op; a used one is a 409."""
    _own_process(supervisor, pid)
    revoked = db.session.execute(update(Invite).where(
        Invite.id == invite_id, Invite.process_id == pid, Invite.used_at.is_(None),
        Invite.revoked_at.is_(None)).values(revoked_at=utcnow())).rowcount
    if revoked:
        return
    invite = db.session.scalar(select(Invite).where(Invite.id == invite_id,
                                                    Invite.process_id == pid))
    if invite is None:
        raise NotFound("invite not found", "invite_not_found")
    if invite.used_at is not None:
        raise Conflict("The invite was already used.", "invite_used")


def _open_invite(token: str) -> Invite:
    invite = db.session.scalar(select(Invite).where(Invite.token_hash == _token_hash(token)))
    if invite is None or invite.state() != "open" or invite.process.is_ended:
        raise NotFound("This invitation is unknown, used, revoked or expired.",
                       "invite_not_found")
    return invite


def invite_info(token: str) -> tuple[Invite, Process, User]:
    """What anyone holding the token may see: the process's id and form and the
    supervisor's name and public keys (for the link's fingerprint check)."""
    invite = _open_invite(token)
    process = invite.process
    return invite, process, db.session.get(User, process.supervisor_uid)


def accept_invite(user: User, token: str) -> Process:
    """Join the invite's process as a supervisee. The invite is used up by one conditional
    UPDATE, so of two people accepting one invite at once exactly one joins."""
    invite = _open_invite(token)
    process = db.session.get(Process, invite.process_id, with_for_update=True,
                             populate_existing=True)
    if process is None or process.is_ended:
        raise NotFound("This invitation is unknown, used, revoked or expired.",
                       "invite_not_found")
    own = membership(user.uid, process.id)
    if own is not None and own.ended_at is None:
        raise Conflict("You are already a member of this process.", "already_member")
    now = utcnow()
    used = db.session.execute(update(Invite).where(
        Invite.id == invite.id, Invite.used_at.is_(None), Invite.revoked_at.is_(None),
        Invite.expires_at > now).values(used_at=now, used_by=user.uid)).rowcount
    if used != 1:
        raise NotFound("This invitation is unknown, used, revoked or expired.",
                       "invite_not_found")
    if own is not None:                      # a former member comes back
        own.role, own.joined_at, own.ended_at = "supervisee", now, None
    else:
        db.session.add(Membership(process_id=process.id, user_uid=user.uid,
                                  role="supervisee", joined_at=now))
    process.roster_epoch += 1
    db.session.flush()
    db.session.refresh(process)
    return process


# -- leaving -----------------------------------------------------------------------------------

def end_membership(actor: User, pid: str, uid: str) -> None:
    """The supervisor removes a member, or a member leaves. Per PROTOCOL §5 the envelopes
    shared through the process to the leaver, and those of the leaver's items shared through
    it to the others, are deleted at once, and their items are marked for a key rotation
    (items.rekey_due): the authors' clients rotate on their next open."""
    visible = get_process(actor, pid)                    # 404 for outsiders
    if actor.uid != uid and actor.uid != visible.supervisor_uid:
        raise Forbidden("Only the supervisor can remove a member.", "not_supervisor")
    if uid == visible.supervisor_uid:
        raise InvalidInput("The supervisor ends the process instead of leaving it.",
                           "supervisor_cannot_leave")
    leavers_items = select(Item.id).where(Item.author_uid == uid)
    through = (Envelope.process_id == pid) & (
        (Envelope.recipient_uid == uid) | Envelope.item_id.in_(leavers_items))
    # Lock the affected items before the process row, in id order: a share locks its item
    # and then the process (FOR SHARE), so taking them in the same order cannot deadlock.
    db.session.execute(select(Item.id).where(Item.id.in_(select(Envelope.item_id)
                                                         .where(through)))
                       .order_by(Item.id).with_for_update())
    process = db.session.get(Process, pid, with_for_update=True, populate_existing=True)
    if process is None:
        raise NotFound("process not found", "process_not_found")
    ended = db.session.execute(update(Membership).where(
        Membership.process_id == pid, Membership.user_uid == uid,
        Membership.ended_at.is_(None)).values(ended_at=utcnow())).rowcount
    if ended != 1:
        raise NotFound("member not found", "member_not_found")
    affected = list(db.session.scalars(select(Envelope.item_id).where(through)))
    db.session.execute(delete(Envelope).where(through)
                       .execution_options(synchronize_session=False))
    if affected:
        db.session.execute(update(Item).where(Item.id.in_(affected)).values(rekey_due=True)
                           .execution_options(synchronize_session=False))
    process.roster_epoch += 1
    db.session.flush()
    from . import acceptances
    acceptances.settle(process)
    db.session.flush()
    db.session.expire_all()
