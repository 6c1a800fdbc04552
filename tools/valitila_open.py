#!/usr/bin/env python3
"""Open a Välitila export's archive.json offline, with nothing but its export passphrase.

    python3 valitila_open.py archive.json OUTPUT_DIR
    VALITILA_PASSPHRASE=... python3 valitila_open.py archive.json OUTPUT_DIR   (no prompt)

Needs Python 3.10+ and the `cryptography` package (44 or newer: it has Argon2id):
`pip install cryptography`. Writes into OUTPUT_DIR:

    items.json        every item opened: {id, kind, author, author_name, rev, created_at,
                      updated_at, process, payload, signature: "valid"}
    NN-<group>.md     the readable Markdown, one file per group (journal, answers, ...)
    index.html        all of it as one printable page (no scripts, no external resources)

Every item's signature is checked against its author's bundle in the archive (whose own
signature is checked too), and its sealed header against the item; an item that fails is
reported and left out. Each acceptance of a contract or evaluation is shown with its
signature "valid", "invalid" or "unknown" (no bundle of the member in the archive). The
format is docs/export.md; this file is its reference reader.
"""
from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import html
import json
import os
import sys
import unicodedata
from pathlib import Path

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT, VERSION = "valitila-export", 1
KDF_FLOOR = {"m": 65536, "t": 3, "p": 1}
KDF_CEILING = {"m": 2097152, "t": 64, "p": 16}
GROUPS = [
    ("journal", ("entry",), "Journal"),
    ("answers", ("response",), "Answers to assignments"),
    ("checkins", ("checkin",), "Check-ins"),
    ("topics", ("topic",), "Topics"),
    ("contracts", ("contract", "goal"), "Contracts and goals"),
    ("agendas", ("agenda",), "Agendas"),
    ("evaluations", ("evaluation",), "Evaluations"),
    ("notes", ("note",), "Private notes"),
    ("other", ("assignment", "template", "summary", "comment", "title"), "Other writing"),
]


class OpenError(Exception):
    """The archive cannot be opened (wrong passphrase, damaged or unknown format)."""


def b64u_decode(text: str) -> bytes:
    if not isinstance(text, str):
        raise OpenError("expected a base64url string")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64u_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hkdf(ikm: bytes, info: str, salt: bytes = b"") -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt or None,
                info=info.encode()).derive(ikm)


def unbox(key: bytes, boxed: dict, aad: str) -> bytes:
    """AES-256-GCM: {"iv", "ct"} (tag appended) with the associated data utf8(aad)."""
    try:
        return AESGCM(key).decrypt(b64u_decode(boxed["iv"]), b64u_decode(boxed["ct"]),
                                   aad.encode())
    except (InvalidTag, KeyError, TypeError) as exc:
        raise OpenError(f"cannot decrypt ({aad.split('|')[0]})") from exc


def check_kdf(kdf: dict) -> dict:
    if not isinstance(kdf, dict) or kdf.get("alg") != "argon2id":
        raise OpenError("the archive's KDF is not argon2id")
    for key in ("m", "t", "p"):
        value = kdf.get(key)
        if not isinstance(value, int) or not KDF_FLOOR[key] <= value <= KDF_CEILING[key]:
            raise OpenError(f"the archive's KDF parameter {key} is out of range")
    return kdf


def export_root(passphrase: str, archive: dict) -> bytes:
    """root = Argon2id(utf8(NFKC(passphrase)), salt, m KiB, t passes, p lanes) → 32 bytes."""
    kdf = check_kdf(archive.get("kdf"))
    salt = b64u_decode(archive["salt"])
    argon = Argon2id(salt=salt, length=32, iterations=kdf["t"], lanes=kdf["p"],
                     memory_cost=kdf["m"])
    return argon.derive(unicodedata.normalize("NFKC", passphrase).encode())


def open_keys(archive: dict, passphrase: str) -> tuple[bytes, X25519PrivateKey]:
    """AK and the X25519 private key, from the passphrase alone."""
    if archive.get("format") != FORMAT or archive.get("version") != VERSION:
        raise OpenError("not a Välitila export archive of version 1")
    uid = archive["uid"]
    root = export_root(passphrase, archive)
    check = hkdf(root, "valitila/export/v1/check")
    if not hmac.compare_digest(b64u_encode(check), archive["check"]):
        raise OpenError("wrong passphrase")
    ak = unbox(hkdf(root, "valitila/export/v1/kek"), archive["wrapped_ak"],
               f"valitila/export/v1/ak|{uid}")
    pkcs8 = unbox(ak, archive["wrapped_x25519"], f"valitila/v1/x25519|{uid}")
    key = serialization.load_der_private_key(pkcs8, password=None)
    if not isinstance(key, X25519PrivateKey):
        raise OpenError("the wrapped X25519 key is not an X25519 key")
    return ak, key


def verify_bundle(bundle: dict, uid: str) -> Ed25519PublicKey:
    """A bundle's signature over "valitila/v1/bundle|uid|v|x25519|ed25519"; its Ed25519 key."""
    if bundle.get("uid") != uid:
        raise OpenError(f"the bundle of {uid} names another uid")
    message = f"valitila/v1/bundle|{uid}|{bundle['v']}|{bundle['x25519']}|{bundle['ed25519']}"
    public = Ed25519PublicKey.from_public_bytes(b64u_decode(bundle["ed25519"]))
    try:
        public.verify(b64u_decode(bundle["sig"]), message.encode())
    except InvalidSignature as exc:
        raise OpenError(f"the bundle of {uid} does not verify") from exc
    return public


def open_dek(item: dict, ak: bytes, x_private: X25519PrivateKey, uid: str) -> bytes:
    """The item's DEK from the user's own envelope (type "ak" or "x25519")."""
    env = item["envelope"]
    if env.get("recipient") != uid:
        raise OpenError("the envelope is someone else's")
    if env["type"] == "ak":
        return unbox(ak, env, f"valitila/v1/env|{item['id']}|{uid}")
    if env["type"] == "x25519":
        epk = b64u_decode(env["epk"])
        mine = x_private.public_key().public_bytes(serialization.Encoding.Raw,
                                                   serialization.PublicFormat.Raw)
        shared = x_private.exchange(X25519PublicKey.from_public_bytes(epk))
        info = f"valitila/v1/share|{item['id']}|{uid}"
        return unbox(hkdf(shared, info, salt=epk + mine), env, info)
    raise OpenError(f"unknown envelope type {env['type']!r}")


def open_item(item: dict, dek: bytes, author_key: Ed25519PublicKey) -> object:
    """Verify the signature, decrypt, check the header; the payload (JSON)."""
    sealed = item["sealed"]
    h, iv, ct = sealed["h"], b64u_decode(sealed["iv"]), b64u_decode(sealed["ct"])
    content_hash = hashlib.sha256(h.encode() + iv + ct).digest()
    try:
        author_key.verify(b64u_decode(item["sig"]), b"valitila/v1/item|" + content_hash)
    except InvalidSignature as exc:
        raise OpenError("the signature does not verify") from exc
    try:
        plain = AESGCM(dek).decrypt(iv, ct, h.encode())
    except InvalidTag as exc:
        raise OpenError("cannot decrypt the item") from exc
    header = json.loads(b64u_decode(h))
    if (header.get("id"), header.get("rev"), header.get("by"), header.get("kind")) != (
            item["id"], item["rev"], item["author"], item["kind"]):
        raise OpenError("the sealed header does not match the item")
    return json.loads(plain.decode())


def acceptance_status(acceptance: dict, item: dict, bundles: dict) -> str:
    """"valid", "invalid" or "unknown" (no bundle of the member who accepted): the member's
    Ed25519 signature over "valitila/v1/accept|" + item id + "|" + rev + "|" + content_hash;
    an acceptance of the item's stored revision must name the content it has."""
    bundle = bundles.get(acceptance.get("user"))
    if bundle is None:
        return "unknown"
    try:
        key = verify_bundle(bundle, acceptance["user"])
        message = (f"valitila/v1/accept|{item['id']}|{acceptance['rev']}|"
                   f"{acceptance['content_hash']}")
        key.verify(b64u_decode(acceptance["sig"]), message.encode())
    except (OpenError, InvalidSignature, KeyError, ValueError, TypeError):
        return "invalid"
    if acceptance["rev"] == item["rev"]:
        sealed = item["sealed"]
        content = hashlib.sha256(sealed["h"].encode() + b64u_decode(sealed["iv"])
                                 + b64u_decode(sealed["ct"])).digest()
        if b64u_encode(content) != acceptance["content_hash"]:
            return "invalid"
    return "valid"


def open_archive(archive: dict, passphrase: str) -> tuple[list[dict], list[str]]:
    """Every item opened (newest first) and the problems of those that would not open."""
    uid = archive["uid"]
    ak, x_private = open_keys(archive, passphrase)
    keys, opened, problems = {}, [], []
    people = archive.get("people", {})
    for item in archive.get("items", []):
        try:
            author = item["author"]
            if author not in keys:
                keys[author] = verify_bundle(archive["bundles"][author], author)
            payload = open_item(item, open_dek(item, ak, x_private, uid), keys[author])
        except (OpenError, KeyError, ValueError, TypeError) as exc:
            problems.append(f"{item.get('id')}: {exc}")
            continue
        opened.append({
            "id": item["id"], "kind": item["kind"], "author": author,
            "author_name": people.get(author, author), "rev": item["rev"],
            "created_at": item["created_at"], "updated_at": item["updated_at"],
            "process": item.get("process"), "payload": payload, "signature": "valid",
            "acceptances": [
                {**a, "name": people.get(a.get("user"), a.get("user")),
                 "signature": acceptance_status(a, item, archive.get("bundles", {}))}
                for a in archive.get("acceptances", {}).get(item["id"], [])],
        })
    opened.sort(key=lambda r: r["created_at"], reverse=True)
    return opened, problems


def fields_of(kind: str, payload: object) -> list[tuple[str, str]]:
    """Labelled texts of a payload of any shape (as the browser's readable files)."""
    out: list[tuple[str, str]] = []

    def walk(value: object, label: str) -> None:
        if value is None or value == "":
            return
        if isinstance(value, (str, int, float, bool)):
            out.append((label, str(value).lower() if isinstance(value, bool) else str(value)))
        elif isinstance(value, list):
            if all(isinstance(v, (str, int, float)) for v in value):
                if value:
                    out.append((label, ", ".join(str(v) for v in value)))
            else:
                for i, v in enumerate(value):
                    walk(v, f"{label} {i + 1}")
        elif isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{label} › {key}" if label else key)

    if not isinstance(payload, dict):
        walk(payload, "text")
        return out
    rest = dict(payload)
    if kind == "checkin" and isinstance(rest.get("value"), int):
        out.append(("scale 0–10", f"{rest.pop('value')} / 10"))
    for key, value in rest.items():
        walk(value, key)
    return out


def byline(record: dict, uid: str) -> str:
    parts = [record["created_at"]]
    if record["author"] != uid:
        parts.append(f"written by {record['author_name']}")
    if record["rev"] > 1:
        parts.append(f"revision {record['rev']}")
    return " · ".join(parts)


def write_readable(records: list[dict], uid: str, name: str, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    page = ["<!doctype html>", '<html><head><meta charset="utf-8">',
            f"<title>{html.escape(name)}</title></head><body>", f"<h1>{html.escape(name)}</h1>"]
    number = 0
    for group, kinds, heading in GROUPS:
        rows = [r for r in records if r["kind"] in kinds]
        if not rows:
            continue
        number += 1
        md = [f"# {heading}", ""]
        page.append(f"<section><h2>{html.escape(heading)}</h2>")
        for r in rows:
            md += [f"## {byline(r, uid)}", ""]
            page.append(f"<article><h3>{html.escape(byline(r, uid))}</h3>")
            for label, text in fields_of(r["kind"], r["payload"]):
                md += [f"**{label}**", "", text, ""]
                page.append(f"<p><b>{html.escape(label)}</b></p>"
                            f'<p style="white-space:pre-wrap">{html.escape(text)}</p>')
            for a in r["acceptances"]:
                line = (f"{a['name']}: accepted revision {a['rev']}, {a['created_at']} "
                        f"(signature {a['signature']})")
                md += [f"- {line}"]
                page.append(f"<p>{html.escape(line)}</p>")
            md.append("")
            page.append("</article>")
        page.append("</section>")
        path = out / f"{number:02d}-{group}.md"
        path.write_text("\n".join(md), encoding="utf-8")
        written.append(path)
    page.append("</body></html>")
    (out / "index.html").write_text("\n".join(page) + "\n", encoding="utf-8")
    (out / "items.json").write_text(json.dumps(records, ensure_ascii=False, indent=2) + "\n",
                                    encoding="utf-8")
    return [out / "index.html", out / "items.json", *written]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Open a Välitila export's archive.json.")
    parser.add_argument("archive", type=Path, help="archive.json of the export")
    parser.add_argument("out", type=Path, help="directory to write the readable files into")
    args = parser.parse_args(argv)
    try:
        archive = json.loads(args.archive.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"valitila_open: cannot read {args.archive}: {exc}", file=sys.stderr)
        return 2
    passphrase = os.environ.get("VALITILA_PASSPHRASE")
    if passphrase is None:
        passphrase = getpass.getpass("Export passphrase: ")
    try:
        records, problems = open_archive(archive, passphrase)
    except (OpenError, KeyError, ValueError) as exc:
        print(f"valitila_open: {exc}", file=sys.stderr)
        return 1
    files = write_readable(records, archive["uid"], archive.get("name") or archive["uid"],
                           args.out)
    for problem in problems:
        print(f"valitila_open: not opened: {problem}", file=sys.stderr)
    print(f"{len(records)} items opened; wrote {len(files)} files into {args.out}")
    return 0 if not problems else 3


if __name__ == "__main__":
    sys.exit(main())
