"""§5 Envelopes: the owner's and shares to other users."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from .aead import box, unbox
from .encoding import (
    ENVELOPE_KEYS,
    IV_LEN,
    TAG_LEN,
    ProtocolError,
    _key32,
    _uid,
    b64u_decode,
    b64u_encode,
)
from .identity import raw_public
from .kdf import hkdf32

# --- §5 envelopes -----------------------------------------------------------------------------

def check_envelope_shape(env: object) -> dict[str, str]:
    """Server-side envelope validation (no keys needed); returns a clean copy."""
    kind = env.get("type") if isinstance(env, dict) else None
    if not isinstance(kind, str) or kind not in ENVELOPE_KEYS:
        raise ProtocolError("bad_envelope", "envelope must be an object of type 'ak' or 'x25519'")
    # A share may carry its expiry (PROTOCOL §5); it is not part of the sealed key.
    keys = set(env) - ({"expires_at"} if env["type"] == "x25519" else set())
    if keys != ENVELOPE_KEYS[env["type"]]:
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
