"""The field types every schema is built from. Each rule (lengths, ranges, formats, the
allowed values) is written here once; validation and the OpenAPI document both come from it.

A failed check raises `PydanticCustomError(code, message)` with the stable snake_case code the
API answers (`bad_email`, `bad_id`, `bad_base64`, ...); `webapp.schemas.to_invalid_input`
turns the first error into `InvalidInput(message, code, field=...)`.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    Strict,
    ValidationError,
    WithJsonSchema,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

import protocol

from ..config import Config

#: Codes that checks in this package raise on purpose (others are mapped from pydantic's).
CODES: set[str] = set()


def fail(code: str, message: str, **ctx: Any) -> PydanticCustomError:
    """A validation error with an API error code. `field=` overrides the field the error is
    reported on (for checks that span several fields)."""
    CODES.add(code)
    return PydanticCustomError(code, message.replace("{", "(").replace("}", ")"), ctx or None)


class Schema(BaseModel):
    """A JSON object with exactly the declared keys and strictly typed values (no "30" for
    30, no 1.0 for 1, no true for 1)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


def omitted() -> Any:
    """An optional key that, when present, must hold a valid value (null is not "absent").
    The OpenAPI generator leaves out the `default: null` that its type does not allow."""
    return Field(default=None)


# -- text ------------------------------------------------------------------------------------

def _unicode(value: str) -> str:
    """Valid Unicode only: a lone surrogate ("\\ud800" in JSON) cannot be stored or hashed."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise fail("bad_text", "text must be valid Unicode") from None
    return value


#: Every string the API takes: a JSON string of valid Unicode.
Str = Annotated[str, Strict(), AfterValidator(_unicode)]

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")   # Unicode category Cc
NO_CONTROL_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"


def text(min_len: int, max_len: int) -> Any:
    """Plain text typed by a person: stripped, no control characters, a length range."""
    def clean(value: str) -> str:
        value = value.strip()
        if CONTROL.search(value):
            raise fail("bad_text", "must not contain control characters")
        if not min_len <= len(value) <= max_len:
            raise fail("bad_length", f"must be {min_len}–{max_len} characters")
        return value
    return Annotated[Str, AfterValidator(clean), Field(json_schema_extra={
        "minLength": min_len, "maxLength": max_len, "pattern": NO_CONTROL_PATTERN})]


def coded(code: str, message: str) -> WrapValidator:
    """Any failure of the annotated type is reported as one error with this code."""
    def wrap(value: Any, handler: Callable[[Any], Any]) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise fail(code, message) from None
    return WrapValidator(wrap)


def plain(check: Callable[[Any], Any], json_schema: dict[str, Any]) -> tuple[Any, ...]:
    """A type checked by one function (on the raw value), with its JSON schema."""
    return (PlainValidator(check, json_schema_input_type=str), WithJsonSchema(json_schema))


# -- identifiers, e-mail, language -----------------------------------------------------------

UUID4_PATTERN = "^" + protocol._UUID4_RE.pattern + "$"
UUID4_SCHEMA = {"type": "string", "format": "uuid", "pattern": UUID4_PATTERN,
                "minLength": 36, "maxLength": 36}


def _uuid4(value: Any) -> str:
    if not protocol.is_uuid4(value):
        raise fail("bad_id", "must be a lowercase UUIDv4")
    return value


#: Ids of users, items, processes: lowercase canonical UUIDv4 strings made by the client.
Uuid4 = Annotated[str, *plain(_uuid4, UUID4_SCHEMA)]

EMAIL_MAX = 254
_C = r"[^@\s\x00-\x1f\x7f-\x9f]"  # no whitespace, no control characters (PostgreSQL refuses NUL)
EMAIL_RE = re.compile(rf"{_C}{{1,64}}@{_C}{{1,190}}\.{_C}{{2,63}}")


def _email(value: Any) -> str:
    if not isinstance(value, str) or len(value) > EMAIL_MAX:
        raise fail("bad_email", "invalid email address")
    _unicode_or(value, "bad_email")
    normalized = protocol.normalize_email(value)
    if len(normalized) > EMAIL_MAX or not EMAIL_RE.fullmatch(normalized):  # NFKC may lengthen
        raise fail("bad_email", "invalid email address")
    return normalized


def _unicode_or(value: str, code: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise fail(code, "text must be valid Unicode") from None


#: An e-mail address, normalised as PROTOCOL §1 says (NFKC, stripped, lower case).
Email = Annotated[str, *plain(_email, {"type": "string", "format": "email",
                                       "minLength": 6, "maxLength": EMAIL_MAX})]

LOCALES: tuple[str, ...] = Config.LANGUAGES
#: A language of the interface (and of a person's account).
Locale = Annotated[Literal[LOCALES], coded("bad_locale", "unsupported locale")]  # type: ignore[valid-type]


# -- binary fields (PROTOCOL: base64url without padding) ---------------------------------------

def b64u_length(n: int) -> int:
    """Characters of the unpadded base64url encoding of n bytes."""
    return math.ceil(n * 4 / 3)


B64U_PATTERN = "^[A-Za-z0-9_-]*$"


def b64u(n: int | None = None, *, max_bytes: int | None = None, check: bool = True) -> Any:
    """Strict base64url without padding, of exactly `n` bytes (or at most `max_bytes`).
    `check=False`: the same schema, not decoded again (a model whose protocol check has
    decoded it already, or an answer built from stored values)."""
    schema: dict[str, Any] = {"type": "string", "pattern": B64U_PATTERN,
                              "contentEncoding": "base64url"}
    if n is not None:
        schema |= {"minLength": b64u_length(n), "maxLength": b64u_length(n),
                   "description": f"{n} bytes, base64url without padding"}
    else:
        schema["description"] = "base64url without padding"
        if max_bytes is not None:
            schema["maxLength"] = b64u_length(max_bytes)
    if not check:
        return Annotated[Str, WithJsonSchema(schema)]

    def decode(value: Any) -> str:
        try:
            data = protocol.b64u_decode(value, n)
        except protocol.ProtocolError as exc:
            raise fail(exc.code, str(exc).removeprefix("value: ")) from None
        if max_bytes is not None and len(data) > max_bytes:
            raise fail("too_large", f"at most {max_bytes} bytes")
        return value
    return Annotated[str, *plain(decode, schema)]


def protocol_check(check: Callable[[Any], Any]) -> WrapValidator:
    """Run a check of the `protocol` package on the raw value first (it is normative and its
    error codes are the API's), then build the typed value."""
    def wrap(value: Any, handler: Callable[[Any], Any]) -> Any:
        if isinstance(value, BaseModel):        # built from values that passed already
            return handler(value)
        try:
            check(value)
        except protocol.ProtocolError as exc:
            raise fail(exc.code, str(exc)) from None
        return handler(value)
    return WrapValidator(wrap)


def integer(minimum: int, maximum: int, code: str = "invalid_type") -> Any:
    """A JSON integer (not a float, not a boolean) in a range; any failure is one `code`."""
    return Annotated[int, Strict(), Field(ge=minimum, le=maximum),
                     coded(code, f"must be an integer {minimum}–{maximum}")]
