"""The one error shape of the API: `{"error": {"code", "message", ...}}` (PROTOCOL §7)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from .types import Schema, omitted


class ErrorDetail(BaseModel):
    """`code` is a stable snake_case string; `field` names the input at fault; a 409 gives
    the stored `rev`, a 429 `retry_after` seconds. Other keys may follow."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    message: str
    field: str = omitted()
    rev: int = omitted()
    retry_after: int = omitted()


class ErrorResponse(Schema):
    error: ErrorDetail
