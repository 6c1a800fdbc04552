"""Supervision sessions, the user's time zone and the calendar feed (docs/protocol.md
"Sessions and calendar").

Times a person enters are local: a calendar date and a wall-clock time in a time zone (the
caller's own, `users.timezone`, unless the body names one), so that "17:00 every four weeks"
stays 17:00 across a change of daylight saving time. Answers give instants in UTC.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, time
from functools import lru_cache
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from pydantic import Field, PlainSerializer, model_validator

from ..models.sessions import CANCEL_REASONS, SESSION_STATUSES
from .processes import MAX_SESSION_MINUTES, Day
from .types import Schema, Str, Uuid4, coded, fail, integer, omitted, plain

#: The areas whose zones the settings page offers (IANA "Area/Location" names); the legacy
#: aliases (US/…, Etc/GMT+5, EST5EDT, …) are left out. UTC is offered too.
ZONE_AREAS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia",
              "Europe", "Indian", "Pacific")
DEFAULT_ZONE = "Europe/Helsinki"


@lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    """The IANA time zones a user may choose, sorted (a cached tuple)."""
    import pytz  # Flask-Babel's own zone database formats the dates: offer what both know

    zones = {name for name in available_timezones()
             if name.split("/", 1)[0] in ZONE_AREAS and "/" in name
             and name in pytz.all_timezones_set}
    return ("UTC", *sorted(zones))


@lru_cache(maxsize=1)
def _offered() -> tuple[str, ...]:
    import pytz

    common = set(pytz.common_timezones)
    return tuple(name for name in time_zones() if name in common)


def offered_time_zones(current: str | None = None) -> tuple[str, ...]:
    """The zones the picker lists: time_zones() without the old aliases that name the same
    place twice (Asia/Calcutta beside Asia/Kolkata, Europe/Kiev beside Europe/Kyiv: pytz's
    common zones), plus `current` when the user has such an alias already. Any of
    time_zones() stays valid."""
    offered = _offered()
    if current and current not in offered and is_zone(current):
        return ("UTC", *sorted((*offered[1:], current)))
    return offered


def is_zone(name: Any) -> bool:
    return isinstance(name, str) and name in _zone_set()


@lru_cache(maxsize=1)
def _zone_set() -> frozenset[str]:
    return frozenset(time_zones())


def _zone(value: Any) -> str:
    if not is_zone(value):
        raise fail("bad_timezone", "timezone must be an IANA time zone such as Europe/Helsinki")
    return value


#: An IANA time zone name (`Europe/Helsinki`).
Zone = Annotated[str, *plain(_zone, {"type": "string", "maxLength": 64,
                                     "examples": ["Europe/Helsinki"]})]

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _clock(value: Any) -> time:
    if isinstance(value, time):
        return value
    match = _HHMM.match(value) if isinstance(value, str) else None
    if match is None:
        raise fail("bad_time", "time must be HH:MM (00:00–23:59)")
    return time(int(match.group(1)), int(match.group(2)))


#: A wall-clock time, `HH:MM`.
Clock = Annotated[time, *plain(_clock, {"type": "string", "pattern": _HHMM.pattern}),
                  PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str,
                                  when_used="json")]

Minutes = integer(15, MAX_SESSION_MINUTES)
Reason = Annotated[Literal[CANCEL_REASONS],  # type: ignore[valid-type]
                   coded("bad_reason", "cancel_reason must be one of "
                                       + ", ".join(CANCEL_REASONS))]
SessionStatus = Literal[SESSION_STATUSES]  # type: ignore[valid-type]
SessionStatusIn = Annotated[SessionStatus, coded("bad_status",
                                                 "status must be planned, held or cancelled")]

#: Session ids are random base64url (22 characters): anything else is a 400 before a query.
SessionId = Annotated[Str, Field(min_length=1, max_length=22, pattern=r"^[A-Za-z0-9_-]+$"),
                      coded("bad_id", "not a session id")]


def _instant(value: Any) -> datetime:
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise fail("bad_updated_at", "updated_at must be an RFC 3339 time with an offset")
    return when.astimezone(UTC)


#: An instant with an offset (the `updated_at` a client last read), as an aware UTC datetime.
Instant = Annotated[datetime, *plain(_instant, {"type": "string", "format": "date-time"})]


class ProcessSessionsPath(Schema):
    pid: Uuid4


class SessionPath(Schema):
    sid: SessionId


class BusyQuery(Schema):
    """GET /schedule/busy: `exclude`, the session being moved (its own time is no clash)."""

    exclude: SessionId = omitted()


class PageSessionPath(Schema):
    pid: Uuid4
    sid: SessionId


class LocalStart(Schema):
    """A local start: `date` and `time` in `timezone` (default: the caller's own zone)."""

    date: Day
    time: Clock
    timezone: Zone = omitted()


class ScheduleGenerate(LocalStart):
    """POST /processes/{pid}/sessions/generate: the first session's local start; the rest
    follow the process's frame (`session_count` sessions, `interval_days` apart, each
    `session_minutes` long, at the same local time)."""


class SessionAdd(LocalStart):
    """POST /processes/{pid}/sessions: one more session (`minutes`: the frame's length if
    left out)."""

    minutes: Minutes = omitted()  # type: ignore[valid-type]


class SessionChange(Schema):
    """PATCH /sessions/{sid}: one change at a time.

    - move: `date` and `time` (and optionally `minutes`, `timezone`), or `minutes` alone;
    - cancel: `status: "cancelled"` with a `cancel_reason` category;
    - held: `status: "held"` (only once the session has started);
    - planned again: `status: "planned"` on a cancelled session (undo the cancellation) or
      on a held one (undo marking it held; not once its summary is written).

    `updated_at` (optional) is the session's `updated_at` as the client last read it: if the
    session changed since, the answer is 409 `session_changed` and nothing is written."""

    date: Day = omitted()
    time: Clock = omitted()
    timezone: Zone = omitted()
    minutes: Minutes = omitted()  # type: ignore[valid-type]
    status: SessionStatusIn = omitted()
    cancel_reason: Reason = omitted()
    updated_at: Instant = omitted()

    @model_validator(mode="after")
    def _one_change(self) -> SessionChange:
        moving = self.date is not None or self.time is not None or self.minutes is not None
        if (self.date is None) != (self.time is None):
            raise fail("bad_change", "give both date and time to move a session",
                       field="date" if self.date is None else "time")
        if self.timezone is not None and self.date is None:
            raise fail("bad_change", "timezone goes with date and time", field="timezone")
        if (self.status == "cancelled") != (self.cancel_reason is not None):
            raise fail("bad_reason", "a cancellation needs a cancel_reason, and only it",
                       field="cancel_reason")
        if self.status is not None and moving:
            raise fail("bad_change", "move or change the status, not both", field="status")
        if self.status is None and not moving:
            raise fail("bad_change", "nothing to change: give date and time, minutes or status",
                       field="status")
        return self

    @property
    def action(self) -> str:
        return {None: "move", "cancelled": "cancel", "held": "held",
                "planned": "replan"}[self.status]


# -- answers -----------------------------------------------------------------------------------

class Session(Schema):
    id: str
    process: Uuid4
    starts_at: datetime
    ends_at: datetime
    minutes: int
    status: SessionStatus
    cancel_reason: Literal[CANCEL_REASONS] | None  # type: ignore[valid-type]
    updated_at: datetime


class SessionList(Schema):
    sessions: list[Session]


class BusyTime(Schema):
    starts_at: datetime
    ends_at: datetime


class BusyList(Schema):
    """When the caller, as a supervisor, is booked: her sessions (planned or held) in every
    process she supervises, from a day ago on, soonest first; empty for anyone else."""

    busy: list[BusyTime]


class CalendarFeed(Schema):
    """The personal calendar feed's secret address: shown once, only its hash is kept."""

    url: str
    token: str
