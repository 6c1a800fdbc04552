"""The contract's pages and API through HTTP: what each role gets (supervisor, own supervisee,
another supervisor's supervisee, a former member, a stranger, anonymous) on a real contract
with goals, for every route of the area; guessed ids; the pages' markup (ciphertext only)."""
from __future__ import annotations

import uuid

import pytest

import protocol
from webapp.models import Process

from .factories import api_register, make_process, snapshot

b64u = protocol.b64u_encode
MARKER = "SOPIMUSMERKKI-7f3a"


def sealed_body(author, kind: str, payload: dict, pid: str, readers=(), parent=None,
                item_id: str | None = None, rev: int = 1) -> tuple[str, dict]:
    item_id, body = author.seal(payload, item_id=item_id, kind=kind, rev=rev)
    body["process"] = pid
    if rev == 1:
        for reader in readers:
            x = protocol.b64u_decode(reader.account.registration["bundle"]["x25519"], 32)
            body["envelopes"].append(protocol.share_envelope(author.deks[item_id], item_id,
                                                             reader.uid, x))
    if parent:
        body["links"] = {"parent": parent}
    return item_id, body


def put(author, *args, **kw) -> str:
    item_id, body = sealed_body(author, *args, **kw)
    response = author.put(f"/items/{item_id}", body)
    assert response.status_code in (200, 201), response.get_json()
    return item_id


def acceptance(person, item_id: str) -> dict:
    item = person.get(f"/items/{item_id}").get_json()
    ch = b64u(protocol.content_hash(item["sealed"]))
    return {"rev": item["rev"], "sig": protocol.sign_text(
        person.account.ed25519_private, protocol.accept_message(item_id, item["rev"], ch))}


@pytest.fixture
def world(app):
    """sara supervises pid with anna and (former) fiona; olli supervises another process with
    oona; stella is a stranger. pid has a contract and two goals, sealed to anna."""
    people = {"sara": api_register(app, is_supervisor=True, display_name="Sara"),
              "olli": api_register(app, is_supervisor=True, display_name="Olli"),
              "anna": api_register(app, display_name="Anna"),
              "fiona": api_register(app, display_name="Fiona"),
              "oona": api_register(app, display_name="Oona"),
              "stella": api_register(app, display_name="Stella")}
    sara, anna, fiona = people["sara"], people["anna"], people["fiona"]
    pid = make_process(sara.uid, anna.uid, fiona.uid, app=app)
    make_process(people["olli"].uid, people["oona"].uid, app=app)
    payload = {"sections": {"methods": MARKER}, "place": MARKER, "lang": "fi"}
    contract = put(sara, "contract", payload, pid, [anna, fiona])
    goals = [put(sara, "goal", {"text": MARKER}, pid, [anna, fiona]) for _ in range(2)]
    fiona_sig = acceptance(fiona, contract)
    assert sara.delete(f"/processes/{pid}/members/{fiona.uid}").status_code == 204
    return people, pid, contract, goals, fiona_sig


# role -> who; expected per route
ROLES = ("supervisor", "supervisee", "other_supervisee", "former", "stranger", "anonymous")
WHO = {"supervisor": "sara", "supervisee": "anna", "other_supervisee": "oona",
       "former": "fiona", "stranger": "stella", "anonymous": None}

ROUTES = {
    "page": dict(supervisor=200, supervisee=200, other_supervisee=404, former=404,
                 stranger=404, anonymous=302),
    "edit": dict(supervisor=200, supervisee=403, other_supervisee=404, former=404,
                 stranger=404, anonymous=302),
    "contract": dict(supervisor=200, supervisee=200, other_supervisee=404, former=404,
                     stranger=404, anonymous=401),
    "acceptances": dict(supervisor=200, supervisee=200, other_supervisee=404, former=404,
                        stranger=404, anonymous=401),
    "accept": dict(supervisor=201, supervisee=201, other_supervisee=404, former=404,
                   stranger=404, anonymous=401),
    "goal_status": dict(supervisor=200, supervisee=403, other_supervisee=404, former=404,
                        stranger=404, anonymous=401),
    "goal_order": dict(supervisor=200, supervisee=403, other_supervisee=404, former=404,
                       stranger=404, anonymous=401),
}


def _call(app, person, route, pid, contract, goals, fiona_sig):
    client = person.client if person else app.test_client()
    headers = {"X-CSRF-Token": person.csrf} if person else {}
    if route == "page":
        return client.get(f"/processes/{pid}/contract")
    if route == "edit":
        return client.get(f"/processes/{pid}/contract/edit")
    if route == "contract":
        return client.get(f"/api/v1/processes/{pid}/contract")
    if route == "acceptances":
        return client.get(f"/api/v1/items/{contract}/acceptances")
    if route == "accept":
        # A member signs for real; anyone else sends the former member's valid signature.
        readable = person is not None and person.get(f"/items/{contract}").status_code == 200
        body = acceptance(person, contract) if readable else fiona_sig
        return client.post(f"/api/v1/items/{contract}/acceptances", json=body, headers=headers)
    if route == "goal_status":
        return client.patch(f"/api/v1/processes/{pid}/goals/{goals[0]}",
                            json={"status": "achieved"}, headers=headers)
    return client.put(f"/api/v1/processes/{pid}/goals/order",
                      json={"items": list(reversed(goals))}, headers=headers)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_each_role_on_each_route(app, world, route, role):
    people, pid, contract, goals, fiona_sig = world
    person = people[WHO[role]] if WHO[role] else None
    expected = ROUTES[route][role]
    before = snapshot(app)
    response = _call(app, person, route, pid, contract, goals, fiona_sig)
    assert response.status_code == expected, (role, route, response.get_data(as_text=True)[:300])
    if expected >= 300 or response.request.method == "GET":
        assert snapshot(app) == before
    text = response.get_data(as_text=True)
    assert MARKER not in text
    if expected in (401, 403, 404):
        sealed = people["sara"].get(f"/items/{contract}").get_json()["sealed"]["ct"]
        assert sealed not in text


def test_guessed_ids_tell_nothing(app, world):
    people, pid, contract, goals, _ = world
    sara = people["sara"]
    guess = str(uuid.uuid4())
    assert sara.client.get(f"/processes/{guess}/contract").status_code == 404
    assert sara.client.get("/processes/not-a-uuid/contract").status_code in (400, 404)
    assert sara.get(f"/processes/{guess}/contract").status_code == 404
    assert sara.get(f"/items/{guess}/acceptances").status_code == 404
    assert sara.post(f"/items/{guess}/acceptances", {"rev": 1, "sig": b64u(bytes(64))}
                     ).status_code == 404
    assert sara.patch(f"/processes/{pid}/goals/{guess}", {"status": "open"}).get_json()[
        "error"]["code"] == "goal_not_found"
    assert sara.patch(f"/processes/{pid}/goals/{contract}", {"status": "open"}
                      ).status_code == 404
    # A goal of another process of the same supervisor is not this process's goal.
    other = make_process(sara.uid, app=app)
    foreign_goal = put(sara, "goal", {"text": "x"}, other)
    assert sara.patch(f"/processes/{pid}/goals/{foreign_goal}", {"status": "open"}
                      ).status_code == 404


def test_bad_input_is_a_clear_400(app, world):
    people, pid, contract, goals, _ = world
    sara = people["sara"]
    for body in ({}, {"rev": 0, "sig": b64u(bytes(64))}, {"rev": 1, "sig": "bad"},
                 {"rev": "1", "sig": b64u(bytes(64))}, {"rev": 1, "sig": b64u(bytes(64)),
                                                        "x": 1}):
        response = sara.post(f"/items/{contract}/acceptances", body)
        assert response.status_code == 400 and response.get_json()["error"]["code"]
    assert sara.patch(f"/processes/{pid}/goals/{goals[0]}", {"status": "done"}
                      ).get_json()["error"]["code"] == "bad_status"
    assert sara.put(f"/processes/{pid}/goals/order", {"items": []}).status_code == 400
    assert sara.put(f"/processes/{pid}/goals/order", {"items": goals[:1]}
                    ).get_json()["error"]["code"] == "bad_order"
    assert sara.client.get(f"/processes/{pid}/contract/edit?lang=xx").status_code == 200


def test_both_accepting_makes_the_process_active_and_the_api_says_so(app, world):
    people, pid, contract, _goals, _ = world
    sara, anna = people["sara"], people["anna"]
    assert anna.post(f"/items/{contract}/acceptances", acceptance(anna, contract)
                     ).status_code == 201
    data = anna.get(f"/processes/{pid}/contract").get_json()
    assert data["status"] == "draft" and not data["revisions"][0]["accepted_by_all"]
    assert sara.post(f"/items/{contract}/acceptances", acceptance(sara, contract)
                     ).status_code == 201
    data = anna.get(f"/processes/{pid}/contract").get_json()
    assert data["status"] == "active" and data["activated_at"]
    assert data["revisions"][0]["accepted_by_all"]
    assert {a["user"] for a in data["revisions"][0]["acceptances"]} == {sara.uid, anna.uid}
    assert anna.get(f"/processes/{pid}").get_json()["status"] == "active"
    # The stored acceptances verify with each member's bundle (what every client checks).
    item = anna.get(f"/items/{contract}").get_json()
    for a in anna.get(f"/items/{contract}/acceptances").get_json()["acceptances"]:
        assert a["content_hash"] == b64u(protocol.content_hash(item["sealed"]))
        bundle = anna.bundle_of(a["user"])
        assert protocol.verify_text(protocol.accept_message(contract, a["rev"],
                                                            a["content_hash"]),
                                    a["sig"], bundle["ed25519"])


def test_amend_edit_and_ended_over_http(app, world):
    people, pid, contract, _goals, _ = world
    sara, anna = people["sara"], people["anna"]
    payload = {"sections": {"methods": "toinen"}, "place": "", "lang": "sv"}
    # Nobody has accepted yet (fiona signed but never sent it): sara may still edit.
    _, body = sealed_body(sara, "contract", payload, pid, item_id=contract, rev=2)
    body.pop("process")
    assert sara.put(f"/items/{contract}", body).status_code == 200
    assert anna.post(f"/items/{contract}/acceptances", acceptance(anna, contract)
                     ).status_code == 201
    _, body = sealed_body(sara, "contract", payload, pid, item_id=contract, rev=3)
    body.pop("process")
    response = sara.put(f"/items/{contract}", body)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == \
        "revision_accepted"
    second = put(sara, "contract", payload, pid, [anna], parent=contract)
    data = anna.get(f"/processes/{pid}/contract").get_json()
    assert [(r["item"], r["number"], r["parent"]) for r in data["revisions"]] == [
        (second, 2, contract), (contract, 1, None)]
    page = anna.client.get(f"/processes/{pid}/contract").get_data(as_text=True)
    assert "Earlier revisions" in page or "Aiemmat" in page
    assert sara.delete(f"/items/{second}").status_code == 409
    assert sara.post(f"/processes/{pid}/end").status_code == 200
    response = anna.post(f"/items/{second}/acceptances", acceptance(anna, second))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == \
        "process_ended"
    assert sara.client.get(f"/processes/{pid}/contract/edit").status_code == 409
    page = sara.client.get(f"/processes/{pid}/contract").get_data(as_text=True)
    assert "data-js-contract-accept" not in page and "data-goal-form" not in page


def test_the_page_carries_ciphertext_and_the_frame_only(app, world):
    people, pid, contract, goals, _ = world
    anna, sara = people["anna"], people["sara"]
    page = anna.client.get(f"/processes/{pid}/contract")
    html = page.get_data(as_text=True)
    assert MARKER not in html
    assert 'hx-history="false"' in html
    assert "data-js-contract-revision" in html and "data-js-contract-accept" in html
    assert all(goal in html for goal in goals)
    assert "data-js-contract-print" in html and "data-goal-form" not in html
    sup = sara.client.get(f"/processes/{pid}/contract").get_data(as_text=True)
    assert "data-goal-form" in sup and f"/processes/{pid}/contract/edit" in sup
    show = anna.client.get(f"/processes/{pid}").get_data(as_text=True)
    assert f"/processes/{pid}/contract" in show


def test_the_editor_starts_from_the_template_in_the_chosen_language(app, world):
    people, pid, _contract, _goals, _ = world
    sara = people["sara"]
    new_pid = make_process(sara.uid, app=app)
    fi = sara.client.get(f"/processes/{new_pid}/contract/edit").get_data(as_text=True)
    assert "vaitiolovelvollisuus" in fi and "Tilaaja" in fi and "data-from-template" in fi
    sv = sara.client.get(f"/processes/{new_pid}/contract/edit?lang=sv").get_data(as_text=True)
    assert "tystnadsplikt" in sv and 'lang="sv"' in sv
    en = sara.client.get(f"/processes/{new_pid}/contract/edit?lang=en").get_data(as_text=True)
    assert "duty of secrecy" in en.lower() or "bound to secrecy" in en
    # An existing revision is edited from its sealed text, not from the template.
    edit = sara.client.get(f"/processes/{pid}/contract/edit").get_data(as_text=True)
    assert "data-sealed=" in edit and "data-editing" in edit and "data-from-template" not in edit


def test_templates_have_every_section_in_every_language():
    from webapp.contracts.templates_text import DEFAULTS, HEADINGS, LANGUAGES, SECTIONS
    for lang in LANGUAGES:
        assert set(DEFAULTS[lang]) == set(SECTIONS)
        assert set(SECTIONS) | {"title", "goals", "frame", "place"} == set(HEADINGS[lang])
        assert all(len(text) > 80 for text in DEFAULTS[lang].values())


def test_activation_is_visible_on_the_process(app, world):
    people, pid, contract, _goals, _ = world
    for name in ("anna", "sara"):
        person = people[name]
        assert person.post(f"/items/{contract}/acceptances", acceptance(person, contract)
                           ).status_code == 201
    with app.app_context():
        from webapp.extensions import db
        assert db.session.get(Process, pid).status == "active"


def test_a_member_without_the_envelope_waits_and_cannot_accept(app, world):
    people, pid, _contract, _goals, _ = world
    sara = people["sara"]
    late = api_register(app, display_name="Myöhäinen")
    token = sara.post(f"/processes/{pid}/invites", {}).get_json()["token"]
    assert late.post(f"/invites/{token}/accept").status_code == 200
    html = late.client.get(f"/processes/{pid}/contract").get_data(as_text=True)
    assert "data-js-contract-revision" not in html and "data-js-contract-accept" not in html
    assert 'data-state="waiting"' in html
    card = late.client.get(f"/processes/{pid}").get_data(as_text=True)
    assert f"/processes/{pid}/contract" in card
