"""Calendars: a personal feed at a secret, revocable address, and a one-off `.ics` per session
(iCalendar through the `icalendar` library).

An event says only that there is supervision then: the title is "Työnohjaus" in the user's
language, with no process name and no names of people (those are sealed or personal; a
calendar is synced to third parties). UIDs are stable (the session id), times are in UTC,
DTSTAMP is the session's last change, and a cancelled session is kept as
STATUS:CANCELLED so that subscribed calendars remove it.

The feed's secret is the credential: only its SHA-256 is stored (users.calendar_token_hash),
a new secret replaces the old one, and revoking clears it.

Each event is rendered by the library once per state of its session (cached on every value it
shows) and the feed joins them, so the feed of a year of sessions stays well under 50 ms
(bench/calendar_feed.py).
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache

from icalendar import Calendar, Event, vDatetime, vText
from sqlalchemy import select, update

from ..extensions import db
from ..models import Membership, Process, User
from ..models.sessions import SupervisionSession
from ..models.types import utcnow

PRODID = "-//Välitila//Välitila calendar//FI"
#: The event title per language: the domain's own word, the same whatever the process. (Not
#: from the gettext catalogues: the feed is fetched by a calendar app, outside any request in
#: the user's language, and the title must never fall back to another text.)
EVENT_TITLES = {"fi": "Työnohjaus", "sv": "Arbetshandledning", "en": "Work supervision"}
#: How far back the feed reaches (older sessions drop out of subscribed calendars).
FEED_PAST = timedelta(days=366)
UID_DOMAIN = "valitila"
#: Rendered events kept in memory (about 250 bytes each).
EVENT_CACHE = 20_000


def token_hash(token: str) -> bytes:
    return hashlib.sha256(("valitila/calendar|" + token).encode()).digest()


def create_feed(user: User) -> str:
    """A new secret for the user's feed (the old address stops working). Returns the token,
    which is shown once."""
    token = secrets.token_urlsafe(32)
    db.session.execute(update(User).where(User.uid == user.uid)
                       .values(calendar_token_hash=token_hash(token))
                       .execution_options(synchronize_session=False))
    db.session.flush()
    db.session.refresh(user)
    return token


def revoke_feed(user: User) -> None:
    """The feed's address stops working (revoking again is a no-op)."""
    db.session.execute(update(User).where(User.uid == user.uid)
                       .values(calendar_token_hash=None)
                       .execution_options(synchronize_session=False))
    db.session.flush()
    db.session.refresh(user)


def feed_owner(token: str) -> User | None:
    """The user whose feed the token opens, or None (unknown or revoked)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(User).where(User.calendar_token_hash == token_hash(token)))


def feed_sessions(uid: str) -> list:
    """Every session, from a year back on, of the processes the user is an active member of
    (membership not ended, process not ended): one query, of the columns an event needs
    (rows with `id`, `starts_at`, `minutes`, `status`, `updated_at`)."""
    s = SupervisionSession
    return list(db.session.execute(
        select(s.id, s.starts_at, s.minutes, s.status, s.updated_at)
        .join(Process, Process.id == s.process_id)
        .join(Membership, Membership.process_id == Process.id)
        .where(Membership.user_uid == uid, Membership.ended_at.is_(None),
               Process.status != "ended", s.starts_at >= utcnow() - FEED_PAST)
        .order_by(s.starts_at, s.id)))


def title_for(locale: str | None) -> str:
    return EVENT_TITLES.get(locale or "fi", EVENT_TITLES["fi"])


@lru_cache(maxsize=EVENT_CACHE)
def _event(sid: str, starts_at: datetime, minutes: int, status: str, updated_at: datetime,
           title: str) -> bytes:
    """One VEVENT, rendered by the library. Cached on every value it shows, so a session
    renders again only after it changed (its `updated_at` moves with every change): a feed
    that calendar apps poll costs a join of cached events."""
    # Values typed up front (encode=False): the same bytes as letting `add` infer the types,
    # a third faster.
    event = Event()
    event.add("uid", vText(f"{sid}@{UID_DOMAIN}"), encode=False)
    event.add("dtstamp", vDatetime(updated_at), encode=False)
    event.add("dtstart", vDatetime(starts_at), encode=False)
    event.add("dtend", vDatetime(starts_at + timedelta(minutes=minutes)), encode=False)
    event.add("summary", vText(title), encode=False)
    event.add("status", vText("CANCELLED" if status == "cancelled" else "CONFIRMED"),
              encode=False)
    return event.to_ical()


@lru_cache(maxsize=1)
def _frame() -> tuple[bytes, bytes]:
    """The calendar around the events: (everything before them, END:VCALENDAR)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Välitila")
    whole, end = calendar.to_ical(), b"END:VCALENDAR\r\n"
    assert whole.endswith(end)
    return whole[:-len(end)], end


def render(sessions: Iterable, locale: str | None) -> bytes:
    """An iCalendar document (RFC 5545) of the sessions, titled in the user's language."""
    title = title_for(locale)
    head, end = _frame()
    return b"".join([head, *(_event(s.id, s.starts_at, s.minutes, s.status, s.updated_at,
                                    title) for s in sessions), end])


def feed(token: str) -> bytes | None:
    """The feed the token opens, or None (unknown or revoked: the caller answers 404)."""
    user = feed_owner(token)
    if user is None:
        return None
    return render(feed_sessions(user.uid), user.locale)


def session_ics(user: User, session: SupervisionSession) -> bytes:
    """One session as a calendar of one event (for a member: the view checked membership)."""
    return render([session], user.locale)
