"""Races that really happen: several devices send at the same moment.

Each test logs one person in on several clients (devices), then for many rounds releases one
thread per device through a barrier so the requests hit the server together. Run on SQLite
(the default) and on PostgreSQL (`scripts/with-postgres.sh`, as `make test` does). Each test
prints a line of figures (rounds, winners, 409s, 5xx) for the closing notes: run with `-s`.
"""
from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

import protocol
from webapp.extensions import db
from webapp.models import Envelope, Item, User

from .factories import (
    api_login,
    api_register,
    b64u,
    fast_account,
    item_body,
    make_process,
    new_secrets,
    unique_email,
)

DEVICES = 6
ROUNDS = 20


def race(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls in threads released together; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as exc:  # a crash is a result too: the test reports it
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _status(response) -> int:
    assert not isinstance(response, Exception), repr(response)
    return response.status_code


@pytest.fixture
def devices(app):
    person = api_register(app)
    return [person] + [api_login(app, person) for _ in range(DEVICES - 1)]


def test_concurrent_updates_of_one_rev_have_exactly_one_winner(app, devices, capsys):
    """Every device sends rev 2 (then 3, ...) at once: one 200, the rest 409 with the stored
    rev, and the stored content is the winner's."""
    person = devices[0]
    item_id = str(uuid.uuid4())
    dek = person.deks.setdefault(item_id, b"\x07" * 32)
    first = item_body(person.account, item_id, dek=dek)
    assert person.put(f"/items/{item_id}", first).status_code == 201
    totals: Counter[int] = Counter()
    for rev in range(2, ROUNDS + 2):
        bodies = [item_body(person.account, item_id, rev=rev, dek=dek, owner_envelope=False,
                            payload={"title": f"device {n} rev {rev}", "body": "", "tags": []})
                  for n in range(DEVICES)]
        answers = race([lambda d=d, b=b: d.put(f"/items/{item_id}", b)
                        for d, b in zip(devices, bodies, strict=True)])
        statuses = [_status(a) for a in answers]
        totals.update(statuses)
        assert statuses.count(200) == 1, statuses
        assert statuses.count(409) == DEVICES - 1, statuses
        winner = bodies[statuses.index(200)]
        for answer in answers:
            if answer.status_code == 409:
                assert answer.get_json()["error"]["rev"] == rev
        stored = person.get(f"/items/{item_id}").get_json()
        assert stored["rev"] == rev and stored["sealed"] == winner["sealed"]
    print(f"\nrace updates [{db_name(app)}]: {ROUNDS} rounds × {DEVICES} devices: "
          f"{totals[200]} winners, {totals[409]} × 409, "
          f"{sum(n for s, n in totals.items() if s >= 500)} × 5xx")


def test_concurrent_retries_of_one_create_all_get_the_creates_answer(app, devices):
    """The same create sent by every device at once (an outbox retrying on several tabs):
    every answer is 201 or 200 with the same item, never a 500, and one item is stored."""
    person = devices[0]
    totals: Counter[int] = Counter()
    for _ in range(ROUNDS):
        item_id = str(uuid.uuid4())
        body = item_body(person.account, item_id)
        answers = race([lambda d=d, i=item_id, b=body: d.put(f"/items/{i}", b)
                        for d in devices])
        statuses = [_status(a) for a in answers]
        totals.update(statuses)
        assert set(statuses) <= {200, 201} and 201 in statuses, statuses
        assert {a.get_json()["sealed"]["ct"] for a in answers} == {body["sealed"]["ct"]}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Item)) == ROUNDS
    print(f"\nrace creates [{db_name(app)}]: {ROUNDS} rounds × {DEVICES} devices: "
          f"{dict(totals)}")


def test_different_creates_of_one_id_have_one_winner(app, devices):
    """Two devices made different items under one id (a bug, or an attack): one 201, the
    others 409 — never two items, never a 500."""
    person = devices[0]
    for _ in range(ROUNDS):
        item_id = str(uuid.uuid4())
        bodies = [item_body(person.account, item_id,
                            payload={"title": f"device {n}", "body": "", "tags": []})
                  for n in range(DEVICES)]
        answers = race([lambda d=d, i=item_id, b=b: d.put(f"/items/{i}", b)
                        for d, b in zip(devices, bodies, strict=True)])
        statuses = [_status(a) for a in answers]
        assert statuses.count(201) == 1 and statuses.count(409) == DEVICES - 1, statuses
        winner = bodies[statuses.index(201)]
        stored = person.get(f"/items/{item_id}").get_json()
        assert stored["sealed"] == winner["sealed"]


def test_a_delete_racing_updates_leaves_a_tombstone(app, devices):
    """One device deletes while the others update: the delete wins or comes after a winning
    update; either way the id ends deleted, and later writes get 410."""
    person = devices[0]
    for _ in range(ROUNDS // 2):
        item_id = str(uuid.uuid4())
        dek = person.deks.setdefault(item_id, b"\x09" * 32)
        assert person.put(f"/items/{item_id}", item_body(person.account, item_id,
                                                          dek=dek)).status_code == 201
        updates = [item_body(person.account, item_id, rev=2, dek=dek, owner_envelope=False,
                             payload={"title": f"device {n}", "body": "", "tags": []})
                   for n in range(DEVICES)]
        update = updates[0]
        calls = [lambda i=item_id: devices[0].delete(f"/items/{i}")]
        calls += [lambda d=d, i=item_id, u=u: d.put(f"/items/{i}", u)
                  for d, u in zip(devices[1:], updates[1:], strict=True)]
        statuses = [_status(a) for a in race(calls)]
        assert statuses[0] == 204, statuses
        assert set(statuses[1:]) <= {200, 409, 410} and statuses[1:].count(200) <= 1, statuses
        late = person.put(f"/items/{item_id}", update)
        assert late.status_code == 410 and late.get_json()["error"]["code"] == "deleted"


def test_two_registrations_of_one_email_at_once(app):
    """One account per email: of simultaneous registrations one is 201, the rest 409."""
    for _ in range(ROUNDS // 2):
        email = unique_email()
        bodies = [fast_account().registration(email) for _ in range(4)]
        clients = [app.test_client() for _ in bodies]
        answers = race([lambda c=c, b=b: c.post("/api/v1/auth/register", json=b)
                        for c, b in zip(clients, bodies, strict=True)])
        statuses = [_status(a) for a in answers]
        assert statuses.count(201) == 1 and statuses.count(409) == 3, statuses
        assert {a.get_json()["error"]["code"] for a in answers if a.status_code == 409} \
            == {"email_taken"}
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(User)
                                     .where(User.email == email)) == 1


def db_name(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def _share_body(author, item_id: str, reader, process: str) -> dict:
    x = protocol.b64u_decode(reader.account.registration["bundle"]["x25519"], 32)
    return {"envelope": protocol.share_envelope(author.deks[item_id], item_id, reader.uid, x),
            "process": process}


def test_shares_and_revocations_of_one_reader_at_once(app, devices):
    """The author's devices share with one reader and revoke at the same moment: every
    answer is 204 (or 404 for a revoke that found nothing), never a 5xx, and at most one
    envelope is left for the reader."""
    person = devices[0]
    reader = api_register(app)
    pid = make_process(reader.uid, person.uid, app=app)
    totals: Counter[int] = Counter()
    for _ in range(ROUNDS // 2):
        item_id = str(uuid.uuid4())
        dek = person.deks.setdefault(item_id, uuid.uuid4().bytes * 2)
        assert person.put(f"/items/{item_id}", item_body(person.account, item_id,
                                                          dek=dek)).status_code == 201
        path = f"/items/{item_id}/envelopes/{reader.uid}"
        calls = [lambda d=d, p=path, i=item_id: d.put(p, _share_body(person, i, reader, pid))
                 for d in devices[:3]]
        calls += [lambda d=d, p=path: d.delete(p) for d in devices[3:]]
        statuses = [_status(a) for a in race(calls)]
        totals.update(statuses)
        assert statuses[:3] == [204, 204, 204], statuses
        assert set(statuses[3:]) <= {204, 404}, statuses
        with app.app_context():
            left = db.session.scalar(select(func.count()).select_from(Envelope).where(
                Envelope.item_id == item_id, Envelope.recipient_uid == reader.uid))
        assert left <= 1
        assert (reader.get(f"/items/{item_id}").status_code == 200) == (left == 1)
    print(f"\nrace shares/revokes [{db_name(app)}]: {dict(totals)}")


def test_password_changes_proven_by_one_old_password_have_one_winner(app, devices):
    """Two devices change the password at once with the same old one: one 204, the others
    401 (the old password no longer proves anything), and the winner's password works."""
    person = devices[0]
    for _ in range(3):
        news = [new_secrets(person.uid, person.account.ak) for _ in devices[:3]]
        proof = {"auth_key": b64u(person.auth_key)}
        answers = race([lambda d=d, n=n, p=proof: d.post("/auth/password",
                                                         {"proof": p, "new": n[0]})
                        for d, n in zip(devices[:3], news, strict=True)])
        statuses = [_status(a) for a in answers]
        assert statuses.count(204) == 1 and statuses.count(401) == 2, statuses
        winner = news[statuses.index(204)]
        person.auth_key = winner[1]
        devices[:] = [person] + [api_login(app, person) for _ in range(DEVICES - 1)]
        assert app.test_client().post("/api/v1/auth/login", json={
            "email": person.email, "auth_key": b64u(winner[1])}).status_code == 200


# -- supervision processes -------------------------------------------------------------------

@pytest.fixture
def supervisor(app):
    """A supervisor signed in on several devices, with a process."""
    person = api_register(app, is_supervisor=True)
    person.devices = [person] + [api_login(app, person) for _ in range(3)]
    person.pid = str(uuid.uuid4())
    assert person.post("/processes", {"id": person.pid, "form": "group"}).status_code == 201
    return person


def _invite(supervisor) -> dict:
    response = supervisor.post(f"/processes/{supervisor.pid}/invites", {})
    assert response.status_code == 201
    return response.get_json()


def _members(app, pid: str) -> list[tuple[str, bool]]:
    from webapp.models import Membership
    with app.app_context():
        return [(m.user_uid, m.ended_at is None) for m in db.session.scalars(
            select(Membership).where(Membership.process_id == pid,
                                     Membership.role == "supervisee"))]


def test_people_accepting_one_invite_at_once_one_joins(app, supervisor):
    """Several invitees open the same link at the same moment: one 200, the others 404, one
    new member, and the process's roster epoch went up once."""
    people = [api_register(app) for _ in range(4)]
    totals: Counter[int] = Counter()
    for round_ in range(ROUNDS // 2):
        token = _invite(supervisor)["token"]
        statuses = [_status(a) for a in race([
            lambda p=p, t=token: p.post(f"/invites/{t}/accept") for p in people])]
        totals.update(statuses)
        assert statuses.count(200) == 1 and statuses.count(404) == 3, statuses
        winner = people[statuses.index(200)]
        assert (winner.uid, True) in _members(app, supervisor.pid)
        assert winner.delete(f"/processes/{supervisor.pid}/members/{winner.uid}"
                             ).status_code == 204
        epoch = supervisor.get(f"/processes/{supervisor.pid}").get_json()["roster_epoch"]
        assert epoch == 1 + 2 * (round_ + 1)
    assert all(not active for _, active in _members(app, supervisor.pid))
    print(f"\nrace accepts [{db_name(app)}]: {dict(totals)}")


def test_one_person_accepting_from_several_devices_joins_once(app, supervisor, devices):
    """One invitee's devices accept one link, or two different links, at once: one 200, the
    rest 404 (the link is used) or 409 already_member; one membership, and a second link
    that lost stays open."""
    person = devices[0]
    for _ in range(ROUNDS // 4):
        token = _invite(supervisor)["token"]
        statuses = [_status(a) for a in race([
            lambda d=d, t=token: d.post(f"/invites/{t}/accept") for d in devices[:4]])]
        assert statuses.count(200) == 1 and set(statuses) <= {200, 404, 409}, statuses
        assert _members(app, supervisor.pid).count((person.uid, True)) == 1
        two = [_invite(supervisor) for _ in range(2)]
        assert person.delete(f"/processes/{supervisor.pid}/members/{person.uid}"
                             ).status_code == 204
        statuses = [_status(a) for a in race([
            lambda d=d, i=i: d.post(f"/invites/{i['token']}/accept")
            for d, i in zip(devices[:2], two, strict=True)])]
        assert sorted(statuses) == [200, 409], statuses
        states = {i["id"]: i["state"] for i in supervisor.get(
            f"/processes/{supervisor.pid}/invites").get_json()["invites"]}
        assert sorted(states[i["id"]] for i in two) == ["open", "used"]
        assert _members(app, supervisor.pid) == [(person.uid, True)]
        assert person.delete(f"/processes/{supervisor.pid}/members/{person.uid}"
                             ).status_code == 204


def test_a_share_racing_the_end_of_a_membership_leaves_no_envelope(app, supervisor):
    """The supervisor's devices share an item with a supervisee through the process while
    the supervisee leaves: shares answer 204 (before) or 403 (after), the leave 204, and no
    envelope through the process is left to the leaver (PROTOCOL §5)."""
    member = api_register(app)
    totals: Counter[int] = Counter()
    for _ in range(ROUNDS):
        assert member.post(f"/invites/{_invite(supervisor)['token']}/accept"
                           ).status_code == 200
        items = [supervisor.write() for _ in supervisor.devices[:3]]
        calls = [lambda d=d, i=i: d.put(f"/items/{i}/envelopes/{member.uid}",
                                        _share_body(supervisor, i, member, supervisor.pid))
                 for d, i in zip(supervisor.devices[:3], items, strict=True)]
        calls.append(lambda: member.delete(
            f"/processes/{supervisor.pid}/members/{member.uid}"))
        statuses = [_status(a) for a in race(calls)]
        totals.update(statuses[:3])
        assert statuses[3] == 204, statuses
        assert set(statuses[:3]) <= {204, 403}, statuses
        with app.app_context():
            left = db.session.scalar(select(func.count()).select_from(Envelope).where(
                Envelope.recipient_uid == member.uid, Envelope.process_id == supervisor.pid))
        assert left == 0, statuses
        for item_id in items:
            assert member.get(f"/items/{item_id}").status_code == 404
    print(f"\nrace shares/leaves [{db_name(app)}]: shares {dict(totals)}")


def test_a_rotation_racing_the_end_of_a_membership_cannot_bring_the_reader_back(
        app, supervisor):
    """The supervisor rotates the key of a process item keeping a supervisee while the
    supervisee is removed: the removal wins or comes after; never an envelope to a former
    member."""
    member = api_register(app)
    other = supervisor.devices[1]
    for _ in range(ROUNDS // 2):
        assert member.post(f"/invites/{_invite(supervisor)['token']}/accept"
                           ).status_code == 200
        item_id = str(uuid.uuid4())
        dek = supervisor.deks.setdefault(item_id, uuid.uuid4().bytes * 2)
        body = item_body(supervisor.account, item_id, dek=dek) | {"process": supervisor.pid}
        x = protocol.b64u_decode(member.account.registration["bundle"]["x25519"], 32)
        body["envelopes"].append(protocol.share_envelope(dek, item_id, member.uid, x))
        assert supervisor.put(f"/items/{item_id}", body).status_code == 201
        new_dek = uuid.uuid4().bytes * 2
        rotation = item_body(supervisor.account, item_id, rev=2, dek=new_dek)
        rotation["envelopes"].append(protocol.share_envelope(new_dek, item_id, member.uid, x))
        statuses = [_status(a) for a in race([
            lambda i=item_id, r=rotation: supervisor.put(f"/items/{i}", r),
            lambda: other.delete(f"/processes/{supervisor.pid}/members/{member.uid}")])]
        assert statuses[1] == 204 and statuses[0] in (200, 403), statuses
        with app.app_context():
            left = db.session.scalar(select(func.count()).select_from(Envelope).where(
                Envelope.recipient_uid == member.uid))
        assert left == 0, statuses


def test_a_revoke_racing_an_accept_has_one_outcome(app, supervisor):
    """The supervisor revokes a link while the invitee accepts it: either the revoke wins
    (204, the accept 404) or the accept does (200, the revoke 409 invite_used)."""
    invitee = api_register(app)
    outcomes: Counter[str] = Counter()
    for _ in range(ROUNDS):
        invite = _invite(supervisor)
        answers = race([
            lambda i=invite: supervisor.delete(f"/processes/{supervisor.pid}/invites/{i['id']}"),
            lambda i=invite: invitee.post(f"/invites/{i['token']}/accept")])
        statuses = [_status(a) for a in answers]
        assert statuses in ([204, 404], [409, 200]), statuses
        joined = statuses[1] == 200
        outcomes["accepted" if joined else "revoked"] += 1
        assert ((invitee.uid, True) in _members(app, supervisor.pid)) == joined
        state = {i["id"]: i["state"] for i in supervisor.get(
            f"/processes/{supervisor.pid}/invites").get_json()["invites"]}[invite["id"]]
        assert state == ("used" if joined else "revoked")
        if joined:
            assert invitee.delete(f"/processes/{supervisor.pid}/members/{invitee.uid}"
                                  ).status_code == 204
    print(f"\nrace revoke/accept [{db_name(app)}]: {dict(outcomes)}")


def test_devices_pinning_one_person_at_once_leave_one_record(app, supervisor):
    """The supervisor's devices store a pin of the same member at the same moment (two first
    pins, then a verified one racing an unverified one): every call answers, never a 500, and
    exactly one record remains, one of the records that were sent."""
    from webapp.models.pins import PinnedKey

    from .test_pins import record

    member = api_register(app)
    assert member.post(f"/invites/{_invite(supervisor)['token']}/accept").status_code == 200
    for round_ in range(ROUNDS // 4):
        bodies = [record(supervisor, member, verified=bool((round_ + n) % 2))
                  for n in range(len(supervisor.devices))]
        statuses = [_status(a) for a in race([
            lambda d=d, b=b: d.put(f"/pins/{member.uid}", b)
            for d, b in zip(supervisor.devices, bodies, strict=True)])]
        assert statuses.count(201) == 1 and set(statuses) <= {200, 201}, statuses  # one create
        with app.app_context():
            pins = db.session.scalars(select(PinnedKey).where(
                PinnedKey.owner_uid == supervisor.uid)).all()
            assert len(pins) == 1
            assert pins[0].sig in {b["sig"] for b in bodies}
            db.session.delete(pins[0])
            db.session.commit()
