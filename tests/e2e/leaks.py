"""Find a plaintext marker in bytes however it was encoded on the way out.

The no-plaintext proof (`conftest.assert_no_plaintext`) types a *marker* into the app and then
searches everything the server and the device could keep: request bodies, URLs and headers,
the database files, the server log, IndexedDB, Cache Storage and Web Storage. Searching for the
raw UTF-8 bytes alone would miss a leak that went out encoded, so `leak_needles` turns the
marker into every encoding a careless client or server is likely to use, and `find_leaks` says
which of them occur in a haystack:

=============  ===========================================================================
name           what is searched for
=============  ===========================================================================
raw            the UTF-8 bytes (also what `JSON.stringify` sends: it escapes no letters)
url            %-encoding of every byte but ``A-Za-z0-9_.-~`` (``encodeURIComponent``,
               ``urllib.parse.quote``), with upper- and lower-case hex digits
form           ``application/x-www-form-urlencoded``: as `url`, but a space becomes ``+``
json           a JSON string body with ``\\uXXXX`` for every non-ASCII character (Python's
               ``json.dumps`` default), with lower- and upper-case hex digits
base64         standard base64 (RFC 4648 §4) of the marker preceded by 0, 1 and 2 other
               bytes: the three ways the marker can sit against the 3-byte groups
base64url      the same with the URL-safe alphabet (``-`` and ``_``; RFC 4648 §5)
hex            lower- and upper-case hex of the UTF-8 bytes
=============  ===========================================================================

**The stable inner part of base64.** One base64 character carries 6 bits, so which characters
the marker produces depends on how many bytes come before it (its offset modulo 3) and the
first and last characters it shares with its neighbours depend on those neighbours. For each
alignment ``k`` in 0, 1, 2 the needle is the base64 of ``k`` filler bytes + marker with the
characters that touch a filler bit (the first ``ceil(8k/6)``) and the characters that touch a
bit after the marker (everything from ``floor(8(k+n)/6)`` on, padding included) cut off. What
is left is made of marker bits only, so it occurs in the encoding of *any* bytes that contain
the marker at that alignment, whatever surrounds it. Hex and %-encodings are byte-aligned and
need no such care.

**Why a false positive is practically impossible.** A needle is found by chance only if some
window of the haystack equals it. A marker from `new_marker` carries a random core (a whole
UUID4 in hex: 122 random bits) between fixed text, so every needle covers the whole core (the
base64 cuts lose at most one byte at each end of the marker, and the fixed text on each side is
longer than that). Each needle is an injective function of the core, so for any haystack of
``L`` bytes that does not depend on the marker (ciphertext looks random to anyone without the
key; the app's own code and pages do not know the marker) a given needle occurs with
probability at most ``L * 2**-r`` for ``r`` random bits in the core. With at most 15 needles,
``L`` up to 2**30 bytes (1 GiB, far more than a test stores) and ``r = 122`` the chance is
below ``2**-88``. `leak_needles` refuses markers shorter than ``MIN_MARKER_BYTES`` so that a
careless caller cannot shrink the needles to something random data might contain; it cannot see
how much of a marker is random, so give it at least 64 random bits (16 hex digits): with 64
bits the bound above is still below ``2**-30``.

Not covered (on purpose: each would be a deliberate disguise, not an accident): encodings of
encodings (base64 of a %-encoded marker), line-wrapped base64, compression, UTF-16.
"""
from __future__ import annotations

import base64
import json
import math
import re
import uuid
from collections.abc import Callable
from urllib.parse import quote, quote_plus

MIN_MARKER_BYTES = 16

_PERCENT = re.compile(rb"%[0-9A-F]{2}")
_JSON_ESCAPE = re.compile(rb"\\u[0-9a-f]{4}")


def new_marker() -> str:
    """A fresh marker: a UUID4 in hex (122 random bits) between fixed text. The fixed text
    holds a space and non-ASCII letters, so that the url, form and json encodings differ from
    the raw bytes and from each other, and ends in "¿¿", whose bits make base64 and base64url
    differ at every alignment (a test checks both facts)."""
    return f"SALAISUUS ä-{uuid.uuid4().hex}-¿¿"


def _unique(values: list[bytes]) -> list[bytes]:
    return list(dict.fromkeys(values))


def _lower_percent(encoded: bytes) -> bytes:
    return _PERCENT.sub(lambda m: m.group(0).lower(), encoded)


def _upper_json_escape(encoded: bytes) -> bytes:
    return _JSON_ESCAPE.sub(lambda m: b"\\u" + m.group(0)[2:].upper(), encoded)


def base64_inner(data: bytes, offset: int, encode: Callable[[bytes], bytes]) -> bytes:
    """The characters of `encode(filler + data)` that depend on `data` alone, where `filler`
    is `offset` (0, 1 or 2) bytes: what every base64 text holding `data` at that byte
    alignment contains, whatever the bytes around it."""
    encoded = encode(b"\0" * offset + data).rstrip(b"=")
    start = math.ceil(8 * offset / 6)
    end = (8 * (offset + len(data))) // 6
    return encoded[start:end]


def leak_needles(marker: str) -> dict[str, list[bytes]]:
    """{encoding name: byte strings that betray `marker` in that encoding} (see the module
    docstring for each encoding). Pure; the same marker always gives the same needles."""
    raw = marker.encode("utf-8")
    if len(raw) < MIN_MARKER_BYTES:
        raise ValueError(f"a marker needs at least {MIN_MARKER_BYTES} bytes (and a random core "
                         f"of 64 bits or more) to rule out chance matches: {marker!r}")
    url = quote(marker, safe="").encode("ascii")
    form = quote_plus(marker, safe="").encode("ascii")
    as_json = json.dumps(marker, ensure_ascii=True)[1:-1].encode("ascii")
    return {
        "raw": [raw],
        "url": _unique([url, _lower_percent(url)]),
        "form": _unique([form, _lower_percent(form)]),
        "json": _unique([as_json, _upper_json_escape(as_json)]),
        "base64": _unique([base64_inner(raw, k, base64.b64encode) for k in range(3)]),
        "base64url": _unique([base64_inner(raw, k, base64.urlsafe_b64encode) for k in range(3)]),
        "hex": _unique([raw.hex().encode("ascii"), raw.hex().upper().encode("ascii")]),
    }


def find_leaks(haystack: bytes, marker: str | dict[str, list[bytes]]) -> list[str]:
    """Names of the encodings of `marker` (a marker, or its `leak_needles`) found anywhere in
    `haystack`, in the order of `leak_needles`. Empty when the haystack is clean. When the
    marker looks the same in two encodings (e.g. an ASCII marker is its own JSON escape) both
    names are reported."""
    needles = leak_needles(marker) if isinstance(marker, str) else marker
    return [name for name, options in needles.items()
            if any(needle in haystack for needle in options)]
