"""Session agendas (docs/protocol.md "Session agendas"): the plaintext structure of a
session's agenda. Its words are the sealed item of kind "agenda" (PUT /items/{id})."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..models.agendas import ENTRY_SOURCES
from .items import Item, Timestamp
from .sessions import Session, SessionId
from .types import Schema, Uuid4, coded, fail, integer, omitted

Source = Literal[ENTRY_SOURCES]  # type: ignore[valid-type]
SourceIn = Annotated[Source, coded("bad_source", "source must be one of "
                                   + ", ".join(ENTRY_SOURCES))]


class AgendaPath(Schema):
    sid: SessionId


LineMinutes = integer(0, 480, "bad_minutes")


class LineWrite(Schema):
    """One line of the agenda, in its place in `lines`."""

    id: Uuid4 = Field(description="Chosen by the client (the sealed agenda names lines by it)")
    source: SourceIn = Field(description="Where the line came from; `own`: written on the agenda")
    source_id: Uuid4 | None = Field(default=None,
                                    description="The gathered item (null for an own line)")
    minutes: LineMinutes = Field(default=0)  # type: ignore[valid-type]
    done: bool = False
    used_minutes: LineMinutes | None = omitted()  # type: ignore[valid-type]


class AgendaWrite(Schema):
    """PUT /sessions/{sid}/agenda: the whole structure, conditional on `version` (0 before
    the first save). `item`: the sealed agenda item (kind "agenda", links.session = sid)."""

    version: integer(0, 2**31 - 1, "bad_version")  # type: ignore[valid-type]
    item: Uuid4 | None = None
    lines: list[LineWrite] = Field(max_length=400)


class TickWrite(Schema):
    """POST /sessions/{sid}/agenda/ticks: the checklist during the session."""

    line: Uuid4 = Field(description="The line's id")
    done: bool = omitted()
    used_minutes: LineMinutes | None = omitted()  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _something(self) -> TickWrite:
        if not {"done", "used_minutes"} & self.model_fields_set:
            raise fail("bad_change", "give done or used_minutes", field="done")
        if "done" in self.model_fields_set and self.done is None:
            raise fail("invalid_type", "done must be true or false", field="done")
        return self


class Line(Schema):
    id: Uuid4
    position: int
    source: Source
    source_id: Uuid4 | None
    carried_from: Uuid4 | None
    minutes: int
    done: bool
    used_minutes: int | None
    updated_at: Timestamp


class Agenda(Schema):
    """A session's agenda: its structure, the sealed item with the caller's envelope (null
    before the first save, or for a member who holds none), and the time-boxing."""

    session: Session
    version: int = Field(description="Send it back with the next PUT")
    item: Item | None
    shared_at: Timestamp | None
    lines: list[Line]
    total_minutes: int
    session_minutes: int
    left_minutes: int = Field(description="Session length minus the lines' minutes "
                                          "(negative: over)")
    over: bool
    carried: dict[str, Item] = Field(
        default_factory=dict,
        description="For each carried line, the earlier agenda its words are in, with the "
                    "caller's envelope: under the line `carried_under` names")
    carried_under: dict[str, Uuid4] = Field(
        default_factory=dict,
        description="For each line in `carried`, the earlier line (in its chain of "
                    "carried_from) whose words that agenda holds: the line it continues, "
                    "or one further back when an agenda in between was never saved since")


class Candidates(Schema):
    """What the builder gathers for the session since the previous held session: items
    the supervisor holds a live envelope for through the process, newest first."""

    since: Timestamp | None
    topics: list[Item]
    entries: list[Item]
    responses: list[Item]
    checkins: list[Item]
    previous_checkins: list[Item] = Field(
        description="Per author and goal of a gathered check-in, the latest shared one "
                    "before `since` (the change is computed from it)")

