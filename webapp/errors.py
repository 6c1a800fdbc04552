"""Every error becomes a clear JSON body (API, htmx) or an HTML page, never a bare 500."""
from __future__ import annotations

from contextlib import suppress

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .services.errors import DomainError

GENERIC = {
    400: ("bad_request", "The request was not understood."),
    401: ("unauthorized", "Sign in first."),
    403: ("forbidden", "You may not do that."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "Method not allowed."),
    409: ("conflict", "Conflict."),
    413: ("too_large", "The request is too large."),
    415: ("unsupported_media_type", "Send JSON (Content-Type: application/json)."),
    410: ("gone", "Gone."),
    429: ("rate_limited", "Too many attempts. Wait a moment and try again."),
    503: ("unavailable", "The service is unavailable for a moment. Try again soon."),
}
RETRY_AFTER_SECONDS = 5


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def error_response(status: int, code: str, message: str, *,
                   headers: dict[str, str] | None = None, **extra):
    if wants_json():
        body = jsonify({"error": {"code": code, "message": message, **extra}})
    else:
        body = render_template("error.html", status=status, message=_page_message(status),
                               detail=message)
    return body, status, headers or {}


def _page_message(status: int) -> str:
    return {
        400: _("Something in the request was not right."),
        401: _("Please sign in."),
        403: _("You do not have access to this page."),
        404: _("Page not found."),
        409: _("Someone changed this at the same time."),
        410: _("This has been deleted."),
        413: _("That was too large to send."),
        429: _("Too many attempts. Wait a moment and try again."),
        503: _("Välitila cannot be reached for a moment. Try again soon."),
    }.get(status, _("Something went wrong."))


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()
        return error_response(exc.status, exc.code, exc.message, **exc.extra)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(403, "csrf", "Missing or invalid CSRF token; reload the page.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        code, message = GENERIC.get(status, ("error", exc.description or "Error"))
        # Keep the exception's own headers: Allow on 405, Retry-After on 429 and 503.
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        return error_response(status, code, message, headers=headers)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(exc):
        """The database cannot be reached (down, restarting, out of connections). The answer
        is built without the database: the page is rendered as for a signed-out visitor."""
        with suppress(SQLAlchemyError):
            db.session.rollback()
        g._login_user = current_app.login_manager.anonymous_user()
        app.logger.error("database unavailable: %s", type(exc.orig or exc).__name__)
        return error_response(503, *GENERIC[503],
                              headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return error_response(500, "server_error", "Something went wrong on our side.")
