"""Välitila protocol v1 in Python (see shared/protocol/PROTOCOL.md, which is normative).

Three users: the server (validates shapes and signatures it can check without reading
content), demo-data seeding (a full client whose output the browser must open) and the
tests (a second client written from PROTOCOL.md alone). Pure: no Flask, no I/O.

Every binary field is strict base64url without padding (:func:`b64u_decode`). Every
failure on untrusted input raises :class:`ProtocolError` with a short snake_case ``code``:
``bad_base64``, ``bad_length``, ``bad_kdf``, ``weak_kdf``, ``bad_uid``, ``bad_bundle``,
``uid_mismatch``, ``bad_signature``, ``bad_key``, ``key_mismatch``, ``bad_box``,
``decrypt_failed``, ``bad_sealed``, ``bad_header``, ``header_mismatch``, ``bad_payload``,
``bad_envelope``, ``recipient_mismatch``, ``bad_recovery_key``, ``bad_roster``, ``bad_keys``,
``bad_email``, ``bad_password``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PAD_BLOCK = 256
TAG_LEN = 16
IV_LEN = 12
MAX_SAFE_INT = 2**53 - 1  # JS Number.MAX_SAFE_INTEGER: revs and epochs must survive JSON in JS
KDF_FLOOR: dict[str, Any] = {"alg": "argon2id", "m": 65536, "t": 3, "p": 1}
KDF_MAX = {"m": 2 * 1024 * 1024, "t": 64, "p": 16}  # m in KiB (2 GiB); as KDF_CEILING in kdf.js
HEADER_KEYS = ("v", "kind", "id", "rev", "by")
PAYLOAD_SEPARATORS = (", ", ": ")  # as in vectors.json item.sealed.ct; see pad_payload
BUNDLE_KEYS = frozenset({"uid", "v", "x25519", "ed25519", "sig"})
ENVELOPE_KEYS = {
    "ak": frozenset({"recipient", "type", "iv", "ct"}),
    "x25519": frozenset({"recipient", "type", "epk", "iv", "ct"}),
}
_B64U_RE = re.compile(r"[A-Za-z0-9_-]*")
_UUID4_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


class ProtocolError(ValueError):
    """Input that violates the protocol. ``code`` is a short, stable snake_case string."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or code)
        self.code = code


# --- encodings and small checks ---------------------------------------------------------------

def b64u_encode(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(bytes(data)).rstrip(b"=").decode("ascii")


def b64u_decode(s: str, length: int | None = None, *, field: str = "value") -> bytes:
    """Strict base64url decode: alphabet [A-Za-z0-9_-], no padding, canonical, exact length."""
    if not isinstance(s, str) or not _B64U_RE.fullmatch(s) or len(s) % 4 == 1:
        raise ProtocolError("bad_base64", f"{field}: not unpadded base64url")
    data = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    if b64u_encode(data) != s:
        raise ProtocolError("bad_base64", f"{field}: non-canonical base64url")
    if length is not None and len(data) != length:
        raise ProtocolError("bad_length", f"{field}: expected {length} bytes, got {len(data)}")
    return data


def is_uuid4(s: object) -> bool:
    """True only for a lowercase canonical UUIDv4 string."""
    return isinstance(s, str) and _UUID4_RE.fullmatch(s) is not None


def _uid(s: object, field: str = "uid") -> str:
    if not is_uuid4(s):
        raise ProtocolError("bad_uid", f"{field}: not a lowercase UUIDv4")
    return s  # type: ignore[return-value]


def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _key32(key: bytes, field: str = "key") -> bytes:
    if not isinstance(key, (bytes, bytearray)) or len(key) != 32:
        raise ProtocolError("bad_key", f"{field}: expected 32 bytes")
    return bytes(key)


def sha256(data: bytes) -> bytes:
    """SHA-256 digest."""
    return hashlib.sha256(data).digest()


# --- §1 account secrets -----------------------------------------------------------------------

def normalize_email(email: str) -> str:
    """NFKC, ``str.strip()`` (the browser emulates Python's whitespace set), lower case."""
    if not isinstance(email, str):
        raise ProtocolError("bad_email", "email must be a string")
    return unicodedata.normalize("NFKC", email).strip().lower()


def derive_salt(email_n: str, salt_seed: bytes) -> bytes:
    """salt = SHA256(utf8("valitila/v1/salt|" + email_n + "|") || salt_seed)[0:16]."""
    if len(salt_seed) != 16:
        raise ProtocolError("bad_length", "salt_seed: expected 16 bytes")
    return sha256(f"valitila/v1/salt|{email_n}|".encode() + bytes(salt_seed))[:16]


def check_kdf(kdf: object) -> dict[str, Any]:
    """Validate stored KDF parameters; refuse anything below :data:`KDF_FLOOR`."""
    if not isinstance(kdf, dict) or set(kdf) != set(KDF_FLOOR):
        raise ProtocolError("bad_kdf", "kdf must be an object with exactly alg, m, t, p")
    if kdf["alg"] != "argon2id":
        raise ProtocolError("weak_kdf" if isinstance(kdf["alg"], str) else "bad_kdf",
                            "kdf.alg must be argon2id")
    for k in ("m", "t", "p"):
        if not _is_int(kdf[k]):
            raise ProtocolError("bad_kdf", f"kdf.{k} must be an integer")
        if kdf[k] < KDF_FLOOR[k]:
            raise ProtocolError("weak_kdf", f"kdf.{k} below the floor {KDF_FLOOR[k]}")
        if kdf[k] > KDF_MAX[k]:
            raise ProtocolError("bad_kdf", f"kdf.{k} above the limit {KDF_MAX[k]}")
    return {"alg": "argon2id", "m": kdf["m"], "t": kdf["t"], "p": kdf["p"]}


def derive_root(password: str, salt: bytes, kdf: object) -> bytes:
    """root = Argon2id(utf8(NFKC(password)), salt, m, t, p) -> 32 bytes."""
    params = check_kdf(kdf)
    if not isinstance(password, str):
        raise ProtocolError("bad_password", "password must be a string")
    argon = Argon2id(salt=bytes(salt), length=32, iterations=params["t"], lanes=params["p"],
                     memory_cost=params["m"])
    return argon.derive(unicodedata.normalize("NFKC", password).encode())


def hkdf32(ikm: bytes, info: str, salt: bytes = b"") -> bytes:
    """HKDF-SHA256 with 32 bytes out; an empty salt is the RFC 5869 default."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=bytes(salt) or None,
                info=info.encode()).derive(bytes(ikm))


@dataclass(frozen=True)
class AccountSecrets:
    """Secrets derived from the password: root, auth_key (sent at login), kek (kept)."""
    root: bytes
    auth_key: bytes
    kek: bytes


def derive_account_secrets(email: str, password: str, salt_seed: bytes,
                           kdf: object) -> AccountSecrets:
    """Everything §1 derives from email, password, salt_seed and kdf (one Argon2id run)."""
    root = derive_root(password, derive_salt(normalize_email(email), salt_seed), kdf)
    return AccountSecrets(root, hkdf32(root, "valitila/v1/auth"), hkdf32(root, "valitila/v1/kek"))


# --- AEAD boxes -------------------------------------------------------------------------------

def box(key: bytes, data: bytes, aad: str, iv: bytes | None = None) -> dict[str, str]:
    """{"iv", "ct"} with AES-256-GCM; a fresh random IV unless one is given (test vectors)."""
    iv = os.urandom(IV_LEN) if iv is None else bytes(iv)
    if len(iv) != IV_LEN:
        raise ProtocolError("bad_length", "iv: expected 12 bytes")
    ct = AESGCM(_key32(key)).encrypt(iv, bytes(data), aad.encode())
    return {"iv": b64u_encode(iv), "ct": b64u_encode(ct)}


def unbox(key: bytes, box_dict: object, aad: str) -> bytes:
    """Open a box (extra keys, e.g. an envelope's, are ignored); ``decrypt_failed`` on a bad tag."""
    if not isinstance(box_dict, Mapping) or "iv" not in box_dict or "ct" not in box_dict:
        raise ProtocolError("bad_box", "box must be an object with iv and ct")
    iv = b64u_decode(box_dict["iv"], IV_LEN, field="iv")
    ct = b64u_decode(box_dict["ct"], field="ct")
    if len(ct) < TAG_LEN:
        raise ProtocolError("bad_length", "ct: shorter than the tag")
    try:
        return AESGCM(_key32(key)).decrypt(iv, ct, aad.encode())
    except InvalidTag:
        raise ProtocolError("decrypt_failed", "decryption failed (wrong key or tampered)") from None


# --- §2 identity keys, bundles, fingerprints --------------------------------------------------

def pkcs8(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    """PKCS#8 DER of a private key (what WebCrypto exports as "pkcs8")."""
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def raw_public(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    """The raw 32-byte public key of a private key."""
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_private(der: bytes, kind: type[X25519PrivateKey | Ed25519PrivateKey]) -> Any:
    """Load a PKCS#8 DER private key and insist on its type."""
    try:
        key = serialization.load_der_private_key(bytes(der), password=None)
    except (ValueError, TypeError):
        raise ProtocolError("bad_key", "not a PKCS#8 private key") from None
    if not isinstance(key, kind):
        raise ProtocolError("bad_key", f"expected a {kind.__name__}")
    return key


def bundle_message(bundle: Mapping[str, Any]) -> bytes:
    """utf8("valitila/v1/bundle|" + uid + "|" + v + "|" + x25519 + "|" + ed25519)."""
    parts = (bundle["uid"], bundle["v"], bundle["x25519"], bundle["ed25519"])
    return "|".join(["valitila/v1/bundle", *map(str, parts)]).encode()


def make_bundle(uid: str, ed_private: Ed25519PrivateKey, x_public_raw: bytes,
                ed_public_raw: bytes) -> dict[str, Any]:
    """The signed public bundle of ``uid``."""
    if raw_public(ed_private) != bytes(ed_public_raw):
        raise ProtocolError("key_mismatch", "ed25519 public key does not match the private key")
    b: dict[str, Any] = {"uid": _uid(uid), "v": 1, "x25519": b64u_encode(_key32(x_public_raw)),
                         "ed25519": b64u_encode(ed_public_raw)}
    b["sig"] = b64u_encode(ed_private.sign(bundle_message(b)))
    return b


def _verify_sig(pub_raw: bytes, sig: bytes, message: bytes) -> bool:
    pub = _key32(pub_raw, "ed25519 public key")
    try:
        Ed25519PublicKey.from_public_bytes(pub).verify(sig, message)
        return True
    except (InvalidSignature, ValueError):
        return False


def verify_bundle(bundle: object, uid: str | None = None) -> dict[str, Any]:
    """Check shape, encodings and self-signature of a bundle; return a clean copy."""
    if not isinstance(bundle, dict) or set(bundle) != BUNDLE_KEYS:
        raise ProtocolError("bad_bundle", "bundle must have exactly uid, v, x25519, ed25519, sig")
    if not _is_int(bundle["v"]) or bundle["v"] != 1:
        raise ProtocolError("bad_bundle", "bundle.v must be 1")
    _uid(bundle["uid"], "bundle.uid")
    if uid is not None and bundle["uid"] != uid:
        raise ProtocolError("uid_mismatch", "bundle belongs to another uid")
    b64u_decode(bundle["x25519"], 32, field="bundle.x25519")
    ed = b64u_decode(bundle["ed25519"], 32, field="bundle.ed25519")
    sig = b64u_decode(bundle["sig"], 64, field="bundle.sig")
    if not _verify_sig(ed, sig, bundle_message(bundle)):
        raise ProtocolError("bad_signature", "bundle signature is invalid")
    return {k: bundle[k] for k in ("uid", "v", "x25519", "ed25519", "sig")}


def fingerprint(bundle: Mapping[str, Any]) -> bytes:
    """fp = SHA256(utf8("valitila/v1/fp|") || ed25519_raw || x25519_raw)."""
    ed = b64u_decode(bundle["ed25519"], 32, field="ed25519")
    x = b64u_decode(bundle["x25519"], 32, field="x25519")
    return sha256(b"valitila/v1/fp|" + ed + x)


def fp16(bundle: Mapping[str, Any]) -> str:
    """b64u(fp[0:16]): the short fingerprint used in invite links and rosters."""
    return b64u_encode(fingerprint(bundle)[:16])


def safety_code(fp: bytes) -> str:
    """Six groups of five digits: int_be(fp[5i:5i+5]) mod 100000."""
    return " ".join(f"{int.from_bytes(fp[5 * i:5 * i + 5], 'big') % 100000:05d}" for i in range(6))


def safety_number(code_a: str, code_b: str) -> str:
    """The two safety codes sorted as strings, joined by a space."""
    return " ".join(sorted((code_a, code_b)))


# --- §3 recovery key --------------------------------------------------------------------------

def format_recovery_key(rk: bytes) -> str:
    """Upper-case unpadded base32 in groups of four joined by '-'."""
    s = base64.b32encode(_key32(rk, "recovery key")).decode().rstrip("=")
    return "-".join(s[i:i + 4] for i in range(0, len(s), 4))


def parse_recovery_key(s: str) -> bytes:
    """Inverse of :func:`format_recovery_key`, tolerant like the browser's parseRecoveryKey:
    NFKC, then whitespace, ``_`` and dashes (also Unicode dashes) removed, case ignored."""
    if not isinstance(s, str):
        raise ProtocolError("bad_recovery_key", "recovery key must be a string")
    t = re.sub(r"[\s\-_\u2010-\u2015\u2212]", "", unicodedata.normalize("NFKC", s)).upper()
    if len(t) != 52 or not re.fullmatch(r"[A-Z2-7]+", t):
        raise ProtocolError("bad_recovery_key", "recovery key must be 52 base32 characters")
    rk = base64.b32decode(t + "====")
    if base64.b32encode(rk).decode().rstrip("=") != t:
        raise ProtocolError("bad_recovery_key", "recovery key is not canonical")
    return rk


def derive_recovery_secrets(rk: bytes) -> tuple[bytes, bytes]:
    """(recovery_kek, recovery_auth_key)."""
    rk = _key32(rk, "recovery key")
    return hkdf32(rk, "valitila/v1/recovery-kek"), hkdf32(rk, "valitila/v1/recovery-auth")


def new_recovery(uid: str, ak: bytes, rk: bytes | None = None,
                 iv: bytes | None = None) -> tuple[dict[str, str], bytes, str]:
    """A fresh recovery key: ({wrapped_ak, auth_key}, rk, display)."""
    rk = os.urandom(32) if rk is None else rk
    rkek, rauth = derive_recovery_secrets(rk)
    rec = {"wrapped_ak": box(rkek, _key32(ak, "ak"), f"valitila/v1/ak-recovery|{_uid(uid)}", iv),
           "auth_key": b64u_encode(rauth)}
    return rec, rk, format_recovery_key(rk)  # type: ignore[return-value]


def recover_ak(uid: str, rk: bytes, wrapped_ak: object) -> bytes:
    """Unwrap AK with the recovery key (the server hands out ``recovery.wrapped_ak``)."""
    ak = unbox(derive_recovery_secrets(rk)[0], wrapped_ak, f"valitila/v1/ak-recovery|{_uid(uid)}")
    return _key32(ak, "ak")


# --- account creation and unlocking (a full client) -------------------------------------------

@dataclass(frozen=True)
class NewAccount:
    """Output of :func:`create_account`: what to POST and what the client keeps."""
    registration: dict[str, Any]
    ak: bytes
    x25519_private: X25519PrivateKey
    ed25519_private: Ed25519PrivateKey
    recovery_key: bytes
    recovery_display: str


@dataclass(frozen=True)
class UnlockedAccount:
    """Output of :func:`unlock_account`: the keys of a logged-in client."""
    uid: str
    ak: bytes
    x25519_private: X25519PrivateKey
    ed25519_private: Ed25519PrivateKey
    auth_key: bytes


FIXED_KEYS = frozenset({"salt_seed", "ak", "x25519_pkcs8", "ed25519_pkcs8", "recovery_key",
                        "iv_wrapped_ak", "iv_wrapped_x25519", "iv_wrapped_ed25519",
                        "iv_recovery_wrapped_ak"})


def new_password_secrets(uid: str, email: str, password: str, ak: bytes, kdf: object = KDF_FLOOR,
                         *, salt_seed: bytes | None = None,
                         iv: bytes | None = None) -> dict[str, Any]:
    """{salt_seed, kdf, auth_key, wrapped_ak} for a (new) password; AK itself is unchanged."""
    params, ak, aad = check_kdf(kdf), _key32(ak, "ak"), f"valitila/v1/ak|{_uid(uid)}"
    seed = os.urandom(16) if salt_seed is None else bytes(salt_seed)
    sec = derive_account_secrets(email, password, seed, params)
    return {"salt_seed": b64u_encode(seed), "kdf": params, "auth_key": b64u_encode(sec.auth_key),
            "wrapped_ak": box(sec.kek, ak, aad, iv)}


def create_account(uid: str, email: str, password: str, kdf: object = KDF_FLOOR, *,
                   fixed: dict[str, bytes] | None = None) -> NewAccount:
    """Make every secret of a new account and the §7 register fields (without email,
    display_name, locale, invite). ``fixed`` pins random inputs (keys of :data:`FIXED_KEYS`)."""
    f = dict(fixed or {})
    if set(f) - FIXED_KEYS:
        raise ValueError(f"unknown fixed inputs: {sorted(set(f) - FIXED_KEYS)}")
    _uid(uid)
    ak = _key32(f.get("ak") or os.urandom(32), "ak")
    x = (load_private(f["x25519_pkcs8"], X25519PrivateKey) if "x25519_pkcs8" in f
         else X25519PrivateKey.generate())
    ed = (load_private(f["ed25519_pkcs8"], Ed25519PrivateKey) if "ed25519_pkcs8" in f
          else Ed25519PrivateKey.generate())
    pw = new_password_secrets(uid, email, password, ak, kdf, salt_seed=f.get("salt_seed"),
                              iv=f.get("iv_wrapped_ak"))
    recovery, rk, display = new_recovery(uid, ak, f.get("recovery_key"),
                                         f.get("iv_recovery_wrapped_ak"))
    registration = {
        "uid": uid, **pw, "recovery": recovery,
        "bundle": make_bundle(uid, ed, raw_public(x), raw_public(ed)),
        "wrapped_x25519": box(ak, pkcs8(x), f"valitila/v1/x25519|{uid}",
                              f.get("iv_wrapped_x25519")),
        "wrapped_ed25519": box(ak, pkcs8(ed), f"valitila/v1/ed25519|{uid}",
                               f.get("iv_wrapped_ed25519")),
    }
    return NewAccount(registration, ak, x, ed, rk, display)


def unwrap_identity(uid: str, ak: bytes,
                    keys: Mapping[str, Any]) -> tuple[X25519PrivateKey, Ed25519PrivateKey]:
    """Unwrap both private keys with AK and check they match ``keys["bundle"]``."""
    x_der = unbox(ak, keys["wrapped_x25519"], f"valitila/v1/x25519|{uid}")
    ed_der = unbox(ak, keys["wrapped_ed25519"], f"valitila/v1/ed25519|{uid}")
    x, ed = load_private(x_der, X25519PrivateKey), load_private(ed_der, Ed25519PrivateKey)
    bundle = verify_bundle(keys["bundle"], uid)
    if (b64u_encode(raw_public(x)) != bundle["x25519"]
            or b64u_encode(raw_public(ed)) != bundle["ed25519"]):
        raise ProtocolError("key_mismatch", "wrapped private keys do not match the bundle")
    return x, ed


def unlock_account(email: str, password: str, keys: Mapping[str, Any]) -> UnlockedAccount:
    """Open the ``keys`` object of a login answer (§7). The KDF floor is checked first."""
    if not isinstance(keys, Mapping):
        raise ProtocolError("bad_keys", "keys must be an object")
    need = {"uid", "salt_seed", "kdf", "wrapped_ak", "wrapped_x25519", "wrapped_ed25519", "bundle"}
    if need - set(keys):
        raise ProtocolError("bad_keys", f"keys lacks {sorted(need - set(keys))}")
    params = check_kdf(keys["kdf"])
    uid = _uid(keys["uid"])
    seed = b64u_decode(keys["salt_seed"], 16, field="salt_seed")
    sec = derive_account_secrets(email, password, seed, params)
    ak = _key32(unbox(sec.kek, keys["wrapped_ak"], f"valitila/v1/ak|{uid}"), "ak")
    x, ed = unwrap_identity(uid, ak, keys)
    return UnlockedAccount(uid, ak, x, ed, sec.auth_key)


# --- §4 sealed items --------------------------------------------------------------------------

def make_header(kind: str, item_id: str, rev: int, by: str) -> str:
    """Header JSON with key order v, kind, id, rev, by and compact separators."""
    header = {"v": 1, "kind": kind, "id": item_id, "rev": rev, "by": by}
    _check_header(header)
    return json.dumps(header, ensure_ascii=False, separators=(",", ":"))


def _check_header(hd: object) -> dict[str, Any]:
    if not isinstance(hd, dict) or set(hd) != set(HEADER_KEYS):
        raise ProtocolError("bad_header", "header must have exactly v, kind, id, rev, by")
    ok = (_is_int(hd["v"]) and hd["v"] == 1 and isinstance(hd["kind"], str)
          and 0 < len(hd["kind"]) <= 64 and is_uuid4(hd["id"]) and is_uuid4(hd["by"])
          and _is_int(hd["rev"]) and 1 <= hd["rev"] <= MAX_SAFE_INT)
    if not ok:
        raise ProtocolError("bad_header", "header field of wrong type or value")
    return hd


def _no_constant(name: str) -> Any:
    raise ValueError(f"non-JSON constant {name}")


def _no_dupes(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) != len(pairs):
        raise ValueError("duplicate key")
    return d


def parse_header(h: str) -> dict[str, Any]:
    """Strictly decode ``sealed.h``: b64u of a UTF-8 JSON object with exactly the header keys."""
    raw = b64u_decode(h, field="sealed.h")
    if len(raw) > 1024:
        raise ProtocolError("bad_header", "header too long")
    try:
        hd = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_dupes,
                        parse_constant=_no_constant)
    except ValueError:
        raise ProtocolError("bad_header", "header is not a JSON object") from None
    return _check_header(hd)


def pad_payload(payload: dict[str, Any]) -> bytes:
    """utf8(JSON payload) padded with ASCII spaces to a multiple of 256 bytes (min 256).

    Serialisation is fixed by vectors.json (item.sealed.ct): non-ASCII unescaped and the
    separators ``", "`` and ``": "`` (Python's ``json.dumps`` default; NOT the compact form of
    JS ``JSON.stringify``). Readers only parse JSON, so any form opens anywhere; only
    byte-for-byte vector reproduction depends on it. Keep numbers integral: floats may be
    written differently by JS."""
    if not isinstance(payload, dict):
        raise ProtocolError("bad_payload", "payload must be an object")
    try:
        text = json.dumps(payload, ensure_ascii=False, separators=PAYLOAD_SEPARATORS,
                          allow_nan=False)
        pt = text.encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError):
        raise ProtocolError("bad_payload", "payload is not serialisable JSON") from None
    return pt.ljust(max(PAD_BLOCK, math.ceil(len(pt) / PAD_BLOCK) * PAD_BLOCK), b" ")


def content_hash(sealed: Mapping[str, str]) -> bytes:
    """SHA256(utf8(h) || iv || ct)."""
    iv = b64u_decode(sealed["iv"], IV_LEN, field="sealed.iv")
    return sha256(sealed["h"].encode() + iv + b64u_decode(sealed["ct"], field="sealed.ct"))


def _item_sig_message(ch: bytes) -> bytes:
    return b"valitila/v1/item|" + ch


def seal_item(item_id: str, kind: str, rev: int, by: str, payload: dict[str, Any], dek: bytes,
              ed_private: Ed25519PrivateKey, iv: bytes | None = None) -> dict[str, Any]:
    """{"sealed": {h, iv, ct}, "sig", "content_hash"} (sig and content_hash in b64u)."""
    h = b64u_encode(make_header(kind, item_id, rev, by).encode())
    sealed = {"h": h, **box(dek, pad_payload(payload), h, iv)}
    ch = content_hash(sealed)
    return {"sealed": sealed, "sig": b64u_encode(ed_private.sign(_item_sig_message(ch))),
            "content_hash": b64u_encode(ch)}


def verify_item(sealed: object, sig: object, *, item_id: str, kind: str, rev: int, by: str,
                ed25519_public_raw: bytes) -> None:
    """What the server can check without the DEK: shape, encodings, sizes, header, signature."""
    if (not isinstance(sealed, dict) or set(sealed) != {"h", "iv", "ct"}
            or not all(isinstance(v, str) for v in sealed.values())):
        raise ProtocolError("bad_sealed", "sealed must have exactly string h, iv, ct")
    b64u_decode(sealed["iv"], IV_LEN, field="sealed.iv")
    ct = b64u_decode(sealed["ct"], field="sealed.ct")
    if len(ct) < PAD_BLOCK + TAG_LEN or (len(ct) - TAG_LEN) % PAD_BLOCK:
        raise ProtocolError("bad_length", "sealed.ct is not a padded plaintext plus tag")
    sig_raw = b64u_decode(sig, 64, field="sig")  # type: ignore[arg-type]
    hd = parse_header(sealed["h"])
    if (hd["id"], hd["kind"], hd["rev"], hd["by"]) != (item_id, kind, rev, by):
        raise ProtocolError("header_mismatch", "header does not match id, kind, rev or author")
    if not _verify_sig(ed25519_public_raw, sig_raw, _item_sig_message(content_hash(sealed))):
        raise ProtocolError("bad_signature", "item signature is invalid")


def open_item(item: Mapping[str, Any], dek: bytes, author_ed25519_raw: bytes) -> dict[str, Any]:
    """Verify (as :func:`verify_item`) then decrypt and parse the payload."""
    verify_item(item["sealed"], item["sig"], item_id=item["id"], kind=item["kind"], rev=item["rev"],
                by=item["author"], ed25519_public_raw=author_ed25519_raw)
    pt = unbox(dek, item["sealed"], item["sealed"]["h"])
    try:
        payload = json.loads(pt.decode("utf-8"), parse_constant=_no_constant)
    except ValueError:
        raise ProtocolError("bad_payload", "payload is not UTF-8 JSON") from None
    if not isinstance(payload, dict):
        raise ProtocolError("bad_payload", "payload must be an object")
    return payload


# --- §5 envelopes -----------------------------------------------------------------------------

def check_envelope_shape(env: object) -> dict[str, str]:
    """Server-side envelope validation (no keys needed); returns a clean copy."""
    if not isinstance(env, dict) or env.get("type") not in ENVELOPE_KEYS:
        raise ProtocolError("bad_envelope", "envelope must be an object of type 'ak' or 'x25519'")
    if set(env) != ENVELOPE_KEYS[env["type"]]:
        raise ProtocolError("bad_envelope", f"wrong keys for a {env['type']} envelope")
    _uid(env["recipient"], "envelope.recipient")
    b64u_decode(env["iv"], IV_LEN, field="envelope.iv")
    b64u_decode(env["ct"], 32 + TAG_LEN, field="envelope.ct")
    if env["type"] == "x25519":
        b64u_decode(env["epk"], 32, field="envelope.epk")
    return {k: env[k] for k in sorted(env)}


def owner_envelope(ak: bytes, dek: bytes, item_id: str, uid: str,
                   iv: bytes | None = None) -> dict[str, str]:
    """The author's own envelope: the DEK boxed with AK."""
    return {"recipient": _uid(uid), "type": "ak",
            **box(ak, _key32(dek, "dek"), f"valitila/v1/env|{_uid(item_id, 'item_id')}|{uid}", iv)}


def _open_checked(env: object, typ: str, my_uid: str) -> dict[str, str]:
    e = check_envelope_shape(env)
    if e["type"] != typ:
        raise ProtocolError("bad_envelope", f"expected a {typ} envelope")
    if e["recipient"] != my_uid:
        raise ProtocolError("recipient_mismatch", "envelope is for someone else")
    return e


def open_owner_envelope(ak: bytes, env: object, item_id: str, uid: str) -> bytes:
    """DEK from an ``ak`` envelope addressed to ``uid``."""
    e = _open_checked(env, "ak", uid)
    return unbox(ak, e, f"valitila/v1/env|{item_id}|{uid}")


def share_info(item_id: str, recipient_uid: str) -> str:
    """HKDF info and AAD of an x25519 envelope."""
    return f"valitila/v1/share|{item_id}|{recipient_uid}"


def share_wrap_key(shared: bytes, epk_raw: bytes, recipient_x25519_raw: bytes, item_id: str,
                   recipient_uid: str) -> bytes:
    """wrap_key = HKDF(shared, info, salt = epk_raw || xR_raw)."""
    salt = bytes(epk_raw) + bytes(recipient_x25519_raw)
    return hkdf32(shared, share_info(item_id, recipient_uid), salt)


def _x25519(priv: X25519PrivateKey, pub_raw: bytes) -> bytes:
    try:
        return priv.exchange(X25519PublicKey.from_public_bytes(_key32(pub_raw, "x25519")))
    except ValueError:  # e.g. a low-order point giving an all-zero secret
        raise ProtocolError("bad_key", "X25519 key agreement failed") from None


def share_envelope(dek: bytes, item_id: str, recipient_uid: str, recipient_x25519_raw: bytes,
                   eph_private: X25519PrivateKey | bytes | None = None,
                   iv: bytes | None = None) -> dict[str, str]:
    """An x25519 envelope for ``recipient_uid`` (fresh ephemeral key unless given)."""
    if eph_private is None:
        eph_private = X25519PrivateKey.generate()
    elif not isinstance(eph_private, X25519PrivateKey):
        eph_private = X25519PrivateKey.from_private_bytes(_key32(eph_private, "eph_private"))
    _uid(item_id, "item_id")
    _uid(recipient_uid, "recipient")
    epk = raw_public(eph_private)
    wk = share_wrap_key(_x25519(eph_private, recipient_x25519_raw), epk, recipient_x25519_raw,
                        item_id, recipient_uid)
    return {"recipient": recipient_uid, "type": "x25519", "epk": b64u_encode(epk),
            **box(wk, _key32(dek, "dek"), share_info(item_id, recipient_uid), iv)}


def open_share_envelope(x_private: X25519PrivateKey, env: object, item_id: str,
                        my_uid: str) -> bytes:
    """DEK from an ``x25519`` envelope addressed to ``my_uid``."""
    e = _open_checked(env, "x25519", my_uid)
    epk = b64u_decode(e["epk"], 32, field="envelope.epk")
    wk = share_wrap_key(_x25519(x_private, epk), epk, raw_public(x_private), item_id, my_uid)
    return unbox(wk, e, share_info(item_id, my_uid))


# --- §6 rosters and acceptances ---------------------------------------------------------------

def roster_message(process_id: str, epoch: int,
                   members: Iterable[Mapping[str, str] | tuple[str, str]]) -> str:
    """members: {"uid", "fp"} objects or (uid, fp16) pairs, in any order."""
    pairs = [(m["uid"], m["fp"]) if isinstance(m, Mapping) else tuple(m) for m in members]
    if not _is_int(epoch) or not 0 <= epoch <= MAX_SAFE_INT:
        raise ProtocolError("bad_roster", "epoch must be a non-negative integer")
    if len({u for u, _ in pairs}) != len(pairs):
        raise ProtocolError("bad_roster", "duplicate member")
    for u, fp in pairs:
        _uid(u, "member uid")
        b64u_decode(fp, 16, field="member fp")
    joined = ",".join(f"{u}:{fp}" for u, fp in sorted(pairs))
    return f"valitila/v1/roster|{_uid(process_id, 'process_id')}|{epoch}|{joined}"


def sign_text(ed_private: Ed25519PrivateKey, message: str) -> str:
    """b64u Ed25519 signature over utf8(message) (rosters, acceptances)."""
    return b64u_encode(ed_private.sign(message.encode()))


def verify_text(message: str, sig_b64u: str, ed25519_pub_b64u: str) -> bool:
    """False for a wrong signature; ProtocolError for malformed encodings."""
    sig = b64u_decode(sig_b64u, 64, field="sig")
    return _verify_sig(b64u_decode(ed25519_pub_b64u, 32, field="ed25519"), sig, message.encode())


def verify_roster(message: str, sig_b64u: str, ed25519_pub_b64u: str) -> bool:
    """True if ``message`` is a roster message signed by the given key (b64u raw Ed25519)."""
    if not isinstance(message, str) or not message.startswith("valitila/v1/roster|"):
        return False
    return verify_text(message, sig_b64u, ed25519_pub_b64u)


def accept_message(item_id: str, rev: int, content_hash_b64u: str) -> str:
    """The text signed to accept a contract or evaluation at ``rev``."""
    b64u_decode(content_hash_b64u, 32, field="content_hash")
    if not _is_int(rev) or rev < 1:
        raise ProtocolError("bad_header", "rev must be a positive integer")
    return f"valitila/v1/accept|{_uid(item_id, 'item_id')}|{rev}|{content_hash_b64u}"
