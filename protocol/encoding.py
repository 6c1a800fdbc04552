"""Encodings and small checks shared by every part of the protocol."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

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
