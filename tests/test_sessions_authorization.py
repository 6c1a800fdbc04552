"""Every route of the schedule and the calendars, for every role a person can have towards a
process and its sessions: its supervisor, its supervisee, another supervisor's supervisee, a
former member, a stranger and an anonymous visitor; then foreign and guessed ids. The table
is checked against app.url_map, so a new route of the area without a row here fails
`test_every_schedule_route_has_a_row`.

Reads: 200 for current members, 404 for everyone else (not 403: the id's existence is not
told). Writes: only the supervisor; a supervisee learns 403 not_supervisor (they can see the
schedule), everyone else 404. The feed answers whoever holds its secret, and only them.
"""
from __future__ import annotations

import uuid

import pytest

from .factories import api_register, csrf_from, snapshot
from .test_authorization import API, app_routes, fill

ROLES = ("supervisor", "supervisee", "other", "former", "stranger", "anonymous")
START = {"date": "2027-03-10", "time": "17:00"}

# (rule, method) -> {role: expected status}
SCHEDULE_ROUTES: dict[tuple[str, str], dict[str, int]] = {
    ("/processes/<pid>/sessions/<sid>", "GET"): dict(
        supervisor=200, supervisee=200, other=404, former=404, stranger=404, anonymous=302),
    ("/processes/<pid>/sessions/<sid>/calendar.ics", "GET"): dict(
        supervisor=200, supervisee=200, other=404, former=404, stranger=404, anonymous=302),
    (f"{API}/processes/<pid>/sessions", "GET"): dict(
        supervisor=200, supervisee=200, other=404, former=404, stranger=404, anonymous=401),
    (f"{API}/processes/<pid>/sessions", "POST"): dict(
        supervisor=201, supervisee=403, other=404, former=404, stranger=404, anonymous=401),
    # the process has its schedule already: the supervisor passes the checks and learns 409
    (f"{API}/processes/<pid>/sessions/generate", "POST"): dict(
        supervisor=409, supervisee=403, other=404, former=404, stranger=404, anonymous=401),
    (f"{API}/sessions/<sid>", "GET"): dict(
        supervisor=200, supervisee=200, other=404, former=404, stranger=404, anonymous=401),
    (f"{API}/sessions/<sid>", "PATCH"): dict(
        supervisor=200, supervisee=403, other=404, former=404, stranger=404, anonymous=401),
    # after the session (the summary; webapp/held/): read by current members
    ("/processes/<pid>/sessions/<sid>/after", "GET"): dict(
        supervisor=200, supervisee=200, other=404, former=404, stranger=404, anonymous=302),
    # the session agenda (webapp/agendas/; its own tests: tests/test_agendas.py). Nothing is
    # saved yet: the builder is the supervisor's, a participant is told it is not shared yet
    ("/processes/<pid>/sessions/<sid>/agenda", "GET"): dict(
        supervisor=200, supervisee=200, other=404, former=404, stranger=404, anonymous=302),
    ("/processes/<pid>/sessions/<sid>/agenda/checklist", "GET"): dict(
        supervisor=200, supervisee=404, other=404, former=404, stranger=404, anonymous=302),
    (f"{API}/sessions/<sid>/agenda", "GET"): dict(
        supervisor=200, supervisee=404, other=404, former=404, stranger=404, anonymous=401),
    (f"{API}/sessions/<sid>/agenda", "PUT"): dict(
        supervisor=200, supervisee=403, other=404, former=404, stranger=404, anonymous=401),
    (f"{API}/sessions/<sid>/agenda/candidates", "GET"): dict(
        supervisor=200, supervisee=403, other=404, former=404, stranger=404, anonymous=401),
    # not saved yet: the supervisor passes the checks and learns 409
    (f"{API}/sessions/<sid>/agenda/share", "POST"): dict(
        supervisor=409, supervisee=403, other=404, former=404, stranger=404, anonymous=401),
    # no such line yet: the supervisor passes the checks and learns 404
    (f"{API}/sessions/<sid>/agenda/ticks", "POST"): dict(
        supervisor=404, supervisee=403, other=404, former=404, stranger=404, anonymous=401),
    # the secret is the credential: whoever holds the supervisee's gets her feed
    ("/calendar/<token>.ics", "GET"): dict(
        supervisor=200, supervisee=200, other=200, former=200, stranger=200, anonymous=200),
    # one's own account
    (f"{API}/me/calendar", "POST"): dict(
        supervisor=201, supervisee=201, other=201, former=201, stranger=201, anonymous=401),
    (f"{API}/me/calendar", "DELETE"): dict(
        supervisor=204, supervisee=204, other=204, former=204, stranger=204, anonymous=401),
    ("/account/timezone", "POST"): dict(
        supervisor=302, supervisee=302, other=302, former=302, stranger=302, anonymous=302),
}
BODIES = {
    (f"{API}/processes/<pid>/sessions", "POST"): START,
    (f"{API}/processes/<pid>/sessions/generate", "POST"): START,
    (f"{API}/sessions/<sid>", "PATCH"): {"status": "cancelled", "cancel_reason": "illness"},
    (f"{API}/sessions/<sid>/agenda", "PUT"): {"version": 0, "lines": [
        {"id": "6f1c4f0e-9a53-4c1e-8f4e-2b1d3c4a5e6f", "source": "own", "minutes": 10}]},
    (f"{API}/sessions/<sid>/agenda/ticks", "POST"): {
        "line": "6f1c4f0e-9a53-4c1e-8f4e-2b1d3c4a5e6f", "done": True},
}


def _ours(rule: str) -> bool:
    return "/sessions" in rule or "/calendar" in rule or rule == "/account/timezone"


def test_every_schedule_route_has_a_row(app):
    assert {route for route in app_routes(app) if _ours(route[0])} == set(SCHEDULE_ROUTES)


@pytest.fixture
def cast(app):
    """sara supervises `pid` (anna in it, fiia left it) with a schedule; olli supervises
    `other_pid` with bertta and a schedule of his own; carl is in nothing."""
    people = {name: api_register(app, display_name=name, is_supervisor=name in ("sara", "olli"))
              for name in ("sara", "anna", "fiia", "olli", "bertta", "carl")}

    def process(supervisor, *members):
        pid = str(uuid.uuid4())
        assert supervisor.post("/processes", {"id": pid, "form": "group"}).status_code == 201
        for member in members:
            token = supervisor.post(f"/processes/{pid}/invites", {}).get_json()["token"]
            assert member.post(f"/invites/{token}/accept").status_code == 200
        made = supervisor.post(f"/processes/{pid}/sessions/generate", START)
        assert made.status_code == 201
        return pid, [s["id"] for s in made.get_json()["sessions"]]

    pid, sids = process(people["sara"], people["anna"], people["fiia"])
    assert people["fiia"].delete(f"/processes/{pid}/members/{people['fiia'].uid}"
                                 ).status_code == 204
    other_pid, other_sids = process(people["olli"], people["bertta"])
    feed = people["anna"].post("/me/calendar").get_json()["token"]
    roles = {"supervisor": people["sara"], "supervisee": people["anna"],
             "other": people["bertta"], "former": people["fiia"], "stranger": people["carl"],
             "anonymous": None}
    return {"pid": pid, "sid": sids[0], "other_pid": other_pid, "other_sid": other_sids[0],
            "feed": feed, "roles": roles, "people": people}


def _send(app, person, rule, method, ids):
    path = fill(rule, pid=ids["pid"], sid=ids["sid"], token=ids["feed"])
    client = person.client if person is not None else app.test_client()
    if rule == "/account/timezone":
        csrf = (csrf_from(client.get("/login").get_data(as_text=True)) if person is None
                else csrf_from(client.get("/account/").get_data(as_text=True)))
        return client.post(path, data={"timezone": "Europe/Oslo", "csrf_token": csrf})
    headers = {"X-CSRF-Token": person.csrf} if person is not None else {}
    body = BODIES.get((rule, method))
    if body is None:
        return client.open(path, method=method, headers=headers)
    return client.open(path, method=method, json=body, headers=headers)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(SCHEDULE_ROUTES), ids=lambda r: f"{r[1]} {r[0]}")
def test_schedule_routes_by_role(app, cast, route, role):
    rule, method = route
    expected = SCHEDULE_ROUTES[route][role]
    before = snapshot(app)
    response = _send(app, cast["roles"][role], rule, method, cast)
    assert response.status_code == expected, (role, method, rule, response.status_code,
                                              response.get_data(as_text=True)[:200])
    refused = expected >= 400 or (role == "anonymous" and expected == 302)
    if refused or method == "GET":
        assert snapshot(app) == before            # refused (or read): nothing changed
    if expected == 403 and rule.startswith(API):
        assert response.get_json()["error"]["code"] == "not_supervisor"
    if expected == 404:    # a page echoes the path its visitor typed: not a leak
        path = fill(rule, pid=cast["pid"], sid=cast["sid"], token=cast["feed"])
        body = response.get_data(as_text=True).replace(path, "")
        for other_sid in _sids(app, cast["pid"]):
            assert other_sid not in body


def _sids(app, pid):
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models.sessions import SupervisionSession
    with app.app_context():
        return list(db.session.scalars(select(SupervisionSession.id)
                                       .where(SupervisionSession.process_id == pid)))


def test_foreign_and_guessed_ids_tell_nothing(app, cast):
    """The supervisor of one process against another's: 404 everywhere, also for a real
    session put under her own process's id, and for guessed ids."""
    sara = cast["people"]["sara"]
    before = snapshot(app)
    foreign_pid, foreign_sid = cast["other_pid"], cast["other_sid"]
    for path in (f"/processes/{foreign_pid}/sessions/{foreign_sid}",
                 f"/processes/{cast['pid']}/sessions/{foreign_sid}",      # mixed ids
                 f"/processes/{foreign_pid}/sessions/{cast['sid']}",
                 f"/processes/{cast['pid']}/sessions/{foreign_sid}/calendar.ics",
                 f"/processes/{cast['pid']}/sessions/{'A' * 22}",
                 f"/processes/{uuid.uuid4()}/sessions/{cast['sid']}"):
        assert sara.client.get(path).status_code == 404, path
    for method, path, body in (
            ("GET", f"/sessions/{foreign_sid}", None),
            ("PATCH", f"/sessions/{foreign_sid}", {"status": "cancelled",
                                                   "cancel_reason": "other"}),
            ("PATCH", f"/sessions/{'A' * 22}", {"status": "planned"}),
            ("GET", f"/processes/{foreign_pid}/sessions", None),
            ("POST", f"/processes/{foreign_pid}/sessions", START),
            ("POST", f"/processes/{uuid.uuid4()}/sessions/generate", START)):
        response = sara.client.open(f"{API}{path}", method=method, json=body,
                                    headers={"X-CSRF-Token": sara.csrf})
        assert response.status_code == 404, (method, path, response.get_json())
        assert foreign_sid not in response.get_data(as_text=True)
    for token in ("A" * 43, "guessed", cast["feed"][:-1] + ("A" if cast["feed"][-1] != "A"
                                                             else "B")):
        assert app.test_client().get(f"/calendar/{token}.ics").status_code == 404
    assert snapshot(app) == before


def test_the_feed_of_a_former_member_lists_nothing_of_the_process(app, cast):
    fiia = cast["people"]["fiia"]
    token = fiia.post("/me/calendar").get_json()["token"]
    text = app.test_client().get(f"/calendar/{token}.ics").get_data(as_text=True)
    for sid in _sids(app, cast["pid"]):
        assert sid not in text
    bertta_token = cast["people"]["bertta"].post("/me/calendar").get_json()["token"]
    text = app.test_client().get(f"/calendar/{bertta_token}.ics").get_data(as_text=True)
    assert cast["other_sid"] in text and cast["sid"] not in text
