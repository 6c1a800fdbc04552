"""Every error becomes a clear JSON body (API, htmx) or an HTML page, never a bare 500."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
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
    429: ("rate_limited", "Too many attempts. Wait a moment and try again."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def error_response(status: int, code: str, message: str, **extra):
    if wants_json():
        return jsonify({"error": {"code": code, "message": message, **extra}}), status
    return render_template("error.html", status=status, message=_page_message(status),
                           detail=message), status


def _page_message(status: int) -> str:
    return {
        400: _("Something in the request was not right."),
        401: _("Please sign in."),
        403: _("You do not have access to this page."),
        404: _("Page not found."),
        409: _("Someone changed this at the same time."),
        413: _("That was too large to send."),
        429: _("Too many attempts. Wait a moment and try again."),
    }.get(status, _("Something went wrong."))


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()
        return error_response(exc.status, exc.code, exc.message, **exc.extra)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(400, "csrf", "Missing or invalid CSRF token; reload the page.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code, message = GENERIC.get(exc.code or 500, ("error", exc.description or "Error"))
        if exc.code == 429:
            message = GENERIC[429][1]
        return error_response(exc.code or 500, code, message)

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return error_response(500, "server_error", "Something went wrong on our side.")
