"""Structural checks of JSON bodies on primitives. Every failure is an InvalidInput (400)."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from protocol import ProtocolError, b64u_decode, is_uuid4, normalize_email

from .errors import InvalidInput

_C = r"[^@\s\x00-\x1f\x7f-\x9f]"  # no whitespace, no control characters (PostgreSQL refuses NUL)
EMAIL_RE = re.compile(rf"{_C}{{1,64}}@{_C}{{1,190}}\.{_C}{{2,63}}")


def require_object(data: Any, required: set[str], optional: frozenset[str] | set[str] = frozenset(),
                   *, where: str = "body") -> dict[str, Any]:
    """The value must be an object with all `required` keys and nothing outside `optional`."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{where} must be a JSON object", "invalid_type", field=where)
    missing = sorted(required - data.keys())
    if missing:
        raise InvalidInput(f"missing field: {missing[0]}", "missing_field", field=missing[0])
    extra = sorted(data.keys() - required - set(optional))
    if extra:
        raise InvalidInput(f"unknown field: {extra[0]}", "unknown_field", field=extra[0])
    return data


def b64(data: dict[str, Any], key: str, length: int | None = None) -> bytes:
    """Strict base64url field of an object, with an exact decoded length if given."""
    try:
        return b64u_decode(data[key], length, field=key)
    except ProtocolError as exc:
        raise InvalidInput(str(exc), exc.code, field=key) from None


def string(data: dict[str, Any], key: str, *, min_len: int = 1, max_len: int = 200) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise InvalidInput(f"{key} must be a string", "invalid_type", field=key)
    value = value.strip()
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise InvalidInput(f"{key} must not contain control characters", "bad_text", field=key)
    if not min_len <= len(value) <= max_len:
        raise InvalidInput(f"{key} must be {min_len}–{max_len} characters", "bad_length",
                           field=key)
    return value


def integer(data: dict[str, Any], key: str, *, minimum: int, maximum: int) -> int:
    value = data[key]
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise InvalidInput(f"{key} must be an integer {minimum}–{maximum}", "invalid_type",
                           field=key)
    return value


def uuid4(value: Any, field: str) -> str:
    if not isinstance(value, str) or not is_uuid4(value):
        raise InvalidInput(f"{field} must be a lowercase UUIDv4", "bad_id", field=field)
    return value


def email(value: Any, field: str = "email") -> str:
    if not isinstance(value, str) or len(value) > 254:
        raise InvalidInput("invalid email address", "bad_email", field=field)
    normalized = normalize_email(value)
    if len(normalized) > 254 or not EMAIL_RE.fullmatch(normalized):  # NFKC may lengthen it
        raise InvalidInput("invalid email address", "bad_email", field=field)
    return normalized


def box(data: dict[str, Any], key: str, ct_length: int) -> dict[str, str]:
    """A {iv, ct} box whose plaintext has a known size (ct = plaintext + 16-byte tag)."""
    value = require_object(data[key], {"iv", "ct"}, where=key)
    b64(value, "iv", 12)
    b64(value, "ct", ct_length)
    return {"iv": value["iv"], "ct": value["ct"]}


def protocol(call, field: str):
    """Run a sealing check and turn a ProtocolError into InvalidInput."""
    try:
        return call()
    except ProtocolError as exc:
        raise InvalidInput(str(exc), exc.code, field=field) from None
