"""Authentication endpoints: prelogin, register, login, logout, recover, password."""
from __future__ import annotations

from flask import jsonify, make_response, request, session
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from ..api import bp
from ..api.util import api_login_required, auth_limit, json_body
from ..extensions import csrf
from ..errors import error_response
from ..services import accounts, devices
from ..services.throttle import TooManyAttempts


@bp.errorhandler(TooManyAttempts)
def too_many_attempts(exc: TooManyAttempts):
    """429 for an account that is cooling down, with Retry-After (services/throttle.py)."""
    response = make_response(error_response(exc.status, exc.code, exc.message, **exc.extra))
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _start_session(user) -> str:
    """Sign the user in on this client and return a fresh CSRF token."""
    session.clear()
    devices.start_session(user, request.user_agent.string)
    login_user(user)
    session["locale"] = user.locale
    return generate_csrf()


@bp.post("/auth/prelogin")
@csrf.exempt
@auth_limit()
def prelogin():
    return jsonify(accounts.prelogin(json_body()))


@bp.post("/auth/register")
@csrf.exempt
@auth_limit()
def register():
    user = accounts.register(json_body())
    return jsonify({"uid": user.uid, "csrf_token": _start_session(user)}), 201


@bp.post("/auth/login")
@csrf.exempt
@auth_limit()
def login():
    user = accounts.login(json_body())
    return jsonify({"uid": user.uid, "csrf_token": _start_session(user), "keys": user.keys()})


@bp.post("/auth/logout")
def logout():
    if current_user.is_authenticated:
        devices.end_session(devices.current(current_user._get_current_object()))
    logout_user()
    session.clear()
    return "", 204


@bp.post("/auth/logout-everywhere")
@api_login_required
def logout_everywhere():
    accounts.logout_everywhere(current_user._get_current_object())
    logout_user()
    session.clear()
    return "", 204


@bp.post("/auth/recover")
@csrf.exempt
@auth_limit()
def recover():
    return jsonify(accounts.recover(json_body()))


@bp.post("/auth/password")
@csrf.exempt  # proven by the auth key or the recovery key in the body, not by the cookie
@auth_limit()
def password():
    data = json_body()
    user = current_user._get_current_object() if current_user.is_authenticated else None
    if user is not None and not (isinstance(data, dict) and isinstance(data.get("proof"), dict)
                                 and "recovery_auth_key" in data["proof"]):
        csrf.protect()
    changed = accounts.set_password(data, user)
    if user is not None and changed.uid == user.uid:
        # This device stays signed in (same session, same CSRF token); every other session
        # of the account has ended.
        login_user(changed)
    return "", 204
