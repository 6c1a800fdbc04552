"""Pinned keys (PROTOCOL §2 "Pinning"): the protocol's pin record, the service and the API
(GET /pins, PUT /pins/{uid}). The server stores a pin only when its owner signed it, only for
someone who shares a process with the owner, and hands each owner their own records alone."""
from __future__ import annotations

import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, update

import protocol
from webapp.extensions import db
from webapp.models import PinnedKey, User
from webapp.services import pins as service
from webapp.services.errors import InvalidInput, NotFound

from .factories import api_login, api_register, end_membership_row, fast_account, make_process
from .factories import snapshot as db_snapshot
from .helpers import Person
from .test_authorization import is_json_error

b64u = protocol.b64u_encode


def fp_of(person: Person) -> str:
    return b64u(protocol.fingerprint(person.account.registration["bundle"]))


def record(owner: Person, subject: Person | str, *, verified: bool = False,
           fp: str | None = None, key: Ed25519PrivateKey | None = None) -> dict:
    """A PUT /pins body as the owner's client makes it."""
    subject_uid = subject if isinstance(subject, str) else subject.uid
    fp = fp or (fp_of(subject) if isinstance(subject, Person) else b64u(bytes(32)))
    sig = protocol.sign_pin(key or owner.account.ed25519_private, owner.uid, subject_uid, fp,
                            verified)
    return {"fp": fp, "verified": verified, "sig": sig}


# -- the protocol's record ------------------------------------------------------------------------

def test_pin_message_is_the_documented_text():
    owner, subject, fp = str(uuid.uuid4()), str(uuid.uuid4()), b64u(bytes(range(32)))
    assert protocol.pin_message(owner, subject, fp, True) == \
        f"valitila/v1/pin|{owner}|{subject}|{fp}|1"
    assert protocol.pin_message(owner, subject, fp, False).endswith("|0")


def test_a_pin_signature_binds_every_field():
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    pub = b64u(protocol.raw_public(key))
    owner, subject, fp = str(uuid.uuid4()), str(uuid.uuid4()), b64u(bytes(range(32)))
    sig = protocol.sign_pin(key, owner, subject, fp, False)
    assert protocol.verify_pin(pub, sig, owner, subject, fp, False)
    assert not protocol.verify_pin(pub, sig, owner, subject, fp, True)
    assert not protocol.verify_pin(pub, sig, subject, owner, fp, False)
    assert not protocol.verify_pin(pub, sig, owner, str(uuid.uuid4()), fp, False)
    assert not protocol.verify_pin(pub, sig, owner, subject, b64u(bytes(32)), False)
    assert not protocol.verify_pin(b64u(protocol.raw_public(other)), sig, owner, subject, fp,
                                   False)
    flipped = bytearray(protocol.b64u_decode(sig, 64))
    flipped[0] ^= 1
    assert not protocol.verify_pin(pub, b64u(bytes(flipped)), owner, subject, fp, False)


@pytest.mark.parametrize("args", [
    ("not-a-uid", str(uuid.uuid4()), b64u(bytes(32)), True),
    (str(uuid.uuid4()), "x", b64u(bytes(32)), True),
    (str(uuid.uuid4()), str(uuid.uuid4()), b64u(bytes(16)), True),      # an fp16, not the fp
    (str(uuid.uuid4()), str(uuid.uuid4()), "not base64!", True),
    (str(uuid.uuid4()), str(uuid.uuid4()), b64u(bytes(32)), 1),          # not a boolean
])
def test_a_malformed_pin_record_is_a_protocol_error(args):
    with pytest.raises(protocol.ProtocolError):
        protocol.pin_message(*args)


# -- the API ------------------------------------------------------------------------------------

@pytest.fixture
def cast(app):
    """Sara supervises Anna (one process); Mallory is a stranger to both."""
    sara = api_register(app, display_name="Sara", is_supervisor=True)
    anna = api_register(app, display_name="Anna")
    mallory = api_register(app, display_name="Mallory")
    pid = make_process(sara.uid, anna.uid, app=app)
    return sara, anna, mallory, pid


def test_a_member_pins_a_supervisor_and_marks_them_verified(app, cast):
    sara, anna, _, _ = cast
    response = anna.put(f"/pins/{sara.uid}", record(anna, sara))
    assert response.status_code == 201, response.get_json()
    pin = response.get_json()
    assert pin["subject"] == sara.uid and pin["fp"] == fp_of(sara)
    assert pin["verified"] is False and pin["verified_at"] is None
    assert set(pin) == {"subject", "fp", "verified", "verified_at", "sig", "updated_at"}

    response = anna.put(f"/pins/{sara.uid}", record(anna, sara, verified=True))
    assert response.status_code == 200
    verified = response.get_json()
    assert verified["verified"] is True and verified["verified_at"] is not None
    # marking it verified again keeps the time it was first verified
    again = anna.put(f"/pins/{sara.uid}", record(anna, sara, verified=True)).get_json()
    assert again["verified_at"] == verified["verified_at"]

    listed = anna.get("/pins").get_json()["pins"]
    assert listed == [again]
    # every record handed out verifies with the owner's own key (what the client checks)
    own = anna.account.registration["bundle"]["ed25519"]
    assert protocol.verify_pin(own, listed[0]["sig"], anna.uid, sara.uid, listed[0]["fp"], True)


def test_another_device_of_the_owner_reads_the_same_pins(app, cast):
    sara, anna, _, _ = cast
    anna.put(f"/pins/{sara.uid}", record(anna, sara, verified=True))
    phone = api_login(app, anna)
    assert [p["subject"] for p in phone.get("/pins").get_json()["pins"]] == [sara.uid]


def test_each_owner_sees_only_their_own_pins(app, cast):
    sara, anna, _, _ = cast
    assert anna.put(f"/pins/{sara.uid}", record(anna, sara)).status_code == 201
    assert sara.put(f"/pins/{anna.uid}", record(sara, anna)).status_code == 201
    assert [p["subject"] for p in sara.get("/pins").get_json()["pins"]] == [anna.uid]
    assert [p["subject"] for p in anna.get("/pins").get_json()["pins"]] == [sara.uid]


@pytest.mark.parametrize("forgery", ["other_key", "flipped_verified", "other_subject",
                                     "other_fp", "other_owner"])
def test_a_record_the_owner_did_not_sign_is_refused(app, cast, forgery):
    sara, anna, mallory, _ = cast
    assert anna.put(f"/pins/{sara.uid}", record(anna, sara)).status_code == 201
    before = db_snapshot(app)
    body = record(anna, sara)
    if forgery == "other_key":
        body = record(anna, sara, key=Ed25519PrivateKey.generate())
    elif forgery == "flipped_verified":
        body["verified"] = True
    elif forgery == "other_subject":
        body["sig"] = record(anna, mallory.uid, fp=body["fp"])["sig"]
    elif forgery == "other_fp":
        body["fp"] = fp_of(mallory)
    elif forgery == "other_owner":     # a record Sara signed, replayed as Anna's
        body = {**body, "sig": protocol.sign_pin(sara.account.ed25519_private, sara.uid,
                                                 sara.uid, body["fp"], False)}
    is_json_error(anna.put(f"/pins/{sara.uid}", body), 400, "bad_signature")
    assert db_snapshot(app) == before


def test_pins_only_for_someone_who_shares_a_process(app, cast):
    sara, anna, mallory, pid = cast
    before = db_snapshot(app)
    for subject in (mallory.uid, anna.uid, str(uuid.uuid4())):   # a stranger, oneself, nobody
        is_json_error(anna.put(f"/pins/{subject}", record(anna, subject)), 404, "not_found")
    # a former member is a stranger again
    end_membership_row(pid, anna.uid, app=app)
    is_json_error(anna.put(f"/pins/{sara.uid}", record(anna, sara)), 404, "not_found")
    is_json_error(sara.put(f"/pins/{anna.uid}", record(sara, anna)), 404, "not_found")
    assert db_snapshot(app)["pins"] == before["pins"] == []


@pytest.mark.parametrize("body", [
    {}, {"fp": "x", "verified": False, "sig": "y"},
    {"verified": False, "sig": b64u(bytes(64))},
    {"fp": b64u(bytes(16)), "verified": False, "sig": b64u(bytes(64))},
    {"fp": b64u(bytes(32)), "verified": "true", "sig": b64u(bytes(64))},
    {"fp": b64u(bytes(32)), "verified": 1, "sig": b64u(bytes(64))},
    {"fp": b64u(bytes(32)), "verified": False, "sig": b64u(bytes(63))},
    {"fp": b64u(bytes(32)), "verified": False, "sig": b64u(bytes(64)), "extra": 1},
    [], "pin", None,
], ids=lambda b: repr(b)[:40])
def test_bad_input_is_a_400(app, cast, body):
    sara, anna, _, _ = cast
    before = db_snapshot(app)
    response = anna.put(f"/pins/{sara.uid}", body)
    # (None sends no JSON body at all: 415)
    assert response.status_code == (415 if body is None else 400), response.get_json()
    assert db_snapshot(app) == before


def test_anonymous_and_without_csrf(app, cast):
    sara, anna, _, _ = cast
    anon = app.test_client()
    is_json_error(anon.get("/api/v1/pins"), 401, "login_required")
    is_json_error(anna.client.put(f"/api/v1/pins/{sara.uid}", json=record(anna, sara)), 403,
                  "csrf")
    is_json_error(anna.put("/pins/not-a-uid", record(anna, sara)), 400)
    assert anna.client.delete(f"/api/v1/pins/{sara.uid}",
                              headers=anna.headers()).status_code == 405


# -- the service -----------------------------------------------------------------------------------

def test_service_put_pin_replaces_the_fingerprint_and_resets_verification(ctx):
    sara_keys, anna_keys = fast_account(), fast_account()
    sara = _user(sara_keys, "sara@example.fi", supervisor=True)
    anna = _user(anna_keys, "anna@example.fi")
    make_process(sara.uid, anna.uid)
    first = b64u(protocol.fingerprint(sara_keys.account.registration["bundle"]))
    sign = anna_keys.account.ed25519_private
    pin, created = service.put_pin(anna, sara.uid, first, True,
                                   protocol.sign_pin(sign, anna.uid, sara.uid, first, True))
    assert created and pin.verified and pin.verified_at is not None
    second = b64u(bytes(32))
    pin, created = service.put_pin(anna, sara.uid, second, False,
                                   protocol.sign_pin(sign, anna.uid, sara.uid, second, False))
    assert not created and pin.fp == second and not pin.verified and pin.verified_at is None
    assert db.session.scalars(select(PinnedKey)).all() == [pin]
    with pytest.raises(InvalidInput):
        service.put_pin(anna, sara.uid, first, False, pin.sig)
    with pytest.raises(NotFound):
        service.put_pin(anna, anna.uid, first, False,
                        protocol.sign_pin(sign, anna.uid, anna.uid, first, False))


def _user(keys, email: str, *, supervisor: bool = False) -> User:
    reg = keys.registration(email)
    user = User(uid=reg["uid"], email=email, display_name=email.split("@")[0], locale="fi",
                is_supervisor=supervisor, lock_minutes=15, salt_seed=reg["salt_seed"],
                kdf=reg["kdf"], auth_hash=b"\1" * 32, wrapped_ak=reg["wrapped_ak"],
                recovery_auth_hash=b"\2" * 32, recovery_wrapped_ak=reg["recovery"]["wrapped_ak"],
                wrapped_x25519=reg["wrapped_x25519"], wrapped_ed25519=reg["wrapped_ed25519"],
                bundle=reg["bundle"], session_epoch=1)
    db.session.add(user)
    db.session.flush()
    return user


# -- a server that swaps keys ----------------------------------------------------------------------

def test_a_server_substituted_bundle_no_longer_matches_the_invite_link(app):
    """What the invite page's check relies on: the link's fp16 is computed from the bundle
    the supervisor's own client holds; a bundle swapped in the database (validly signed, the
    same uid, another key) comes back from GET /invites/{token} with another fp16."""
    sara = api_register(app, display_name="Sara", is_supervisor=True)
    pid = str(uuid.uuid4())
    assert sara.post("/processes", {"id": pid, "form": "individual"}).status_code == 201
    token = sara.post(f"/processes/{pid}/invites", {}).get_json()["token"]
    link_fp = protocol.fp16(sara.account.registration["bundle"])
    anon = app.test_client()
    shown = anon.get(f"/api/v1/invites/{token}").get_json()["supervisor"]["bundle"]
    assert protocol.fp16(shown) == link_fp

    swapped = fast_account(sara.uid).account.registration["bundle"]
    with app.app_context():
        db.session.execute(update(User).where(User.uid == sara.uid).values(bundle=swapped))
        db.session.commit()
    shown = anon.get(f"/api/v1/invites/{token}").get_json()["supervisor"]["bundle"]
    assert protocol.verify_bundle(shown, sara.uid)          # a valid bundle of that uid...
    assert protocol.fp16(shown) != link_fp                  # ...that the link refuses
