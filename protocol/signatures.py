"""§6 Signed rosters and acceptances."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .encoding import MAX_SAFE_INT, ProtocolError, _is_int, _uid, b64u_decode, b64u_encode
from .identity import _verify_sig
from .items import content_hash

# --- §6 rosters and acceptances ---------------------------------------------------------------

def roster_message(process_id: str, epoch: int,
                   members: Iterable[Mapping[str, str] | tuple[str, str]]) -> str:
    """members: {"uid", "fp"} objects or (uid, fp16) pairs, in any order."""
    pairs = [(m["uid"], m["fp"]) if isinstance(m, Mapping) else tuple(m) for m in members]
    if not _is_int(epoch) or not 0 <= epoch <= MAX_SAFE_INT:
        raise ProtocolError("bad_roster", "epoch must be a non-negative integer")
    if len({u for u, _ in pairs}) != len(pairs):
        raise ProtocolError("bad_roster", "duplicate member")
    for u, fp in pairs:
        _uid(u, "member uid")
        b64u_decode(fp, 16, field="member fp")
    joined = ",".join(f"{u}:{fp}" for u, fp in sorted(pairs))
    return f"valitila/v1/roster|{_uid(process_id, 'process_id')}|{epoch}|{joined}"


def sign_text(ed_private: Ed25519PrivateKey, message: str) -> str:
    """b64u Ed25519 signature over utf8(message) (rosters, acceptances)."""
    return b64u_encode(ed_private.sign(message.encode()))


def verify_text(message: str, sig_b64u: str, ed25519_pub_b64u: str) -> bool:
    """False for a wrong signature; ProtocolError for malformed encodings."""
    sig = b64u_decode(sig_b64u, 64, field="sig")
    return _verify_sig(b64u_decode(ed25519_pub_b64u, 32, field="ed25519"), sig, message.encode())


def verify_roster(message: str, sig_b64u: str, ed25519_pub_b64u: str) -> bool:
    """True if ``message`` is a roster message signed by the given key (b64u raw Ed25519)."""
    if not isinstance(message, str) or not message.startswith("valitila/v1/roster|"):
        return False
    return verify_text(message, sig_b64u, ed25519_pub_b64u)


def accept_message(item_id: str, rev: int, content_hash_b64u: str) -> str:
    """The text signed to accept a contract or evaluation at ``rev``."""
    b64u_decode(content_hash_b64u, 32, field="content_hash")
    if not _is_int(rev) or rev < 1:
        raise ProtocolError("bad_header", "rev must be a positive integer")
    return f"valitila/v1/accept|{_uid(item_id, 'item_id')}|{rev}|{content_hash_b64u}"


def sign_acceptance(ed_private: Ed25519PrivateKey, item_id: str, rev: int,
                    content_hash_b64u: str) -> str:
    """b64u signature accepting ``item_id`` at ``rev`` whose content hash is given (§6)."""
    return sign_text(ed_private, accept_message(item_id, rev, content_hash_b64u))


def verify_acceptance(ed25519_pub_b64u: str, sig_b64u: str, item_id: str, rev: int,
                      sealed: Mapping[str, str]) -> bool:
    """True when ``sig`` accepts exactly this sealed item at ``rev``: the signature is over
    the content hash of ``sealed`` as given (so an altered text fails), by the given key.
    ProtocolError for malformed ids, revs or encodings; False for a signature that does not
    verify."""
    message = accept_message(item_id, rev, b64u_encode(content_hash(sealed)))
    return verify_text(message, sig_b64u, ed25519_pub_b64u)


# --- pinned keys (PROTOCOL §2 "Pinning"; the server keeps them as records the owner signed) ---

def pin_message(owner: str, subject: str, fp_b64u: str, verified: bool) -> str:
    """The text an owner signs to pin ``subject``'s key: ``"valitila/v1/pin|" + owner + "|"
    + subject + "|" + fp + "|" + ("1" if verified else "0")``, where fp is b64u of the full
    32-byte fingerprint of the pinned bundle (§2)."""
    b64u_decode(fp_b64u, 32, field="fp")
    if not isinstance(verified, bool):
        raise ProtocolError("bad_pin", "verified must be true or false")
    return (f"valitila/v1/pin|{_uid(owner, 'owner')}|{_uid(subject, 'subject')}|{fp_b64u}|"
            f"{'1' if verified else '0'}")


def sign_pin(ed_private: Ed25519PrivateKey, owner: str, subject: str, fp_b64u: str,
             verified: bool) -> str:
    """b64u signature of a pin record (clients; the tests' second client)."""
    return sign_text(ed_private, pin_message(owner, subject, fp_b64u, verified))


def verify_pin(owner_ed25519_b64u: str, sig_b64u: str, owner: str, subject: str,
               fp_b64u: str, verified: bool) -> bool:
    """True when ``sig`` is the owner's signature over the pin record. ProtocolError for
    malformed uids, fingerprints or encodings; False for a signature that does not verify."""
    return verify_text(pin_message(owner, subject, fp_b64u, verified), sig_b64u,
                       owner_ed25519_b64u)
