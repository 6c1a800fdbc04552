"""The protocol package against protocol/vectors.json, byte for byte, plus the
negative cases the server relies on. A second client written from PROTOCOL.md alone."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

import protocol as s
from protocol import ProtocolError, b64u_decode, b64u_encode

VECTORS_PATH = Path(
    os.environ.get("VALITILA_VECTORS")
    or Path(__file__).resolve().parents[1] / "protocol/vectors.json"
)
if not VECTORS_PATH.is_file():  # never skip: a missing vector file is a failure
    raise RuntimeError(f"protocol test vectors not found at {VECTORS_PATH} (set VALITILA_VECTORS)")
V: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
A, SUP, ITEM, ROSTER = V["account"], V["supervisor"], V["item"], V["roster"]
d = b64u_decode


def raw_pub(key: Any) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def code_of(fn: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ProtocolError) as ei:
        fn(*args, **kwargs)
    assert isinstance(ei.value, ValueError)
    return ei.value.code


def new_uid() -> str:
    return str(uuid.uuid4())


FIXED = {
    "salt_seed": d(A["salt_seed"]), "ak": d(A["ak"]),
    "x25519_pkcs8": d(A["x25519_private_pkcs8"]), "ed25519_pkcs8": d(A["ed25519_private_pkcs8"]),
    "recovery_key": d(A["recovery_key"]),
    "iv_wrapped_ak": d(A["wrapped_ak"]["iv"]), "iv_wrapped_x25519": d(A["wrapped_x25519"]["iv"]),
    "iv_wrapped_ed25519": d(A["wrapped_ed25519"]["iv"]),
    "iv_recovery_wrapped_ak": d(A["recovery_wrapped_ak"]["iv"]),
}
ED = serialization.load_der_private_key(d(A["ed25519_private_pkcs8"]), None)
X = serialization.load_der_private_key(d(A["x25519_private_pkcs8"]), None)
SUP_X = serialization.load_der_private_key(d(SUP["x25519_private_pkcs8"]), None)
DEK = d(ITEM["dek"])
OWNER_ENV = {"recipient": A["uid"], **ITEM["envelope_owner"]}
SHARE_ENV = {k: ITEM["envelope_share"][k] for k in ("recipient", "type", "epk", "iv", "ct")}
ITEM_OBJ = {"id": ITEM["id"], "kind": ITEM["kind"], "rev": ITEM["rev"], "author": A["uid"],
            "sealed": ITEM["sealed"], "sig": ITEM["sig"]}
VERIFY_KW = {"item_id": ITEM["id"], "kind": ITEM["kind"], "rev": ITEM["rev"], "by": A["uid"],
             "ed25519_public_raw": d(A["bundle"]["ed25519"])}
LOGIN_KEYS = {"uid": A["uid"], "salt_seed": A["salt_seed"], "kdf": A["kdf"],
              "wrapped_ak": A["wrapped_ak"], "wrapped_x25519": A["wrapped_x25519"],
              "wrapped_ed25519": A["wrapped_ed25519"], "bundle": A["bundle"]}


@pytest.fixture(scope="module")
def secrets() -> s.AccountSecrets:
    """The one Argon2id derivation of the vector account (~0.3 s)."""
    return s.derive_account_secrets(A["email"], A["password"], d(A["salt_seed"]), A["kdf"])


@pytest.fixture(scope="module")
def fresh() -> tuple[s.NewAccount, str, str]:
    uid, email, pw = new_uid(), "  Testi.Käyttäjä@Example.ORG", "pässwörd ﬃ 1"
    return s.create_account(uid, email, pw), email, pw


# --- vectors: account ---------------------------------------------------------------------------

def test_vector_file_is_the_one_under_test() -> None:
    assert V["about"].startswith("valitila protocol v1")


def test_normalisation_and_salt() -> None:
    assert s.normalize_email(A["email"]) == A["email_normalized"]
    assert s.derive_salt(A["email_normalized"], d(A["salt_seed"])) == d(A["salt"])
    # the salt is SHA256(utf8("valitila/v1/salt|" + email_n + "|") || salt_seed)[0:16]
    ref = hashlib.sha256(f"valitila/v1/salt|{A['email_normalized']}|".encode() + d(A["salt_seed"]))
    assert ref.digest()[:16] == d(A["salt"])


def test_root_auth_kek(secrets: s.AccountSecrets) -> None:
    assert secrets.root == d(A["root"])
    assert secrets.auth_key == d(A["auth_key"])
    assert secrets.kek == d(A["kek"])
    assert s.hkdf32(secrets.root, "valitila/v1/auth") == d(A["auth_key"])
    assert s.hkdf32(secrets.root, "valitila/v1/kek", b"") == d(A["kek"])


def test_wrapped_ak(secrets: s.AccountSecrets) -> None:
    aad = f"valitila/v1/ak|{A['uid']}"
    assert s.box(secrets.kek, d(A["ak"]), aad, d(A["wrapped_ak"]["iv"])) == A["wrapped_ak"]
    assert s.unbox(secrets.kek, A["wrapped_ak"], aad) == d(A["ak"])
    wrong_aad = f"valitila/v1/ak|{SUP['uid']}"
    assert code_of(s.unbox, secrets.kek, A["wrapped_ak"], wrong_aad) == "decrypt_failed"


def test_identity_keys_and_bundle() -> None:
    assert s.pkcs8(X) == d(A["x25519_private_pkcs8"])
    assert s.pkcs8(ED) == d(A["ed25519_private_pkcs8"])
    assert b64u_encode(raw_pub(X)) == A["bundle"]["x25519"]
    assert b64u_encode(raw_pub(ED)) == A["bundle"]["ed25519"]
    assert s.make_bundle(A["uid"], ED, raw_pub(X), raw_pub(ED)) == A["bundle"]
    assert s.bundle_message(A["bundle"]) == (
        f"valitila/v1/bundle|{A['uid']}|1|{A['bundle']['x25519']}|{A['bundle']['ed25519']}".encode())
    assert s.verify_bundle(A["bundle"], A["uid"]) == A["bundle"]
    assert s.verify_bundle(SUP["bundle"], SUP["uid"]) == SUP["bundle"]
    assert b64u_encode(raw_pub(SUP_X)) == SUP["bundle"]["x25519"]
    ak = d(A["ak"])
    for name, key in (("x25519", X), ("ed25519", ED)):
        aad = f"valitila/v1/{name}|{A['uid']}"
        w = A[f"wrapped_{name}"]
        assert s.box(ak, s.pkcs8(key), aad, d(w["iv"])) == w
        assert s.unbox(ak, w, aad) == d(A[f"{name}_private_pkcs8"])


def test_fingerprints_and_safety_numbers() -> None:
    for person in (A, SUP):
        fp = s.fingerprint(person["bundle"])
        assert fp == d(person["fingerprint"])
        assert s.safety_code(fp) == person["safety_code"]
        b = person["bundle"]
        assert fp == hashlib.sha256(b"valitila/v1/fp|" + d(b["ed25519"]) + d(b["x25519"])).digest()
    assert s.fp16(A["bundle"]) == A["fp16"]
    assert s.fp16(SUP["bundle"]) == ROSTER["members"][1]["fp"]
    assert s.safety_number(A["safety_code"], SUP["safety_code"]) == V["safety_number"]
    assert s.safety_number(SUP["safety_code"], A["safety_code"]) == V["safety_number"]


def test_recovery_vectors() -> None:
    rk = d(A["recovery_key"])
    assert s.format_recovery_key(rk) == A["recovery_display"]
    assert s.parse_recovery_key(A["recovery_display"]) == rk
    messy = " " + A["recovery_display"].lower().replace("-", " ", 5).replace("-", "‐", 2) + "\n"
    assert s.parse_recovery_key(messy) == rk
    assert s.parse_recovery_key(A["recovery_display"].replace("-", "")) == rk
    kek, auth = s.derive_recovery_secrets(rk)
    assert kek == d(A["recovery_kek"]) and auth == d(A["recovery_auth_key"])
    rec, rk2, display = s.new_recovery(A["uid"], d(A["ak"]), rk, d(A["recovery_wrapped_ak"]["iv"]))
    assert rec == {"wrapped_ak": A["recovery_wrapped_ak"], "auth_key": A["recovery_auth_key"]}
    assert (rk2, display) == (rk, A["recovery_display"])
    assert s.recover_ak(A["uid"], rk, A["recovery_wrapped_ak"]) == d(A["ak"])


def test_create_account_reproduces_vectors() -> None:
    acc = s.create_account(A["uid"], A["email"], A["password"], A["kdf"], fixed=FIXED)
    assert acc.registration == {
        "uid": A["uid"], "salt_seed": A["salt_seed"], "kdf": A["kdf"], "auth_key": A["auth_key"],
        "wrapped_ak": A["wrapped_ak"],
        "recovery": {"wrapped_ak": A["recovery_wrapped_ak"], "auth_key": A["recovery_auth_key"]},
        "bundle": A["bundle"], "wrapped_x25519": A["wrapped_x25519"],
        "wrapped_ed25519": A["wrapped_ed25519"],
    }
    assert list(acc.registration["bundle"]) == ["uid", "v", "x25519", "ed25519", "sig"]
    assert acc.ak == d(A["ak"]) and acc.recovery_key == d(A["recovery_key"])
    assert acc.recovery_display == A["recovery_display"]
    assert s.pkcs8(acc.x25519_private) == d(A["x25519_private_pkcs8"])
    assert s.pkcs8(acc.ed25519_private) == d(A["ed25519_private_pkcs8"])
    with pytest.raises(ValueError, match="unknown fixed"):
        s.create_account(A["uid"], A["email"], A["password"], fixed={"iv_ak": bytes(12)})


def test_unlock_vector_account() -> None:
    u = s.unlock_account(A["email"], A["password"], LOGIN_KEYS)
    assert (u.uid, u.ak, u.auth_key) == (A["uid"], d(A["ak"]), d(A["auth_key"]))
    assert s.pkcs8(u.x25519_private) == d(A["x25519_private_pkcs8"])
    assert s.pkcs8(u.ed25519_private) == d(A["ed25519_private_pkcs8"])


# --- vectors: item, envelopes, roster -----------------------------------------------------------

def test_header() -> None:
    header = s.make_header(ITEM["kind"], ITEM["id"], ITEM["rev"], A["uid"])
    assert header == ITEM["header_json"]
    assert list(json.loads(header)) == list(s.HEADER_KEYS)
    assert b64u_encode(header.encode()) == ITEM["sealed"]["h"]
    assert s.parse_header(ITEM["sealed"]["h"]) == json.loads(ITEM["header_json"])


def test_padding_matches_vector_plaintext() -> None:
    pt = s.pad_payload(ITEM["payload"])
    assert len(pt) == ITEM["padded_plaintext_length"] == 256
    sealed = ITEM["sealed"]
    vector_pt = AESGCM(DEK).decrypt(d(sealed["iv"]), d(sealed["ct"]), sealed["h"].encode())
    assert pt == vector_pt  # fixes the exact JSON serialisation
    assert json.loads(vector_pt) == ITEM["payload"]


def test_seal_item_reproduces_vector() -> None:
    out = s.seal_item(ITEM["id"], ITEM["kind"], ITEM["rev"], A["uid"], ITEM["payload"], DEK, ED,
                      d(ITEM["sealed"]["iv"]))
    assert out == {"sealed": ITEM["sealed"], "sig": ITEM["sig"],
                   "content_hash": ITEM["content_hash"]}
    sealed = ITEM["sealed"]
    ch = hashlib.sha256(sealed["h"].encode() + d(sealed["iv"]) + d(sealed["ct"])).digest()
    assert s.content_hash(sealed) == ch == d(ITEM["content_hash"])
    assert s.verify_item(sealed, ITEM["sig"], **VERIFY_KW) is None


def test_owner_envelope_vector() -> None:
    env = s.owner_envelope(d(A["ak"]), DEK, ITEM["id"], A["uid"], d(OWNER_ENV["iv"]))
    assert env == OWNER_ENV
    assert s.check_envelope_shape(env) == env
    assert s.open_owner_envelope(d(A["ak"]), env, ITEM["id"], A["uid"]) == DEK


def test_share_envelope_vector() -> None:
    es = ITEM["envelope_share"]
    eph = X25519PrivateKey.from_private_bytes(d(es["eph_private"]))
    x_r = d(SUP["bundle"]["x25519"])
    shared = eph.exchange(X25519PublicKey.from_public_bytes(x_r))
    assert shared == d(es["shared_secret"])
    assert b64u_encode(raw_pub(eph)) == es["epk"]
    wk = s.share_wrap_key(shared, raw_pub(eph), x_r, ITEM["id"], SUP["uid"])
    assert wk == d(es["wrap_key"])
    info = f"valitila/v1/share|{ITEM['id']}|{SUP['uid']}"
    assert wk == s.hkdf32(shared, info, raw_pub(eph) + x_r)
    for eph_arg in (d(es["eph_private"]), eph):
        env = s.share_envelope(DEK, ITEM["id"], SUP["uid"], x_r, eph_arg, d(es["iv"]))
        assert env == SHARE_ENV
    assert s.check_envelope_shape(SHARE_ENV) == SHARE_ENV
    assert s.open_share_envelope(SUP_X, SHARE_ENV, ITEM["id"], SUP["uid"]) == DEK


def test_open_item_via_both_envelopes() -> None:
    author_ed = d(A["bundle"]["ed25519"])
    dek_owner = s.open_owner_envelope(d(A["ak"]), OWNER_ENV, ITEM["id"], A["uid"])
    dek_share = s.open_share_envelope(SUP_X, SHARE_ENV, ITEM["id"], SUP["uid"])
    for dek in (dek_owner, dek_share):
        assert s.open_item(ITEM_OBJ, dek, author_ed) == ITEM["payload"]


def test_roster_and_accept() -> None:
    msg = s.roster_message(ROSTER["process"], ROSTER["epoch"], ROSTER["members"])
    assert msg == ROSTER["message"]
    pairs = [(m["uid"], m["fp"]) for m in reversed(ROSTER["members"])]
    assert s.roster_message(ROSTER["process"], ROSTER["epoch"], pairs) == ROSTER["message"]
    sup_ed = SUP["bundle"]["ed25519"]
    assert s.verify_roster(ROSTER["message"], ROSTER["sig_by_supervisor"], sup_ed) is True
    assert s.verify_roster(ROSTER["message"], ROSTER["sig_by_supervisor"],
                           A["bundle"]["ed25519"]) is False
    bumped = ROSTER["message"].replace("|2|", "|3|")
    assert s.verify_roster(bumped, ROSTER["sig_by_supervisor"], sup_ed) is False
    assert s.verify_roster("not a roster", ROSTER["sig_by_supervisor"], sup_ed) is False
    assert code_of(s.verify_roster, ROSTER["message"], ROSTER["sig_by_supervisor"] + "==",
                   sup_ed) == "bad_base64"
    assert code_of(s.verify_roster, ROSTER["message"], b64u_encode(bytes(63)),
                   sup_ed) == "bad_length"
    accept = s.accept_message(ITEM["id"], ITEM["rev"], ITEM["content_hash"])
    assert accept == f"valitila/v1/accept|{ITEM['id']}|1|{ITEM['content_hash']}"
    sig = s.sign_text(ED, accept)
    assert s.verify_text(accept, sig, A["bundle"]["ed25519"])
    assert not s.verify_text(accept + "x", sig, A["bundle"]["ed25519"])
    assert code_of(s.accept_message, ITEM["id"], 0, ITEM["content_hash"]) == "bad_header"
    assert code_of(s.accept_message, ITEM["id"], 1, b64u_encode(bytes(31))) == "bad_length"
    assert code_of(s.accept_message, "x", 1, ITEM["content_hash"]) == "bad_uid"


@pytest.mark.parametrize("epoch,members,code", [
    (-1, ROSTER["members"], "bad_roster"),
    (True, ROSTER["members"], "bad_roster"),
    (2, ROSTER["members"] * 2, "bad_roster"),
    (2, [{"uid": "X", "fp": ROSTER["members"][0]["fp"]}], "bad_uid"),
    (2, [{"uid": ROSTER["members"][0]["uid"], "fp": "shor"}], "bad_length"),
    (2, [{"uid": ROSTER["members"][0]["uid"], "fp": "a+b="}], "bad_base64"),
])
def test_roster_rejects(epoch: Any, members: Any, code: str) -> None:
    assert code_of(s.roster_message, ROSTER["process"], epoch, members) == code


# --- base64url, ids -----------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [
    "AA==", "AAA=", "A+8", "A/8", " AAA", "AAA ", "AAA\n", "AA\tA", "A", "AAAAA",
    "AB", "AAB", "_-_-_", "٣٣", "ＡＡ", None, 12, b"AAAA", ["AA"],
])
def test_b64u_strict_rejects(bad: Any) -> None:
    assert code_of(b64u_decode, bad) == "bad_base64"


def test_b64u_lengths() -> None:
    assert b64u_decode("") == b""
    assert b64u_decode("AAE", 2) == b"\x00\x01"
    assert code_of(b64u_decode, "AAE", 3) == "bad_length"
    assert code_of(b64u_decode, A["ak"], 16, field="ak") == "bad_length"
    with pytest.raises(ProtocolError, match="ak"):
        b64u_decode(A["ak"], 16, field="ak")
    assert b64u_encode(b"\xfb\xff") == "-_8"


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_b64u_round_trip(data: bytes) -> None:
    enc = b64u_encode(data)
    assert "=" not in enc and enc == base64.urlsafe_b64encode(data).decode().rstrip("=")
    assert b64u_decode(enc) == data
    assert b64u_decode(enc, len(data)) == data


@settings(max_examples=500)
@given(st.one_of(st.text(max_size=40), st.text(alphabet="AQgw-_+/=9 \n", max_size=12)))
def test_b64u_decode_only_raises_protocol_error(text: str) -> None:
    try:
        out = b64u_decode(text)
    except ProtocolError as e:
        assert e.code == "bad_base64"
    else:
        assert b64u_encode(out) == text


def test_is_uuid4() -> None:
    assert s.is_uuid4(A["uid"]) and s.is_uuid4(new_uid())
    for bad in (A["uid"].upper(), "3f0c1a52-6a43-1b7e-9d0a-0d6f1c1e2a11",
                "3f0c1a52-6a43-4b7e-cd0a-0d6f1c1e2a11", A["uid"].replace("-", ""),
                "{" + A["uid"] + "}", A["uid"] + "\n", None, 5, uuid.UUID(A["uid"])):
        assert not s.is_uuid4(bad), bad


# --- KDF ----------------------------------------------------------------------------------------

def test_check_kdf_accepts_floor_and_stronger() -> None:
    assert s.check_kdf(dict(s.KDF_FLOOR)) == s.KDF_FLOOR
    stronger = {"p": 2, "t": 4, "m": 131072, "alg": "argon2id"}
    assert s.check_kdf(stronger) == stronger


@pytest.mark.parametrize("kdf,code", [
    ({**s.KDF_FLOOR, "m": 65535}, "weak_kdf"),
    ({**s.KDF_FLOOR, "t": 2}, "weak_kdf"),
    ({**s.KDF_FLOOR, "p": 0}, "weak_kdf"),
    ({**s.KDF_FLOOR, "alg": "argon2i"}, "weak_kdf"),
    ({**s.KDF_FLOOR, "alg": None}, "bad_kdf"),
    ({**s.KDF_FLOOR, "salt": "x"}, "bad_kdf"),
    ({"alg": "argon2id", "m": 65536, "t": 3}, "bad_kdf"),
    ({**s.KDF_FLOOR, "p": True}, "bad_kdf"),
    ({**s.KDF_FLOOR, "t": 3.0}, "bad_kdf"),
    ({**s.KDF_FLOOR, "m": "65536"}, "bad_kdf"),
    ({**s.KDF_FLOOR, "m": 2**40}, "bad_kdf"),
    ({**s.KDF_FLOOR, "t": 65}, "bad_kdf"),
    ({**s.KDF_FLOOR, "p": 17}, "bad_kdf"),
    ([("alg", "argon2id")], "bad_kdf"),
    (None, "bad_kdf"),
    ("argon2id", "bad_kdf"),
])
def test_check_kdf_rejects(kdf: Any, code: str) -> None:
    assert code_of(s.check_kdf, kdf) == code


def test_unlock_refuses_weak_kdf_before_deriving() -> None:
    keys = {**LOGIN_KEYS, "kdf": {**s.KDF_FLOOR, "m": 1024}}
    assert code_of(s.unlock_account, A["email"], A["password"], keys) == "weak_kdf"
    assert code_of(s.derive_root, "pw", bytes(16), {**s.KDF_FLOOR, "t": 1}) == "weak_kdf"


# --- bundles ------------------------------------------------------------------------------------

def _bundle(**changes: Any) -> dict[str, Any]:
    b = dict(A["bundle"])
    b.update(changes)
    return {k: v for k, v in b.items() if v is not None}


@pytest.mark.parametrize("bundle,code", [
    (_bundle(x25519=SUP["bundle"]["x25519"]), "bad_signature"),
    (_bundle(ed25519=SUP["bundle"]["ed25519"]), "bad_signature"),
    (_bundle(sig=SUP["bundle"]["sig"]), "bad_signature"),
    (_bundle(uid=SUP["uid"]), "uid_mismatch"),
    (_bundle(v=2), "bad_bundle"),
    (_bundle(v=True), "bad_bundle"),
    (_bundle(v="1"), "bad_bundle"),
    (_bundle(extra=1), "bad_bundle"),
    (_bundle(sig=None), "bad_bundle"),
    (_bundle(uid=A["uid"].upper()), "bad_uid"),
    (_bundle(sig=A["bundle"]["sig"][:-2]), "bad_length"),
    (_bundle(sig=A["bundle"]["sig"] + "=="), "bad_base64"),
    (_bundle(x25519=b64u_encode(bytes(31))), "bad_length"),
    (_bundle(ed25519=123), "bad_base64"),
    ([A["bundle"]], "bad_bundle"),
    (None, "bad_bundle"),
])
def test_verify_bundle_rejects(bundle: Any, code: str) -> None:
    assert code_of(s.verify_bundle, bundle, A["uid"]) == code


def test_forged_bundle_with_other_key() -> None:
    mallory = Ed25519PrivateKey.generate()
    forged = s.make_bundle(A["uid"], mallory, raw_pub(X), raw_pub(mallory))
    assert s.verify_bundle(forged) == forged  # self-consistent, but ...
    assert s.fingerprint(forged) != d(A["fingerprint"])  # ... pinning catches it
    resigned = {**A["bundle"], "sig": forged["sig"]}
    assert code_of(s.verify_bundle, resigned) == "bad_signature"
    assert code_of(s.make_bundle, A["uid"], mallory, raw_pub(X), raw_pub(ED)) == "key_mismatch"


# --- items --------------------------------------------------------------------------------------

def _h(obj: Any) -> str:
    text = obj if isinstance(obj, str) else json.dumps(obj, separators=(",", ":"))
    return b64u_encode(text.encode())


HDR = json.loads(ITEM["header_json"])
SEALED = ITEM["sealed"]
CT = d(SEALED["ct"])
FLIPPED_CT = b64u_encode(CT[:-1] + bytes([CT[-1] ^ 1]))
FLIPPED_SIG = b64u_encode(bytes([d(ITEM["sig"])[0] ^ 1]) + d(ITEM["sig"])[1:])


@pytest.mark.parametrize("sealed,sig,code", [
    (None, ITEM["sig"], "bad_sealed"),
    ([SEALED], ITEM["sig"], "bad_sealed"),
    ({**SEALED, "x": "y"}, ITEM["sig"], "bad_sealed"),
    ({k: SEALED[k] for k in ("h", "iv")}, ITEM["sig"], "bad_sealed"),
    ({**SEALED, "iv": 5}, ITEM["sig"], "bad_sealed"),
    ({**SEALED, "iv": b64u_encode(bytes(11))}, ITEM["sig"], "bad_length"),
    ({**SEALED, "iv": SEALED["iv"] + "=="}, ITEM["sig"], "bad_base64"),
    ({**SEALED, "ct": SEALED["ct"].replace("-", "+")}, ITEM["sig"], "bad_base64"),
    ({**SEALED, "ct": b64u_encode(CT[:-1])}, ITEM["sig"], "bad_length"),
    ({**SEALED, "ct": b64u_encode(CT + bytes(256))}, ITEM["sig"], "bad_signature"),
    ({**SEALED, "ct": b64u_encode(CT[:200])}, ITEM["sig"], "bad_length"),
    ({**SEALED, "ct": FLIPPED_CT}, ITEM["sig"], "bad_signature"),
    ({**SEALED, "iv": b64u_encode(bytes(12))}, ITEM["sig"], "bad_signature"),
    (SEALED, FLIPPED_SIG, "bad_signature"),
    (SEALED, ITEM["sig"][:-1], "bad_base64"),
    (SEALED, b64u_encode(bytes(63)), "bad_length"),
    (SEALED, None, "bad_base64"),
    ({**SEALED, "h": SEALED["h"] + "="}, ITEM["sig"], "bad_base64"),
    ({**SEALED, "h": _h(ITEM["header_json"].replace(',"rev"', ' ,"rev"'))}, ITEM["sig"],
     "bad_signature"),
    ({**SEALED, "h": _h({**HDR, "extra": 1})}, ITEM["sig"], "bad_header"),
    ({**SEALED, "h": _h({k: v for k, v in HDR.items() if k != "by"})}, ITEM["sig"], "bad_header"),
    ({**SEALED, "h": _h({**HDR, "v": 2})}, ITEM["sig"], "bad_header"),
    ({**SEALED, "h": _h({**HDR, "v": True})}, ITEM["sig"], "bad_header"),
    ({**SEALED, "h": _h({**HDR, "rev": "1"})}, ITEM["sig"], "bad_header"),
    ({**SEALED, "h": _h({**HDR, "rev": 1.0})}, ITEM["sig"], "bad_header"),
    ({**SEALED, "h": _h({**HDR, "rev": 0})}, ITEM["sig"], "bad_header"),
    ({**SEALED, "h": _h({**HDR, "kind": ""})}, ITEM["sig"], "bad_header"),
    ({**SEALED, "h": _h({**HDR, "id": HDR["id"].upper()})}, ITEM["sig"], "bad_header"),
    ({**SEALED, "h": _h(ITEM["header_json"][:-1] + ',"rev":2}')}, ITEM["sig"], "bad_header"),
    ({**SEALED, "h": _h("[1]")}, ITEM["sig"], "bad_header"),
    ({**SEALED, "h": _h("not json")}, ITEM["sig"], "bad_header"),
    ({**SEALED, "h": _h(ITEM["header_json"].replace("1,", "NaN,", 1))}, ITEM["sig"], "bad_header"),
    ({**SEALED, "h": b64u_encode(b"\xff\xfe")}, ITEM["sig"], "bad_header"),
    ({**SEALED, "h": _h({**HDR, "rev": 2})}, ITEM["sig"], "header_mismatch"),
    ({**SEALED, "h": _h({**HDR, "kind": "goal"})}, ITEM["sig"], "header_mismatch"),
    ({**SEALED, "h": _h({**HDR, "by": SUP["uid"]})}, ITEM["sig"], "header_mismatch"),
    ({**SEALED, "h": _h({**HDR, "id": new_uid()})}, ITEM["sig"], "header_mismatch"),
])
def test_verify_item_rejects(sealed: Any, sig: Any, code: str) -> None:
    assert code_of(s.verify_item, sealed, sig, **VERIFY_KW) == code


@pytest.mark.parametrize("field,value,code", [
    ("item_id", "0f8e7d6c-5b4a-4938-8271-6a5b4c3d2e1f", "header_mismatch"),
    ("kind", "goal", "header_mismatch"),
    ("rev", 2, "header_mismatch"),
    ("by", SUP["uid"], "header_mismatch"),
    ("ed25519_public_raw", d(SUP["bundle"]["ed25519"]), "bad_signature"),
    ("ed25519_public_raw", bytes(31), "bad_key"),
])
def test_verify_item_against_wrong_context(field: str, value: Any, code: str) -> None:
    assert code_of(s.verify_item, SEALED, ITEM["sig"], **{**VERIFY_KW, field: value}) == code


def test_header_key_order_is_free_when_signed() -> None:
    reordered = {k: HDR[k] for k in ("by", "rev", "id", "kind", "v")}
    h = _h(reordered)
    sealed = {"h": h, **s.box(DEK, s.pad_payload({"x": 1}), h)}
    sig = b64u_encode(ED.sign(b"valitila/v1/item|" + s.content_hash(sealed)))
    s.verify_item(sealed, sig, **VERIFY_KW)
    assert s.open_item({**ITEM_OBJ, "sealed": sealed, "sig": sig}, DEK, raw_pub(ED)) == {"x": 1}


def test_open_item_failures() -> None:
    author_ed = d(A["bundle"]["ed25519"])
    assert code_of(s.open_item, ITEM_OBJ, bytes(32), author_ed) == "decrypt_failed"
    assert code_of(s.open_item, {**ITEM_OBJ, "rev": 2}, DEK, author_ed) == "header_mismatch"
    assert code_of(s.open_item, {**ITEM_OBJ, "author": SUP["uid"]}, DEK,
                   author_ed) == "header_mismatch"
    assert code_of(s.open_item, ITEM_OBJ, DEK, d(SUP["bundle"]["ed25519"])) == "bad_signature"
    # validly sealed and signed, but the plaintext is no JSON object
    for pt in (b"[1, 2]".ljust(256), b"\xff".ljust(256), b"{".ljust(256), b"NaN".ljust(256)):
        sealed = {"h": SEALED["h"], **s.box(DEK, pt, SEALED["h"])}
        sig = b64u_encode(ED.sign(b"valitila/v1/item|" + s.content_hash(sealed)))
        item = {**ITEM_OBJ, "sealed": sealed, "sig": sig}
        assert code_of(s.open_item, item, DEK, author_ed) == "bad_payload"


def test_padding_sizes() -> None:
    assert len(s.pad_payload({})) == 256
    for n in (200, 240, 256, 300, 1000):
        pt = s.pad_payload({"b": "x" * n})
        assert len(pt) % 256 == 0 and len(pt) >= 256
        assert len(pt) - len(pt.rstrip(b" ")) < 256
        assert json.loads(pt) == {"b": "x" * n}
    exact = {"b": "x" * (256 - len('{"b": ""}'))}
    assert len(s.pad_payload(exact)) == 256
    assert len(s.pad_payload({"b": exact["b"] + "x"})) == 512
    assert s.pad_payload({"t": "ä€𝄞"}).startswith('{"t": "ä€𝄞"}'.encode())


@pytest.mark.parametrize("payload", [
    [1], "x", None, {"x": float("nan")}, {"x": {1, 2}}, {"x": "\ud800"}, {"x": b"1"},
])
def test_pad_payload_rejects(payload: Any) -> None:
    assert code_of(s.pad_payload, payload) == "bad_payload"


@pytest.mark.parametrize("args", [
    ("entry", "not-a-uuid", 1, A["uid"]),
    ("entry", ITEM["id"], 0, A["uid"]),
    ("entry", ITEM["id"], True, A["uid"]),
    ("entry", ITEM["id"], 2**53, A["uid"]),
    ("", ITEM["id"], 1, A["uid"]),
    (None, ITEM["id"], 1, A["uid"]),
    ("entry", ITEM["id"], 1, A["uid"].upper()),
])
def test_make_header_rejects(args: tuple[Any, ...]) -> None:
    assert code_of(s.make_header, *args) == "bad_header"


def test_edit_keeps_dek_and_reseals(fresh: tuple[s.NewAccount, str, str]) -> None:
    acc = fresh[0]
    uid, item_id, dek = acc.registration["uid"], new_uid(), os.urandom(32)
    v1 = s.seal_item(item_id, "entry", 1, uid, {"title": "a"}, dek, acc.ed25519_private)
    v2 = s.seal_item(item_id, "entry", 2, uid, {"title": "b"}, dek, acc.ed25519_private)
    assert v1["sealed"]["iv"] != v2["sealed"]["iv"]
    pub = raw_pub(acc.ed25519_private)
    s.verify_item(v2["sealed"], v2["sig"], item_id=item_id, kind="entry", rev=2, by=uid,
                  ed25519_public_raw=pub)
    # replaying rev 1 as rev 2 fails
    assert code_of(s.verify_item, v1["sealed"], v1["sig"], item_id=item_id, kind="entry", rev=2,
                   by=uid, ed25519_public_raw=pub) == "header_mismatch"
    item = {"id": item_id, "kind": "entry", "rev": 2, "author": uid, **v2}
    assert s.open_item(item, dek, pub) == {"title": "b"}


# --- envelopes ----------------------------------------------------------------------------------

def _env(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    e = dict(base)
    e.update(changes)
    return {k: v for k, v in e.items() if v is not None}


@pytest.mark.parametrize("env,code", [
    (None, "bad_envelope"),
    ([OWNER_ENV], "bad_envelope"),
    (_env(OWNER_ENV, type="rsa"), "bad_envelope"),
    (_env(OWNER_ENV, type=None), "bad_envelope"),
    (_env(OWNER_ENV, epk=SHARE_ENV["epk"]), "bad_envelope"),
    (_env(OWNER_ENV, expires_at="2030-01-01"), "bad_envelope"),
    (_env(OWNER_ENV, recipient=None), "bad_envelope"),
    (_env(SHARE_ENV, epk=None), "bad_envelope"),
    (_env(SHARE_ENV, type="ak"), "bad_envelope"),
    (_env(OWNER_ENV, type="x25519"), "bad_envelope"),
    (_env(OWNER_ENV, recipient="bob"), "bad_uid"),
    (_env(OWNER_ENV, recipient=7), "bad_uid"),
    (_env(OWNER_ENV, recipient=A["uid"].upper()), "bad_uid"),
    (_env(OWNER_ENV, iv=b64u_encode(bytes(16))), "bad_length"),
    (_env(OWNER_ENV, iv=OWNER_ENV["iv"] + "="), "bad_base64"),
    (_env(OWNER_ENV, iv=3), "bad_base64"),
    (_env(OWNER_ENV, ct=b64u_encode(bytes(47))), "bad_length"),
    (_env(OWNER_ENV, ct=b64u_encode(bytes(49))), "bad_length"),
    (_env(OWNER_ENV, ct=b64u_encode(bytes(32))), "bad_length"),
    (_env(OWNER_ENV, ct=OWNER_ENV["ct"].replace("-", "+")), "bad_base64"),
    (_env(SHARE_ENV, epk=b64u_encode(bytes(31))), "bad_length"),
    (_env(SHARE_ENV, epk=None, extra=SHARE_ENV["epk"]), "bad_envelope"),
    (_env(SHARE_ENV, ct=b64u_encode(bytes(64))), "bad_length"),
])
def test_check_envelope_shape_rejects(env: Any, code: str) -> None:
    assert code_of(s.check_envelope_shape, env) == code


def test_check_envelope_shape_accepts_and_copies() -> None:
    for env in (OWNER_ENV, SHARE_ENV):
        clean = s.check_envelope_shape(env)
        assert clean == env and clean is not env


def test_envelope_opening_failures() -> None:
    ak = d(A["ak"])
    assert code_of(s.open_owner_envelope, ak, OWNER_ENV, ITEM["id"], SUP["uid"]) == \
        "recipient_mismatch"
    assert code_of(s.open_owner_envelope, ak, OWNER_ENV, new_uid(), A["uid"]) == "decrypt_failed"
    assert code_of(s.open_owner_envelope, bytes(32), OWNER_ENV, ITEM["id"], A["uid"]) == \
        "decrypt_failed"
    assert code_of(s.open_owner_envelope, ak, SHARE_ENV, ITEM["id"], SUP["uid"]) == "bad_envelope"
    assert code_of(s.open_share_envelope, SUP_X, OWNER_ENV, ITEM["id"], A["uid"]) == "bad_envelope"
    assert code_of(s.open_share_envelope, X, SHARE_ENV, ITEM["id"], SUP["uid"]) == \
        "decrypt_failed"
    assert code_of(s.open_share_envelope, SUP_X, SHARE_ENV, ITEM["id"], A["uid"]) == \
        "recipient_mismatch"
    assert code_of(s.open_share_envelope, SUP_X, SHARE_ENV, new_uid(), SUP["uid"]) == \
        "decrypt_failed"
    redirected = {**SHARE_ENV, "epk": b64u_encode(raw_pub(X25519PrivateKey.generate()))}
    assert code_of(s.open_share_envelope, SUP_X, redirected, ITEM["id"], SUP["uid"]) == \
        "decrypt_failed"
    # all-zero (low-order) public key: the key agreement itself must fail
    assert code_of(s.share_envelope, DEK, ITEM["id"], SUP["uid"], bytes(32)) == "bad_key"
    assert code_of(s.share_envelope, DEK, ITEM["id"], SUP["uid"], bytes(31)) == "bad_key"
    assert code_of(s.owner_envelope, ak, DEK[:16], ITEM["id"], A["uid"]) == "bad_key"
    assert code_of(s.owner_envelope, ak, DEK, ITEM["id"], "me") == "bad_uid"


def test_fresh_share_envelopes_are_random() -> None:
    x_r = d(SUP["bundle"]["x25519"])
    e1 = s.share_envelope(DEK, ITEM["id"], SUP["uid"], x_r)
    e2 = s.share_envelope(DEK, ITEM["id"], SUP["uid"], x_r)
    assert e1["epk"] != e2["epk"] and e1["iv"] != e2["iv"]
    for e in (e1, e2):
        assert s.open_share_envelope(SUP_X, e, ITEM["id"], SUP["uid"]) == DEK


# --- boxes and recovery keys --------------------------------------------------------------------

def test_unbox_rejects() -> None:
    b = s.box(DEK, b"hello", "aad")
    assert s.unbox(DEK, b, "aad") == b"hello"
    assert code_of(s.unbox, DEK, {"iv": b["iv"]}, "aad") == "bad_box"
    assert code_of(s.unbox, DEK, None, "aad") == "bad_box"
    assert code_of(s.unbox, DEK, {**b, "iv": b64u_encode(bytes(16))}, "aad") == "bad_length"
    assert code_of(s.unbox, DEK, {**b, "ct": b64u_encode(bytes(15))}, "aad") == "bad_length"
    assert code_of(s.unbox, DEK, b, "aad2") == "decrypt_failed"
    assert code_of(s.unbox, DEK[:16], b, "aad") == "bad_key"
    assert code_of(s.box, DEK, b"x", "aad", bytes(8)) == "bad_length"
    assert s.box(DEK, b"x", "a")["iv"] != s.box(DEK, b"x", "a")["iv"]


@pytest.mark.parametrize("bad", [
    A["recovery_display"][:-1],
    A["recovery_display"] + "A",
    A["recovery_display"].replace("E", "0", 1),
    A["recovery_display"].replace("E", "1", 1),
    A["recovery_display"][:-1] + "R",  # non-zero trailing bits
    "",
    None,
    b"EJGV",
])
def test_parse_recovery_key_rejects(bad: Any) -> None:
    assert code_of(s.parse_recovery_key, bad) == "bad_recovery_key"


def test_recovery_round_trip_random() -> None:
    uid, ak = new_uid(), os.urandom(32)
    rec, rk, display = s.new_recovery(uid, ak)
    assert set(rec) == {"wrapped_ak", "auth_key"} and len(display) == 64
    assert s.parse_recovery_key(display) == rk
    assert d(rec["auth_key"], 32) == s.derive_recovery_secrets(rk)[1]
    assert s.recover_ak(uid, s.parse_recovery_key(display.lower()), rec["wrapped_ak"]) == ak
    assert code_of(s.recover_ak, new_uid(), rk, rec["wrapped_ak"]) == "decrypt_failed"
    assert code_of(s.recover_ak, uid, os.urandom(32), rec["wrapped_ak"]) == "decrypt_failed"


# --- whole-account round trips ------------------------------------------------------------------

def test_create_then_unlock(fresh: tuple[s.NewAccount, str, str]) -> None:
    acc, email, pw = fresh
    reg = acc.registration
    assert set(reg) == {"uid", "salt_seed", "kdf", "auth_key", "wrapped_ak", "recovery", "bundle",
                        "wrapped_x25519", "wrapped_ed25519"}
    assert set(reg["recovery"]) == {"wrapped_ak", "auth_key"}
    assert json.loads(json.dumps(reg)) == reg  # JSON-ready
    assert reg["kdf"] == s.KDF_FLOOR and reg["kdf"] is not s.KDF_FLOOR
    s.verify_bundle(reg["bundle"], reg["uid"])
    for box_ in (reg["wrapped_ak"], reg["wrapped_x25519"], reg["wrapped_ed25519"],
                 reg["recovery"]["wrapped_ak"]):
        assert set(box_) == {"iv", "ct"}
        d(box_["iv"], 12)
    d(reg["salt_seed"], 16)
    d(reg["auth_key"], 32)
    assert s.parse_recovery_key(acc.recovery_display) == acc.recovery_key
    assert s.recover_ak(reg["uid"], acc.recovery_key, reg["recovery"]["wrapped_ak"]) == acc.ak
    keys = {k: reg[k] for k in ("uid", "salt_seed", "kdf", "wrapped_ak", "wrapped_x25519",
                                "wrapped_ed25519", "bundle")}
    u = s.unlock_account(email.strip().upper(), pw, keys)  # email normalisation applies
    assert (u.uid, u.ak, b64u_encode(u.auth_key)) == (reg["uid"], acc.ak, reg["auth_key"])
    assert raw_pub(u.x25519_private) == raw_pub(acc.x25519_private)
    assert raw_pub(u.ed25519_private) == raw_pub(acc.ed25519_private)
    # the new account can read what the vector author shares with it
    env = s.share_envelope(DEK, ITEM["id"], u.uid, d(reg["bundle"]["x25519"]))
    assert s.open_share_envelope(u.x25519_private, env, ITEM["id"], u.uid) == DEK


def test_unlock_failures(fresh: tuple[s.NewAccount, str, str]) -> None:
    acc, email, pw = fresh
    reg = acc.registration
    keys = {k: reg[k] for k in ("uid", "salt_seed", "kdf", "wrapped_ak", "wrapped_x25519",
                                "wrapped_ed25519", "bundle")}
    assert code_of(s.unlock_account, email, pw + "!", keys) == "decrypt_failed"
    # a server that swaps in someone else's bundle, or drops fields, is caught
    other = Ed25519PrivateKey.generate()
    swapped = s.make_bundle(reg["uid"], other, raw_pub(X), raw_pub(other))
    assert code_of(s.unlock_account, email, pw, {**keys, "bundle": swapped}) == "key_mismatch"
    assert code_of(s.unlock_account, email, pw, {**keys, "bundle": A["bundle"]}) == "uid_mismatch"
    assert code_of(s.unlock_account, email, pw, {**keys, "uid": "x"}) == "bad_uid"
    assert code_of(s.unlock_account, email, pw,
                   {k: v for k, v in keys.items() if k != "bundle"}) == "bad_keys"
    assert code_of(s.unlock_account, email, pw, None) == "bad_keys"


def test_new_password_round_trip(fresh: tuple[s.NewAccount, str, str]) -> None:
    acc, email, old_pw = fresh
    reg = acc.registration
    new = s.new_password_secrets(reg["uid"], email, "uusi salasana", acc.ak)
    assert set(new) == {"salt_seed", "kdf", "auth_key", "wrapped_ak"}
    assert new["salt_seed"] != reg["salt_seed"] and new["auth_key"] != reg["auth_key"]
    keys = {**{k: reg[k] for k in ("uid", "wrapped_x25519", "wrapped_ed25519", "bundle")},
            **{k: new[k] for k in ("salt_seed", "kdf", "wrapped_ak")}}
    u = s.unlock_account(email, "uusi salasana", keys)
    assert u.ak == acc.ak and b64u_encode(u.auth_key) == new["auth_key"]
    assert code_of(s.new_password_secrets, reg["uid"], email, "x", acc.ak,
                   {**s.KDF_FLOOR, "m": 8}) == "weak_kdf"
    assert code_of(s.new_password_secrets, reg["uid"], email, "x", acc.ak[:31]) == "bad_key"


def test_module_is_pure() -> None:
    """Imported on its own, the protocol package must not pull in Flask (or anything of the app)."""
    code = ("import sys\n"
            "import protocol\n"
            "assert not [m for m in sys.modules if m.startswith(('flask', 'webapp'))]\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    assert s.KDF_FLOOR == {"alg": "argon2id", "m": 65536, "t": 3, "p": 1}
