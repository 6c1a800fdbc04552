"""View guards: login required (pages redirect, the API answers 401), and the order of the
checks for unsafe requests (PROTOCOL §7): a call that needs a login and has none gets 401
before any CSRF check, so a signed-out client learns to sign in, not to fetch a token."""
from __future__ import annotations

from functools import wraps

from flask import Flask, current_app, request
from flask_login import current_user
from flask_login import login_required as _flask_login_required

from .services.errors import Unauthorized

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def login_required(view):
    """Pages: redirect to the sign-in page (htmx and JSON callers get 401)."""
    guarded = _flask_login_required(view)
    guarded.needs_login = True  # type: ignore[attr-defined]
    return guarded


def api_login_required(view):
    """API: 401 JSON (not a redirect) for requests without a live session."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            raise Unauthorized("Sign in first.", "login_required")
        return view(*args, **kwargs)
    wrapper.needs_login = True  # type: ignore[attr-defined]
    return wrapper


def init_app(app: Flask) -> None:
    """Register before the CSRF check (Flask runs before_request hooks in order)."""

    @app.before_request
    def login_before_csrf():
        if request.method in SAFE_METHODS or request.endpoint is None:
            return None
        view = current_app.view_functions.get(request.endpoint)
        if getattr(view, "needs_login", False) and not current_user.is_authenticated:
            if request.path.startswith("/api/"):
                raise Unauthorized("Sign in first.", "login_required")
            return current_app.login_manager.unauthorized()
        return None
