"""Service-layer tests of webapp.services.accounts: bodies parsed by the schemas (as the views
do), typed values in, domain errors out."""
from __future__ import annotations

import os
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from sqlalchemy import func, select

import protocol
from webapp.extensions import db
from webapp.models import AuditEvent, User
from webapp.schemas import parse
from webapp.schemas.accounts import (
    LoginRequest,
    PasswordRequest,
    PreloginRequest,
    RecoveryProof,
    RegisterRequest,
    SettingsRequest,
    UserPath,
)
from webapp.services import accounts
from webapp.services.errors import Conflict, InvalidInput, NotFound, Unauthorized
from webapp.uow import unit_of_work

from .factories import b64u, end_membership_row, fast_account, make_process, new_secrets

b64d = protocol.b64u_decode


# -- the edge: a body through its schema, then the use case (what the views do) -----------------

def register(body):
    return accounts.register(parse(RegisterRequest, body))


def prelogin(body):
    return accounts.prelogin(parse(PreloginRequest, body).email)


def login(body):
    request = parse(LoginRequest, body)
    return accounts.login(request.email, request.auth_key)


def recover(body):
    return accounts.recover(parse(RecoveryProof, body))


def set_password(body, current):
    request = parse(PasswordRequest, body)
    return accounts.set_password(request.proof, request.new, current)


def update_settings(user, body):
    return accounts.update_settings(user, **parse(SettingsRequest, body).model_dump(
        exclude_none=True))


def _register(email: str = "anna@example.fi", keys=None, **extra):
    keys = keys or fast_account()
    with unit_of_work():
        return register(keys.registration(email, **extra)), keys


def _user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def _audit_kinds(uid: str) -> list[str]:
    return list(db.session.scalars(
        select(AuditEvent.kind).where(AuditEvent.user_uid == uid).order_by(AuditEvent.id)))


def _login(email: str, auth_key: bytes):
    with unit_of_work():
        return login({"email": email, "auth_key": b64u(auth_key)})


def _flip(s: str, index: int = 0) -> str:
    """The same b64u value with one bit of one byte flipped."""
    raw = bytearray(b64d(s))
    raw[index] ^= 0x01
    return b64u(bytes(raw))


def _invalid(body, code: str | None = None, field: str | None = None) -> InvalidInput:
    before = _user_count()
    with pytest.raises(InvalidInput) as exc:
        register(body)
    db.session.rollback()
    assert _user_count() == before
    if code:
        assert exc.value.code == code, exc.value.to_json()
    if field:
        assert exc.value.extra.get("field") == field, exc.value.to_json()
    return exc.value


# -- register: the happy path ------------------------------------------------------------------

def test_register_stores_the_client_material(ctx):
    keys = fast_account()
    user = register(keys.registration("anna@example.fi", "Anna", locale="sv",
                                               is_supervisor=True))
    stored = db.session.get(User, keys.uid)
    reg = keys.account.registration
    assert stored is user
    assert (user.email, user.display_name, user.locale, user.is_supervisor) == (
        "anna@example.fi", "Anna", "sv", True)
    assert user.salt_seed == reg["salt_seed"] and user.kdf == protocol.KDF_FLOOR
    assert user.wrapped_ak == reg["wrapped_ak"]
    assert user.recovery_wrapped_ak == reg["recovery"]["wrapped_ak"]
    assert user.bundle == reg["bundle"]
    assert user.wrapped_x25519 == reg["wrapped_x25519"]
    assert user.wrapped_ed25519 == reg["wrapped_ed25519"]
    assert user.session_epoch == 1
    assert user.lock_minutes == current_app.config["LOCK_MINUTES"]
    assert _audit_kinds(user.uid) == ["register"]


def test_register_defaults(ctx):
    user, _ = _register()
    assert user.locale == "fi" and user.is_supervisor is False


def test_register_accepts_a_null_invite(ctx):
    user, _ = _register(invite=None)
    assert db.session.get(User, user.uid) is not None


@pytest.mark.parametrize("raw, stored", [
    ("  Anna.Virtanen@Example.FI ", "anna.virtanen@example.fi"),
    ("ａｎｎａ@ｅｘａｍｐｌｅ.fi", "anna@example.fi"),  # NFKC folds full-width letters
])
def test_register_normalises_the_email(ctx, raw, stored):
    user, _ = _register(raw)
    assert user.email == stored
    assert accounts.user_by_email(stored.upper()) is user


# -- register: the stored secrets are HMACs --------------------------------------------------

def test_stored_auth_hashes_are_peppered_hmacs_not_the_keys(ctx, app):
    user, keys = _register()
    secrets = [keys.auth_key, keys.recovery_auth_key]
    encodings = [form for s in secrets for form in (s, b64u(s).encode(), s.hex().encode())]
    with db.engine.connect() as conn:
        row = conn.execute(select(User.__table__).where(User.__table__.c.uid == user.uid)).one()
    for column, value in row._mapping.items():
        blob = value if isinstance(value, bytes) else repr(value).encode()
        for form in encodings:
            assert form not in blob, f"column {column} holds an auth key"
    assert len(user.auth_hash) == 32 and len(user.recovery_auth_hash) == 32
    assert user.auth_hash != user.recovery_auth_hash
    assert user.auth_hash == accounts._auth_hash(keys.auth_key)
    assert user.recovery_auth_hash == accounts._recovery_hash(keys.recovery_auth_key)
    # keyed by the configured pepper: another pepper gives another hash
    old = app.config["AUTH_PEPPER"]
    app.config["AUTH_PEPPER"] = "another-pepper"
    try:
        assert accounts._auth_hash(keys.auth_key) != user.auth_hash
    finally:
        app.config["AUTH_PEPPER"] = old


# -- register: validation ----------------------------------------------------------------------

@pytest.mark.parametrize("email", [
    "", "anna", "anna@", "@example.fi", "anna@example", "anna@@example.fi", "an na@example.fi",
    "anna@example.f", "a" * 65 + "@example.fi", "a@" + "b" * 250 + ".fi", 5, None, [], {}, True,
])
def test_register_refuses_bad_emails(ctx, email):
    keys = fast_account()
    _invalid(keys.registration("x@example.fi") | {"email": email}, "bad_email", "email")


@pytest.mark.parametrize("email", ["a\x00b@example.fi", "an\nna@example.fi", "anna@exa\x7fmple.fi"])
def test_register_refuses_control_characters_in_email(ctx, email):
    """PostgreSQL refuses NUL in text (a 500 there); no address has control characters."""
    _invalid(fast_account().registration(email), "bad_email", "email")


def test_register_refuses_an_email_longer_than_254_after_normalisation(ctx):
    """131 characters typed, 257 after NFKC ('㍱' → 'hpa'): the column is VARCHAR(254)."""
    email = "a" * 64 + "@" + "\u3371" * 63 + ".fi"
    assert len(email) <= 254 < len(protocol.normalize_email(email))
    _invalid(fast_account().registration(email), "bad_email", "email")


def test_register_duplicate_email_is_a_conflict(ctx):
    _register("anna@example.fi")
    with pytest.raises(Conflict) as exc:
        _register(" ANNA@example.fi")
    assert exc.value.code == "email_taken" and exc.value.status == 409
    db.session.rollback()
    assert _user_count() == 1


@pytest.mark.parametrize("bad_uid", [
    "not-a-uuid", "", 5, None,
    "6ba7b810-9dad-11d1-80b4-00c04fd430c8",            # version 1
    "9B2F6C1E-4D3A-4E8B-A5C7-0D1E2F3A4B5C",            # upper case
    "{9b2f6c1e-4d3a-4e8b-a5c7-0d1e2f3a4b5c}",
    "9b2f6c1e4d3a4e8ba5c70d1e2f3a4b5c",
])  # fixed values (not random): test ids must be the same in every pytest-xdist worker
def test_register_refuses_a_uid_that_is_not_a_lowercase_uuid4(ctx, bad_uid):
    _invalid(fast_account().registration("a@example.fi") | {"uid": bad_uid}, "bad_id", "uid")


def test_register_refuses_a_taken_uid(ctx):
    first, _ = _register("anna@example.fi")
    with pytest.raises(Conflict) as exc:
        _register("bertta@example.fi", keys=fast_account(first.uid))
    assert exc.value.code == "uid_taken"
    db.session.rollback()
    assert _user_count() == 1


def _resigned_bundle(keys, signer: Ed25519PrivateKey) -> dict:
    bundle = dict(keys.account.registration["bundle"])
    bundle["sig"] = b64u(signer.sign(protocol.bundle_message(bundle)))
    return bundle


@pytest.mark.parametrize("forge", ["other_key", "flip_sig", "flip_x25519", "flip_ed25519"])
def test_register_refuses_a_forged_bundle(ctx, forge):
    keys = fast_account()
    bundle = dict(keys.account.registration["bundle"])
    if forge == "other_key":
        bundle = _resigned_bundle(keys, Ed25519PrivateKey.generate())
    elif forge == "flip_sig":
        bundle["sig"] = _flip(bundle["sig"], 10)
    elif forge == "flip_x25519":
        bundle["x25519"] = _flip(bundle["x25519"], 3)
    else:
        bundle["ed25519"] = _flip(bundle["ed25519"], 3)
    exc = _invalid(keys.registration("a@example.fi", bundle=bundle), field="bundle")
    assert exc.code in {"bad_signature", "bad_key"}


def test_register_accepts_a_bundle_resigned_by_its_own_key(ctx):
    """The control for the forgery test above: re-signing with the right key is fine."""
    keys = fast_account()
    bundle = _resigned_bundle(keys, keys.account.ed25519_private)
    user = register(keys.registration("a@example.fi", bundle=bundle))
    assert user.bundle == bundle


def test_register_refuses_a_bundle_of_another_uid(ctx):
    keys, other = fast_account(), fast_account()
    body = keys.registration("a@example.fi", bundle=other.account.registration["bundle"])
    _invalid(body, "uid_mismatch", "bundle")


@pytest.mark.parametrize("mutate, code", [
    (lambda b: b.pop("sig"), "bad_bundle"),
    (lambda b: b.update(extra="x"), "bad_bundle"),
    (lambda b: b.update(v=2), "bad_bundle"),
    (lambda b: b.update(v="1"), "bad_bundle"),
    (lambda b: b.update(x25519=b64u(os.urandom(31))), "bad_length"),
    (lambda b: b.update(sig=b["sig"][:-1] + "+"), "bad_base64"),
    (lambda b: b.update(sig=b["sig"] + "AA"), "bad_length"),
])
def test_register_refuses_a_malformed_bundle(ctx, mutate, code):
    keys = fast_account()
    body = keys.registration("a@example.fi")
    mutate(body["bundle"])
    _invalid(body, code, "bundle")


@pytest.mark.parametrize("kdf, code", [
    ({"alg": "argon2id", "m": 65535, "t": 3, "p": 1}, "weak_kdf"),
    ({"alg": "argon2id", "m": 65536, "t": 2, "p": 1}, "weak_kdf"),
    ({"alg": "argon2id", "m": 65536, "t": 3, "p": 0}, "weak_kdf"),
    ({"alg": "argon2i", "m": 65536, "t": 3, "p": 1}, "weak_kdf"),
    ({"alg": "scrypt", "m": 65536, "t": 3, "p": 1}, "weak_kdf"),
    ({"alg": 1, "m": 65536, "t": 3, "p": 1}, "bad_kdf"),
    ({"alg": "argon2id", "m": 65536, "t": 3, "p": 1, "salt": "x"}, "bad_kdf"),
    ({"alg": "argon2id", "m": 65536, "t": 3}, "bad_kdf"),
    ({"alg": "argon2id", "m": "65536", "t": 3, "p": 1}, "bad_kdf"),
    ({"alg": "argon2id", "m": 65536.0, "t": 3, "p": 1}, "bad_kdf"),
    ({"alg": "argon2id", "m": 65536, "t": True, "p": 1}, "bad_kdf"),
    ({"alg": "argon2id", "m": 2**40, "t": 3, "p": 1}, "bad_kdf"),
    ("argon2id", "bad_kdf"),
    (None, "bad_kdf"),
])
def test_register_refuses_kdf_below_the_floor_or_malformed(ctx, kdf, code):
    _invalid(fast_account().registration("a@example.fi", kdf=kdf), code, "kdf")


def test_register_accepts_kdf_above_the_floor(ctx):
    kdf = {"alg": "argon2id", "m": 131072, "t": 4, "p": 2}
    user, _ = _register(kdf=kdf)
    assert user.kdf == kdf


def _box(ct_len: int, iv_len: int = 12) -> dict[str, str]:
    return {"iv": b64u(os.urandom(iv_len)), "ct": b64u(os.urandom(ct_len))}


@pytest.mark.parametrize("field, value, code", [
    ("wrapped_ak", _box(47), "bad_length"),
    ("wrapped_ak", _box(49), "bad_length"),
    ("wrapped_ak", _box(32), "bad_length"),      # AK without its tag
    ("wrapped_ak", _box(48, iv_len=16), "bad_length"),
    ("wrapped_ak", {"ct": b64u(os.urandom(48))}, "missing_field"),
    ("wrapped_ak", _box(48) | {"tag": "AAAA"}, "unknown_field"),
    ("wrapped_ak", "not-a-box", "invalid_type"),
    ("wrapped_x25519", _box(63), "bad_length"),
    ("wrapped_x25519", _box(65), "bad_length"),
    ("wrapped_x25519", _box(48), "bad_length"),
    ("wrapped_ed25519", _box(63), "bad_length"),
    ("wrapped_ed25519", _box(80), "bad_length"),
    ("salt_seed", b64u(bytes(range(15))), "bad_length"),
    ("salt_seed", b64u(bytes(range(17))), "bad_length"),
    ("auth_key", b64u(bytes(range(31))), "bad_length"),
    ("auth_key", b64u(bytes(range(32))) + "=", "bad_base64"),
])
def test_register_refuses_wrong_box_and_key_lengths(ctx, field, value, code):
    _invalid(fast_account().registration("a@example.fi", **{field: value}), code)


@pytest.mark.parametrize("recovery, code", [
    ({"wrapped_ak": _box(47), "auth_key": b64u(os.urandom(32))}, "bad_length"),
    ({"wrapped_ak": _box(48), "auth_key": b64u(os.urandom(16))}, "bad_length"),
    ({"wrapped_ak": _box(48)}, "missing_field"),
    ({"wrapped_ak": _box(48), "auth_key": b64u(os.urandom(32)), "rk": "x"}, "unknown_field"),
    ([], "invalid_type"),
])
def test_register_refuses_a_bad_recovery(ctx, recovery, code):
    _invalid(fast_account().registration("a@example.fi", recovery=recovery), code)


@pytest.mark.parametrize("locale", ["de", "FI", "", None, 5])
def test_register_refuses_an_unsupported_locale(ctx, locale):
    _invalid(fast_account().registration("a@example.fi", locale=locale), "bad_locale", "locale")


@pytest.mark.parametrize("value", ["true", 1, 0, None, []])
def test_register_is_supervisor_must_be_a_boolean(ctx, value):
    _invalid(fast_account().registration("a@example.fi", is_supervisor=value), "invalid_type",
             "is_supervisor")


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, 5, None])
def test_register_refuses_a_bad_display_name(ctx, name):
    _invalid(fast_account().registration("a@example.fi", display_name=name),
             field="display_name")


def test_register_refuses_control_characters_in_the_display_name(ctx):
    """PostgreSQL cannot store NUL in text: it must be a 400, not a database error."""
    _invalid(fast_account().registration("a@example.fi", display_name="An\x00na"),
             field="display_name")


def test_register_invite_that_does_not_exist_is_not_found(ctx):
    with pytest.raises(NotFound) as exc:
        _register(invite="abc123")
    assert exc.value.code == "invite_not_found"
    db.session.rollback()
    assert _user_count() == 0


@pytest.mark.parametrize("missing", [
    "email", "display_name", "uid", "salt_seed", "kdf", "auth_key", "wrapped_ak", "recovery",
    "bundle", "wrapped_x25519", "wrapped_ed25519"])
def test_register_requires_every_field(ctx, missing):
    body = fast_account().registration("a@example.fi")
    del body[missing]
    _invalid(body, "missing_field", missing)


def test_register_refuses_unknown_fields_and_non_objects(ctx):
    _invalid(fast_account().registration("a@example.fi", admin=True), "unknown_field", "admin")
    for body in (None, [], "x", 5):
        _invalid(body, "invalid_type")


# -- prelogin ----------------------------------------------------------------------------------

def test_prelogin_returns_the_real_seed_and_kdf_of_a_known_email(ctx):
    kdf = {"alg": "argon2id", "m": 131072, "t": 3, "p": 1}
    user, keys = _register("anna@example.fi", kdf=kdf)
    answer = prelogin({"email": " Anna@Example.fi"})
    assert answer == {"salt_seed": keys.account.registration["salt_seed"], "kdf": kdf}


def test_prelogin_fakes_a_stable_seed_for_unknown_emails(ctx):
    _, keys = _register("anna@example.fi")
    real = prelogin({"email": "anna@example.fi"})
    fake1 = prelogin({"email": "nobody@example.fi"})
    fake2 = prelogin({"email": "nobody@example.fi"})
    fake_case = prelogin({"email": " NOBODY@example.fi "})
    other = prelogin({"email": "someone-else@example.fi"})
    assert fake1 == fake2 == fake_case
    assert fake1["salt_seed"] != other["salt_seed"]
    assert fake1["salt_seed"] != real["salt_seed"]
    for answer in (real, fake1, other):          # same shape: nothing tells them apart
        assert set(answer) == {"salt_seed", "kdf"}
        assert len(b64d(answer["salt_seed"], 16)) == 16
        assert answer["kdf"] == protocol.KDF_FLOOR == real["kdf"]


def test_prelogin_fake_seed_depends_on_the_pepper(ctx, app):
    before = prelogin({"email": "nobody@example.fi"})
    old = app.config["AUTH_PEPPER"]
    app.config["AUTH_PEPPER"] = "another-pepper"
    try:
        after = prelogin({"email": "nobody@example.fi"})
    finally:
        app.config["AUTH_PEPPER"] = old
    assert before["salt_seed"] != after["salt_seed"]


@pytest.mark.parametrize("body, code", [
    ({}, "missing_field"), ({"email": "a@example.fi", "x": 1}, "unknown_field"),
    ({"email": "nope"}, "bad_email"), ({"email": None}, "bad_email"), ([], "invalid_type"),
])
def test_prelogin_validates(ctx, body, code):
    with pytest.raises(InvalidInput) as exc:
        prelogin(body)
    assert exc.value.code == code


# -- login -------------------------------------------------------------------------------------

def test_login_with_the_auth_key(ctx):
    user, keys = _register("anna@example.fi")
    assert _login(" ANNA@example.fi", keys.auth_key) is user
    assert _audit_kinds(user.uid) == ["register", "login"]


def test_login_failures_are_one_generic_error(ctx):
    user, keys = _register("anna@example.fi")
    errors = []
    for email, key in [("anna@example.fi", os.urandom(32)),          # wrong key
                       ("nobody@example.fi", keys.auth_key),          # unknown email
                       ("nobody@example.fi", os.urandom(32)),
                       ("anna@example.fi", keys.recovery_auth_key)]:  # the other secret
        with pytest.raises(Unauthorized) as exc:
            _login(email, key)
        errors.append((exc.value.status, exc.value.code, exc.value.message, exc.value.extra))
    assert errors == [(401, "bad_credentials", accounts.BAD_CREDENTIALS, {})] * 4
    db.session.rollback()
    assert _audit_kinds(user.uid) == ["register"]


@pytest.mark.parametrize("body, code", [
    ({"email": "anna@example.fi"}, "missing_field"),
    ({"email": "anna@example.fi", "auth_key": "AAAA"}, "bad_length"),
    ({"email": "anna@example.fi", "auth_key": "short"}, "bad_base64"),
    ({"email": "anna@example.fi", "auth_key": 5}, "bad_base64"),
    ({"email": "anna@example.fi", "auth_key": b64u(os.urandom(32)), "pw": "x"}, "unknown_field"),
])
def test_login_validates_the_shape(ctx, body, code):
    _register("anna@example.fi")
    with pytest.raises(InvalidInput) as exc:
        login(body)
    assert exc.value.code == code


# -- set_password with the current auth key ------------------------------------------------

def test_set_password_with_auth_key_needs_a_signed_in_user(ctx):
    user, keys = _register()
    new, _, _ = new_secrets(user.uid, keys.account.ak)
    with pytest.raises(Unauthorized) as exc:
        set_password({"proof": {"auth_key": b64u(keys.auth_key)}, "new": new}, None)
    assert exc.value.code == "login_required"


def test_set_password_with_a_wrong_proof_changes_nothing(ctx):
    user, keys = _register()
    new, _, _ = new_secrets(user.uid, keys.account.ak)
    with pytest.raises(Unauthorized) as exc:
        set_password({"proof": {"auth_key": b64u(os.urandom(32))}, "new": new}, user)
    assert exc.value.code == "bad_credentials"
    db.session.rollback()
    db.session.expire_all()
    assert user.session_epoch == 1 and _login(user.email, keys.auth_key) is user


def test_set_password_with_auth_key(ctx):
    user, keys = _register()
    new, new_auth, _ = new_secrets(user.uid, keys.account.ak, recovery=False)
    changed = set_password({"proof": {"auth_key": b64u(keys.auth_key)}, "new": new},
                                    user)
    assert changed is user
    db.session.expire_all()
    assert user.session_epoch == 2
    assert (user.salt_seed, user.wrapped_ak, user.kdf) == (new["salt_seed"], new["wrapped_ak"],
                                                           new["kdf"])
    assert _login(user.email, new_auth) is user
    with pytest.raises(Unauthorized):
        _login(user.email, keys.auth_key)
    # no new recovery given: the old recovery key still works
    assert recover({"email": user.email,
                             "recovery_auth_key": b64u(keys.recovery_auth_key)})["uid"] == user.uid
    assert "password_change" in _audit_kinds(user.uid)


def test_set_password_with_auth_key_may_replace_the_recovery(ctx):
    user, keys = _register()
    new, _, new_recovery = new_secrets(user.uid, keys.account.ak)
    set_password({"proof": {"auth_key": b64u(keys.auth_key)}, "new": new}, user)
    with pytest.raises(Unauthorized):
        recover({"email": user.email, "recovery_auth_key": b64u(keys.recovery_auth_key)})
    assert recover({"email": user.email,
                             "recovery_auth_key": b64u(new_recovery)})["uid"] == user.uid


@pytest.mark.parametrize("mutate, code", [
    (lambda n: n.update(kdf={"alg": "argon2id", "m": 1024, "t": 1, "p": 1}), "weak_kdf"),
    (lambda n: n.pop("wrapped_ak"), "missing_field"),
    (lambda n: n.update(wrapped_ak=_box(47)), "bad_length"),
    (lambda n: n.update(extra=1), "unknown_field"),
    (lambda n: n.update(recovery={"wrapped_ak": _box(48)}), "missing_field"),
])
def test_set_password_with_a_good_proof_but_bad_new_secrets_changes_nothing(ctx, mutate, code):
    user, keys = _register()
    new, _, _ = new_secrets(user.uid, keys.account.ak)
    mutate(new)
    with pytest.raises(InvalidInput) as exc:
        set_password({"proof": {"auth_key": b64u(keys.auth_key)}, "new": new}, user)
    assert exc.value.code == code
    db.session.rollback()
    db.session.expire_all()
    assert user.session_epoch == 1 and _login(user.email, keys.auth_key) is user


# -- set_password and recover with the recovery key ----------------------------------------

def _recovery_proof(user, keys) -> dict:
    return {"email": user.email, "recovery_auth_key": b64u(keys.recovery_auth_key)}


def test_set_password_with_recovery_requires_a_new_recovery(ctx):
    user, keys = _register()
    new, _, _ = new_secrets(user.uid, keys.account.ak, recovery=False)
    with pytest.raises(InvalidInput) as exc:
        set_password({"proof": _recovery_proof(user, keys), "new": new}, None)
    assert exc.value.code == "missing_field" and exc.value.extra["field"] == "recovery"


def test_set_password_with_recovery(ctx):
    user, keys = _register()
    new, new_auth, new_recovery = new_secrets(user.uid, keys.account.ak)
    changed = set_password({"proof": _recovery_proof(user, keys), "new": new}, None)
    assert changed.uid == user.uid
    db.session.expire_all()
    assert user.session_epoch == 2
    assert _login(user.email, new_auth).uid == user.uid
    with pytest.raises(Unauthorized):
        _login(user.email, keys.auth_key)
    with pytest.raises(Unauthorized):  # the old recovery key stops working
        recover(_recovery_proof(user, keys))
    answer = recover({"email": user.email, "recovery_auth_key": b64u(new_recovery)})
    assert answer["recovery"]["wrapped_ak"] == new["recovery"]["wrapped_ak"]
    assert "recovery_reset" in _audit_kinds(user.uid)


def test_set_password_with_a_wrong_recovery_key(ctx):
    user, keys = _register()
    new, _, _ = new_secrets(user.uid, keys.account.ak)
    for proof in ({"email": user.email, "recovery_auth_key": b64u(os.urandom(32))},
                  {"email": "nobody@example.fi", "recovery_auth_key": b64u(keys.recovery_auth_key)},
                  {"email": user.email, "recovery_auth_key": b64u(keys.auth_key)}):
        with pytest.raises(Unauthorized) as exc:
            set_password({"proof": proof, "new": new}, None)
        assert exc.value.code == "bad_credentials"
    db.session.rollback()
    db.session.expire_all()
    assert user.session_epoch == 1


@pytest.mark.parametrize("data, error", [
    ({"new": {}}, InvalidInput),
    ({"proof": {}}, InvalidInput),
    ({"proof": "x", "new": {}}, InvalidInput),
    ({"proof": {}, "new": {}}, InvalidInput),
    ({"proof": {"auth_key": "x", "recovery_auth_key": "y", "email": "a@b.fi"}, "new": {}},
     InvalidInput),
    ({"proof": {"auth_key": b64u(os.urandom(32))}, "new": {}, "x": 1}, InvalidInput),
])
def test_set_password_validates_the_envelope(ctx, data, error):
    user, _ = _register()
    with pytest.raises(error):
        set_password(data, user)


def test_recover_returns_the_recovery_wrapped_keys(ctx):
    user, keys = _register()
    answer = recover(_recovery_proof(user, keys))
    wrapped = keys.account.registration["recovery"]["wrapped_ak"]
    assert answer == {"uid": user.uid, "recovery": {"wrapped_ak": wrapped}, "keys": user.keys()}
    ak = protocol.recover_ak(user.uid, keys.account.recovery_key, answer["recovery"]["wrapped_ak"])
    assert ak == keys.account.ak


def test_recover_failures_are_generic(ctx):
    user, keys = _register()
    messages = set()
    for proof in ({"email": user.email, "recovery_auth_key": b64u(os.urandom(32))},
                  {"email": "nobody@example.fi", "recovery_auth_key": b64u(os.urandom(32))}):
        with pytest.raises(Unauthorized) as exc:
            recover(proof)
        messages.add((exc.value.code, exc.value.message))
    assert messages == {("bad_credentials", "Wrong email or recovery key.")}


# -- sessions and settings ---------------------------------------------------------------------

def test_logout_everywhere_ends_every_device_session(ctx):
    from webapp.services import devices
    user, _ = _register()
    token = devices.start_session(user, "Firefox")
    accounts.logout_everywhere(user)
    db.session.expire_all()
    assert devices.list_sessions(user) == [] and devices.load(token) is None
    assert _audit_kinds(user.uid)[-1] == "logout_everywhere"


def test_update_settings(ctx):
    user, _ = _register()
    update_settings(user, {"display_name": "  Anna V.  ", "locale": "en",
                                    "lock_minutes": 1440})
    db.session.expire_all()
    assert (user.display_name, user.locale, user.lock_minutes) == ("Anna V.", "en", 1440)
    update_settings(user, {"lock_minutes": 1})
    update_settings(user, {})
    db.session.expire_all()
    assert (user.display_name, user.locale, user.lock_minutes) == ("Anna V.", "en", 1)


@pytest.mark.parametrize("data, code", [
    ({"lock_minutes": 0}, "invalid_type"),
    ({"lock_minutes": 1441}, "invalid_type"),
    ({"lock_minutes": -5}, "invalid_type"),
    ({"lock_minutes": "30"}, "invalid_type"),
    ({"lock_minutes": 30.5}, "invalid_type"),
    ({"lock_minutes": True}, "invalid_type"),
    ({"lock_minutes": None}, "invalid_type"),
    ({"display_name": ""}, "bad_length"),
    ({"display_name": "  "}, "bad_length"),
    ({"display_name": "x" * 101}, "bad_length"),
    ({"display_name": 5}, "invalid_type"),
    ({"locale": "de"}, "bad_locale"),
    ({"locale": None}, "bad_locale"),
    ({"email": "x@example.fi"}, "unknown_field"),
    ({"display_name": "Fine", "lock_minutes": 0}, "invalid_type"),
])
def test_update_settings_ranges(ctx, data, code):
    user, _ = _register()
    with pytest.raises(InvalidInput) as exc:
        update_settings(user, data)
    assert exc.value.code == code
    db.session.rollback()
    db.session.expire_all()
    assert (user.display_name, user.locale, user.lock_minutes) == ("Testi Henkilö", "fi", 30)


def test_update_settings_needs_an_object(ctx):
    user, _ = _register()
    with pytest.raises(InvalidInput):
        update_settings(user, ["display_name"])


# -- bundles -----------------------------------------------------------------------------------

def test_bundle_for_self(ctx):
    user, keys = _register()
    assert accounts.bundle_for(user, user.uid) == keys.account.registration["bundle"]


def test_bundle_for_others_is_not_found_until_they_share_a_process(ctx):
    anna, _ = _register("anna@example.fi")
    bertta, _ = _register("bertta@example.fi")
    for uid in (bertta.uid, str(uuid.uuid4())):
        with pytest.raises(NotFound):
            accounts.bundle_for(anna, uid)
    with pytest.raises(InvalidInput):       # the path schema refuses it before the service
        parse(UserPath, {"uid": bertta.uid.upper()})


def test_bundle_for_someone_in_a_shared_process(ctx):
    """Current members of one process see each other's bundle; it ends with the membership."""
    anna, anna_keys = _register("anna@example.fi")
    bertta, keys = _register("bertta@example.fi")
    pid = make_process(anna.uid, bertta.uid)
    assert accounts.bundle_for(anna, bertta.uid) == keys.account.registration["bundle"]
    assert accounts.bundle_for(bertta, anna.uid) == anna_keys.account.registration["bundle"]
    end_membership_row(pid, bertta.uid)
    for me, other in ((anna, bertta), (bertta, anna)):
        with pytest.raises(NotFound):
            accounts.bundle_for(me, other.uid)
