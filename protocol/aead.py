"""AEAD boxes: AES-256-GCM with a fresh IV and a bound context (AAD)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .encoding import IV_LEN, TAG_LEN, ProtocolError, _key32, b64u_decode, b64u_encode

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
