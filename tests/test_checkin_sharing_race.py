"""The sharing switch of a goal's check-ins under real races (services/checkins.py): the
supervisee turns it on on one device and off on another at the same moment, while a third
device shares an earlier check-in with the supervisor and a fourth records a new shared
one. Whatever the order, the end state is consistent: one row, and when it says "off" no
envelope of that goal's check-ins is left for anyone but their author; never a 500.

Threads are released together by a barrier, for many rounds. Run on SQLite (the default)
and on PostgreSQL (`scripts/with-postgres.sh .venv/bin/python -m pytest -q <this file>`).
"""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import CheckinSharing, Envelope, Item

from .factories import add_goal, api_login, api_register, checkin_body, make_process, share_body
from .test_races import db_name, race

ROUNDS = 25


def _end_state(app, goal: str, author_uid: str) -> tuple[list[bool], list[str]]:
    with app.app_context():
        rows = list(db.session.scalars(select(CheckinSharing.shared).where(
            CheckinSharing.goal_id == goal, CheckinSharing.user_uid == author_uid)))
        others = list(db.session.scalars(
            select(Envelope.item_id).join(Item, Item.id == Envelope.item_id)
            .where(Item.goal_id == goal, Item.kind == "checkin",
                   Envelope.recipient_uid != author_uid)))
        db.session.remove()
    return rows, others


def test_on_racing_off_ends_consistent(app, capsys):
    sup = api_register(app, is_supervisor=True)
    vilma = api_register(app)
    pid = make_process(sup.uid, vilma.uid, status="active", app=app)
    goal = add_goal(sup, pid, "Tavoite", readers=(vilma.uid,), app=app)
    phones = [vilma] + [api_login(app, vilma) for _ in range(3)]
    for phone in phones[1:]:
        phone.deks = vilma.deks          # one person: every device holds her keys
    path = f"/processes/{pid}/goals/{goal}/checkin-sharing"
    totals: Counter[str] = Counter()
    finals: Counter[bool] = Counter()
    for round_no in range(ROUNDS):
        # an earlier check-in, private, to be shared during the race
        earlier, body = checkin_body(vilma, pid, goal, round_no % 11, app=app)
        assert vilma.put(f"/items/{earlier}", body).status_code == 201
        start = round_no % 2 == 0
        assert vilma.put(path, {"shared": start}).status_code == 200
        new_id, new_body = checkin_body(vilma, pid, goal, 5, share_with=sup.uid, app=app)
        share = {"envelope": share_body(vilma, earlier, sup.uid, app), "process": pid}
        calls = [
            lambda: phones[0].put(path, {"shared": True}),
            lambda: phones[1].put(path, {"shared": False}),
            lambda e=earlier, s=share: phones[2].put(f"/items/{e}/envelopes/{sup.uid}", s),
            lambda i=new_id, b=new_body: phones[3].put(f"/items/{i}", b),
        ]
        answers = race(calls if round_no % 3 else calls[1::-1] + calls[2:])
        for answer in answers:
            assert not isinstance(answer, Exception), repr(answer)
            assert answer.status_code < 500, answer.get_data(as_text=True)[:300]
            totals[str(answer.status_code)] += 1
        switches = answers[:2]
        assert all(a.status_code == 200 for a in switches)
        rows, others = _end_state(app, goal, vilma.uid)
        assert len(rows) == 1
        finals[rows[0]] += 1
        if not rows[0]:
            assert others == [], f"round {round_no}: off, but envelopes left on {others}"
        # what the server says it stores is what the supervisor can read
        readable = {i for i in (earlier, new_id)
                    if sup.get(f"/items/{i}").status_code == 200}
        assert readable == set(others) & {earlier, new_id}
        # the share and the new shared check-in were refused only because it was off
        for answer in answers[2:]:
            if answer.status_code == 409:
                assert answer.get_json()["error"]["code"] == "checkin_sharing_off"
            else:
                assert answer.status_code in (201, 204), answer.get_json()
        # start the next round from "off" with no envelopes, as the client would
        assert vilma.put(path, {"shared": False}).status_code == 200
        assert _end_state(app, goal, vilma.uid)[1] == []
    assert set(finals) <= {True, False}
    print(f"\ncheck-in sharing race [{db_name(app)}]: {ROUNDS} rounds: answers "
          f"{dict(totals)}, ended on {finals[True]} / off {finals[False]}")
