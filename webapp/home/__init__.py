"""The homes (issue 9; DESIGN.md principle 1) and the supervisor's private notes.

- /home/: a supervisee's home is "until the next session": per process they take part in,
  the countdown to the next session, the process's sealed name, its goals, how many of their
  entries they marked "bring to the next session", and a one-tap "Write a reflection". A
  supervisor's home: their processes (active, drafts) and the coming sessions across them.
- /home/start: where signing in or up leads (supervisors and members of a process to the
  home, anyone else to the journal).
- /processes/<pid>/notes: the supervisor's private notes of one process, per session,
  sealed to the supervisor alone (webapp/services/notes.py).

Pages carry structure and ciphertext only; names, goals and notes open in the browser.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_datetime, format_timedelta, match_skeleton
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user

from ..chrome import memo_expires, memo_kept, next_minute, render_memo_page, render_page
from ..guards import login_required
from ..models.types import utcnow
from ..processes.names import NameMarkup
from ..processes.queries import titles, versions
from ..schemas import parse
from ..schemas.processes import ProcessPath
from ..services import notes as notes_service
from ..services import schedule
from . import queries

bp = Blueprint("home", __name__)

DEFAULT_ZONE = "Europe/Helsinki"


def _user():
    return current_user._get_current_object()


def user_zone(user) -> ZoneInfo:
    """The user's time zone (users.timezone), Helsinki when it is not a known IANA name."""
    try:
        return ZoneInfo(user.timezone or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


class When:
    """A session's time for one reader: in their language and time zone, as a countdown
    ("in 3 days") and as a date ("Tue 1 December at 18.00"), with the ISO form for <time>."""

    def __init__(self, zone: ZoneInfo, locale: str, now: datetime) -> None:
        self.zone, self.locale, self.now = zone, locale, now
        self.at = gettext("%(date)s at %(time)s")

    def countdown(self, starts_at: datetime) -> str:
        return _countdown(int((starts_at - self.now).total_seconds() // 60), self.locale)

    def date(self, starts_at: datetime) -> str:
        return self.at % {"date": self._format("MMMMEEEEd", starts_at),
                          "time": self._format("Hm", starts_at)}

    def day(self, starts_at: datetime) -> str:
        return self._format("yMMMEd", starts_at)

    def _format(self, skeleton: str, when: datetime) -> str:
        return _formatted(when, skeleton, self.zone.key, self.locale)


@lru_cache(maxsize=4096)
def _formatted(when: datetime, skeleton: str, zone: str, locale: str) -> str:
    """A time as format_skeleton writes it, with the skeleton's pattern looked up once per
    language (matching a skeleton is most of its cost), each text kept: a pure function of
    its arguments, and a supervisor's home shows the same few dozen session times on every
    visit."""
    return format_datetime(when, _pattern(skeleton, locale), tzinfo=ZoneInfo(zone),
                           locale=locale)


@lru_cache(maxsize=64)
def _pattern(skeleton: str, locale: str) -> str:
    """The locale's date pattern for a skeleton, as babel's format_skeleton picks it."""
    skeletons = Locale.parse(locale).datetime_skeletons
    if skeleton not in skeletons:
        skeleton = match_skeleton(skeleton, skeletons)
    return str(skeletons[skeleton])


#: Up to these, a countdown counts in the smaller unit: hours for two days ("in 36 hours",
#: not "in 2 days" a day and a half before), days for eight weeks ("in 25 days" and "in 46
#: days", not babel's rounded "in 4 weeks" and "in 2 months").
_HOURS_UNTIL, _DAYS_UNTIL = 48 * 60, 56 * 24 * 60


@lru_cache(maxsize=4096)
def _countdown(minutes: int, locale: str) -> str:
    """"in 25 days", "in 36 hours", "in 53 minutes": a countdown in the language, in the
    unit that says it best. Minutes for the last hour (a unit is used once a whole one has
    come: babel's default threshold said "in 1 hour" 53 minutes before), hours for two days,
    days for eight weeks, then months."""
    if minutes < 60:
        unit, threshold = "minute", 1.0
    elif minutes < _HOURS_UNTIL:
        unit, threshold = "hour", 1e9      # a threshold never met: the granularity's unit
    elif minutes < _DAYS_UNTIL:
        unit, threshold = "day", 1e9
    else:
        unit, threshold = "month", 1.0
    return format_timedelta(timedelta(minutes=minutes), granularity=unit, threshold=threshold,
                            add_direction=True, locale=locale)


def _when(now: datetime | None = None) -> When:
    return When(user_zone(_user()), str(get_locale()), now or utcnow())


@bp.get("/home/")
@login_required
def index():
    """The user's home: what they supervise and where they are supervised."""
    user, now = _user(), utcnow()

    def build() -> dict:
        home, when = queries.home(user, now), _when(now)
        for row in home.supervised:
            if row.bring_until is not None:
                memo_expires(row.bring_until)
        return {"home": home, "when": when, "coming": _coming(home, when),
                "supervising": _supervising(home, when), "coming_days": queries.COMING_DAYS}

    # Everything on the home belongs to the processes the user is a current member of, whose
    # versions the database raises with every change (models.ProcessVersion), or to the user
    # (role, time zone; the language is in the memo's key): an unchanged home is not read
    # and built again. What the clock changes (countdowns, the fortnight, what falls due) is
    # kept until the next minute at most.
    if not memo_kept():
        return render_page("home/index.html", **build())
    memo = (user.uid, bool(user.is_supervisor), user.timezone, versions(user.uid),
            request.script_root)
    return render_memo_page("home/index.html", memo, build,
                            until=next_minute(now))


def _names(rows, waiting_text: str | None = None) -> None:
    name = NameMarkup(waiting_text)
    for row in rows:
        if not row.name:
            row.name = name(row.title, row.has_title)


def _coming(home: queries.Home, when: When) -> list[tuple]:
    """The supervisor's coming sessions as the page shows them, computed per page (a name
    built once per process, one link prefix, cached date texts): (session id, ISO start,
    date, countdown, the process's link, name, supervisees, whether its time overlaps
    another's of them, the session's link)."""
    _names(home.supervising)
    prefix = url_for("processes.show", pid="0")[:-1]
    overlapping = schedule.overlapping_ids(
        [(c.session.id, c.session.starts_at, c.session.minutes) for c in home.coming])
    return [(c.session.id, c.session.starts_at.isoformat(), when.date(c.session.starts_at),
             when.countdown(c.session.starts_at), prefix + c.process.process.id,
             c.process.name, ", ".join(c.process.supervisees), c.session.id in overlapping,
             f"{prefix}{c.process.process.id}/sessions/{c.session.id}")
            for c in home.coming]


def _supervising(home: queries.Home, when: When) -> list[tuple]:
    """The supervisor's processes as the page lists them: (id, status, link, name,
    supervisees or None, "next session in …" or None)."""
    _names(home.supervising)
    _names(home.supervised, gettext("Supervision process"))
    prefix = url_for("processes.show", pid="0")[:-1]
    label = gettext("next session %(when)s")
    return [(row.process.id, row.process.status, prefix + row.process.id, row.name,
             ", ".join(row.supervisees) or None,
             label % {"when": when.countdown(row.next_session.starts_at)}
             if row.next_session else None)
            for row in home.supervising]


@bp.get("/home/start")
@login_required
def start():
    """Where signing in or up leads: the home for a supervisor or a member of a process
    that has not ended, the journal for anyone else."""
    target = "home.index" if queries.lands_on_home(_user()) else "journal.index"
    return redirect(url_for(target))


@bp.get("/processes/<pid>/notes")
@login_required
def notes(pid: str):
    """The supervisor's private notes of one process, grouped by session (404 for anyone
    but the process's supervisor). Read-only once the process has ended."""
    pid = parse(ProcessPath, {"pid": pid}).pid
    user = _user()
    view = notes_service.notes_view(user, pid)
    readable, named = titles(user.uid, [pid])
    # ?session= (from a session's "after" page) starts a new note about that session.
    return render_template("notes/index.html", view=view, title=readable.get(pid),
                           has_title=pid in named, when=_when(),
                           chosen_session=request.args.get("session", ""))
