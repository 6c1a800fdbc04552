"""The offline tool tools/valitila_open.py: archives built with the Python protocol package as
docs/export.md describes them, from the protocol test vectors and from a fresh account, opened
with nothing but the passphrase (and refused with a wrong one, or with tampered items)."""
from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from protocol import items as protocol_items
from protocol.aead import box
from protocol.encoding import KDF_FLOOR, b64u_decode, b64u_encode
from protocol.envelope import owner_envelope, share_envelope
from protocol.identity import create_account, raw_public
from protocol.items import seal_item
from protocol.kdf import derive_root, hkdf32

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "valitila_open.py"
VECTORS = json.loads((ROOT / "protocol" / "vectors.json").read_text(encoding="utf-8"))
PASSPHRASE = "kesäinen iltapäivä ﬁ 2026"


def _tool():
    spec = importlib.util.spec_from_file_location("valitila_open", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def export_keys(uid: str, ak: bytes, passphrase: str = PASSPHRASE) -> dict:
    """docs/export.md "Keys", written with the protocol package."""
    salt = os.urandom(16)
    root = derive_root(passphrase, salt, KDF_FLOOR)
    return {"kdf": dict(KDF_FLOOR), "salt": b64u_encode(salt),
            "check": b64u_encode(hkdf32(root, "valitila/export/v1/check")),
            "wrapped_ak": box(hkdf32(root, "valitila/export/v1/kek"), ak,
                              f"valitila/export/v1/ak|{uid}")}


def archive(uid, ak, wrapped_x25519, items, bundles, people, acceptances=None) -> dict:
    return {"format": "valitila-export", "version": 1, "created_at": "2026-12-02T00:00:00Z",
            "uid": uid, "name": people[uid], "locale": "fi", "time_zone": "Europe/Helsinki",
            **export_keys(uid, ak), "wrapped_x25519": wrapped_x25519, "bundles": bundles,
            "people": people, "processes": [], "items": items,
            "acceptances": acceptances or {}}


def vector_item(envelope: dict) -> dict:
    item = VECTORS["item"]
    return {"id": item["id"], "kind": item["kind"], "author": VECTORS["account"]["uid"],
            "rev": item["rev"], "sealed": item["sealed"], "sig": item["sig"],
            "envelope": envelope, "process": None, "links": None,
            "created_at": "2026-11-30T08:00:00+00:00", "updated_at": "2026-11-30T08:00:00+00:00"}


def test_the_vectors_item_opens_from_the_authors_archive(tmp_path):
    account = VECTORS["account"]
    uid, ak = account["uid"], b64u_decode(account["ak"])
    env = {"recipient": uid, **VECTORS["item"]["envelope_owner"]}
    arch = archive(uid, ak, account["wrapped_x25519"], [vector_item(env)],
                   {uid: account["bundle"]}, {uid: "Anna"})
    records, problems = _tool().open_archive(arch, PASSPHRASE)
    assert problems == []
    assert [r["payload"] for r in records] == [VECTORS["item"]["payload"]]
    assert records[0]["signature"] == "valid"


def test_the_vectors_share_envelope_opens_from_the_supervisors_archive(tmp_path):
    """The supervisor's X25519 key of the vectors, wrapped by an AK of her own: the share
    envelope of the vectors' item opens, the author's bundle verifies its signature."""
    sup, account = VECTORS["supervisor"], VECTORS["account"]
    ak = os.urandom(32)
    wrapped_x = box(ak, b64u_decode(sup["x25519_private_pkcs8"]),
                    f"valitila/v1/x25519|{sup['uid']}")
    share = {k: VECTORS["item"]["envelope_share"][k]
             for k in ("recipient", "type", "epk", "iv", "ct")}
    arch = archive(sup["uid"], ak, wrapped_x, [vector_item(share)],
                   {sup["uid"]: sup["bundle"], account["uid"]: account["bundle"]},
                   {sup["uid"]: "Sanna", account["uid"]: "Anna"})
    out = tmp_path / "out"
    path = tmp_path / "archive.json"
    path.write_text(json.dumps(arch), encoding="utf-8")
    result = subprocess.run([sys.executable, str(TOOL), str(path), str(out)], text=True,
                            capture_output=True, check=False,
                            env={**os.environ, "VALITILA_PASSPHRASE": PASSPHRASE})
    assert result.returncode == 0, result.stderr
    journal = (out / "01-journal.md").read_text(encoding="utf-8")
    assert VECTORS["item"]["payload"]["body"] in journal
    assert "written by Anna" in journal
    assert VECTORS["item"]["payload"]["title"] in (out / "index.html").read_text(encoding="utf-8")


def make_account(name: str):
    uid = str(uuid.uuid4())
    new = create_account(uid, f"{name}@example.fi", "salasana on pitkä 123", KDF_FLOOR)
    return uid, new


def own_item(uid, new, kind, payload, *, rev=1):
    item_id, dek = str(uuid.uuid4()), os.urandom(32)
    out = seal_item(item_id, kind, rev, uid, payload, dek, new.ed25519_private)
    sealed, sig = out["sealed"], out["sig"]
    return {"id": item_id, "kind": kind, "author": uid, "rev": rev, "sealed": sealed, "sig": sig,
            "envelope": {"recipient": uid, **owner_envelope(new.ak, dek, item_id, uid)},
            "process": None, "links": None, "created_at": "2026-12-01T10:00:00+00:00",
            "updated_at": "2026-12-01T10:00:00+00:00"}, dek


def fresh_archive():
    uid, new = make_account("anna")
    reg = new.registration
    entry, _ = own_item(uid, new, "entry",
                        {"title": "Otsikko", "body": "Oma <b>teksti</b>", "tags": ["a"]})
    checkin, _ = own_item(uid, new, "checkin", {"value": 7, "note": "hyvä viikko"})
    contract, _ = own_item(uid, new, "contract", {"sections": {"aims": "Tavoite"}}, rev=2)
    sup_uid, sup = make_account("sanna")
    shared_id, dek = str(uuid.uuid4()), os.urandom(32)
    out = seal_item(shared_id, "agenda", 1, sup_uid, {"body": "Esityslista"}, dek,
                    sup.ed25519_private)
    sealed, sig = out["sealed"], out["sig"]
    env = share_envelope(dek, shared_id, uid, raw_public(new.x25519_private))
    agenda = {"id": shared_id, "kind": "agenda", "author": sup_uid, "rev": 1, "sealed": sealed,
              "sig": sig, "envelope": env,
              "process": None, "links": None, "created_at": "2026-12-01T11:00:00+00:00",
              "updated_at": "2026-12-01T11:00:00+00:00"}
    content = protocol_items.content_hash(contract["sealed"])
    accepted = f"valitila/v1/accept|{contract['id']}|2|{b64u_encode(content)}".encode()
    acceptances = {contract["id"]: [
        {"user": sup_uid, "rev": 2, "content_hash": b64u_encode(content),
         "sig": b64u_encode(sup.ed25519_private.sign(accepted)),
         "created_at": "2026-12-01T12:00:00+00:00"},
        {"user": uid, "rev": 2, "content_hash": b64u_encode(content),      # forged: not hers
         "sig": b64u_encode(sup.ed25519_private.sign(accepted)),
         "created_at": "2026-12-01T12:05:00+00:00"},
        {"user": str(uuid.uuid4()), "rev": 1, "content_hash": "x", "sig": "y",
         "created_at": "2026-12-01T12:10:00+00:00"}]}
    arch = archive(uid, new.ak, reg["wrapped_x25519"], [entry, checkin, contract, agenda],
                   {uid: reg["bundle"], sup_uid: sup.registration["bundle"]},
                   {uid: "Anna", sup_uid: "Sanna"}, acceptances)
    return arch


def test_a_fresh_archive_opens_every_kind_with_acceptances(tmp_path):
    tool = _tool()
    arch = fresh_archive()
    records, problems = tool.open_archive(arch, PASSPHRASE)
    assert problems == []
    assert {r["kind"] for r in records} == {"entry", "checkin", "contract", "agenda"}
    files = tool.write_readable(records, arch["uid"], "Anna", tmp_path)
    names = sorted(p.name for p in files)
    assert names == ["01-journal.md", "02-checkins.md", "03-contracts.md", "04-agendas.md",
                     "index.html", "items.json"]
    assert "7 / 10" in (tmp_path / "02-checkins.md").read_text(encoding="utf-8")
    contracts = (tmp_path / "03-contracts.md").read_text(encoding="utf-8")
    assert "Sanna: accepted revision 2, 2026-12-01T12:00:00+00:00 (signature valid)" in contracts
    assert "Anna: accepted revision 2, 2026-12-01T12:05:00+00:00 (signature invalid)" in contracts
    assert "accepted revision 1, 2026-12-01T12:10:00+00:00 (signature unknown)" in contracts
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "Oma &lt;b&gt;teksti&lt;/b&gt;" in page and "<script" not in page
    assert "written by Sanna" in (tmp_path / "04-agendas.md").read_text(encoding="utf-8")


def test_a_wrong_passphrase_is_refused(tmp_path):
    tool = _tool()
    with pytest.raises(tool.OpenError, match="wrong passphrase"):
        tool.open_archive(fresh_archive(), PASSPHRASE + "x")
    path = tmp_path / "archive.json"
    path.write_text(json.dumps(fresh_archive()), encoding="utf-8")
    result = subprocess.run([sys.executable, str(TOOL), str(path), str(tmp_path / "o")],
                            env={**os.environ, "VALITILA_PASSPHRASE": "väärä"},
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "wrong passphrase" in result.stderr
    assert not (tmp_path / "o").exists()


def test_weak_kdf_parameters_are_refused():
    tool = _tool()
    arch = fresh_archive()
    arch["kdf"] = {**arch["kdf"], "m": 1024}
    with pytest.raises(tool.OpenError, match="out of range"):
        tool.open_archive(arch, PASSPHRASE)


def test_tampered_items_are_reported_and_left_out():
    tool = _tool()
    arch = fresh_archive()
    bad_sig, moved = copy.deepcopy(arch["items"][0]), copy.deepcopy(arch["items"][1])
    bad_sig["sig"] = arch["items"][1]["sig"]
    moved["rev"] = 5  # the sealed header says rev 1
    arch["items"] = [bad_sig, moved, arch["items"][2]]
    records, problems = tool.open_archive(arch, PASSPHRASE)
    assert [r["kind"] for r in records] == ["contract"]
    assert len(problems) == 2
    assert "signature" in problems[0]
    assert "header" in problems[1]
