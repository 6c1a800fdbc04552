"""An ended process is archived read-only: every route that writes to a process, for every
kind, is refused once it has ended (409 `process_ended`, or the refusal that route gives for
an ended process: a share through it is 403, a used-up invite 404) and changes nothing in the
database. The process is the demo's whole process (name, contract, goals, sessions, a note,
shared entries, assignments and an answer, check-ins, topics, an agenda) plus an evaluation
Anna has not accepted yet, built through the services, then ended by its supervisor."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from webapp.extensions import db
from webapp.models import Goal, Item, Process, SupervisionSession, User
from webapp.models.agendas import Agenda, AgendaEntry
from webapp.models.assignments import AssignmentAssignee
from webapp.schemas import parse
from webapp.schemas.items import ItemWrite
from webapp.services import demo_processes, evaluations, processes, retention

from .factories import api_register, csrf_from, share_body, snapshot

API = "/api/v1"


@dataclass
class World:
    sara: object
    anna: object
    pid: str
    ids: dict


def build(app) -> World:
    sara = api_register(app, "sara@example.fi", display_name="Sara", is_supervisor=True)
    anna = api_register(app, "anna@example.fi", display_name="Anna")
    entries = [anna.write(f"Merkintä {n}") for n in range(2)]
    with app.app_context():
        sup = demo_processes.Keys(db.session.get(User, sara.uid), sara.account)
        see = demo_processes.Keys(db.session.get(User, anna.uid), anna.account)
        for item_id in entries:              # the API wrote them with Anna's own DEKs
            see.deks[item_id] = anna.deks[item_id]
        pid = demo_processes.seed_process(sup, see, "Nimi", "Tampere", entries)
        db.session.execute(update(Process).where(Process.id == pid).values(
            starts_on=retention.local_day() - timedelta(days=200)))
        evaluation, body = sara.seal({"goals": {}, "summary": "Arvio"}, kind="evaluation")
        body["process"] = pid
        body["envelopes"].append(share_body(sara, evaluation, anna.uid))
        evaluations.write(db.session.get(User, sara.uid), evaluation, parse(ItemWrite, body))
        invite, token = processes.create_invite(db.session.get(User, sara.uid), pid)
        db.session.commit()
        ids = {
            "entries": entries, "evaluation": evaluation, "invite": invite.id, "token": token,
            "goals": list(db.session.scalars(select(Goal.item_id).where(Goal.process_id == pid)
                                             .order_by(Goal.position))),
            "planned": db.session.scalar(select(SupervisionSession.id).where(
                SupervisionSession.process_id == pid, SupervisionSession.status == "planned")
                .order_by(SupervisionSession.starts_at)),
            "agenda": db.session.scalar(select(Agenda).where(Agenda.process_id == pid)),
            "assignment": db.session.scalar(select(AssignmentAssignee.assignment_id).where(
                AssignmentAssignee.process_id == pid, AssignmentAssignee.status == "open")),
            "held": demo_processes.held_session(pid).id,
        }
        agenda = ids.pop("agenda")
        ids["agenda_session"], ids["agenda_version"] = agenda.session_id, agenda.version
        ids["line"] = db.session.scalar(select(AgendaEntry.id).where(
            AgendaEntry.session_id == agenda.session_id))
        of_kind = {kind: item_id for item_id, kind in db.session.execute(
            select(Item.id, Item.kind).where(Item.process_id == pid))}
        ids.update({f"item_{kind}": item_id for kind, item_id in of_kind.items()})
        db.session.remove()
    sara.deks.update(sup.deks)
    anna.deks.update(see.deks)
    assert sara.post(f"/processes/{pid}/end").status_code == 200
    return World(sara, anna, pid, ids)


def new_item(w: World, who: str, kind: str, payload: dict, links: dict | None = None):
    person = getattr(w, who)
    item_id, body = person.seal(payload, kind=kind)
    body["process"] = w.pid
    if links:
        body["links"] = links
    return person.put(f"/items/{item_id}", body)


def update_item(w: World, who: str, item_id: str, payload: dict):
    person = getattr(w, who)
    with person_app(w).app_context():
        item = db.session.get(Item, item_id)
        kind, rev = item.kind, item.rev
    _, body = person.seal(payload, kind=kind, item_id=item_id, rev=rev + 1)
    return person.put(f"/items/{item_id}", body)


_APP: list = []


def person_app(_w: World):
    return _APP[0]


def form_post(w: World, who: str, path: str, data: dict):
    person = getattr(w, who)
    csrf = csrf_from(person.client.get("/account/").get_data(as_text=True))
    return person.client.post(path, data=dict(data, csrf_token=csrf))


#: name -> (request, expected status, expected code or None)
CASES: dict[str, tuple[Callable[[World], object], int, str | None]] = {
    # the process and its schedule
    "frame": (lambda w: w.sara.patch(f"/processes/{w.pid}", {"session_count": 2}),
              409, "process_ended"),
    "invite": (lambda w: w.sara.post(f"/processes/{w.pid}/invites", {}), 409, "process_ended"),
    "invite email": (lambda w: w.sara.post(
        f"/processes/{w.pid}/invites/{w.ids['invite']}/email",
        {"email": "x@example.fi", "link": f"http://localhost/join/{w.ids['token']}"}),
        409, None),
    "accept invite": (lambda w: api_register(_APP[0], "new@example.fi").post(
        f"/invites/{w.ids['token']}/accept"), 404, "invite_not_found"),
    "add session": (lambda w: w.sara.post(f"/processes/{w.pid}/sessions", {
        "date": "2027-03-10", "time": "17:00"}), 409, "process_ended"),
    "generate": (lambda w: w.sara.post(f"/processes/{w.pid}/sessions/generate", {
        "date": "2027-03-10", "time": "17:00"}), 409, None),
    "cancel session": (lambda w: w.sara.patch(f"/sessions/{w.ids['planned']}", {
        "status": "cancelled", "cancel_reason": "other"}), 409, "process_ended"),
    "mark held": (lambda w: w.sara.patch(f"/sessions/{w.ids['planned']}", {"status": "held"}),
                  409, "process_ended"),
    # the agenda
    "agenda": (lambda w: w.sara.put(f"/sessions/{w.ids['agenda_session']}/agenda", {
        "version": w.ids["agenda_version"], "lines": []}), 409, "process_ended"),
    "agenda share": (lambda w: w.sara.post(f"/sessions/{w.ids['agenda_session']}/agenda/share"),
                     409, "process_ended"),
    "agenda tick": (lambda w: w.sara.post(f"/sessions/{w.ids['agenda_session']}/agenda/ticks",
                                          {"line": w.ids["line"], "done": True}),
                    409, "process_ended"),
    # goals, check-ins, evaluations
    "goal status": (lambda w: w.sara.patch(f"/processes/{w.pid}/goals/{w.ids['goals'][0]}",
                                           {"status": "achieved"}), 409, "process_ended"),
    "goal order": (lambda w: w.sara.put(f"/processes/{w.pid}/goals/order",
                                        {"items": list(reversed(w.ids["goals"]))}),
                   409, "process_ended"),
    "checkin sharing": (lambda w: w.anna.put(
        f"/processes/{w.pid}/goals/{w.ids['goals'][0]}/checkin-sharing", {"shared": True}),
        409, "process_ended"),
    "cadence": (lambda w: w.sara.put(f"/processes/{w.pid}/evaluation-cadence",
                                     {"months": 4, "previous": 6}), 409, "process_ended"),
    "cadence form": (lambda w: form_post(w, "sara", f"/processes/{w.pid}/evaluations/cadence",
                                         {"months": "4", "previous": "6"}), 409, None),
    "accept evaluation": (lambda w: w.anna.post(
        f"/items/{w.ids['evaluation']}/acceptances",
        {"rev": 1, "sig": "A" * 86}), 409, "process_ended"),
    "new evaluation": (lambda w: w.sara.put(f"/evaluations/{uuid.uuid4()}", {
        "item": w.sara.seal({"goals": {}, "summary": "x"}, kind="evaluation")[1]
        | {"process": w.pid}}), 409, "process_ended"),
    # assignments
    "give assignment": (lambda w: w.sara.put(f"/assignments/{uuid.uuid4()}", {
        "item": w.sara.seal({"title": "x"}, kind="assignment")[1] | {"process": w.pid}}),
        409, "process_ended"),
    "assignment status": (lambda w: w.anna.post(f"/assignments/{w.ids['assignment']}/status",
                                                {"status": "done"}), 409, "process_ended"),
    # a share through the process
    "share entry": (lambda w: w.anna.put(
        f"/items/{w.ids['entries'][0]}/envelopes/{w.sara.uid}",
        {"envelope": share_body(w.anna, w.ids["entries"][0], w.sara.uid, _APP[0]),
         "process": w.pid}), 403, "not_shared_process"),
    # deleting an item of the process
    "delete note": (lambda w: w.sara.delete(f"/items/{w.ids['item_note']}"),
                    409, "process_ended"),
    "delete topic": (lambda w: w.anna.delete(f"/items/{w.ids['item_topic']}"),
                     409, "process_ended"),
}
# a new item of every kind that lives in a process, by the member who would write it
for _kind, _who, _payload, _link in (
        ("title", "sara", {"title": "x"}, None), ("note", "sara", {"body": "x"}, None),
        ("goal", "sara", {"text": "x"}, None),
        ("contract", "sara", {"sections": {}, "lang": "fi"}, None),
        ("summary", "sara", {"body": "x"}, "held"),
        ("agenda", "sara", {"lines": {}}, "held"),
        ("assignment", "sara", {"title": "x"}, None),
        ("evaluation", "sara", {"goals": {}, "summary": "x"}, None),
        ("checkin", "anna", {"value": 5, "note": ""}, "goal"),
        ("topic", "anna", {"text": "x"}, None), ("response", "anna", {"body": "x"}, "parent"),
        ("entry", "anna", {"title": "x", "body": "y"}, None)):
    def _new(w, kind=_kind, who=_who, payload=_payload, link=_link):
        links = {"held": lambda: {"session": w.ids["held"]},
                 "goal": lambda: {"goal": w.ids["goals"][0]},
                 "parent": lambda: {"parent": w.ids["assignment"]}}.get(link, lambda: None)()
        return new_item(w, who, kind, payload, links)
    CASES[f"new {_kind}"] = (_new, 409, "process_ended")
# an update of every kind of item in the process, by its author
for _kind, _who, _payload in (
        ("title", "sara", {"title": "y"}), ("note", "sara", {"body": "y"}),
        ("goal", "sara", {"text": "y"}), ("contract", "sara", {"sections": {}, "lang": "fi"}),
        ("agenda", "sara", {"lines": {}}), ("assignment", "sara", {"title": "y"}),
        ("evaluation", "sara", {"goals": {}, "summary": "y"}),
        ("checkin", "anna", {"value": 6, "note": ""}), ("topic", "anna", {"text": "y"}),
        ("response", "anna", {"body": "y"})):
    def _update(w, kind=_kind, who=_who, payload=_payload):
        item_id = w.ids["evaluation"] if kind == "evaluation" else w.ids[f"item_{kind}"]
        return update_item(w, who, item_id, payload)
    CASES[f"update {_kind}"] = (_update, 409, "process_ended")


@pytest.fixture
def world(app):
    _APP[:] = [app]
    return build(app)


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_ended_process_refuses_every_write(app, world, name):
    call, status, code = CASES[name]
    before = snapshot(app)
    response = call(world)
    assert response.status_code == status, (name, response.get_data(as_text=True)[:300])
    if code is not None:
        assert response.get_json()["error"]["code"] == code, response.get_json()
    after = snapshot(app)
    if name == "accept invite":               # the newcomer's own account was made
        after = {table: rows for table, rows in after.items()
                 if table not in ("users", "device_sessions", "audit_events")}
        before = {table: rows for table, rows in before.items() if table in after}
    assert after == before


#: Taking back stays possible after the end (PROTOCOL §5: a share is revocable): turning
#: check-in sharing off, revoking a share made through the process, leaving it. None of them
#: adds anything to the archive.
ALLOWED: dict[str, Callable[[World], object]] = {
    "checkin sharing off": lambda w: w.anna.put(
        f"/processes/{w.pid}/goals/{w.ids['goals'][0]}/checkin-sharing", {"shared": False}),
    "revoke a share": lambda w: w.anna.delete(
        f"/items/{w.ids['entries'][0]}/envelopes/{w.sara.uid}"),
    "leave": lambda w: w.anna.delete(f"/processes/{w.pid}/members/{w.anna.uid}"),
}


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_taking_back_stays_possible(app, world, name):
    response = ALLOWED[name](world)
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:300]
