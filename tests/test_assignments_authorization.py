"""Who may do what with an interim assignment, route by route, for every role a person can
have towards it: the process's supervisor, its own supervisee (an assignee), a supervisee of
another supervisor, a former member (an assignee whose membership ended), a stranger and an
anonymous visitor; and guessed ids. A refusal changes nothing (a database snapshot before and
after). The table is checked against app.url_map: a new assignment route without a row
fails `test_every_assignment_route_has_a_row`."""
from __future__ import annotations

import uuid

import pytest

from .factories import api_register, make_process, snapshot
from .test_assignments_api import assignment_put, give_api, respond
from .test_authorization import API, app_routes

ROLES = ("supervisor", "supervisee", "other_supervisee", "former", "stranger", "anonymous")

# (rule, method) -> {role: expected status}
ROUTES: dict[tuple[str, str], dict[str, int]] = {
    (f"{API}/assignments/<item_id>", "GET"): dict(
        supervisor=200, supervisee=200, other_supervisee=404, former=404, stranger=404,
        anonymous=401),
    (f"{API}/assignments/<item_id>", "PUT"): dict(
        supervisor=200, supervisee=403, other_supervisee=404, former=404, stranger=404,
        anonymous=401),
    (f"{API}/assignments/<item_id>/status", "POST"): dict(
        supervisor=404, supervisee=200, other_supervisee=404, former=404, stranger=404,
        anonymous=401),
    (f"{API}/processes/<pid>/assignments", "GET"): dict(
        supervisor=200, supervisee=200, other_supervisee=404, former=404, stranger=404,
        anonymous=401),
    (f"{API}/assignment-library", "GET"): dict(
        supervisor=200, supervisee=200, other_supervisee=200, former=200, stranger=200,
        anonymous=401),
    ("/assignments/<item_id>", "GET"): dict(
        supervisor=200, supervisee=200, other_supervisee=404, former=404, stranger=404,
        anonymous=302),
    ("/processes/<pid>/assignments", "GET"): dict(
        supervisor=200, supervisee=200, other_supervisee=404, former=404, stranger=404,
        anonymous=302),
}


def test_every_assignment_route_has_a_row(app):
    assert {route for route in app_routes(app) if "assignment" in route[0]} == set(ROUTES)


@pytest.fixture
def cast(app):
    """Sara gives an assignment in a group process to Anna and Fanni; Fanni then leaves.
    Olli supervises Bertta elsewhere; Stina is in no process."""
    sara = api_register(app, display_name="Sara", is_supervisor=True)
    anna = api_register(app, display_name="Anna")
    fanni = api_register(app, display_name="Fanni")
    olli = api_register(app, display_name="Olli", is_supervisor=True)
    bertta = api_register(app, display_name="Bertta")
    stina = api_register(app, display_name="Stina")
    pid = make_process(sara.uid, anna.uid, fanni.uid, form="group", status="active", app=app)
    make_process(olli.uid, bertta.uid, status="active", app=app)
    item_id = give_api(app, sara, pid, [anna.uid, fanni.uid])
    private = respond(app, anna, item_id, pid, "Annan oma vastaus")
    assert fanni.delete(f"/processes/{pid}/members/{fanni.uid}").status_code == 204
    people = {"supervisor": sara, "supervisee": anna, "other_supervisee": bertta,
              "former": fanni, "stranger": stina, "anonymous": None}
    return pid, item_id, private, people


def _request(app, person, rule: str, method: str, pid: str, item_id: str, signer=None):
    path = rule.replace("<pid>", pid).replace("<item_id>", item_id)
    client = person.client if person is not None else app.test_client()
    headers = {"X-CSRF-Token": person.csrf} if person is not None else {}
    body = None
    if method == "POST":
        body = {"status": "done"}
    elif method == "PUT":
        signer = person if person is not None else signer
        _, item = signer.seal({"title": "muutettu"}, item_id=item_id, rev=2,
                              kind="assignment", owner_envelope=False)
        body = {"item": item}
    if body is None:
        return client.open(path, method=method, headers=headers)
    return client.open(path, method=method, json=body, headers=headers)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda r: f"{r[1]} {r[0]}")
def test_assignment_routes_by_role(app, cast, route, role):
    pid, item_id, private, people = cast
    rule, method = route
    expected = ROUTES[route][role]
    before = snapshot(app)
    response = _request(app, people[role], rule, method, pid, item_id,
                        signer=people["supervisor"])
    assert response.status_code == expected, (role, method, rule, response.status_code,
                                              response.get_data(as_text=True)[:300])
    if expected >= 300 or method == "GET":
        assert snapshot(app) == before              # refused (or read): nothing changed
    body = response.get_data(as_text=True)
    if role != "supervisee":
        assert private not in body                  # an unshared answer is hers alone


@pytest.mark.parametrize("role", ["supervisor", "supervisee"])
@pytest.mark.parametrize("route", sorted(r for r in ROUTES if "library" not in r[0]),
                         ids=lambda r: f"{r[1]} {r[0]}")
def test_guessed_ids_are_404(app, cast, route, role):
    pid, item_id, _private, people = cast
    rule, method = route
    guessed_pid, guessed_item = str(uuid.uuid4()), str(uuid.uuid4())
    if method == "PUT":
        # a new id is a new assignment: a guess at someone else's process is what fails
        item, body = assignment_put(app, people[role], guessed_pid, [])
        response = people[role].put(f"/assignments/{item}", body)
        assert response.status_code == 404, response.get_json()
        return
    before = snapshot(app)
    response = _request(app, people[role], rule, method, guessed_pid, guessed_item)
    assert response.status_code == 404, (rule, response.status_code)
    assert snapshot(app) == before
