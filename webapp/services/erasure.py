"""Erasing an account (issue 11, "Your data is yours"): one transaction, then the files.

What goes, in one transaction (a failure anywhere leaves everything as it was):
- the `users` row (its wrapped keys, recovery record, bundle, email and name) and everything
  hanging off it by foreign key: device sessions (every session ends), audit events,
  reminder settings and sent reminders, acceptances, assignment and check-in rows, retention
  consents, pins the user holds, and pins others hold *of* the user (see below);
- every item the user authored, and so every envelope of them (no tombstones are kept for
  them: a tombstone names its author, and nobody can sign in as the erased account any more
  to bring an item back);
- every envelope the user held on other people's items (their authors' clients rotate the
  key: `items.rekey_due`, as after a member leaves);
- memberships: each is ended first as `processes.end_membership` ends it (the envelopes
  through the process to and from the user go, the roster's epoch goes up, what the others
  had accepted settles, the supervisor's client rotates), then the row goes with the user;
- invites the user used (the user's own processes take the invites made in them along);
- a supervisor's processes: each is ended first (`processes.end_process`: open invites stop
  working), then deleted with its structure (sessions, agendas, shares through it). Each
  supervisee keeps their own items: their `process` link is cleared, so they stay in the
  supervisee's own store and export, and items whose shares went through the process are
  marked for a key rotation. The members see the process disappear from their lists and,
  when mail is set up, get one content-free email (`tell`: no name, no title);
- comments: a `comment` item is an item like any other, so the user's comments go with their
  items; a reply whose parent is gone has its `parent` link cleared (the foreign key), and a
  thread shows such a reply under "removed". (No comment view exists yet; this is the rule.)
- the uid and the time go on the erasure list (`erasures`: nothing else), which is also the
  content-free audit record of the erasure, and is appended to the operator's erasure file
  (ERASURE_LIST_FILE) after the commit, so that a restore from a backup can be followed by
  `flask reapply-erasures`.

Pins others hold of the user: a pin is its owner's signed record of the user's public key.
It would be the owner's to keep, but it names the erased account and its key's fingerprint,
and is useless once the account is gone (nothing can be shared with it), so it goes too.

The supervisor's own notes about a supervisee who erases their account are the supervisor's
items: they stay.

Locks, in one order (no deadlock with a concurrent share, revocation, leave or invite
acceptance, which lock an item and then its process): the user's row `FOR NO KEY UPDATE`
(a share to the user that inserts an envelope only needs `KEY SHARE` on it, so it is not
blocked by this), then every affected item in id order, then every affected process in id
order. SQLite's write transaction is exclusive anyway (webapp/uow.py).

Erased means gone from the files: on SQLite every connection sets `secure_delete` (freed
space is overwritten with zeros) and `scrub_files` truncates the write-ahead log after the
commit; on PostgreSQL `flask purge-erased` (README: run it from cron) vacuums the tables.
"""
from __future__ import annotations

import hmac
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import delete, or_, select, text, update

import protocol

from ..extensions import db
from ..models import Envelope, Invite, Item, Membership, Process, User
from ..models.privacy import Erasure
from ..models.types import utcnow
from . import accounts, processes, throttle
from .errors import Unauthorized

log = logging.getLogger(__name__)

#: Tables whose rows an erasure deletes or rewrites: `flask purge-erased` vacuums them.
AFFECTED_TABLES = ("users", "items", "envelopes", "tombstones", "pins", "device_sessions",
                   "audit_events", "memberships", "invites", "processes", "acceptances",
                   "assignment_assignees", "checkin_sharing", "reminder_settings",
                   "reminders_sent", "retention_consents", "contract_revisions", "goals",
                   "evaluations", "supervision_sessions", "agendas", "agenda_entries",
                   "erasures")


@dataclass(frozen=True)
class Notice:
    """A member of a process the erased supervisor ran: to be told, after the commit, that
    the process has ended (content-free: no name, no title, nothing sealed)."""

    email: str
    locale: str


def erase_account(user: User, auth_key: str) -> list[Notice]:
    """Erase the signed-in user's account, proven by the current password's auth key
    (PROTOCOL §7 `POST /me/erase`). A wrong key is `Unauthorized` and changes nothing;
    after LOGIN_BACKOFF_FREE wrong keys in a row the account cools down as after failed
    sign-ins (services/throttle.py: `TooManyAttempts`, 429). Returns the members of the
    processes she ran, to tell after the commit (`tell`)."""
    key = protocol.b64u_decode(auth_key, 32)
    throttle.check("erase", user.email)        # per-account backoff, as for sign-in (429)
    row = db.session.get(User, user.uid, with_for_update={"key_share": True},
                         populate_existing=True)
    if row is None or not hmac.compare_digest(accounts._auth_hash(key), row.auth_hash):
        throttle.failed("erase", user.email)
        raise Unauthorized("The password is wrong.", "bad_credentials", field="auth_key")
    throttle.succeeded("erase", row.email)
    members = [Notice(email, locale) for email, locale in db.session.execute(
        select(User.email, User.locale).join(Membership, Membership.user_uid == User.uid)
        .join(Process, Process.id == Membership.process_id)
        .where(Process.supervisor_uid == row.uid, Process.status != "ended",
               Membership.ended_at.is_(None), User.uid != row.uid)
        .order_by(User.email).distinct())]
    erase(row.uid)
    return members


def erase(uid: str) -> bool:
    """Erase the account `uid` and everything of it (the module docstring says what), and
    put it on the erasure list. Flushes only: the caller commits (one transaction). Returns
    whether an account was there to erase (an uid already erased is only listed again)."""
    user = db.session.get(User, uid, with_for_update={"key_share": True},
                          populate_existing=True)
    if user is None:
        _list(uid)
        db.session.flush()
        return False
    own = sorted(db.session.scalars(select(Process.id).where(Process.supervisor_uid == uid)))
    joined = sorted(set(db.session.scalars(select(Membership.process_id).where(
        Membership.user_uid == uid, Membership.ended_at.is_(None)))) - set(own))
    _lock(uid, own, joined)
    for pid in own:
        processes.end_process(user, pid)
    for pid in joined:
        processes.end_membership(user, pid, uid)
    _release_processes(own)
    _mark_for_rotation(uid)
    db.session.execute(delete(Item).where(Item.author_uid == uid)
                       .execution_options(synchronize_session=False))
    if own:
        db.session.execute(delete(Process).where(Process.id.in_(own))
                           .execution_options(synchronize_session=False))
    db.session.execute(delete(Invite).where(Invite.used_by == uid)
                       .execution_options(synchronize_session=False))
    _list(uid)
    db.session.execute(delete(User).where(User.uid == uid)
                       .execution_options(synchronize_session=False))
    db.session.flush()
    db.session.expire_all()
    log.info("An account was erased.")            # no uid, no email: the list has the uid
    return True


def _lock(uid: str, own: list[str], joined: list[str]) -> None:
    """Every item and process the erasure changes, items first, each in id order."""
    pids = sorted(set(own) | set(joined))
    conditions = [Item.author_uid == uid,
                  Item.id.in_(select(Envelope.item_id).where(Envelope.recipient_uid == uid))]
    if pids:
        conditions.append(Item.id.in_(select(Envelope.item_id)
                                      .where(Envelope.process_id.in_(pids))))
    if own:
        conditions.append(Item.process_id.in_(own))
    db.session.execute(select(Item.id).where(or_(*conditions)).order_by(Item.id)
                       .with_for_update())
    if pids:
        db.session.execute(select(Process.id).where(Process.id.in_(pids))
                           .order_by(Process.id).with_for_update())


def _release_processes(own: list[str]) -> None:
    """The supervisees of the user's own processes keep their items: the link to the process
    (which is about to go) is cleared, and items shared through it are marked for rotation."""
    if not own:
        return
    shared_through = select(Envelope.item_id).where(Envelope.process_id.in_(own))
    db.session.execute(update(Item).where(Item.id.in_(shared_through))
                       .values(rekey_due=True).execution_options(synchronize_session=False))
    db.session.execute(update(Item).where(Item.process_id.in_(own))
                       .values(process_id=None).execution_options(synchronize_session=False))


def _mark_for_rotation(uid: str) -> None:
    """Other people's items the user could read: their authors' clients rotate the key."""
    held = select(Envelope.item_id).where(Envelope.recipient_uid == uid)
    db.session.execute(update(Item).where(Item.id.in_(held), Item.author_uid != uid)
                       .values(rekey_due=True).execution_options(synchronize_session=False))


def _list(uid: str) -> None:
    if db.session.get(Erasure, uid) is None:
        db.session.add(Erasure(uid=uid, erased_at=utcnow()))


# -- after the commit: the files ----------------------------------------------------------------

def after_commit(uid: str, notices: list[Notice] = ()) -> None:
    """What follows a committed erasure: the uid on the operator's erasure file, on SQLite
    the write-ahead log truncated (the old pages of the erased rows are in it), and the
    members of the erased supervisor's processes told."""
    remember(uid)
    scrub_files()
    tell(list(notices))


def tell(notices: list[Notice]) -> int:
    """Email each member of the erased supervisor's processes that a process they took part
    in has ended, with a link to the export in Settings: content-free (no name, no title),
    in their language. Only when mail and PUBLIC_URL are set up; a failure is logged (the
    erasure is done; nothing is retried). Returns how many were sent."""
    from . import mail, reminders
    if not notices or not mail.settings().configured:
        return 0
    try:
        base = reminders.public_url()
    except reminders.NotConfigured:
        return 0
    sent = 0
    for notice in notices:
        language = reminders._language(notice.locale)
        with force_locale(language):
            subject = gettext("A supervision process you took part in has ended")
            body = "\n\n".join([
                gettext("Hello,"),
                gettext("Your supervisor has deleted their Välitila account, so a supervision "
                        "process you took part in has ended. Your own writing stays yours."),
                gettext("Download your data in Välitila's settings:") + "\n"
                + base + "account/#export",
            ])
        try:
            mail.send(notice.email, subject, body + "\n", language=language)
            sent += 1
        except mail.MailError:
            pass                                   # mail.send logged it (without the address)
    return sent


def remember(uid: str) -> None:
    """Append the uid and the time to the erasure file (ERASURE_LIST_FILE), which lives
    outside the database so that restoring a backup does not take it back."""
    path = current_app.config.get("ERASURE_LIST_FILE")
    if not path:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="ascii") as file:
        file.write(f"{uid} {utcnow().isoformat()}\n")


def listed_in_file() -> list[str]:
    """The uids of the erasure file, in order, once each."""
    path = current_app.config.get("ERASURE_LIST_FILE")
    if not path or not Path(path).exists():
        return []
    seen: dict[str, None] = {}
    for line in Path(path).read_text(encoding="ascii", errors="replace").splitlines():
        uid = line.split(" ", 1)[0].strip()
        try:
            uuid.UUID(uid)
        except ValueError:
            if uid:
                log.warning("The erasure file has a line that is not a uid; skipped.")
            continue
        seen.setdefault(uid, None)
    return list(seen)


def scrub_files() -> int | None:
    """On SQLite: copy the write-ahead log into the database and truncate it to nothing
    (`PRAGMA wal_checkpoint(TRUNCATE)`), so the pages that held the erased rows are no longer
    in it; `secure_delete` (set on every connection) has zeroed their space in the main
    file. Returns SQLite's busy flag (0: done), or None on another database."""
    if db.engine.dialect.name != "sqlite":
        return None
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        cursor.close()
        if busy:
            # Readers kept the log busy past the busy timeout: the old pages may stay in the
            # log's tail until the next truncation (`flask purge-erased` does one).
            log.warning("The write-ahead log could not be truncated now; run purge-erased.")
        return busy
    finally:
        raw.close()


def purge_files(*, full: bool = False) -> list[str]:
    """Vacuum the tables an erasure changes (PostgreSQL: VACUUM, or VACUUM FULL, which
    rewrites each table into new files; SQLite: VACUUM rebuilds the whole file, then the log
    is truncated). Runs outside a transaction. Returns what was vacuumed."""
    engine = db.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "postgresql":
            verb = "VACUUM (FULL, ANALYZE)" if full else "VACUUM (ANALYZE)"
            for table in AFFECTED_TABLES:
                conn.execute(text(f'{verb} "{table}"'))
            return list(AFFECTED_TABLES)
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            raw.cursor().execute("VACUUM")
        finally:
            raw.close()
        scrub_files()
        return ["(the whole database)"]
    return []


def reapply() -> list[str]:
    """After a restore: erase again every account on the erasure list (the table and the
    erasure file) that is back in the database. Each in its own transaction. Returns the
    uids erased again."""
    from ..uow import unit_of_work
    with unit_of_work(write=False):
        listed = list(db.session.scalars(select(Erasure.uid).order_by(Erasure.erased_at)))
    for uid in listed_in_file():
        if uid not in listed:
            listed.append(uid)
    again = []
    for uid in listed:
        with unit_of_work():
            if erase(uid):
                again.append(uid)
    scrub_files()
    return again
