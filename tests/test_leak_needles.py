"""The encodings the no-plaintext proof searches for (tests/e2e/leaks.py), without a browser:
every encoding of the marker is found inside random surrounding bytes, at every byte
alignment, and random ciphertext (or its encodings) is never mistaken for a leak."""
from __future__ import annotations

import base64
import json
import os
import random
import uuid
from urllib.parse import quote, quote_plus

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.e2e.leaks import MIN_MARKER_BYTES, base64_inner, find_leaks, leak_needles, new_marker

NAMES = ["raw", "url", "form", "json", "base64", "base64url", "hex"]


def noise(rng: random.Random, n: int) -> bytes:
    return rng.randbytes(n)


def text_noise(rng: random.Random, n: int) -> str:
    """Printable text with spaces and non-ASCII letters, as a body around the marker."""
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzäöå ÄÖ,.!?") for _ in range(n))


# How each encoding wraps a payload that holds the marker somewhere inside. `pad` is how many
# bytes (or characters) precede the marker inside what gets encoded: 0..5 covers every
# alignment against base64's 3-byte groups twice.
def encode(name: str, marker: str, pad: int, rng: random.Random) -> bytes:
    before, after = text_noise(rng, pad), text_noise(rng, rng.randrange(0, 7))
    text = before + marker + after
    if name in ("base64", "base64url", "hex"):  # binary around the marker, then encoded
        data = noise(rng, pad) + marker.encode() + noise(rng, rng.randrange(0, 7))
        if name == "base64":
            return base64.b64encode(data)
        if name == "base64url":
            return base64.urlsafe_b64encode(data).rstrip(b"=")
        return data.hex().encode() if rng.random() < 0.5 else data.hex().upper().encode()
    if name == "raw":
        return json.dumps({"body": text}, ensure_ascii=False).encode()
    if name == "url":
        return f"/search?q={quote(text, safe='')}&x=1".encode()
    if name == "form":
        return f"a=1&q={quote_plus(text)}".encode()
    if name == "json":
        return json.dumps({"body": text}).encode()  # ensure_ascii: \u00e4 for ä
    raise AssertionError(name)


@pytest.mark.parametrize("pad", range(6))
@pytest.mark.parametrize("name", NAMES)
def test_every_encoding_is_found_inside_random_bytes(name, pad):
    rng = random.Random(f"{name}-{pad}")
    for _ in range(20):
        marker = new_marker()
        encoded = encode(name, marker, pad, rng)
        haystack = noise(rng, rng.randrange(0, 300)) + encoded + noise(rng, rng.randrange(300))
        found = find_leaks(haystack, marker)
        assert name in found, (name, pad, marker, encoded)


@pytest.mark.parametrize("offset", range(3))
def test_base64_needles_at_each_alignment(offset):
    """The inner part is found whatever bytes precede and follow the marker, with both
    alphabets, and it is as long as the marker's own bits allow."""
    marker = new_marker()
    raw = marker.encode()
    needles = leak_needles(marker)
    for _ in range(50):
        data = os.urandom(3 * random.randrange(0, 5) + offset) + raw + os.urandom(5)
        assert needles["base64"][offset] in base64.b64encode(data)
        assert needles["base64url"][offset] in base64.urlsafe_b64encode(data)
    # every character but the ones sharing bits with a neighbour
    assert len(needles["base64"][offset]) >= (8 * len(raw)) // 6 - 2


def test_base64_inner_cuts_exactly_the_shared_characters():
    """6 bytes = 48 bits. Offset 0: 8 whole characters. Offset 1: 8 filler bits, so characters
    0-1 touch the filler, 2-8 hold data bits 12-53 and character 9 has 2 data bits and 4 of
    whatever follows. Offset 2: 16 filler bits, characters 0-2 touch them, 3-9 hold data."""
    data = b"\xff" * 6
    assert base64_inner(data, 0, base64.b64encode) == b"////////"
    assert base64_inner(data, 1, base64.b64encode) == b"///////"
    assert base64_inner(data, 2, base64.b64encode) == b"///////"
    for offset in range(3):
        for filler in (b"\0\0", b"\xff\xff"):
            for after in (b"", b"\0", b"\xff\xff\xff"):
                encoded = base64.b64encode(filler[:offset] + data + after)
                assert base64_inner(data, offset, base64.b64encode) in encoded


def test_the_fixture_marker_differs_in_every_encoding():
    """Otherwise a canary for one encoding would prove nothing about it."""
    for _ in range(200):
        needles = leak_needles(new_marker())
        firsts = [options[0] for options in needles.values()]
        assert len(set(firsts)) == len(firsts), needles
        assert not set(needles["base64"]) & set(needles["base64url"]), needles


def test_each_encoding_alone_is_reported_by_name():
    marker = new_marker()
    for name, options in leak_needles(marker).items():
        for needle in options:
            assert find_leaks(os.urandom(100) + needle + os.urandom(100), marker) == [name]


def test_random_ciphertext_is_clean():
    """A sealed marker, its encodings, and a few MiB of random bytes and their encodings hold
    no needle (see the false-positive bound in leaks.py)."""
    marker = new_marker()
    needles = leak_needles(marker)
    key = AESGCM.generate_key(bit_length=256)
    iv = os.urandom(12)
    sealed = AESGCM(key).encrypt(iv, (marker * 100).encode(), b"aad")
    assert find_leaks(sealed, needles) == []
    for encoded in (base64.b64encode(sealed), base64.urlsafe_b64encode(sealed),
                    sealed.hex().encode(), quote(sealed).encode()):
        assert find_leaks(encoded, needles) == []
    blob = os.urandom(2 * 1024 * 1024)
    haystack = blob + base64.b64encode(blob) + base64.urlsafe_b64encode(blob) + blob.hex().encode()
    assert find_leaks(haystack, needles) == []


def test_a_marker_too_short_to_be_safe_is_refused():
    with pytest.raises(ValueError, match="at least"):
        leak_needles("x" * (MIN_MARKER_BYTES - 1))
    assert leak_needles(uuid.uuid4().hex)["raw"]  # 32 bytes is fine


def test_needles_are_a_pure_function_of_the_marker():
    marker = new_marker()
    assert leak_needles(marker) == leak_needles(marker)
    assert leak_needles(marker) != leak_needles(new_marker())
