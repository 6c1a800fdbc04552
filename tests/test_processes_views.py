"""The process pages: a supervisor's home, starting a process, one process, and the shares
a supervisor's client owes new members — for the supervisor, a supervisee, a stranger, a
former member and an anonymous visitor. The pages carry the process's name only as
ciphertext."""
from __future__ import annotations

import json
import re
import uuid
from html import unescape

import protocol

from .factories import api_register
from .helpers import Person
from .test_processes_api import join, make_invite, start


def page(person: Person, path: str):
    return person.client.get(path)


def name_process(supervisor: Person, pid: str, name: str) -> str:
    """The supervisor's client's second step: the sealed name item of the process."""
    item_id, body = supervisor.seal({"title": name}, kind="title")
    body["process"] = pid
    response = supervisor.put(f"/items/{item_id}", body)
    assert response.status_code == 201, response.get_json()
    return item_id


def share_name(supervisor: Person, item_id: str, member: Person, pid: str):
    x = protocol.b64u_decode(member.account.registration["bundle"]["x25519"], 32)
    env = protocol.share_envelope(supervisor.deks[item_id], item_id, member.uid, x)
    response = supervisor.put(f"/items/{item_id}/envelopes/{member.uid}",
                              {"envelope": env, "process": pid})
    assert response.status_code == 204, response.get_json()


def sealed_attrs(html: str) -> list[dict]:
    return [json.loads(unescape(m)) for m in re.findall(r"data-sealed='([^']*)'", html)]


def setup_world(app):
    sara = api_register(app, display_name="Sara Supervisor", is_supervisor=True)
    anna = api_register(app, display_name="Anna Aho")
    process = start(sara, "group")
    pid = process["id"]
    title = name_process(sara, pid, "Salainen Työpaikka Oy")
    join(anna, sara, pid)
    return sara, anna, pid, title


# -- the home ------------------------------------------------------------------------------------

def test_a_supervisor_sees_their_processes_with_the_name_sealed(app):
    sara, anna, pid, title = setup_world(app)
    draft = start(sara, "crisis")["id"]
    response = page(sara, "/processes/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Salainen" not in html
    assert f'href="/processes/{pid}"' in html and f'href="/processes/{draft}"' in html
    assert 'href="/processes/new"' in html                 # start a new process
    items = sealed_attrs(html)
    assert [i["id"] for i in items] == [title]             # the crisis one has no name yet
    assert sara.open(items[0]) == {"title": "Salainen Työpaikka Oy"}
    assert "2 members" in html or "2 jäsentä" in html


def test_a_supervisee_sees_the_processes_they_belong_to_and_no_new_action(app):
    sara, anna, pid, title = setup_world(app)
    html = page(anna, "/processes/").get_data(as_text=True)
    assert f'href="/processes/{pid}"' in html
    assert 'href="/processes/new"' not in html
    assert sealed_attrs(html) == []                        # no envelope for the name yet
    share_name(sara, title, anna, pid)
    html = page(anna, "/processes/").get_data(as_text=True)
    items = sealed_attrs(html)
    assert len(items) == 1 and anna.open(items[0]) == {"title": "Salainen Työpaikka Oy"}


def test_someone_in_no_process_is_told_how_to_get_in(app):
    mallory = api_register(app, display_name="Mallory")
    html = page(mallory, "/processes/").get_data(as_text=True)
    assert 'href="/processes/' not in html.replace('href="/processes/"', "")
    assert 'href="/processes/new"' not in html


def test_the_home_lists_active_then_drafts_then_ended(app):
    sara = api_register(app, is_supervisor=True)
    ended = start(sara)["id"]
    assert sara.post(f"/processes/{ended}/end").status_code == 200
    draft = start(sara)["id"]
    html = page(sara, "/processes/").get_data(as_text=True)
    assert html.index(f"/processes/{draft}") < html.index(f"/processes/{ended}")


# -- new ------------------------------------------------------------------------------------------

def test_the_new_page_shows_every_form_with_its_defaults(app):
    sara = api_register(app, is_supervisor=True)
    response = page(sara, "/processes/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for form in ("individual", "group", "community", "management", "crisis"):
        assert f'value="{form}"' in html
    defaults = json.loads(unescape(re.search(r"data-defaults='([^']*)'", html).group(1)))
    assert defaults["crisis"] == {"session_minutes": 75, "interval_days": 7, "session_count": 3}
    assert 'id="process-name"' in html and 'name="name"' in html
    assert "<form" in html and "method=" not in html.split("data-process-form")[1][:60]


def test_a_supervisee_cannot_start_a_process_and_is_told_so(app):
    anna = api_register(app)
    response = page(anna, "/processes/new")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "data-js-process-new" not in html and 'id="process-name"' not in html


# -- one process -----------------------------------------------------------------------------------

def test_the_supervisor_sees_members_invites_and_actions(app):
    sara, anna, pid, title = setup_world(app)
    invite = make_invite(sara, pid)
    html = page(sara, f"/processes/{pid}").get_data(as_text=True)
    assert "Salainen" not in html
    assert "Anna Aho" in html and "Sara Supervisor" in html
    assert f'data-invite="{invite["id"]}"' in html and invite["token"] not in html
    assert "data-js-process-invites" in html and "data-js-process-end" in html
    assert f'data-remove="{anna.uid}"' in html and f'data-remove="{sara.uid}"' not in html
    assert "data-js-process-frame" in html
    # Anna has no envelope for the name yet: she is marked as waiting for it
    assert re.search(rf'data-member="{anna.uid}">.*?data-waiting', html, re.S)
    share_name(sara, title, anna, pid)
    html = page(sara, f"/processes/{pid}").get_data(as_text=True)
    assert "data-waiting" not in html


def test_the_waiting_marks_are_the_shares_due_of_the_process(app):
    """The members the supervisor's page marks as waiting (read with the member rows, in one
    query) are exactly those the shares-due list names for the process: before the name is
    shared, after, and once the process has ended."""
    from webapp.processes import queries

    sara, anna, pid, title = setup_world(app)
    bertta = api_register(app, display_name="Bertta Berg")
    join(bertta, sara, pid)

    def both():
        due = {d["uid"] for d in sara.client.get("/processes/shares-due").get_json()["due"]
               if d["process"] == pid}
        with app.app_context():
            members, lacking = queries.members_and_lacking(pid)
        assert [m.user_uid for m in members] == [sara.uid, anna.uid, bertta.uid]
        return lacking, due

    lacking, due = both()
    assert lacking == due == {anna.uid, bertta.uid}
    share_name(sara, title, anna, pid)
    lacking, due = both()
    assert lacking == due == {bertta.uid}
    assert sara.post(f"/processes/{pid}/end").status_code == 200
    lacking, due = both()
    assert lacking == due == set()


def test_a_supervisee_sees_the_process_but_not_its_invites_or_actions(app):
    sara, anna, pid, title = setup_world(app)
    invite = make_invite(sara, pid)
    response = page(anna, f"/processes/{pid}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for hook in ("data-js-process-invites", "data-js-process-end", "data-js-process-frame",
                 "data-js-process-members", "data-js-process-rename", "data-remove="):
        assert hook not in html
    assert invite["id"] not in html
    assert "Waiting for your supervisor to open Välitila" in html or "Odotetaan" in html
    share_name(sara, title, anna, pid)
    html = page(anna, f"/processes/{pid}").get_data(as_text=True)
    assert "Waiting for your supervisor" not in html
    items = sealed_attrs(html)
    assert anna.open(items[0]) == {"title": "Salainen Työpaikka Oy"}


def test_strangers_and_former_members_get_404(app):
    sara, anna, pid, title = setup_world(app)
    mallory = api_register(app, is_supervisor=True)
    assert page(mallory, f"/processes/{pid}").status_code == 404
    assert page(mallory, f"/processes/{uuid.uuid4()}").status_code == 404
    assert anna.delete(f"/processes/{pid}/members/{anna.uid}").status_code == 204
    assert page(anna, f"/processes/{pid}").status_code == 404
    assert f"/processes/{pid}" not in page(anna, "/processes/").get_data(as_text=True)


def test_a_bad_process_id_is_a_400(app):
    sara = api_register(app, is_supervisor=True)
    assert page(sara, "/processes/not-a-uuid").status_code == 400


def test_anonymous_visitors_are_sent_to_login(app):
    client = app.test_client()
    for path in ("/processes/", "/processes/new", f"/processes/{uuid.uuid4()}",
                 "/processes/shares-due"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_ended_process_is_read_only_on_its_page(app):
    sara, anna, pid, title = setup_world(app)
    assert sara.post(f"/processes/{pid}/end").status_code == 200
    html = page(sara, f"/processes/{pid}").get_data(as_text=True)
    for hook in ("data-invite-form", "data-js-process-end", "data-js-process-frame",
                 "data-js-process-rename"):
        assert hook not in html


# -- the shares a supervisor's client owes ---------------------------------------------------------

def test_shares_due_lists_the_member_items_each_new_member_lacks(app):
    sara, anna, pid, title = setup_world(app)
    # a private note of the supervisor in the process is never due to anyone
    note_id, body = sara.seal({"title": "oma", "body": "vain minulle"}, kind="note")
    body["process"] = pid
    assert sara.put(f"/items/{note_id}", body).status_code == 201
    due = page(sara, "/processes/shares-due").get_json()["due"]
    assert due == [{"item": title, "process": pid, "uid": anna.uid}]
    share_name(sara, title, anna, pid)
    assert page(sara, "/processes/shares-due").get_json()["due"] == []


def test_shares_due_is_empty_for_supervisees_and_for_ended_processes(app):
    sara, anna, pid, title = setup_world(app)
    assert page(anna, "/processes/shares-due").get_json() == {"due": []}
    assert sara.post(f"/processes/{pid}/end").status_code == 200
    assert page(sara, "/processes/shares-due").get_json() == {"due": []}


def test_shares_due_leaves_out_former_members(app):
    sara, anna, pid, title = setup_world(app)
    assert sara.delete(f"/processes/{pid}/members/{anna.uid}").status_code == 204
    assert page(sara, "/processes/shares-due").get_json() == {"due": []}


def test_the_nav_links_to_supervision_and_carries_the_sync_hook_for_supervisors(app):
    sara = api_register(app, is_supervisor=True)
    anna = api_register(app)
    html = page(sara, "/journal/").get_data(as_text=True)
    assert re.search(r'<a href="/processes/"[^>]*data-js-process-sync', html)
    html = page(anna, "/journal/").get_data(as_text=True)
    assert 'href="/processes/"' in html and "data-js-process-sync" not in html


def test_the_process_page_links_each_member_to_the_safety_number_and_the_shared_list(app):
    sara, anna, pid, _ = setup_world(app)
    bertta = api_register(app, display_name="Bertta Berg")
    join(bertta, sara, pid)
    safety = lambda person: f'href="/people/{person.uid}/safety"'  # noqa: E731
    shared = lambda person: f'href="/processes/{pid}/people/{person.uid}/shared"'  # noqa: E731

    as_supervisor = page(sara, f"/processes/{pid}").get_data(as_text=True)
    assert safety(anna) in as_supervisor and safety(bertta) in as_supervisor
    assert safety(sara) not in as_supervisor                        # not with oneself
    assert shared(anna) in as_supervisor and shared(bertta) in as_supervisor

    as_anna = page(anna, f"/processes/{pid}").get_data(as_text=True)
    assert safety(sara) in as_anna and safety(bertta) in as_anna and safety(anna) not in as_anna
    assert shared(anna) in as_anna                                   # what she shares
    assert shared(bertta) not in as_anna                             # not another member's
