"""The session agenda (issue 10, "Topics and the agenda"): what the builder gathers and what
it never does (anything without a live envelope for the supervisor through the process),
saving the structure (conditional on its version, time-boxing), the sealed agenda item,
sharing it with the participants, the checklist, and the pages. The agenda's and the
gathered items' words are sealed: the tests open them as a client would."""
from __future__ import annotations

import html
import json
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

import protocol
from webapp.extensions import db
from webapp.models import Envelope, Item
from webapp.models.agendas import AgendaEntry
from webapp.models.sessions import SupervisionSession
from webapp.models.types import utcnow

from .factories import (
    add_goal,
    add_session,
    api_register,
    checkin_body,
    make_process,
    share_body,
    topic_body,
)
from .test_assignments_api import give_api, respond


def _backdate(app, item_id: str, when) -> None:
    with app.app_context():
        db.session.execute(update(Item).where(Item.id == item_id)
                           .values(created_at=when, updated_at=when))
        db.session.execute(update(Envelope).where(Envelope.item_id == item_id)
                           .values(created_at=when, item_created_at=when))
        db.session.commit()


def _share(author, item_id, reader, pid, app, *, bring=False):
    body = {"envelope": share_body(author, item_id, reader.uid, app), "process": pid}
    if bring:
        body["bring"] = True
    response = author.put(f"/items/{item_id}/envelopes/{reader.uid}", body)
    assert response.status_code == 204, response.get_json()


@pytest.fixture
def cast(app):
    """A supervisor and two supervisees of one process with a goal, a held session a week
    ago and the next one in a week; a second process of the same supervisor with Vilma and
    a stranger to the first process."""
    sara = api_register(app, display_name="Sara Ohjaaja", is_supervisor=True)
    vilma = api_register(app, display_name="Vilma")
    ville = api_register(app, display_name="Ville")
    stranger = api_register(app, display_name="Outsider")
    pid = make_process(sara.uid, vilma.uid, ville.uid, status="active", app=app)
    other_pid = make_process(sara.uid, stranger.uid, vilma.uid, status="active", app=app)
    goal = add_goal(sara, pid, "Jaksan paremmin", readers=(vilma.uid, ville.uid), app=app)
    now = utcnow()
    held = add_session(pid, now - timedelta(days=7), status="held", app=app)
    sid = add_session(pid, now + timedelta(days=7), minutes=60, app=app)
    return dict(sara=sara, vilma=vilma, ville=ville, stranger=stranger, pid=pid,
                other_pid=other_pid, goal=goal, held=held, sid=sid, app=app,
                before=now - timedelta(days=8))


def _topic(c, who, text):
    item_id, body = topic_body(c[who], c["pid"], text, c["sara"].uid, app=c["app"])
    assert c[who].put(f"/items/{item_id}", body).status_code == 201
    return item_id


def _checkin(c, who, value, *, share):
    if share:
        assert c[who].put(f"/processes/{c['pid']}/goals/{c['goal']}/checkin-sharing",
                          {"shared": True}).status_code == 200
    item_id, body = checkin_body(c[who], c["pid"], c["goal"], value, "muistiinpano",
                                 share_with=c["sara"].uid if share else None, app=c["app"])
    response = c[who].put(f"/items/{item_id}", body)
    assert response.status_code == 201, response.get_json()
    return item_id


def _ids(items):
    return [item["id"] for item in items]


def test_the_builder_gathers_what_was_shared_since_the_last_session(cast):
    """Topics, entries marked "bring", shared answers and shared check-ins since the
    previous held session are gathered; nothing unshared, nothing older, nothing shared
    without the mark, nothing through another process, nothing expired, nothing of her own."""
    c, app = cast, cast["app"]
    sara, vilma, ville = c["sara"], c["vilma"], c["ville"]
    topic = _topic(c, "vilma", "Työkuorma")
    old_topic = _topic(c, "ville", "Vanha aihe")
    _backdate(app, old_topic, c["before"])
    assignment = give_api(app, sara, c["pid"], [vilma.uid, ville.uid])
    shared_answer = respond(app, vilma, assignment, c["pid"], "Jaettu vastaus",
                            share_with=sara.uid)
    private_answer = respond(app, ville, assignment, c["pid"], "Yksityinen vastaus")
    earlier_checkin = _checkin(c, "vilma", 4, share=True)
    _backdate(app, earlier_checkin, c["before"])
    checkin = _checkin(c, "vilma", 6, share=True)
    private_checkin = _checkin(c, "ville", 2, share=False)
    brought = vilma.write("Tuon tämän", "Teksti")
    _share(vilma, brought, sara, c["pid"], app, bring=True)
    not_brought = vilma.write("Jaettu vain", "Teksti")
    _share(vilma, not_brought, sara, c["pid"], app)
    kept = ville.write("Omani", "Ei jaettu")
    elsewhere = vilma.write("Toisessa prosessissa", "Teksti")
    _share(vilma, elsewhere, sara, c["other_pid"], app, bring=True)
    expired = ville.write("Vanhentunut", "Teksti")
    _share(ville, expired, sara, c["pid"], app, bring=True)
    with app.app_context():
        db.session.execute(update(Envelope).where(Envelope.item_id == expired,
                                                  Envelope.recipient_uid == sara.uid)
                           .values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    own_note = sara.seal({"body": "Oma"}, kind="note")
    own_note[1]["process"] = c["pid"]
    assert sara.put(f"/items/{own_note[0]}", own_note[1]).status_code == 201

    response = sara.get(f"/sessions/{c['sid']}/agenda/candidates")
    assert response.status_code == 200, response.get_json()
    found = response.get_json()
    assert _ids(found["topics"]) == [topic]
    assert _ids(found["responses"]) == [shared_answer]
    assert _ids(found["checkins"]) == [checkin]
    assert _ids(found["previous_checkins"]) == [earlier_checkin]
    assert _ids(found["entries"]) == [brought]
    every = {i for group in ("topics", "responses", "checkins", "entries",
                             "previous_checkins") for i in _ids(found[group])}
    for never in (private_answer, private_checkin, not_brought, kept, elsewhere, expired,
                  own_note[0], old_topic):
        assert never not in every
    assert found["since"] is not None
    # Each gathered item opens with the supervisor's envelope as a client would.
    assert sara.open(found["topics"][0])["text"] == "Työkuorma"
    assert sara.open(found["checkins"][0])["value"] == 6
    # The builder page carries the same: the gathered ids (ciphertext), never the others.
    page = sara.client.get(f"/processes/{c['pid']}/sessions/{c['sid']}/agenda")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for shown in (topic, shared_answer, checkin, brought, earlier_checkin):
        assert shown in html
    for never in (private_answer, private_checkin, not_brought, kept, elsewhere, expired,
                  own_note[0], old_topic):
        assert never not in html
    assert "Työkuorma" not in html and "Jaettu vastaus" not in html
    # A line from an unshared answer is refused when saved.
    bad = sara.put(f"/sessions/{c['sid']}/agenda", {"version": 0, "lines": [
        {"id": str(uuid.uuid4()), "source": "response", "source_id": private_answer}]})
    assert bad.status_code == 404 and bad.get_json()["error"]["code"] == "source_not_found"
    # Revoking a share takes the item out of the builder at once.
    assert vilma.delete(f"/items/{shared_answer}/envelopes/{sara.uid}").status_code == 204
    again = sara.get(f"/sessions/{c['sid']}/agenda/candidates").get_json()
    assert again["responses"] == []


def test_gathered_items_are_the_items_apis_answer_for_them(cast):
    """The candidates call and the builder page write each gathered item's JSON directly
    from its row (services.agendas._wire): it must be exactly what GET /items/{id} answers
    the supervisor for that item (keys, links, envelope with its ephemeral key, times), and
    the page's attribute must hold nothing that could end it or start markup."""
    import html as html_lib
    import json
    import re

    c, app = cast, cast["app"]
    sara, vilma = c["sara"], c["vilma"]
    _topic(c, "vilma", "Aihe <b>'&'</b>")
    _checkin(c, "ville", 5, share=True)
    brought = vilma.write("Tuon tämän", "Teksti")
    _share(vilma, brought, sara, c["pid"], app, bring=True)
    found = sara.get(f"/sessions/{c['sid']}/agenda/candidates").get_json()
    gathered = [item for group in ("topics", "entries", "checkins") for item in found[group]]
    assert len(gathered) == 3
    for item in gathered:
        assert item == sara.get(f"/items/{item['id']}").get_json()
        assert item["envelope"]["recipient"] == sara.uid
    assert gathered[2]["links"] == {"goal": c["goal"]}
    page = sara.client.get(f"/processes/{c['pid']}/sessions/{c['sid']}/agenda")
    attribute = re.search(r"data-agenda='([^']*)'", page.get_data(as_text=True)).group(1)
    assert "<" not in attribute and ">" not in attribute and "&" not in attribute
    data = json.loads(html_lib.unescape(attribute))
    assert data["candidates"]["topic"] == found["topics"]
    assert data["candidates"]["entry"] == found["entries"]
    assert data["candidates"]["checkin"] == found["checkins"]
    assert set(data["names"]) == set(data["members"]) and sara.uid in data["names"]
    # Each member's bundle as the API gives it (the page verifies what they wrote with it).
    assert data["bundles"] == {uid: sara.get(f"/users/{uid}/bundle").get_json()
                               for uid in data["members"]}


def test_without_a_held_session_everything_since_the_start_is_gathered(app):
    sara = api_register(app, is_supervisor=True)
    vilma = api_register(app)
    pid = make_process(sara.uid, vilma.uid, status="active", app=app)
    sid = add_session(pid, utcnow() + timedelta(days=3), app=app)
    item_id, body = topic_body(vilma, pid, "Aihe", sara.uid, app=app)
    assert vilma.put(f"/items/{item_id}", body).status_code == 201
    _backdate(app, item_id, utcnow() - timedelta(days=300))
    found = sara.get(f"/sessions/{sid}/agenda/candidates").get_json()
    assert found["since"] is None and _ids(found["topics"]) == [item_id]


def _agenda_item(sara, pid, sid, lines, *, item_id=None, rev=1, readers=(), app=None):
    item_id, body = sara.seal({"lines": lines}, kind="agenda", item_id=item_id, rev=rev)
    body["process"] = pid
    if rev == 1:
        body["links"] = {"session": sid}
    if readers:
        body["envelopes"] = [protocol.owner_envelope(sara.account.ak, sara.deks[item_id],
                                                     item_id, sara.uid)]
        body["envelopes"] += [share_body(sara, item_id, uid, app) for uid in readers]
    response = sara.put(f"/items/{item_id}", body)
    assert response.status_code in (200, 201), response.get_json()
    return item_id


def test_saving_time_boxing_and_a_stale_version(cast):
    c = cast
    sara, sid = c["sara"], c["sid"]
    topic = _topic(c, "vilma", "Työkuorma")
    line_topic, line_own = str(uuid.uuid4()), str(uuid.uuid4())
    item_id = _agenda_item(sara, c["pid"], sid, {line_topic: {"title": "Työkuorma", "note": ""},
                                                  line_own: {"title": "Oma", "note": ""}})
    lines = [{"id": line_own, "source": "own", "minutes": 25},
             {"id": line_topic, "source": "topic", "source_id": topic, "minutes": 30}]
    first = sara.put(f"/sessions/{sid}/agenda", {"version": 0, "item": item_id,
                                                 "lines": lines})
    assert first.status_code == 200, first.get_json()
    agenda = first.get_json()
    assert agenda["version"] == 1 and agenda["total_minutes"] == 55
    assert agenda["session_minutes"] == 60 and agenda["left_minutes"] == 5
    assert agenda["over"] is False
    assert [line["id"] for line in agenda["lines"]] == [line_own, line_topic]
    assert sara.open(agenda["item"])["lines"][line_topic]["title"] == "Työkuorma"
    # Reordered and over the session's length.
    lines[0]["minutes"] = 45
    second = sara.put(f"/sessions/{sid}/agenda", {"version": 1, "lines": lines[::-1]})
    assert second.status_code == 200
    agenda = second.get_json()
    assert agenda["version"] == 2 and agenda["over"] is True and agenda["left_minutes"] == -15
    assert [line["id"] for line in agenda["lines"]] == [line_topic, line_own]
    # A save from the version before is refused with the stored version; nothing changes.
    stale = sara.put(f"/sessions/{sid}/agenda", {"version": 1, "lines": []})
    assert stale.status_code == 409
    assert stale.get_json()["error"] == {**stale.get_json()["error"],
                                         "code": "agenda_changed", "version": 2}
    assert len(sara.get(f"/sessions/{sid}/agenda").get_json()["lines"]) == 2
    # A first save when there is one already is stale too.
    assert sara.put(f"/sessions/{sid}/agenda", {"version": 0, "lines": []}
                    ).get_json()["error"]["version"] == 2
    # Removing a line; a line keeps its source.
    changed = [{"id": line_topic, "source": "own", "minutes": 5}]
    refused = sara.put(f"/sessions/{sid}/agenda", {"version": 2, "lines": changed})
    assert refused.get_json()["error"]["code"] == "line_source_changed"
    kept = sara.put(f"/sessions/{sid}/agenda", {"version": 2, "lines": [lines[1]]})
    assert kept.status_code == 200 and [line["id"] for line in kept.get_json()["lines"]] == [
        line_topic]


def test_the_agenda_item_is_the_supervisors_of_one_session(cast):
    c = cast
    sara, vilma = c["sara"], c["vilma"]
    item_id, body = vilma.seal({"lines": {}}, kind="agenda")
    body["process"], body["links"] = c["pid"], {"session": c["sid"]}
    assert vilma.put(f"/items/{item_id}", body).get_json()["error"]["code"] == "not_supervisor"
    item_id, body = sara.seal({"lines": {}}, kind="agenda")
    body["process"] = c["pid"]
    assert sara.put(f"/items/{item_id}", body).get_json()["error"]["code"] == "session_required"
    first = _agenda_item(sara, c["pid"], c["sid"], {})
    assert sara.put(f"/sessions/{c['sid']}/agenda", {"version": 0, "item": first,
                                                     "lines": []}).status_code == 200
    item_id, body = sara.seal({"lines": {}}, kind="agenda")
    body["process"], body["links"] = c["pid"], {"session": c["sid"]}
    second = sara.put(f"/items/{item_id}", body)
    assert second.status_code == 409
    assert second.get_json()["error"]["code"] == "agenda_item_exists"


def test_sharing_and_what_participants_see(cast):
    c, app = cast, cast["app"]
    sara, vilma, ville, stranger, sid = (c["sara"], c["vilma"], c["ville"], c["stranger"],
                                         c["sid"])
    line = str(uuid.uuid4())
    words = {line: {"title": "Aloitus", "note": "kuulumiset"}}
    item_id = _agenda_item(sara, c["pid"], sid, words)
    saved = sara.put(f"/sessions/{sid}/agenda", {"version": 0, "item": item_id, "lines": [
        {"id": line, "source": "own", "minutes": 15}]})
    assert saved.status_code == 200
    # Before it is shared: the participants are told so, a stranger learns nothing.
    assert vilma.get(f"/sessions/{sid}/agenda").get_json()["error"]["code"] == \
        "agenda_not_shared"
    assert stranger.get(f"/sessions/{sid}/agenda").get_json()["error"]["code"] == \
        "session_not_found"
    page = vilma.client.get(f"/processes/{c['pid']}/sessions/{sid}/agenda")
    assert page.status_code == 200 and b"data-agenda-not-shared" in page.data
    assert stranger.client.get(f"/processes/{c['pid']}/sessions/{sid}/agenda"
                               ).status_code == 404
    # Sharing needs every participant's envelope first.
    missing = sara.post(f"/sessions/{sid}/agenda/share")
    assert missing.status_code == 409
    assert missing.get_json()["error"]["code"] == "readers_missing"
    assert set(missing.get_json()["error"]["missing"]) == {vilma.uid, ville.uid}
    _agenda_item(sara, c["pid"], sid, words, item_id=item_id, rev=2,
                 readers=(vilma.uid, ville.uid), app=app)
    shared = sara.post(f"/sessions/{sid}/agenda/share")
    assert shared.status_code == 200 and shared.get_json()["shared_at"]
    # A supervisee neither saves nor shares; she reads it, words and all.
    assert vilma.post(f"/sessions/{sid}/agenda/share").get_json()["error"]["code"] == \
        "not_supervisor"
    assert vilma.put(f"/sessions/{sid}/agenda", {"version": 1, "lines": []}
                     ).get_json()["error"]["code"] == "not_supervisor"
    read = vilma.get(f"/sessions/{sid}/agenda")
    assert read.status_code == 200
    agenda = read.get_json()
    assert vilma.open(agenda["item"])["lines"][line]["title"] == "Aloitus"
    assert [x["minutes"] for x in agenda["lines"]] == [15]
    page = vilma.client.get(f"/processes/{c['pid']}/sessions/{sid}/agenda")
    assert page.status_code == 200 and b"data-js-agenda-read" in page.data
    assert b"Aloitus" not in page.data and b"kuulumiset" not in page.data
    assert stranger.get(f"/sessions/{sid}/agenda").status_code == 404


def test_the_checklist_ticks_one_line(cast):
    c = cast
    sara, vilma, sid = c["sara"], c["vilma"], c["sid"]
    line = str(uuid.uuid4())
    assert sara.put(f"/sessions/{sid}/agenda", {"version": 0, "lines": [
        {"id": line, "source": "own", "minutes": 20}]}).status_code == 200
    ticked = sara.post(f"/sessions/{sid}/agenda/ticks", {"line": line, "done": True,
                                                                 "used_minutes": 25})
    assert ticked.status_code == 200
    assert ticked.get_json()["done"] is True and ticked.get_json()["used_minutes"] == 25
    agenda = sara.get(f"/sessions/{sid}/agenda").get_json()
    assert agenda["version"] == 1 and agenda["lines"][0]["done"] is True
    assert sara.post(f"/sessions/{sid}/agenda/ticks", {"line": str(uuid.uuid4()), "done": True}
                      ).get_json()["error"]["code"] == "line_not_found"
    assert vilma.post(f"/sessions/{sid}/agenda/ticks", {"line": line, "done": False}
                       ).get_json()["error"]["code"] == "not_supervisor"
    assert sara.post(f"/sessions/{sid}/agenda/ticks", {"line": line}).status_code == 400
    # A structure save keeps the minutes used when it does not name them.
    assert sara.put(f"/sessions/{sid}/agenda", {"version": 1, "lines": [
        {"id": line, "source": "own", "minutes": 20, "done": True}]}).status_code == 200
    with c["app"].app_context():
        assert db.session.get(AgendaEntry, line).used_minutes == 25


def test_carried_lines_show_the_earlier_agendas_words(cast):
    """A line carried over (as the roll-over makes it: a row with carried_from_id) comes
    with the earlier agenda's sealed item, where its title is."""
    c, app = cast, cast["app"]
    sara, held, sid = c["sara"], c["held"], c["sid"]
    earlier_line = str(uuid.uuid4())
    earlier_item = _agenda_item(sara, c["pid"], held, {earlier_line: {"title": "Kesken",
                                                                      "note": ""}})
    assert sara.put(f"/sessions/{held}/agenda", {"version": 0, "item": earlier_item, "lines": [
        {"id": earlier_line, "source": "own", "minutes": 10}]}).status_code == 200
    carried = str(uuid.uuid4())
    assert sara.put(f"/sessions/{sid}/agenda", {"version": 0, "lines": []}).status_code == 200
    with app.app_context():
        db.session.add(AgendaEntry(id=carried, session_id=sid, process_id=c["pid"], position=0,
                                   minutes=10, source="own", carried_from_id=earlier_line))
        db.session.commit()
    agenda = sara.get(f"/sessions/{sid}/agenda").get_json()
    assert agenda["lines"][0]["carried_from"] == earlier_line
    assert sara.open(agenda["carried"][carried])["lines"][earlier_line]["title"] == "Kesken"
    page = sara.client.get(f"/processes/{c['pid']}/sessions/{sid}/agenda")
    assert page.status_code == 200 and b"data-js-agenda-builder" in page.data
    assert b"Kesken" not in page.data


def _chain(c, readers=()):
    """A past session `p` whose saved agenda has one line ("Kesken"), marked held: the line
    is carried to the next session, c["sid"] (its agenda made, never saved). Returns (p, the
    line, p's agenda item, the carried line in c["sid"], a session after c["sid"])."""
    sara, app = c["sara"], c["app"]
    past = add_session(c["pid"], utcnow() - timedelta(hours=1), app=app)
    last = add_session(c["pid"], utcnow() + timedelta(days=14), app=app)
    line = str(uuid.uuid4())
    item = _agenda_item(sara, c["pid"], past, {line: {"title": "Kesken", "note": ""}},
                        readers=readers, app=app)
    assert sara.put(f"/sessions/{past}/agenda", {"version": 0, "item": item, "lines": [
        {"id": line, "source": "own", "minutes": 10}]}).status_code == 200
    assert sara.patch(f"/sessions/{past}", {"status": "held"}).status_code == 200
    (carried,) = sara.get(f"/sessions/{c['sid']}/agenda").get_json()["lines"]
    assert carried["carried_from"] == line
    return past, line, item, carried["id"], last


def _save_and_hold_the_middle(c, middle: str) -> None:
    """The supervisor saves c["sid"]'s agenda (the carried line's words, edited) and marks
    it held with the line unfinished: it goes on to the session after it."""
    sara, sid, app = c["sara"], c["sid"], c["app"]
    saved = _agenda_item(sara, c["pid"], sid, {middle: {"title": "Kesken, jatkuu", "note": ""}})
    assert sara.put(f"/sessions/{sid}/agenda", {"version": 1, "item": saved, "lines": [
        {"id": middle, "source": "own", "minutes": 10}]}).status_code == 200
    with app.app_context():
        db.session.execute(update(SupervisionSession).where(SupervisionSession.id == sid)
                           .values(starts_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    assert sara.patch(f"/sessions/{sid}", {"status": "held"}).status_code == 200


def test_a_line_carried_on_through_an_unsaved_agenda_keeps_its_words(cast):
    """The next session is cancelled before its agenda was ever saved: the carried line goes
    on to the session after it, and its words are found two agendas back, under the line
    that was first written (`carried_under`), both in the API and in the builder's data."""
    c = cast
    sara = c["sara"]
    _past, line, item, middle, last = _chain(c)
    assert sara.patch(f"/sessions/{c['sid']}", {"status": "cancelled",
                                               "cancel_reason": "illness"}).status_code == 200
    agenda = sara.get(f"/sessions/{last}/agenda").get_json()
    (carried,) = agenda["lines"]
    assert carried["carried_from"] == middle
    assert agenda["carried_under"] == {carried["id"]: line}
    assert agenda["carried"][carried["id"]]["id"] == item
    assert sara.open(agenda["carried"][carried["id"]])["lines"][line]["title"] == "Kesken"
    page = sara.client.get(f"/processes/{c['pid']}/sessions/{last}/agenda")
    data = json.loads(html.unescape(re.search(rb"data-agenda='([^']*)'", page.data)
                                    .group(1).decode()))
    assert data["carried_under"] == {carried["id"]: line}
    assert data["carried"][carried["id"]]["id"] == item


def test_a_carried_line_saved_into_its_agenda_has_its_words_there(cast):
    """The supervisor saved the next agenda after the line was carried into it (its words,
    maybe edited, are in that agenda now): left unfinished there, the line's successor finds
    them in that agenda, not further back."""
    c = cast
    sara = c["sara"]
    _past, _line, _item, middle, last = _chain(c)
    _save_and_hold_the_middle(c, middle)
    agenda = sara.get(f"/sessions/{last}/agenda").get_json()
    (carried,) = agenda["lines"]
    assert agenda["carried_under"] == {carried["id"]: middle}
    assert sara.open(agenda["carried"][carried["id"]])["lines"][middle]["title"] == \
        "Kesken, jatkuu"


def test_pages_and_their_links(cast):
    c = cast
    sara, vilma, stranger, pid, sid = c["sara"], c["vilma"], c["stranger"], c["pid"], c["sid"]
    _topic(c, "vilma", "Salainen aihe")
    builder = sara.client.get(f"/processes/{pid}/sessions/{sid}/agenda")
    assert builder.status_code == 200
    assert b"data-js-agenda-builder" in builder.data and b"Salainen" not in builder.data
    session_page = sara.client.get(f"/processes/{pid}/sessions/{sid}").data
    assert b"data-agenda-link" in session_page and b"data-checklist-link" in session_page
    assert b"data-agenda-link" not in vilma.client.get(f"/processes/{pid}/sessions/{sid}").data
    assert sara.client.get(f"/processes/{pid}/sessions/{sid}/agenda/checklist"
                           ).status_code == 200
    assert vilma.client.get(f"/processes/{pid}/sessions/{sid}/agenda/checklist"
                            ).status_code == 404
    assert stranger.client.get(f"/processes/{pid}/sessions/{sid}/agenda/checklist"
                               ).status_code == 404
    assert sara.client.get(f"/processes/{c['other_pid']}/sessions/{sid}/agenda"
                           ).status_code == 404


def test_bad_input_is_a_clear_4xx(cast):
    c = cast
    sara, sid = c["sara"], c["sid"]
    line = str(uuid.uuid4())
    cases = [
        {"version": -1, "lines": []},
        {"version": "1", "lines": []},
        {"version": 0, "lines": [{"id": "x", "source": "own"}]},
        {"version": 0, "lines": [{"id": line, "source": "nope"}]},
        {"version": 0, "lines": [{"id": line, "source": "own", "minutes": 481}]},
        {"version": 0, "lines": [{"id": line, "source": "topic"}]},
        {"version": 0, "lines": [{"id": line, "source": "own"}, {"id": line, "source": "own"}]},
        {"version": 0, "lines": [{"id": line, "source": "own", "source_id": str(uuid.uuid4())}]},
        {"version": 0},
        [],
    ]
    for body in cases:
        response = sara.put(f"/sessions/{sid}/agenda", body)
        assert response.status_code == 400, (body, response.get_json())
        assert response.get_json()["error"]["code"]
    assert sara.get("/sessions/!!/agenda").status_code == 400
    assert sara.post(f"/sessions/{sid}/agenda/ticks", {"line": "x", "done": True}
                     ).status_code == 400


def check_agenda_answers(check, app, anna, bertta, pid: str) -> None:
    """For tests/test_openapi.py: every agenda operation's real answers against the
    document (anna supervises `pid`, bertta is a member; the process has sessions)."""
    sid = next(s["id"] for s in anna.get(f"/processes/{pid}/sessions").get_json()["sessions"]
               if s["status"] == "planned")
    one, found = "/sessions/{sid}/agenda", "/sessions/{sid}/agenda/candidates"
    share, ticks = "/sessions/{sid}/agenda/share", "/sessions/{sid}/agenda/ticks"
    check(found, "get", anna.get(f"/sessions/{sid}/agenda/candidates"))
    check(found, "get", bertta.get(f"/sessions/{sid}/agenda/candidates"))          # 403
    check(one, "get", bertta.get(f"/sessions/{sid}/agenda"))                       # 404
    check(one, "get", anna.get(f"/sessions/{sid}/agenda"))
    line = str(uuid.uuid4())
    members = [m["uid"] for m in anna.get(f"/processes/{pid}").get_json()["members"]]
    item_id = _agenda_item(anna, pid, sid, {line: {"title": "Aloitus", "note": ""}})
    body = {"version": 0, "item": item_id, "lines": [{"id": line, "source": "own",
                                                      "minutes": 15}]}
    check(one, "put", anna.put(f"/sessions/{sid}/agenda", body))
    check(one, "put", anna.put(f"/sessions/{sid}/agenda", body))                   # 409
    check(one, "put", anna.put(f"/sessions/{sid}/agenda", {"version": 0}))          # 400
    check(one, "put", bertta.put(f"/sessions/{sid}/agenda", body))                 # 403
    check(share, "post", anna.post(f"/sessions/{sid}/agenda/share"))              # 409
    _agenda_item(anna, pid, sid, {line: {"title": "Aloitus", "note": ""}}, item_id=item_id,
                 rev=2, readers=tuple(uid for uid in members if uid != anna.uid), app=app)
    check(share, "post", anna.post(f"/sessions/{sid}/agenda/share"))
    check(one, "get", bertta.get(f"/sessions/{sid}/agenda"))
    check(ticks, "post", anna.post(f"/sessions/{sid}/agenda/ticks", {"line": line,
                                                                     "done": True}))
    check(ticks, "post", anna.post(f"/sessions/{sid}/agenda/ticks", {
        "line": str(uuid.uuid4()), "done": True}))                                 # 404


def _grow(c, n: int) -> None:
    """n more of everything the builder gathers (topics, shared answers and check-ins,
    brought entries) and n more lines, carried ones among them."""
    app, sara, vilma = c["app"], c["sara"], c["vilma"]
    assignment = give_api(app, sara, c["pid"], [vilma.uid])
    respond(app, vilma, assignment, c["pid"], "Vastaus", share_with=sara.uid)
    for k in range(n):
        _topic(c, "vilma", f"Aihe {k}")
        _checkin(c, "vilma", k % 11, share=True)
        brought = vilma.write(f"Tuotu {k}", "Teksti")
        _share(vilma, brought, sara, c["pid"], app, bring=True)
    agenda = sara.get(f"/sessions/{c['sid']}/agenda").get_json()
    lines = [{"id": line["id"], "source": line["source"], "source_id": line["source_id"],
              "minutes": line["minutes"]} for line in agenda["lines"]]
    lines += [{"id": str(uuid.uuid4()), "source": "own", "minutes": 1} for _ in range(n)]
    assert sara.put(f"/sessions/{c['sid']}/agenda", {"version": agenda["version"],
                                                     "lines": lines}).status_code == 200
    with app.app_context():
        earlier = str(uuid.uuid4())
        db.session.add(AgendaEntry(id=earlier, session_id=c["held"], process_id=c["pid"],
                                   position=0, minutes=5, source="own"))
        db.session.add(AgendaEntry(id=str(uuid.uuid4()), session_id=c["sid"],
                                   process_id=c["pid"], position=99, minutes=5, source="own",
                                   carried_from_id=earlier))
        db.session.commit()


def test_the_builder_costs_a_constant_number_of_queries(cast):
    """The builder page, the candidates and the agenda: the same number of SQL statements
    with 1 or 7 of everything gathered and of every kind of line."""
    from .test_queries import count_queries
    c = cast
    sara, pid, sid = c["sara"], c["pid"], c["sid"]
    item_id = _agenda_item(sara, pid, sid, {})
    assert sara.put(f"/sessions/{sid}/agenda", {"version": 0, "item": item_id,
                                                "lines": []}).status_code == 200
    earlier = _agenda_item(sara, pid, c["held"], {})
    assert sara.put(f"/sessions/{c['held']}/agenda", {"version": 0, "item": earlier,
                                                      "lines": []}).status_code == 200
    paths = [f"/processes/{pid}/sessions/{sid}/agenda", f"/api/v1/sessions/{sid}/agenda",
             f"/api/v1/sessions/{sid}/agenda/candidates",
             f"/processes/{pid}/sessions/{sid}/agenda/checklist"]

    def counts() -> list[int]:
        for path in paths:
            sara.client.get(path)
        result = []
        for path in paths:
            with count_queries(c["app"]) as statements:
                assert sara.client.get(path).status_code == 200
            result.append(len(statements))
        return result

    _grow(c, 1)
    small = counts()
    _grow(c, 6)
    large = counts()
    found = sara.get(f"/sessions/{sid}/agenda/candidates").get_json()
    assert len(found["topics"]) == 7 and len(found["entries"]) == 7
    assert len(sara.get(f"/sessions/{sid}/agenda").get_json()["carried"]) == 2
    assert small == large, (small, large)


def test_a_draft_agenda_is_not_shared_with_members_by_the_process_sync(cast):
    """The supervisor's client shares the process's member items with members who lack an
    envelope (processes.queries.shares_due); a draft agenda is not one of them."""
    from webapp.processes.queries import shares_due
    c = cast
    item_id = _agenda_item(c["sara"], c["pid"], c["sid"], {})
    with c["app"].app_context():
        assert item_id not in {due[0] for due in shares_due(c["sara"].uid)}


def test_a_shared_agenda_reaches_a_member_who_joins_later_through_the_process_sync(cast):
    """Someone who joins after the agenda was shared gets it from the supervisor's client
    (shares_due names it; the client wraps its key for her) instead of asking for it; not
    once the session is held or cancelled."""
    from webapp.models import Membership
    from webapp.processes.queries import members_and_lacking, shares_due
    c = cast
    sara, vilma, ville, app, pid, sid = (c["sara"], c["vilma"], c["ville"], c["app"],
                                         c["pid"], c["sid"])
    line = str(uuid.uuid4())
    item_id = _agenda_item(sara, pid, sid, {line: {"title": "Aloitus", "note": ""}},
                           readers=(vilma.uid, ville.uid), app=app)
    assert sara.put(f"/sessions/{sid}/agenda", {"version": 0, "item": item_id, "lines": [
        {"id": line, "source": "own", "minutes": 15}]}).status_code == 200
    assert sara.post(f"/sessions/{sid}/agenda/share").status_code == 200
    with app.app_context():
        assert item_id not in {due[0] for due in shares_due(sara.uid)}
    newcomer = api_register(app, display_name="Uusi")
    with app.app_context():
        db.session.add(Membership(process_id=pid, user_uid=newcomer.uid, role="supervisee"))
        db.session.commit()
        assert (item_id, pid, newcomer.uid) in shares_due(sara.uid)
        assert newcomer.uid in members_and_lacking(pid)[1]
    due = sara.client.get("/processes/shares-due").get_json()["due"]
    assert {"item": item_id, "process": pid, "uid": newcomer.uid} in due
    page = newcomer.client.get(f"/processes/{pid}/sessions/{sid}/agenda").get_data(as_text=True)
    assert "data-js-agenda-read" in page and "data-agenda-waiting" in page
    _share(sara, item_id, newcomer, pid, app)
    with app.app_context():
        assert item_id not in {due[0] for due in shares_due(sara.uid)}
    read = newcomer.get(f"/sessions/{sid}/agenda")
    assert newcomer.open(read.get_json()["item"])["lines"][line]["title"] == "Aloitus"
    # The agenda of a session that is over (held, or here cancelled) is not handed on.
    later = api_register(app, display_name="Myöhäinen")
    with app.app_context():
        db.session.add(Membership(process_id=pid, user_uid=later.uid, role="supervisee"))
        db.session.commit()
        assert (item_id, pid, later.uid) in shares_due(sara.uid)
    assert sara.patch(f"/sessions/{sid}", {"status": "cancelled",
                                           "cancel_reason": "illness"}).status_code == 200
    with app.app_context():
        assert item_id not in {due[0] for due in shares_due(sara.uid)}


def test_an_ended_process_or_cancelled_session_shows_the_agenda_read_only(cast):
    c = cast
    sara, pid, sid = c["sara"], c["pid"], c["sid"]
    line = str(uuid.uuid4())
    item_id = _agenda_item(sara, pid, sid, {line: {"title": "Aloitus", "note": ""}})
    assert sara.put(f"/sessions/{sid}/agenda", {"version": 0, "item": item_id, "lines": [
        {"id": line, "source": "own", "minutes": 10}]}).status_code == 200
    cancelled = sara.patch(f"/sessions/{sid}", {"status": "cancelled",
                                                "cancel_reason": "illness"})
    assert cancelled.status_code == 200
    page = sara.client.get(f"/processes/{pid}/sessions/{sid}/agenda").get_data(as_text=True)
    assert "data-js-agenda-read" in page and "data-js-agenda-builder" not in page
    refused = sara.put(f"/sessions/{sid}/agenda", {"version": 1, "lines": []})
    assert refused.get_json()["error"]["code"] == "session_cancelled"
    assert sara.patch(f"/sessions/{sid}", {"status": "planned"}).status_code == 200
    assert sara.post(f"/processes/{pid}/end").status_code == 200
    page = sara.client.get(f"/processes/{pid}/sessions/{sid}/agenda").get_data(as_text=True)
    assert "data-js-agenda-read" in page
    ended = sara.post(f"/sessions/{sid}/agenda/ticks", {"line": line, "done": True})
    assert ended.get_json()["error"]["code"] == "process_ended"


def test_a_participant_finds_a_carried_lines_words_in_an_agenda_she_can_read(cast):
    """The agenda in between was saved but never shared: the supervisor finds the words
    there, a participant in the shared agenda further back."""
    c, app = cast, cast["app"]
    sara, vilma = c["sara"], c["vilma"]
    readers = (vilma.uid, c["ville"].uid)
    _past, line, _item, middle, last = _chain(c, readers=readers)
    _save_and_hold_the_middle(c, middle)
    (carried,) = sara.get(f"/sessions/{last}/agenda").get_json()["lines"]
    shared = _agenda_item(sara, c["pid"], last, {}, readers=readers, app=app)
    assert sara.put(f"/sessions/{last}/agenda", {"version": 1, "item": shared, "lines": [
        {"id": carried["id"], "source": "own", "minutes": 10}]}).status_code == 200
    assert sara.post(f"/sessions/{last}/agenda/share").status_code == 200
    assert sara.get(f"/sessions/{last}/agenda").get_json()["carried_under"] == {
        carried["id"]: middle}
    agenda = vilma.get(f"/sessions/{last}/agenda").get_json()
    assert agenda["carried_under"] == {carried["id"]: line}
    assert vilma.open(agenda["carried"][carried["id"]])["lines"][line]["title"] == "Kesken"


def test_a_check_in_shared_after_the_last_session_is_not_its_own_predecessor(cast):
    """A check-in written before the previous session but shared after it is gathered; the
    earlier check-ins beside it are the ones before it, never itself."""
    c, app = cast, cast["app"]
    first = _checkin(c, "vilma", 3, share=True)
    _backdate(app, first, c["before"] - timedelta(days=7))
    late = _checkin(c, "vilma", 5, share=True)
    with app.app_context():                 # written before the held session, shared after
        db.session.execute(update(Item).where(Item.id == late)
                           .values(created_at=c["before"], updated_at=c["before"]))
        db.session.execute(update(Envelope).where(Envelope.item_id == late)
                           .values(item_created_at=c["before"]))
        db.session.commit()
    found = c["sara"].get(f"/sessions/{c['sid']}/agenda/candidates").get_json()
    assert _ids(found["checkins"]) == [late]
    assert _ids(found["previous_checkins"]) == [first]
