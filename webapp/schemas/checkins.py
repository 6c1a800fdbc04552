"""Goal check-ins and their sharing with the supervisor (docs/protocol.md "Goal check-ins and
topics"). A check-in and a topic are items (PUT /items/{id}, kinds "checkin" and "topic");
only the per-goal sharing switch has an endpoint of its own."""
from __future__ import annotations

from pydantic import Field

from .types import Schema, Uuid4


class CheckinSharingWrite(Schema):
    """PUT /processes/{pid}/goals/{goal_id}/checkin-sharing: the supervisee's choice."""

    shared: bool = Field(description="Whether the supervisor sees this goal's check-ins")


class CheckinSharing(Schema):
    """The choice as stored. Turning it off answers the check-ins whose envelopes to others
    were deleted (`revoked`): the author's client rotates their keys (PROTOCOL §5)."""

    goal: Uuid4
    shared: bool
    revoked: list[Uuid4] = Field(default_factory=list)
