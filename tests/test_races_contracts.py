"""Races of the contract (issue 9): members accepting one revision at the same moment, and the
supervisor's edit racing an acceptance. Threads are released together through a barrier for
many rounds; run on SQLite (default) and PostgreSQL (`scripts/with-postgres.sh`)."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Process
from webapp.models.contracts import Acceptance, Goal

from .factories import api_register, make_process
from .test_contracts_api import acceptance, put, sealed_body
from .test_races import _status, db_name, race

ROUNDS = 15


def test_members_accepting_at_once_activate_the_process_exactly_once(app, capsys):
    """A group process: the supervisor and four supervisees accept the contract together.
    Every acceptance is kept (five 201s), and the process becomes active exactly once, with
    the time of the last acceptance."""
    totals: Counter[int] = Counter()
    for _ in range(ROUNDS):
        sara = api_register(app, is_supervisor=True)
        members = [api_register(app) for _ in range(4)]
        pid = make_process(sara.uid, *(m.uid for m in members), form="group", app=app)
        contract = put(sara, "contract", {"sections": {}, "place": "", "lang": "fi"}, pid,
                       members)
        people = [sara, *members]
        bodies = [acceptance(p, contract) for p in people]
        answers = race([lambda p=p, b=b, c=contract: p.post(f"/items/{c}/acceptances", b)
                        for p, b in zip(people, bodies, strict=True)])
        statuses = [_status(a) for a in answers]
        totals.update(statuses)
        assert statuses == [201] * len(people), statuses
        with app.app_context():
            process = db.session.get(Process, pid)
            assert process.status == "active" and process.activated_at is not None
            kept = db.session.scalar(select(func.count()).select_from(Acceptance).where(
                Acceptance.item_id == contract))
            last = db.session.scalar(select(func.max(Acceptance.created_at)).where(
                Acceptance.item_id == contract))
            assert kept == len(people)
            assert process.activated_at >= last
    print(f"\nrace acceptances [{db_name(app)}]: {ROUNDS} rounds × 5 members: {dict(totals)}")


def test_two_members_accepting_at_once_both_kept_one_activation(app):
    """The brief's case exactly: an individual process, both sides accept together."""
    for _ in range(ROUNDS):
        sara, anna = api_register(app, is_supervisor=True), api_register(app)
        pid = make_process(sara.uid, anna.uid, app=app)
        contract = put(sara, "contract", {"sections": {}, "place": "", "lang": "fi"}, pid,
                       [anna])
        bodies = [acceptance(sara, contract), acceptance(anna, contract)]
        path = f"/items/{contract}/acceptances"
        answers = race([lambda p=path, s=sara, b=bodies[0]: s.post(p, b),
                        lambda p=path, a=anna, b=bodies[1]: a.post(p, b)])
        assert [_status(a) for a in answers] == [201, 201]
        data = anna.get(f"/processes/{pid}/contract").get_json()
        assert data["status"] == "active"
        assert len(data["revisions"][0]["acceptances"]) == 2


def test_an_edit_racing_an_acceptance_comes_out_one_way(app, capsys):
    """The supervisor saves rev 2 while the supervisee accepts rev 1. Either the edit wins
    (200) and the acceptance of rev 1 is refused (409 stale_rev), or the acceptance wins
    (201) and the edit is refused (409 revision_accepted). Never both, never neither."""
    outcomes: Counter[str] = Counter()
    for _ in range(ROUNDS * 2):
        sara, anna = api_register(app, is_supervisor=True), api_register(app)
        pid = make_process(sara.uid, anna.uid, app=app)
        payload = {"sections": {"methods": "x"}, "place": "", "lang": "fi"}
        contract = put(sara, "contract", payload, pid, [anna])
        _, edit = sealed_body(sara, "contract", payload | {"place": "y"}, pid,
                              item_id=contract, rev=2)
        accept = acceptance(anna, contract)
        answers = race([lambda s=sara, c=contract, e=edit: s.put(f"/items/{c}", e),
                        lambda a=anna, c=contract, b=accept: a.post(f"/items/{c}/acceptances",
                                                                      b)])
        edited, accepted = (_status(a) for a in answers)
        codes = [a.get_json().get("error", {}).get("code") for a in answers]
        stored = anna.get(f"/items/{contract}").get_json()
        acceptances = anna.get(f"/items/{contract}/acceptances").get_json()["acceptances"]
        if edited == 200:
            assert (accepted, codes[1]) == (409, "stale_rev"), (edited, accepted, codes)
            assert stored["rev"] == 2 and acceptances == []
            outcomes["edit first"] += 1
        else:
            assert (edited, codes[0], accepted) == (409, "revision_accepted", 201), codes
            assert stored["rev"] == 1 and [a["rev"] for a in acceptances] == [1]
            outcomes["acceptance first"] += 1
    print(f"\nrace edit/accept [{db_name(app)}]: {dict(outcomes)}")


def test_two_first_revisions_at_once_one_is_kept(app, capsys):
    """The supervisor's two devices each send a first contract revision at the same moment
    (a replayed outbox, say): one is revision 1 (201), the other is told it amends nothing
    newer (409 not_newest_revision), never a failed transaction; and her devices may give
    assignments and add goals at once (distinct positions). Every write checks the members
    under the process's shared lock and queues on the supervisor's membership row
    (processes.queue_supervisor_writes), so PostgreSQL never has two writers upgrading one
    shared lock (a deadlock)."""
    from .factories import api_login
    from .test_assignments_api import assignment_put

    totals: Counter[int] = Counter()
    for _ in range(ROUNDS):
        sara = api_register(app, is_supervisor=True)
        anna = api_register(app)
        other = api_login(app, sara)
        pid = make_process(sara.uid, anna.uid, status="active", app=app)
        bodies = [sealed_body(device, "contract", {"sections": {}, "place": "", "lang": "fi"},
                              pid, [anna]) for device in (sara, other)]
        answers = race([lambda d=d, b=b: d.put(f"/items/{b[0]}", b[1])
                        for d, b in zip((sara, other), bodies, strict=True)])
        statuses = sorted(_status(a) for a in answers)
        totals.update(statuses)
        assert statuses == [201, 409], [a.get_json() for a in answers]
        codes = {a.get_json()["error"]["code"] for a in answers if a.status_code == 409}
        assert codes == {"not_newest_revision"}
        given = [assignment_put(app, device, pid, [anna.uid]) for device in (sara, other)]
        answers = race([lambda d=d, g=g: d.put(f"/assignments/{g[0]}", g[1])
                        for d, g in zip((sara, other), given, strict=True)])
        assert [_status(a) for a in answers] == [201, 201], [a.get_json() for a in answers]
        goals = [sealed_body(device, "goal", {"text": "Tavoite"}, pid, [anna])
                 for device in (sara, other)]
        answers = race([lambda d=d, g=g: d.put(f"/items/{g[0]}", g[1])
                        for d, g in zip((sara, other), goals, strict=True)])
        assert [_status(a) for a in answers] == [201, 201], [a.get_json() for a in answers]
        with app.app_context():
            positions = db.session.scalars(select(Goal.position).where(Goal.process_id == pid))
            assert sorted(positions) == [1, 2]
    print(f"\nrace first revisions [{db_name(app)}]: {ROUNDS} rounds: {dict(totals)}")
