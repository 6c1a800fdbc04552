"""Authentication endpoints: prelogin, register, login, logout, recover, password."""
from __future__ import annotations

from flask import make_response, request, session
from flask_login import current_user, login_user, logout_user

from ..api import bp
from ..api.spec import SESSION_CSRF, answer, operation
from ..api.util import api_login_required, auth_limit, json_body
from ..errors import error_response
from ..extensions import csrf
from ..guards import csrf_token as generate_csrf  # masked (BREACH)
from ..schemas import parse
from ..schemas.accounts import (
    LoginRequest,
    LoginResponse,
    PasswordRequest,
    PreloginRequest,
    PreloginResponse,
    RecoverResponse,
    RecoveryProof,
    RegisterRequest,
    Session,
    proof_kind,
)
from ..services import accounts, devices
from ..services.errors import Unauthorized
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
@operation("Salt seed and KDF parameters for an email (a stable fake for unknown emails)",
           body=PreloginRequest, responses={200: PreloginResponse}, rate_limited=True)
def prelogin(body: PreloginRequest):
    return answer(PreloginResponse.model_validate(accounts.prelogin(body.email)))


@bp.post("/auth/register")
@csrf.exempt
@auth_limit()
@operation("Create an account from key material made by the client; signs in",
           body=RegisterRequest, responses={201: Session}, rate_limited=True,
           errors={404: "The invite is unknown (`invite_not_found`)",
                   409: "The email (`email_taken`) or the uid (`uid_taken`) is taken"})
def register(body: RegisterRequest):
    user = accounts.register(body)
    return answer(Session(uid=user.uid, csrf_token=_start_session(user)), 201)


@bp.post("/auth/login")
@csrf.exempt
@auth_limit()
@operation("Sign in with the auth key derived from the password", body=LoginRequest,
           responses={200: LoginResponse}, rate_limited=True,
           errors={401: "Wrong email or auth key (one generic answer, `bad_credentials`)"})
def login(body: LoginRequest):
    user = accounts.login(body.email, body.auth_key)
    return answer(LoginResponse.model_validate(
        {"uid": user.uid, "csrf_token": _start_session(user), "keys": user.keys()}))


@bp.post("/auth/logout")
@operation("Sign out this client", responses={204: None})
def logout():
    if current_user.is_authenticated:
        devices.end_session(devices.current(current_user._get_current_object()))
    logout_user()
    session.clear()
    return "", 204


@bp.post("/auth/logout-everywhere")
@api_login_required
@operation("End every session of the account, this one included", responses={204: None})
def logout_everywhere():
    accounts.logout_everywhere(current_user._get_current_object())
    logout_user()
    session.clear()
    return "", 204


@bp.post("/auth/recover")
@csrf.exempt
@auth_limit()
@operation("Prove the recovery key; returns the recovery-wrapped account key",
           body=RecoveryProof, responses={200: RecoverResponse}, rate_limited=True,
           errors={401: "Wrong email or recovery key (`bad_credentials`)"})
def recover(body: RecoveryProof):
    return answer(RecoverResponse.model_validate(accounts.recover(body)))


@bp.post("/auth/password")
@csrf.exempt  # proven by the auth key or the recovery key in the body, not by the cookie
@auth_limit()
@operation("Set new password secrets; every other session of the account ends",
           description="Proven by the current auth key (signed in, with the X-CSRF-Token "
                       "header) or by the recovery key (anyone; `new.recovery` is then "
                       "required, the old recovery key stops working).",
           body=PasswordRequest, responses={204: None}, rate_limited=True,
           security=[{}, SESSION_CSRF], parse_body=False,
           errors={401: "Not signed in for an auth-key proof (`login_required`), or the "
                        "proof is wrong (`bad_credentials`)"})
def password():
    data = json_body()
    user = current_user._get_current_object() if current_user.is_authenticated else None
    if isinstance(data, dict) and proof_kind(data.get("proof")) == "auth_key":
        # Proven by the session's password: 401 first without a session, then the CSRF check.
        if user is None:
            raise Unauthorized("Sign in first.", "login_required")
        csrf.protect()
    body = parse(PasswordRequest, data)
    changed = accounts.set_password(body.proof, body.new, user)
    if user is not None and changed.uid == user.uid:
        # This device stays signed in (same session, same CSRF token); every other session
        # of the account has ended.
        login_user(changed)
    return "", 204
