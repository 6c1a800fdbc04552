"""The bad-input matrix of every /api/v1 endpoint (PROTOCOL §7).

Every case must answer a 4xx with `{"error": {"code": str, "message": str}}` — never a 500 —
and must leave every table exactly as it was.
"""
from __future__ import annotations

import base64
import copy
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import protocol

from .factories import (
    api_register,
    b64u,
    dump_rows,
    fast_account,
    new_secrets,
    restore_rows,
    snapshot,
)
from .helpers import Person

DELETE = object()          # marks a key to remove in `edit`
NO_BODY = object()
_rng = random.Random(20260601)
COOKIE = "valitila_session"


def rnd(n: int) -> bytes:
    """Deterministic bytes: the same cases on every run."""
    return _rng.randbytes(n)


# -- the world every case runs in ------------------------------------------------------------

@dataclass(repr=False)
class World:
    app: Any
    anna: Person
    bertta: Person
    carla: Person                     # a stranger to both
    item: str                         # anna's stored item
    new: str                          # a fresh item id, nothing stored
    new_body: dict[str, Any]          # a valid create body for `new`
    pid: str                          # anna supervises it, bertta is a supervisee
    ended: str                        # anna's ended process
    invites: dict[str, dict[str, str]]  # open, used, revoked, expired: {id, token}
    anon: Any = None                  # a client without a session

    def __repr__(self) -> str:
        return f"World(anna={self.anna.uid}, item={self.item})"

    def ids(self) -> dict[str, str]:
        ids = {"item": self.item, "new": self.new, "anna": self.anna.uid,
               "bertta": self.bertta.uid, "carla": self.carla.uid, "ITEM": self.item.upper(),
               "ANNA": self.anna.uid.upper(), "random": str(uuid.uuid4()),
               "uuid1": str(uuid.uuid1()), "pid": self.pid, "PID": self.pid.upper(),
               "ended": self.ended}
        for state, invite in self.invites.items():
            ids[f"{state}_invite"], ids[f"{state}_token"] = invite["id"], invite["token"]
        return ids


@pytest.fixture(scope="module")
def _world_once(app):
    """Built once per module; every test gets its rows back (cases change nothing anyway)."""
    with app.app_context():
        assert snapshot(app)["users"] == [], "the database should be empty between tests"
    anna = api_register(app, "anna@example.fi", display_name="Anna", is_supervisor=True)
    bertta = api_register(app, "bertta@example.fi", display_name="Bertta")
    item = anna.write("Salainen otsikko", "Salainen teksti")
    new, body = anna.seal({"title": "Uusi", "body": "Teksti", "tags": []})
    pid, ended = _processes(app, anna, bertta)
    carla = api_register(app, "carla@example.fi", display_name="Carla")
    world = World(app, anna, bertta, carla, item, new, body, pid, ended["pid"], ended["invites"],
                  app.test_client())
    cookies = {p.uid: p.client.get_cookie(COOKIE).value for p in (anna, bertta, carla)}
    return world, dump_rows(app), cookies


def _processes(app, anna: Person, bertta: Person) -> tuple[str, dict[str, Any]]:
    """anna's process (bertta joined it by an invite) with invites in every state, and an
    ended process of hers."""
    from sqlalchemy import update

    from webapp.extensions import db
    from webapp.models import Invite
    from webapp.models.types import utcnow

    pid, ended = str(uuid.uuid4()), str(uuid.uuid4())
    assert anna.post("/processes", {"id": pid, "form": "group",
                                    "starts_on": "2027-01-04"}).status_code == 201
    invites = {state: anna.post(f"/processes/{pid}/invites", {}).get_json()
               for state in ("open", "used", "revoked", "expired")}
    assert bertta.post(f"/invites/{invites['used']['token']}/accept").status_code == 200
    assert anna.delete(f"/processes/{pid}/invites/{invites['revoked']['id']}"
                       ).status_code == 204
    with app.app_context():
        db.session.execute(update(Invite).where(Invite.id == invites["expired"]["id"])
                           .values(expires_at=utcnow()))
        db.session.commit()
    assert anna.post("/processes", {"id": ended, "form": "crisis"}).status_code == 201
    assert anna.post(f"/processes/{ended}/end").status_code == 200
    invites = {state: {"id": i["id"], "token": i["token"]} for state, i in invites.items()}
    return pid, {"pid": ended, "invites": invites}


@pytest.fixture
def world(app, _world_once) -> World:
    world, rows, cookies = _world_once
    if not snapshot(app)["users"]:          # emptied by conftest after the previous test
        restore_rows(app, rows)
    # fresh clients with the original sessions
    for person in (world.anna, world.bertta, world.carla):
        person.client = app.test_client()
        person.client.set_cookie(COOKIE, cookies[person.uid])
    world.anon = app.test_client()
    return world


# -- cases -----------------------------------------------------------------------------------

@dataclass
class Case:
    method: str
    path: str                                   # "/items/{item}" etc. (World.ids)
    body: Any = NO_BODY                         # JSON value, or callable(world) -> value
    raw: bytes | None = None                    # raw body instead of JSON
    content_type: str | None = None
    who: str = "anna"                           # "anna", "bertta" or "anon"
    csrf: str | None = "valid"                  # "valid", None (no header) or a bad value
    status: int | None = None                   # the exact status expected, when it matters
    code: str | None = None                     # the exact error code expected
    query: dict[str, str] = field(default_factory=dict)


def edit(body: dict, path: str, value: Any = DELETE) -> dict:
    """A deep copy of body with the dotted key set (or removed with DELETE)."""
    body = copy.deepcopy(body)
    *parents, last = path.split(".")
    node = body
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return body


def mutated(builder: Callable[[World], dict], path: str, value: Any = DELETE
            ) -> Callable[[World], dict]:
    return lambda w: edit(builder(w), path, value(w) if callable(value) else value)


def send(w: World, case: Case):
    path = "/api/v1" + case.path.format(**w.ids())
    person = {"anna": w.anna, "bertta": w.bertta}.get(case.who)
    client = person.client if person is not None else w.anon
    headers = {}
    if case.csrf == "valid":
        if person is not None:
            headers["X-CSRF-Token"] = person.csrf
    elif case.csrf is not None:
        headers["X-CSRF-Token"] = case.csrf
    kwargs: dict[str, Any] = {"method": case.method, "headers": headers,
                              "query_string": case.query}
    if case.raw is not None:
        kwargs["data"] = case.raw
        kwargs["content_type"] = case.content_type
    elif case.body is not NO_BODY:
        body = case.body(w) if callable(case.body) else case.body
        kwargs["data"] = json.dumps(body)
        kwargs["content_type"] = case.content_type or "application/json"
    return client.open(path, **kwargs)


def assert_error(response, status: int | None = None, code: str | None = None) -> dict:
    assert response.status_code != 500, response.get_data(as_text=True)[:500]
    assert 400 <= response.status_code < 500, (response.status_code,
                                                response.get_data(as_text=True)[:500])
    if status is not None:
        assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"], body
    assert isinstance(error.get("message"), str) and error["message"], body
    if code is not None:
        assert error["code"] == code, body
    return error


def check(w: World, case: Case) -> dict:
    before = snapshot(w.app)
    error = assert_error(send(w, case), case.status, case.code)
    assert snapshot(w.app) == before, "a rejected request changed the database"
    return error


# -- valid bodies to mutate ------------------------------------------------------------------

def register_body(w: World) -> dict:
    return fast_account().registration("new-person@example.fi", "Uusi Henkilö")


def login_body(w: World) -> dict:
    return {"email": w.anna.email, "auth_key": b64u(w.anna.auth_key)}


def recover_body(w: World) -> dict:
    return {"email": w.anna.email, "recovery_auth_key": b64u(w.anna.recovery_auth_key)}


def password_body(w: World) -> dict:
    return {"proof": {"auth_key": b64u(w.anna.auth_key)},
            "new": new_secrets(w.anna.uid, w.anna.account.ak)[0]}


def recovery_password_body(w: World) -> dict:
    return {"proof": recover_body(w), "new": new_secrets(w.anna.uid, w.anna.account.ak)[0]}


def new_recovery_body(w: World) -> dict:
    return {"proof": {"auth_key": b64u(w.anna.auth_key)},
            "recovery": protocol.new_recovery(w.anna.uid, w.anna.account.ak)[0]}


def item_put_body(w: World) -> dict:
    return copy.deepcopy(w.new_body)


def update_body(w: World) -> dict:
    return w.anna.seal({"title": "v2"}, item_id=w.item, rev=2)[1]


def share_body(w: World) -> dict:
    dek = w.anna.deks[w.item]
    x = protocol.b64u_decode(w.bertta.account.registration["bundle"]["x25519"], 32)
    return {"envelope": protocol.share_envelope(dek, w.item, w.bertta.uid, x), "process": w.pid}


def process_body(w: World) -> dict:
    return {"id": w.new, "form": "individual", "session_minutes": 60, "interval_days": 21,
            "session_count": 10, "mode": "remote", "starts_on": "2027-01-04",
            "ends_on": "2027-12-31"}


B64U_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _non_canonical(raw: bytes) -> str:
    """The encoding of `raw` with an unused trailing bit set (decodes, but not canonical)."""
    good = b64u(raw)
    if len(raw) % 3 == 0:                     # no unused bits: use a stray character instead
        return good[:-1] + "."
    return good[:-1] + B64U_ALPHABET[B64U_ALPHABET.index(good[-1]) | 1]


def _b64_variants(raw: bytes) -> list[tuple[str, str]]:
    """(label, value) of malformed base64url encodings of `raw` (and wrong lengths)."""
    good = b64u(raw)
    std = base64.b64encode(b"\xfb\xff" + raw[2:]).decode()   # starts with "+/"
    return [
        ("padded", good + "=" * (-len(good) % 4 or 4)),
        ("std-padded", std),
        ("plus", "+" + good[1:]),
        ("slash", "/" + good[1:]),
        ("space", good[:10] + " " + good[11:]),
        ("newline", good + "\n"),
        ("short", b64u(raw[:-1])),
        ("long", b64u(raw + b"\0")),
        ("empty", ""),
        ("non-canonical", _non_canonical(raw)),
        ("int", 5), ("null", None), ("list", [good]), ("bool", True),
    ]


WRONG_TYPES = [("int", 5), ("float", 1.5), ("null", None), ("true", True), ("list", []),
               ("object", {}), ("string", "x")]


def P(name: str, case: Case):
    return pytest.param(case, id=name)


# -- the matrix --------------------------------------------------------------------------------

def _body_endpoints() -> list[tuple[str, str, str]]:
    """(name, method, path) of every endpoint that reads a JSON body."""
    return [("prelogin", "POST", "/auth/prelogin"), ("register", "POST", "/auth/register"),
            ("login", "POST", "/auth/login"), ("recover", "POST", "/auth/recover"),
            ("password", "POST", "/auth/password"), ("me-patch", "PATCH", "/me"),
            ("me-recovery", "POST", "/me/recovery"),
            ("me-recovery-confirmed", "POST", "/me/recovery/confirmed"),
            ("item-put", "PUT", "/items/{new}"),
            ("envelope-put", "PUT", "/items/{item}/envelopes/{bertta}"),
            ("process-post", "POST", "/processes"), ("process-patch", "PATCH", "/processes/{pid}"),
            ("invite-post", "POST", "/processes/{pid}/invites"),
            ("pin-put", "PUT", "/pins/{bertta}")]


HUGE = b'{"x": "' + b"a" * (1024 * 1024 + 10) + b'"}'
DEEP = b"[" * 100_000 + b"]" * 100_000


def raw_cases():
    raws = [
        ("text-plain", b'{"email": "anna@example.fi"}', "text/plain", 415),
        ("form", b"email=anna%40example.fi", "application/x-www-form-urlencoded", 415),
        ("multipart", b"--b\r\n\r\n--b--\r\n", "multipart/form-data; boundary=b", 415),
        ("no-type", b"", None, 415),
        ("invalid-json", b'{"email": ', "application/json", 400),
        ("trailing-garbage", b'{} {}', "application/json", 400),
        ("not-utf8", b'{"email": "\xff\xfe"}', "application/json", 400),
        ("empty-json", b"", "application/json", 400),
        ("array", b"[]", "application/json", 400),
        ("string", b'"x"', "application/json", 400),
        ("number", b"5", "application/json", 400),
        ("null", b"null", "application/json", 400),
        ("true", b"true", "application/json", 400),
        ("nan", b'{"email": NaN}', "application/json", 400),
        ("huge", HUGE, "application/json", 413),
        ("deeply-nested", DEEP, "application/json", 400),
    ]
    for name, method, path in _body_endpoints():
        for label, raw, ctype, status in raws:
            yield P(f"{name}-{label}", Case(method, path, raw=raw, content_type=ctype,
                                            status=status))


def prelogin_cases():
    ok = {"email": "anna@example.fi"}
    yield P("missing-email", Case("POST", "/auth/prelogin", {}, status=400))
    yield P("extra-field", Case("POST", "/auth/prelogin", ok | {"x": 1}, status=400))
    for label, value in WRONG_TYPES + [("empty", ""), ("no-at", "anna"), ("no-tld", "a@b"),
                                       ("too-long", "a" * 300 + "@example.fi"),
                                       ("nul", "a\x00b@example.fi"),
                                       ("spaces", "an na@example.fi")]:
        yield P(f"email-{label}", Case("POST", "/auth/prelogin", {"email": value}, status=400))


def register_cases():
    required = ["email", "display_name", "uid", "salt_seed", "kdf", "auth_key", "wrapped_ak",
                "recovery", "bundle", "wrapped_x25519", "wrapped_ed25519"]

    def bad(key: str, value: Any = DELETE, status: int = 400, code: str | None = None):
        """Register as a new visitor (no session to lose) with one field changed."""
        return Case("POST", "/auth/register", mutated(register_body, key, value), who="anon",
                    status=status, code=code)

    def custom(builder, status: int, code: str):
        return Case("POST", "/auth/register", builder, who="anon", status=status, code=code)

    for key in required:
        yield P(f"missing-{key}", bad(key))
    yield P("extra-field", bad("admin", True))
    for key in required + ["locale", "is_supervisor"]:
        for label, value in WRONG_TYPES:
            if (key, label) not in {("display_name", "string"), ("is_supervisor", "true")}:
                yield P(f"{key}-{label}", bad(key, value))     # (those two are valid values)
    for label, value in [("uppercase", lambda w: str(uuid.uuid4()).upper()),
                         ("uuid1", str(uuid.uuid1())), ("braces", f"{{{uuid.uuid4()}}}")]:
        yield P(f"uid-{label}", bad("uid", value))
    for label, value in _b64_variants(rnd(16)):
        yield P(f"salt_seed-{label}", bad("salt_seed", value))
    for label, value in _b64_variants(rnd(32)):
        yield P(f"auth_key-{label}", bad("auth_key", value))
        yield P(f"recovery-auth_key-{label}", bad("recovery.auth_key", value))
    for box in ("wrapped_ak", "recovery.wrapped_ak", "wrapped_x25519", "wrapped_ed25519"):
        size = 64 if box in ("wrapped_x25519", "wrapped_ed25519") else 48
        for label, value in _b64_variants(rnd(size)):
            yield P(f"{box}-ct-{label}", bad(f"{box}.ct", value))
        yield P(f"{box}-iv-short", bad(f"{box}.iv", b64u(rnd(11))))
        yield P(f"{box}-missing-iv", bad(f"{box}.iv"))
        yield P(f"{box}-extra", bad(f"{box}.tag", "AAAA"))
    for label, kdf in [("weak-m", {"alg": "argon2id", "m": 1024, "t": 3, "p": 1}),
                       ("weak-t", {"alg": "argon2id", "m": 65536, "t": 1, "p": 1}),
                       ("alg", {"alg": "pbkdf2", "m": 65536, "t": 3, "p": 1}),
                       ("extra", {"alg": "argon2id", "m": 65536, "t": 3, "p": 1, "v": 19}),
                       ("missing", {"alg": "argon2id", "m": 65536, "t": 3}),
                       ("huge", {"alg": "argon2id", "m": 2**62, "t": 3, "p": 1}),
                       ("string-m", {"alg": "argon2id", "m": "65536", "t": 3, "p": 1})]:
        yield P(f"kdf-{label}", bad("kdf", kdf))

    def forged_sig(w):
        body = register_body(w)
        body["bundle"]["sig"] = b64u(Ed25519PrivateKey.generate().sign(
            protocol.bundle_message(body["bundle"])))
        return body

    def flipped_sig(w):
        body = register_body(w)
        raw = bytearray(protocol.b64u_decode(body["bundle"]["sig"]))
        raw[0] ^= 0x80
        body["bundle"]["sig"] = b64u(bytes(raw))
        return body

    def other_bundle(w):
        return register_body(w) | {"bundle": fast_account().account.registration["bundle"]}

    def uid_taken(w):
        return fast_account(w.anna.uid).registration("someone@example.fi")

    yield P("bundle-forged", custom(forged_sig, 400, "bad_signature"))
    yield P("bundle-flipped", custom(flipped_sig, 400, "bad_signature"))
    yield P("bundle-other-uid", custom(other_bundle, 400, "uid_mismatch"))
    yield P("bundle-extra", bad("bundle.x", 1))
    yield P("bundle-v2", bad("bundle.v", 2))
    for label, value in [("empty", ""), ("blank", "   "), ("long", "x" * 101),
                         ("nul", "Anna\x00")]:
        yield P(f"display_name-{label}", bad("display_name", value))
    for label, value in [("bad", "nope"), ("nul", "a\x00@example.fi"),
                         ("nfkc-too-long", "a" * 64 + "@" + "\u3371" * 63 + ".fi")]:
        yield P(f"email-{label}", bad("email", value))
    yield P("locale-de", bad("locale", "de"))
    yield P("invite-unknown", bad("invite", "abc", status=404))
    yield P("email-taken", bad("email", " ANNA@example.fi", status=409, code="email_taken"))
    yield P("uid-taken", custom(uid_taken, 409, "uid_taken"))


def login_cases():
    path = "/auth/login"
    yield P("missing-email", Case("POST", path, mutated(login_body, "email"), status=400))
    yield P("missing-auth_key", Case("POST", path, mutated(login_body, "auth_key"), status=400))
    yield P("extra", Case("POST", path, mutated(login_body, "password", "x"), status=400))
    for label, value in _b64_variants(rnd(32)):
        yield P(f"auth_key-{label}", Case("POST", path, mutated(login_body, "auth_key", value),
                                          status=400))
    for label, value in WRONG_TYPES:
        yield P(f"email-{label}", Case("POST", path, mutated(login_body, "email", value),
                                       status=400))
    for label, body in [
        ("wrong-key", lambda w: login_body(w) | {"auth_key": b64u(rnd(32))}),
        ("unknown-email", lambda w: login_body(w) | {"email": "nobody@example.fi"}),
        ("recovery-key", lambda w: login_body(w) | {"auth_key": b64u(w.anna.recovery_auth_key)}),
        ("other-users-key", lambda w: login_body(w) | {"auth_key": b64u(w.bertta.auth_key)}),
    ]:
        yield P(label, Case("POST", path, body, who="anon", status=401, code="bad_credentials"))


def session_cases():
    for name in ("logout", "logout-everywhere"):
        path = f"/auth/{name}"
        yield P(f"{name}-no-csrf", Case("POST", path, csrf=None, status=403, code="csrf"))
        yield P(f"{name}-bad-csrf", Case("POST", path, csrf="forged", status=403, code="csrf"))
        yield P(f"{name}-get", Case("GET", path, status=405))


def recover_cases():
    path = "/auth/recover"
    yield P("missing-email", Case("POST", path, mutated(recover_body, "email"), status=400))
    yield P("missing-key", Case("POST", path, mutated(recover_body, "recovery_auth_key"),
                                status=400))
    yield P("extra", Case("POST", path, mutated(recover_body, "x", 1), status=400))
    for label, value in _b64_variants(rnd(32)):
        yield P(f"key-{label}", Case("POST", path,
                                     mutated(recover_body, "recovery_auth_key", value),
                                     status=400))
    for label, value in WRONG_TYPES:
        yield P(f"email-{label}", Case("POST", path, mutated(recover_body, "email", value),
                                       status=400))
    yield P("wrong-key", Case("POST", path, mutated(recover_body, "recovery_auth_key",
                                                    b64u(rnd(32))), status=401))
    yield P("auth-key-as-recovery", Case("POST", path, lambda w: recover_body(w) | {
        "recovery_auth_key": b64u(w.anna.auth_key)}, status=401))
    yield P("unknown-email", Case("POST", path, mutated(recover_body, "email",
                                                        "nobody@example.fi"), status=401))


def password_cases():
    path = "/auth/password"
    yield P("missing-proof", Case("POST", path, mutated(password_body, "proof"), status=400))
    yield P("missing-new", Case("POST", path, mutated(password_body, "new"), status=400))
    yield P("extra", Case("POST", path, mutated(password_body, "x", 1), status=400))
    for label, value in WRONG_TYPES:
        yield P(f"proof-{label}", Case("POST", path, mutated(password_body, "proof", value),
                                       status=400))
        if label != "object":
            yield P(f"new-{label}", Case("POST", path, mutated(password_body, "new", value),
                                         status=400))
    yield P("new-empty", Case("POST", path, mutated(password_body, "new", {}), status=400))
    for label, value in _b64_variants(rnd(32)):
        yield P(f"proof-auth_key-{label}", Case(
            "POST", path, mutated(password_body, "proof.auth_key", value), status=400))
        yield P(f"new-auth_key-{label}", Case(
            "POST", path, mutated(password_body, "new.auth_key", value), status=400))
    yield P("proof-wrong", Case("POST", path, mutated(password_body, "proof.auth_key",
                                                      b64u(rnd(32))),
                                status=401, code="bad_credentials"))
    yield P("proof-other-user", Case("POST", path, lambda w: edit(
        password_body(w), "proof.auth_key", b64u(w.bertta.auth_key)), status=401))
    yield P("proof-extra", Case("POST", path, mutated(password_body, "proof.email",
                                                      "anna@example.fi"), status=400))
    yield P("proof-mixed", Case("POST", path, lambda w: edit(
        password_body(w), "proof", {"auth_key": b64u(w.anna.auth_key),
                                    **recover_body(w)}), status=400))
    for key in ("salt_seed", "kdf", "auth_key", "wrapped_ak"):
        yield P(f"new-missing-{key}", Case("POST", path, mutated(password_body, f"new.{key}"),
                                           status=400))
    yield P("new-extra", Case("POST", path, mutated(password_body, "new.uid", "x"), status=400))
    yield P("new-weak-kdf", Case("POST", path, mutated(
        password_body, "new.kdf", {"alg": "argon2id", "m": 8, "t": 1, "p": 1}), status=400))
    yield P("new-wrapped_ak-short", Case("POST", path, mutated(
        password_body, "new.wrapped_ak.ct", b64u(rnd(47))), status=400))
    yield P("new-recovery-bad", Case("POST", path, mutated(
        password_body, "new.recovery.auth_key", "x"), status=400))
    yield P("recovery-proof-without-new-recovery", Case(
        "POST", path, mutated(recovery_password_body, "new.recovery"), status=400))
    yield P("recovery-proof-wrong", Case("POST", path, mutated(
        recovery_password_body, "proof.recovery_auth_key", b64u(rnd(32))), status=401))
    yield P("recovery-proof-wrong-anon", Case("POST", path, mutated(
        recovery_password_body, "proof.recovery_auth_key", b64u(rnd(32))), who="anon",
        status=401))
    yield P("auth-proof-anon", Case("POST", path, password_body, who="anon", status=401,
                                    code="login_required"))
    yield P("no-csrf", Case("POST", path, password_body, csrf=None, status=403, code="csrf"))
    yield P("bad-csrf", Case("POST", path, password_body, csrf="forged", status=403, code="csrf"))


def me_cases():
    yield P("me-anonymous", Case("GET", "/me", who="anon", status=401, code="login_required"))
    yield P("me-keys-anonymous", Case("GET", "/me/keys", who="anon", status=401,
                                      code="login_required"))
    for method in ("POST", "PUT", "DELETE"):
        yield P(f"me-{method}", Case(method, "/me", status=405))
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        yield P(f"me-keys-{method}", Case(method, "/me/keys", status=405))
    for label, body in [
        ("extra", {"email": "x@example.fi"}), ("uid", {"uid": str(uuid.uuid4())}),
        ("name-empty", {"display_name": ""}), ("name-blank", {"display_name": "  "}),
        ("name-long", {"display_name": "x" * 101}), ("name-int", {"display_name": 5}),
        ("name-null", {"display_name": None}), ("name-list", {"display_name": ["A"]}),
        ("name-nul", {"display_name": "An\x00na"}),
        ("lock-0", {"lock_minutes": 0}), ("lock-1441", {"lock_minutes": 1441}),
        ("lock-negative", {"lock_minutes": -1}), ("lock-string", {"lock_minutes": "30"}),
        ("lock-float", {"lock_minutes": 30.5}), ("lock-bool", {"lock_minutes": True}),
        ("lock-null", {"lock_minutes": None}), ("lock-huge", {"lock_minutes": 10**30}),
        ("locale-de", {"locale": "de"}), ("locale-null", {"locale": None}),
        ("locale-int", {"locale": 1}),
        ("good-name-bad-lock", {"display_name": "Uusi", "lock_minutes": 0}),
    ]:
        yield P(f"patch-{label}", Case("PATCH", "/me", body, status=400))
    yield P("patch-no-csrf", Case("PATCH", "/me", {"display_name": "X"}, csrf=None, status=403,
                                  code="csrf"))
    yield P("patch-bad-csrf", Case("PATCH", "/me", {"display_name": "X"}, csrf="forged",
                                   status=403, code="csrf"))


def recovery_key_cases():
    """POST /me/recovery (a new key, proven by the password) and /me/recovery/confirmed."""
    path = "/me/recovery"
    for key in ("proof", "recovery", "proof.auth_key", "recovery.auth_key",
                "recovery.wrapped_ak"):
        yield P(f"missing-{key}", Case("POST", path, mutated(new_recovery_body, key),
                                       status=400))
    yield P("extra", Case("POST", path, mutated(new_recovery_body, "x", 1), status=400))
    for label, value in _b64_variants(rnd(32)):
        yield P(f"proof-{label}", Case("POST", path, mutated(
            new_recovery_body, "proof.auth_key", value), status=400))
        yield P(f"recovery-auth_key-{label}", Case("POST", path, mutated(
            new_recovery_body, "recovery.auth_key", value), status=400))
    yield P("wrapped_ak-short", Case("POST", path, mutated(
        new_recovery_body, "recovery.wrapped_ak.ct", b64u(rnd(47))), status=400))
    yield P("recovery-proof", Case("POST", path, lambda w: edit(
        new_recovery_body(w), "proof", recover_body(w)), status=400))
    yield P("proof-wrong", Case("POST", path, mutated(new_recovery_body, "proof.auth_key",
                                                      b64u(rnd(32))),
                                status=401, code="bad_credentials"))
    yield P("proof-other-user", Case("POST", path, lambda w: edit(
        new_recovery_body(w), "proof.auth_key", b64u(w.bertta.auth_key)), status=401))
    yield P("anon", Case("POST", path, new_recovery_body, who="anon", status=401,
                         code="login_required"))
    yield P("no-csrf", Case("POST", path, new_recovery_body, csrf=None, status=403,
                            code="csrf"))
    yield P("get", Case("GET", path, status=405))

    path = "/me/recovery/confirmed"
    yield P("confirm-missing", Case("POST", path, {}, status=400))
    yield P("confirm-extra", Case("POST", path, lambda w: {
        "recovery_auth_key": b64u(w.anna.recovery_auth_key), "x": 1}, status=400))
    for label, value in _b64_variants(rnd(32)):
        yield P(f"confirm-{label}", Case("POST", path, {"recovery_auth_key": value},
                                         status=400))
    yield P("confirm-other-key", Case("POST", path, {"recovery_auth_key": b64u(rnd(32))},
                                      status=409, code="recovery_replaced"))
    yield P("confirm-auth-key", Case("POST", path, lambda w: {
        "recovery_auth_key": b64u(w.anna.auth_key)}, status=409))
    yield P("confirm-anon", Case("POST", path, {"recovery_auth_key": b64u(rnd(32))},
                                 who="anon", status=401, code="login_required"))
    yield P("confirm-no-csrf", Case("POST", path, {"recovery_auth_key": b64u(rnd(32))},
                                    csrf=None, status=403, code="csrf"))
    yield P("confirm-get", Case("GET", path, status=405))


BAD_IDS = [("not-uuid", "nope", 400), ("uppercase", None, 400), ("uuid1", "{uuid1}", 400),
           ("nul", "%00", 400), ("long", "a" * 300, 400), ("dots", "..", None)]


def _bad_id(slot: str, upper: str) -> list[tuple[str, str, int]]:
    return [(label, upper if value is None else value, status)
            for label, value, status in BAD_IDS]


def bundle_cases():
    for label, value, status in _bad_id("uid", "{ANNA}"):
        yield P(f"bundle-{label}", Case("GET", f"/users/{value}/bundle", status=status))
    yield P("bundle-unknown", Case("GET", "/users/{random}/bundle", status=404))
    yield P("bundle-stranger", Case("GET", "/users/{carla}/bundle", status=404))
    yield P("bundle-post", Case("POST", "/users/{anna}/bundle", status=405))


def list_cases():
    def cursor(text):
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    for label, value in [("negative", "-1"), ("zero", "0"), ("too-big", "101"),
                         ("huge", "9" * 30), ("very-huge", "9" * 5000), ("text", "abc"),
                         ("float", "1.5"), ("exp", "1e2"), ("hex", "0x10"), ("blank", " ")]:
        yield P(f"limit-{label}", Case("GET", "/items", query={"limit": value}, status=400))
    for label, value in [
        ("garbage", "not a cursor"), ("symbols", "!!!!"), ("one-char", "A"),
        ("naive", cursor("2026-01-01T00:00:00|" + str(uuid.uuid4()))),
        ("no-id", cursor("2026-01-01T00:00:00+00:00")),
        ("bad-id", cursor("2026-01-01T00:00:00+00:00|nope")),
        ("bad-date", cursor("later|" + str(uuid.uuid4()))),
        ("not-utf8", base64.urlsafe_b64encode(b"\xff\xfe\xfd\xfc").decode()),
        ("before-year-1", cursor("0001-01-01T00:00:00+01:00|" + str(uuid.uuid4()))),
        ("after-year-9999", cursor("9999-12-31T23:59:59-01:00|" + str(uuid.uuid4()))),
    ]:
        yield P(f"before-{label}", Case("GET", "/items", query={"before": value}, status=400))
    for label, value in [("unknown", "diary"), ("upper", "ENTRY"), ("nul", "entry\x00")]:
        yield P(f"kind-{label}", Case("GET", "/items", query={"kind": value}, status=400))
    for label, value in [("bad", "nope"), ("upper", str(uuid.uuid4()).upper())]:
        yield P(f"process-{label}", Case("GET", "/items", query={"process": value}, status=400))
    yield P("items-post", Case("POST", "/items", {}, status=405))


def item_cases():
    for label, value, status in _bad_id("id", "{ITEM}"):
        yield P(f"get-{label}", Case("GET", f"/items/{value}", status=status))
        yield P(f"delete-{label}", Case("DELETE", f"/items/{value}", status=status))
        yield P(f"put-{label}", Case("PUT", f"/items/{value}", item_put_body, status=status))
    yield P("get-unknown", Case("GET", "/items/{random}", status=404))
    yield P("delete-unknown", Case("DELETE", "/items/{random}", status=404))
    yield P("delete-no-csrf", Case("DELETE", "/items/{item}", csrf=None, status=403, code="csrf"))
    yield P("put-no-csrf", Case("PUT", "/items/{new}", item_put_body, csrf=None, status=403,
                                code="csrf"))
    yield P("post", Case("POST", "/items/{item}", {}, status=405))
    path = "/items/{new}"
    for key in ("kind", "rev", "sealed", "sig"):
        yield P(f"put-missing-{key}", Case("PUT", path, mutated(item_put_body, key), status=400))
        for label, value in WRONG_TYPES:
            status = 409 if (key, label) == ("rev", "int") else 400   # rev 5 of a new item
            yield P(f"put-{key}-{label}", Case("PUT", path, mutated(item_put_body, key, value),
                                               status=status))
    yield P("put-extra-id", Case("PUT", path, lambda w: item_put_body(w) | {"id": w.new},
                                 status=400))
    yield P("put-extra-author", Case("PUT", path, mutated(item_put_body, "author", "x"),
                                     status=400))
    for label, value in [("zero", 0), ("negative", -1), ("two", 2), ("huge", 2**40),
                         ("float", 1.0), ("string", "1"), ("bool", True)]:
        yield P(f"put-rev-{label}", Case("PUT", path, mutated(item_put_body, "rev", value)))
    for label, value in [("unknown", "diary"), ("upper", "ENTRY"), ("other-valid", "note")]:
        yield P(f"put-kind-{label}", Case("PUT", path, mutated(item_put_body, "kind", value),
                                          status=400))
    for label, value in _b64_variants(rnd(12)):
        yield P(f"put-iv-{label}", Case("PUT", path, mutated(item_put_body, "sealed.iv", value),
                                        status=400))
    for label, value in _b64_variants(rnd(64)):
        yield P(f"put-sig-{label}", Case("PUT", path, mutated(item_put_body, "sig", value),
                                         status=400))
    for label, value in [("too-short", b64u(rnd(100))),
                         ("unpadded-length", b64u(rnd(256 + 16 + 1))),
                         ("padded", b64u(rnd(272)) + "=="), ("plus", "+" * 364),
                         ("too-large", "A" * (400 * 1024))]:
        yield P(f"put-ct-{label}", Case("PUT", path, mutated(item_put_body, "sealed.ct", value),
                                        status=400))
    yield P("put-sealed-extra", Case("PUT", path, mutated(item_put_body, "sealed.tag", "AA"),
                                     status=400))
    yield P("put-sealed-missing-h", Case("PUT", path, mutated(item_put_body, "sealed.h"),
                                         status=400))
    yield P("put-h-garbage", Case("PUT", path, mutated(item_put_body, "sealed.h", "e30"),
                                  status=400))

    def flip(w, where):
        body = item_put_body(w)
        node, key = (body, "sig") if where == "sig" else (body["sealed"], "ct")
        raw = bytearray(protocol.b64u_decode(node[key]))
        raw[5] ^= 1
        node[key] = b64u(bytes(raw))
        return body

    yield P("put-sig-flipped", Case("PUT", path, lambda w: flip(w, "sig"), status=400,
                                    code="bad_signature"))
    yield P("put-ct-flipped", Case("PUT", path, lambda w: flip(w, "ct"), status=400,
                                   code="bad_signature"))
    yield P("put-signed-by-other", Case("PUT", path, lambda w: w.bertta.seal(
        {"title": "x"}, item_id=w.new)[1] | {"envelopes": item_put_body(w)["envelopes"]},
        status=400))
    yield P("put-sealed-for-other-id", Case(
        "PUT", "/items/{random}", item_put_body, status=400, code="header_mismatch"))
    yield P("put-envelopes-missing", Case("PUT", path, mutated(item_put_body, "envelopes"),
                                          status=400, code="missing_owner_envelope"))
    yield P("put-envelopes-empty", Case("PUT", path, mutated(item_put_body, "envelopes", []),
                                        status=400))
    for label, value in WRONG_TYPES:
        if label != "list":
            yield P(f"put-envelopes-{label}", Case("PUT", path, mutated(
                item_put_body, "envelopes", value), status=400))
    for key in ("recipient", "type", "iv", "ct"):
        yield P(f"put-envelope-missing-{key}", Case("PUT", path, mutated(
            item_put_body, f"envelopes.0.{key}"), status=400))
    yield P("put-envelope-ct-short", Case("PUT", path, mutated(
        item_put_body, "envelopes.0.ct", b64u(rnd(47))), status=400))
    yield P("put-envelope-ct-plus", Case("PUT", path, mutated(
        item_put_body, "envelopes.0.ct", "+" * 64), status=400))
    yield P("put-envelope-recipient-upper", Case("PUT", path, lambda w: edit(
        item_put_body(w), "envelopes.0.recipient", w.anna.uid.upper()), status=400))
    yield P("put-envelope-duplicate", Case("PUT", path, lambda w: edit(
        item_put_body(w), "envelopes", item_put_body(w)["envelopes"] * 2), status=400,
        code="duplicate_recipient"))

    def with_share(w):
        body = item_put_body(w)
        x = protocol.b64u_decode(w.bertta.account.registration["bundle"]["x25519"], 32)
        body["envelopes"].append(protocol.share_envelope(rnd(32), w.new, w.bertta.uid, x))
        return body

    yield P("put-envelope-for-stranger", Case("PUT", path, with_share, status=403,
                                              code="not_shared_process"))
    for label, value in [("unknown-key", {"other": str(uuid.uuid4())}), ("list", []),
                         ("bad-uuid", {"parent": "x"}), ("string", "x")]:
        yield P(f"put-links-{label}", Case("PUT", path, mutated(item_put_body, "links", value),
                                           status=400))
    yield P("put-process-unknown", Case("PUT", path, mutated(
        item_put_body, "process", str(uuid.uuid4())), status=404))
    yield P("put-process-bad", Case("PUT", path, mutated(item_put_body, "process", "p"),
                                    status=400))
    yield P("put-process-ended", Case("PUT", path, lambda w: item_put_body(w) | {
        "process": w.ended}, status=409, code="process_ended"))
    yield P("put-process-not-member", Case("PUT", path, lambda w: item_put_body(w) | {
        "process": w.pid}, who="anon", status=401))
    yield P("put-process-change", Case("PUT", "/items/{item}", lambda w: update_body(w) | {
        "process": w.pid}, status=400, code="process_immutable"))
    yield P("put-envelope-ak-expiry", Case("PUT", path, mutated(
        item_put_body, "envelopes.0.expires_at", "2099-01-01T00:00:00Z"), status=400))
    yield P("put-stale-rev", Case("PUT", "/items/{item}", lambda w: w.anna.seal(
        {"title": "other"}, item_id=w.item)[1], status=409, code="conflict"))
    yield P("put-skip-rev", Case("PUT", "/items/{item}", lambda w: w.anna.seal(
        {"title": "v3"}, item_id=w.item, rev=3)[1], status=409))
    yield P("put-kind-change", Case("PUT", "/items/{item}", lambda w: w.anna.seal(
        {"title": "v2"}, item_id=w.item, rev=2, kind="note")[1], status=400))
    yield P("put-update-no-owner", Case("PUT", "/items/{item}", lambda w: update_body(w) | {
        "envelopes": []}, status=400))


def envelope_cases():
    path = "/items/{item}/envelopes/{bertta}"
    for label, value, status in _bad_id("id", "{ITEM}"):
        yield P(f"put-item-{label}", Case("PUT", f"/items/{value}/envelopes/{{bertta}}",
                                          share_body, status=status))
        yield P(f"delete-item-{label}", Case("DELETE", f"/items/{value}/envelopes/{{bertta}}",
                                             status=status))
    for label, value, status in _bad_id("uid", "{ANNA}"):
        yield P(f"put-uid-{label}", Case("PUT", f"/items/{{item}}/envelopes/{value}",
                                         share_body, status=status))
        yield P(f"delete-uid-{label}", Case("DELETE", f"/items/{{item}}/envelopes/{value}",
                                            status=status))
    yield P("put-missing-envelope", Case("PUT", path, {}, status=400))
    yield P("put-extra", Case("PUT", path, lambda w: share_body(w) | {"x": 1}, status=400))
    for label, value in WRONG_TYPES:
        yield P(f"put-envelope-{label}", Case("PUT", path, {"envelope": value}, status=400))
    yield P("put-envelope-short-ct", Case("PUT", path, mutated(
        share_body, "envelope.ct", b64u(rnd(40))), status=400))
    yield P("put-envelope-no-epk", Case("PUT", path, mutated(share_body, "envelope.epk"),
                                        status=400))
    yield P("put-recipient-mismatch", Case("PUT", "/items/{item}/envelopes/{random}",
                                           share_body, status=400, code="recipient_mismatch"))
    yield P("put-to-self", Case("PUT", "/items/{item}/envelopes/{anna}", lambda w: edit(
        share_body(w), "envelope.recipient", w.anna.uid), status=400))
    yield P("put-process-missing", Case("PUT", path, mutated(share_body, "process"), status=400,
                                        code="missing_field"))
    for label, value in WRONG_TYPES + [("upper", "{PID}"), ("uuid1", "{uuid1}")]:
        yield P(f"put-process-{label}", Case("PUT", path, lambda w, v=value: edit(
            share_body(w), "process", v.format(**w.ids()) if isinstance(v, str) else v),
            status=400, code="bad_id"))
    yield P("put-process-unknown", Case("PUT", path, lambda w: edit(
        share_body(w), "process", str(uuid.uuid4())), status=403, code="not_shared_process"))
    yield P("put-process-ended", Case("PUT", path, lambda w: edit(
        share_body(w), "process", w.ended), status=403, code="not_shared_process"))
    yield P("put-two-expiries", Case("PUT", path, lambda w: edit(edit(
        share_body(w), "envelope.expires_at", "2099-01-01T00:00:00Z"),
        "expires_at", "2098-01-01T00:00:00Z"), status=400, code="bad_expiry"))
    yield P("put-inner-expiry-past", Case("PUT", path, mutated(
        share_body, "envelope.expires_at", "2000-01-01T00:00:00Z"), status=400))
    yield P("put-to-stranger", Case("PUT", "/items/{item}/envelopes/{carla}", lambda w: edit(
        share_body(w), "envelope.recipient", w.carla.uid), status=403,
        code="not_shared_process"))
    yield P("put-by-reader", Case("PUT", "/items/{item}/envelopes/{anna}", share_body,
                                  who="bertta", status=404))
    for label, value in [("past", "2000-01-01T00:00:00+00:00"), ("naive", "2099-01-01T00:00"),
                         ("text", "tomorrow"), ("int", 5)]:
        yield P(f"put-expiry-{label}", Case("PUT", path, mutated(share_body, "expires_at", value)))
    yield P("put-unknown-item", Case("PUT", "/items/{random}/envelopes/{bertta}", share_body,
                                     status=404))
    yield P("put-no-csrf", Case("PUT", path, share_body, csrf=None, status=403, code="csrf"))
    yield P("delete-own", Case("DELETE", "/items/{item}/envelopes/{anna}", status=400))
    yield P("delete-none", Case("DELETE", path, status=404))
    yield P("delete-unknown-item", Case("DELETE", "/items/{random}/envelopes/{bertta}",
                                        status=404))
    yield P("delete-no-csrf", Case("DELETE", path, csrf=None, status=403, code="csrf"))
    yield P("get", Case("GET", path, status=405))
    for label, value in WRONG_TYPES:
        if label != "true":
            yield P(f"put-bring-{label}", Case("PUT", path, mutated(share_body, "bring", value),
                                               status=400))


def readers_cases():
    """GET /items/{id}/readers (sharing: the readers for a key rotation), author only."""
    for label, value, status in _bad_id("id", "{ITEM}"):
        yield P(f"readers-{label}", Case("GET", f"/items/{value}/readers", status=status))
    yield P("readers-by-reader", Case("GET", "/items/{item}/readers", who="bertta",
                                      status=404))
    yield P("readers-unknown", Case("GET", "/items/{random}/readers", status=404))
    yield P("readers-anon", Case("GET", "/items/{item}/readers", who="anon", csrf=None,
                                 status=401))
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        yield P(f"readers-{method}", Case(method, "/items/{item}/readers", status=405))


BAD_DATES = [("month-13", "2027-13-01"), ("feb-30", "2027-02-30"), ("finnish", "04.01.2027"),
             ("datetime", "2027-01-04T00:00:00"), ("short", "2027-1-4"), ("int", 20270104),
             ("empty", ""), ("list", ["2027-01-04"])]
FRAME_RANGES = {"session_minutes": (14, 481), "interval_days": (0, 367),
                "session_count": (0, 201)}


def _frame_cases(method: str, path: str, builder: Callable[[World], dict]):
    """Bad values of every schedule-frame field (POST /processes and PATCH)."""
    for key, (low, high) in FRAME_RANGES.items():
        for label, value in [("low", low), ("high", high), ("float", 60.0), ("string", "60"),
                             ("bool", True), ("null", None), ("huge", 10**30)]:
            yield P(f"{key}-{label}", Case(method, path, mutated(builder, key, value),
                                           status=400))
    for label, value in [("unknown", "phone"), ("upper", "REMOTE"), ("null", None),
                         ("int", 1)]:
        yield P(f"mode-{label}", Case(method, path, mutated(builder, "mode", value),
                                      status=400, code="bad_mode" if label != "null" else None))
    for key in ("starts_on", "ends_on"):
        for label, value in BAD_DATES:
            yield P(f"{key}-{label}", Case(method, path, mutated(builder, key, value),
                                           status=400, code="bad_date"))
    yield P("ends-before-starts", Case(method, path, lambda w: builder(w) | {
        "starts_on": "2027-02-01", "ends_on": "2027-01-31"}, status=400, code="bad_dates"))
    yield P("extra", Case(method, path, mutated(builder, "name", "Firma Oy"), status=400,
                          code="unknown_field"))
    yield P("no-csrf", Case(method, path, builder, csrf=None, status=403, code="csrf"))
    yield P("bad-csrf", Case(method, path, builder, csrf="forged", status=403, code="csrf"))
    yield P("anon", Case(method, path, builder, who="anon", csrf=None, status=401))


def process_cases():
    path = "/processes"
    for key in ("id", "form"):
        yield P(f"create-missing-{key}", Case("POST", path, mutated(process_body, key),
                                              status=400, code="missing_field"))
    for label, value in WRONG_TYPES + [("upper", "INDIVIDUAL"), ("unknown", "family"),
                                       ("nul", "group\x00")]:
        yield P(f"create-form-{label}", Case("POST", path, mutated(process_body, "form", value),
                                             status=400, code="bad_form"))
    for label, value in [("not-uuid", "nope"), ("uuid1", "{uuid1}"), ("upper", "{PID}"),
                         ("int", 5), ("null", None)]:
        yield P(f"create-id-{label}", Case("POST", path, lambda w, v=value: edit(
            process_body(w), "id", v.format(**w.ids()) if isinstance(v, str) else v),
            status=400, code="bad_id"))
    for param in _frame_cases("POST", path, process_body):
        yield P(f"create-{param.id}", *param.values)
    yield P("create-status", Case("POST", path, mutated(process_body, "status", "active"),
                                  status=400, code="unknown_field"))
    yield P("create-supervisor", Case("POST", path, lambda w: process_body(w) | {
        "supervisor": w.bertta.uid}, status=400, code="unknown_field"))
    yield P("create-not-supervisor", Case("POST", path, process_body, who="bertta",
                                          status=403, code="not_supervisor"))
    yield P("create-id-taken", Case("POST", path, lambda w: process_body(w) | {"id": w.pid},
                                    status=409, code="id_taken"))
    yield P("create-id-taken-ended", Case("POST", path, lambda w: process_body(w) | {
        "id": w.ended}, status=409, code="id_taken"))
    for method in ("PUT", "DELETE", "PATCH"):
        yield P(f"list-{method}", Case(method, path, status=405))
    yield P("list-anon", Case("GET", path, who="anon", status=401, code="login_required"))

    one = "/processes/{pid}"
    for label, value, status in _bad_id("pid", "{PID}"):
        yield P(f"get-{label}", Case("GET", f"/processes/{value}", status=status))
        yield P(f"patch-{label}", Case("PATCH", f"/processes/{value}", {"session_count": 3},
                                       status=status))
        yield P(f"end-{label}", Case("POST", f"/processes/{value}/end", status=status))
    yield P("get-unknown", Case("GET", "/processes/{random}", status=404,
                                code="process_not_found"))
    yield P("get-an-item-id", Case("GET", "/processes/{item}", status=404))
    yield P("get-anon", Case("GET", one, who="anon", status=401))
    for method in ("PUT", "DELETE", "POST"):
        yield P(f"one-{method}", Case(method, one, status=405))
    for param in _frame_cases("PATCH", one, lambda w: {"session_count": 8}):
        yield P(f"patch-{param.id}", *param.values)
    for key, value in [("form", "crisis"), ("id", "{random}"), ("status", "ended"),
                       ("roster_epoch", 9), ("supervisor", "{bertta}")]:
        yield P(f"patch-readonly-{key}", Case("PATCH", one, lambda w, k=key, v=value: {
            k: v.format(**w.ids()) if isinstance(v, str) else v}, status=400,
            code="unknown_field"))
    for label, body in WRONG_TYPES:
        if label != "object":
            yield P(f"patch-body-{label}", Case("PATCH", one, body, status=400))
    yield P("patch-ends-before-stored-start", Case("PATCH", one, {"ends_on": "2026-12-31"},
                                                   status=400, code="bad_dates"))
    yield P("patch-unknown", Case("PATCH", "/processes/{random}", {"session_count": 3},
                                  status=404))
    yield P("patch-by-supervisee", Case("PATCH", one, {"session_count": 3}, who="bertta",
                                        status=403, code="not_supervisor"))
    yield P("patch-ended", Case("PATCH", "/processes/{ended}", {"session_count": 3},
                                status=409, code="process_ended"))
    yield P("end-unknown", Case("POST", "/processes/{random}/end", status=404))
    yield P("end-by-supervisee", Case("POST", "/processes/{pid}/end", who="bertta",
                                      status=403, code="not_supervisor"))
    yield P("end-no-csrf", Case("POST", "/processes/{pid}/end", csrf=None, status=403,
                                code="csrf"))
    yield P("end-anon", Case("POST", "/processes/{pid}/end", who="anon", csrf=None,
                             status=401))
    yield P("end-get", Case("GET", "/processes/{pid}/end", status=405))


def _invite_email(w: World, token: str = "open_token", **change: Any) -> dict:
    """A valid invite email body (anna's open invite, her own fp16), changed by `change`."""
    fp = protocol.fp16(w.anna.account.registration["bundle"])
    body = {"email": "kutsuttu@example.fi",
            "link": f"http://localhost/join/{w.ids()[token]}#fp={fp}"}
    for key, value in change.items():
        if value is DELETE:
            body.pop(key, None)
        else:
            body[key] = value(body.get(key)) if callable(value) else value
    return body


def _email_body(**change: Any):
    return lambda w: _invite_email(w, **change)


def invite_email_cases():
    path = "/processes/{pid}/invites/{open_invite}/email"
    for label, value in [("missing", DELETE), ("int", 5), ("no-at", "kutsuttu.example.fi"),
                         ("nul", "a\x00@example.fi"), ("long", "a" * 250 + "@example.fi")]:
        yield P(f"email-{label}", Case("POST", path, _email_body(email=value), status=400))
    for label, change in [("other-host", lambda link: link.replace("localhost", "evil.example")),
                          ("https", lambda link: link.replace("http:", "https:")),
                          ("no-fragment", lambda link: link.split("#")[0]),
                          ("wrong-fp", lambda link: link.split("#")[0] + "#fp=" + "A" * 22),
                          ("short-fp", lambda link: link[:-2]),
                          ("query", lambda link: link.replace("#", "?x=1#")),
                          ("other-path", lambda link: link.replace("/join/", "/joins/")),
                          ("javascript", lambda link: "javascript:alert(1)")]:
        yield P(f"link-{label}", Case("POST", path, _email_body(link=change), status=400,
                                      code="bad_link"))
    yield P("link-other-token", Case("POST", path, lambda w: _invite_email(w, "revoked_token"),
                                     status=400, code="bad_link"))
    yield P("link-missing", Case("POST", path, _email_body(link=DELETE), status=400))
    yield P("link-too-long", Case("POST", path, _email_body(link=lambda link: link + "x" * 500),
                                  status=400))
    yield P("language-bad", Case("POST", path, _email_body(language="de"), status=400,
                                 code="bad_locale"))
    yield P("extra-field", Case("POST", path, _email_body(cc="x@example.fi"), status=400,
                                code="unknown_field"))
    yield P("used", Case("POST", "/processes/{pid}/invites/{used_invite}/email",
                         lambda w: _invite_email(w, "used_token"), status=409,
                         code="invite_not_open"))
    yield P("unknown-invite", Case(
        "POST", "/processes/{pid}/invites/AAAAAAAAAAAAAAAAAAAAAA/email", _email_body(),
        status=404, code="invite_not_found"))
    yield P("unknown-process", Case("POST", "/processes/{random}/invites/{open_invite}/email",
                                    _email_body(), status=404, code="process_not_found"))
    yield P("bad-pid", Case("POST", "/processes/{PID}/invites/{open_invite}/email",
                            _email_body(), status=400))
    yield P("by-supervisee", Case("POST", path, _email_body(), who="bertta", status=403,
                                  code="not_supervisor"))
    yield P("no-csrf", Case("POST", path, _email_body(), csrf=None, status=403, code="csrf"))
    yield P("anon", Case("POST", path, _email_body(), who="anon", csrf=None, status=401))
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        yield P(f"email-{method}", Case(method, path, status=405))


def invite_cases():
    path = "/processes/{pid}/invites"
    for label, value, status in _bad_id("pid", "{PID}"):
        yield P(f"create-pid-{label}", Case("POST", f"/processes/{value}/invites", {},
                                            status=status))
        yield P(f"list-pid-{label}", Case("GET", f"/processes/{value}/invites",
                                          status=status))
        yield P(f"revoke-pid-{label}", Case(
            "DELETE", f"/processes/{value}/invites/{{open_invite}}", status=status))
    for label, value in [("past", "2000-01-01T00:00:00+00:00"), ("now-ish", "2001-01-01T00:00Z"),
                         ("naive", "2099-01-01T00:00:00"), ("date", "2099-01-01"),
                         ("text", "next week"), ("int", 5), ("bool", True), ("list", []),
                         ("too-far", "2999-01-01T00:00:00Z"),
                         ("beyond-calendar", "9999-12-31T23:59:59-05:00")]:
        yield P(f"create-expiry-{label}", Case("POST", path, {"expires_at": value},
                                               status=400, code="bad_expiry"))
    yield P("create-extra", Case("POST", path, {"role": "supervisor"}, status=400,
                                 code="unknown_field"))
    yield P("create-email", Case("POST", path, {"email": "x@example.fi"}, status=400))
    yield P("create-unknown", Case("POST", "/processes/{random}/invites", {}, status=404))
    yield P("create-by-supervisee", Case("POST", path, {}, who="bertta", status=403,
                                         code="not_supervisor"))
    yield P("create-ended", Case("POST", "/processes/{ended}/invites", {}, status=409,
                                 code="process_ended"))
    yield P("create-no-csrf", Case("POST", path, {}, csrf=None, status=403, code="csrf"))
    yield P("create-anon", Case("POST", path, {}, who="anon", csrf=None, status=401))
    yield P("list-unknown", Case("GET", "/processes/{random}/invites", status=404))
    yield P("list-by-supervisee", Case("GET", path, who="bertta", status=403,
                                       code="not_supervisor"))
    yield P("list-anon", Case("GET", path, who="anon", status=401))
    for method in ("PUT", "PATCH", "DELETE"):
        yield P(f"invites-{method}", Case(method, path, status=405))

    one = "/processes/{pid}/invites/{open_invite}"
    for label, value, status in [("too-long", "a" * 23, 400), ("nul", "%00", 400),
                                 ("unknown", "AAAAAAAAAAAAAAAAAAAAAA", 404),
                                 ("other-process", None, 404)]:
        target = (f"/processes/{{pid}}/invites/{value}" if value is not None
                  else "/processes/{ended}/invites/{open_invite}")
        yield P(f"revoke-invite-{label}", Case("DELETE", target, status=status))
    yield P("revoke-used", Case("DELETE", "/processes/{pid}/invites/{used_invite}",
                                status=409, code="invite_used"))
    yield P("revoke-by-supervisee", Case("DELETE", one, who="bertta", status=403,
                                         code="not_supervisor"))
    yield P("revoke-no-csrf", Case("DELETE", one, csrf=None, status=403, code="csrf"))
    yield P("revoke-anon", Case("DELETE", one, who="anon", csrf=None, status=401))
    for method in ("GET", "PUT", "POST", "PATCH"):
        yield P(f"invite-{method}", Case(method, one, status=405))

    for label, token, status in [("unknown", "x" * 32, 404), ("used", "{used_token}", 404),
                                 ("revoked", "{revoked_token}", 404),
                                 ("expired", "{expired_token}", 404),
                                 ("too-long", "a" * 101, 400), ("invite-id", "{open_invite}", 404),
                                 ("nul", "%00", 400), ("dot", "a.b", 400),
                                 ("space", "a%20b", 400), ("unicode", "%C3%A4", 400)]:
        for who in ("anna", "anon"):
            yield P(f"info-{label}-{who}", Case("GET", f"/invites/{token}", who=who,
                                                csrf=None, status=status))
        yield P(f"accept-{label}", Case("POST", f"/invites/{token}/accept", who="bertta",
                                        status=status))
    yield P("accept-own-as-supervisor", Case("POST", "/invites/{open_token}/accept",
                                             status=409, code="already_member"))
    yield P("accept-again", Case("POST", "/invites/{open_token}/accept", who="bertta",
                                 status=409, code="already_member"))
    yield P("accept-no-csrf", Case("POST", "/invites/{open_token}/accept", who="bertta",
                                   csrf=None, status=403, code="csrf"))
    yield P("accept-anon", Case("POST", "/invites/{open_token}/accept", who="anon",
                                csrf=None, status=401, code="login_required"))
    yield P("accept-ended", Case("POST", "/invites/{expired_token}/accept", status=404))
    for method in ("GET", "PUT", "DELETE"):
        yield P(f"accept-{method}", Case(method, "/invites/{open_token}/accept", status=405))
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        yield P(f"info-{method}", Case(method, "/invites/{open_token}", status=405))


def pin_body(w: World) -> dict:
    """Anna pins Bertta's key (they share a process): a valid record Anna signed."""
    fp = b64u(protocol.fingerprint(w.bertta.account.registration["bundle"]))
    return {"fp": fp, "verified": False,
            "sig": protocol.sign_pin(w.anna.account.ed25519_private, w.anna.uid, w.bertta.uid,
                                     fp, False)}


def pin_cases():
    path = "/pins/{bertta}"
    for label, value, status in _bad_id("uid", "{ANNA}"):
        yield P(f"uid-{label}", Case("PUT", f"/pins/{value}", pin_body, status=status))
    for key in ("fp", "verified", "sig"):
        yield P(f"missing-{key}", Case("PUT", path, mutated(pin_body, key), status=400))
    yield P("extra-field", Case("PUT", path, mutated(pin_body, "x", 1), status=400))
    for label, value in _b64_variants(bytes(range(32))):
        yield P(f"fp-{label}", Case("PUT", path, mutated(pin_body, "fp", value), status=400))
    for label, value in _b64_variants(bytes(range(64))):
        yield P(f"sig-{label}", Case("PUT", path, mutated(pin_body, "sig", value), status=400))
    for label, value in WRONG_TYPES:
        yield P(f"verified-{label}", Case("PUT", path, mutated(pin_body, "verified", value),
                                          status=400))
    yield P("flipped-verified", Case("PUT", path, mutated(pin_body, "verified", True),
                                     status=400, code="bad_signature"))
    yield P("stranger", Case("PUT", "/pins/{carla}", pin_body, status=404, code="not_found"))
    yield P("unknown", Case("PUT", "/pins/{random}", pin_body, status=404, code="not_found"))
    yield P("oneself", Case("PUT", "/pins/{anna}", pin_body, status=404, code="not_found"))
    yield P("no-csrf", Case("PUT", path, pin_body, csrf=None, status=403, code="csrf"))
    yield P("anon", Case("PUT", path, pin_body, who="anon", csrf=None, status=401))
    yield P("list-anon", Case("GET", "/pins", who="anon", csrf=None, status=401))
    for method in ("POST", "DELETE", "PATCH"):
        yield P(f"pin-{method}", Case(method, path, status=405))
    yield P("pins-post", Case("POST", "/pins", {}, status=405))


def member_cases():
    path = "/processes/{pid}/members/{bertta}"
    for label, value, status in _bad_id("pid", "{PID}"):
        yield P(f"pid-{label}", Case("DELETE", f"/processes/{value}/members/{{bertta}}",
                                     status=status))
    for label, value, status in _bad_id("uid", "{ANNA}"):
        yield P(f"uid-{label}", Case("DELETE", f"/processes/{{pid}}/members/{value}",
                                     status=status))
    yield P("supervisor-leaves", Case("DELETE", "/processes/{pid}/members/{anna}", status=400,
                                      code="supervisor_cannot_leave"))
    yield P("supervisee-removes-supervisor", Case(
        "DELETE", "/processes/{pid}/members/{anna}", who="bertta", status=403,
        code="not_supervisor"))
    yield P("not-a-member", Case("DELETE", "/processes/{pid}/members/{random}", status=404,
                                 code="member_not_found"))
    yield P("unknown-process", Case("DELETE", "/processes/{random}/members/{bertta}",
                                    status=404, code="process_not_found"))
    yield P("other-process", Case("DELETE", "/processes/{ended}/members/{bertta}",
                                  status=404, code="member_not_found"))
    yield P("no-csrf", Case("DELETE", path, csrf=None, status=403, code="csrf"))
    yield P("bad-csrf", Case("DELETE", path, csrf="forged", status=403, code="csrf"))
    yield P("leave-no-csrf", Case("DELETE", path, who="bertta", csrf=None, status=403,
                                  code="csrf"))
    yield P("anon", Case("DELETE", path, who="anon", csrf=None, status=401))
    for method in ("GET", "PUT", "POST", "PATCH"):
        yield P(f"member-{method}", Case(method, path, status=405))


def schedule_cases():
    """The schedule and the calendar feed (webapp/sessions/api.py). The world's process has
    no sessions yet, so every session id is unknown: bad bodies are 400 before that."""
    start = {"date": "2027-03-10", "time": "17:00"}
    generate, add = "/processes/{pid}/sessions/generate", "/processes/{pid}/sessions"
    for path, name in ((generate, "generate"), (add, "add")):
        for key in ("date", "time"):
            yield P(f"{name}-missing-{key}", Case("POST", path, {k: v for k, v in start.items()
                                                                if k != key},
                                                  status=400, code="missing_field"))
        for label, value in [("hour-25", "25:00"), ("seconds", "17:00:00"), ("pm", "5pm"),
                             ("int", 17), ("null", None), ("nul", "17:0\x00")]:
            yield P(f"{name}-time-{label}", Case("POST", path, {**start, "time": value},
                                                 status=400, code="bad_time"))
        for label, value in [("feb-30", "2027-02-30"), ("text", "tomorrow"), ("int", 5)]:
            yield P(f"{name}-date-{label}", Case("POST", path, {**start, "date": value},
                                                 status=400, code="bad_date"))
        for label, value in [("unknown", "Mars/Base"), ("alias", "US/Eastern"),
                             ("lower", "europe/helsinki"), ("path", "../../etc/passwd"),
                             ("null", None), ("int", 2)]:
            yield P(f"{name}-zone-{label}", Case("POST", path, {**start, "timezone": value},
                                                 status=400, code="bad_timezone"))
        yield P(f"{name}-extra", Case("POST", path, {**start, "title": "Tiimi"}, status=400,
                                      code="unknown_field"))
        yield P(f"{name}-supervisee", Case("POST", path, start, who="bertta", status=403,
                                           code="not_supervisor"))
        yield P(f"{name}-unknown", Case("POST", path.replace("{pid}", "{random}"), start,
                                        status=404, code="process_not_found"))
        yield P(f"{name}-ended", Case("POST", path.replace("{pid}", "{ended}"), start,
                                      status=409, code="process_ended"))
        yield P(f"{name}-no-csrf", Case("POST", path, start, csrf=None, status=403,
                                        code="csrf"))
        yield P(f"{name}-anon", Case("POST", path, start, who="anon", csrf=None, status=401))
        for label, value, status in _bad_id("pid", "{PID}"):
            yield P(f"{name}-pid-{label}", Case("POST", path.replace("{pid}", value), start,
                                                status=status))
    for minutes in (14, 481, 60.0, "60", True):
        yield P(f"add-minutes-{minutes!r}", Case("POST", add, {**start, "minutes": minutes},
                                                 status=400))
    yield P("list-unknown", Case("GET", add.replace("{pid}", "{random}"), status=404,
                                 code="process_not_found"))
    yield P("list-anon", Case("GET", add, who="anon", csrf=None, status=401))
    for label, value, status in _bad_id("pid", "{PID}"):
        yield P(f"list-pid-{label}", Case("GET", add.replace("{pid}", value), status=status))
    yield P("generate-get", Case("GET", generate, status=405))

    one = "/sessions/AAAAAAAAAAAAAAAAAAAAAA"
    for label, value in [("long", "A" * 23), ("dot", "a.b"), ("nul", "a%00"),
                         ("space", "a%20b")]:
        yield P(f"get-id-{label}", Case("GET", f"/sessions/{value}", status=400,
                                        code="bad_id"))
        yield P(f"patch-id-{label}", Case("PATCH", f"/sessions/{value}", {"status": "held"},
                                          status=400, code="bad_id"))
    yield P("get-unknown", Case("GET", one, status=404, code="session_not_found"))
    yield P("get-anon", Case("GET", one, who="anon", csrf=None, status=401))
    for label, body, code in [
            ("empty", {}, "bad_change"), ("date-alone", {"date": "2027-03-10"}, "bad_change"),
            ("time-alone", {"time": "10:00"}, "bad_change"),
            ("zone-alone", {"timezone": "Europe/Helsinki", "minutes": 60}, "bad_change"),
            ("cancel-no-reason", {"status": "cancelled"}, "bad_reason"),
            ("reason-no-cancel", {"cancel_reason": "illness"}, "bad_reason"),
            ("free-text-reason", {"status": "cancelled", "cancel_reason": "flu"}, "bad_reason"),
            ("bad-status", {"status": "postponed"}, "bad_status"),
            ("move-and-status", {"status": "held", "minutes": 60}, "bad_change"),
            ("stamp", {"status": "held", "updated_at": "2027-03-10"}, "bad_updated_at"),
            ("stamp-int", {"status": "held", "updated_at": 5}, "bad_updated_at"),
            ("note", {"status": "held", "note": "x"}, "unknown_field")]:
        yield P(f"patch-{label}", Case("PATCH", one, body, status=400, code=code))
    yield P("patch-unknown", Case("PATCH", one, {"status": "held"}, status=404,
                                  code="session_not_found"))
    yield P("patch-no-csrf", Case("PATCH", one, {"status": "held"}, csrf=None, status=403,
                                  code="csrf"))
    yield P("patch-anon", Case("PATCH", one, {"status": "held"}, who="anon", csrf=None,
                               status=401))
    yield P("patch-not-json", Case("PATCH", one, raw=b"status=held",
                                   content_type="application/x-www-form-urlencoded",
                                   status=415))
    for method in ("PUT", "DELETE", "POST"):
        yield P(f"one-{method}", Case(method, one, status=405))

    for method in ("POST", "DELETE"):
        yield P(f"calendar-{method}-no-csrf", Case(method, "/me/calendar", csrf=None,
                                                   status=403, code="csrf"))
        yield P(f"calendar-{method}-anon", Case(method, "/me/calendar", who="anon", csrf=None,
                                                status=401))
    for method in ("GET", "PUT", "PATCH"):
        yield P(f"calendar-{method}", Case(method, "/me/calendar", status=405))

    for label, value in [("slash", "a/b"), ("long", "A" * 23), ("space", "a b"),
                         ("dot", "a.b")]:
        yield P(f"busy-exclude-{label}", Case("GET", "/schedule/busy",
                                              query={"exclude": value}, status=400,
                                              code="bad_id"))
    yield P("busy-anon", Case("GET", "/schedule/busy", who="anon", csrf=None, status=401))
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        yield P(f"busy-{method}", Case(method, "/schedule/busy", status=405))

def contract_cases():
    """The contract's acceptances and the goals (webapp/contracts/api.py). The world's process
    has no contract and no goals: anna's entry is neither, so the good bodies end in 404s."""
    accept = "/items/{item}/acceptances"
    good = {"rev": 1, "sig": b64u(bytes(64))}
    for key in ("rev", "sig"):
        yield P(f"accept-missing-{key}", Case("POST", accept, edit(good, key), status=400,
                                              code="missing_field"))
    for label, value in [t for t in WRONG_TYPES if t[0] != "int"] + [
            ("zero", 0), ("negative", -1), ("huge", 2**31),
                                       ("string-int", "1")]:
        yield P(f"accept-rev-{label}", Case("POST", accept, {**good, "rev": value},
                                            status=400))
    for label, value in _b64_variants(bytes(range(64))):
        yield P(f"accept-sig-{label}", Case("POST", accept, {**good, "sig": value},
                                            status=400))
    yield P("accept-extra", Case("POST", accept, {**good, "content_hash": "x"}, status=400,
                                 code="unknown_field"))
    yield P("accept-not-a-contract", Case("POST", accept, good, status=404,
                                          code="not_a_contract"))
    yield P("accept-unreadable", Case("POST", accept, good, who="bertta", status=404,
                                      code="not_found"))
    yield P("accept-unknown", Case("POST", "/items/{random}/acceptances", good, status=404))
    yield P("accept-no-csrf", Case("POST", accept, good, csrf=None, status=403, code="csrf"))
    yield P("accept-anon", Case("POST", accept, good, who="anon", csrf=None, status=401))
    yield P("accept-not-json", Case("POST", accept, raw=b"rev=1",
                                    content_type="application/x-www-form-urlencoded",
                                    status=415))
    yield P("acceptances-unknown", Case("GET", "/items/{random}/acceptances", status=404))
    yield P("acceptances-unreadable", Case("GET", accept, who="bertta", status=404))
    yield P("acceptances-anon", Case("GET", accept, who="anon", csrf=None, status=401))
    for label, value, status in _bad_id("item", "{ITEM}"):
        yield P(f"accept-id-{label}", Case("POST", f"/items/{value}/acceptances", good,
                                           status=status))
        yield P(f"acceptances-id-{label}", Case("GET", f"/items/{value}/acceptances",
                                                status=status))
    for method in ("PUT", "PATCH", "DELETE"):
        yield P(f"acceptances-{method}", Case(method, accept, status=405))

    contract = "/processes/{pid}/contract"
    yield P("contract-unknown", Case("GET", "/processes/{random}/contract", status=404,
                                     code="process_not_found"))
    yield P("contract-anon", Case("GET", contract, who="anon", csrf=None, status=401))
    for label, value, status in _bad_id("pid", "{PID}"):
        yield P(f"contract-pid-{label}", Case("GET", f"/processes/{value}/contract",
                                              status=status))
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        yield P(f"contract-{method}", Case(method, contract, status=405))

    goal = "/processes/{pid}/goals/{item}"
    for label, value in WRONG_TYPES + [("unknown", "done"), ("upper", "ACHIEVED")]:
        yield P(f"goal-status-{label}", Case("PATCH", goal, {"status": value}, status=400))
    yield P("goal-missing", Case("PATCH", goal, {}, status=400, code="missing_field"))
    yield P("goal-extra", Case("PATCH", goal, {"status": "open", "text": "x"}, status=400,
                               code="unknown_field"))
    yield P("goal-not-a-goal", Case("PATCH", goal, {"status": "achieved"}, status=404,
                                    code="goal_not_found"))
    yield P("goal-supervisee", Case("PATCH", goal, {"status": "achieved"}, who="bertta",
                                    status=403, code="not_supervisor"))
    yield P("goal-ended", Case("PATCH", "/processes/{ended}/goals/{item}",
                               {"status": "achieved"}, status=409, code="process_ended"))
    yield P("goal-unknown-process", Case("PATCH", "/processes/{random}/goals/{item}",
                                         {"status": "open"}, status=404,
                                         code="process_not_found"))
    yield P("goal-no-csrf", Case("PATCH", goal, {"status": "open"}, csrf=None, status=403,
                                 code="csrf"))
    yield P("goal-anon", Case("PATCH", goal, {"status": "open"}, who="anon", csrf=None,
                              status=401))
    for label, value, status in _bad_id("goal", "{ITEM}"):
        yield P(f"goal-id-{label}", Case("PATCH", f"/processes/{{pid}}/goals/{value}",
                                         {"status": "open"}, status=status))
    for method in ("GET", "PUT", "POST", "DELETE"):
        yield P(f"goal-{method}", Case(method, goal, status=405))

    order = "/processes/{pid}/goals/order"
    for label, value in [("empty", []), ("string", "x"), ("null", None), ("ints", [1]),
                         ("not-uuid", ["nope"]), ("upper", ["{ITEM}"]),
                         ("too-many", [str(uuid.UUID(int=i, version=4)) for i in range(201)])]:
        yield P(f"order-{label}", Case("PUT", order, {"items": value}, status=400))
    yield P("order-missing", Case("PUT", order, {}, status=400, code="missing_field"))
    yield P("order-not-every-goal", Case("PUT", order, lambda w: {"items": [w.item]},
                                         status=400, code="bad_order"))
    yield P("order-supervisee", Case("PUT", order, lambda w: {"items": [w.item]},
                                     who="bertta", status=403, code="not_supervisor"))
    yield P("order-ended", Case("PUT", "/processes/{ended}/goals/order",
                                lambda w: {"items": [w.item]}, status=409,
                                code="process_ended"))
    yield P("order-no-csrf", Case("PUT", order, lambda w: {"items": [w.item]}, csrf=None,
                                  status=403, code="csrf"))
    yield P("order-anon", Case("PUT", order, lambda w: {"items": [w.item]}, who="anon",
                               csrf=None, status=401))
    for method in ("GET", "POST", "DELETE"):
        yield P(f"order-{method}", Case(method, order, status=405))


def checkin_cases():
    """The per-goal sharing switch of check-ins (webapp/checkins/api.py). The world's process
    has no goals: a good body from its supervisee ends in 404 goal_not_found."""
    path = "/processes/{pid}/goals/{item}/checkin-sharing"
    for label, value in WRONG_TYPES + [("string-bool", "true"), ("int-bool", 1)]:
        if label == "true":
            continue
        yield P(f"sharing-{label}", Case("PUT", path, {"shared": value}, who="bertta",
                                         status=400))
    yield P("sharing-missing", Case("PUT", path, {}, who="bertta", status=400,
                                    code="missing_field"))
    yield P("sharing-extra", Case("PUT", path, {"shared": True, "goal": "x"}, who="bertta",
                                  status=400, code="unknown_field"))
    yield P("sharing-not-a-goal", Case("PUT", path, {"shared": True}, who="bertta",
                                       status=404, code="goal_not_found"))
    yield P("sharing-get-not-a-goal", Case("GET", path, who="bertta", status=404,
                                           code="goal_not_found"))
    yield P("sharing-supervisor", Case("PUT", path, {"shared": True}, status=403,
                                       code="not_supervisee"))
    yield P("sharing-unknown-process", Case(
        "PUT", "/processes/{random}/goals/{item}/checkin-sharing", {"shared": False},
        who="bertta", status=404, code="process_not_found"))
    yield P("sharing-no-csrf", Case("PUT", path, {"shared": True}, who="bertta", csrf=None,
                                    status=403, code="csrf"))
    yield P("sharing-anon", Case("PUT", path, {"shared": True}, who="anon", csrf=None,
                                 status=401))
    yield P("sharing-get-anon", Case("GET", path, who="anon", csrf=None, status=401))
    yield P("sharing-not-json", Case("PUT", path, raw=b"shared=1", who="bertta",
                                     content_type="application/x-www-form-urlencoded",
                                     status=415))
    for label, value, status in _bad_id("goal", "{ITEM}"):
        yield P(f"sharing-id-{label}", Case(
            "PUT", f"/processes/{{pid}}/goals/{value}/checkin-sharing", {"shared": True},
            who="bertta", status=status))
        yield P(f"sharing-get-id-{label}", Case(
            "GET", f"/processes/{{pid}}/goals/{value}/checkin-sharing", who="bertta",
            status=status))
    for method in ("POST", "PATCH", "DELETE"):
        yield P(f"sharing-{method}", Case(method, path, status=405))


def assignment_cases():
    """Interim assignments (webapp/assignments/api.py). The world has no assignment: anna's
    entry is none, so good bodies end in 404 assignment_not_found, and a give of an entry in
    400 bad_kind."""
    give = "/assignments/{new}"

    def good(w):
        return {"item": w.new_body}

    yield P("give-entry", Case("PUT", give, good, status=400, code="bad_kind"))
    yield P("give-missing", Case("PUT", give, {}, status=400, code="missing_field"))
    yield P("give-extra", Case("PUT", give, lambda w: {"item": w.new_body, "who": "x"},
                               status=400, code="unknown_field"))
    for label, value in WRONG_TYPES:
        yield P(f"give-item-{label}", Case("PUT", give, {"item": value}, status=400))
        if label != "null":
            yield P(f"give-due-{label}", Case("PUT", give, lambda w, v=value: {
                "item": w.new_body, "due_at": v}, status=400))
    for label, value in [("no-offset", "2030-01-01T10:00:00"), ("date", "2030-01-01"),
                         ("words", "huomenna"), ("long", "2030-01-01T10:00:00Z" + " " * 40)]:
        yield P(f"give-due-{label}", Case("PUT", give, lambda w, v=value: {
            "item": w.new_body, "due_at": v}, status=400, code="bad_due"))
    yield P("give-no-csrf", Case("PUT", give, good, csrf=None, status=403, code="csrf"))
    yield P("give-anon", Case("PUT", give, good, who="anon", csrf=None, status=401))
    yield P("give-not-json", Case("PUT", give, raw=b"item=1",
                                  content_type="application/x-www-form-urlencoded",
                                  status=415))
    one = "/assignments/{item}"
    yield P("one-not-an-assignment", Case("GET", one, status=404,
                                          code="assignment_not_found"))
    yield P("one-unknown", Case("GET", "/assignments/{random}", status=404))
    yield P("one-anon", Case("GET", one, who="anon", csrf=None, status=401))
    for method in ("POST", "PATCH", "DELETE"):
        yield P(f"one-{method}", Case(method, one, status=405))
    status = "/assignments/{item}/status"
    for label, value in WRONG_TYPES + [("later", "later"), ("upper", "DONE")]:
        yield P(f"status-{label}", Case("POST", status, {"status": value}, status=400))
    yield P("status-missing", Case("POST", status, {}, status=400, code="missing_field"))
    yield P("status-extra", Case("POST", status, {"status": "done", "x": 1}, status=400,
                                 code="unknown_field"))
    yield P("status-not-an-assignment", Case("POST", status, {"status": "done"}, status=404,
                                             code="assignment_not_found"))
    yield P("status-no-csrf", Case("POST", status, {"status": "done"}, csrf=None,
                                   status=403, code="csrf"))
    yield P("status-anon", Case("POST", status, {"status": "done"}, who="anon", csrf=None,
                                status=401))
    yield P("status-not-json", Case("POST", status, raw=b"status=done",
                                    content_type="application/x-www-form-urlencoded",
                                    status=415))
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        yield P(f"status-{method}", Case(method, status, status=405))
    for label, value, code in _bad_id("item", "{ITEM}"):
        yield P(f"give-id-{label}", Case("PUT", f"/assignments/{value}", good, status=code))
        yield P(f"one-id-{label}", Case("GET", f"/assignments/{value}", status=code))
        yield P(f"status-id-{label}", Case("POST", f"/assignments/{value}/status",
                                           {"status": "done"}, status=code))
    listed = "/processes/{pid}/assignments"
    yield P("list-unknown", Case("GET", "/processes/{random}/assignments", status=404,
                                 code="process_not_found"))
    yield P("list-anon", Case("GET", listed, who="anon", csrf=None, status=401))
    for label, value, code in _bad_id("pid", "{PID}"):
        yield P(f"list-pid-{label}", Case("GET", f"/processes/{value}/assignments",
                                          status=code))
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        yield P(f"list-{method}", Case(method, listed, status=405))
    library = "/assignment-library"
    for label, value in [("unknown", "de"), ("upper", "FI"), ("long", "fi" * 40)]:
        yield P(f"library-lang-{label}", Case("GET", library, query={"lang": value},
                                              status=400))
    yield P("library-anon", Case("GET", library, who="anon", csrf=None, status=401))
    for method in ("POST", "PUT", "DELETE"):
        yield P(f"library-{method}", Case(method, library, status=405))


def agenda_cases():
    """The session agenda (webapp/agendas/api.py). The world's process has no sessions, so a
    good body for a session id ends in 404 session_not_found; bad bodies are 400 first."""
    one = "/sessions/AAAAAAAAAAAAAAAAAAAAAA"
    agenda, share, ticks = f"{one}/agenda", f"{one}/agenda/share", f"{one}/agenda/ticks"
    line = "6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e"
    good = {"version": 0, "lines": [{"id": line, "source": "own", "minutes": 10}]}
    for label, body, code in [
            ("missing-version", {"lines": []}, "missing_field"),
            ("missing-lines", {"version": 0}, "missing_field"),
            ("version-negative", {"version": -1, "lines": []}, None),
            ("version-string", {"version": "0", "lines": []}, None),
            ("version-float", {"version": 0.0, "lines": []}, None),
            ("lines-object", {"version": 0, "lines": {}}, None),
            ("item-not-uuid", {"version": 0, "item": "x", "lines": []}, None),
            ("line-id", {"version": 0, "lines": [{"id": "x", "source": "own"}]}, None),
            ("line-source", {"version": 0, "lines": [{"id": line, "source": "memo"}]},
             "bad_source"),
            ("line-minutes", {"version": 0, "lines": [{"id": line, "source": "own",
                                                        "minutes": 481}]}, None),
            ("line-minutes-float", {"version": 0, "lines": [{"id": line, "source": "own",
                                                              "minutes": 5.0}]}, None),
            ("line-done-string", {"version": 0, "lines": [{"id": line, "source": "own",
                                                            "done": "yes"}]}, None),
            ("line-extra", {"version": 0, "lines": [{"id": line, "source": "own",
                                                      "title": "Sanat"}]}, "unknown_field"),
            ("extra", {**good, "title": "x"}, "unknown_field")]:
        yield P(f"put-{label}", Case("PUT", agenda, body, status=400, code=code))
    yield P("put-unknown", Case("PUT", agenda, good, status=404, code="session_not_found"))
    yield P("put-no-csrf", Case("PUT", agenda, good, csrf=None, status=403, code="csrf"))
    yield P("put-anon", Case("PUT", agenda, good, who="anon", csrf=None, status=401))
    yield P("put-not-json", Case("PUT", agenda, raw=b"version=0", status=415,
                                 content_type="application/x-www-form-urlencoded"))
    for label, value in [("long", "A" * 23), ("dot", "a.b"), ("space", "a%20b")]:
        yield P(f"get-id-{label}", Case("GET", f"/sessions/{value}/agenda", status=400,
                                        code="bad_id"))
        yield P(f"candidates-id-{label}", Case("GET", f"/sessions/{value}/agenda/candidates",
                                               status=400, code="bad_id"))
        yield P(f"share-id-{label}", Case("POST", f"/sessions/{value}/agenda/share",
                                          status=400, code="bad_id"))
        yield P(f"ticks-id-{label}", Case("POST", f"/sessions/{value}/agenda/ticks",
                                          {"line": line, "done": True}, status=400,
                                          code="bad_id"))
    yield P("get-unknown", Case("GET", agenda, status=404, code="session_not_found"))
    yield P("get-anon", Case("GET", agenda, who="anon", csrf=None, status=401))
    yield P("candidates-unknown", Case("GET", f"{agenda}/candidates", status=404,
                                       code="session_not_found"))
    yield P("share-unknown", Case("POST", share, status=404, code="session_not_found"))
    yield P("share-no-csrf", Case("POST", share, csrf=None, status=403, code="csrf"))
    for label, body, code in [
            ("empty", {"line": line}, "bad_change"), ("no-line", {"done": True}, None),
            ("line-id", {"line": "x", "done": True}, None),
            ("done-null", {"line": line, "done": None}, None),
            ("used-481", {"line": line, "used_minutes": 481}, None),
            ("used-string", {"line": line, "used_minutes": "5"}, None),
            ("extra", {"line": line, "done": True, "note": "x"}, "unknown_field")]:
        yield P(f"ticks-{label}", Case("POST", ticks, body, status=400, code=code))
    yield P("ticks-unknown", Case("POST", ticks, {"line": line, "done": True}, status=404,
                                  code="session_not_found"))
    yield P("ticks-anon", Case("POST", ticks, {"line": line, "done": True}, who="anon",
                               csrf=None, status=401))
    for method in ("POST", "PATCH", "DELETE"):
        yield P(f"agenda-{method}", Case(method, agenda, status=405))
    yield P("share-get", Case("GET", share, status=405))
    yield P("ticks-get", Case("GET", ticks, status=405))


def _group(prefix: str, params):
    return [pytest.param(*p.values, id=f"{prefix}-{p.id}") for p in params]


ALL_CASES = [*_group("raw", raw_cases()), *_group("prelogin", prelogin_cases()),
             *_group("register", register_cases()), *_group("login", login_cases()),
             *_group("session", session_cases()), *_group("recover", recover_cases()),
             *_group("password", password_cases()), *_group("me", me_cases()),
             *_group("recovery-key", recovery_key_cases()),
             *_group("bundle", bundle_cases()), *_group("list", list_cases()),
             *_group("item", item_cases()), *_group("envelope", envelope_cases()),
             *_group("readers", readers_cases()),
             *_group("process", process_cases()), *_group("invite", invite_cases()),
             *_group("member", member_cases()), *_group("pin", pin_cases()),
             *_group("contract", contract_cases()),
             *_group("invite-email", invite_email_cases()),
             *_group("schedule", schedule_cases()),
             *_group("assignment", assignment_cases()),
             *_group("checkin", checkin_cases()),
             *_group("agenda", agenda_cases())]

# Evaluations (webapp/evaluations/api.py): the cases live with the area's tests.
from .test_evaluations_api import evaluation_cases  # noqa: E402

ALL_CASES += _group("evaluation", evaluation_cases())


# Summaries (kind "summary" through PUT /items): the cases live with the area's tests.
from .test_summaries import summary_cases  # noqa: E402

ALL_CASES += _group("summary", summary_cases())

# Erasure (POST /me/erase): the cases live with the area's tests.
from .test_erasure_api import erasure_cases  # noqa: E402

ALL_CASES += _group("erasure", erasure_cases())


@pytest.mark.parametrize("case", ALL_CASES)
def test_bad_input_is_a_4xx_json_error_and_changes_nothing(world, case):
    check(world, case)


def test_the_matrix_covers_every_api_endpoint(app):
    """Every /api/v1 rule (but the OpenAPI document) has bad-input cases above."""
    covered = set()
    for param in ALL_CASES:
        case = param.values[0]
        covered.add((case.method, case.path.split("?")[0]))
    rules = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi_json":
            rules[rule.rule] = rule.methods - {"HEAD", "OPTIONS"}
    for rule, methods in rules.items():
        pattern = rule.removeprefix("/api/v1")
        for method in methods:
            hits = [p for m, p in covered if m == method and _matches(pattern, p)]
            assert hits, f"no bad-input case for {method} {rule}"


def _matches(rule: str, path: str) -> bool:
    rule_parts, path_parts = rule.split("/"), path.split("/")
    return len(rule_parts) == len(path_parts) and all(
        r.startswith("<") or r == p for r, p in zip(rule_parts, path_parts, strict=True))


def test_a_valid_request_passes_the_same_harness(world):
    """Controls: the harness itself lets good requests through (so the cases can fail)."""
    response = send(world, Case("PUT", "/items/{new}", item_put_body))
    assert response.status_code == 201, response.get_json()
    response = send(world, Case("PATCH", "/me", {"display_name": "Anna V."}))
    assert response.status_code == 200 and response.get_json()["display_name"] == "Anna V."
    response = send(world, Case("POST", "/auth/login", login_body, who="anon"))
    assert response.status_code == 200


# -- property-based: random JSON -------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12)

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@SETTINGS
@given(value=JSON)
def test_random_json_to_put_item(world, value):
    check(world, Case("PUT", "/items/{new}", value))


@SETTINGS
@given(key=st.sampled_from(["kind", "rev", "sealed", "sig", "envelopes", "sealed.h",
                            "sealed.iv", "sealed.ct", "envelopes.0", "envelopes.0.recipient",
                            "envelopes.0.type", "envelopes.0.iv", "envelopes.0.ct",
                            "process", "links", "extra"]),
       value=JSON)
def test_random_field_in_put_item(world, key, value):
    valid = item_put_body(world)
    if key in ("process", "links"):
        assume(value not in (None, {}))           # both are valid values of these fields
    body = edit(valid, key, value)
    assume(not _same(body, valid))
    check(world, Case("PUT", "/items/{new}", body))


@SETTINGS
@given(value=JSON)
def test_random_json_to_register(world, value):
    check(world, Case("POST", "/auth/register", value, who="anon"))


@SETTINGS
@given(key=st.sampled_from(["uid", "salt_seed", "kdf", "auth_key", "wrapped_ak", "recovery",
                            "bundle", "wrapped_x25519", "wrapped_ed25519", "recovery.auth_key",
                            "bundle.sig", "bundle.uid", "kdf.m", "wrapped_ak.ct"]),
       value=JSON)
def test_random_field_in_register(world, key, value):
    # anna's address: even a body that happened to be valid would only be a 409
    valid = fast_account().registration(world.anna.email)
    body = edit(valid, key, value)
    assume(not _same(body, valid))
    check(world, Case("POST", "/auth/register", body, who="anon"))
