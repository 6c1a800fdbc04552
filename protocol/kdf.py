"""§1 Account secrets: salt, Argon2id root key, HKDF sub-keys."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .encoding import KDF_FLOOR, KDF_MAX, ProtocolError, _is_int, sha256

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
