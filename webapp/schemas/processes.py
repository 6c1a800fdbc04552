"""Supervision processes, members and invites (PROTOCOL §7 "Processes and invites")."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, PlainSerializer, model_validator

from ..models.processes import FORMS, MODES, ROLES
from .accounts import Bundle
from .items import Expiry
from .types import Schema, Str, Uuid4, coded, fail, integer, omitted, plain

Form = Annotated[Literal[FORMS], coded("bad_form", "unknown process form")]  # type: ignore[valid-type]
Mode = Annotated[Literal[MODES], coded("bad_mode", "mode must be in_person, remote or hybrid")]  # type: ignore[valid-type]
Role = Literal[ROLES]  # type: ignore[valid-type]
Status = Literal["draft", "active", "ended"]

MAX_SESSION_MINUTES = 8 * 60
MAX_INTERVAL_DAYS = 366
MAX_SESSIONS = 200
MAX_INVITE_DAYS = 90


def _date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value                      # a stored date, when an answer is built
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise fail("bad_date", "must be a date YYYY-MM-DD")


#: A calendar date, `YYYY-MM-DD`.
Day = Annotated[date, *plain(_date, {"type": "string", "format": "date"}),
                PlainSerializer(lambda day: day.isoformat(), return_type=str,
                                when_used="json")]


class Frame(Schema):
    """The schedule frame of a process (plaintext, so the server can schedule). Every field
    is optional on create: the defaults of the process's form fill in the rest."""

    session_minutes: integer(15, MAX_SESSION_MINUTES) = omitted()  # type: ignore[valid-type]
    interval_days: integer(1, MAX_INTERVAL_DAYS) = omitted()  # type: ignore[valid-type]
    session_count: integer(1, MAX_SESSIONS) = omitted()  # type: ignore[valid-type]
    mode: Mode = omitted()
    starts_on: Day | None = None
    ends_on: Day | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Frame:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise fail("bad_dates", "ends_on is before starts_on", field="ends_on")
        return self


class ProcessCreate(Frame):
    """POST /processes: a new process in `draft`, with the caller as its supervisor."""

    id: Uuid4
    form: Form


class ProcessPath(Schema):
    pid: Uuid4


#: Invite ids and tokens are base64url (secrets.token_urlsafe): anything else is a 400 before
#: it reaches a query (PostgreSQL refuses a NUL in text).
InviteId = Annotated[Str, Field(min_length=1, max_length=22, pattern=r"^[A-Za-z0-9_-]+$"),
                     coded("bad_id", "not an invite id")]
Token = Annotated[Str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$"),
                  coded("bad_token", "not an invite token")]


class InvitePath(Schema):
    pid: Uuid4
    invite_id: InviteId


class MemberPath(Schema):
    pid: Uuid4
    uid: Uuid4


class TokenPath(Schema):
    token: Token


class InviteCreate(Schema):
    expires_at: Expiry | None = None

    @model_validator(mode="after")
    def _not_too_far(self) -> InviteCreate:
        from ..models.types import utcnow
        if self.expires_at is not None and (self.expires_at - utcnow()).days >= MAX_INVITE_DAYS:
            raise fail("bad_expiry", f"an invite lasts at most {MAX_INVITE_DAYS} days",
                       field="expires_at")
        return self


# -- answers -----------------------------------------------------------------------------------

class Member(Schema):
    uid: Uuid4
    role: Role
    display_name: str
    joined_at: datetime


class Process(Schema):
    id: Uuid4
    form: Form
    status: Status
    supervisor: Uuid4
    members: list[Member]
    roster_epoch: int
    session_minutes: int
    interval_days: int
    session_count: int
    mode: Mode
    starts_on: Day | None
    ends_on: Day | None
    created_at: datetime
    activated_at: datetime | None
    ended_at: datetime | None


class ProcessList(Schema):
    processes: list[Process]


class InviteCreated(Schema):
    id: str
    token: str
    expires_at: datetime


class Invite(Schema):
    """An invite as its process's supervisor sees it (never the token: only its hash is kept)."""

    id: str
    state: Literal["open", "used", "revoked", "expired"]
    created_at: datetime
    expires_at: datetime


class InviteList(Schema):
    invites: list[Invite]


class InviteProcess(Schema):
    id: Uuid4
    form: Form


class InviteSupervisor(Schema):
    uid: Uuid4
    display_name: str
    bundle: Bundle


class InviteInfo(Schema):
    """GET /invites/{token}: what the invitee's client needs to check the link's fp16."""

    process: InviteProcess
    supervisor: InviteSupervisor
    expires_at: datetime
