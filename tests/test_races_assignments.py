"""A supervisee marks one assignment done on one device and skipped on another at the same
moment (services/assignments.set_status: one conditional UPDATE from open): exactly one wins,
the other gets 409 status_conflict with the winner's status, and the row holds the winner's;
two "done" at once both answer 200. Many rounds, on SQLite and on PostgreSQL
(scripts/with-postgres.sh)."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from webapp.extensions import db
from webapp.models.assignments import AssignmentAssignee

from .factories import api_login, api_register, make_process
from .test_assignments_api import give_api
from .test_races import ROUNDS, race


def _two_devices(app):
    """A supervisor, her supervisee signed in on two devices, their active process."""
    sara = api_register(app, is_supervisor=True)
    anna = api_register(app)
    phone, laptop = api_login(app, anna), api_login(app, anna)
    return sara, anna, phone, laptop, make_process(sara.uid, anna.uid, status="active",
                                                   app=app)

def test_done_racing_skipped_one_wins(app, capsys):
    sara, anna, phone, laptop, pid = _two_devices(app)
    outcomes: Counter[str] = Counter()
    for _ in range(ROUNDS):
        item_id = give_api(app, sara, pid, [anna.uid])
        done, skipped = race([
            lambda i=item_id: phone.post(f"/assignments/{i}/status", {"status": "done"}),
            lambda i=item_id: laptop.post(f"/assignments/{i}/status", {"status": "skipped"})])
        assert not isinstance(done, Exception) and not isinstance(skipped, Exception)
        codes = sorted([done.status_code, skipped.status_code])
        assert codes == [200, 409], (done.get_json(), skipped.get_json())
        winner = done if done.status_code == 200 else skipped
        loser = skipped if winner is done else done
        won = winner.get_json()["status"]
        assert loser.get_json()["error"]["code"] == "status_conflict"
        assert loser.get_json()["error"]["current"] == won
        with app.app_context():
            stored = db.session.scalar(select(AssignmentAssignee.status).where(
                AssignmentAssignee.assignment_id == item_id))
        assert stored == won
        outcomes[won] += 1
    with capsys.disabled():
        print(f"\nassignment done vs skipped: {ROUNDS} rounds, {dict(outcomes)}")


def test_the_same_status_twice_at_once_both_succeed(app):
    sara, anna, phone, laptop, pid = _two_devices(app)
    for _ in range(ROUNDS):
        item_id = give_api(app, sara, pid, [anna.uid])
        first, second = race([
            lambda i=item_id: phone.post(f"/assignments/{i}/status", {"status": "done"}),
            lambda i=item_id: laptop.post(f"/assignments/{i}/status", {"status": "done"})])
        assert first.status_code == second.status_code == 200, (first.get_json(),
                                                                 second.get_json())
        assert first.get_json()["status"] == second.get_json()["status"] == "done"


def test_open_again_racing_a_mark(app, capsys):
    """A done assignment opened again on one device while the other marks it skipped: either
    the reopening came first (then both answer 200 and the row is skipped) or the mark came
    first (409 status_conflict: done cannot become skipped; the reopening answers 200 and the
    row is open). Never a lost update: the stored status is what the answers say."""
    sara, anna, phone, laptop, pid = _two_devices(app)
    outcomes: Counter[str] = Counter()
    for _ in range(ROUNDS):
        item_id = give_api(app, sara, pid, [anna.uid])
        assert phone.post(f"/assignments/{item_id}/status", {"status": "done"}
                          ).status_code == 200
        reopened, skipped = race([
            lambda i=item_id: phone.post(f"/assignments/{i}/status", {"status": "open"}),
            lambda i=item_id: laptop.post(f"/assignments/{i}/status", {"status": "skipped"})])
        assert not isinstance(reopened, Exception) and not isinstance(skipped, Exception)
        assert reopened.status_code == 200, reopened.get_json()
        with app.app_context():
            stored = db.session.scalar(select(AssignmentAssignee.status).where(
                AssignmentAssignee.assignment_id == item_id))
        if skipped.status_code == 200:
            assert stored == "skipped" and skipped.get_json()["status"] == "skipped"
            outcomes["reopened, then skipped"] += 1
        else:
            assert skipped.status_code == 409, skipped.get_json()
            assert skipped.get_json()["error"]["code"] == "status_conflict"
            assert stored == "open" and reopened.get_json()["status"] == "open"
            outcomes["skip refused, reopened"] += 1
    with capsys.disabled():
        print(f"\nassignment reopened vs skipped: {ROUNDS} rounds, {dict(outcomes)}")
