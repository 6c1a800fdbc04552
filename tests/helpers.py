"""A protocol client for tests, built on the protocol package and PROTOCOL.md alone.
Argon2id is slow on purpose, so key material per (email, password) is cached per session."""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

import protocol

PASSWORD = "Kesäpäivä-hyvä-2026!"


@cache
def account_material(email: str, password: str = PASSWORD) -> protocol.NewAccount:
    return protocol.create_account(str(uuid.uuid4()), email, password)


@cache
def secrets_for(email: str, password: str, salt_seed: str) -> protocol.AccountSecrets:
    kdf = dict(protocol.KDF_FLOOR)
    return protocol.derive_account_secrets(email, password, protocol.b64u_decode(salt_seed), kdf)


@dataclass
class Person:
    email: str
    password: str
    account: protocol.NewAccount
    client: FlaskClient
    csrf: str = ""
    deks: dict[str, bytes] = field(default_factory=dict)

    @property
    def uid(self) -> str:
        return self.account.registration["uid"]

    def headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}

    # -- JSON API -----------------------------------------------------------------------
    def post(self, path: str, body: Any = None, **kw):
        return self.client.post(f"/api/v1{path}", json=body, headers=self.headers(), **kw)

    def put(self, path: str, body: Any = None, **kw):
        return self.client.put(f"/api/v1{path}", json=body, headers=self.headers(), **kw)

    def patch(self, path: str, body: Any = None, **kw):
        return self.client.patch(f"/api/v1{path}", json=body, headers=self.headers(), **kw)

    def delete(self, path: str, **kw):
        return self.client.delete(f"/api/v1{path}", headers=self.headers(), **kw)

    def get(self, path: str, **kw):
        return self.client.get(f"/api/v1{path}", **kw)

    # -- sealing ------------------------------------------------------------------------
    def seal(self, payload: dict[str, Any], *, item_id: str | None = None, rev: int = 1,
             kind: str = "entry", owner_envelope: bool = True) -> tuple[str, dict[str, Any]]:
        """A PUT body for an item (new DEK on rev 1, the kept DEK after)."""
        item_id = item_id or str(uuid.uuid4())
        dek = self.deks.setdefault(item_id, os.urandom(32))
        sealed = protocol.seal_item(item_id, kind, rev, self.uid, payload, dek,
                                   self.account.ed25519_private)
        body: dict[str, Any] = {"kind": kind, "rev": rev, "sealed": sealed["sealed"],
                                "sig": sealed["sig"]}
        if rev == 1 and owner_envelope:
            body["envelopes"] = [protocol.owner_envelope(self.account.ak, dek, item_id,
                                                        self.uid)]
        return item_id, body

    def write(self, title: str = "Otsikko", body: str = "Teksti", tags: list[str] | None = None
              ) -> str:
        item_id, data = self.seal({"title": title, "body": body, "tags": tags or []})
        response = self.put(f"/items/{item_id}", data)
        assert response.status_code == 201, response.get_json()
        return item_id

    def open(self, item: dict[str, Any]) -> dict[str, Any]:
        """Open an item from the API as PROTOCOL.md says: envelope → DEK → verify → decrypt."""
        env = item["envelope"]
        if env["type"] == "ak":
            dek = protocol.open_owner_envelope(self.account.ak, env, item["id"], self.uid)
        else:
            dek = protocol.open_share_envelope(self.account.x25519_private, env, item["id"],
                                              self.uid)
        author = protocol.b64u_decode(self.bundle_of(item["author"])["ed25519"], 32)
        return protocol.open_item(item, dek, author)

    def bundle_of(self, uid: str) -> dict[str, Any]:
        if uid == self.uid:
            return self.account.registration["bundle"]
        response = self.get(f"/users/{uid}/bundle")
        assert response.status_code == 200
        return response.get_json()


class Protocol:
    """Makes people through the real API."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def register(self, email: str | None = None, password: str = PASSWORD,
                 display_name: str = "Testi Henkilö", **extra: Any) -> Person:
        email = email or f"user-{uuid.uuid4().hex[:8]}@example.fi"
        account = account_material(email, password)
        client = self.app.test_client()
        body = dict(account.registration, email=email, display_name=display_name, **extra)
        response = client.post("/api/v1/auth/register", json=body)
        assert response.status_code == 201, response.get_json()
        return Person(email, password, account, client, response.get_json()["csrf_token"])

    def login(self, person: Person, client: FlaskClient | None = None) -> Person:
        """Sign the person in on a (new) client, deriving auth_key as a browser would."""
        client = client or self.app.test_client()
        pre = client.post("/api/v1/auth/prelogin", json={"email": person.email}).get_json()
        secrets = secrets_for(person.email, person.password, pre["salt_seed"])
        response = client.post("/api/v1/auth/login", json={
            "email": person.email, "auth_key": protocol.b64u_encode(secrets.auth_key)})
        assert response.status_code == 200, response.get_json()
        return Person(person.email, person.password, person.account, client,
                      response.get_json()["csrf_token"], person.deks)
