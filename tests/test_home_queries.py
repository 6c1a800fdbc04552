"""Both homes and the notes page cost a constant number of SQL queries whatever the counts
(processes, sessions, goals, shares, notes), as the listing pages do (tests/test_queries.py)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import protocol

from .factories import add_goal, add_session, api_register, make_process, note_body
from .helpers import Person
from .test_queries import count_queries


def _queries(app, person: Person, path: str, status: int = 200) -> int:
    person.client.get(path)                                  # warm up
    with count_queries(app) as statements:
        response = person.client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return len(statements)


def _share(author: Person, item_id: str, reader: Person, pid: str) -> None:
    x = protocol.b64u_decode(reader.account.registration["bundle"]["x25519"], 32)
    envelope = protocol.share_envelope(author.deks[item_id], item_id, reader.uid, x)
    assert author.put(f"/items/{item_id}/envelopes/{reader.uid}",
                      {"envelope": envelope, "process": pid, "bring": True}).status_code == 204


def _grow(app, sara: Person, anna: Person, processes: int) -> list[str]:
    """`processes` more processes of Sara's with Anna in each, every one with a name, three
    sessions, two goals, a marked share and two notes."""
    now = datetime.now(UTC)
    pids = []
    for n in range(processes):
        other = api_register(app, display_name=f"Ohjattava {n}")
        pid = make_process(sara.uid, anna.uid, other.uid, status="active", app=app)
        title, body = sara.seal({"title": f"Prosessi {n}"}, kind="title")
        assert sara.put(f"/items/{title}", body | {"process": pid}).status_code == 201
        sessions = [add_session(pid, now + timedelta(days=d + n), app=app) for d in (1, 8, 40)]
        for position in (1, 2):
            add_goal(sara, pid, f"Tavoite {position}", readers=(anna.uid,), position=position,
                     app=app)
        _share(anna, anna.write(f"Tuo {n}", "x"), sara, pid)
        for session in (None, sessions[0]):
            item_id, body = note_body(sara, pid, "muistiinpano", session=session)
            assert sara.put(f"/items/{item_id}", body).status_code == 201
        pids.append(pid)
    return pids


def test_the_homes_cost_the_same_whatever_the_counts(app):
    sara = api_register(app, display_name="Sara", is_supervisor=True)
    anna = api_register(app, display_name="Anna")
    first = _grow(app, sara, anna, 1)[0]
    paths = {"supervisor": (sara, "/home/"), "supervisee": (anna, "/home/"),
             "notes": (sara, f"/processes/{first}/notes")}
    small = {name: _queries(app, person, path) for name, (person, path) in paths.items()}
    _grow(app, sara, anna, 6)
    for n in range(5):                              # more notes in the first process
        item_id, body = note_body(sara, first, f"lisää {n}")
        assert sara.put(f"/items/{item_id}", body).status_code == 201
    large = {name: _queries(app, person, path) for name, (person, path) in paths.items()}
    assert large == small, (small, large)
    # the session user, the processes (each with whether it has a name), the names,
    # sessions, goals and marks, supervisees' names; the assignments' section (one or two)
    # and the due evaluations' (three: the processes, their last sessions, the evaluations)
    assert max(large.values()) <= 10, large


def test_the_landing_costs_one_query_or_none(app):
    sara = api_register(app, is_supervisor=True)
    anna = api_register(app)
    base = _queries(app, anna, "/api/v1/me")
    assert _queries(app, anna, "/home/start", 302) == base + 1
    assert _queries(app, sara, "/home/start", 302) == base
