"""Who reaches the homes and a supervisor's private notes, per role: the supervisor, their own
supervisee, another supervisor's supervisee, another supervisor, a former member, a stranger
and an anonymous visitor; against the supervisor's own process and another's, their sessions
and their notes; with guessed ids. Never a leak: refused requests change nothing, and no page
or answer of anyone but the supervisor carries a note's id or ciphertext."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

import protocol

from .factories import (
    add_session,
    api_register,
    end_membership_row,
    make_process,
    note_body,
    snapshot,
)

ROLES = ("supervisor", "supervisee", "other_supervisee", "other_supervisor", "former",
         "stranger", "anonymous")


@pytest.fixture
def cast(app):
    """Sara supervises `pid` (Anna a supervisee, Fiona a former one) with a session and two
    notes (one about that session); Olli supervises `other` with Otto, with a session and a
    note of his own. Stan is in nothing."""
    people = {
        "supervisor": api_register(app, display_name="Sara", is_supervisor=True),
        "supervisee": api_register(app, display_name="Anna"),
        "other_supervisee": api_register(app, display_name="Otto"),
        "other_supervisor": api_register(app, display_name="Olli", is_supervisor=True),
        "former": api_register(app, display_name="Fiona"),
        "stranger": api_register(app, display_name="Stan"),
        "anonymous": None,
    }
    sara, olli = people["supervisor"], people["other_supervisor"]
    pid = make_process(sara.uid, people["supervisee"].uid, people["former"].uid,
                       status="active", app=app)
    end_membership_row(pid, people["former"].uid, app=app)
    other = make_process(olli.uid, people["other_supervisee"].uid, status="active", app=app)
    when = datetime.now(UTC) + timedelta(days=3)
    session = add_session(pid, when, app=app)
    other_session = add_session(other, when, app=app)
    notes = {}
    for name, author, process, link in (("general", sara, pid, None),
                                        ("session", sara, pid, session),
                                        ("olli", olli, other, other_session)):
        item_id, body = note_body(author, process, f"muistiinpano {name}", session=link)
        assert author.put(f"/items/{item_id}", body).status_code == 201
        notes[name] = item_id
    return {"people": people, "pid": pid, "other": other, "session": session,
            "other_session": other_session, "notes": notes}


def _client(app, person):
    return person.client if person is not None else app.test_client()


def _headers(person):
    return {"X-CSRF-Token": person.csrf} if person is not None else {}


def _note_markers(app, cast) -> list[str]:
    from webapp.extensions import db
    from webapp.models import Item
    with app.app_context():
        return [value for item_id in cast["notes"].values()
                for value in (item_id, db.session.get(Item, item_id).ct)]


# (path maker, method) -> {role: status}
PAGE = {"supervisor": 200, "supervisee": 404, "other_supervisee": 404, "other_supervisor": 404,
        "former": 404, "stranger": 404, "anonymous": 302}


@pytest.mark.parametrize("role", ROLES)
def test_the_notes_page_of_a_process(app, cast, role):
    person = cast["people"][role]
    before = snapshot(app)
    response = _client(app, person).get(f"/processes/{cast['pid']}/notes")
    assert response.status_code == PAGE[role], (role, response.status_code)
    assert snapshot(app) == before
    if role != "supervisor":
        text = response.get_data(as_text=True)
        for marker in _note_markers(app, cast):
            assert marker not in text, role


@pytest.mark.parametrize("role", ROLES)
def test_another_supervisors_notes_page_and_guessed_ids(app, cast, role):
    person = cast["people"][role]
    client = _client(app, person)
    expected = {"other_supervisor": 200, "anonymous": 302}.get(role, 404)
    assert client.get(f"/processes/{cast['other']}/notes").status_code == expected
    guessed = 302 if role == "anonymous" else 404
    assert client.get(f"/processes/{uuid.uuid4()}/notes").status_code == guessed
    assert client.get(f"/processes/{cast['notes']['general']}/notes").status_code == guessed


ITEM = {  # what each role gets for Sara's note through the items API
    "GET": {"supervisor": 200, "anonymous": 401},
    "PUT": {"supervisor": 200, "anonymous": 401},
    "DELETE": {"supervisor": 204, "anonymous": 401},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", sorted(ITEM))
@pytest.mark.parametrize("which", ["general", "session"])
def test_a_note_through_the_items_api(app, cast, role, method, which):
    person = cast["people"][role]
    note = cast["notes"][which]
    body = None
    if method == "PUT":
        signer = person or cast["people"]["supervisor"]
        _, body = note_body(signer, cast["pid"], f"{role} was here", item_id=note, rev=2)
        body.pop("links")
        if person is not None and role != "supervisor":
            body.pop("envelopes", None)
    expected = ITEM[method].get(role, 404)
    before = snapshot(app)
    response = _client(app, person).open(f"/api/v1/items/{note}", method=method, json=body,
                                         headers=_headers(person))
    assert response.status_code == expected, (role, method, response.get_data(as_text=True))
    if expected >= 300 or method == "GET":
        assert snapshot(app) == before
    if role != "supervisor":
        text = response.get_data(as_text=True)
        for marker in _note_markers(app, cast)[1::2]:          # the ciphertexts
            assert marker not in text


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("supervisor", "anonymous")])
def test_the_supervisor_cannot_envelope_a_note_to_anyone(app, cast, role):
    sara, reader = cast["people"]["supervisor"], cast["people"][role]
    note = cast["notes"]["general"]
    x = protocol.b64u_decode(reader.account.registration["bundle"]["x25519"], 32)
    envelope = protocol.share_envelope(sara.deks[note], note, reader.uid, x)
    before = snapshot(app)
    response = sara.put(f"/items/{note}/envelopes/{reader.uid}",
                        {"envelope": envelope, "process": cast["pid"]})
    assert response.status_code == 403, response.get_json()
    assert response.get_json()["error"]["code"] == "private_note"
    assert snapshot(app) == before
    assert reader.get(f"/items/{note}").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_nobody_lists_or_sees_notes_but_their_author(app, cast, role):
    person = cast["people"][role]
    if person is None:
        assert app.test_client().get("/api/v1/items").status_code == 401
        return
    listed = {item["id"] for item in person.get("/items?limit=100").get_json()["items"]}
    listed |= {item["id"] for item in person.get(
        f"/items?process={cast['pid']}&limit=100").get_json()["items"]}
    own = {"supervisor": {cast["notes"]["general"], cast["notes"]["session"]},
           "other_supervisor": {cast["notes"]["olli"]}}.get(role, set())
    assert listed & set(cast["notes"].values()) == own
    home = person.client.get("/home/").get_data(as_text=True)
    for marker in _note_markers(app, cast):
        assert marker not in home, role


@pytest.mark.parametrize("link", ["other_session", "guessed"])
def test_a_note_links_only_to_a_session_of_its_own_process(app, cast, link):
    sara = cast["people"]["supervisor"]
    session = cast["other_session"] if link == "other_session" else "g" * 22
    item_id, body = note_body(sara, cast["pid"], "väärä istunto", session=session)
    before = snapshot(app)
    response = sara.put(f"/items/{item_id}", body)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "session_not_found"
    assert snapshot(app) == before


@pytest.mark.parametrize("role", ["supervisee", "other_supervisee", "former", "stranger",
                                  "other_supervisor"])
def test_nobody_else_writes_a_note_into_the_process(app, cast, role):
    person = cast["people"][role]
    item_id, body = note_body(person, cast["pid"], "tunkeilija", session=cast["session"])
    before = snapshot(app)
    response = person.put(f"/items/{item_id}", body)
    assert response.status_code == (403 if role == "supervisee" else 404), response.get_json()
    assert snapshot(app) == before


@pytest.mark.parametrize("role", ROLES)
def test_the_homes_show_each_person_their_own(app, cast, role):
    person = cast["people"][role]
    response = _client(app, person).get("/home/")
    if person is None:
        assert response.status_code == 302
        return
    html = response.get_data(as_text=True)
    sees_pid = role in ("supervisor", "supervisee")
    sees_other = role in ("other_supervisor", "other_supervisee")
    assert (cast["pid"] in html) == sees_pid, role
    assert (cast["other"] in html) == sees_other, role
    assert (cast["session"] in html) == (role == "supervisor")      # the coming sessions
    assert (cast["other_session"] in html) == (role == "other_supervisor")
