"""The repository keeps its own copy of the protocol test vectors (protocol/vectors.json), so a
clone anywhere runs the vector tests. Where the steering repository's normative copy is checked
out beside this one (../shared/protocol/vectors.json), the two must be identical byte for byte:
a changed vector there has to be copied here, not silently drift."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COPY = ROOT / "protocol" / "vectors.json"
NORMATIVE = ROOT.parent / "shared" / "protocol" / "vectors.json"


def test_the_repository_has_its_own_vectors():
    vectors = json.loads(COPY.read_text(encoding="utf-8"))
    assert {"account", "supervisor", "item", "roster", "safety_number"} <= vectors.keys()


def test_the_copy_is_byte_identical_to_the_normative_vectors():
    if not NORMATIVE.is_file():
        pytest.skip(f"no normative vectors beside this clone ({NORMATIVE}); the repository copy "
                    "is used as it is")
    copy, normative = COPY.read_bytes(), NORMATIVE.read_bytes()
    assert copy == normative, (
        f"{COPY} differs from {NORMATIVE} (sha256 {hashlib.sha256(copy).hexdigest()[:16]} vs "
        f"{hashlib.sha256(normative).hexdigest()[:16]}): copy the normative file over it")
