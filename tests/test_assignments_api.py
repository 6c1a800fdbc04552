"""The interim assignments' API and pages (webapp/assignments): giving through
PUT /assignments/{id}, the lists, the status, the library; the pages for the supervisor and
the supervisee and the home's section; an answer kept private never reaches the supervisor
(API and page)."""
from __future__ import annotations

import uuid
from datetime import timedelta

import protocol
from webapp.extensions import db
from webapp.models import User
from webapp.models.types import utcnow

from .factories import add_session, api_register, make_process
from .test_views import parse, sealed_of

WORDS = {"title": "Ihmekysymys", "instructions": "Kuvittele, että tänä yönä…",
         "minutes": 15, "tags": ["ratkaisukeskeisyys"], "lang": "fi"}


def _x25519(app, uid: str) -> bytes:
    with app.app_context():
        return protocol.b64u_decode(db.session.get(User, uid).bundle["x25519"], 32)


def assignment_put(app, supervisor, pid: str, assignees: list[str], words=None, **extra):
    item_id, body = supervisor.seal(words or WORDS, kind="assignment")
    body["process"] = pid
    body["envelopes"] += [protocol.share_envelope(supervisor.deks[item_id], item_id, uid,
                                                  _x25519(app, uid)) for uid in assignees]
    return item_id, {"item": body, **extra}


def give_api(app, supervisor, pid: str, assignees: list[str], **extra) -> str:
    item_id, body = assignment_put(app, supervisor, pid, assignees, **extra)
    response = supervisor.put(f"/assignments/{item_id}", body)
    assert response.status_code == 201, response.get_json()
    return item_id


def respond(app, supervisee, assignment: str, pid: str, text: str, share_with=None) -> str:
    item_id, body = supervisee.seal({"body": text}, kind="response")
    body["process"], body["links"] = pid, {"parent": assignment}
    if share_with:
        body["envelopes"].append(protocol.share_envelope(
            supervisee.deks[item_id], item_id, share_with, _x25519(app, share_with)))
    response = supervisee.put(f"/items/{item_id}", body)
    assert response.status_code == 201, response.get_json()
    return item_id


def _setup(app):
    sara = api_register(app, is_supervisor=True, display_name="Sara Ohjaaja")
    anna = api_register(app, display_name="Anna Ohjattava")
    pid = make_process(sara.uid, anna.uid, status="active", app=app)
    return sara, anna, pid


def test_giving_answers_the_assignment_with_its_due_time(app):
    sara, anna, pid = _setup(app)
    starts = (utcnow() + timedelta(days=9)).replace(microsecond=0)
    add_session(pid, starts, app=app)
    item_id, body = assignment_put(app, sara, pid, [anna.uid])
    made = sara.put(f"/assignments/{item_id}", body)
    assert made.status_code == 201, made.get_json()
    got = made.get_json()
    assert got["item"] == item_id and got["process"] == pid
    assert [(a["user"], a["status"], a["response"]) for a in got["assignees"]] == [
        (anna.uid, "open", None)]
    assert got["assignees"][0]["due_at"] == starts.isoformat()
    assert sara.put(f"/assignments/{item_id}", body).status_code == 201    # a retry
    # the supervisee reads the words with her envelope
    item = anna.get(f"/items/{item_id}").get_json()
    assert anna.open(item)["title"] == "Ihmekysymys"
    mine = anna.get(f"/processes/{pid}/assignments").get_json()["assignments"]
    assert [a["item"] for a in mine] == [item_id]


def test_a_due_time_given_or_none(app):
    sara, anna, pid = _setup(app)
    item_id, body = assignment_put(app, sara, pid, [anna.uid], due_at="2030-05-01T12:00:00+03:00")
    got = sara.put(f"/assignments/{item_id}", body).get_json()
    assert got["assignees"][0]["due_at"] == "2030-05-01T09:00:00+00:00"
    item_id, body = assignment_put(app, sara, pid, [anna.uid], due_at=None)
    assert sara.put(f"/assignments/{item_id}", body).get_json()["assignees"][0]["due_at"] is None
    item_id, body = assignment_put(app, sara, pid, [anna.uid], due_at="huomenna")
    bad = sara.put(f"/assignments/{item_id}", body)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_due"


def test_status_and_privacy_of_the_answer(app):
    sara, anna, pid = _setup(app)
    item_id = give_api(app, sara, pid, [anna.uid])
    private = respond(app, anna, item_id, pid, "YKSITYINEN-VASTAUS-7731")
    seen = sara.get(f"/assignments/{item_id}").get_json()["assignees"][0]
    assert seen["response"] is None
    assert sara.get(f"/items/{private}").status_code == 404
    listed = sara.get(f"/items?process={pid}").get_json()["items"]
    assert private not in {i["id"] for i in listed}
    page = sara.client.get(f"/assignments/{item_id}").get_data(as_text=True)
    assert private not in page and "data-not-shared" in page
    assert anna.get(f"/assignments/{item_id}").get_json()["assignees"][0]["response"] == private
    done = anna.post(f"/assignments/{item_id}/status", {"status": "done"})
    assert done.status_code == 200 and done.get_json()["status"] == "done"
    assert sara.get(f"/assignments/{item_id}").get_json()["assignees"][0]["status"] == "done"
    again = anna.post(f"/assignments/{item_id}/status", {"status": "skipped"})
    assert again.status_code == 409 and again.get_json()["error"] == {
        "code": "status_conflict", "message": again.get_json()["error"]["message"],
        "current": "done"}
    assert sara.post(f"/assignments/{item_id}/status", {"status": "done"}).status_code == 404


def test_a_shared_answer_is_the_supervisors_to_read(app):
    sara, anna, pid = _setup(app)
    item_id = give_api(app, sara, pid, [anna.uid])
    shared = respond(app, anna, item_id, pid, "JAETTU-VASTAUS", share_with=sara.uid)
    seen = sara.get(f"/assignments/{item_id}").get_json()["assignees"][0]
    assert seen["response"] == shared
    assert sara.open(sara.get(f"/items/{shared}").get_json())["body"] == "JAETTU-VASTAUS"
    page = sara.client.get(f"/assignments/{item_id}").get_data(as_text=True)
    assert "data-js-assignment-answer" in page and shared in page


def test_the_pages(app):
    sara, anna, pid = _setup(app)
    add_session(pid, utcnow() + timedelta(days=5), app=app)
    held = add_session(pid, utcnow() - timedelta(hours=1), status="held", app=app)
    page = sara.client.get(f"/processes/{pid}/assignments")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "data-js-assignment-give" in text
    assert 'hx-history="false"' in text and "Ihmekysymys" in text      # the library, in fi
    assert f'<option value="{held}" selected>' in text       # given in the session just held
    item_id = give_api(app, sara, pid, [anna.uid])
    own = anna.client.get(f"/processes/{pid}/assignments").get_data(as_text=True)
    assert "data-js-assignment-give" not in own and item_id in own
    home = anna.client.get("/home/").get_data(as_text=True)
    assert "data-home-assignments" in home and item_id in home
    show = anna.client.get(f"/assignments/{item_id}").get_data(as_text=True)
    assert "data-js-assignment-response" in show and "data-js-assignment-status" in show
    anna.post(f"/assignments/{item_id}/status", {"status": "skipped"})
    assert "data-home-assignments" not in anna.client.get("/home/").get_data(as_text=True)
    stranger = api_register(app)
    assert stranger.client.get(f"/assignments/{item_id}").status_code == 404
    assert stranger.client.get(f"/processes/{pid}/assignments").status_code == 404
    assert stranger.client.get(f"/assignments/{uuid.uuid4()}").status_code == 404
    assert stranger.client.get("/assignments/not-an-id").status_code in (400, 404)


def test_the_library_in_each_language(app):
    sara, _anna, _pid = _setup(app)
    for lang, title in (("fi", "Ihmekysymys"), ("sv", "Mirakelfrågan"),
                        ("en", "The miracle question")):
        got = sara.get(f"/assignment-library?lang={lang}").get_json()["assignments"]
        assert len(got) >= 12 and title in {a["title"] for a in got}
    assert sara.get("/assignment-library?lang=de").status_code == 400


def test_the_process_page_has_the_assignments_card(app):
    sara, anna, pid = _setup(app)
    item_id = give_api(app, sara, pid, [anna.uid])
    anna.post(f"/assignments/{item_id}/status", {"status": "done"})
    give_api(app, sara, pid, [anna.uid])
    for person in (sara, anna):
        page = person.client.get(f"/processes/{pid}").get_data(as_text=True)
        assert "data-assignment-counts" in page and f"/processes/{pid}/assignments" in page
    other = api_register(app)
    make_process(sara.uid, other.uid, status="active", app=app)
    with app.app_context():
        from webapp.services.assignments import counts
        assert counts(sara.uid, pid, True) == {"open": 1, "done": 1, "skipped": 0}
        assert counts(other.uid, pid, False) == {"open": 0, "done": 0, "skipped": 0}


def test_a_group_assignment_goes_to_every_current_supervisee(app):
    sara = api_register(app, is_supervisor=True, display_name="Sara")
    members = [api_register(app, display_name=name) for name in ("Anna", "Bertta", "Cecilia")]
    pid = make_process(sara.uid, *(m.uid for m in members), form="group", status="active",
                       app=app)
    assert members[2].delete(f"/processes/{pid}/members/{members[2].uid}").status_code == 204
    page = sara.client.get(f"/processes/{pid}/assignments").get_data(as_text=True)
    assert "data-to-all" in page and "Anna, Bertta" in page and "Cecilia" not in page
    assert page.count('type="hidden" name="to"') == 2
    item_id = give_api(app, sara, pid, [m.uid for m in members[:2]])
    got = sara.get(f"/assignments/{item_id}").get_json()
    assert sorted(a["display_name"] for a in got["assignees"]) == ["Anna", "Bertta"]
    item_id, body = assignment_put(app, sara, pid, [members[0].uid])
    assert sara.put(f"/assignments/{item_id}", body).status_code == 201   # one of them


def test_the_library_is_offered_in_the_readers_language(app):
    sara, _anna, pid = _setup(app)
    sara.client.post("/language", data={"locale": "sv", "next": "/",
                                         "csrf_token": sara.csrf})
    page = sara.client.get(f"/processes/{pid}/assignments").get_data(as_text=True)
    assert "Mirakelfrågan" in page and "Ihmekysymys" not in page


def test_what_i_have_shared_lists_the_shared_answers(app):
    """"What I have shared" lists each shared answer under its assignment (the assignment's
    sealed title with her own envelope, the answer's id and the reader, to stop it there); a
    private answer is not listed. Once stopped, the answer's page starts from "only me", so
    an edit does not share it again."""
    sara, anna, pid = _setup(app)
    first = give_api(app, sara, pid, [anna.uid])
    second = give_api(app, sara, pid, [anna.uid])
    respond(app, anna, first, pid, "YKSITYINEN")

    def rows():
        doc = parse(anna.client.get("/shared").get_data(as_text=True))
        return doc.find_all("li", data_answer=True)
    assert rows() == []
    answer = respond(app, anna, second, pid, "JAETTU", share_with=sara.uid)
    [row] = rows()
    assert (row.attrs["data-item"], row.attrs["data-reader"]) == (answer, sara.uid)
    assert row.find("a").attrs["href"] == f"/assignments/{second}"
    sealed = sealed_of(row.find("span", data_js_assignment_title=True))
    assert (sealed["id"], sealed["envelope"]["recipient"]) == (second, anna.uid)
    assert anna.open(sealed)["title"] == "Ihmekysymys"
    assert row.find("button", data_revoke=True)
    page = parse(anna.client.get(f"/assignments/{second}").get_data(as_text=True))
    assert "checked" in page.find("input", name="share", value="yes").attrs
    assert anna.delete(f"/items/{answer}/envelopes/{sara.uid}").status_code == 204
    assert rows() == []
    page = parse(anna.client.get(f"/assignments/{second}").get_data(as_text=True))
    assert "checked" in page.find("input", name="share", value="no").attrs

