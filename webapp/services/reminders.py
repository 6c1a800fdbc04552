"""Content-free email reminders (issue 10, "Reminders that say nothing").

Each user opts in per kind (`ReminderSetting`; no row: none is wanted):

- assignment_due: an open interim assignment of hers falls due tomorrow (in her time zone);
- session_tomorrow: a planned session of a process she is in starts tomorrow (her time zone;
  every active member, the supervisor included);
- agenda_shared: the agenda of an upcoming session was shared (every active member but the
  process's supervisor, who wrote it);
- evaluation_due: an evaluation of her process falls due (services.evaluations
  .due_evaluations of her own today: from DUE_WINDOW_DAYS before its date until everyone has
  accepted it; every active member, the supervisor included).

Only to users who opted in, only about processes they are still active members of (and that
have not ended). A message says only that something is waiting, in the user's language and
time zone, with a link to the app (PUBLIC_URL): never a title, a name or any sealed word.

Sent once: `ReminderSent` (user, kind, subject key) is claimed before sending (an INSERT …
ON CONFLICT DO NOTHING in its own committed transaction: of two runs at once, one claims and
the other skips), and released again if the SMTP server does not take the message, so the
next run retries it. A run that is killed between claiming and sending loses that one
reminder; it never sends one twice.
"""
from __future__ import annotations

import os
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import and_, delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import Membership, Process, User
from ..models.agendas import Agenda
from ..models.assignments import AssignmentAssignee
from ..models.reminders import REMINDER_KINDS, ReminderSent, ReminderSetting
from ..models.sessions import SupervisionSession
from ..models.types import utcnow
from ..schemas.sessions import DEFAULT_ZONE, is_zone
from ..uow import unit_of_work
from . import mail
from .errors import InvalidInput

#: How far ahead "tomorrow" can reach in any time zone: the end of tomorrow is at most
#: 48 hours away (a zone where it is just past midnight now).
_AHEAD = timedelta(hours=48)
#: After this many failures of the server in a row the run stops trying (the server is down:
#: each try would wait for its timeout); the rest stay unclaimed for the next run. An address
#: the server refuses does not count: the others still go.
FAILURES_IN_A_ROW = 3
LANGUAGES = ("fi", "sv", "en")


class NotConfigured(Exception):
    """The app cannot send reminders: a setting (MAIL_SERVER, PUBLIC_URL) is missing."""


# -- settings ----------------------------------------------------------------------------------

def settings_of(user: User) -> dict[str, bool]:
    """The user's choice per kind (all False without a row)."""
    row = db.session.get(ReminderSetting, user.uid)
    return {kind: bool(row is not None and getattr(row, kind)) for kind in REMINDER_KINDS}


def set_settings(user: User, wanted: Iterable[str]) -> dict[str, bool]:
    """Opt in to exactly the kinds in `wanted` (the others off). Unknown kinds: InvalidInput."""
    wanted = set(wanted)
    unknown = wanted - set(REMINDER_KINDS)
    if unknown:
        raise InvalidInput("Unknown kind of reminder.", "bad_reminder_kind", field="kinds")
    row = db.session.get(ReminderSetting, user.uid)
    if row is None:
        row = ReminderSetting(user_uid=user.uid)
        db.session.add(row)
    for kind in REMINDER_KINDS:
        setattr(row, kind, kind in wanted)
    row.updated_at = utcnow()
    db.session.flush()
    return settings_of(user)


# -- what is due -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reminder:
    """One message to send: to whom, which kind, the key it is sent once under, and the
    instant it is about (a due time, a session's start; an evaluation's date) for the
    message's date or time."""

    user_uid: str
    email: str
    locale: str
    timezone: str
    kind: str
    subject: str
    at: datetime | date


def _zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name if is_zone(name) else DEFAULT_ZONE)


def _is_tomorrow(at: datetime, now: datetime, zone_name: str) -> bool:
    zone = _zone(zone_name)
    return at.astimezone(zone).date() == now.astimezone(zone).date() + timedelta(days=1)


def _key(thing_id: str, at: datetime) -> str:
    """The subject key: what it is about and when. The same thing at the same time is sent
    once; a due time or a session that moves (and still falls tomorrow) is a new reminder,
    with the new time."""
    return f"{thing_id}@{at.astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M}"


def _user_columns():
    return (User.uid, User.email, User.locale, User.timezone)


def _opted(kind: str):
    return and_(ReminderSetting.user_uid == User.uid, getattr(ReminderSetting, kind).is_(True))


def _active_member(process_column, user_column):
    return and_(Membership.process_id == process_column, Membership.user_uid == user_column,
                Membership.ended_at.is_(None))


def _assignments_due(now: datetime) -> list[Reminder]:
    rows = db.session.execute(
        select(*_user_columns(), AssignmentAssignee.assignment_id, AssignmentAssignee.due_at)
        .join(User, User.uid == AssignmentAssignee.user_uid)
        .join(ReminderSetting, _opted("assignment_due"))
        .join(Process, and_(Process.id == AssignmentAssignee.process_id,
                            Process.status != "ended"))
        .join(Membership, _active_member(AssignmentAssignee.process_id,
                                         AssignmentAssignee.user_uid))
        .where(AssignmentAssignee.status == "open", AssignmentAssignee.due_at > now,
               AssignmentAssignee.due_at <= now + _AHEAD))
    return [Reminder(uid, email, locale, zone, "assignment_due", _key(item_id, due), due)
            for uid, email, locale, zone, item_id, due in rows
            if _is_tomorrow(due, now, zone)]


def _sessions_tomorrow(now: datetime) -> list[Reminder]:
    rows = db.session.execute(
        select(*_user_columns(), SupervisionSession.id, SupervisionSession.starts_at)
        .join(Process, and_(Process.id == SupervisionSession.process_id,
                            Process.status != "ended"))
        .join(Membership, and_(Membership.process_id == SupervisionSession.process_id,
                               Membership.ended_at.is_(None)))
        .join(User, User.uid == Membership.user_uid)
        .join(ReminderSetting, _opted("session_tomorrow"))
        .where(SupervisionSession.status == "planned", SupervisionSession.starts_at > now,
               SupervisionSession.starts_at <= now + _AHEAD))
    return [Reminder(uid, email, locale, zone, "session_tomorrow", _key(sid, starts), starts)
            for uid, email, locale, zone, sid, starts in rows
            if _is_tomorrow(starts, now, zone)]


def _agendas_shared(now: datetime) -> list[Reminder]:
    rows = db.session.execute(
        select(*_user_columns(), Agenda.session_id, SupervisionSession.starts_at)
        .join(SupervisionSession, SupervisionSession.id == Agenda.session_id)
        .join(Process, and_(Process.id == Agenda.process_id, Process.status != "ended"))
        .join(Membership, and_(Membership.process_id == Agenda.process_id,
                               Membership.ended_at.is_(None),
                               Membership.user_uid != Process.supervisor_uid))
        .join(User, User.uid == Membership.user_uid)
        .join(ReminderSetting, _opted("agenda_shared"))
        .where(Agenda.shared_at.is_not(None), Agenda.shared_at <= now,
               SupervisionSession.status == "planned", SupervisionSession.starts_at > now))
    return [Reminder(uid, email, locale, zone, "agenda_shared", sid, starts)
            for uid, email, locale, zone, sid, starts in rows]


def _evaluations_due(now: datetime) -> list[Reminder]:
    """due_evaluations of each member's own today (one call per distinct local date)."""
    from .evaluations import due_evaluations
    members = db.session.execute(
        select(*_user_columns(), Membership.process_id)
        .join(Membership, and_(Membership.user_uid == User.uid, Membership.ended_at.is_(None)))
        .join(Process, and_(Process.id == Membership.process_id, Process.status == "active"))
        .join(ReminderSetting, _opted("evaluation_due"))).all()
    today = {zone: now.astimezone(_zone(zone)).date() for zone in {m[3] for m in members}}
    due_on: dict[date, dict[str, list]] = {}
    for day in set(today.values()):
        per_process: dict[str, list] = {}
        for row in due_evaluations(day):
            per_process.setdefault(row.process_id, []).append(row)
        due_on[day] = per_process
    return [Reminder(uid, email, locale, zone, "evaluation_due",
                     f"{pid}@{row.due_on:%Y%m%d}", row.due_on)
            for uid, email, locale, zone, pid in members
            for row in due_on[today[zone]].get(pid, [])]


def _not_sent(reminders: list[Reminder]) -> list[Reminder]:
    """Leave out what was sent already (one query per kind)."""
    kept: list[Reminder] = []
    for kind in REMINDER_KINDS:
        of_kind = [r for r in reminders if r.kind == kind]
        if not of_kind:
            continue
        keys = {(r.user_uid, r.subject) for r in of_kind}
        sent = set(db.session.execute(
            select(ReminderSent.user_uid, ReminderSent.subject).where(
                ReminderSent.kind == kind,
                tuple_(ReminderSent.user_uid, ReminderSent.subject).in_(list(keys)))).all())
        kept += [r for r in of_kind if (r.user_uid, r.subject) not in sent]
    return kept


def due(now: datetime | None = None) -> list[Reminder]:
    """Every reminder due at `now` and not sent yet, in a stable order (by kind, user, key)."""
    now = now or utcnow()
    found = (_assignments_due(now) + _sessions_tomorrow(now) + _agendas_shared(now)
             + _evaluations_due(now))
    unique = {(r.user_uid, r.kind, r.subject): r for r in found}     # one per key
    return sorted(_not_sent(list(unique.values())),
                  key=lambda r: (REMINDER_KINDS.index(r.kind), r.user_uid, r.subject))


# -- the message -------------------------------------------------------------------------------

def _setting(name: str) -> str:
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(name, "")
    return str(value).strip()


def public_url() -> str:
    """The app's public address for links in messages: PUBLIC_URL, else SERVER_NAME with
    PREFERRED_URL_SCHEME. Raises NotConfigured when neither is set."""
    url = _setting("PUBLIC_URL")
    if not url and _setting("SERVER_NAME"):
        scheme = current_app.config.get("PREFERRED_URL_SCHEME") or "https"
        url = f"{scheme}://{_setting('SERVER_NAME')}"
    if not url.startswith(("https://", "http://")):
        raise NotConfigured("Set PUBLIC_URL (e.g. https://valitila.example.fi) so that "
                            "reminders can link to the app.")
    return url.rstrip("/") + "/"


def _language(locale: str | None) -> str:
    return locale if locale in LANGUAGES else "fi"


def _what(kind: str, at: datetime | date, zone: ZoneInfo, language: str) -> str:
    """The one line that says what is waiting (call inside force_locale)."""
    if kind == "evaluation_due":
        return gettext("An evaluation of your supervision process is due on %(date)s.",
                       date=format_date(_as_date(at), "long", locale=language))
    assert isinstance(at, datetime)
    local = at.astimezone(zone)
    if kind == "assignment_due":
        return gettext("You have an interim assignment that is due tomorrow.")
    if kind == "session_tomorrow":
        return gettext("You have a supervision session tomorrow at %(time)s.",
                       time=format_time(local, "short", locale=language))
    if kind == "agenda_shared":
        return gettext("The agenda of your supervision session on %(date)s has been shared "
                       "with you.", date=format_date(local.date(), "long", locale=language))
    raise ValueError(kind)


def _as_date(at: datetime | date) -> date:
    return at.date() if isinstance(at, datetime) else at


def reminder_message(reminder: Reminder, base_url: str) -> tuple[str, str, str]:
    """(subject, body, language) of a reminder: that something is waiting, when (in the
    user's time zone), and a link to the app. Nothing else: no title, no name, no process."""
    language = _language(reminder.locale)
    zone = _zone(reminder.timezone)
    with force_locale(language):
        subject = gettext("A reminder from Välitila")
        body = "\n\n".join([
            gettext("Hello,"),
            _what(reminder.kind, reminder.at, zone, language),
            gettext("Open Välitila to see it:"),
            base_url,
            gettext("You receive these reminders because you asked for them. You can turn "
                    "them off in Välitila's settings:") + "\n" + base_url + "account/",
        ])
    return subject, body + "\n", language


# -- sending -----------------------------------------------------------------------------------

def _insert():
    return pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert


def claim(reminder: Reminder) -> bool:
    """Record the reminder as sent before sending it: True if this call claimed it, False if
    another run already had (INSERT … ON CONFLICT DO NOTHING: one statement, so two runs at
    once never both claim). Commits."""
    with unit_of_work():
        claimed = db.session.scalar(_insert()(ReminderSent.__table__).values(
            user_uid=reminder.user_uid, kind=reminder.kind, subject=reminder.subject,
            sent_at=utcnow()).on_conflict_do_nothing(
                index_elements=["user_uid", "kind", "subject"])
            .returning(ReminderSent.__table__.c.user_uid))
        return claimed is not None


def release(reminder: Reminder) -> None:
    """Give a claim back (the message did not go): the next run tries again. Commits."""
    with unit_of_work():
        db.session.execute(delete(ReminderSent).where(
            ReminderSent.user_uid == reminder.user_uid, ReminderSent.kind == reminder.kind,
            ReminderSent.subject == reminder.subject))


@dataclass
class Outcome:
    """What a run did: sent, failed (claims given back), skipped (another run had claimed
    them), left (not tried after the server failed several times in a row)."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0
    left: int = 0


def check_configured() -> str:
    """The public URL; NotConfigured when mail or the URL is not set up (nothing is sent:
    a reminder written to the log would count as sent and reach nobody)."""
    if not mail.settings().configured:
        raise NotConfigured("Set MAIL_SERVER (and the other MAIL_ settings) to send reminders.")
    return public_url()


def send_due(now: datetime | None = None) -> Outcome:
    """Send every reminder due at `now`, each once. Raises NotConfigured before doing
    anything when mail or PUBLIC_URL is not set up."""
    base_url = check_configured()
    with unit_of_work(write=False):
        reminders = due(now)
    outcome = Outcome()
    in_a_row = 0
    for index, reminder in enumerate(reminders):
        if in_a_row >= FAILURES_IN_A_ROW:
            outcome.left = len(reminders) - index
            break
        if not claim(reminder):
            outcome.skipped += 1
            continue
        subject, body, language = reminder_message(reminder, base_url)
        try:
            mail.send(reminder.email, subject, body, language=language)
        except BaseException as exc:
            release(reminder)           # whatever went wrong, the next run tries again
            if not isinstance(exc, mail.MailError):
                raise
            outcome.failed += 1
            if not isinstance(exc.__cause__, smtplib.SMTPRecipientsRefused):
                in_a_row += 1
        else:
            outcome.sent += 1
            in_a_row = 0
    return outcome
