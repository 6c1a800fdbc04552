"""Typed request and response schemas (Pydantic v2): validation at the edge.

Views parse a body (or a form) into a schema with `parse`/`parse_form` and give the services
typed values; the OpenAPI document (webapp/api/openapi.py) is generated from the same models.
Every validation failure becomes the API's one error shape through `to_invalid_input`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..services.errors import InvalidInput
from .types import CODES, Schema

__all__ = ["Schema", "form_errors", "parse", "parse_form", "parse_query", "to_invalid_input"]

M = TypeVar("M", bound=BaseModel)

#: pydantic's own error types → the API's codes (anything else is `invalid_type`).
PYDANTIC_CODES = {
    "missing": "missing_field",
    "extra_forbidden": "unknown_field",
    "string_too_short": "bad_length",
    "string_too_long": "bad_length",
}
MESSAGES = {
    "missing_field": "missing field: {field}",
    "unknown_field": "unknown field: {field}",
}
#: pydantic's messages that say less than "must be a JSON object".
NOT_AN_OBJECT = {"model_type", "dict_type", "model_attributes_type", "union_tag_not_found",
                 "union_tag_invalid"}


def _field(loc: tuple[int | str, ...]) -> str:
    """The name the API reports: the innermost key of the error's location."""
    names = [part for part in loc if isinstance(part, str)]
    return names[-1] if names else "body"


def to_invalid_input(exc: ValidationError) -> InvalidInput:
    """The first error of a validation as the API's 400 `{"error": {code, message, field}}`."""
    error = exc.errors(include_url=False, include_input=False)[0]
    kind = error["type"]
    ctx = error.get("ctx") or {}
    field = ctx.get("field") or _field(error["loc"])
    if kind in CODES:
        code = kind
        message = f"{field}: {error['msg']}"
    else:
        code = PYDANTIC_CODES.get(kind, "invalid_type")
        detail = ("must be a JSON object" if kind in NOT_AN_OBJECT
                  else error["msg"][:1].lower() + error["msg"][1:])
        message = MESSAGES.get(code, "{field}: {message}").format(field=field, message=detail)
    return InvalidInput(message, code, field=field)


def parse(model: type[M], data: Any) -> M:
    """`data` (a parsed JSON body) as `model`, or InvalidInput (400)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise to_invalid_input(exc) from None


def parse_form(model: type[M], form: Mapping[str, str]) -> M:
    """An HTML form as `model`: the model's own fields only (not csrf_token and the like),
    with strings converted where the field wants a number."""
    data = {name: form[name] for name in model.model_fields if name in form}
    try:
        return model.model_validate(data, strict=False)
    except ValidationError as exc:
        raise to_invalid_input(exc) from None


def form_errors(model: type[BaseModel], form: Mapping[str, str]) -> list[str]:
    """The names of every field of an HTML form that `model` refuses (empty if none), so that
    a page can show each field's error at once, not only the first."""
    data = {name: form[name] for name in model.model_fields if name in form}
    try:
        model.model_validate(data, strict=False)
    except ValidationError as exc:
        fields = []
        for error in exc.errors(include_url=False, include_input=False):
            name = (error.get("ctx") or {}).get("field") or _field(error["loc"])
            if name not in fields:
                fields.append(name)
        return fields
    return []


def parse_query(model: type[M], args: Mapping[str, str]) -> M:
    """A query string as `model`, like a form, but an empty value counts as absent."""
    return parse_form(model, {name: value for name, value in args.items() if value != ""})
