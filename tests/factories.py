"""Fast test accounts and small helpers shared by the service, API, view and authorization tests.

The server never sees a password: it checks `auth_key` against an HMAC and cannot tell how the
client derived it. So these accounts have real identity keys, real signed bundles and real
boxes, but a random auth key instead of one derived with Argon2id; a test account costs
microseconds instead of the seconds of `tests.helpers.account_material`.
"""
from __future__ import annotations

import os
import re
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from flask import Flask
from sqlalchemy import select

import protocol
from webapp.extensions import db

from .helpers import Person

b64u = protocol.b64u_encode


@dataclass(frozen=True)
class FastAccount:
    """A `protocol.NewAccount` plus the raw auth keys the client would have derived."""

    account: protocol.NewAccount
    auth_key: bytes
    recovery_auth_key: bytes

    @property
    def uid(self) -> str:
        return self.account.registration["uid"]

    def registration(self, email: str, display_name: str = "Testi Henkilö",
                     **extra: Any) -> dict[str, Any]:
        """A complete, valid register body (a deep enough copy to mutate freely)."""
        reg = self.account.registration
        body = {
            "email": email, "display_name": display_name, "uid": reg["uid"],
            "salt_seed": reg["salt_seed"], "kdf": dict(reg["kdf"]), "auth_key": reg["auth_key"],
            "wrapped_ak": dict(reg["wrapped_ak"]),
            "recovery": {"wrapped_ak": dict(reg["recovery"]["wrapped_ak"]),
                         "auth_key": reg["recovery"]["auth_key"]},
            "bundle": dict(reg["bundle"]),
            "wrapped_x25519": dict(reg["wrapped_x25519"]),
            "wrapped_ed25519": dict(reg["wrapped_ed25519"]),
        }
        body.update(extra)
        return body


def fast_account(uid: str | None = None) -> FastAccount:
    """Every key of a new account without Argon2id (see the module docstring)."""
    uid = uid or str(uuid.uuid4())
    ak, kek, auth_key = os.urandom(32), os.urandom(32), os.urandom(32)
    x, ed = X25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    recovery, rk, display = protocol.new_recovery(uid, ak)
    registration = {
        "uid": uid, "salt_seed": b64u(os.urandom(16)), "kdf": dict(protocol.KDF_FLOOR),
        "auth_key": b64u(auth_key), "wrapped_ak": protocol.box(kek, ak, f"valitila/v1/ak|{uid}"),
        "recovery": recovery,
        "bundle": protocol.make_bundle(uid, ed, protocol.raw_public(x), protocol.raw_public(ed)),
        "wrapped_x25519": protocol.box(ak, protocol.pkcs8(x), f"valitila/v1/x25519|{uid}"),
        "wrapped_ed25519": protocol.box(ak, protocol.pkcs8(ed), f"valitila/v1/ed25519|{uid}"),
    }
    account = protocol.NewAccount(registration, ak, x, ed, rk, display)
    return FastAccount(account, auth_key, protocol.derive_recovery_secrets(rk)[1])


def new_secrets(uid: str, ak: bytes, *, recovery: bool = True) -> tuple[dict[str, Any], bytes,
                                                                         bytes | None]:
    """A `new` object for POST /auth/password: (body, new auth key, new recovery auth key)."""
    kek, auth_key = os.urandom(32), os.urandom(32)
    body: dict[str, Any] = {"salt_seed": b64u(os.urandom(16)), "kdf": dict(protocol.KDF_FLOOR),
                            "auth_key": b64u(auth_key),
                            "wrapped_ak": protocol.box(kek, ak, f"valitila/v1/ak|{uid}")}
    recovery_auth = None
    if recovery:
        body["recovery"], rk, _ = protocol.new_recovery(uid, ak)
        recovery_auth = protocol.derive_recovery_secrets(rk)[1]
    return body, auth_key, recovery_auth


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.fi"


# -- through the HTTP API --------------------------------------------------------------------

def api_register(app: Flask, email: str | None = None, *, display_name: str = "Testi Henkilö",
                 keys: FastAccount | None = None, **extra: Any) -> Person:
    """Register through POST /api/v1/auth/register; the returned person is signed in."""
    keys = keys or fast_account()
    email = email or unique_email()
    client = app.test_client()
    response = client.post("/api/v1/auth/register",
                           json=keys.registration(email, display_name, **extra))
    assert response.status_code == 201, response.get_json()
    person = Person(email, "", keys.account, client, response.get_json()["csrf_token"])
    person.auth_key = keys.auth_key  # type: ignore[attr-defined]
    person.recovery_auth_key = keys.recovery_auth_key  # type: ignore[attr-defined]
    return person


def api_login(app: Flask, person: Person, auth_key: bytes | None = None) -> Person:
    """The same person signed in on a new client (a second device)."""
    client = app.test_client()
    key = auth_key or person.auth_key  # type: ignore[attr-defined]
    response = client.post("/api/v1/auth/login", json={"email": person.email,
                                                         "auth_key": b64u(key)})
    assert response.status_code == 200, response.get_json()
    other = Person(person.email, "", person.account, client, response.get_json()["csrf_token"],
                   person.deks)
    other.auth_key = key  # type: ignore[attr-defined]
    other.recovery_auth_key = person.recovery_auth_key  # type: ignore[attr-defined]
    return other


# -- sealing for service tests ---------------------------------------------------------------

def item_body(account: protocol.NewAccount, item_id: str, *, rev: int = 1, kind: str = "entry",
              payload: dict[str, Any] | None = None, dek: bytes | None = None,
              owner_envelope: bool = True, by: str | None = None,
              signer: Ed25519PrivateKey | None = None, header_id: str | None = None,
              header_kind: str | None = None, header_rev: int | None = None
              ) -> dict[str, Any]:
    """A PUT /items/{id} body. The header_* / by / signer arguments forge mismatches."""
    uid = account.registration["uid"]
    dek = dek or os.urandom(32)
    sealed = protocol.seal_item(header_id or item_id, header_kind or kind, header_rev or rev,
                               by or uid, payload or {"title": "t", "body": "b", "tags": []},
                               dek, signer or account.ed25519_private)
    body: dict[str, Any] = {"kind": kind, "rev": rev, "sealed": sealed["sealed"],
                            "sig": sealed["sig"]}
    if owner_envelope:
        body["envelopes"] = [protocol.owner_envelope(account.ak, dek, item_id, uid)]
    return body


# -- supervision processes ------------------------------------------------------------------

def make_process(supervisor_uid: str, *member_uids: str, form: str = "individual",
                 status: str = "draft", app: Flask | None = None) -> str:
    """A real supervision process (rows through the models, committed): `supervisor_uid` as
    its supervisor and each of `member_uids` as an active supervisee. Returns its id. Pass
    `app` when no application context is pushed (API tests)."""
    from webapp.models import Membership, Process
    from webapp.models.types import utcnow
    from webapp.services.processes import FORM_DEFAULTS

    pid = str(uuid.uuid4())
    defaults = FORM_DEFAULTS[form]
    with app.app_context() if app is not None else nullcontext():
        now = utcnow()
        db.session.add(Process(
            id=pid, form=form, status=status, supervisor_uid=supervisor_uid,
            session_minutes=defaults.session_minutes, interval_days=defaults.interval_days,
            session_count=defaults.session_count, mode="in_person",
            roster_epoch=1 + len(member_uids), created_at=now,
            activated_at=now if status != "draft" else None,
            ended_at=now if status == "ended" else None))
        db.session.flush()
        db.session.add(Membership(process_id=pid, user_uid=supervisor_uid, role="supervisor"))
        for uid in member_uids:
            db.session.add(Membership(process_id=pid, user_uid=uid, role="supervisee"))
        db.session.commit()
    return pid


def end_membership_row(pid: str, uid: str, app: Flask | None = None) -> None:
    """Mark a membership ended directly in the database (no envelope clean-up: for tests of
    what the services do with a former member)."""
    from sqlalchemy import update

    from webapp.models import Membership
    from webapp.models.types import utcnow
    with app.app_context() if app is not None else nullcontext():
        db.session.execute(update(Membership).where(
            Membership.process_id == pid, Membership.user_uid == uid).values(ended_at=utcnow()))
        db.session.commit()


# -- database ---------------------------------------------------------------------------------

def snapshot(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table (sorted), to prove a request stored or changed nothing."""
    with app.app_context(), db.engine.connect() as conn:
        return {table.name: sorted((tuple(row) for row in conn.execute(select(table))),
                                   key=repr)
                for table in db.metadata.sorted_tables}


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def csrf_from(html: str) -> str:
    match = CSRF_META.search(html)
    assert match, "no csrf-token meta in the page"
    return match.group(1)


def dump_rows(app: Flask) -> list[tuple[Any, list[dict[str, Any]]]]:
    """Every row of every table, in insertion order, to put back with `restore_rows`."""
    with app.app_context(), db.engine.connect() as conn:
        return [(table, [dict(row._mapping) for row in conn.execute(select(table))])
                for table in db.metadata.sorted_tables]


def restore_rows(app: Flask, dump: list[tuple[Any, list[dict[str, Any]]]]) -> None:
    """Put dumped rows back into an emptied database (a cheap shared fixture: the session
    cookies of its clients stay valid because the users' rows come back unchanged)."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table, rows in dump:
                if table.name == "process_versions":
                    conn.execute(table.delete())  # made anew by the processes' trigger
                if rows:
                    conn.execute(table.insert(), rows)


# -- homes and notes (sessions and goals as rows, for the homes' tests) ------------------------

def add_session(pid: str, starts_at, *, minutes: int = 60, status: str = "planned",
                app: Flask | None = None) -> str:
    """A supervision session row of process `pid` (a cancelled one gets the reason "other").
    Returns its id."""
    import secrets

    from webapp.models import SupervisionSession
    session_id = secrets.token_urlsafe(16)
    with app.app_context() if app is not None else nullcontext():
        db.session.add(SupervisionSession(
            id=session_id, process_id=pid, starts_at=starts_at, minutes=minutes, status=status,
            cancel_reason="other" if status == "cancelled" else None))
        db.session.commit()
    return session_id


def add_goal(supervisor: Person, pid: str, text: str, *, readers: tuple[str, ...] = (),
             position: int = 0, status: str = "open", app: Flask | None = None) -> str:
    """A goal of process `pid`: a sealed item of kind "goal" written by its supervisor
    through the API (with an envelope for each of `readers`, members of the process), and its
    Goal row. Returns the item id."""
    from webapp.models import Goal, User
    item_id, body = supervisor.seal({"text": text}, kind="goal")   # as contract.js seals it
    body["process"] = pid
    with app.app_context() if app is not None else nullcontext():
        for uid in readers:
            x = protocol.b64u_decode(db.session.get(User, uid).bundle["x25519"], 32)
            body["envelopes"].append(protocol.share_envelope(supervisor.deks[item_id], item_id,
                                                             uid, x))
    response = supervisor.put(f"/items/{item_id}", body)
    assert response.status_code == 201, response.get_json()
    with app.app_context() if app is not None else nullcontext():
        goal = db.session.get(Goal, item_id)      # the item PUT may have made it already
        if goal is None:
            db.session.add(Goal(item_id=item_id, process_id=pid, position=position,
                                status=status))
        else:
            goal.position, goal.status = position, status
        db.session.commit()
    return item_id


def note_body(supervisor: Person, pid: str, text: str, *, session: str | None = None,
              item_id: str | None = None, rev: int = 1) -> tuple[str, dict[str, Any]]:
    """A PUT body of a private note of process `pid` (the author's own envelope on rev 1)."""
    item_id, body = supervisor.seal({"body": text}, kind="note", item_id=item_id, rev=rev)
    body["process"] = pid
    body["links"] = {"session": session} if session else None
    return item_id, body


def share_body(author: Person, item_id: str, reader_uid: str, app: Flask | None = None
               ) -> dict[str, Any]:
    """An x25519 envelope of the author's item `item_id` for `reader_uid` (from their stored
    bundle)."""
    from webapp.models import User
    with app.app_context() if app is not None else nullcontext():
        x = protocol.b64u_decode(db.session.get(User, reader_uid).bundle["x25519"], 32)
    return protocol.share_envelope(author.deks[item_id], item_id, reader_uid, x)


def checkin_body(supervisee: Person, pid: str, goal_id: str, value: int, note: str = "", *,
                 share_with: str | None = None, app: Flask | None = None
                 ) -> tuple[str, dict[str, Any]]:
    """A PUT body of a goal check-in (kind "checkin", {value, note} sealed, links.goal), with
    an envelope for `share_with` (the supervisor) when given."""
    item_id, body = supervisee.seal({"value": value, "note": note}, kind="checkin")
    body["process"], body["links"] = pid, {"goal": goal_id}
    if share_with:
        body["envelopes"].append(share_body(supervisee, item_id, share_with, app))
    return item_id, body


def topic_body(supervisee: Person, pid: str, text: str, supervisor_uid: str | None, *,
               session: str | None = None, app: Flask | None = None
               ) -> tuple[str, dict[str, Any]]:
    """A PUT body of a proposed topic (kind "topic", {text} sealed), shared with the
    supervisor through the process at creation."""
    item_id, body = supervisee.seal({"text": text}, kind="topic")
    body["process"] = pid
    if session:
        body["links"] = {"session": session}
    if supervisor_uid:
        body["envelopes"].append(share_body(supervisee, item_id, supervisor_uid, app))
    return item_id, body
