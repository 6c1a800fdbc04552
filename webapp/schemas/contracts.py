"""The contract, its acceptances and its goals (docs/protocol.md "Contracts and goals")."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..models.contracts import GOAL_STATUSES
from .items import Timestamp
from .types import Schema, Uuid4, b64u, coded, integer

GoalStatus = Annotated[Literal[GOAL_STATUSES],  # type: ignore[valid-type]
                       coded("bad_status", "status must be open, achieved or dropped")]
MAX_GOALS = 200


class AcceptanceWrite(Schema):
    """POST /items/{id}/acceptances: the caller's signature over
    "valitila/v1/accept|" + id + "|" + rev + "|" + b64u(content_hash) (PROTOCOL §6)."""

    rev: integer(1, 2**31 - 1, "bad_rev")  # type: ignore[valid-type]
    sig: b64u(64)  # type: ignore[valid-type]


class Acceptance(Schema):
    """One member's acceptance of one rev of a revision. Clients check `sig` against the
    member's pinned Ed25519 key and the content hash of the item as they got it."""

    user: Uuid4
    rev: int
    content_hash: b64u(32, check=False)  # type: ignore[valid-type]
    sig: b64u(64, check=False)  # type: ignore[valid-type]
    created_at: Timestamp


class AcceptanceList(Schema):
    acceptances: list[Acceptance]


class Revision(Schema):
    """One revision of the contract: its item (read it with GET /items/{item}), its number,
    the revision it amends, its current rev and every acceptance (of any rev: only those of
    the current rev count)."""

    item: Uuid4
    number: int
    parent: Uuid4 | None
    rev: int
    created_at: Timestamp
    updated_at: Timestamp
    acceptances: list[Acceptance]
    accepted_by_all: bool = Field(description="Every active member accepted the current rev")


class Goal(Schema):
    """A goal: its item (sealed words), place and status."""

    item: Uuid4
    position: int
    status: GoalStatus
    status_changed_at: Timestamp | None


class Contract(Schema):
    """A process's contract for one member: the revisions, newest first, and the goals."""

    process: Uuid4
    status: Literal["draft", "active", "ended"]
    activated_at: Timestamp | None
    revisions: list[Revision]
    goals: list[Goal]


class GoalPath(Schema):
    pid: Uuid4
    goal_id: Uuid4


class GoalStatusWrite(Schema):
    status: GoalStatus


class GoalOrder(Schema):
    """Every goal of the process once, in the new order."""

    items: list[Uuid4] = Field(min_length=1, max_length=MAX_GOALS)


class GoalList(Schema):
    goals: list[Goal]
