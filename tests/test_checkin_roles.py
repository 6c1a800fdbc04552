"""Every route of goal check-ins and topics (webapp/checkins/) for every role a person can have
towards a process: its supervisor, its own supervisee, another supervisor's supervisee, a
former member, a stranger and an anonymous visitor; and guessed ids. The table is checked
against app.url_map, so a new route of the area without a row fails."""
from __future__ import annotations

import uuid

import pytest

from .factories import add_goal, api_register, checkin_body, make_process, snapshot
from .test_authorization import API, app_routes, fill

ROLES = ("supervisor", "supervisee", "other_supervisee", "former", "stranger", "anonymous")

ROUTES: dict[tuple[str, str], dict[str, int]] = {
    ("/processes/<pid>/goals/<goal_id>", "GET"): dict(
        supervisor=200, supervisee=200, other_supervisee=404, former=404, stranger=404,
        anonymous=302),
    ("/processes/<pid>/topics", "GET"): dict(
        supervisor=200, supervisee=200, other_supervisee=404, former=404, stranger=404,
        anonymous=302),
    (f"{API}/processes/<pid>/goals/<goal_id>/checkin-sharing", "GET"): dict(
        supervisor=403, supervisee=200, other_supervisee=404, former=404, stranger=404,
        anonymous=401),
    (f"{API}/processes/<pid>/goals/<goal_id>/checkin-sharing", "PUT"): dict(
        supervisor=403, supervisee=200, other_supervisee=404, former=404, stranger=404,
        anonymous=401),
}


def test_every_route_of_the_area_has_a_row(app):
    ours = {route for route in app_routes(app)
            if "/topics" in route[0] or "checkin" in route[0]
            or route[0] == "/processes/<pid>/goals/<goal_id>"}
    assert ours == set(ROUTES)


@pytest.fixture
def cast(app):
    people = {role: api_register(app, display_name=role, is_supervisor=role == "supervisor")
              for role in ROLES if role != "anonymous"}
    sup = people["supervisor"]
    pid = make_process(sup.uid, people["supervisee"].uid, people["former"].uid,
                       status="active", app=app)
    goal = add_goal(sup, pid, "Tavoite", readers=(people["supervisee"].uid,
                                                  people["former"].uid), app=app)
    other_sup = api_register(app, is_supervisor=True)
    make_process(other_sup.uid, people["other_supervisee"].uid, status="active", app=app)
    # the former member had check-ins; then left
    former = people["former"]
    item_id, body = checkin_body(former, pid, goal, 5, app=app)
    assert former.put(f"/items/{item_id}", body).status_code == 201
    assert former.delete(f"/processes/{pid}/members/{former.uid}").status_code == 204
    people["anonymous"] = None
    return pid, goal, people


def _send(app, person, rule, method, path):
    client = person.client if person is not None else app.test_client()
    headers = {"X-CSRF-Token": person.csrf} if person is not None else {}
    if method == "PUT":
        return client.open(path, method=method, json={"shared": True}, headers=headers)
    return client.open(path, method=method, headers=headers)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda r: f"{r[1]} {r[0]}")
def test_routes_by_role(app, cast, route, role):
    pid, goal, people = cast
    rule, method = route
    expected = ROUTES[route][role]
    before = snapshot(app)
    response = _send(app, people[role], rule, method, fill(rule, pid=pid, goal_id=goal))
    assert response.status_code == expected, (role, method, rule, response.status_code,
                                              response.get_data(as_text=True)[:200])
    if expected >= 300 or method == "GET":
        assert snapshot(app) == before
    if expected == 403:
        assert response.get_json()["error"]["code"] == "not_supervisee"
    if role in ("other_supervisee", "former", "stranger") and rule.startswith(API):
        assert response.get_json()["error"]["code"] == "process_not_found"


@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda r: f"{r[1]} {r[0]}")
@pytest.mark.parametrize("guess", ["pid", "goal"])
def test_guessed_ids_tell_nothing(app, cast, route, guess):
    """A guessed process or goal id answers even the process's own supervisee with a 404
    (the topics page has no goal in its path: a guessed goal leaves it as it is)."""
    pid, goal, people = cast
    rule, method = route
    if guess == "goal" and "<goal_id>" not in rule:
        return
    ids = {"pid": str(uuid.uuid4()) if guess == "pid" else pid,
           "goal_id": str(uuid.uuid4()) if guess == "goal" else goal}
    path = fill(rule, **{k: v for k, v in ids.items() if f"<{k}>" in rule})
    before = snapshot(app)
    response = _send(app, people["supervisee"], rule, method, path)
    assert response.status_code == 404
    assert snapshot(app) == before
    if rule.startswith(API):
        assert response.get_json()["error"]["code"] == (
            "process_not_found" if guess == "pid" else "goal_not_found")
