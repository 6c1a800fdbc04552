"""The schedule card of a process page, as the page shows it: the sessions around now (the
latest one that has begun, then the next ones; SHOWN in all) with a link to the whole
schedule (the same page with ?sessions=all), or every session when asked. The rows are the
schedule card's own (sessions._schedule_card: the same tuple per session, the same texts),
read as plain rows, and only the shown ones are formatted: a year of fortnightly sessions
is not 26 dates to format on every visit to the process."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask_babel import get_locale, gettext, ngettext
from sqlalchemy import bindparam, select

from ..models import Process, SupervisionSession, User
from ..models.types import utcnow
from ..services import schedule
from ..services.items import core_rows
from ..sessions import _patterns, reason_names

#: How many sessions the process page shows without ?sessions=all.
SHOWN = 5


@lru_cache(maxsize=1)
def _statement():
    s = SupervisionSession
    return (select(s.id, s.status, s.starts_at, s.minutes, s.cancel_reason)
            .where(s.process_id == bindparam("pid")).order_by(s.starts_at, s.id))


@lru_cache(maxsize=4096)
def _when(starts_at: datetime, zone: str, locale: str) -> str:
    """"date time" of a session in a zone and language (the medium date and short time, as
    the schedule card writes them): a pure function, kept per session time."""
    date_pattern, time_pattern = _patterns(locale)
    tz = ZoneInfo(zone)
    return (format_datetime(starts_at, date_pattern, tzinfo=tz, locale=locale) + " "
            + format_datetime(starts_at, time_pattern, tzinfo=tz, locale=locale))


def window(starts: list[datetime], now: datetime, shown: int = SHOWN) -> tuple[int, int]:
    """(first, end) of the sessions to show of a schedule sorted by start: the latest one
    that has begun (to mark held, or see what was cancelled), then the next ones; at the end
    of a schedule, its last `shown`."""
    ahead = next((n for n, start in enumerate(starts) if start > now), len(starts))
    first = max(0, min(ahead - 1, len(starts) - shown))
    return first, min(len(starts), first + shown)


def schedule_card(user: User, process: Process, full: bool) -> dict:
    """The schedule card's data for processes/show.html (see sessions._schedule_card):
    sessions (how many), rows (id, status, ISO start, "date time" in the viewer's zone,
    length, status name, cancellation reason name or None), can_manage, first_day, and
    hidden: how many sessions are not shown (0 with `full`)."""
    rows = core_rows(_statement(), {"pid": process.id})
    now = utcnow()
    zone = schedule.zone_of(user)
    today = now.astimezone(zone).date()
    first, end = (0, len(rows)) if full else window([r[2] for r in rows], now)
    locale = str(get_locale())
    statuses = {"planned": gettext("Planned"), "held": gettext("Held"),
                "cancelled": gettext("Cancelled")}
    reasons = reason_names() if any(r[4] for r in rows[first:end]) else {}
    shown = [(sid, status, starts_at.isoformat(), _when(starts_at, zone.key, locale),
              ngettext("%(num)d minute", "%(num)d minutes", minutes),
              statuses.get(status, status),
              reasons.get(reason, reason) if reason else None)
             for sid, status, starts_at, minutes, reason in rows[first:end]]
    return {"sessions": len(rows), "rows": shown, "hidden": len(rows) - len(shown),
            "can_manage": schedule.can_manage(user, process),
            "first_day": max(process.starts_on, today) if process.starts_on else today,
            "now": now}
