"""Pages and JSON compressed per response: Brotli for browsers that accept it, else gzip.

Static files are precompressed by the build and sent as they are (static_files.py); this
hook is for what the views write. Nothing under COMPRESS_MIN_SIZE bytes, nothing streamed,
nothing that already names an encoding, only successful answers of COMPRESS_MIMETYPES.

Until issue 8's last round this was Flask-Compress. Its hook cost 90 µs a page beyond the
compression itself (a Brotli journal page of 58 KB: 241 µs against 151 µs; 64 µs of it the
conditional-request evaluation for answers that never carry a validator), the most expensive
step of a signed-in page's fixed cost after the sign-in check. What is left is what the
pages need: the choice by `Accept-Encoding` (parsed once per distinct header), `Vary`, the
compression, `Content-Length`.
"""
from __future__ import annotations

import gzip
import struct
import zlib
from functools import lru_cache

import brotli
from flask import Flask, Response, current_app, g, request

#: What the server can send, preferred first on equal quality.
ALGORITHMS = ("br", "gzip")


@lru_cache(maxsize=256)
def _acceptable(accept_encoding: str) -> tuple[str | None, bool]:
    """The encoding to send for an `Accept-Encoding` header (RFC 9110 §12.5.3): the highest
    quality among ALGORITHMS, Brotli on a tie; `*` stands for any not named; q=0 refuses
    (None: send the body as it is). And whether gzip is acceptable at all (q > 0), for a
    page put together from pieces."""
    qualities: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip()
        if not name:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0  # a malformed weight counts as a refusal, not as q=1
        qualities[name] = quality
    best, best_quality = None, 0.0
    for name in ALGORITHMS:
        quality = qualities.get(name, qualities.get("*", 0.0))
        if quality > best_quality:
            best, best_quality = name, quality
    return best, qualities.get("gzip", qualities.get("*", 0.0)) > 0


# -- pages put together from pieces compressed ahead --------------------------------------
#
# A page whose chrome is cached and whose content is kept (chrome.render_memo_page) is sent
# as gzip assembled from pieces compressed once: each cached text part of the chrome, the
# module preloads and the kept content are raw DEFLATE pieces (RFC 1951) of their own, each
# ending on a byte boundary after a full flush, and what differs per request (the masked
# CSRF tokens, the way back, the reader's uid…; a few hundred bytes) goes in between as
# stored blocks. DEFLATE blocks may follow one another like that: a piece from a fresh
# compressor refers to nothing before it. The gzip member (RFC 1952) around them carries the
# CRC-32 of the whole page, computed per response (16 µs for a 58 KB journal page). Such a
# page costs about a fifth of compressing it whole with Brotli quality 1 per request, and
# it is no larger (the chrome is compressed at level 9 once; the ciphertext hardly
# compresses either way). Browsers that refuse gzip get the usual answer.

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no mtime
FINAL_BLOCK = b"\x01\x00\x00\xff\xff"  # an empty stored block marked final


def deflated(raw: bytes, level: int = 9) -> bytes:
    """`raw` as a raw DEFLATE piece: not final, ending byte-aligned (a full flush), with no
    reference outside itself."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(raw) + compressor.flush(zlib.Z_FULL_FLUSH)


def stored(raw: bytes) -> bytes:
    """`raw` as DEFLATE stored blocks (not final), for short text that differs per request."""
    out = []
    for start in range(0, len(raw), 0xFFFF):
        chunk = raw[start:start + 0xFFFF]
        out.append(b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(out)


def use_pieces(pieces: list[tuple[bytes, bytes]], body: bytes | None = None) -> None:
    """This request's page is the concatenation of these (raw, DEFLATE piece) pairs:
    compress_response sends it as gzip from the pieces (if the body is still exactly that).
    `body`: that concatenation, where the view answers with it (then the very same object
    is known to be it, without comparing them)."""
    g.valitila_pieces = pieces
    g.valitila_pieces_body = body


def _from_pieces(data: bytes) -> bytes | None:
    pieces = g.pop("valitila_pieces", None)
    body = g.pop("valitila_pieces_body", None)
    if not pieces or (data is not body and b"".join(raw for raw, _ in pieces) != data):
        return None
    return b"".join((GZIP_HEADER, *(piece for _, piece in pieces), FINAL_BLOCK,
                     struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)))


def compress_response(response: Response) -> Response:
    """The after-request hook: compress `response` in place when it should be."""
    headers = response.headers
    vary = headers.get("Vary")
    if not vary:
        headers["Vary"] = "Accept-Encoding"
    elif "accept-encoding" not in vary.lower():
        headers["Vary"] = f"{vary}, Accept-Encoding"
    if not 200 <= response.status_code < 300 or response.is_streamed:
        return response
    algorithm, gzip_ok = _acceptable(request.headers.get("Accept-Encoding", ""))
    if algorithm is None or "Content-Encoding" in headers:
        return response
    config = current_app.config
    mimetype = headers.get("Content-Type", "").partition(";")[0].strip().lower()
    if mimetype not in _mimetypes(tuple(config["COMPRESS_MIMETYPES"])):
        return response
    data = response.get_data()
    if len(data) < config["COMPRESS_MIN_SIZE"]:
        return response
    assembled = _from_pieces(data) if gzip_ok and "valitila_pieces" in g else None
    if assembled is not None:
        data, algorithm = assembled, "gzip"
    elif algorithm == "br":
        data = brotli.compress(data, quality=config["COMPRESS_BR_LEVEL"])
    else:
        data = gzip.compress(data, config["COMPRESS_LEVEL"])
    response.direct_passthrough = False
    response.set_data(data)  # sets Content-Length (an answer to HEAD keeps it, bodiless)
    headers["Content-Encoding"] = algorithm
    return response


@lru_cache(maxsize=8)
def _mimetypes(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(name.lower() for name in names)


def init_app(app: Flask) -> None:
    """Register the hook. Register it first: after-request hooks run in reverse order, so
    this one then runs last, on the finished response."""
    app.after_request(compress_response)
