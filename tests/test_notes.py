"""A supervisor's private notes (issue 9): items of kind "note" of a process, optionally of
one of its sessions, sealed to the supervisor alone. The server refuses any envelope of a note
to anyone but its author (at create, in a key rotation, through the envelope endpoint),
only the process's supervisor writes them, process-sync never shares them, an ended process
keeps them read-only, and the notes page is the supervisor's only (404 for everyone else)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

import protocol
from webapp.extensions import db
from webapp.models import Item
from webapp.processes.queries import MEMBER_KINDS, shares_due

from .factories import add_session, api_register, end_membership_row, make_process, note_body
from .helpers import Person
from .test_views import assert_page, sealed_of

NOTE = "Yksityinen muistiinpano: Anna väsynyt"


@pytest.fixture
def sara(app) -> Person:
    return api_register(app, "sara@example.fi", display_name="Sara Ohjaaja", is_supervisor=True)


@pytest.fixture
def anna(app) -> Person:
    return api_register(app, "anna@example.fi", display_name="Anna Aalto")


@pytest.fixture
def pid(app, sara, anna) -> str:
    return make_process(sara.uid, anna.uid, status="active", app=app)


def at(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def write_note(sara: Person, pid: str, text: str = NOTE, **kw) -> str:
    item_id, body = note_body(sara, pid, text, **kw)
    response = sara.put(f"/items/{item_id}", body)
    assert response.status_code == 201, response.get_json()
    return item_id


def envelope_for(author: Person, item_id: str, reader: Person) -> dict:
    x = protocol.b64u_decode(reader.account.registration["bundle"]["x25519"], 32)
    return protocol.share_envelope(author.deks[item_id], item_id, reader.uid, x)


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


# -- the server keeps notes private ------------------------------------------------------------

def test_a_note_with_a_session_is_stored_and_read_back_by_its_author_only(app, sara, anna, pid):
    session = add_session(pid, at(3), app=app)
    item_id = write_note(sara, pid, session=session)
    item = sara.get(f"/items/{item_id}").get_json()
    assert item["links"]["session"] == session and item["process"] == pid
    assert sara.open(item)["body"] == NOTE
    assert anna.get(f"/items/{item_id}").status_code == 404
    assert item_id not in {i["id"] for i in anna.get(f"/items?process={pid}").get_json()["items"]}


def test_a_note_cannot_be_enveloped_to_anyone_else_at_create(app, sara, anna, pid):
    item_id, body = note_body(sara, pid, NOTE)
    body["envelopes"].append(envelope_for(sara, item_id, anna))
    response = sara.put(f"/items/{item_id}", body)
    assert response.status_code == 403 and error_code(response) == "private_note"
    with app.app_context():
        assert db.session.get(Item, item_id) is None


def test_nor_through_the_envelope_endpoint(app, sara, anna, pid):
    item_id = write_note(sara, pid)
    response = sara.put(f"/items/{item_id}/envelopes/{anna.uid}",
                        {"envelope": envelope_for(sara, item_id, anna), "process": pid})
    assert response.status_code == 403 and error_code(response) == "private_note"
    assert anna.get(f"/items/{item_id}").status_code == 404


def test_nor_in_a_key_rotation(app, sara, anna, pid):
    item_id = write_note(sara, pid)
    _, body = note_body(sara, pid, "toinen versio", item_id=item_id, rev=2)
    body["envelopes"] = [protocol.owner_envelope(sara.account.ak, sara.deks[item_id], item_id,
                                                 sara.uid), envelope_for(sara, item_id, anna)]
    response = sara.put(f"/items/{item_id}", body)
    assert response.status_code == 403 and error_code(response) == "private_note"
    assert sara.get(f"/items/{item_id}").get_json()["rev"] == 1


def test_a_note_without_a_process_is_private_too(app, sara, anna, pid):
    item_id, body = sara.seal({"body": NOTE}, kind="note")
    assert sara.put(f"/items/{item_id}", body).status_code == 201
    response = sara.put(f"/items/{item_id}/envelopes/{anna.uid}",
                        {"envelope": envelope_for(sara, item_id, anna), "process": pid})
    assert response.status_code == 403 and error_code(response) == "private_note"


def test_only_the_supervisor_keeps_notes_in_a_process(app, sara, anna, pid):
    item_id, body = note_body(anna, pid, "ohjattavan")
    response = anna.put(f"/items/{item_id}", body)
    assert response.status_code == 403 and error_code(response) == "not_supervisor"
    stranger = api_register(app, is_supervisor=True)
    item_id, body = note_body(stranger, pid, "vieras")
    assert stranger.put(f"/items/{item_id}", body).status_code == 404


@pytest.mark.parametrize("which", ["unknown", "other process"])
def test_the_session_must_be_one_of_the_process(app, sara, anna, pid, which):
    other = make_process(sara.uid, anna.uid, app=app)
    session = (add_session(other, at(2), app=app) if which == "other process"
               else "x" * 22)
    item_id, body = note_body(sara, pid, NOTE, session=session)
    response = sara.put(f"/items/{item_id}", body)
    assert response.status_code == 404 and error_code(response) == "session_not_found"
    # and when an edit moves the note
    item_id = write_note(sara, pid)
    _, body = note_body(sara, pid, NOTE, item_id=item_id, rev=2, session=session)
    response = sara.put(f"/items/{item_id}", body)
    assert response.status_code == 404 and error_code(response) == "session_not_found"


@pytest.mark.parametrize("session", ["", "a/b", "x" * 37, "ä" * 5])
def test_a_malformed_session_link_is_a_400(app, sara, pid, session):
    item_id, body = note_body(sara, pid, NOTE)
    body["links"] = {"session": session}
    response = sara.put(f"/items/{item_id}", body)
    assert response.status_code == 400 and error_code(response) == "bad_id"


def test_an_edit_moves_a_note_to_another_session_and_keeps_its_key(app, sara, pid):
    first, second = add_session(pid, at(-3), app=app), add_session(pid, at(3), app=app)
    item_id = write_note(sara, pid, session=first)
    _, body = note_body(sara, pid, "korjattu", item_id=item_id, rev=2, session=second)
    assert sara.put(f"/items/{item_id}", body).status_code == 200
    item = sara.get(f"/items/{item_id}").get_json()
    assert item["links"]["session"] == second and sara.open(item)["body"] == "korjattu"


def test_process_sync_never_shares_notes(app, sara, anna, pid):
    assert "note" not in MEMBER_KINDS
    title_id, body = sara.seal({"title": "Prosessi"}, kind="title")
    assert sara.put(f"/items/{title_id}", body | {"process": pid}).status_code == 201
    note_id = write_note(sara, pid)
    with app.app_context():
        due = shares_due(sara.uid)
    assert (title_id, pid, anna.uid) in due and not any(item == note_id for item, _, _ in due)
    due = sara.client.get("/processes/shares-due").get_json()["due"]
    assert note_id not in {row["item"] for row in due}


def test_an_ended_process_keeps_its_notes_read_only(app, sara, anna, pid):
    item_id = write_note(sara, pid)
    assert sara.post(f"/processes/{pid}/end").status_code in (200, 204)
    _, body = note_body(sara, pid, "muutos", item_id=item_id, rev=2)
    response = sara.put(f"/items/{item_id}", body)
    assert response.status_code == 409 and error_code(response) == "process_ended"
    response = sara.delete(f"/items/{item_id}")
    assert response.status_code == 409 and error_code(response) == "process_ended"
    new_id, body = note_body(sara, pid, "uusi")
    assert sara.put(f"/items/{new_id}", body).status_code == 409
    assert sara.open(sara.get(f"/items/{item_id}").get_json())["body"] == NOTE


def test_a_note_can_be_deleted_while_the_process_runs(app, sara, pid):
    item_id = write_note(sara, pid)
    assert sara.delete(f"/items/{item_id}").status_code == 204
    assert sara.get(f"/items/{item_id}").status_code == 404


# -- the notes page ---------------------------------------------------------------------------

def test_the_notes_page_groups_by_session_newest_first(app, sara, anna, pid):
    old, new = add_session(pid, at(-20), app=app), add_session(pid, at(5), app=app)
    add_session(pid, at(40), status="cancelled", app=app)
    general = write_note(sara, pid, "yleinen")
    on_old = [write_note(sara, pid, f"vanha {n}", session=old) for n in range(2)]
    on_new = write_note(sara, pid, "uusi", session=new)
    other = make_process(sara.uid, anna.uid, app=app)
    write_note(sara, other, "muu prosessi")
    response = sara.client.get(f"/processes/{pid}/notes")
    html = response.get_data(as_text=True)
    doc = assert_page(response)
    assert NOTE not in html and "yleinen" not in html
    groups = doc.find_all("section", class_="note-group")
    assert [g.attrs["data-group"] for g in groups] == ["", new, old]
    ids = [[sealed_of(li)["id"] for li in g.find_all("li", data_note=True)] for g in groups]
    assert ids == [[general], [on_new], on_old[::-1]]
    # every note is the supervisor's own copy, opened in the browser
    for li in doc.find_all("li", data_note=True):
        assert sealed_of(li)["envelope"]["recipient"] == sara.uid
    # the picker offers every session of the process, newest first
    options = [o.attrs["value"] for o in doc.find("select", id="note-new-session")
               .find_all("option")]
    assert options[0] == "" and options[2:] == [new, old] and len(options) == 4
    assert "Only you can read these notes" in html or "Vain sinä voit lukea" in html
    assert doc.find(data_js_note_compose=True).attrs["data-pid"] == pid
    assert doc.find("body").attrs.get("hx-history") == "false"
    assert not any("selected" in o.attrs for o in doc.find("select", id="note-new-session")
                   .find_all("option"))
    # From a session's "after" page (?session=): a new note is about that session.
    doc = assert_page(sara.client.get(f"/processes/{pid}/notes?session={old}"))
    chosen = [o.attrs["value"] for o in doc.find("select", id="note-new-session")
              .find_all("option") if "selected" in o.attrs]
    assert chosen == [old]
    assert_page(sara.client.get(f"/processes/{pid}/notes?session=<b>nope</b>"))


def test_the_notes_page_says_when_there_are_none(app, sara, pid):
    doc = assert_page(sara.client.get(f"/processes/{pid}/notes"))
    assert doc.find("p", data_no_notes=True)
    assert doc.find("p", data_private_notice=True)


def test_an_ended_process_shows_its_notes_without_forms(app, sara, pid):
    write_note(sara, pid)
    assert sara.post(f"/processes/{pid}/end").status_code in (200, 204)
    doc = assert_page(sara.client.get(f"/processes/{pid}/notes"))
    assert doc.find("p", data_read_only=True)
    assert not doc.find_all(data_js_note_compose=True)
    assert not doc.find_all("button", data_edit=True) and doc.find_all("li", data_note=True)


def test_the_notes_page_is_the_supervisors_only(app, sara, anna, pid):
    former = api_register(app)
    stranger = api_register(app, is_supervisor=True)
    other_supervisee = api_register(app)
    make_process(stranger.uid, other_supervisee.uid, status="active", app=app)
    pid2 = make_process(sara.uid, former.uid, anna.uid, status="active", app=app)
    end_membership_row(pid2, former.uid, app=app)
    write_note(sara, pid2)
    for person in (anna, former, stranger, other_supervisee):
        assert person.client.get(f"/processes/{pid2}/notes").status_code == 404
    assert sara.client.get(f"/processes/{uuid.uuid4()}/notes").status_code == 404
    assert sara.client.get("/processes/not-a-uuid/notes").status_code == 400
    response = app.test_client().get(f"/processes/{pid2}/notes")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_process_page_links_to_the_notes_for_the_supervisor(app, sara, anna, pid):
    link = assert_page(sara.client.get(f"/processes/{pid}")).find("a", data_notes_link=True)
    assert link.attrs["href"] == f"/processes/{pid}/notes"
    html = anna.client.get(f"/processes/{pid}").get_data(as_text=True)
    assert f"/processes/{pid}/notes" not in html
