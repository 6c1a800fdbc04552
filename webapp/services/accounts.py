"""Account use cases: zero-knowledge registration, login, password change and recovery.

The server never sees a password or a key that opens anything: it stores the wrapped keys,
`HMAC(pepper, auth_key)` and `HMAC(pepper, recovery_auth_key)` (PROTOCOL §1, §3).
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app
from sqlalchemy import select

import protocol

from ..extensions import db
from ..models import AuditEvent, User
from . import devices, throttle
from . import validation as v
from .errors import Conflict, InvalidInput, NotFound, Unauthorized

AK_BOX = 48        # 32-byte AK + 16-byte tag
PKCS8_BOX = 64     # 48-byte PKCS#8 (X25519/Ed25519) + tag
BAD_CREDENTIALS = "Wrong email or password."
LOCK_RANGE = (1, 24 * 60)


def _pepper_hmac(secret: bytes, purpose: str) -> bytes:
    pepper = current_app.config["AUTH_PEPPER"].encode()
    return hmac.new(pepper, purpose.encode() + b"|" + secret, hashlib.sha256).digest()


def _auth_hash(auth_key: bytes) -> bytes:
    return _pepper_hmac(auth_key, "auth")


def _recovery_hash(recovery_auth_key: bytes) -> bytes:
    return _pepper_hmac(recovery_auth_key, "recovery")


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == protocol.normalize_email(email)))


def get_user(uid: str) -> User | None:
    return db.session.get(User, uid)


def audit(user: User, kind: str, **detail: Any) -> None:
    """Record a metadata-only event; committed with the use case that made it."""
    db.session.add(AuditEvent(user_uid=user.uid, kind=kind, detail=detail or None))


def prelogin(data: Any) -> dict[str, Any]:
    """Salt seed and KDF parameters for an email. Unknown emails get a stable fake seed,
    so the answer does not tell whether an account exists."""
    v.require_object(data, {"email"})
    email = v.email(data["email"])
    user = user_by_email(email)
    if user is not None:
        return {"salt_seed": user.salt_seed, "kdf": user.kdf}
    fake = _pepper_hmac(email.encode(), "prelogin")[:16]
    return {"salt_seed": protocol.b64u_encode(fake), "kdf": dict(protocol.KDF_FLOOR)}


def _new_secrets(data: Any, uid: str, *, recovery_required: bool) -> dict[str, Any]:
    """Validate {salt_seed, kdf, auth_key, wrapped_ak, recovery?}."""
    required = {"salt_seed", "kdf", "auth_key", "wrapped_ak"}
    if recovery_required:
        required.add("recovery")
    v.require_object(data, required, {"recovery"}, where="new")
    v.b64(data, "salt_seed", 16)
    kdf = v.protocol(lambda: protocol.check_kdf(data["kdf"]), "kdf")
    secrets = {
        "salt_seed": data["salt_seed"],
        "kdf": kdf,
        "auth_hash": _auth_hash(v.b64(data, "auth_key", 32)),
        "wrapped_ak": v.box(data, "wrapped_ak", AK_BOX),
    }
    if "recovery" in data:
        recovery = v.require_object(data["recovery"], {"wrapped_ak", "auth_key"},
                                    where="recovery")
        secrets["recovery_wrapped_ak"] = v.box(recovery, "wrapped_ak", AK_BOX)
        secrets["recovery_auth_hash"] = _recovery_hash(v.b64(recovery, "auth_key", 32))
    return secrets


def register(data: Any) -> User:
    """Create an account from client-made key material (PROTOCOL §7 register)."""
    v.require_object(
        data,
        {"email", "display_name", "uid", "salt_seed", "kdf", "auth_key", "wrapped_ak",
         "recovery", "bundle", "wrapped_x25519", "wrapped_ed25519"},
        {"locale", "invite", "is_supervisor"})
    email = v.email(data["email"])
    display_name = v.string(data, "display_name", max_len=100)
    uid = v.uuid4(data["uid"], "uid")
    secrets = _new_secrets({k: data[k] for k in ("salt_seed", "kdf", "auth_key", "wrapped_ak",
                                                 "recovery")}, uid, recovery_required=True)
    bundle = v.protocol(lambda: protocol.verify_bundle(data["bundle"], uid), "bundle")
    wrapped_x = v.box(data, "wrapped_x25519", PKCS8_BOX)
    wrapped_ed = v.box(data, "wrapped_ed25519", PKCS8_BOX)
    locale = data.get("locale", "fi")
    if locale not in current_app.config["LANGUAGES"]:
        raise InvalidInput("unsupported locale", "bad_locale", field="locale")
    is_supervisor = data.get("is_supervisor", False)
    if not isinstance(is_supervisor, bool):
        raise InvalidInput("is_supervisor must be a boolean", "invalid_type",
                           field="is_supervisor")
    if data.get("invite") is not None:
        raise NotFound("invite not found", "invite_not_found", field="invite")
    if user_by_email(email) is not None:
        raise Conflict("An account with this email already exists.", "email_taken",
                       field="email")
    if db.session.get(User, uid) is not None:
        raise Conflict("uid already in use", "uid_taken", field="uid")
    user = User(uid=uid, email=email, display_name=display_name, locale=locale,
                is_supervisor=is_supervisor, bundle=bundle, wrapped_x25519=wrapped_x,
                wrapped_ed25519=wrapped_ed, session_epoch=1,
                lock_minutes=current_app.config["LOCK_MINUTES"], **secrets)
    db.session.add(user)
    db.session.flush()  # the user row first: audit events refer to it
    audit(user, "register")
    db.session.flush()
    return user


def login(data: Any) -> User:
    """Check {email, auth_key}; one generic error for every failure."""
    v.require_object(data, {"email", "auth_key"})
    email = v.email(data["email"])
    auth_key = v.b64(data, "auth_key", 32)
    throttle.check("login", email)
    user = user_by_email(email)
    candidate = _auth_hash(auth_key)
    stored = user.auth_hash if user is not None else _auth_hash(b"\0" * 32 + email.encode())
    if not hmac.compare_digest(candidate, stored) or user is None:
        throttle.failed("login", email)
        raise Unauthorized(BAD_CREDENTIALS, "bad_credentials")
    throttle.succeeded("login", email)
    audit(user, "login")
    db.session.flush()
    return user


def recover(data: Any) -> dict[str, Any]:
    """Prove the recovery key and receive the recovery-wrapped keys (PROTOCOL §3)."""
    user = _recovery_user(data)
    return {"uid": user.uid, "recovery": {"wrapped_ak": user.recovery_wrapped_ak},
            "keys": user.keys()}


def _recovery_user(data: Any) -> User:
    v.require_object(data, {"email", "recovery_auth_key"}, where="proof")
    email = v.email(data["email"])
    proof = _recovery_hash(v.b64(data, "recovery_auth_key", 32))
    throttle.check("recover", email)
    user = user_by_email(email)
    stored = user.recovery_auth_hash if user is not None else _recovery_hash(b"\1" * 32)
    if not hmac.compare_digest(proof, stored) or user is None:
        throttle.failed("recover", email)
        raise Unauthorized("Wrong email or recovery key.", "bad_credentials")
    throttle.succeeded("recover", email)
    return user


def set_password(data: Any, current: User | None) -> User:
    """Replace the password secrets, proven by the current auth key (signed in) or by the
    recovery key (which must then be replaced too). Every other session ends."""
    v.require_object(data, {"proof", "new"})
    proof = data["proof"]
    if isinstance(proof, dict) and "recovery_auth_key" in proof:
        user = _recovery_user(proof)
        secrets = _new_secrets(data["new"], user.uid, recovery_required=True)
        kind = "recovery_reset"
    else:
        v.require_object(proof, {"auth_key"}, where="proof")
        if current is None:
            raise Unauthorized("Sign in first.", "login_required")
        if not hmac.compare_digest(_auth_hash(v.b64(proof, "auth_key", 32)), current.auth_hash):
            raise Unauthorized("The current password is wrong.", "bad_credentials",
                               field="proof")
        user = current
        secrets = _new_secrets(data["new"], user.uid, recovery_required=False)
        kind = "password_change"
    for key, value in secrets.items():
        setattr(user, key, value)
    user.session_epoch += 1
    same = current is not None and current.uid == user.uid
    devices.end_other_sessions(user, keep=devices.current(current) if same else None)
    audit(user, kind)
    db.session.flush()
    return user


def logout_everywhere(user: User) -> None:
    """End every session of the account, this one included."""
    user.session_epoch += 1
    devices.end_all_sessions(user)
    audit(user, "logout_everywhere")
    db.session.flush()


def update_settings(user: User, data: Any) -> User:
    """Change display name, language or the inactivity lock (minutes)."""
    v.require_object(data, set(), {"display_name", "locale", "lock_minutes"})
    if "display_name" in data:
        user.display_name = v.string(data, "display_name", max_len=100)
    if "locale" in data:
        if data["locale"] not in current_app.config["LANGUAGES"]:
            raise InvalidInput("unsupported locale", "bad_locale", field="locale")
        user.locale = data["locale"]
    if "lock_minutes" in data:
        user.lock_minutes = v.integer(data, "lock_minutes", minimum=LOCK_RANGE[0],
                                      maximum=LOCK_RANGE[1])
    db.session.flush()
    return user


def bundle_for(viewer: User, uid: str) -> dict[str, Any]:
    """A user's public bundle, only for themselves or someone who shares a process."""
    from .policy import shares_process
    v.uuid4(uid, "uid")
    user = db.session.get(User, uid)
    if user is None or not shares_process(viewer.uid, uid):
        raise NotFound("user not found")
    return user.bundle
