"""Service tests of the contract (webapp/services/contracts.py) and the goals
(webapp/services/goals.py): revisions written through the item PUT, edits until somebody
accepts, amendments, signed acceptances (PROTOCOL §6), draft → active, goals' order and status."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

import protocol
from webapp.extensions import db
from webapp.models import Item, Process
from webapp.models.contracts import Acceptance, ContractRevision, Goal
from webapp.services import contracts, goals
from webapp.services.errors import Conflict, Forbidden, InvalidInput, NotFound

from .factories import end_membership_row, make_process
from .test_services_items import _count, _err, _ok, delete_item, put_envelope, put_item
from .test_services_processes import Person

PAYLOAD = {"sections": {"methods": "Ratkaisukeskeinen"}, "place": "Helsinki", "lang": "fi"}


@pytest.fixture
def sara(ctx):
    return Person("sara@example.fi", supervisor=True)


@pytest.fixture
def anna(ctx):
    return Person("anna@example.fi")


@pytest.fixture
def bertta(ctx):
    return Person("bertta@example.fi")


@pytest.fixture
def pid(sara, anna) -> str:
    return make_process(sara.uid, anna.uid)


def contract_body(author: Person, item_id: str, pid: str, readers=(), *, rev: int = 1,
                  parent: str | None = None, kind: str = "contract", payload=None) -> dict:
    body = author.body(item_id, rev, kind=kind, payload=payload or PAYLOAD)
    body["process"] = pid
    if rev == 1:
        body["envelopes"] += [author.share_envelope(item_id, reader) for reader in readers]
    if parent:
        body["links"] = {"parent": parent}
    return body


def write(author: Person, pid: str, readers=(), **kw) -> str:
    item_id = kw.pop("item_id", None) or str(uuid.uuid4())
    _ok(put_item, author.user, item_id, contract_body(author, item_id, pid, readers, **kw))
    return item_id


def signature(person: Person, item_id: str, rev: int | None = None) -> tuple[int, str]:
    item = db.session.get(Item, item_id, populate_existing=True)
    rev = rev or item.rev
    ch = protocol.b64u_encode(protocol.content_hash(item.sealed))
    return rev, protocol.sign_text(person.account.ed25519_private,
                                   protocol.accept_message(item_id, rev, ch))


def accept(person: Person, item_id: str):
    rev, sig = signature(person, item_id)
    return _ok(contracts.accept, person.user, item_id, rev, sig)


def status(pid: str) -> str:
    return db.session.get(Process, pid, populate_existing=True).status


# -- revisions ---------------------------------------------------------------------------------

def test_supervisor_writes_revision_one_sealed_to_the_members(sara, anna, pid):
    item_id = write(sara, pid, [anna])
    revision = db.session.get(ContractRevision, item_id)
    assert (revision.process_id, revision.number) == (pid, 1)
    process, views = contracts.revisions(anna.user, pid)
    assert [v.item.id for v in views] == [item_id] and views[0].envelope is not None
    assert views[0].envelope.process_id == pid


def test_a_member_who_lacks_the_envelope_sees_the_revision_waiting(sara, anna, pid):
    write(sara, pid)
    _process, views = contracts.revisions(anna.user, pid)
    assert views[0].envelope is None


def test_only_the_supervisor_writes_the_contract(sara, anna, pid):
    item_id = str(uuid.uuid4())
    _err(Forbidden, put_item, anna.user, item_id, contract_body(anna, item_id, pid),
         code="not_supervisor")
    assert _count(Item, Item.id == item_id) == 0


def test_a_contract_needs_a_process(sara):
    item_id = str(uuid.uuid4())
    body = sara.body(item_id, kind="contract", payload=PAYLOAD)
    _err(InvalidInput, put_item, sara.user, item_id, body, code="process_required")
    assert _count(Item, Item.id == item_id) == 0


def test_the_first_revision_amends_nothing(sara, pid):
    other = write(sara, make_process(sara.uid))
    item_id = str(uuid.uuid4())
    _err(InvalidInput, put_item, sara.user, item_id,
         contract_body(sara, item_id, pid, parent=other), code="bad_links")
    assert _count(ContractRevision, ContractRevision.process_id == pid) == 0


def test_the_author_edits_until_someone_accepts(sara, anna, pid):
    item_id = write(sara, pid, [anna])
    _ok(put_item, sara.user, item_id, contract_body(sara, item_id, pid, rev=2))
    accept(anna, item_id)
    _err(Conflict, put_item, sara.user, item_id, contract_body(sara, item_id, pid, rev=3),
         code="revision_accepted")
    assert db.session.get(Item, item_id, populate_existing=True).rev == 2


def test_an_edit_makes_a_new_acceptance_necessary_of_the_new_rev(sara, anna, pid):
    item_id = write(sara, pid, [anna])
    rev, sig = signature(anna, item_id)
    _ok(put_item, sara.user, item_id, contract_body(sara, item_id, pid, rev=2))
    _err(Conflict, contracts.accept, anna.user, item_id, rev, sig, code="stale_rev")
    # The old signature for the new rev does not verify either: it signed the old hash.
    _err(InvalidInput, contracts.accept, anna.user, item_id, 2, sig, code="bad_signature")
    accept(anna, item_id)
    assert db.session.scalar(select(Acceptance.rev).where(Acceptance.item_id == item_id)) == 2


def test_an_amendment_is_the_next_revision_after_an_acceptance(sara, anna, pid):
    first = write(sara, pid, [anna])
    item_id = str(uuid.uuid4())
    _err(Conflict, put_item, sara.user, item_id,
         contract_body(sara, item_id, pid, [anna], parent=first), code="revision_open")
    accept(sara, first)
    _err(Conflict, put_item, sara.user, item_id, contract_body(sara, item_id, pid, [anna]),
         code="not_newest_revision")
    second = write(sara, pid, [anna], parent=first, item_id=item_id)
    assert db.session.get(ContractRevision, second).number == 2
    _process, views = contracts.revisions(anna.user, pid)
    assert [v.item.id for v in views] == [second, first]
    assert [v.item.parent_id for v in views] == [first, None]
    # The earlier revision cannot be accepted any more; the newest can.
    _err(Conflict, contracts.accept, anna.user, first, *signature(anna, first),
         code="not_newest_revision")
    accept(anna, second)


def test_a_revision_is_never_deleted(sara, pid):
    item_id = write(sara, pid)
    _err(Conflict, delete_item, sara.user, item_id, code="contract_kept")
    assert db.session.get(ContractRevision, item_id) is not None


# -- acceptances -------------------------------------------------------------------------------

def test_every_member_accepting_makes_the_process_active(sara, anna, pid):
    item_id = write(sara, pid, [anna])
    acceptance, created = accept(anna, item_id)
    assert created and acceptance.content_hash == protocol.b64u_encode(
        protocol.content_hash(db.session.get(Item, item_id).sealed))
    assert status(pid) == "draft"
    accept(sara, item_id)
    process = db.session.get(Process, pid, populate_existing=True)
    assert process.status == "active" and process.activated_at is not None
    assert [a.user_uid for a in contracts.acceptances(anna.user, item_id)] == [anna.uid, sara.uid]


def test_accepting_again_answers_with_the_stored_acceptance(sara, anna, pid):
    item_id = write(sara, pid, [anna])
    first, _ = accept(anna, item_id)
    again, created = accept(anna, item_id)
    assert not created and again.id == first.id
    assert _count(Acceptance, Acceptance.item_id == item_id) == 1


def test_a_signature_by_another_key_is_refused(sara, anna, pid):
    item_id = write(sara, pid, [anna])
    rev, sig = signature(sara, item_id)              # sara's signature sent as anna's
    _err(InvalidInput, contracts.accept, anna.user, item_id, rev, sig, code="bad_signature")
    _err(InvalidInput, contracts.accept, anna.user, item_id, rev, "x" * 86, code="bad_base64")
    assert _count(Acceptance) == 0


def test_a_stranger_or_former_member_cannot_accept(sara, anna, bertta, pid):
    item_id = write(sara, pid, [anna])
    _err(NotFound, contracts.accept, bertta.user, item_id, *signature(bertta, item_id))
    end_membership_row(pid, anna.uid)
    _err(NotFound, contracts.accept, anna.user, item_id, *signature(anna, item_id),
         code="process_not_found")
    _err(NotFound, contracts.revisions, anna.user, pid, code="process_not_found")
    assert _count(Acceptance) == 0


def test_an_ended_process_accepts_nothing(sara, anna, pid):
    item_id = write(sara, pid, [anna])
    db.session.get(Process, pid).status = "ended"
    db.session.commit()
    _err(Conflict, contracts.accept, anna.user, item_id, *signature(anna, item_id),
         code="process_ended")


def test_only_contract_items_are_accepted(sara, anna, pid):
    entry = sara.entry(pid)
    _err(NotFound, contracts.accept, sara.user, entry, *signature(sara, entry),
         code="not_a_contract")


def test_a_group_waits_for_every_member_even_one_who_joined_later(sara, anna, bertta):
    pid = make_process(sara.uid, anna.uid, form="group")
    item_id = write(sara, pid, [anna])
    accept(sara, item_id)
    from webapp.models import Membership
    db.session.add(Membership(process_id=pid, user_uid=bertta.uid, role="supervisee"))
    db.session.commit()
    accept(anna, item_id)
    assert status(pid) == "draft"
    _err(NotFound, contracts.accept, bertta.user, item_id, *signature(bertta, item_id))
    _ok(put_envelope, sara.user, item_id, bertta.uid,
        {"envelope": sara.share_envelope(item_id, bertta), "process": pid})
    accept(bertta, item_id)
    assert status(pid) == "active"


def test_an_active_process_stays_active_through_an_amendment(sara, anna, pid):
    first = write(sara, pid, [anna])
    accept(anna, first)
    accept(sara, first)
    second = write(sara, pid, [anna], parent=first)
    accept(anna, second)
    assert status(pid) == "active"


# -- goals -------------------------------------------------------------------------------------

def add_goal(author: Person, pid: str, readers=()) -> str:
    return write(author, pid, readers, kind="goal", payload={"text": "Tavoite"})


def test_goals_keep_their_order_and_status(sara, anna, pid):
    ids = [add_goal(sara, pid, [anna]) for _ in range(3)]
    assert [g.position for g, _i, _e in goals.goals_of(anna.user, pid)] == [1, 2, 3]
    assert all(env is not None for _g, _i, env in goals.goals_of(anna.user, pid))
    _ok(goals.reorder, sara.user, pid, [ids[2], ids[0], ids[1]])
    assert [i.id for _g, i, _e in goals.goals_of(anna.user, pid)] == [ids[2], ids[0], ids[1]]
    goal = _ok(goals.set_status, sara.user, pid, ids[0], "achieved")
    assert goal.status == "achieved" and goal.status_changed_at is not None
    _ok(goals.set_status, sara.user, pid, ids[0], "open")
    _ok(goals.set_status, sara.user, pid, ids[1], "dropped")
    assert [g.status for g, _i, _e in goals.goals_of(sara.user, pid)] == [
        "open", "open", "dropped"]


def test_a_goals_words_are_edited_as_its_item(sara, pid):
    goal = add_goal(sara, pid)
    _ok(put_item, sara.user, goal, contract_body(sara, goal, pid, rev=2, kind="goal",
                                                 payload={"text": "Uusi"}))
    assert db.session.get(Item, goal, populate_existing=True).rev == 2


def test_only_the_supervisor_changes_goals(sara, anna, bertta, pid):
    goal = add_goal(sara, pid, [anna])
    item_id = str(uuid.uuid4())
    _err(Forbidden, put_item, anna.user, item_id,
         contract_body(anna, item_id, pid, kind="goal", payload={"text": "x"}),
         code="not_supervisor")
    _err(Forbidden, goals.set_status, anna.user, pid, goal, "achieved", code="not_supervisor")
    _err(Forbidden, goals.reorder, anna.user, pid, [goal], code="not_supervisor")
    _err(NotFound, goals.set_status, bertta.user, pid, goal, "achieved",
         code="process_not_found")
    _err(NotFound, goals.goals_of, bertta.user, pid, code="process_not_found")
    assert db.session.get(Goal, goal).status == "open"


def test_bad_orders_and_unknown_goals_are_refused(sara, pid):
    a, b = add_goal(sara, pid), add_goal(sara, pid)
    _err(InvalidInput, goals.reorder, sara.user, pid, [a], code="bad_order")
    _err(InvalidInput, goals.reorder, sara.user, pid, [a, a], code="bad_order")
    _err(InvalidInput, goals.reorder, sara.user, pid, [a, b, str(uuid.uuid4())],
         code="bad_order")
    other = add_goal(sara, make_process(sara.uid))
    _err(NotFound, goals.set_status, sara.user, pid, other, "achieved", code="goal_not_found")
    _err(InvalidInput, goals.set_status, sara.user, pid, a, "done", code="bad_status")


def test_an_ended_process_keeps_its_goals_as_they_were(sara, pid):
    goal = add_goal(sara, pid)
    db.session.get(Process, pid).status = "ended"
    db.session.commit()
    _err(Conflict, goals.set_status, sara.user, pid, goal, "achieved", code="process_ended")
    _err(Conflict, goals.reorder, sara.user, pid, [goal], code="process_ended")
    _err(Conflict, put_item, sara.user, goal, contract_body(sara, goal, pid, rev=2, kind="goal",
                                                            payload={"text": "x"}),
         code="process_ended")


def test_deleting_a_goal_item_removes_its_row(sara, pid):
    goal = add_goal(sara, pid)
    _ok(delete_item, sara.user, goal)
    assert db.session.get(Goal, goal) is None


def test_a_member_who_joins_later_is_owed_the_contract_and_goals(sara, anna, bertta, pid):
    """The supervisor's client shares the contract's revisions and the goals with members
    who lack them (process-sync: MEMBER_KINDS), as it does the process's name."""
    from webapp.models import Membership
    from webapp.processes import queries
    contract = write(sara, pid, [anna])
    goal = add_goal(sara, pid, [anna])
    assert queries.shares_due(sara.uid) == []
    db.session.add(Membership(process_id=pid, user_uid=bertta.uid, role="supervisee"))
    db.session.commit()
    due = {(item, uid) for item, _pid, uid in queries.shares_due(sara.uid)}
    assert due == {(contract, bertta.uid), (goal, bertta.uid)}
    _process, views = contracts.revisions(bertta.user, pid)
    assert views[0].envelope is None                    # "waiting for your supervisor"


def test_the_supervisors_own_acceptance_starts_nothing_before_anyone_has_joined(sara, anna):
    """The supervisor writes and accepts the contract of a process nobody has joined yet:
    it stays a draft (found by exploratory testing: it became 'running' with nobody in it);
    the supervisee who joins then accepts, and it starts."""
    from webapp.models import Membership
    pid = make_process(sara.uid)
    item_id = write(sara, pid)
    accept(sara, item_id)
    assert status(pid) == "draft"
    db.session.add(Membership(process_id=pid, user_uid=anna.uid, role="supervisee"))
    db.session.commit()
    _ok(put_envelope, sara.user, item_id, anna.uid,
        {"envelope": sara.share_envelope(item_id, anna), "process": pid})
    accept(anna, item_id)
    assert status(pid) == "active"
