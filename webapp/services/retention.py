"""Retention of ended processes (issue 11, "Retention").

An ended process is archived read-only (every write to it is refused with `process_ended` by
the service that owns it). When it ends, `Process.retention_until` is set to the end date (in
Helsinki) plus RETENTION_MONTHS (default 15). The scheduled command `flask apply-retention`:

- tells the members a month before (`NOTICE_MONTHS`): one content-free email each, in their
  language, with the date and a link to Settings' export. Only the members who were in the
  process at its end. Sent once per process: `retention_notice_at` is set by one conditional
  UPDATE (the claim, committed before sending) and released if the mail server does not take
  the messages (a member told before the server failed may hear twice; none is left
  untold before the purge). A notice never promises less than a month: if the command ran late, the
  claim moves `retention_until` to a month after the notice.
- on and after `retention_until` purges the process, in one transaction claimed by a
  conditional UPDATE of `purged_at`: every envelope shared through the process, and the items
  that only live in it (its name, contract revisions and their acceptances, goals, agendas
  and their lines, summaries, evaluations, assignments, notes: every kind but `MEMBERS_OWN`),
  its sessions and invites. Each member's own words stay theirs: entries shared through the
  process (only the share goes), answers to assignments, check-ins and topics (their own
  envelopes stay; the supervisor's copies go). The process row and the memberships stay as a
  record without content, with `purged_at` set.

The supervisor can end retention earlier by agreement: she proposes (her own
`RetentionConsent`), each member who was in the process at its end agrees (a row each), and
when all have agreed `retention_until` becomes today: the next run purges. A purge without a
notice happens only then (everyone agreed on the page that offers the export).
"""
from __future__ import annotations

import calendar
import os
import smtplib
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import and_, delete, or_, select, update

from ..extensions import db
from ..models import Envelope, Invite, Item, Membership, Process, User
from ..models.agendas import Agenda, AgendaEntry
from ..models.assignments import AssignmentAssignee
from ..models.items import Tombstone
from ..models.privacy import RetentionConsent
from ..models.sessions import SupervisionSession
from ..models.types import utcnow
from ..uow import unit_of_work
from . import mail, reminders
from .errors import Conflict, Forbidden, NotFound

DEFAULT_MONTHS = 15
NOTICE_MONTHS = 1
#: The kinds of item in a process that are a member's own words and stay theirs at the purge.
MEMBERS_OWN = ("entry", "response", "checkin", "topic")
ZONE = ZoneInfo("Europe/Helsinki")


# -- dates -------------------------------------------------------------------------------------

def retention_months() -> int:
    """RETENTION_MONTHS from the app's config or the environment (default 15)."""
    value = current_app.config.get("RETENTION_MONTHS")
    if value is None:
        value = os.environ.get("RETENTION_MONTHS", "") or DEFAULT_MONTHS
    months = int(value)
    if months < 0:
        raise ValueError("RETENTION_MONTHS must be 0 or more")
    return months


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), the month's last day when it has fewer."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def local_day(at: datetime | None = None) -> date:
    """The date in Helsinki at `at` (default now): the day the service keeps time by."""
    return (at or utcnow()).astimezone(ZONE).date()


def on_process_ended(process: Process) -> None:
    """Called by processes.end_process: retention_until = the end date + RETENTION_MONTHS."""
    assert process.ended_at is not None
    process.retention_until = add_months(local_day(process.ended_at), retention_months())


def notice_on(process: Process) -> date | None:
    """The day the members are told (a month before retention_until)."""
    if process.retention_until is None:
        return None
    return add_months(process.retention_until, -NOTICE_MONTHS)


# -- who --------------------------------------------------------------------------------------

def members_at_end(process: Process) -> list[Membership]:
    """The memberships that were current when the process ended (a member who left after the
    end counts; one who left before does not; nobody joins an ended process)."""
    if process.ended_at is None:
        return []
    return list(db.session.scalars(select(Membership).where(
        Membership.process_id == process.id,
        or_(Membership.ended_at.is_(None), Membership.ended_at >= process.ended_at))
        .order_by(Membership.id)))


def _member_at_end(user: User, pid: str) -> Process:
    """The ended, not yet purged process of which the user was a member at its end; 404 for
    anyone else, 409 while it runs or once it is purged."""
    process = db.session.get(Process, pid)
    if process is None or user.uid not in {m.user_uid for m in members_at_end(process)}:
        if process is not None and not process.is_ended and any(
                m.user_uid == user.uid and m.ended_at is None for m in process.memberships):
            raise Conflict("The process has not ended.", "process_not_ended")
        raise NotFound("process not found", "process_not_found")
    if process.purged_at is not None:
        raise Conflict("The process's data has been deleted.", "process_purged")
    return process


# -- ending retention early by agreement -------------------------------------------------------

@dataclass
class Agreement:
    """What the retention page shows: until when, whether the supervisor proposed ending
    earlier, who of the members at the end has agreed."""

    process: Process
    until: date | None
    notice_on: date | None
    proposed: bool
    members: list[tuple[Membership, bool]] = field(default_factory=list)

    @property
    def all_agreed(self) -> bool:
        return self.proposed and all(agreed for _m, agreed in self.members)

    def agreed(self, uid: str) -> bool:
        return any(m.user_uid == uid and agreed for m, agreed in self.members)


def agreement(user: User, pid: str) -> Agreement:
    """The retention of an ended process, for a member at its end."""
    return _agreement(_member_at_end(user, pid))


def _agreement(process: Process) -> Agreement:
    consented = set(db.session.scalars(select(RetentionConsent.user_uid).where(
        RetentionConsent.process_id == process.id)))
    members = [(m, m.user_uid in consented) for m in members_at_end(process)]
    return Agreement(process, process.retention_until, notice_on(process),
                     process.supervisor_uid in consented, members)


def _lock(pid: str) -> Process:
    process = db.session.get(Process, pid, with_for_update=True, populate_existing=True)
    assert process is not None
    return process


def propose(supervisor: User, pid: str) -> Agreement:
    """The supervisor proposes ending the retention now (her own agreement). Again: no-op."""
    process = _member_at_end(supervisor, pid)
    if process.supervisor_uid != supervisor.uid:
        raise Forbidden("Only the process's supervisor can propose this.", "not_supervisor")
    return _consent(supervisor, _lock(pid))


def agree(member: User, pid: str) -> Agreement:
    """A member at the end agrees to the supervisor's proposal (the supervisor agreeing is
    her proposal). When everyone has, retention_until becomes today (the next run of the
    command purges). Again: no-op."""
    if _member_at_end(member, pid).supervisor_uid == member.uid:
        return propose(member, pid)
    process = _lock(pid)
    if not _agreement(process).proposed:
        raise Conflict("The supervisor has not proposed ending the retention early.",
                       "no_proposal")
    return _consent(member, process)


def _consent(user: User, process: Process) -> Agreement:
    """Under the process's row lock (taken by the caller), so that of two last agreements at
    once the second sees the first."""
    if db.session.get(RetentionConsent, (process.id, user.uid)) is None:
        db.session.add(RetentionConsent(process_id=process.id, user_uid=user.uid))
        db.session.flush()
    state = _agreement(process)
    today = local_day()
    if state.all_agreed and (process.retention_until is None
                             or process.retention_until > today):
        process.retention_until = state.until = today
        db.session.flush()
    return state


# -- the notice --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Notice:
    """One message: to whom, in which language, the deletion date."""

    email: str
    locale: str
    until: date


def notice_message(notice: Notice, base_url: str) -> tuple[str, str, str]:
    """(subject, body, language): that the ended process's data will be deleted on the date
    and that the member can download their own before it, with a link to Settings. No name,
    no title, nothing sealed."""
    language = reminders._language(notice.locale)
    with force_locale(language):
        subject = gettext("Your ended supervision process will be deleted")
        body = "\n\n".join([
            gettext("Hello,"),
            gettext("The data of your ended supervision process will be deleted on %(date)s. "
                    "You can download your own data before that.",
                    date=format_date(notice.until, "long", locale=language)),
            gettext("Download your data in Välitila's settings:") + "\n"
            + base_url + "account/#export",
        ])
    return subject, body + "\n", language


def _notices_due(today: date) -> list[str]:
    """Ids of the ended processes whose members should be told now."""
    rows = db.session.execute(select(Process.id, Process.retention_until).where(
        Process.status == "ended", Process.purged_at.is_(None),
        Process.retention_notice_at.is_(None), Process.retention_until.is_not(None))
        .order_by(Process.id)).all()
    due = []
    for pid, until in rows:
        if add_months(until, -NOTICE_MONTHS) <= today and not _agreement(
                db.session.get(Process, pid)).all_agreed:
            due.append(pid)
    return due


def claim_notice(pid: str, today: date) -> tuple[datetime, date, date] | None:
    """Mark the process's notice as sent before sending it (one conditional UPDATE,
    committed): (claimed at, the date to tell, the date it was before) or None when another
    run had claimed it. The date told is at least a month away."""
    with unit_of_work():
        process = db.session.get(Process, pid, populate_existing=True)
        if process is None or process.retention_until is None:
            return None
        before = process.retention_until
        until = max(before, add_months(today, NOTICE_MONTHS))
        now = utcnow()
        claimed = db.session.execute(update(Process).where(
            Process.id == pid, Process.retention_notice_at.is_(None),
            Process.purged_at.is_(None), Process.retention_until == before)
            .values(retention_notice_at=now, retention_until=until)
            .execution_options(synchronize_session=False)).rowcount
        return (now, until, before) if claimed == 1 else None


def release_notice(pid: str, claimed_at: datetime, before: date) -> None:
    """Give the claim back (the messages did not go): the next run tries again."""
    with unit_of_work():
        db.session.execute(update(Process).where(
            Process.id == pid, Process.retention_notice_at == claimed_at,
            Process.purged_at.is_(None))
            .values(retention_notice_at=None, retention_until=before)
            .execution_options(synchronize_session=False))


def _recipients(pid: str, until: date) -> list[Notice]:
    process = db.session.get(Process, pid)
    return [Notice(m.user.email, m.user.locale, until) for m in members_at_end(process)]


# -- the purge ---------------------------------------------------------------------------------

@dataclass
class Purged:
    envelopes: int = 0
    items: int = 0
    sessions: int = 0


def purge(pid: str, today: date) -> Purged | None:
    """Purge one ended process whose retention has run out (see the module docstring). The
    claim (UPDATE … SET purged_at WHERE purged_at IS NULL …) takes the row: of two runs at
    once one purges and the other finds it purged. None: not due, or purged already.
    Flushes; the caller commits."""
    claimed = db.session.execute(update(Process).where(
        Process.id == pid, Process.status == "ended", Process.purged_at.is_(None),
        Process.retention_until <= today,
        or_(Process.retention_notice_at.is_not(None), _everyone_agreed(pid)))
        .values(purged_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        return None
    done = Purged()
    through = Envelope.process_id == pid
    kept_readers_lost = select(Envelope.item_id).where(through)
    structure = and_(Item.process_id == pid, Item.kind.not_in(MEMBERS_OWN))
    # The members' own items lose their readers: their authors' clients rotate the key.
    db.session.execute(update(Item).where(Item.id.in_(kept_readers_lost), ~structure)
                       .values(rekey_due=True).execution_options(synchronize_session=False))
    done.envelopes = db.session.execute(
        delete(Envelope).where(through).execution_options(synchronize_session=False)).rowcount
    sessions = select(SupervisionSession.id).where(SupervisionSession.process_id == pid)
    db.session.execute(delete(AgendaEntry).where(AgendaEntry.process_id == pid)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(Agenda).where(Agenda.process_id == pid)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(AssignmentAssignee).where(AssignmentAssignee.process_id == pid)
                       .execution_options(synchronize_session=False))
    gone = db.session.execute(select(Item.id, Item.author_uid).where(structure)).all()
    if gone:
        db.session.execute(delete(Item).where(structure)
                           .execution_options(synchronize_session=False))
        db.session.add_all([Tombstone(id=item_id, author_uid=author)
                            for item_id, author in gone])
    done.items = len(gone)
    done.sessions = db.session.execute(
        delete(SupervisionSession).where(SupervisionSession.id.in_(sessions))
        .execution_options(synchronize_session=False)).rowcount
    db.session.execute(delete(Invite).where(Invite.process_id == pid)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(RetentionConsent).where(RetentionConsent.process_id == pid)
                       .execution_options(synchronize_session=False))
    db.session.flush()
    db.session.expire_all()
    return done


def _everyone_agreed(pid: str):
    """SQL: the supervisor proposed and every member at the end agreed."""
    ended = select(Process.ended_at).where(Process.id == pid).scalar_subquery()
    missing = select(Membership.id).where(
        Membership.process_id == pid,
        or_(Membership.ended_at.is_(None), Membership.ended_at >= ended),
        ~select(RetentionConsent.user_uid).where(
            RetentionConsent.process_id == pid,
            RetentionConsent.user_uid == Membership.user_uid).exists())
    proposed = select(RetentionConsent.user_uid).where(
        RetentionConsent.process_id == pid,
        RetentionConsent.user_uid == Process.supervisor_uid).exists()
    return and_(proposed, ~missing.exists())


def _purges_due(today: date) -> list[str]:
    return list(db.session.scalars(select(Process.id).where(
        Process.status == "ended", Process.purged_at.is_(None),
        Process.retention_until <= today).order_by(Process.id)))


# -- the command -------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What a run did: notices sent (messages), processes whose notice failed (claims given
    back) or another run had claimed, processes purged."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0
    purged: int = 0


def apply(now: datetime | None = None, *, email: bool = True) -> Outcome:
    """Tell the members of processes whose retention ends in a month, then purge those whose
    retention has ended. Raises reminders.NotConfigured before doing anything when mail or
    PUBLIC_URL is not set up (a purge must not happen without the notice). With
    `email=False` (a server that sends no email; the operator's choice, README) the notice
    is the one in the app — the ended process's page shows the date from the day it ends —
    and is recorded as given without a message."""
    base_url = reminders.check_configured() if email else None
    today = local_day(now)
    outcome = Outcome()
    with unit_of_work(write=False):
        notices = _notices_due(today)
    for pid in notices:
        if base_url is None:
            if claim_notice(pid, today) is None:
                outcome.skipped += 1
            continue
        _notify(pid, today, base_url, outcome)
    with unit_of_work(write=False):
        purges = _purges_due(today)
    for pid in purges:
        with unit_of_work():
            if purge(pid, today) is not None:
                outcome.purged += 1
    return outcome


def _notify(pid: str, today: date, base_url: str, outcome: Outcome) -> None:
    claim = claim_notice(pid, today)
    if claim is None:
        outcome.skipped += 1
        return
    claimed_at, until, before = claim
    with unit_of_work(write=False):
        notices = _recipients(pid, until)
    for notice in notices:
        subject, body, language = notice_message(notice, base_url)
        try:
            mail.send(notice.email, subject, body, language=language)
        except BaseException as exc:
            if isinstance(exc, mail.MailError) and isinstance(
                    exc.__cause__, smtplib.SMTPRecipientsRefused):
                continue                # this address is refused; the others still go
            # The server failed: the next run tells them all again (one told already may
            # hear twice; none is left untold before the purge).
            release_notice(pid, claimed_at, before)
            if not isinstance(exc, mail.MailError):
                raise
            outcome.failed += 1
            return
        outcome.sent += 1
