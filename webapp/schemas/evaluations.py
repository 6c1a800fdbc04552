"""Evaluations (docs/protocol.md "Evaluations")."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..models.evaluations import EVALUATION_KINDS
from .contracts import Acceptance
from .items import ItemWrite, Timestamp
from .processes import Day
from .types import Schema, Uuid4, coded, integer, omitted

Kind = Annotated[Literal[EVALUATION_KINDS],  # type: ignore[valid-type]
                 coded("bad_kind", "kind must be interim or final")]
Months = integer(1, 24, "bad_months")


class EvaluationWrite(Schema):
    """PUT /evaluations/{item_id}: the evaluation's item (kind "evaluation", its process set,
    an x25519 envelope for every other active member through the process) and the date of
    the process's cadence it answers (absent: the earliest date without an evaluation; on an
    edit the date stays and `due_on` is not sent)."""

    item: ItemWrite
    due_on: Day = omitted()


class Evaluation(Schema):
    """An evaluation: its item (read the words with GET /items/{item}), the date of the
    cadence it answers, interim or final, the current rev, and every acceptance (of any rev:
    those of the current rev count)."""

    item: Uuid4
    process: Uuid4
    due_on: Day
    kind: Kind  # type: ignore[valid-type]
    rev: int
    created_at: Timestamp
    updated_at: Timestamp
    accepted_at: Timestamp | None = Field(description="When the last active member accepted "
                                                      "the current rev; null until then")
    acceptances: list[Acceptance]


class DueDate(Schema):
    """A date of the cadence that is due (from 14 days before it) and not accepted yet."""

    due_on: Day
    kind: Kind  # type: ignore[valid-type]
    evaluation: Uuid4 | None = Field(description="The evaluation written for it, if any")


class EvaluationList(Schema):
    """A process's evaluations for a member: the cadence (every `evaluation_months` months
    from `start`, and the final one at `end`), the dates due now, and every evaluation,
    newest date first."""

    process: Uuid4
    evaluation_months: int
    start: Day | None
    end: Day | None
    due: list[DueDate]
    evaluations: list[Evaluation]


class CadenceWrite(Schema):
    """PUT /processes/{pid}/evaluation-cadence: the new number of months, and the number the
    client last read (`previous`): the change is made only from that value."""

    months: Months  # type: ignore[valid-type]
    previous: Months  # type: ignore[valid-type]


class Cadence(Schema):
    process: Uuid4
    evaluation_months: int
