"""The process and invite API (PROTOCOL §7 "Processes and invites") over HTTP: answers and
their shapes, CSRF, 401 before anything else, 405 with Allow, and the authorization matrix of
issue 9 — the supervisor, their own supervisee, another supervisor's supervisee, a former
member, a stranger, another supervisor and an anonymous visitor, against one process, its
invites and its members. Refusals change nothing and tell nothing."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

import protocol
from webapp.extensions import db
from webapp.models import User

from .factories import api_login, api_register, fast_account, snapshot
from .helpers import Person
from .test_authorization import API, fill, is_json_error

PROCESS_KEYS = {"id", "form", "status", "supervisor", "members", "roster_epoch",
                "session_minutes", "interval_days", "session_count", "mode", "starts_on",
                "ends_on", "created_at", "activated_at", "ended_at"}


def start(supervisor: Person, form: str = "individual", **frame: Any) -> dict:
    pid = str(uuid.uuid4())
    response = supervisor.post("/processes", {"id": pid, "form": form, **frame})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def make_invite(supervisor: Person, pid: str) -> dict:
    response = supervisor.post(f"/processes/{pid}/invites", {})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def join(person: Person, supervisor: Person, pid: str) -> dict:
    response = person.post(f"/invites/{make_invite(supervisor, pid)['token']}/accept")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def share(author: Person, item_id: str, reader: Person, pid: str):
    x = protocol.b64u_decode(reader.account.registration["bundle"]["x25519"], 32)
    env = protocol.share_envelope(author.deks[item_id], item_id, reader.uid, x)
    return author.put(f"/items/{item_id}/envelopes/{reader.uid}",
                      {"envelope": env, "process": pid})


# -- answers and their shapes -------------------------------------------------------------------

def test_a_supervisor_starts_a_process_and_a_supervisee_joins(app):
    sara = api_register(app, display_name="Sara", is_supervisor=True)
    anna = api_register(app, display_name="Anna")
    process = start(sara, "group", session_minutes=120, starts_on="2027-02-01")
    assert set(process) == PROCESS_KEYS
    assert (process["form"], process["status"], process["supervisor"]) == ("group", "draft",
                                                                           sara.uid)
    assert (process["session_minutes"], process["interval_days"]) == (120, 28)
    assert process["starts_on"] == "2027-02-01" and process["ends_on"] is None
    assert process["members"] == [{"uid": sara.uid, "role": "supervisor",
                                   "display_name": "Sara",
                                   "joined_at": process["members"][0]["joined_at"]}]
    pid = process["id"]
    invite = make_invite(sara, pid)
    assert set(invite) == {"id", "token", "expires_at"} and len(invite["token"]) >= 32
    info = app.test_client().get(f"{API}/invites/{invite['token']}")
    assert info.status_code == 200
    body = info.get_json()
    assert body["process"] == {"id": pid, "form": "group"}
    assert body["supervisor"] == {"uid": sara.uid, "display_name": "Sara",
                                  "bundle": sara.account.registration["bundle"]}
    assert body["expires_at"][:19] == invite["expires_at"][:19]
    # the invitee checks the link's fp16 against that bundle (PROTOCOL §2)
    bundle = body["supervisor"]["bundle"]
    assert protocol.fp16(bundle) == protocol.fp16(sara.account.registration["bundle"])
    joined = anna.post(f"/invites/{invite['token']}/accept")
    assert joined.status_code == 200
    members = {m["uid"]: (m["role"], m["display_name"]) for m in joined.get_json()["members"]}
    assert members == {sara.uid: ("supervisor", "Sara"), anna.uid: ("supervisee", "Anna")}
    assert joined.get_json()["roster_epoch"] == 2
    for person in (sara, anna):
        listed = person.get("/processes").get_json()
        assert [p["id"] for p in listed["processes"]] == [pid]
        assert set(listed["processes"][0]) == PROCESS_KEYS
        assert person.get(f"/processes/{pid}").get_json()["members"] == joined.get_json()[
            "members"]
    invites = sara.get(f"/processes/{pid}/invites").get_json()["invites"]
    assert [(i["id"], i["state"]) for i in invites] == [(invite["id"], "used")]
    assert invite["token"] not in json.dumps(invites)


def test_retry_patch_end(app):
    sara = api_register(app, is_supervisor=True)
    pid = str(uuid.uuid4())
    first = sara.post("/processes", {"id": pid, "form": "crisis"})
    again = sara.post("/processes", {"id": pid, "form": "crisis"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    changed = sara.patch(f"/processes/{pid}", {"session_count": 2, "mode": "remote",
                                               "ends_on": "2027-06-30"})
    assert changed.status_code == 200
    body = changed.get_json()
    assert (body["session_count"], body["mode"], body["ends_on"]) == (2, "remote",
                                                                      "2027-06-30")
    ended = sara.post(f"/processes/{pid}/end")
    assert ended.status_code == 200 and ended.get_json()["status"] == "ended"
    assert ended.get_json()["ended_at"] is not None
    is_json_error(sara.patch(f"/processes/{pid}", {"session_count": 3}), 409, "process_ended")
    is_json_error(sara.post(f"/processes/{pid}/invites", {}), 409, "process_ended")
    assert sara.get(f"/processes/{pid}").get_json()["status"] == "ended"


def test_a_non_supervisor_gets_403(app):
    anna = api_register(app)
    before = snapshot(app)
    is_json_error(anna.post("/processes", {"id": str(uuid.uuid4()), "form": "individual"}),
                  403, "not_supervisor")
    assert snapshot(app) == before


def test_register_from_an_invite_link(app):
    sara = api_register(app, display_name="Sara", is_supervisor=True)
    pid = start(sara)["id"]
    token = make_invite(sara, pid)["token"]
    anna = api_register(app, display_name="Anna", invite=token)
    assert {m["uid"] for m in anna.get(f"/processes/{pid}").get_json()["members"]} == {
        sara.uid, anna.uid}
    # the same token again: no account is made
    keys = fast_account()
    response = app.test_client().post(f"{API}/auth/register", json=keys.registration(
        "toinen@example.fi", invite=token))
    is_json_error(response, 404, "invite_not_found")
    assert response.get_json()["error"]["field"] == "invite"
    with app.app_context():
        assert db.session.get(User, keys.uid) is None
        assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_share_list_and_leave(app):
    """A supervisee shares an entry with the supervisor through the process; the supervisor
    finds it in the process's list; when she leaves, the supervisor's answers are 404."""
    sara = api_register(app, is_supervisor=True)
    anna = api_register(app)
    pid = start(sara)["id"]
    join(anna, sara, pid)
    entry = anna.write("Pohdinta", "Jaettu työnohjaajalle")
    private = anna.write("Oma", "Ei jaettu")
    is_json_error(share(anna, entry, sara, str(uuid.uuid4())), 403, "not_shared_process")
    assert share(anna, entry, sara, pid).status_code == 204
    listed = sara.get(f"/items?process={pid}").get_json()["items"]
    assert [i["id"] for i in listed] == [entry]
    assert sara.open(sara.get(f"/items/{entry}").get_json())["body"] == "Jaettu työnohjaajalle"
    assert sara.get(f"/items/{private}").status_code == 404
    assert anna.delete(f"/processes/{pid}/members/{anna.uid}").status_code == 204
    assert sara.get(f"/items/{entry}").status_code == 404
    assert sara.get(f"/items?process={pid}").get_json()["items"] == []
    assert anna.get(f"/items/{entry}").status_code == 200            # still her own
    assert sara.get(f"/users/{anna.uid}/bundle").status_code == 404


# -- CSRF, 401 first, 405 -------------------------------------------------------------------------

UNSAFE = [("POST", "/processes"), ("PATCH", "/processes/<pid>"),
          ("POST", "/processes/<pid>/end"), ("POST", "/processes/<pid>/invites"),
          ("DELETE", "/processes/<pid>/invites/<invite_id>"),
          ("POST", "/invites/<token>/accept"), ("DELETE", "/processes/<pid>/members/<uid>")]


@pytest.fixture
def small(app):
    sara = api_register(app, display_name="Sara", is_supervisor=True)
    anna = api_register(app, display_name="Anna")
    pid = start(sara)["id"]
    join(anna, sara, pid)
    invite = make_invite(sara, pid)
    ids = {"pid": pid, "invite_id": invite["id"], "token": invite["token"], "uid": anna.uid}
    return sara, anna, ids


BODIES = {"/processes": lambda: {"id": str(uuid.uuid4()), "form": "group"},
          "/processes/<pid>": lambda: {"session_count": 3},
          "/processes/<pid>/invites": lambda: {}}


@pytest.mark.parametrize("token", [None, "forged", "other"])
@pytest.mark.parametrize("method, rule", UNSAFE, ids=lambda v: str(v))
def test_unsafe_calls_need_the_csrf_header(app, small, method, rule, token):
    sara, anna, ids = small
    headers = {} if token is None else {"X-CSRF-Token": anna.csrf if token == "other"
                                        else token}
    body = BODIES.get(rule, dict)()
    before = snapshot(app)
    response = sara.client.open(API + fill(rule, **ids), method=method, json=body,
                                headers=headers)
    is_json_error(response, 403, "csrf")
    assert snapshot(app) == before


@pytest.mark.parametrize("method, rule", UNSAFE + [
    ("GET", "/processes"), ("GET", "/processes/<pid>"), ("GET", "/processes/<pid>/invites")],
    ids=lambda v: str(v))
def test_anonymous_gets_401_before_anything_else(app, small, method, rule):
    _, _, ids = small
    client = app.test_client()
    client.get("/login")                       # a session with a CSRF token, but no login
    before = snapshot(app)
    for path in (fill(rule, **ids), fill(rule, pid=str(uuid.uuid4()), invite_id="x",
                                         token="y", uid=str(uuid.uuid4()))):
        body = BODIES.get(rule, dict)() if method != "GET" else None
        response = client.open(API + path, method=method, json=body)
        is_json_error(response, 401, "login_required")
    assert snapshot(app) == before


@pytest.mark.parametrize("method, rule, allowed", [
    ("PUT", "/processes", {"GET", "POST"}), ("DELETE", "/processes", {"GET", "POST"}),
    ("PUT", "/processes/<pid>", {"GET", "PATCH"}), ("DELETE", "/processes/<pid>",
                                                    {"GET", "PATCH"}),
    ("GET", "/processes/<pid>/end", {"POST"}),
    ("PUT", "/processes/<pid>/invites", {"GET", "POST"}),
    ("GET", "/processes/<pid>/invites/<invite_id>", {"DELETE"}),
    ("POST", "/invites/<token>", {"GET"}), ("GET", "/invites/<token>/accept", {"POST"}),
    ("GET", "/processes/<pid>/members/<uid>", {"DELETE"}),
], ids=lambda v: ",".join(sorted(v)) if isinstance(v, set) else str(v))  # same in every worker
def test_a_method_not_allowed_is_405_with_allow(app, small, method, rule, allowed):
    sara, _, ids = small
    before = snapshot(app)
    response = sara.client.open(API + fill(rule, **ids), method=method,
                                headers=sara.headers(), json={})
    is_json_error(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) - {"HEAD", "OPTIONS"} \
        == allowed
    assert snapshot(app) == before


def test_bodies_must_be_json(app, small):
    sara, _, ids = small
    for path in ("/processes", f"/processes/{ids['pid']}/invites"):
        response = sara.client.post(API + path, data="id=x", headers=sara.headers(),
                                    content_type="application/x-www-form-urlencoded")
        is_json_error(response, 415)


# -- the authorization matrix -------------------------------------------------------------------

ROLES = ("supervisor", "supervisee", "other_supervisee", "former", "stranger",
         "other_supervisor", "anonymous")


@dataclass
class Cast:
    people: dict[str, Person | None]
    pid: str                       # the supervisor's process
    other_pid: str                 # another supervisor's process
    invite: dict[str, str]         # an open invite of pid
    secrets: list[str]             # what no outsider may see of pid

    def client_of(self, role: str, app):
        person = self.people[role]
        return (person.client, person.headers()) if person else (app.test_client(), {})


@pytest.fixture
def cast(app) -> Cast:
    people: dict[str, Person | None] = {
        "supervisor": api_register(app, display_name="Sara Supervisor", is_supervisor=True),
        "other_supervisor": api_register(app, display_name="Olli", is_supervisor=True),
    }
    for role in ("supervisee", "other_supervisee", "former", "stranger"):
        people[role] = api_register(app, display_name=role.replace("_", " ").title())
    sara, olli = people["supervisor"], people["other_supervisor"]
    pid = start(sara, starts_on="2027-03-01")["id"]
    other_pid = start(olli)["id"]
    join(people["supervisee"], sara, pid)
    join(people["former"], sara, pid)
    join(people["other_supervisee"], olli, other_pid)
    assert sara.delete(f"/processes/{pid}/members/{people['former'].uid}").status_code == 204
    invite = make_invite(sara, pid)
    people["anonymous"] = None
    secrets = [people["supervisee"].uid, "Sara Supervisor", "Supervisee", invite["id"],
               invite["token"], "2027-03-01"]
    return Cast(people, pid, other_pid, invite, secrets)


def _expected(supervisor_status: int, supervisee_status: int) -> dict[str, int]:
    """Everyone outside the process (former members too) gets 404, the anonymous 401."""
    return {"supervisor": supervisor_status, "supervisee": supervisee_status,
            "other_supervisee": 404, "former": 404, "stranger": 404,
            "other_supervisor": 404, "anonymous": 401}


# (name, method, rule, body, {role: status}, target uid role)
MATRIX: list[tuple[str, str, str, Any, dict[str, int], str | None]] = [
    ("get", "GET", "/processes/<pid>", None, _expected(200, 200), None),
    ("patch", "PATCH", "/processes/<pid>", {"session_count": 5}, _expected(200, 403), None),
    ("end", "POST", "/processes/<pid>/end", None, _expected(200, 403), None),
    ("invite", "POST", "/processes/<pid>/invites", {}, _expected(201, 403), None),
    ("invites", "GET", "/processes/<pid>/invites", None, _expected(200, 403), None),
    ("revoke", "DELETE", "/processes/<pid>/invites/<invite_id>", None,
     _expected(204, 403), None),
    ("remove-supervisee", "DELETE", "/processes/<pid>/members/<uid>", None,
     _expected(204, 204), "supervisee"),
    ("remove-supervisor", "DELETE", "/processes/<pid>/members/<uid>", None,
     _expected(400, 403), "supervisor"),
    ("remove-former", "DELETE", "/processes/<pid>/members/<uid>", None,
     _expected(404, 403), "former"),
    ("remove-self", "DELETE", "/processes/<pid>/members/<uid>", None,
     _expected(400, 204), "self"),
    ("invite-info", "GET", "/invites/<token>", None,
     {role: 200 for role in ROLES}, None),
    ("accept", "POST", "/invites/<token>/accept", None,
     {"supervisor": 409, "supervisee": 409, "other_supervisee": 200, "former": 200,
      "stranger": 200, "other_supervisor": 200, "anonymous": 401}, None),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", MATRIX, ids=lambda r: r[0])
def test_authorization_matrix(app, cast, row, role):
    name, method, rule, body, expected, target = row
    person = cast.people[role]
    target_uid = (person.uid if person else str(uuid.uuid4())) if target == "self" else (
        cast.people[target].uid if target else None)
    path = API + fill(rule, pid=cast.pid, invite_id=cast.invite["id"],
                      token=cast.invite["token"], uid=target_uid or "")
    client, headers = cast.client_of(role, app)
    before = snapshot(app)
    response = client.open(path, method=method, headers=headers,
                           **({} if body is None else {"json": body}))
    status = expected[role]
    assert response.status_code == status, (name, role, response.status_code,
                                            response.get_data(as_text=True)[:300])
    if status >= 400:
        is_json_error(response, status)
        assert snapshot(app) == before, (name, role)
    if status in (401, 404):
        text = response.get_data(as_text=True) + json.dumps(dict(response.headers))
        for secret in cast.secrets:
            assert secret not in text, (name, role, secret)


def test_each_role_lists_only_its_own_processes(app, cast):
    expected = {"supervisor": [cast.pid], "supervisee": [cast.pid],
                "other_supervisee": [cast.other_pid], "former": [], "stranger": [],
                "other_supervisor": [cast.other_pid]}
    for role, pids in expected.items():
        listed = cast.people[role].get("/processes").get_json()["processes"]
        assert [p["id"] for p in listed] == pids, role


def test_guessed_and_reused_ids_tell_nothing(app, cast):
    """A foreign process, a made-up one and one the caller has left answer alike; a used,
    revoked or made-up token alike; an invite id is not a token."""
    sara, former, stranger = (cast.people[r] for r in ("supervisor", "former", "stranger"))

    def error(person, method, path, body=None):
        response = person.client.open(API + path, method=method, headers=person.headers(),
                                      **({} if body is None else {"json": body}))
        return response.status_code, response.get_json()

    guessed = str(uuid.uuid4())
    for path, method, body in [("/processes/{}", "GET", None),
                               ("/processes/{}", "PATCH", {"session_count": 2}),
                               ("/processes/{}/end", "POST", None),
                               ("/processes/{}/invites", "GET", None),
                               ("/processes/{}/invites", "POST", {})]:
        answers = {json.dumps(error(p, method, path.format(pid), body), sort_keys=True)
                   for p, pid in ((stranger, cast.pid), (former, cast.pid),
                                  (stranger, guessed), (sara, guessed))}
        assert len(answers) == 1, answers
        assert json.loads(next(iter(answers)))[0] == 404
    used = make_invite(sara, cast.pid)
    assert stranger.post(f"/invites/{used['token']}/accept").status_code == 200
    revoked = make_invite(sara, cast.pid)
    assert sara.delete(f"/processes/{cast.pid}/invites/{revoked['id']}").status_code == 204
    anon = app.test_client()
    answers = {json.dumps([r.status_code, r.get_json()], sort_keys=True) for r in (
        anon.get(f"{API}/invites/{token}") for token in (
            used["token"], revoked["token"], "x" * 32, cast.invite["id"]))}
    assert len(answers) == 1 and json.loads(next(iter(answers)))[0] == 404
    before = snapshot(app)
    for token in (used["token"], revoked["token"], cast.invite["id"]):
        is_json_error(former.post(f"/invites/{token}/accept"), 404, "invite_not_found")
    assert snapshot(app) == before


def test_a_second_device_of_a_member_sees_the_same(app, cast):
    phone = api_login(app, cast.people["supervisee"])
    assert phone.get(f"/processes/{cast.pid}").status_code == 200
    is_json_error(phone.patch(f"/processes/{cast.pid}", {"session_count": 2}), 403,
                  "not_supervisor")
