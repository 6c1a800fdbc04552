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
from sqlalchemy.exc import IntegrityError

import protocol

from ..extensions import db
from ..models import AuditEvent, User
from ..models.types import utcnow
from ..schemas.accounts import (
    AuthKeyProof,
    NewSecrets,
    Recovery,
    RecoveryProof,
    RegisterRequest,
)
from . import devices, throttle
from .errors import Conflict, NotFound, Unauthorized

BAD_CREDENTIALS = "Wrong email or password."


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


def prelogin(email: str) -> dict[str, Any]:
    """Salt seed and KDF parameters for a (normalised) email. Unknown emails get a stable
    fake seed, so the answer does not tell whether an account exists."""
    user = user_by_email(email)
    if user is not None:
        return {"salt_seed": user.salt_seed, "kdf": user.kdf}
    fake = _pepper_hmac(email.encode(), "prelogin")[:16]
    return {"salt_seed": protocol.b64u_encode(fake), "kdf": dict(protocol.KDF_FLOOR)}


def _secrets(new: NewSecrets) -> dict[str, Any]:
    """The columns of new password secrets (and of a new recovery key, if given)."""
    secrets: dict[str, Any] = {
        "salt_seed": new.salt_seed,
        "kdf": new.kdf.model_dump(),
        "auth_hash": _auth_hash(protocol.b64u_decode(new.auth_key)),
        "wrapped_ak": new.wrapped_ak.model_dump(),
    }
    if new.recovery is not None:
        secrets["recovery_wrapped_ak"] = new.recovery.wrapped_ak.model_dump()
        secrets["recovery_auth_hash"] = _recovery_hash(
            protocol.b64u_decode(new.recovery.auth_key))
    return secrets


def register(data: RegisterRequest) -> User:
    """Create an account from client-made key material (PROTOCOL §7 register)."""
    email, uid = data.email, data.uid
    _refuse_taken(email, uid)
    user = User(uid=uid, email=email, display_name=data.display_name, locale=data.locale,
                is_supervisor=data.is_supervisor, bundle=data.bundle.model_dump(),
                wrapped_x25519=data.wrapped_x25519.model_dump(),
                wrapped_ed25519=data.wrapped_ed25519.model_dump(), session_epoch=1,
                lock_minutes=current_app.config["LOCK_MINUTES"], **_secrets(data.secrets()))
    try:
        with db.session.begin_nested():  # the user row first: audit events refer to it
            db.session.add(user)
    except IntegrityError:
        # Another registration of this email (or uid) committed at the same moment.
        _refuse_taken(email, uid)
        raise Conflict("An account with this email already exists.", "email_taken",
                       field="email") from None
    audit(user, "register")
    db.session.flush()
    if data.invite is not None:
        # Joining from an invite link: in the same transaction, so an invite that is no
        # longer open leaves no account behind (the client shows why).
        from . import processes
        try:
            processes.accept_invite(user, data.invite)
        except NotFound as exc:
            exc.extra["field"] = "invite"
            raise
    return user


def _refuse_taken(email: str, uid: str) -> None:
    if user_by_email(email) is not None:
        raise Conflict("An account with this email already exists.", "email_taken",
                       field="email")
    if db.session.get(User, uid) is not None:
        raise Conflict("uid already in use", "uid_taken", field="uid")


def login(email: str, auth_key: str) -> User:
    """Check a (normalised) email and its auth key; one generic error for every failure."""
    auth_key = protocol.b64u_decode(auth_key, 32)
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


def recover(proof: RecoveryProof) -> dict[str, Any]:
    """Prove the recovery key and receive the recovery-wrapped keys (PROTOCOL §3)."""
    user = _recovery_user(proof)
    return {"uid": user.uid, "recovery": {"wrapped_ak": user.recovery_wrapped_ak},
            "keys": user.keys()}


def _recovery_user(data: RecoveryProof) -> User:
    email = data.email
    proof = _recovery_hash(protocol.b64u_decode(data.recovery_auth_key, 32))
    throttle.check("recover", email)
    user = user_by_email(email)
    stored = user.recovery_auth_hash if user is not None else _recovery_hash(b"\1" * 32)
    if not hmac.compare_digest(proof, stored) or user is None:
        throttle.failed("recover", email)
        raise Unauthorized("Wrong email or recovery key.", "bad_credentials")
    throttle.succeeded("recover", email)
    return user


def set_password(proof: AuthKeyProof | RecoveryProof, new: NewSecrets,
                 current: User | None) -> User:
    """Replace the password secrets, proven by the current auth key (signed in) or by the
    recovery key (which must then be replaced too: the schema requires `new.recovery`).
    Every other session ends."""
    # The proof is checked with the account's row locked (PostgreSQL; SQLite's write
    # transaction is exclusive already), so of two changes proven by the same old secret
    # one wins and the other is refused, instead of both answering 204 and one being lost.
    if isinstance(proof, RecoveryProof):
        db.session.refresh(_recovery_user(proof), with_for_update=True)
        user = _recovery_user(proof)
        kind = "recovery_reset"
    else:
        if current is None:
            raise Unauthorized("Sign in first.", "login_required")
        db.session.refresh(current, with_for_update=True)
        key = protocol.b64u_decode(proof.auth_key, 32)
        if not hmac.compare_digest(_auth_hash(key), current.auth_hash):
            raise Unauthorized("The current password is wrong.", "bad_credentials",
                               field="proof")
        user = current
        kind = "password_change"
    for key, value in _secrets(new).items():
        setattr(user, key, value)
    if new.recovery is not None:
        user.recovery_confirmed_at = None   # the new key is shown once and confirmed anew
    user.session_epoch += 1
    same = current is not None and current.uid == user.uid
    devices.end_other_sessions(user, keep=devices.current(current) if same else None)
    audit(user, kind)
    db.session.flush()
    return user


def _check_password_proof(user: User, proof: AuthKeyProof) -> None:
    """The current password's auth key, checked with the account's row locked."""
    db.session.refresh(user, with_for_update=True)
    key = protocol.b64u_decode(proof.auth_key, 32)
    if not hmac.compare_digest(_auth_hash(key), user.auth_hash):
        raise Unauthorized("The current password is wrong.", "bad_credentials", field="proof")


def replace_recovery(user: User, proof: AuthKeyProof, recovery: Recovery) -> User:
    """Put a new recovery key in place of the old one (PROTOCOL §3), proven by the current
    password: the AK wrapped under the new key and its auth key. The old recovery key stops
    working at once; the new one counts as confirmed only after `confirm_recovery`."""
    _check_password_proof(user, proof)
    user.recovery_wrapped_ak = recovery.wrapped_ak.model_dump()
    user.recovery_auth_hash = _recovery_hash(protocol.b64u_decode(recovery.auth_key))
    user.recovery_confirmed_at = None
    audit(user, "recovery_replaced")
    db.session.flush()
    return user


def confirm_recovery(user: User, recovery_auth_key: str) -> User:
    """Mark the account's recovery key as saved by its owner. The client sends the auth key
    of the key it showed: a key that has since been replaced (in another tab or on another
    device) cannot be confirmed (Conflict), so a confirmation never covers a dead key."""
    db.session.refresh(user, with_for_update=True)
    proof = _recovery_hash(protocol.b64u_decode(recovery_auth_key, 32))
    if not hmac.compare_digest(proof, user.recovery_auth_hash):
        raise Conflict("This recovery key has been replaced by a newer one.",
                       "recovery_replaced")
    if user.recovery_confirmed_at is None:
        user.recovery_confirmed_at = utcnow()
        audit(user, "recovery_confirmed")
    db.session.flush()
    return user


def logout_everywhere(user: User) -> None:
    """End every session of the account, this one included."""
    user.session_epoch += 1
    devices.end_all_sessions(user)
    audit(user, "logout_everywhere")
    db.session.flush()


def update_settings(user: User, *, display_name: str | None = None,
                    locale: str | None = None, lock_minutes: int | None = None) -> User:
    """Change display name, language or the inactivity lock (minutes); None keeps it.
    The values were checked by the schema (webapp/schemas/accounts.py SettingsRequest)."""
    if display_name is not None:
        user.display_name = display_name
    if locale is not None:
        user.locale = locale
    if lock_minutes is not None:
        user.lock_minutes = lock_minutes
    db.session.flush()
    return user


def bundle_for(viewer: User, uid: str) -> dict[str, Any]:
    """A user's public bundle, only for themselves or someone who shares a process."""
    from .policy import shares_process
    user = db.session.get(User, uid)
    if user is None or not shares_process(viewer.uid, uid):
        raise NotFound("user not found")
    return user.bundle
