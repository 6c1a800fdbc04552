"""View guards: login required (pages redirect, the API answers 401), and the order of the
checks for unsafe requests (PROTOCOL §7): a call that needs a login and has none gets 401
before any CSRF check, so a signed-out client learns to sign in, not to fetch a token.

CSRF tokens leave the server masked: every token written into a page or a JSON answer is
`base64url(mask || mask XOR token)` with a fresh random mask, so the bytes of the session's
token never repeat from one response (or one form) to the next. A compressed page that also
echoes something an attacker chose can then not leak the token by its compressed length
(BREACH). The masked token comes back as it was sent (form field or X-CSRF-Token header) and
is unmasked before Flask-WTF checks it (extensions.MaskedCSRFProtect)."""
from __future__ import annotations

import binascii
import secrets
from base64 import b64decode, urlsafe_b64encode
from functools import wraps

from flask import Flask, current_app, request, session
from flask_login import current_user
from flask_login import login_required as _flask_login_required
from flask_wtf.csrf import generate_csrf

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


def mask_token(token: str) -> str:
    """A fresh random mask, then the token XOR that mask, as one URL-safe string."""
    raw = token.encode("ascii")
    mask = secrets.token_bytes(len(raw))
    masked = _xor(mask, raw)
    return urlsafe_b64encode(mask + masked).rstrip(b"=").decode("ascii")


def unmask_token(value: str | None) -> str | None:
    """The token inside a masked value, or None for anything that is not a masked token."""
    if not value or len(value) > 1024:
        return None
    try:
        data = b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None
    half, odd = divmod(len(data), 2)
    if not half or odd:
        return None
    try:
        return _xor(data[:half], data[half:]).decode("ascii")
    except UnicodeDecodeError:
        return None


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


#: Signed forms of sessions' CSRF tokens, by (signing key, the session's raw token): Flask-WTF
#: signs the same raw token again on every request (an HMAC and a serializer each time), and
#: with no time limit (WTF_CSRF_TIME_LIMIT = None) one signed form serves the session's life.
#: Holds no secret a session cookie does not; bounded, and emptied when full.
_SIGNED: dict[tuple[str, str], str] = {}
_SIGNED_MAX = 4096


def _signed_csrf() -> str:
    """generate_csrf(), from _SIGNED when this session's token was signed before."""
    config = current_app.config
    if config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:  # Flask-WTF's default: 3600
        return generate_csrf()  # a time-limited token must carry a fresh timestamp
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    raw = session.get(field)
    if isinstance(raw, str):
        signed = _SIGNED.get((secret, raw))
        if signed is not None:
            return signed
    signed = generate_csrf()
    raw = session.get(field)
    if isinstance(raw, str):
        if len(_SIGNED) >= _SIGNED_MAX:
            _SIGNED.clear()
        _SIGNED[(secret, raw)] = signed
    return signed


def csrf_token() -> str:
    """The session's CSRF token, masked anew on every call: `csrf_token()` in templates and
    the `csrf_token` of the JSON answers (login, register, /me)."""
    return mask_token(_signed_csrf())


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
