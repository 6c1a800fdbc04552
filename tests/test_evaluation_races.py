"""Races of evaluations (issue 10): the members accepting one evaluation at the same moment
(every acceptance kept, accepted_at set exactly once, after the last), the supervisor's edit
racing an acceptance (one way or the other, never both), two evaluations written for one date
at once (one row), and two cadence changes from one value (one wins). Threads are released
together through a barrier for many rounds; run on SQLite (default) and PostgreSQL
(`scripts/with-postgres.sh`)."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Process
from webapp.models.contracts import Acceptance
from webapp.models.evaluations import Evaluation

from .factories import api_register
from .test_contracts_api import acceptance, sealed_body
from .test_evaluations_api import TODAY, payload, running, write
from .test_races import _status, db_name, race

ROUNDS = 12


def test_members_accepting_at_once_make_it_accepted_exactly_once(app, capsys):
    """A group: the supervisor and three supervisees accept together. Every acceptance is
    kept (four 201s) and accepted_at is set, no earlier than the last acceptance."""
    totals: Counter[int] = Counter()
    for _ in range(ROUNDS):
        sara = api_register(app, is_supervisor=True)
        members = [api_register(app) for _ in range(3)]
        pid = running(app, sara, *members)
        evaluation = write(sara, pid, members)
        people = [sara, *members]
        bodies = [acceptance(p, evaluation) for p in people]
        answers = race([lambda p=p, b=b, e=evaluation: p.post(f"/items/{e}/acceptances", b)
                        for p, b in zip(people, bodies, strict=True)])
        statuses = [_status(a) for a in answers]
        totals.update(statuses)
        assert statuses == [201] * len(people), [a.get_json() for a in answers]
        with app.app_context():
            row = db.session.get(Evaluation, evaluation)
            kept = db.session.scalar(select(func.count()).select_from(Acceptance).where(
                Acceptance.item_id == evaluation))
            last = db.session.scalar(select(func.max(Acceptance.created_at)).where(
                Acceptance.item_id == evaluation))
            assert kept == len(people)
            assert row.accepted_at is not None and row.accepted_at >= last
    print(f"\nrace evaluation acceptances [{db_name(app)}]: {dict(totals)}")


def test_an_edit_racing_an_acceptance_comes_out_one_way(app, capsys):
    """The supervisor saves rev 2 while the supervisee accepts rev 1: either the edit wins
    (200) and the acceptance is refused (409 stale_rev), or the acceptance wins (201) and the
    edit is refused (409 evaluation_accepted)."""
    outcomes: Counter[str] = Counter()
    for _ in range(ROUNDS * 2):
        sara, anna = api_register(app, is_supervisor=True), api_register(app)
        pid = running(app, sara, anna)
        evaluation = write(sara, pid, [anna])
        _, edit = sealed_body(sara, "evaluation", payload(text="toinen"), pid,
                              item_id=evaluation, rev=2)
        accept = acceptance(anna, evaluation)
        answers = race([lambda s=sara, e=evaluation, b=edit: s.put(f"/evaluations/{e}",
                                                                    {"item": b}),
                        lambda a=anna, e=evaluation, b=accept: a.post(
                            f"/items/{e}/acceptances", b)])
        edited, accepted = (_status(a) for a in answers)
        codes = [a.get_json().get("error", {}).get("code") for a in answers]
        stored = anna.get(f"/evaluations/{evaluation}").get_json()
        if edited == 200:
            assert (accepted, codes[1]) == (409, "stale_rev"), (edited, accepted, codes)
            assert stored["rev"] == 2 and stored["acceptances"] == []
            outcomes["edit first"] += 1
        else:
            assert (edited, codes[0], accepted) == (409, "evaluation_accepted", 201), codes
            assert stored["rev"] == 1 and [a["rev"] for a in stored["acceptances"]] == [1]
            outcomes["acceptance first"] += 1
    print(f"\nrace evaluation edit/accept [{db_name(app)}]: {dict(outcomes)}")


def test_two_evaluations_without_a_date_at_once_take_two_dates(app):
    """Without a date each takes the earliest one without an evaluation, under the process's
    lock: two at once get two dates, never the same one twice."""
    for _ in range(ROUNDS):
        sara, anna = api_register(app, is_supervisor=True), api_register(app)
        pid = running(app, sara, anna)
        bodies = [sealed_body(sara, "evaluation", payload(), pid, [anna]) for _ in range(2)]
        answers = race([lambda s=sara, i=i, b=b: s.put(f"/evaluations/{i}", {"item": b})
                        for i, b in bodies])
        assert [_status(a) for a in answers] == [201, 201]
        assert len({a.get_json()["due_on"] for a in answers}) == 2


def test_two_evaluations_for_one_date_at_once_make_one(app):
    """Two devices of the supervisor write different evaluations for the same date: one is
    created (201), the other refused (409 evaluation_exists naming it); one row."""
    due_on = (TODAY + timedelta(days=3)).isoformat()       # running(): due in three days
    for _ in range(ROUNDS):
        sara, anna = api_register(app, is_supervisor=True), api_register(app)
        pid = running(app, sara, anna)
        bodies = [sealed_body(sara, "evaluation", payload(), pid, [anna]) for _ in range(2)]
        answers = race([lambda s=sara, i=i, b=b: s.put(f"/evaluations/{i}", {
            "item": b, "due_on": due_on}) for i, b in bodies])
        statuses = sorted(_status(a) for a in answers)
        assert statuses == [201, 409], [a.get_json() for a in answers]
        winner = next(a for a in answers if a.status_code == 201).get_json()["item"]
        loser = next(a for a in answers if a.status_code == 409).get_json()["error"]
        assert loser["code"] == "evaluation_exists" and loser["evaluation"] == winner
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Evaluation).where(
                Evaluation.process_id == pid)) == 1


def test_two_cadence_changes_from_one_value_one_wins(app):
    for _ in range(ROUNDS):
        sara, anna = api_register(app, is_supervisor=True), api_register(app)
        pid = running(app, sara, anna)
        answers = race([lambda m=m, s=sara, p=pid: s.put(f"/processes/{p}/evaluation-cadence",
                                                         {"months": m, "previous": 6})
                        for m in (3, 4)])
        statuses = sorted(_status(a) for a in answers)
        assert statuses == [200, 409], [a.get_json() for a in answers]
        won = next(a for a in answers if a.status_code == 200).get_json()["evaluation_months"]
        lost = next(a for a in answers if a.status_code == 409).get_json()["error"]
        assert lost["code"] == "cadence_changed" and lost["months"] == won
        with app.app_context():
            assert db.session.get(Process, pid).evaluation_months == won
