"""The acceptance of a contract revision in the Python protocol (PROTOCOL §6), against the
test vectors: the vector account accepting the vector item gives a fixed signature (Ed25519 is
deterministic), the same the browser's code gives (tests/js/contract.test.js)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_der_private_key

import protocol

V = json.loads((Path(__file__).parent.parent / "protocol" / "vectors.json").read_text())
VECTOR_ACCEPT_SIG = ("_EIgw-3JOsbkDuRAEr5uprjfKDraah4l_jNI4VKJ81wQ9JsAocQwV4hhm8rcg77ogss5"
                     "xr9orOIQEYBr0a56BA")


def _key():
    return load_der_private_key(protocol.b64u_decode(V["account"]["ed25519_private_pkcs8"]),
                                None)


def test_the_vector_acceptance_is_fixed_and_verifies():
    item = V["item"]
    assert protocol.b64u_encode(protocol.content_hash(item["sealed"])) == item["content_hash"]
    sig = protocol.sign_acceptance(_key(), item["id"], item["rev"], item["content_hash"])
    assert sig == VECTOR_ACCEPT_SIG
    assert protocol.verify_acceptance(V["account"]["bundle"]["ed25519"], sig, item["id"],
                                      item["rev"], item["sealed"])


def test_an_acceptance_fails_for_another_text_rev_or_key():
    item = V["item"]
    ed = V["account"]["bundle"]["ed25519"]
    ct = bytearray(protocol.b64u_decode(item["sealed"]["ct"]))
    ct[3] ^= 1
    altered = dict(item["sealed"], ct=protocol.b64u_encode(bytes(ct)))
    assert not protocol.verify_acceptance(ed, VECTOR_ACCEPT_SIG, item["id"], 1, altered)
    assert not protocol.verify_acceptance(ed, VECTOR_ACCEPT_SIG, item["id"], 2, item["sealed"])
    assert not protocol.verify_acceptance(V["supervisor"]["bundle"]["ed25519"],
                                          VECTOR_ACCEPT_SIG, item["id"], 1, item["sealed"])
    with pytest.raises(protocol.ProtocolError):
        protocol.verify_acceptance(ed, "short", item["id"], 1, item["sealed"])
    with pytest.raises(protocol.ProtocolError):
        protocol.verify_acceptance(ed, VECTOR_ACCEPT_SIG, "not-a-uuid", 1, item["sealed"])
    with pytest.raises(protocol.ProtocolError):
        protocol.sign_acceptance(_key(), item["id"], 0, item["content_hash"])
