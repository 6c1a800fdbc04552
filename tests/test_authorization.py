"""Who may reach what: every route of the app as an anonymous visitor and as another user,
CSRF on every unsafe request, sessions ending everywhere, and rate limits on credentials.

The route tables below are checked against app.url_map: a new route without an entry here
makes `test_every_route_is_covered` fail.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import protocol

from .factories import (
    api_login,
    api_register,
    b64u,
    csrf_from,
    dump_rows,
    fast_account,
    make_process,
    new_secrets,
    snapshot,
)
from .helpers import Person

API = "/api/v1"


def app_routes(app) -> set[tuple[str, str]]:
    """(rule, method) of every route but /static (HEAD and OPTIONS are Flask's own)."""
    return {(rule.rule, method) for rule in app.url_map.iter_rules()
            if rule.endpoint != "static"
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def fill(rule: str, **ids: str) -> str:
    for name, value in ids.items():
        rule = rule.replace(f"<{name}>", value)
    assert "<" not in rule, rule
    return rule


def is_json_error(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, (response.status_code,
                                            response.get_data(as_text=True)[:300])
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str)
    if code:
        assert body["error"]["code"] == code, body


def login_redirect(response, next_path: str | None) -> None:
    assert response.status_code == 302, response.status_code
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login" and location.netloc in ("", "localhost")
    if next_path is not None:
        assert parse_qs(location.query).get("next") == [next_path], location.query


# -- anonymous visitors --------------------------------------------------------------------------

@dataclass
class Visitor:
    """An anonymous client with a session (so it holds a CSRF token, as a browser would)."""

    client: Any
    csrf: str

    def send(self, method: str, path: str, body: Any = None, *, csrf: bool = True,
             form: dict | None = None):
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        if form is not None:
            return self.client.open(path, method=method, data=dict(form, csrf_token=self.csrf))
        if body is None:
            return self.client.open(path, method=method, headers=headers)
        return self.client.open(path, method=method, json=body, headers=headers)


@pytest.fixture
def visitor(app) -> Visitor:
    client = app.test_client()
    return Visitor(client, csrf_from(client.get("/login").get_data(as_text=True)))


@pytest.fixture
def victim(app) -> Person:
    """Vilma: a supervisor with an item, a process with one supervisee and an open invite."""
    person = api_register(app, "victim@example.fi", display_name="Vilma Victim",
                          is_supervisor=True)
    person.item = person.write("Vilman salaisuus", "Kukaan muu ei saa lukea tätä.")
    person.device = _device_of(app, person)
    person.process = str(uuid.uuid4())
    assert person.post("/processes", {"id": person.process, "form": "individual"}
                       ).status_code == 201
    joined = person.post(f"/processes/{person.process}/invites", {}).get_json()
    supervisee = api_register(app, "sanni@example.fi", display_name="Sanni")
    assert supervisee.post(f"/invites/{joined['token']}/accept").status_code == 200
    invite = person.post(f"/processes/{person.process}/invites", {}).get_json()
    person.invite, person.token = invite["id"], invite["token"]
    person.session = person.post(f"/processes/{person.process}/sessions/generate", {
        "date": "2027-03-10", "time": "17:00"}).get_json()["sessions"][0]["id"]
    person.calendar = person.post("/me/calendar").get_json()["token"]
    return person


def victim_ids(victim: Person, token: str | None = None) -> dict[str, str]:
    """The ids to fill the victim's routes with (`token`: the link someone holds)."""
    return {"item_id": victim.item, "uid": victim.uid, "device_id": victim.device,
            "pid": victim.process, "invite_id": victim.invite, "token": token or victim.token,
            "sid": victim.session,
            "goal_id": victim.item}


def _device_of(app, person: Person) -> str:
    """The public id of the person's (only) signed-in device."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models.accounts import DeviceSession
    with app.app_context():
        return db.session.scalars(select(DeviceSession.id)
                                  .where(DeviceSession.user_uid == person.uid)).one()


def public_page(v: Visitor, path: str):
    response = v.send("GET", path)
    assert response.status_code == 200, (path, response.status_code)
    if response.mimetype == "text/html":    # served as to nobody in particular
        assert '<meta name="valitila-user"' not in response.get_data(as_text=True)


def login_page(v: Visitor, path: str):
    login_redirect(v.send("GET", path), path)


def api_401(v: Visitor, method: str, path: str, body: Any = None):
    is_json_error(v.send(method, path, body if body is not None else {}), 401, "login_required")


# Fixed ids (not random): parametrized test ids must be the same in every pytest-xdist worker.
ANON_ITEM = "9b2f6c1e-4d3a-4e8b-a5c7-0d1e2f3a4b5c"
ANON_UID = "5e0d4c3b-2a19-4f8e-9d7c-6b5a4f3e2d1c"

# (rule, method) -> check(visitor, path); `path` has the ids filled in.
ANONYMOUS: dict[tuple[str, str], Callable[[Visitor, str], None]] = {
    ("/", "GET"): public_page,
    ("/login", "GET"): public_page,
    ("/signup", "GET"): public_page,
    ("/recover", "GET"): public_page,
    ("/healthz", "GET"): public_page,
    ("/offline", "GET"): public_page,
    ("/tietosuoja", "GET"): public_page,
    ("/saavutettavuus", "GET"): public_page,
    ("/journal/local", "GET"): login_page,
    ("/unsent", "GET"): login_page,
    ("/manifest.webmanifest", "GET"): public_page,
    ("/sw.js", "GET"): public_page,
    ("/unlock", "GET"): lambda v, p: login_redirect(v.send("GET", p), None),
    ("/journal/", "GET"): login_page,
    ("/journal/new", "GET"): login_page,
    ("/journal/<item_id>", "GET"): login_page,
    ("/journal/<item_id>/edit", "GET"): login_page,
    ("/account/", "GET"): login_page,
    ("/account/recovery-key", "GET"): login_page,
    ("/account/delete", "GET"): login_page,
    ("/goodbye", "GET"): public_page,
    ("/account/export", "GET"): login_page,
    ("/account/export/valitila_open.py", "GET"): login_page,
    ("/account/export/export-format.md", "GET"): login_page,
    ("/account/settings", "POST"): lambda v, p: login_redirect(
        v.send("POST", p, form={"display_name": "X", "lock_minutes": "5"}), p),
    ("/account/logout-everywhere", "POST"): lambda v, p: login_redirect(
        v.send("POST", p, form={}), p),
    ("/account/devices/<device_id>/sign-out", "POST"): lambda v, p: login_redirect(
        v.send("POST", p, form={}), p),
    ("/logout", "POST"): lambda v, p: login_redirect(v.send("POST", p, form={}), None),
    ("/language", "POST"): lambda v, p: _language_anonymous(v, p),
    (f"{API}/openapi.json", "GET"): public_page,
    (f"{API}/auth/prelogin", "POST"): lambda v, p: _ok(v.send(
        "POST", p, {"email": "someone@example.fi"}), 200),
    (f"{API}/auth/register", "POST"): lambda v, p: is_json_error(v.send("POST", p, {}), 400),
    (f"{API}/auth/login", "POST"): lambda v, p: is_json_error(v.send("POST", p, {
        "email": "someone@example.fi", "auth_key": b64u(bytes(32))}), 401, "bad_credentials"),
    (f"{API}/auth/recover", "POST"): lambda v, p: is_json_error(v.send("POST", p, {
        "email": "someone@example.fi", "recovery_auth_key": b64u(bytes(32))}), 401),
    (f"{API}/auth/password", "POST"): lambda v, p: is_json_error(v.send("POST", p, {
        "proof": {"auth_key": b64u(bytes(32))}, "new": {}}), 401, "login_required"),
    (f"{API}/auth/logout", "POST"): lambda v, p: _ok(v.send("POST", p), 204),
    (f"{API}/auth/logout-everywhere", "POST"): lambda v, p: api_401(v, "POST", p),
    (f"{API}/me", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/me", "PATCH"): lambda v, p: api_401(v, "PATCH", p, {"display_name": "X"}),
    (f"{API}/me/keys", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/me/recovery", "POST"): lambda v, p: api_401(v, "POST", p, {
        "proof": {"auth_key": b64u(bytes(32))}, "recovery": {}}),
    (f"{API}/me/recovery/confirmed", "POST"): lambda v, p: api_401(v, "POST", p, {
        "recovery_auth_key": b64u(bytes(32))}),
    (f"{API}/me/erase", "POST"): lambda v, p: api_401(v, "POST", p, {
        "auth_key": b64u(bytes(32))}),
    (f"{API}/users/<uid>/bundle", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/items", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/items/<item_id>", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/items/<item_id>", "PUT"): lambda v, p: api_401(v, "PUT", p),
    (f"{API}/items/<item_id>", "DELETE"): lambda v, p: api_401(v, "DELETE", p),
    (f"{API}/items/<item_id>/envelopes/<uid>", "PUT"): lambda v, p: api_401(v, "PUT", p),
    (f"{API}/items/<item_id>/envelopes/<uid>", "DELETE"): lambda v, p: api_401(v, "DELETE", p),
    (f"{API}/items/<item_id>/readers", "GET"): lambda v, p: api_401(v, "GET", p),
    ("/shared", "GET"): login_page,
    ("/shared/items/<item_id>", "GET"): login_page,
    ("/processes/<pid>/people/<uid>/shared", "GET"): login_page,
    (f"{API}/processes", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/processes", "POST"): lambda v, p: api_401(v, "POST", p, {
        "id": str(uuid.uuid4()), "form": "individual"}),
    (f"{API}/processes/<pid>", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/processes/<pid>", "PATCH"): lambda v, p: api_401(v, "PATCH", p, {
        "session_count": 2}),
    (f"{API}/processes/<pid>/end", "POST"): lambda v, p: api_401(v, "POST", p),
    (f"{API}/processes/<pid>/invites", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/processes/<pid>/invites", "POST"): lambda v, p: api_401(v, "POST", p),
    (f"{API}/processes/<pid>/invites/<invite_id>", "DELETE"): lambda v, p: api_401(
        v, "DELETE", p),
    (f"{API}/processes/<pid>/members/<uid>", "DELETE"): lambda v, p: api_401(v, "DELETE", p),
    (f"{API}/processes/<pid>/invites/<invite_id>/email", "POST"): lambda v, p: api_401(
        v, "POST", p, {"email": "someone@example.fi", "link": "http://localhost/join/x"}),
    ("/processes/", "GET"): login_page,
    ("/processes/new", "GET"): login_page,
    ("/processes/shares-due", "GET"): login_page,
    ("/processes/<pid>", "GET"): login_page,
    # The link is the invitation: whoever holds it sees whom it is from (the supervisor's
    # name and public keys, for the fingerprint check), and nothing else.
    (f"{API}/invites/<token>", "GET"): lambda v, p: _invite_info_only(v.send("GET", p)),
    (f"{API}/invites/<token>/accept", "POST"): lambda v, p: api_401(v, "POST", p),
    ("/join/<token>", "GET"): public_page,      # the link's page: its behaviour does the rest
    ("/people/<uid>/safety", "GET"): login_page,
    (f"{API}/pins", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/pins/<uid>", "PUT"): lambda v, p: api_401(v, "PUT", p, {
        "fp": b64u(bytes(32)), "verified": False, "sig": b64u(bytes(64))}),
    # Sessions and calendars (issue 9). The feed needs no login, only its secret: the
    # invite's token opens nothing there.
    ("/processes/<pid>/sessions/<sid>", "GET"): login_page,
    ("/processes/<pid>/sessions/<sid>/calendar.ics", "GET"): login_page,
    ("/calendar/<token>.ics", "GET"): lambda v, p: _ok(v.send("GET", p), 404),
    ("/account/timezone", "POST"): lambda v, p: login_redirect(
        v.send("POST", p, form={"timezone": "UTC"}), p),
    ("/account/reminders", "POST"): lambda v, p: login_redirect(
        v.send("POST", p, form={"kinds": "session_tomorrow"}), p),
    (f"{API}/processes/<pid>/sessions", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/processes/<pid>/sessions", "POST"): lambda v, p: api_401(v, "POST", p, {
        "date": "2027-03-10", "time": "17:00"}),
    (f"{API}/processes/<pid>/sessions/generate", "POST"): lambda v, p: api_401(v, "POST", p, {
        "date": "2027-03-10", "time": "17:00"}),
    (f"{API}/sessions/<sid>", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/sessions/<sid>", "PATCH"): lambda v, p: api_401(v, "PATCH", p, {
        "status": "cancelled", "cancel_reason": "other"}),
    (f"{API}/me/calendar", "POST"): lambda v, p: api_401(v, "POST", p),
    (f"{API}/me/calendar", "DELETE"): lambda v, p: api_401(v, "DELETE", p),
    (f"{API}/schedule/busy", "GET"): lambda v, p: api_401(v, "GET", p),
    # The contract and its goals (issue 9).
    ("/processes/<pid>/contract", "GET"): login_page,
    ("/processes/<pid>/contract/edit", "GET"): login_page,
    (f"{API}/processes/<pid>/contract", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/items/<item_id>/acceptances", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/items/<item_id>/acceptances", "POST"): lambda v, p: api_401(v, "POST", p, {
        "rev": 1, "sig": b64u(bytes(64))}),
    (f"{API}/processes/<pid>/goals/<goal_id>", "PATCH"): lambda v, p: api_401(v, "PATCH", p, {
        "status": "achieved"}),
    (f"{API}/processes/<pid>/goals/order", "PUT"): lambda v, p: api_401(v, "PUT", p, {
        "items": [ANON_ITEM]}),
    # The homes and the supervisor's private notes (issue 9).
    ("/home/", "GET"): login_page,
    ("/home/start", "GET"): login_page,
    ("/processes/<pid>/notes", "GET"): login_page,
    # Interim assignments (issue 10).
    ("/processes/<pid>/assignments", "GET"): login_page,
    ("/assignments/<item_id>", "GET"): login_page,
    (f"{API}/assignment-library", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/processes/<pid>/assignments", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/assignments/<item_id>", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/assignments/<item_id>", "PUT"): lambda v, p: api_401(v, "PUT", p, {"item": {}}),
    (f"{API}/assignments/<item_id>/status", "POST"): lambda v, p: api_401(v, "POST", p, {
        "status": "done"}),
    # Goal check-ins and proposed topics (issue 10).
    ("/processes/<pid>/goals/<goal_id>", "GET"): login_page,
    ("/processes/<pid>/topics", "GET"): login_page,
    (f"{API}/processes/<pid>/goals/<goal_id>/checkin-sharing", "GET"): lambda v, p: api_401(
        v, "GET", p),
    (f"{API}/processes/<pid>/goals/<goal_id>/checkin-sharing", "PUT"): lambda v, p: api_401(
        v, "PUT", p, {"shared": True}),
}

# The session agenda (issue 10).
ANONYMOUS.update({
    ("/processes/<pid>/sessions/<sid>/agenda", "GET"): login_page,
    ("/processes/<pid>/sessions/<sid>/agenda/checklist", "GET"): login_page,
    (f"{API}/sessions/<sid>/agenda", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/sessions/<sid>/agenda", "PUT"): lambda v, p: api_401(v, "PUT", p, {
        "version": 0, "lines": []}),
    (f"{API}/sessions/<sid>/agenda/candidates", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/sessions/<sid>/agenda/share", "POST"): lambda v, p: api_401(v, "POST", p),
    (f"{API}/sessions/<sid>/agenda/ticks", "POST"): lambda v, p: api_401(v, "POST", p, {
        "line": ANON_ITEM, "done": True}),
})


# Evaluations (issue 10).
ANONYMOUS.update({
    ("/processes/<pid>/evaluations", "GET"): login_page,
    ("/processes/<pid>/evaluations/new", "GET"): login_page,
    ("/evaluations/<item_id>", "GET"): login_page,
    ("/evaluations/<item_id>/edit", "GET"): login_page,
    ("/processes/<pid>/evaluations/cadence", "POST"): lambda v, p: login_redirect(
        v.send("POST", p, form={"months": "4", "previous": "6"}), p),
    # Retention of an ended process (issue 11): the page and its two forms.
    ("/processes/<pid>/retention", "GET"): login_page,
    ("/processes/<pid>/retention/propose", "POST"): lambda v, p: login_redirect(
        v.send("POST", p, form={}), p),
    ("/processes/<pid>/retention/agree", "POST"): lambda v, p: login_redirect(
        v.send("POST", p, form={}), p),
    (f"{API}/processes/<pid>/evaluations", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/evaluations/<item_id>", "GET"): lambda v, p: api_401(v, "GET", p),
    (f"{API}/evaluations/<item_id>", "PUT"): lambda v, p: api_401(v, "PUT", p, {"item": {}}),
    (f"{API}/processes/<pid>/evaluation-cadence", "PUT"): lambda v, p: api_401(v, "PUT", p, {
        "months": 4, "previous": 6}),
})


# After the session (issue 10): the summary is written through PUT /items.
ANONYMOUS.update({
    ("/processes/<pid>/sessions/<sid>/after", "GET"): login_page,
})


def _invite_info_only(response) -> None:
    _ok(response, 200)
    body = response.get_json()
    assert set(body) == {"process", "supervisor", "expires_at"}
    assert set(body["process"]) == {"id", "form"}
    assert set(body["supervisor"]) == {"uid", "display_name", "bundle"}


def _ok(response, status: int) -> None:
    assert response.status_code == status, (response.status_code, response.get_data()[:300])


def _language_anonymous(v: Visitor, path: str) -> None:
    response = v.send("POST", path, form={"locale": "sv", "next": "/login"})
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    assert 'lang="sv"' in v.send("GET", "/login").get_data(as_text=True)


def test_every_route_is_covered(app):
    assert set(ANONYMOUS) == app_routes(app)
    assert set(FOREIGN) == app_routes(app)


@pytest.mark.parametrize("route", sorted(ANONYMOUS), ids=lambda r: f"{r[1]} {r[0]}")
def test_anonymous_access(app, visitor, route, victim):
    rule, method = route
    before = snapshot(app)
    ANONYMOUS[route](visitor, fill(rule, **victim_ids(victim)))
    assert snapshot(app) == before


@pytest.mark.parametrize("path", [f"{API}/items/{ANON_ITEM}", f"{API}/auth/logout-everywhere",
                                  f"{API}/me", f"{API}/items/{ANON_ITEM}/envelopes/{ANON_UID}",
                                  f"{API}/processes", f"{API}/processes/{ANON_ITEM}",
                                  f"{API}/processes/{ANON_ITEM}/members/{ANON_UID}"])
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_anonymous_unsafe_api_requests_without_a_token_are_refused(app, path, method):
    """Without a session there is no CSRF token: a 4xx JSON error, never a 2xx or a 500."""
    response = app.test_client().open(path, method=method, json={})
    assert 400 <= response.status_code < 500
    assert set(response.get_json()) == {"error"}


def test_anonymous_api_gets_need_no_token_to_be_told_401(app, victim):
    client = app.test_client()
    for path in (f"{API}/me", f"{API}/me/keys", f"{API}/items", f"{API}/items/{victim.item}",
                 f"{API}/users/{victim.uid}/bundle", f"{API}/processes",
                 f"{API}/processes/{victim.process}",
                 f"{API}/processes/{victim.process}/invites"):
        is_json_error(client.get(path), 401, "login_required")
    # htmx asking for a page gets a 401 it can show, not a redirect it would follow
    response = client.get("/journal/", headers={"HX-Request": "true"})
    assert response.status_code == 401 and "Location" not in response.headers


# -- another user ----------------------------------------------------------------------------------

@dataclass
class Foreign:
    """Mallory, signed in, trying everything against Vilma's account and items."""

    app: Any
    mallory: Person
    victim: Person

    def send(self, method: str, path: str, body: Any = None, *, form: dict | None = None,
             headers: dict | None = None):
        client = self.mallory.client
        if form is not None:
            return client.open(path, method=method, data=dict(form, csrf_token=self.mallory.csrf))
        hdrs = {"X-CSRF-Token": self.mallory.csrf, **(headers or {})}
        if body is None:
            return client.open(path, method=method, headers=hdrs)
        return client.open(path, method=method, json=body, headers=hdrs)


def _victim_markers(victim: Person, app) -> list[str]:
    """Strings that belong to the victim alone: ciphertexts, keys, uid, address, name."""
    reg = victim.account.registration
    markers = [victim.uid, victim.email, "Vilma Victim",
               reg["wrapped_ak"]["ct"], reg["recovery"]["wrapped_ak"]["ct"],
               reg["wrapped_x25519"]["ct"], reg["wrapped_ed25519"]["ct"],
               reg["bundle"]["x25519"], reg["bundle"]["ed25519"], reg["bundle"]["sig"]]
    for table, rows in dump_rows(app):
        for row in rows:
            if table.name == "items" and row["author_uid"] == victim.uid:
                markers += [row["ct"], row["h"], row["sig"]]
            elif table.name == "envelopes" and row["recipient_uid"] == victim.uid:
                markers.append(row["ct"])
    assert len(markers) == 14
    return markers + [victim.process, victim.invite, victim.token, "Sanni", victim.session,
                      victim.calendar]


def _foreign_item_put(f: Foreign, path: str):
    _, body = f.mallory.seal({"title": "overwrite"}, item_id=f.victim.item, rev=2,
                             owner_envelope=True)
    return f.send("PUT", path, body)


def _foreign_envelope_put(f: Foreign, path: str):
    x = protocol.b64u_decode(f.mallory.account.registration["bundle"]["x25519"], 32)
    env = protocol.share_envelope(bytes(32), f.victim.item, f.mallory.uid, x)
    return f.send("PUT", fill(path.replace(f.victim.uid, f.mallory.uid)),
                  {"envelope": env, "process": f.victim.process})


def _foreign_page_without_its_path(f: Foreign, path: str):
    """A page that refuses (404) still names its own path, which Mallory typed herself (the
    language form and the recovery prompt send her back to it); nothing else may leak."""
    from flask import Response
    response = f.send("GET", path)
    headers = [(k, v) for k, v in response.headers if k.lower() != "content-length"]
    return Response(response.get_data(as_text=True).replace(path, "/<the requested path>"),
                    status=response.status_code, headers=headers)


def _foreign_pin_put(f: Foreign, path: str):
    """Mallory signs a valid pin of the victim's key: refused, she shares no process."""
    fp = b64u(protocol.fingerprint(f.victim.account.registration["bundle"]))
    sig = protocol.sign_pin(f.mallory.account.ed25519_private, f.mallory.uid, f.victim.uid, fp,
                            True)
    return f.send("PUT", path, {"fp": fp, "verified": True, "sig": sig})


def _without_own_path(response, path: str):
    """A page echoes the path its visitor typed (the language form's and the recovery
    prompt's return path): that is Mallory's own input, not the victim's data, so it is taken
    out before the leak check. The victim's id anywhere else in the page still fails it."""
    response.set_data(response.get_data().replace(path.encode(), b""))
    return response


def _expect(status: int, code: str | None = None):
    def check(response):
        assert response.status_code == status, (response.status_code,
                                                response.get_data(as_text=True)[:300])
        if code:
            assert response.get_json()["error"]["code"] == code
    return check


def _expect_no_busy(response):
    _expect(200)(response)
    assert response.get_json() == {"busy": []}


ANY = None  # any non-5xx answer; the leak check still applies

# (rule, method) -> (request(foreign, path) -> response, check(response) or ANY)
FOREIGN: dict[tuple[str, str], tuple[Callable, Callable | None]] = {
    ("/", "GET"): (lambda f, p: f.send("GET", p), _expect(302)),
    ("/login", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/signup", "GET"): (lambda f, p: f.send("GET", p), _expect(302)),
    ("/recover", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/unlock", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/healthz", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/offline", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/tietosuoja", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/saavutettavuus", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/manifest.webmanifest", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/sw.js", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/journal/", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/journal/local", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/unsent", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/journal/new", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/journal/<item_id>", "GET"): (lambda f, p: f.send("GET", p), _expect(404)),
    ("/journal/<item_id>/edit", "GET"): (lambda f, p: f.send("GET", p), _expect(404)),
    ("/account/", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/account/recovery-key", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/account/delete", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/goodbye", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/account/export", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/account/export/valitila_open.py", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/account/export/export-format.md", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/account/settings", "POST"): (lambda f, p: f.send(
        "POST", p, form={"display_name": "Mallory", "lock_minutes": "5"}), _expect(302)),
    ("/account/logout-everywhere", "POST"): (lambda f, p: f.send("POST", p, form={}),
                                             _expect(302)),
    ("/account/devices/<device_id>/sign-out", "POST"): (
        lambda f, p: f.send("POST", p, form={}), _expect(404)),
    ("/logout", "POST"): (lambda f, p: f.send("POST", p, form={}), _expect(302)),
    ("/language", "POST"): (lambda f, p: f.send("POST", p, form={"locale": "en"}),
                            _expect(302)),
    (f"{API}/openapi.json", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    (f"{API}/auth/prelogin", "POST"): (lambda f, p: f.send(
        "POST", p, {"email": "nobody@example.fi"}), _expect(200)),
    (f"{API}/auth/register", "POST"): (lambda f, p: f.app.test_client().post(
        p, json=fast_account(f.victim.uid).registration("mallory2@example.fi")),
        _expect(409, "uid_taken")),
    (f"{API}/auth/login", "POST"): (lambda f, p: f.app.test_client().post(p, json={
        "email": f.victim.email, "auth_key": b64u(f.mallory.auth_key)}),
        _expect(401, "bad_credentials")),
    (f"{API}/auth/recover", "POST"): (lambda f, p: f.send("POST", p, {
        "email": f.victim.email, "recovery_auth_key": b64u(f.mallory.recovery_auth_key)}),
        _expect(401)),
    (f"{API}/auth/password", "POST"): (lambda f, p: f.send("POST", p, {
        "proof": {"email": f.victim.email,
                  "recovery_auth_key": b64u(f.mallory.recovery_auth_key)},
        "new": new_secrets(f.victim.uid, bytes(32))[0]}), _expect(401)),
    (f"{API}/auth/logout", "POST"): (lambda f, p: f.send("POST", p), _expect(204)),
    (f"{API}/auth/logout-everywhere", "POST"): (lambda f, p: f.send("POST", p), _expect(204)),
    (f"{API}/me", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    (f"{API}/me", "PATCH"): (lambda f, p: f.send("PATCH", p, {"display_name": "M"}),
                             _expect(200)),
    (f"{API}/me/keys", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    # /me is always the caller's own account: the victim's secrets prove nothing there.
    (f"{API}/me/recovery", "POST"): (lambda f, p: f.send("POST", p, {
        "proof": {"auth_key": b64u(f.victim.auth_key)},
        "recovery": protocol.new_recovery(f.mallory.uid, bytes(32))[0]}),
        _expect(401, "bad_credentials")),
    (f"{API}/me/recovery/confirmed", "POST"): (lambda f, p: f.send("POST", p, {
        "recovery_auth_key": b64u(f.victim.recovery_auth_key)}),
        _expect(409, "recovery_replaced")),
    (f"{API}/me/erase", "POST"): (lambda f, p: f.send("POST", p, {
        "auth_key": b64u(f.victim.auth_key)}), _expect(401, "bad_credentials")),
    (f"{API}/users/<uid>/bundle", "GET"): (lambda f, p: f.send("GET", p), _expect(404)),
    (f"{API}/items", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    (f"{API}/items/<item_id>", "GET"): (lambda f, p: f.send("GET", p), _expect(404)),
    (f"{API}/items/<item_id>", "PUT"): (_foreign_item_put, _expect(404)),
    (f"{API}/items/<item_id>", "DELETE"): (lambda f, p: f.send("DELETE", p), _expect(404)),
    (f"{API}/items/<item_id>/envelopes/<uid>", "PUT"): (_foreign_envelope_put, _expect(404)),
    (f"{API}/items/<item_id>/envelopes/<uid>", "DELETE"): (lambda f, p: f.send("DELETE", p),
                                                           _expect(404)),
    (f"{API}/items/<item_id>/readers", "GET"): (lambda f, p: f.send("GET", p), _expect(404)),
    ("/shared", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/shared/items/<item_id>", "GET"): (lambda f, p: f.send("GET", p), _expect(404)),
    ("/processes/<pid>/people/<uid>/shared", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
    (f"{API}/processes", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    (f"{API}/processes", "POST"): (lambda f, p: f.send("POST", p, {
        "id": f.victim.process, "form": "individual"}), _expect(403, "not_supervisor")),
    (f"{API}/processes/<pid>", "GET"): (lambda f, p: f.send("GET", p),
                                        _expect(404, "process_not_found")),
    (f"{API}/processes/<pid>", "PATCH"): (lambda f, p: f.send("PATCH", p, {
        "session_count": 1}), _expect(404, "process_not_found")),
    (f"{API}/processes/<pid>/end", "POST"): (lambda f, p: f.send("POST", p),
                                             _expect(404, "process_not_found")),
    (f"{API}/processes/<pid>/invites", "GET"): (lambda f, p: f.send("GET", p),
                                                _expect(404, "process_not_found")),
    (f"{API}/processes/<pid>/invites", "POST"): (lambda f, p: f.send("POST", p, {}),
                                                 _expect(404, "process_not_found")),
    (f"{API}/processes/<pid>/invites/<invite_id>", "DELETE"): (
        lambda f, p: f.send("DELETE", p), _expect(404, "process_not_found")),
    (f"{API}/processes/<pid>/members/<uid>", "DELETE"): (lambda f, p: f.send("DELETE", p),
                                                         _expect(404, "process_not_found")),
    (f"{API}/processes/<pid>/invites/<invite_id>/email", "POST"): (lambda f, p: f.send(
        "POST", p, {"email": "mallory@example.fi",
                    "link": f"http://localhost/join/{f.victim.token}#fp={'A' * 22}"}),
        _expect(404, "process_not_found")),
    ("/processes/", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/processes/new", "GET"): (lambda f, p: f.send("GET", p), _expect(403)),
    ("/processes/shares-due", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/processes/<pid>", "GET"): (lambda f, p: _without_own_path(f.send("GET", p), p),
                                  _expect(404)),
    # Mallory does not hold the link: a guessed token is an unknown invite.
    (f"{API}/invites/<token>", "GET"): (lambda f, p: f.send("GET", p),
                                        _expect(404, "invite_not_found")),
    (f"{API}/invites/<token>/accept", "POST"): (lambda f, p: f.send("POST", p),
                                                _expect(404, "invite_not_found")),
    ("/join/<token>", "GET"): (lambda f, p: f.send("GET", p), _expect(404)),
    ("/people/<uid>/safety", "GET"): (_foreign_page_without_its_path, _expect(404)),
    (f"{API}/pins", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    (f"{API}/pins/<uid>", "PUT"): (_foreign_pin_put, _expect(404, "not_found")),
    # Sessions and calendars (issue 9): the victim's process and sessions are 404; the
    # calendar calls and the time zone are Mallory's own; a guessed feed secret is 404.
    ("/processes/<pid>/sessions/<sid>", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
    ("/processes/<pid>/sessions/<sid>/calendar.ics", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
    ("/calendar/<token>.ics", "GET"): (lambda f, p: f.send("GET", p), _expect(404)),
    ("/account/timezone", "POST"): (lambda f, p: f.send("POST", p, form={"timezone": "UTC"}),
                                    _expect(302)),
    ("/account/reminders", "POST"): (lambda f, p: f.send(
        "POST", p, form={"kinds": "session_tomorrow"}), _expect(302)),      # one's own
    (f"{API}/processes/<pid>/sessions", "GET"): (lambda f, p: f.send("GET", p),
                                                 _expect(404, "process_not_found")),
    (f"{API}/processes/<pid>/sessions", "POST"): (lambda f, p: f.send("POST", p, {
        "date": "2027-03-10", "time": "17:00"}), _expect(404, "process_not_found")),
    (f"{API}/processes/<pid>/sessions/generate", "POST"): (lambda f, p: f.send("POST", p, {
        "date": "2027-03-10", "time": "17:00"}), _expect(404, "process_not_found")),
    (f"{API}/sessions/<sid>", "GET"): (lambda f, p: f.send("GET", p),
                                       _expect(404, "session_not_found")),
    (f"{API}/sessions/<sid>", "PATCH"): (lambda f, p: f.send("PATCH", p, {
        "status": "cancelled", "cancel_reason": "other"}), _expect(404, "session_not_found")),
    (f"{API}/me/calendar", "POST"): (lambda f, p: f.send("POST", p), _expect(201)),
    (f"{API}/me/calendar", "DELETE"): (lambda f, p: f.send("DELETE", p), _expect(204)),
    # Mallory's own bookings (none); the victim's session as `exclude` changes nothing.
    (f"{API}/schedule/busy", "GET"): (
        lambda f, p: f.send("GET", f"{p}?exclude={f.victim.session}"), _expect_no_busy),
    # The contract and its goals (issue 9): a stranger to the process gets 404 everywhere.
    ("/processes/<pid>/contract", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
    ("/processes/<pid>/contract/edit", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
    (f"{API}/processes/<pid>/contract", "GET"): (lambda f, p: f.send("GET", p),
                                                 _expect(404, "process_not_found")),
    (f"{API}/items/<item_id>/acceptances", "GET"): (lambda f, p: f.send("GET", p),
                                                    _expect(404, "not_found")),
    (f"{API}/items/<item_id>/acceptances", "POST"): (lambda f, p: f.send("POST", p, {
        "rev": 1, "sig": b64u(bytes(64))}), _expect(404, "not_found")),
    (f"{API}/processes/<pid>/goals/<goal_id>", "PATCH"): (lambda f, p: f.send("PATCH", p, {
        "status": "achieved"}), _expect(404, "process_not_found")),
    (f"{API}/processes/<pid>/goals/order", "PUT"): (lambda f, p: f.send("PUT", p, {
        "items": [f.victim.item]}), _expect(404, "process_not_found")),
    # The homes (Mallory's own) and the victim's private notes (the supervisor's only).
    ("/home/", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    ("/home/start", "GET"): (lambda f, p: f.send("GET", p), _expect(302)),
    ("/processes/<pid>/notes", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
    # Interim assignments (issue 10): a stranger gets 404 everywhere (the library is
    # anyone's to read).
    ("/processes/<pid>/assignments", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
    ("/assignments/<item_id>", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
    (f"{API}/assignment-library", "GET"): (lambda f, p: f.send("GET", p), _expect(200)),
    (f"{API}/processes/<pid>/assignments", "GET"): (lambda f, p: f.send("GET", p),
                                                    _expect(404, "process_not_found")),
    (f"{API}/assignments/<item_id>", "GET"): (lambda f, p: f.send("GET", p),
                                              _expect(404, "assignment_not_found")),
    (f"{API}/assignments/<item_id>", "PUT"): (lambda f, p: f.send("PUT", p, {
        "item": f.mallory.seal({"title": "x"}, item_id=f.victim.item, kind="assignment")[1]
        | {"process": f.victim.process}}), _expect(404)),
    (f"{API}/assignments/<item_id>/status", "POST"): (lambda f, p: f.send("POST", p, {
        "status": "done"}), _expect(404, "assignment_not_found")),
    # Goal check-ins and proposed topics (issue 10): a stranger to the process gets 404.
    ("/processes/<pid>/goals/<goal_id>", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
    ("/processes/<pid>/topics", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
    (f"{API}/processes/<pid>/goals/<goal_id>/checkin-sharing", "GET"): (
        lambda f, p: f.send("GET", p), _expect(404, "process_not_found")),
    (f"{API}/processes/<pid>/goals/<goal_id>/checkin-sharing", "PUT"): (
        lambda f, p: f.send("PUT", p, {"shared": False}), _expect(404, "process_not_found")),
}

# The session agenda (issue 10): a stranger to the session's process gets 404 everywhere.
FOREIGN.update({
    ("/processes/<pid>/sessions/<sid>/agenda", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
    ("/processes/<pid>/sessions/<sid>/agenda/checklist", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
    (f"{API}/sessions/<sid>/agenda", "GET"): (lambda f, p: f.send("GET", p),
                                              _expect(404, "session_not_found")),
    (f"{API}/sessions/<sid>/agenda", "PUT"): (lambda f, p: f.send("PUT", p, {
        "version": 0, "lines": []}), _expect(404, "session_not_found")),
    (f"{API}/sessions/<sid>/agenda/candidates", "GET"): (lambda f, p: f.send("GET", p),
                                                         _expect(404, "session_not_found")),
    (f"{API}/sessions/<sid>/agenda/share", "POST"): (lambda f, p: f.send("POST", p),
                                                     _expect(404, "session_not_found")),
    (f"{API}/sessions/<sid>/agenda/ticks", "POST"): (lambda f, p: f.send("POST", p, {
        "line": f.victim.item, "done": True}), _expect(404, "session_not_found")),
})


# Evaluations (issue 10): a stranger to the process gets 404 everywhere.
FOREIGN.update({
    ("/processes/<pid>/evaluations", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
    ("/processes/<pid>/evaluations/new", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
    ("/evaluations/<item_id>", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
    ("/evaluations/<item_id>/edit", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
    ("/processes/<pid>/evaluations/cadence", "POST"): (
        lambda f, p: f.send("POST", p, form={"months": "4", "previous": "6"}), _expect(404)),
    # Retention (issue 11): a stranger to the process gets 404 (the page and both forms).
    ("/processes/<pid>/retention", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
    ("/processes/<pid>/retention/propose", "POST"): (
        lambda f, p: f.send("POST", p, form={}), _expect(404)),
    ("/processes/<pid>/retention/agree", "POST"): (
        lambda f, p: f.send("POST", p, form={}), _expect(404)),
    (f"{API}/processes/<pid>/evaluations", "GET"): (lambda f, p: f.send("GET", p),
                                                    _expect(404, "process_not_found")),
    (f"{API}/evaluations/<item_id>", "GET"): (lambda f, p: f.send("GET", p),
                                              _expect(404, "evaluation_not_found")),
    (f"{API}/evaluations/<item_id>", "PUT"): (lambda f, p: f.send("PUT", p, {
        "item": f.mallory.seal({"summary": "x"}, item_id=f.victim.item, kind="evaluation")[1]
        | {"process": f.victim.process}}), _expect(404)),
    (f"{API}/processes/<pid>/evaluation-cadence", "PUT"): (lambda f, p: f.send("PUT", p, {
        "months": 4, "previous": 6}), _expect(404, "process_not_found")),
})


# After the session (issue 10): the victim's session is 404 to a stranger.
FOREIGN.update({
    ("/processes/<pid>/sessions/<sid>/after", "GET"): (
        lambda f, p: _without_own_path(f.send("GET", p), p), _expect(404)),
})


@pytest.mark.parametrize("route", sorted(FOREIGN), ids=lambda r: f"{r[1]} {r[0]}")
def test_another_user_gets_nothing_of_the_victim(app, victim, route):
    mallory = api_register(app, "mallory@example.fi", display_name="Mallory")
    mallory.write("Mallorin oma", "teksti")
    foreign = Foreign(app, mallory, victim)
    markers = _victim_markers(victim, app)
    victim_rows = _victim_rows(app, victim)
    request, check = FOREIGN[route]
    rule, method = route
    guessed = "guessed-" + uuid.uuid4().hex
    response = request(foreign, fill(rule, **victim_ids(victim, token=guessed)))
    assert response.status_code < 500
    if check is not ANY:
        check(response)
    text = response.get_data(as_text=True) + json.dumps(dict(response.headers))
    for marker in markers:
        assert marker not in text, f"{method} {rule} leaks {marker[:20]}…"
    assert _victim_rows(app, victim) == victim_rows
    # and the victim still reads her own item
    assert victim.get(f"/items/{victim.item}").status_code == 200


def _victim_rows(app, victim: Person) -> dict[str, list]:
    rows = snapshot(app)
    return {name: [row for row in table_rows if victim.uid in repr(row)
                   or victim.item in repr(row) or victim.process in repr(row)]
            for name, table_rows in rows.items() if name != "audit_events"}


def test_listing_shows_only_own_items(app, victim):
    mallory = api_register(app, "mallory@example.fi")
    own = {mallory.write() for _ in range(3)}
    listed = mallory.get("/items?limit=100").get_json()["items"]
    assert {i["id"] for i in listed} == own
    assert all(i["envelope"]["recipient"] == mallory.uid for i in listed)
    journal = mallory.client.get("/journal/").get_data(as_text=True)
    assert victim.item not in journal


# -- CSRF ------------------------------------------------------------------------------------------

# Unsafe API routes that are proven by credentials in the body rather than by the session.
CSRF_EXEMPT = {(f"{API}/auth/prelogin", "POST"), (f"{API}/auth/register", "POST"),
               (f"{API}/auth/login", "POST"), (f"{API}/auth/recover", "POST")}


def _unsafe_api_routes(app) -> set[tuple[str, str]]:
    return {(rule, method) for rule, method in app_routes(app)
            if rule.startswith(API) and method in {"POST", "PUT", "PATCH", "DELETE"}}


def _csrf_body(person: Person, rule: str, method: str) -> Any:
    if rule.endswith("/auth/password"):
        return {"proof": {"auth_key": b64u(person.auth_key)},
                "new": new_secrets(person.uid, person.account.ak)[0]}
    if rule.endswith("/me"):
        return {"display_name": "Changed"}
    if rule.endswith("/me/recovery"):
        return {"proof": {"auth_key": b64u(person.auth_key)},
                "recovery": protocol.new_recovery(person.uid, person.account.ak)[0]}
    if rule.endswith("/me/recovery/confirmed"):
        return {"recovery_auth_key": b64u(person.recovery_auth_key)}
    if rule.endswith("/me/erase"):
        return {"auth_key": b64u(person.auth_key)}
    if rule.endswith("/items/<item_id>") and method == "PUT":
        return person.seal({"title": "csrf"})[1]
    if rule.endswith("/processes") and method == "POST":
        return {"id": str(uuid.uuid4()), "form": "crisis"}
    if rule.endswith("/processes/<pid>") and method == "PATCH":
        return {"session_count": 2}
    if rule.endswith("/acceptances"):
        return {"rev": 1, "sig": b64u(bytes(64))}
    if rule.endswith("/goals/<goal_id>"):
        return {"status": "achieved"}
    if rule.endswith("/goals/order"):
        return {"items": [str(uuid.uuid4())]}
    if rule.endswith("/assignments/<item_id>/status"):
        return {"status": "done"}
    if rule.endswith("/checkin-sharing"):
        return {"shared": True}
    return {}


@pytest.mark.parametrize("token", [None, "forged", "other-session"])
def test_unsafe_api_requests_after_login_need_the_csrf_header(app, token):
    anna = api_register(app, "anna@example.fi", is_supervisor=True)
    other = api_register(app, "other@example.fi")
    item = anna.write()
    pid = str(uuid.uuid4())
    assert anna.post("/processes", {"id": pid, "form": "group"}).status_code == 201
    invite = anna.post(f"/processes/{pid}/invites", {}).get_json()
    assert other.post(f"/invites/{invite['token']}/accept").status_code == 200
    invite = anna.post(f"/processes/{pid}/invites", {}).get_json()
    routes = _unsafe_api_routes(app) - CSRF_EXEMPT
    assert (f"{API}/auth/password", "POST") in routes and len(routes) >= 8
    for rule, method in sorted(routes):
        path = fill(rule, item_id=item, uid=other.uid, pid=pid, invite_id=invite["id"],
                    token=invite["token"], sid="A" * 22, goal_id=item)
        headers = {} if token is None else {
            "X-CSRF-Token": other.csrf if token == "other-session" else token}
        before = snapshot(app)
        response = anna.client.open(path, method=method, headers=headers,
                                    json=_csrf_body(anna, rule, method))
        is_json_error(response, 403, "csrf")
        assert snapshot(app) == before, f"{method} {rule} changed data without a CSRF token"
    assert anna.get("/me").status_code == 200          # still signed in


def test_csrf_exempt_routes_are_only_the_credential_endpoints(app):
    """Each exempt route answers a signed-in client without a token (no 'csrf' error)."""
    anna = api_register(app, "anna@example.fi")
    assert _unsafe_api_routes(app) >= CSRF_EXEMPT
    bodies = {
        "prelogin": {"email": anna.email},
        "register": fast_account().registration("second@example.fi"),
        "login": {"email": anna.email, "auth_key": b64u(anna.auth_key)},
        "recover": {"email": anna.email, "recovery_auth_key": b64u(anna.recovery_auth_key)},
    }
    for rule, method in sorted(CSRF_EXEMPT):
        response = anna.client.open(rule, method=method, json=bodies[rule.rsplit("/", 1)[1]])
        assert response.status_code in (200, 201), (rule, response.get_json())


def test_password_reset_by_recovery_key_needs_no_csrf_token(app):
    anna = api_register(app, "anna@example.fi")
    phone = api_login(app, anna)
    new, new_auth, _ = new_secrets(anna.uid, anna.account.ak)
    response = phone.client.post(f"{API}/auth/password", json={
        "proof": {"email": anna.email, "recovery_auth_key": b64u(anna.recovery_auth_key)},
        "new": new})
    assert response.status_code == 204, response.get_json()
    api_login(app, anna, new_auth)


FORM_POSTS = {
    "/logout": {},
    "/language": {"locale": "sv", "next": "/journal/"},
    "/account/settings": {"display_name": "Changed", "lock_minutes": "5"},
    "/account/logout-everywhere": {},
    "/account/devices/<device_id>/sign-out": {},
    "/account/timezone": {"timezone": "Europe/Stockholm"},
    "/processes/<pid>/evaluations/cadence": {"months": "4", "previous": "6"},
    "/account/reminders": {"kinds": "session_tomorrow"},
    "/processes/<pid>/retention/propose": {},
    "/processes/<pid>/retention/agree": {},
}


def test_form_posts_cover_every_non_api_post(app):
    assert {rule for rule, method in app_routes(app)
            if method == "POST" and not rule.startswith(API)} == set(FORM_POSTS)


@pytest.mark.parametrize("path", sorted(FORM_POSTS))
@pytest.mark.parametrize("token", [None, "forged"])
def test_form_posts_need_the_csrf_field(app, path, token):
    anna = api_register(app, "anna@example.fi", display_name="Anna")
    form = dict(FORM_POSTS[path])
    if token:
        form["csrf_token"] = token
    before = snapshot(app)
    response = anna.client.post(fill(path, device_id=_device_of(app, anna),
                                     pid=str(uuid.uuid4())), data=form)
    assert response.status_code == 403
    assert "text/html" in response.content_type
    assert snapshot(app) == before
    assert anna.get("/me").get_json()["display_name"] == "Anna"      # still signed in
    assert 'lang="fi"' in anna.client.get("/journal/").get_data(as_text=True)


@pytest.mark.parametrize("path", sorted(FORM_POSTS))
def test_form_posts_with_the_csrf_field_work(app, path):
    """The control for the test above."""
    anna = api_register(app, "anna@example.fi", display_name="Anna")
    status = "ended" if "/retention/" in path else "draft"     # retention: after the end
    pid = make_process(anna.uid, status=status, app=app) if "<pid>" in path else ""  # her own
    response = anna.client.post(fill(path, device_id=_device_of(app, anna), pid=pid),
                                data=dict(FORM_POSTS[path], csrf_token=anna.csrf))
    assert response.status_code == 302


# -- sessions --------------------------------------------------------------------------------------

def _me(person: Person) -> int:
    return person.get("/me").status_code


def test_logout_everywhere_ends_every_session(app):
    anna = api_register(app, "anna@example.fi")
    phone, laptop = api_login(app, anna), api_login(app, anna)
    bertta = api_register(app, "bertta@example.fi")
    assert [_me(p) for p in (anna, phone, laptop, bertta)] == [200] * 4
    assert phone.post("/auth/logout-everywhere").status_code == 204
    assert [_me(p) for p in (anna, phone, laptop)] == [401] * 3
    assert _me(bertta) == 200                          # another account is untouched
    again = api_login(app, anna)                       # signing in again works
    assert _me(again) == 200 and _me(anna) == 401


def test_logout_everywhere_form_ends_every_session(app):
    anna = api_register(app, "anna@example.fi")
    phone = api_login(app, anna)
    response = anna.client.post("/account/logout-everywhere", data={"csrf_token": anna.csrf})
    login_redirect(response, None)
    assert _me(anna) == 401 and _me(phone) == 401
    login_redirect(phone.client.get("/journal/"), "/journal/")


def test_password_change_ends_other_sessions_but_not_this_one(app):
    anna = api_register(app, "anna@example.fi")
    phone, laptop = api_login(app, anna), api_login(app, anna)
    new, new_auth, _ = new_secrets(anna.uid, anna.account.ak, recovery=False)
    response = phone.post("/auth/password", {"proof": {"auth_key": b64u(anna.auth_key)},
                                             "new": new})
    assert response.status_code == 204, response.get_json()
    assert _me(phone) == 200
    assert _me(anna) == 401 and _me(laptop) == 401
    # the changing client keeps working, CSRF token included
    assert phone.patch("/me", {"display_name": "Anna"}).status_code == 200
    assert phone.client.get("/journal/").status_code == 200
    is_json_error(phone.client.post(f"{API}/auth/login", json={
        "email": anna.email, "auth_key": b64u(anna.auth_key)}), 401, "bad_credentials")
    assert _me(api_login(app, anna, new_auth)) == 200


def test_recovery_reset_ends_every_session(app):
    anna = api_register(app, "anna@example.fi")
    phone = api_login(app, anna)
    new, new_auth, _ = new_secrets(anna.uid, anna.account.ak)
    response = app.test_client().post(f"{API}/auth/password", json={
        "proof": {"email": anna.email, "recovery_auth_key": b64u(anna.recovery_auth_key)},
        "new": new})
    assert response.status_code == 204
    assert _me(anna) == 401 and _me(phone) == 401
    assert _me(api_login(app, anna, new_auth)) == 200


def test_logout_ends_only_this_client(app):
    anna = api_register(app, "anna@example.fi")
    phone = api_login(app, anna)
    assert anna.post("/auth/logout").status_code == 204
    assert _me(anna) == 401 and _me(phone) == 200
    login_redirect(phone.client.post("/logout", data={"csrf_token": phone.csrf}), None)
    assert _me(phone) == 401


# -- rate limiting -----------------------------------------------------------------------------

@contextmanager
def strict_limit(app):
    """RATELIMIT_AUTH is read per request (the limit is a callable), so the session app can
    be made strict for a while. Counters are kept per limit string: requests made under the
    lenient test limit do not count against this one."""
    old = app.config["RATELIMIT_AUTH"]
    app.config["RATELIMIT_AUTH"] = "3 per minute"
    try:
        yield
    finally:
        app.config["RATELIMIT_AUTH"] = old


def _attempt(app, client, endpoint: str, anna: Person):
    bodies = {
        "prelogin": {"email": "someone@example.fi"},
        "register": {},
        "login": {"email": anna.email, "auth_key": b64u(bytes(32))},
        "recover": {"email": anna.email, "recovery_auth_key": b64u(bytes(32))},
        "password": {"proof": {"email": anna.email, "recovery_auth_key": b64u(bytes(32))},
                     "new": {}},
    }
    return client.post(f"{API}/auth/{endpoint}", json=bodies[endpoint])


@pytest.mark.parametrize("endpoint", ["prelogin", "register", "login", "recover", "password"])
def test_credential_endpoints_are_rate_limited(app, endpoint):
    anna = api_register(app, "anna@example.fi")
    client = app.test_client()
    with strict_limit(app):
        statuses = [_attempt(app, client, endpoint, anna).status_code for _ in range(3)]
        assert 429 not in statuses
        response = _attempt(app, client, endpoint, anna)
        is_json_error(response, 429, "rate_limited")
        assert "Retry-After" in response.headers
    assert _attempt(app, client, endpoint, anna).status_code != 429   # lenient again


def test_rate_limit_is_configurable_per_request(app):
    """Without the strict fixture the same four attempts pass (the control)."""
    anna = api_register(app, "anna@example.fi")
    client = app.test_client()
    assert [_attempt(app, client, "login", anna).status_code for _ in range(4)] == [401] * 4


def test_a_rate_limited_login_does_not_lock_out_other_endpoints(app):
    anna = api_register(app, "anna@example.fi")
    with strict_limit(app):
        for _ in range(4):
            response = _attempt(app, app.test_client(), "login", anna)
        assert response.status_code == 429
    assert _me(anna) == 200 and anna.get("/items").status_code == 200
