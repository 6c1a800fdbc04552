"""The recovery key's life: a new account's key starts unconfirmed; a new key made with the
password replaces the old one at once (the old key no longer recovers anything) and starts
unconfirmed again; only the current key can be confirmed. Services on typed arguments, and
the recovery itself through POST /api/v1/auth/recover (what a forgetful user would do)."""
from __future__ import annotations

import pytest

import protocol
from webapp.extensions import db
from webapp.models import AuditEvent, User
from webapp.schemas import parse
from webapp.schemas.accounts import ConfirmRecoveryRequest, NewRecoveryRequest
from webapp.services import accounts
from webapp.services.errors import Conflict, Unauthorized
from webapp.uow import unit_of_work

from .factories import api_register, b64u, new_secrets

API = "/api/v1"


def _user(person) -> User:
    db.session.expire_all()
    return db.session.get(User, person.uid)


def _replace(person, auth_key: bytes | None = None):
    """A new recovery key for the person's AK through the service; returns (rk, auth key)."""
    recovery, rk, _ = protocol.new_recovery(person.uid, person.account.ak)
    body = parse(NewRecoveryRequest, {
        "proof": {"auth_key": b64u(auth_key or person.auth_key)}, "recovery": recovery})
    with unit_of_work():
        accounts.replace_recovery(_user(person), body.proof, body.recovery)
    return rk, protocol.derive_recovery_secrets(rk)[1]


def _confirm(person, recovery_auth_key: bytes) -> None:
    body = parse(ConfirmRecoveryRequest, {"recovery_auth_key": b64u(recovery_auth_key)})
    with unit_of_work():
        accounts.confirm_recovery(_user(person), body.recovery_auth_key)


def _recover(app, person, recovery_auth_key: bytes):
    return app.test_client().post(f"{API}/auth/recover", json={
        "email": person.email, "recovery_auth_key": b64u(recovery_auth_key)})


def test_a_new_account_starts_unconfirmed_and_confirming_marks_it(app, ctx):
    anna = api_register(app)
    assert _user(anna).recovery_confirmed_at is None
    _confirm(anna, anna.recovery_auth_key)
    confirmed = _user(anna).recovery_confirmed_at
    assert confirmed is not None
    _confirm(anna, anna.recovery_auth_key)                 # again: no change, no error
    assert _user(anna).recovery_confirmed_at == confirmed
    kinds = db.session.scalars(db.select(AuditEvent.kind).where(
        AuditEvent.user_uid == anna.uid)).all()
    assert kinds.count("recovery_confirmed") == 1


def test_a_new_key_replaces_the_old_one(app, ctx):
    anna = api_register(app)
    _confirm(anna, anna.recovery_auth_key)
    old = anna.recovery_auth_key
    assert _recover(app, anna, old).status_code == 200

    rk, new = _replace(anna)

    # The old key stops working at once; the new one recovers the same account key.
    response = _recover(app, anna, old)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == \
        "bad_credentials"
    response = _recover(app, anna, new)
    assert response.status_code == 200
    wrapped = response.get_json()["recovery"]["wrapped_ak"]
    assert protocol.recover_ak(anna.uid, rk, wrapped) == anna.account.ak
    # ...and it must be confirmed anew; the replaced key cannot be confirmed.
    assert _user(anna).recovery_confirmed_at is None
    with pytest.raises(Conflict) as exc:
        _confirm(anna, old)
    assert exc.value.code == "recovery_replaced"
    assert _user(anna).recovery_confirmed_at is None
    _confirm(anna, new)
    assert _user(anna).recovery_confirmed_at is not None


def test_a_new_key_needs_the_current_password(app, ctx):
    anna = api_register(app)
    _confirm(anna, anna.recovery_auth_key)
    before = _user(anna)
    stored = (before.recovery_auth_hash, dict(before.recovery_wrapped_ak),
              before.recovery_confirmed_at)
    with pytest.raises(Unauthorized) as exc:
        _replace(anna, auth_key=bytes(32))
    assert exc.value.code == "bad_credentials"
    after = _user(anna)
    assert (after.recovery_auth_hash, after.recovery_wrapped_ak,
            after.recovery_confirmed_at) == stored
    assert _recover(app, anna, anna.recovery_auth_key).status_code == 200


def test_a_reset_by_recovery_key_issues_an_unconfirmed_key(app, ctx):
    anna = api_register(app)
    _confirm(anna, anna.recovery_auth_key)
    new, _, new_recovery_auth = new_secrets(anna.uid, anna.account.ak)
    response = app.test_client().post(f"{API}/auth/password", json={
        "proof": {"email": anna.email, "recovery_auth_key": b64u(anna.recovery_auth_key)},
        "new": new})
    assert response.status_code == 204, response.get_json()
    assert _user(anna).recovery_confirmed_at is None
    _confirm(anna, new_recovery_auth)
    assert _user(anna).recovery_confirmed_at is not None


def test_a_password_change_keeps_the_confirmation(app, ctx):
    anna = api_register(app)
    _confirm(anna, anna.recovery_auth_key)
    new, _, _ = new_secrets(anna.uid, anna.account.ak, recovery=False)
    response = anna.post("/auth/password", {"proof": {"auth_key": b64u(anna.auth_key)},
                                            "new": new})
    assert response.status_code == 204, response.get_json()
    assert _user(anna).recovery_confirmed_at is not None


def test_the_api_replaces_and_confirms(app, ctx):
    """The two endpoints end to end: 204s, the old key dead, the prompt state stored."""
    anna = api_register(app)
    recovery, rk, _ = protocol.new_recovery(anna.uid, anna.account.ak)
    wrong = anna.post("/me/recovery", {"proof": {"auth_key": b64u(bytes(32))},
                                       "recovery": recovery})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "bad_credentials"
    assert _recover(app, anna, anna.recovery_auth_key).status_code == 200   # unchanged
    ok = anna.post("/me/recovery", {"proof": {"auth_key": b64u(anna.auth_key)},
                                    "recovery": recovery})
    assert ok.status_code == 204, ok.get_json()
    assert _recover(app, anna, anna.recovery_auth_key).status_code == 401
    new = protocol.derive_recovery_secrets(rk)[1]
    stale = anna.post("/me/recovery/confirmed", {"recovery_auth_key": b64u(anna.recovery_auth_key)})
    assert stale.status_code == 409
    assert anna.post("/me/recovery/confirmed",
                     {"recovery_auth_key": b64u(new)}).status_code == 204
    assert _user(anna).recovery_confirmed_at is not None
    assert _recover(app, anna, new).status_code == 200
