"""Evaluations through HTTP (pages and API): what each role gets (the supervisor, their own
supervisee, another supervisor's supervisee, a former member, a stranger, anonymous) on every
route of the area, guessed ids, bad input, writing and accepting over the API, the pages'
markup (ciphertext only), the homes and the process page's card."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

import protocol
from webapp.extensions import db
from webapp.models import Process
from webapp.services.evaluations import add_months

from .factories import api_register, make_process, snapshot
from .test_contracts_api import acceptance, sealed_body

MARKER = "ARVIOINTIMERKKI-5c1e"
TODAY = datetime.now(UTC).date()


def payload(goal: str | None = None, text: str = MARKER) -> dict:
    goals = {goal: {"start": 3, "now": 7, "helped": text, "next": text}} if goal else {}
    return {"goals": goals, "summary": text}


def running(app, sara, *members, starts_on=None, months: int = 6) -> str:
    pid = make_process(sara.uid, *(m.uid for m in members), status="active", app=app)
    with app.app_context():
        process = db.session.get(Process, pid)
        process.starts_on = starts_on or add_months(TODAY + timedelta(days=3), -months)
        process.evaluation_months = months
        db.session.commit()
    return pid


def write(sara, pid, readers, *, due_on: str | None = None, text: str = MARKER) -> str:
    item_id, body = sealed_body(sara, "evaluation", payload(text=text), pid, readers)
    data = {"item": body} | ({"due_on": due_on} if due_on else {})
    response = sara.put(f"/evaluations/{item_id}", data)
    assert response.status_code == 201, response.get_json()
    return item_id


@pytest.fixture
def world(app):
    """sara supervises pid with anna and (former) fiona, an evaluation due in 3 days is
    written and sealed to them; olli supervises another process with oona; stella is a
    stranger."""
    people = {"sara": api_register(app, is_supervisor=True, display_name="Sara"),
              "olli": api_register(app, is_supervisor=True, display_name="Olli"),
              "anna": api_register(app, display_name="Anna"),
              "fiona": api_register(app, display_name="Fiona"),
              "oona": api_register(app, display_name="Oona"),
              "stella": api_register(app, display_name="Stella")}
    sara, anna, fiona = people["sara"], people["anna"], people["fiona"]
    pid = running(app, sara, anna, fiona)
    running(app, people["olli"], people["oona"], starts_on=TODAY)      # nothing due
    evaluation = write(sara, pid, [anna, fiona])
    fiona_sig = acceptance(fiona, evaluation)
    assert sara.delete(f"/processes/{pid}/members/{fiona.uid}").status_code == 204
    return people, pid, evaluation, fiona_sig


ROLES = ("supervisor", "supervisee", "other_supervisee", "former", "stranger", "anonymous")
WHO = {"supervisor": "sara", "supervisee": "anna", "other_supervisee": "oona",
       "former": "fiona", "stranger": "stella", "anonymous": None}

ROUTES = {
    "page": dict(supervisor=200, supervisee=200, other_supervisee=404, former=404,
                 stranger=404, anonymous=302),
    "new": dict(supervisor=200, supervisee=403, other_supervisee=404, former=404,
                stranger=404, anonymous=302),
    "show": dict(supervisor=200, supervisee=200, other_supervisee=404, former=404,
                 stranger=404, anonymous=302),
    "edit": dict(supervisor=200, supervisee=403, other_supervisee=404, former=404,
                 stranger=404, anonymous=302),
    "cadence_form": dict(supervisor=302, supervisee=403, other_supervisee=404, former=404,
                         stranger=404, anonymous=302),
    "list": dict(supervisor=200, supervisee=200, other_supervisee=404, former=404,
                 stranger=404, anonymous=401),
    "get": dict(supervisor=200, supervisee=200, other_supervisee=404, former=404,
                stranger=404, anonymous=401),
    "write": dict(supervisor=201, supervisee=403, other_supervisee=404, former=404,
                  stranger=404, anonymous=401),
    "cadence": dict(supervisor=200, supervisee=403, other_supervisee=404, former=404,
                    stranger=404, anonymous=401),
    "accept": dict(supervisor=201, supervisee=201, other_supervisee=404, former=404,
                   stranger=404, anonymous=401),
}


def _call(app, person, route, pid, evaluation, fiona_sig):
    client = person.client if person else app.test_client()
    headers = {"X-CSRF-Token": person.csrf} if person else {}
    if route == "page":
        return client.get(f"/processes/{pid}/evaluations")
    if route == "new":
        return client.get(f"/processes/{pid}/evaluations/new")
    if route == "show":
        return client.get(f"/evaluations/{evaluation}")
    if route == "edit":
        return client.get(f"/evaluations/{evaluation}/edit")
    if route == "cadence_form":
        return client.post(f"/processes/{pid}/evaluations/cadence",
                           data={"months": "4", "previous": "6",
                                 "csrf_token": person.csrf if person else ""})
    if route == "list":
        return client.get(f"/api/v1/processes/{pid}/evaluations")
    if route == "get":
        return client.get(f"/api/v1/evaluations/{evaluation}")
    if route == "cadence":
        return client.put(f"/api/v1/processes/{pid}/evaluation-cadence",
                          json={"months": 4, "previous": 6}, headers=headers)
    if route == "write":
        # The next date (the final one of a process that ends in a year), for real.
        author = person
        if person is None:
            return client.put(f"/api/v1/evaluations/{uuid.uuid4()}", json={}, headers={})
        item_id, body = sealed_body(author, "evaluation", payload(), pid)
        return client.put(f"/api/v1/evaluations/{item_id}", json={"item": body},
                          headers=headers)
    readable = person is not None and person.get(f"/items/{evaluation}").status_code == 200
    body = acceptance(person, evaluation) if readable else fiona_sig
    return client.post(f"/api/v1/items/{evaluation}/acceptances", json=body, headers=headers)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_each_role_on_each_route(app, world, route, role):
    people, pid, evaluation, fiona_sig = world
    person = people[WHO[role]] if WHO[role] else None
    expected = ROUTES[route][role]
    before = snapshot(app)
    response = _call(app, person, route, pid, evaluation, fiona_sig)
    assert response.status_code == expected, (role, route, response.get_data(as_text=True)[:300])
    if expected >= 400 or response.request.method == "GET":
        assert snapshot(app) == before
    assert MARKER not in response.get_data(as_text=True)


def test_guessed_ids_tell_nothing(app, world):
    people, pid, evaluation, _ = world
    sara = people["sara"]
    guess = str(uuid.uuid4())
    assert sara.client.get(f"/processes/{guess}/evaluations").status_code == 404
    assert sara.client.get(f"/evaluations/{guess}").status_code == 404
    assert sara.client.get(f"/evaluations/{guess}/edit").status_code == 404
    assert sara.client.get("/evaluations/not-a-uuid").status_code in (400, 404)
    assert sara.get(f"/evaluations/{guess}").get_json()["error"]["code"] == \
        "evaluation_not_found"
    assert sara.get(f"/processes/{guess}/evaluations").status_code == 404
    # an item that is no evaluation
    entry = sara.write()
    assert sara.get(f"/evaluations/{entry}").status_code == 404
    assert sara.client.get(f"/evaluations/{entry}").status_code == 404


def test_bad_input_is_a_clear_4xx(app, world):
    people, pid, evaluation, _ = world
    sara = people["sara"]
    item_id, body = sealed_body(sara, "evaluation", payload(), pid)
    for data, code in (({"item": body, "due_on": "2027-02-30"}, 400),
                       ({"item": body, "due_on": None}, 400),
                       ({"item": body, "due_on": TODAY.isoformat()}, 400),
                       ({"item": body, "x": 1}, 400), ({}, 400)):
        response = sara.put(f"/evaluations/{item_id}", data)
        assert response.status_code == code, (data.keys(), response.get_json())
        assert response.get_json()["error"]["code"]
    _, entry = sara.seal({"title": "t", "body": "b", "tags": []}, item_id=item_id)
    assert sara.put(f"/evaluations/{item_id}", {"item": entry}).get_json()["error"][
        "code"] == "bad_kind"
    for data in ({"months": 0, "previous": 6}, {"months": "4", "previous": 6},
                 {"months": 25, "previous": 6}, {"months": 4}):
        response = sara.put(f"/processes/{pid}/evaluation-cadence", data)
        assert response.status_code == 400, data
    for form in ({"months": "x", "previous": "6"}, {"months": "99", "previous": "6"}, {}):
        response = sara.client.post(f"/processes/{pid}/evaluations/cadence",
                                    data=form | {"csrf_token": sara.csrf})
        assert response.status_code == 400
        assert "ev-months-error" in response.get_data(as_text=True)
    # Saved: back on the evaluations page at the cadence, which says so (once: the message
    # does not wait for some later page).
    response = sara.client.post(f"/processes/{pid}/evaluations/cadence",
                                data={"months": "4", "previous": "6", "csrf_token": sara.csrf})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/processes/{pid}/evaluations#cadence-title")
    html = sara.client.get(f"/processes/{pid}/evaluations").get_data(as_text=True)
    cadence = html[html.index('id="cadence-title"'):]
    assert "data-flash" in cadence and "Arviointitiheys on tallennettu." in cadence
    assert "data-flash" not in sara.client.get("/account/").get_data(as_text=True)


def test_writing_accepting_and_final_over_http(app, world):
    people, pid, evaluation, _ = world
    sara, anna = people["sara"], people["anna"]
    listing = anna.get(f"/processes/{pid}/evaluations").get_json()
    due_on = (TODAY + timedelta(days=3)).isoformat()
    assert listing["due"] == [{"due_on": due_on, "kind": "interim", "evaluation": evaluation}]
    assert [e["item"] for e in listing["evaluations"]] == [evaluation]
    # a second one for the same date is refused with the stored one named
    _item, body = sealed_body(sara, "evaluation", payload(), pid, [anna])
    response = sara.put(f"/evaluations/{_item}", {"item": body, "due_on": due_on})
    assert response.status_code == 409
    assert response.get_json()["error"]["evaluation"] == evaluation
    # edit (rev 2) through the same call, then both accept
    _, edit = sealed_body(sara, "evaluation", payload(text="toinen"), pid, item_id=evaluation,
                          rev=2)
    assert sara.put(f"/evaluations/{evaluation}", {"item": edit}).status_code == 200
    assert anna.post(f"/items/{evaluation}/acceptances", acceptance(anna, evaluation)
                     ).status_code == 201
    data = anna.get(f"/evaluations/{evaluation}").get_json()
    assert data["accepted_at"] is None and data["rev"] == 2
    _, edit = sealed_body(sara, "evaluation", payload(), pid, item_id=evaluation, rev=3)
    response = sara.put(f"/evaluations/{evaluation}", {"item": edit})
    assert response.get_json()["error"]["code"] == "evaluation_accepted"
    assert sara.post(f"/items/{evaluation}/acceptances", acceptance(sara, evaluation)
                     ).status_code == 201
    data = anna.get(f"/evaluations/{evaluation}").get_json()
    assert data["accepted_at"] is not None
    item = anna.get(f"/items/{evaluation}").get_json()
    for a in data["acceptances"]:
        assert a["content_hash"] == protocol.b64u_encode(protocol.content_hash(item["sealed"]))
    assert anna.get(f"/processes/{pid}/evaluations").get_json()["due"] == []
    # Final: the editor's address leads to the evaluation, which says why.
    response = sara.client.get(f"/evaluations/{evaluation}/edit")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/evaluations/{evaluation}")
    html = sara.client.get(f"/evaluations/{evaluation}").get_data(as_text=True)
    assert "data-flash" in html and "Joku on hyväksynyt tämän arvioinnin" in html
    # Listed as accepted, with when.
    html = sara.client.get(f"/processes/{pid}/evaluations").get_data(as_text=True)
    listed = html[html.index("data-evaluations-accepted"):]
    assert f'data-evaluation="{evaluation}"' in listed and "hyväksytty " in listed
    # The process page's card counts it (and says nothing of a count of none).
    card = sara.client.get(f"/processes/{pid}").get_data(as_text=True)
    card = card[card.index('id="evaluation-card-title"'):].split("</section>", 1)[0]
    assert "1 arviointi hyväksytty." in card


def test_the_pages_carry_ciphertext_only(app, world):
    people, pid, evaluation, _ = world
    sara, anna = people["sara"], people["anna"]
    show = anna.client.get(f"/evaluations/{evaluation}").get_data(as_text=True)
    assert MARKER not in show and 'hx-history="false"' in show
    assert "data-js-evaluation-view" in show and "data-js-evaluation-accept" in show
    assert "data-js-contract-print" in show and f"/evaluations/{evaluation}/edit" not in show
    sup = sara.client.get(f"/evaluations/{evaluation}").get_data(as_text=True)
    assert f"/evaluations/{evaluation}/edit" in sup
    edit = sara.client.get(f"/evaluations/{evaluation}/edit").get_data(as_text=True)
    assert "data-js-evaluation-edit" in edit and "data-sealed=" in edit and MARKER not in edit
    listing = anna.client.get(f"/processes/{pid}/evaluations").get_data(as_text=True)
    assert f"/evaluations/{evaluation}" in listing and "data-evaluation-drafts" in listing
    assert "evaluations/cadence" not in listing
    assert "evaluations/cadence" in sara.client.get(
        f"/processes/{pid}/evaluations").get_data(as_text=True)


def test_due_evaluations_show_on_both_homes_and_the_process_card(app, world):
    people, pid, evaluation, _ = world
    for name in ("sara", "anna"):
        home = people[name].client.get("/home/").get_data(as_text=True)
        assert "data-home-evaluations" in home and f"/evaluations/{evaluation}" in home
        card = people[name].client.get(f"/processes/{pid}").get_data(as_text=True)
        assert f"/processes/{pid}/evaluations" in card and "data-evaluation-due" in card
    home = people["oona"].client.get("/home/").get_data(as_text=True)
    assert "data-home-evaluations" not in home


def test_the_editor_prefills_from_the_checkins_the_writer_can_read(app):
    from .factories import add_goal, checkin_body
    sara, anna = api_register(app, is_supervisor=True), api_register(app)
    pid = running(app, sara, anna)
    goal = add_goal(sara, pid, "tavoite", readers=(anna.uid,), app=app)
    assert anna.put(f"/processes/{pid}/goals/{goal}/checkin-sharing",
                    {"shared": True}).status_code == 200
    first, body = checkin_body(anna, pid, goal, 2, share_with=sara.uid, app=app)
    assert anna.put(f"/items/{first}", body).status_code == 201
    private, body = checkin_body(anna, pid, goal, 9, app=app)         # not shared
    assert anna.put(f"/items/{private}", body).status_code == 201
    last, body = checkin_body(anna, pid, goal, 6, share_with=sara.uid, app=app)
    assert anna.put(f"/items/{last}", body).status_code == 201
    html = sara.client.get(f"/processes/{pid}/evaluations/new").get_data(as_text=True)
    start = html.split("data-start-sealed='", 1)[1].split("'", 1)[0]
    now = html.split("data-now-sealed='", 1)[1].split("'", 1)[0]
    assert f'"id":"{first}"' in start and f'"id":"{last}"' in now and private not in html
    assert anna.client.get(f"/processes/{pid}/evaluations/new").status_code == 403


# -- the shared matrices: OpenAPI answers and bad input (tests/test_openapi.py and
#    tests/test_api_bad_input.py call these) --------------------------------------------------

def check_evaluation_answers(check, app, anna, bertta, pid: str) -> None:
    """Every evaluation operation against the document: anna supervises `pid` (active by
    the contract both accepted), bertta is in it."""
    with app.app_context():
        process = db.session.get(Process, pid)
        process.status, process.starts_on = "active", add_months(TODAY, -6)
        db.session.commit()
    listed, one = "/processes/{pid}/evaluations", "/evaluations/{item_id}"
    check(listed, "get", bertta.get(f"/processes/{pid}/evaluations"))
    check(listed, "get", bertta.get(f"/processes/{uuid.uuid4()}/evaluations"))       # 404
    item_id, body = sealed_body(anna, "evaluation", payload(), pid, [bertta])
    check(one, "put", anna.put(f"/evaluations/{item_id}", {"item": body}))            # 201
    check(one, "put", anna.put(f"/evaluations/{item_id}", {"item": body}))            # 200
    other, other_body = sealed_body(bertta, "evaluation", payload(), pid, [anna])
    check(one, "put", bertta.put(f"/evaluations/{other}", {"item": other_body}))      # 403
    check(one, "put", anna.put(f"/evaluations/{other}", {"item": body, "due_on": "x"}))
    second, second_body = sealed_body(anna, "evaluation", payload(), pid, [bertta])
    check(one, "put", anna.put(f"/evaluations/{second}", {
        "item": second_body, "due_on": TODAY.isoformat()}))                            # 409
    check(one, "get", bertta.get(f"/evaluations/{item_id}"))
    check(one, "get", bertta.get(f"/evaluations/{uuid.uuid4()}"))                    # 404
    check("/items/{item_id}/acceptances", "post", bertta.post(
        f"/items/{item_id}/acceptances", acceptance(bertta, item_id)))                 # 201
    cadence = "/processes/{pid}/evaluation-cadence"
    check(cadence, "put", anna.put(f"/processes/{pid}/evaluation-cadence",
                                   {"months": 4, "previous": 6}))                      # 200
    check(cadence, "put", anna.put(f"/processes/{pid}/evaluation-cadence",
                                   {"months": 3, "previous": 6}))                      # 409
    check(cadence, "put", bertta.put(f"/processes/{pid}/evaluation-cadence",
                                     {"months": 3, "previous": 4}))                    # 403
    check(cadence, "put", anna.put(f"/processes/{pid}/evaluation-cadence",
                                   {"months": 0, "previous": 4}))                      # 400


def evaluation_cases():
    """Bad input to the evaluations' API. The bad-input world's process is a draft (no
    contract accepted): a good write ends in 409 process_not_active, an entry's body in 400
    bad_kind, and anna's entry is no evaluation (404)."""
    from .test_api_bad_input import WRONG_TYPES, Case, P, _bad_id

    write = "/evaluations/{new}"

    def good(w):
        body = w.anna.seal({"goals": {}, "summary": "x"}, item_id=w.new, kind="evaluation")[1]
        return {"item": body | {"process": w.pid}}

    yield P("write-entry", Case("PUT", write, lambda w: {"item": w.new_body}, status=400,
                                code="bad_kind"))
    yield P("write-draft", Case("PUT", write, good, status=409, code="process_not_active"))
    yield P("write-missing", Case("PUT", write, {}, status=400, code="missing_field"))
    yield P("write-extra", Case("PUT", write, lambda w: good(w) | {"who": "x"}, status=400,
                                code="unknown_field"))
    for label, value in WRONG_TYPES:
        yield P(f"write-item-{label}", Case("PUT", write, {"item": value}, status=400))
        yield P(f"write-due-{label}", Case("PUT", write, lambda w, v=value: good(w) | {
            "due_on": v}, status=400))
    for label, value in [("day", "2027-02-30"), ("time", "2027-01-01T10:00:00Z"),
                         ("words", "huomenna"), ("long", "2027-01-01" * 10)]:
        yield P(f"write-due-{label}", Case("PUT", write, lambda w, v=value: good(w) | {
            "due_on": v}, status=400))
    yield P("write-no-csrf", Case("PUT", write, good, csrf=None, status=403, code="csrf"))
    yield P("write-anon", Case("PUT", write, good, who="anon", csrf=None, status=401))
    yield P("write-not-json", Case("PUT", write, raw=b"item=1", status=415,
                                   content_type="application/x-www-form-urlencoded"))
    one = "/evaluations/{item}"
    yield P("one-not-an-evaluation", Case("GET", one, status=404,
                                          code="evaluation_not_found"))
    yield P("one-unknown", Case("GET", "/evaluations/{random}", status=404))
    yield P("one-anon", Case("GET", one, who="anon", csrf=None, status=401))
    for method in ("POST", "PATCH", "DELETE"):
        yield P(f"one-{method}", Case(method, one, status=405))
    for label, value, code in _bad_id("item", "{ITEM}"):
        yield P(f"write-id-{label}", Case("PUT", f"/evaluations/{value}", good, status=code))
        yield P(f"one-id-{label}", Case("GET", f"/evaluations/{value}", status=code))
    listed = "/processes/{pid}/evaluations"
    yield P("list-unknown", Case("GET", "/processes/{random}/evaluations", status=404,
                                 code="process_not_found"))
    yield P("list-anon", Case("GET", listed, who="anon", csrf=None, status=401))
    for label, value, code in _bad_id("pid", "{PID}"):
        yield P(f"list-pid-{label}", Case("GET", f"/processes/{value}/evaluations",
                                          status=code))
        yield P(f"cadence-pid-{label}", Case("PUT", f"/processes/{value}/evaluation-cadence",
                                             {"months": 4, "previous": 6}, status=code))
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        yield P(f"list-{method}", Case(method, listed, status=405))
    cadence = "/processes/{pid}/evaluation-cadence"
    for label, body, code in [
            ("zero", {"months": 0, "previous": 6}, "bad_months"),
            ("over", {"months": 25, "previous": 6}, "bad_months"),
            ("string", {"months": "4", "previous": 6}, "bad_months"),
            ("float", {"months": 4.0, "previous": 6}, "bad_months"),
            ("previous-null", {"months": 4, "previous": None}, None),
            ("missing", {"months": 4}, "missing_field"),
            ("extra", {"months": 4, "previous": 6, "x": 1}, "unknown_field")]:
        yield P(f"cadence-{label}", Case("PUT", cadence, body, status=400, code=code))
    yield P("cadence-stale", Case("PUT", cadence, {"months": 4, "previous": 5}, status=409,
                                  code="cadence_changed"))
    yield P("cadence-supervisee", Case("PUT", cadence, {"months": 4, "previous": 6},
                                       who="bertta", status=403, code="not_supervisor"))
    yield P("cadence-ended", Case("PUT", "/processes/{ended}/evaluation-cadence",
                                  {"months": 4, "previous": 6}, status=409,
                                  code="process_ended"))
    yield P("cadence-no-csrf", Case("PUT", cadence, {"months": 4, "previous": 6}, csrf=None,
                                    status=403, code="csrf"))
    yield P("cadence-anon", Case("PUT", cadence, {"months": 4, "previous": 6}, who="anon",
                                 csrf=None, status=401))
    yield P("cadence-not-json", Case("PUT", cadence, raw=b"months=4", status=415,
                                     content_type="application/x-www-form-urlencoded"))
    for method in ("GET", "POST", "PATCH", "DELETE"):
        yield P(f"cadence-{method}", Case(method, cadence, status=405))


def test_a_member_who_joined_later_is_listed_for_the_supervisors_client(app, world):
    """A member who joins while the evaluation waits for acceptance holds no envelope: the
    supervisor's page lists them (data-missing) for her client to share it; theirs does not,
    and once everyone has accepted nobody is listed."""
    people, pid, evaluation, _ = world
    sara, anna = people["sara"], people["anna"]
    late = api_register(app, display_name="Myöhäinen")
    token = sara.post(f"/processes/{pid}/invites", {}).get_json()["token"]
    assert late.post(f"/invites/{token}/accept").status_code == 200
    page = sara.client.get(f"/evaluations/{evaluation}").get_data(as_text=True)
    assert f"data-missing='[\"{late.uid}\"]'" in page
    assert "data-missing" not in anna.client.get(f"/evaluations/{evaluation}").get_data(
        as_text=True)
    html = late.client.get(f"/evaluations/{evaluation}").get_data(as_text=True)
    assert 'data-state="waiting"' in html and "data-js-evaluation-accept" not in html
    # shared as her client does, the newcomer reads and accepts; then nobody is missing
    from .factories import share_body
    assert sara.put(f"/items/{evaluation}/envelopes/{late.uid}", {
        "envelope": share_body(sara, evaluation, late.uid, app), "process": pid}
    ).status_code == 204
    for person in (sara, anna, late):
        assert person.post(f"/items/{evaluation}/acceptances", acceptance(person, evaluation)
                           ).status_code == 201
    assert late.get(f"/evaluations/{evaluation}").get_json()["accepted_at"]
    assert "data-missing" not in sara.client.get(f"/evaluations/{evaluation}").get_data(
        as_text=True)


def test_an_overdue_evaluation_says_so_and_a_draft_nobody_accepted_too(app, world):
    """A date that has passed without an evaluation accepted is marked overdue on the
    process's page and on both homes; a written one that no current member has accepted
    says "nobody yet" (not "0 members")."""
    people, pid, _evaluation, _ = world
    sara = people["sara"]
    html = sara.client.get(f"/processes/{pid}/evaluations").get_data(as_text=True)
    assert "Kukaan ei ole vielä hyväksynyt" in html and "0 jäsentä" not in html
    card = sara.client.get(f"/processes/{pid}").get_data(as_text=True)
    card = card[card.index('id="evaluation-card-title"'):].split("</section>", 1)[0]
    assert "hyväksytty" not in card and "0 arviointia" not in card
    assert "data-overdue" not in html                     # due in 3 days: not late
    late = running(app, people["olli"], people["oona"],
                   starts_on=add_months(TODAY - timedelta(days=2), -6))
    olli, oona = people["olli"], people["oona"]
    html = olli.client.get(f"/processes/{late}/evaluations").get_data(as_text=True)
    due = html[html.index("data-evaluations-due"):]
    assert "data-overdue" in due and "Myöhässä" in due
    for person in (olli, oona):
        home = person.client.get("/home/").get_data(as_text=True)
        section = home[home.index("data-home-evaluations"):]
        assert f'data-process="{late}"' in section and "data-overdue" in section
    assert "data-overdue" not in sara.client.get("/home/").get_data(as_text=True)
