"""Interim assignments (docs/protocol.md "Interim assignments")."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from ..assignments.library import LANGUAGES
from ..models.assignments import ASSIGNMENT_STATUSES
from .items import ItemWrite, Timestamp
from .types import Schema, Str, Uuid4, coded, fail, omitted, plain

Status = Annotated[Literal[ASSIGNMENT_STATUSES],  # type: ignore[valid-type]
                   coded("bad_status", "status must be open, done or skipped")]
Language = Annotated[Literal[LANGUAGES],  # type: ignore[valid-type]
                     coded("bad_language", "lang must be fi, sv or en")]


def _due(value: Any) -> datetime:
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) and len(value) <= 40 \
            else None
        if when is not None and when.tzinfo is not None:
            when = when.astimezone(UTC)
    except (ValueError, OverflowError):
        when = None
    if when is None or when.tzinfo is None:
        raise fail("bad_due", "due_at must be an RFC 3339 time with an offset or Z")
    return when


#: An RFC 3339 time with an offset or Z, as an aware UTC datetime.
Due = Annotated[datetime, *plain(_due, {"type": "string", "format": "date-time",
                                        "maxLength": 40})]


class AssignmentWrite(Schema):
    """PUT /assignments/{item_id}: the assignment's item (kind "assignment", its process set,
    an x25519 envelope for each assignee through the process) and its due time: absent gives
    the start of the next planned session on a create and keeps the stored one on an edit;
    null means no due time."""

    item: ItemWrite
    due_at: Due | None = omitted()


class StatusWrite(Schema):
    """POST /assignments/{item_id}/status: the caller's own status (from open)."""

    status: Status


class Assignee(Schema):
    """One assignee of an assignment: status, due time, and the response when the caller
    may read it (their own; the supervisor's only when the supervisee shared it)."""

    user: Uuid4
    display_name: Str
    status: Status
    due_at: Timestamp | None
    updated_at: Timestamp
    response: Uuid4 | None = Field(description="The response item (GET /items/{id}) when "
                                               "the caller may read it, else null")


class Assignment(Schema):
    """An assignment: its item (read the words with GET /items/{item}), process, the
    session it was given in, and the assignees the caller may see (the supervisor: all;
    a supervisee: their own)."""

    item: Uuid4
    process: Uuid4
    session: Str | None
    created_at: Timestamp
    assignees: list[Assignee]


class AssignmentList(Schema):
    assignments: list[Assignment]


class LibraryQuery(Schema):
    lang: Language = "fi"  # type: ignore[valid-type]


class LibraryEntry(Schema):
    """A built-in assignment in one language (the editor starts from it)."""

    key: Str
    title: Str
    instructions: Str
    minutes: int
    tags: list[Str]
    lang: Language  # type: ignore[valid-type]


class Library(Schema):
    assignments: list[LibraryEntry]
