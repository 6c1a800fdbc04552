"""Security headers on every response, cookie flags and the hardened htmx configuration."""
from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

# htmx 2 hardened: no eval, requests only to this origin, no history snapshots of decrypted
# pages, no inline indicator styles (the CSP forbids them).
HTMX_CONFIG = json.dumps({
    "allowEval": False,
    "allowScriptTags": False,
    "selfRequestsOnly": True,
    "historyCacheSize": 0,
    "refreshOnHistoryMiss": True,
    "includeIndicatorStyles": False,
    "inlineScriptNonce": "",
    "defaultSwapStyle": "innerHTML",
})


def own_cache_control(view):
    """Mark a view whose responses set their own Cache-Control (public, nothing personal, e.g.
    the service worker script). Every other non-static response is sent `no-store`."""
    view.own_cache_control = True
    return view


# Sent by the service worker when it fetches a page shell in the background (static/sw.js).
SHELL_FETCH_HEADER = "X-Valitila-Shell"


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (or when
    SESSION_COOKIE_SECURE says so), HttpOnly and SameSite=Lax always.

    A page shell the service worker fetches in the background never writes or deletes the
    cookie: its answer can arrive after a sign-in, sign-out or password change made
    meanwhile, and an old or anonymous session must not overwrite the new one."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]
                    or (has_request_context() and request.is_secure))

    def save_session(self, app: Flask, session, response) -> None:
        if has_request_context() and request.headers.get(SHELL_FETCH_HEADER):
            return
        super().save_session(app, session, response)


def return_path() -> str:
    """Where a form on this page (the language form) sends the visitor back to: this page's
    path, and of its query only a `next` that names a page of this app. Never the raw query
    string: a page that carries anything secret must not also echo what an attacker put in
    its link, or a compressed response leaks the secret byte by byte (BREACH)."""
    if request.method != "GET" or request.url_rule is None:
        return "/"
    target = request.args.get("next", "")
    if target and _routed(target):
        return f"{request.path}?{urlencode({'next': target})}"
    return request.path


def _routed(target: str) -> bool:
    """A local path (no query) that a GET route of this app answers."""
    from .main import safe_next

    if "?" in target or "#" in target or safe_next(target) != target:
        return False
    try:
        current_app.url_map.bind("localhost").match(target, method="GET")
    except Exception:  # NotFound, MethodNotAllowed, RequestRedirect: not a page to return to
        return False
    return True


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.jinja_env.globals["return_path"] = return_path

    @app.after_request
    def add_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Permissions-Policy"] = PERMISSIONS
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.is_secure:
            headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        view = app.view_functions.get(request.endpoint or "")
        if not request.path.startswith("/static/") and not (
                getattr(view, "own_cache_control", False) and "Cache-Control" in headers):
            headers["Cache-Control"] = "no-store"
            response.vary.add("HX-Request")  # one Vary header: later hooks extend it
        return response

    @app.context_processor
    def htmx_config():
        return {"htmx_config": HTMX_CONFIG}
