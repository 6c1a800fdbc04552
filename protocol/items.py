"""§4 Sealed items: header, padding, content hash, signature."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .aead import box, unbox
from .encoding import (
    HEADER_KEYS,
    IV_LEN,
    MAX_SAFE_INT,
    PAD_BLOCK,
    PAYLOAD_SEPARATORS,
    TAG_LEN,
    ProtocolError,
    _is_int,
    b64u_decode,
    b64u_encode,
    is_uuid4,
    sha256,
)
from .identity import _verify_sig

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
