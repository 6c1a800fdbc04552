"""Goal check-ins and their sharing switch, and proposed topics (issue 10): the rules the
server keeps (services/checkins.py, services/topics.py, the item PUT's kind hooks) and the
pages that show them. The value and the note of a check-in and a topic's words are sealed:
the tests open them with the protocol as a client would."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

import protocol
from webapp.extensions import db
from webapp.models import CheckinSharing, Envelope, Item
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
from .test_views import parse, sealed_of


@pytest.fixture
def cast(app):
    """A supervisor, two supervisees of one process with a goal, and a stranger with a
    process and goal of their own."""
    sup = api_register(app, display_name="Sara Ohjaaja", is_supervisor=True)
    vilma = api_register(app, display_name="Vilma")
    ville = api_register(app, display_name="Ville")
    pid = make_process(sup.uid, vilma.uid, ville.uid, status="active", app=app)
    goal = add_goal(sup, pid, "Jaksan paremmin", readers=(vilma.uid, ville.uid), app=app)
    other_sup = api_register(app, is_supervisor=True)
    other = api_register(app)
    other_pid = make_process(other_sup.uid, other.uid, status="active", app=app)
    other_goal = add_goal(other_sup, other_pid, "Muu", readers=(other.uid,), app=app)
    return dict(sup=sup, vilma=vilma, ville=ville, pid=pid, goal=goal, other_sup=other_sup,
                other=other, other_pid=other_pid, other_goal=other_goal, app=app)


def _owner(person, item_id):
    return protocol.owner_envelope(person.account.ak, person.deks[item_id], item_id,
                                   person.uid)


def _links(item):
    return {key: value for key, value in (item["links"] or {}).items() if value}


def _checkin(c, who, value, note="", *, share=False):
    person = c[who]
    item_id, body = checkin_body(person, c["pid"], c["goal"], value, note,
                                 share_with=c["sup"].uid if share else None, app=c["app"])
    return item_id, person.put(f"/items/{item_id}", body)


def _sharing(c, who, shared):
    return c[who].put(f"/processes/{c['pid']}/goals/{c['goal']}/checkin-sharing",
                      {"shared": shared})


def test_a_checkin_is_sealed_and_private_until_shared(cast):
    c = cast
    item_id, response = _checkin(c, "vilma", 6, "Yksi askel: nukun paremmin")
    assert response.status_code == 201, response.get_json()
    item = response.get_json()
    assert item["kind"] == "checkin" and _links(item) == {"goal": c["goal"]}
    assert item["process"] == c["pid"]
    assert c["vilma"].open(c["vilma"].get(f"/items/{item_id}").get_json()) == {
        "value": 6, "note": "Yksi askel: nukun paremmin"}
    assert c["sup"].get(f"/items/{item_id}").status_code == 404
    with c["app"].app_context():
        stored = db.session.get(Item, item_id)
        assert "nukun" not in stored.ct and "nukun" not in stored.h


def test_an_envelope_for_the_supervisor_needs_sharing_on(cast):
    c = cast
    _, response = _checkin(c, "vilma", 3, share=True)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == \
        "checkin_sharing_off"
    answer = _sharing(c, "vilma", True)
    assert answer.status_code == 200 and answer.get_json() == {
        "goal": c["goal"], "shared": True, "revoked": []}
    item_id, response = _checkin(c, "vilma", 7, "jaettu", share=True)
    assert response.status_code == 201, response.get_json()
    seen = c["sup"].get(f"/items/{item_id}").get_json()
    assert c["sup"].open(seen) == {"value": 7, "note": "jaettu"}
    # Ville's switch is his own: Vilma's "on" does not let his check-ins through.
    _, response = _checkin(c, "ville", 2, share=True)
    assert response.status_code == 409


def test_turning_off_revokes_every_envelope_of_that_goals_checkins(cast):
    c = cast
    private_id, _ = _checkin(c, "vilma", 4)
    assert _sharing(c, "vilma", True).status_code == 200
    shared = [_checkin(c, "vilma", v, share=True)[0] for v in (5, 6)]
    # the earlier one is shared through the envelope endpoint ("share the earlier ones too")
    response = c["vilma"].put(f"/items/{private_id}/envelopes/{c['sup'].uid}", {
        "envelope": share_body(c["vilma"], private_id, c["sup"].uid, c["app"]),
        "process": c["pid"]})
    assert response.status_code == 204
    ids = sorted([private_id, *shared])
    assert all(c["sup"].get(f"/items/{i}").status_code == 200 for i in ids)
    answer = _sharing(c, "vilma", False).get_json()
    assert answer["shared"] is False and sorted(answer["revoked"]) == ids
    assert all(c["sup"].get(f"/items/{i}").status_code == 404 for i in ids)
    assert all(c["vilma"].get(f"/items/{i}").status_code == 200 for i in ids)
    with c["app"].app_context():
        assert all(db.session.get(Item, i).rekey_due for i in ids)
        assert db.session.scalars(select(Envelope.recipient_uid).where(
            Envelope.item_id.in_(ids))).all() == [c["vilma"].uid] * 3
    # while off: neither the envelope endpoint nor a rotation brings the supervisor back
    response = c["vilma"].put(f"/items/{private_id}/envelopes/{c['sup'].uid}", {
        "envelope": share_body(c["vilma"], private_id, c["sup"].uid, c["app"]),
        "process": c["pid"]})
    assert response.status_code == 409
    _, rotation = c["vilma"].seal({"value": 4, "note": ""}, kind="checkin", item_id=private_id,
                                  rev=2)
    rotation["envelopes"] = [_owner(c["vilma"], private_id),
                             share_body(c["vilma"], private_id, c["sup"].uid, c["app"])]
    response = c["vilma"].put(f"/items/{private_id}", rotation)
    assert response.status_code == 409, response.get_json()
    # the rotation the client makes (owner only) goes through and clears the mark
    _, rotation = c["vilma"].seal({"value": 4, "note": ""}, kind="checkin", item_id=private_id,
                                  rev=2)
    rotation["envelopes"] = [_owner(c["vilma"], private_id)]
    assert c["vilma"].put(f"/items/{private_id}", rotation).status_code == 200
    with c["app"].app_context():
        assert not db.session.get(Item, private_id).rekey_due


def test_the_switch_is_one_row_per_goal_and_person_and_reads_back(cast):
    c = cast
    path = f"/processes/{c['pid']}/goals/{c['goal']}/checkin-sharing"
    assert c["vilma"].get(path).get_json() == {"goal": c["goal"], "shared": False,
                                               "revoked": []}
    for shared in (True, True, False, True):
        assert _sharing(c, "vilma", shared).get_json()["shared"] is shared
    assert c["vilma"].get(path).get_json()["shared"] is True
    assert c["ville"].get(path).get_json()["shared"] is False
    with c["app"].app_context():
        rows = db.session.scalars(select(CheckinSharing)).all()
        assert [(r.goal_id, r.user_uid, r.shared) for r in rows] == [
            (c["goal"], c["vilma"].uid, True)]


@pytest.mark.parametrize("who,goal,expected", [
    ("sup", "goal", (403, "not_supervisee")),
    ("other", "goal", (404, "process_not_found")),
    ("vilma", "other_goal", (404, "goal_not_found")),
    ("vilma", "guessed", (404, "goal_not_found")),
])
def test_who_may_turn_the_switch(cast, who, goal, expected):
    c = cast
    goal_id = str(uuid.uuid4()) if goal == "guessed" else c[goal]
    response = c[who].put(f"/processes/{c['pid']}/goals/{goal_id}/checkin-sharing",
                          {"shared": True})
    assert (response.status_code, response.get_json()["error"]["code"]) == expected


@pytest.mark.parametrize("case,expected", [
    ("no_process", (400, "process_required")),
    ("no_goal", (400, "goal_required")),
    ("other_goal", (404, "link_not_found")),          # she cannot read it at all
    ("goal_of_other_process", (404, "goal_not_found")),
    ("not_a_goal", (404, "goal_not_found")),
    ("by_supervisor", (403, "not_supervisee")),
])
def test_a_checkin_names_a_goal_of_its_own_process(cast, case, expected):
    c = cast
    person = c["sup"] if case == "by_supervisor" else c["vilma"]
    item_id, body = checkin_body(person, c["pid"], c["goal"], 5, app=c["app"])
    if case == "no_process":
        body.pop("process")
    elif case == "no_goal":
        body.pop("links")
    elif case == "other_goal":
        body["links"] = {"goal": c["other_goal"]}
    elif case == "goal_of_other_process":
        pid2 = make_process(c["sup"].uid, c["vilma"].uid, status="active", app=c["app"])
        body["links"] = {"goal": add_goal(c["sup"], pid2, "Toinen", readers=(c["vilma"].uid,),
                                          app=c["app"])}
    elif case == "not_a_goal":
        body["links"] = {"goal": c["vilma"].write()}
    response = person.put(f"/items/{item_id}", body)
    assert (response.status_code, response.get_json()["error"]["code"]) == expected
    with c["app"].app_context():
        assert db.session.get(Item, item_id) is None


def test_the_goal_page_shows_each_side_what_it_may_see(cast):
    c = cast
    own_id, _ = _checkin(c, "vilma", 3, "oma")
    _sharing(c, "vilma", True)
    shared_id, _ = _checkin(c, "vilma", 8, share=True)
    ville_id, _ = _checkin(c, "ville", 5)
    path = f"/processes/{c['pid']}/goals/{c['goal']}"
    mine = c["vilma"].client.get(path).get_data(as_text=True)
    assert "data-js-checkin-form" in mine and "data-js-checkin-sharing" in mine
    assert own_id in mine and shared_id in mine and ville_id not in mine
    assert 'role="switch" checked' in mine and 'hx-history="false"' in mine
    theirs = c["sup"].client.get(path).get_data(as_text=True)
    assert shared_id in theirs and own_id not in theirs and ville_id not in theirs
    assert "data-js-checkin-form" not in theirs and "Vilma" in theirs and "Ville" in theirs
    assert c["other"].client.get(path).status_code == 404
    assert c["vilma"].client.get(f"/processes/{c['pid']}/goals/{c['other_goal']}"
                                 ).status_code == 404
    assert c["vilma"].client.get(f"/processes/{c['pid']}/goals/nope").status_code == 400
    card = c["vilma"].client.get(f"/processes/{c['pid']}").get_data(as_text=True)
    assert path in card and f"/processes/{c['pid']}/topics" in card


# -- topics ------------------------------------------------------------------------------------

def _topic(c, who, text, *, to_supervisor=True, session=None):
    item_id, body = topic_body(c[who], c["pid"], text,
                               c["sup"].uid if to_supervisor else None, session=session,
                               app=c["app"])
    return item_id, c[who].put(f"/items/{item_id}", body)


def test_a_topic_goes_to_the_supervisor_at_once(cast):
    c = cast
    _, response = _topic(c, "vilma", "Ilman ohjaajaa", to_supervisor=False)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "supervisor_envelope_required"
    with c["app"].app_context():
        session = add_session(c["pid"], utcnow() + timedelta(days=3))
    first, response = _topic(c, "vilma", "Työnjako tiimissä", session=session)
    assert response.status_code == 201 and _links(response.get_json()) == {"session": session}
    second, _ = _topic(c, "ville", "Palaute esihenkilöltä")
    seen = c["sup"].get(f"/items?kind=topic&process={c['pid']}").get_json()["items"]
    assert [i["id"] for i in seen] == [second, first]
    assert c["sup"].open(seen[1]) == {"text": "Työnjako tiimissä"}
    # supervisees do not see each other's topics
    assert c["ville"].get(f"/items/{first}").status_code == 404
    page = c["sup"].client.get(f"/processes/{c['pid']}/topics").get_data(as_text=True)
    assert page.index(second) < page.index(first) and "data-js-topic-form" not in page
    own = c["vilma"].client.get(f"/processes/{c['pid']}/topics").get_data(as_text=True)
    assert first in own and second not in own and "data-js-topic-form" in own
    assert f'data-session="{session}"' in own
    # The process page's card counts what each one sees (services.topics.count_of).
    from webapp.services import accounts, topics
    with c["app"].app_context():
        for who, seen in (("sup", 2), ("vilma", 1), ("ville", 1), ("other_sup", 0)):
            person = accounts.user_by_email(c[who].email)
            assert topics.count_of(person, c["pid"]) == seen == \
                len(topics.topics_of(person, c["pid"]))


def test_topics_are_the_supervisees_and_their_author_edits_or_withdraws_them(cast):
    c = cast
    item_id, body = topic_body(c["sup"], c["pid"], "Ohjaajan oma", c["sup"].uid, app=c["app"])
    body["envelopes"] = body["envelopes"][:1]
    response = c["sup"].put(f"/items/{item_id}", body)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == \
        "not_supervisee"
    _, body = topic_body(c["other"], c["pid"], "Vieras", None, app=c["app"])
    assert c["other"].put(f"/items/{uuid.uuid4()}", body).status_code in (400, 404)
    item_id, _ = _topic(c, "vilma", "Alkuperäinen")
    _, edit = c["vilma"].seal({"text": "Muokattu"}, kind="topic", item_id=item_id, rev=2)
    assert c["vilma"].put(f"/items/{item_id}", edit).status_code == 200
    assert c["sup"].open(c["sup"].get(f"/items/{item_id}").get_json()) == {"text": "Muokattu"}
    assert c["sup"].delete(f"/items/{item_id}").status_code == 403
    assert c["vilma"].delete(f"/items/{item_id}").status_code == 204
    assert c["sup"].get(f"/items/{item_id}").status_code == 404
    with c["app"].app_context():
        other_session = add_session(c["other_pid"], utcnow() + timedelta(days=1))
    _, response = _topic(c, "vilma", "Väärä istunto", session=other_session)
    assert response.status_code == 404


def test_a_former_member_loses_the_topics_and_the_checkins(cast):
    c = cast
    _sharing(c, "vilma", True)
    checkin, _ = _checkin(c, "vilma", 6, share=True)
    topic, _ = _topic(c, "vilma", "Lähtijän aihe")
    assert c["vilma"].delete(f"/processes/{c['pid']}/members/{c['vilma'].uid}"
                             ).status_code == 204
    for item_id in (checkin, topic):
        assert c["sup"].get(f"/items/{item_id}").status_code == 404
    assert c["vilma"].client.get(f"/processes/{c['pid']}/topics").status_code == 404
    assert c["vilma"].client.get(f"/processes/{c['pid']}/goals/{c['goal']}").status_code == 404
    response = _sharing(c, "vilma", True)
    assert response.status_code == 404


def _shared_goals(person) -> list:
    """The goals listed under "Check-ins" on "What I have shared"."""
    doc = parse(person.client.get("/shared").get_data(as_text=True))
    return doc.find_all("li", data_checkin_goal=True)


def test_what_i_have_shared_lists_the_goals_whose_checkins_are_shared(cast):
    """"What I have shared" lists each goal whose check-ins the supervisor sees (its sealed
    words with her own envelope, to stop it there), so nothing shared goes unmentioned."""
    c = cast
    assert _shared_goals(c["vilma"]) == []
    earlier = [_checkin(c, "vilma", value)[0] for value in (3, 4)]   # private: sharing off
    assert _sharing(c, "vilma", True).status_code == 200
    _checkin(c, "vilma", 6, share=True)
    [row] = _shared_goals(c["vilma"])
    # It says how many the supervisor can open: the earlier ones only when she shares them,
    # and the goal's page offers exactly those.
    assert row.find("p", data_checkin_count=True).all_text().startswith(
        "1/3 tilannearviostasi")
    goal_page = parse(c["vilma"].client.get(f"/processes/{c['pid']}/goals/{c['goal']}")
                      .get_data(as_text=True))
    offered = goal_page.find(data_js_checkin_sharing=True).attrs["data-items"]
    assert sorted(json.loads(offered)) == sorted(earlier)
    assert (row.attrs["data-pid"], row.attrs["data-goal"]) == (c["pid"], c["goal"])
    sealed = sealed_of(row.find("span", data_js_home_goal=True))
    assert sealed["envelope"]["recipient"] == c["vilma"].uid
    assert c["vilma"].open(sealed)["text"] == "Jaksan paremmin"
    assert row.find("button", data_stop_checkins=True)
    doc = parse(c["vilma"].client.get("/shared").get_data(as_text=True))
    assert doc.find("button", data_revoke_all=True) and not doc.find_all(class_="empty-state")
    assert _shared_goals(c["ville"]) == []
    assert _sharing(c, "vilma", False).status_code == 200
    assert _shared_goals(c["vilma"]) == []

