"""Helpers shared by the API views: JSON bodies, auth, limits."""
from __future__ import annotations

from typing import Any

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..extensions import limiter
from ..guards import api_login_required  # noqa: F401  (re-exported for the API modules)
from ..services.errors import DomainError, InvalidInput


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


def json_body() -> Any:
    """The parsed JSON body; 415 for another content type, 413 over the size limit (also
    for a chunked body, which has no Content-Length), 400 for broken JSON or for strings
    that are not Unicode text (lone surrogates such as "\\ud800")."""
    if not request.is_json:
        raise UnsupportedMediaType("Send JSON (Content-Type: application/json).")
    raw = request.get_data(cache=True)  # RequestEntityTooLarge (413) past MAX_CONTENT_LENGTH
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(raw) >= limit:
        # A chunked body (no Content-Length) is cut at the limit rather than refused;
        # reaching the limit means it was at least that large.
        raise RequestEntityTooLarge()
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # json.loads gives up on very deep nesting; that is bad input
        raise InvalidInput("The body is nested too deeply.", "bad_json") from None
    if data is None and raw.strip() != b"null":
        raise InvalidInput("The body is not valid JSON.", "bad_json")
    bad = _first_non_text(data, "")
    if bad is not None:
        raise InvalidInput("Text must be valid Unicode.", "bad_text", field=bad or None)
    return data


def _first_non_text(value: Any, path: str) -> str | None:
    """The path of the first string (key or value) that cannot be encoded as UTF-8."""
    stack = [(value, path)]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if not _is_text(value):
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                if not _is_text(key):
                    return path
                stack.append((item, where))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(value))
    return None


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def auth_limit():
    """Rate limit for the credential endpoints (configurable: RATELIMIT_AUTH)."""
    return limiter.limit(lambda: current_app.config["RATELIMIT_AUTH"])


def _unlimited() -> bool:
    """The limiter's request filter: True (skip the limiter for this request) for a view no
    limit decorator marked, as long as no default or application-wide limit is configured.
    Flask-Limiter would find the same after resolving the request's limits, a cost on every
    page; this looks the view up in the set its decorators fill. If that set is not there (a
    future Flask-Limiter), nothing is skipped."""
    from flask import request
    from flask_limiter.util import get_qualified_name

    config = current_app.config
    marked = getattr(limiter, "_marked_for_limiting", None)
    if marked is None or config.get("RATELIMIT_DEFAULT") or config.get("RATELIMIT_APPLICATION"):
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return view is not None and get_qualified_name(view) not in marked


def only_marked_views() -> None:
    """Install _unlimited once per process (the limiter is shared by every app made here)."""
    if not getattr(limiter, "valitila_filtered", False):
        limiter.request_filter(_unlimited)
        limiter.valitila_filtered = True
