"""Helpers shared by the API views: JSON bodies, auth, limits."""
from __future__ import annotations

from functools import wraps
from typing import Any

from flask import current_app, request
from flask_login import current_user

from ..extensions import limiter
from ..services.errors import DomainError, InvalidInput, Unauthorized


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


def json_body() -> Any:
    """The parsed JSON body; 415 for another content type, 400 for broken JSON."""
    if not request.is_json:
        raise UnsupportedMediaType("Send JSON (Content-Type: application/json).")
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # json.loads gives up on very deep nesting; that is bad input
        raise InvalidInput("The body is nested too deeply.", "bad_json") from None
    if data is None and request.get_data(cache=True) != b"null":
        raise InvalidInput("The body is not valid JSON.", "bad_json")
    return data


def api_login_required(view):
    """401 JSON (not a redirect) for requests without a live session."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            raise Unauthorized("Sign in first.", "login_required")
        return view(*args, **kwargs)
    return wrapper


def auth_limit():
    """Rate limit for the credential endpoints (configurable: RATELIMIT_AUTH)."""
    return limiter.limit(lambda: current_app.config["RATELIMIT_AUTH"])
