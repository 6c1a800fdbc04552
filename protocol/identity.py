"""§2–3 Identity keys, bundles, fingerprints and safety numbers; the recovery key;
account creation and unlocking (a full client)."""

from __future__ import annotations

import base64
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from .aead import box, unbox
from .encoding import (
    BUNDLE_KEYS,
    KDF_FLOOR,
    ProtocolError,
    _is_int,
    _key32,
    _uid,
    b64u_decode,
    b64u_encode,
    sha256,
)
from .kdf import check_kdf, derive_account_secrets, hkdf32

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
