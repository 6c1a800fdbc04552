"""Service tests of evaluations (webapp/services/evaluations.py): the cadence (month ends, the
final one, ended and draft processes, accepted ones no longer due), writing through the item
PUT (the supervisor only, a date of the cadence, once per date, edits until accepted) and
accepting with PROTOCOL §6 signatures (accepted when every active member has)."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

import protocol
from webapp.extensions import db
from webapp.models import Item, Process
from webapp.models.evaluations import Evaluation
from webapp.schemas import parse
from webapp.schemas.items import ItemWrite
from webapp.services import acceptances, evaluations, processes
from webapp.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from webapp.services.evaluations import add_months, cadence, due_evaluations

from .factories import add_session, make_process
from .test_services_items import _err, _ok, delete_item, put_item
from .test_services_processes import Person

TODAY = datetime.now(UTC).date()


def payload(text: str = "Auttoi") -> dict:
    return {"goals": {}, "summary": text}


@pytest.fixture
def sara(ctx):
    return Person("sara@example.fi", supervisor=True)


@pytest.fixture
def anna(ctx):
    return Person("anna@example.fi")


@pytest.fixture
def bertta(ctx):
    return Person("bertta@example.fi")


def running(sara, *members, starts_on: date | None = None, ends_on: date | None = None,
            status: str = "active", months: int = 6) -> str:
    pid = make_process(sara.uid, *(m.uid for m in members), status=status)
    process = db.session.get(Process, pid)
    process.starts_on, process.ends_on, process.evaluation_months = starts_on, ends_on, months
    db.session.commit()
    return pid


def body(author: Person, item_id: str, pid: str, readers=(), *, rev: int = 1,
         text: str = "Auttoi") -> dict:
    data = author.body(item_id, rev, kind="evaluation", payload=payload(text))
    data["process"] = pid
    if rev == 1:
        data["envelopes"] += [author.share_envelope(item_id, r) for r in readers]
    return data


def write(author: Person, pid: str, readers=(), due_on: date | None = None, **kw) -> str:
    item_id = kw.pop("item_id", None) or str(uuid.uuid4())
    data = parse(ItemWrite, body(author, item_id, pid, readers, **kw))
    if due_on is None:
        _ok(evaluations.write, author.user, item_id, data)
    else:
        _ok(evaluations.write, author.user, item_id, data, due_on)
    return item_id


def signature(person: Person, item_id: str) -> tuple[int, str]:
    item = db.session.get(Item, item_id, populate_existing=True)
    ch = protocol.b64u_encode(protocol.content_hash(item.sealed))
    return item.rev, protocol.sign_text(person.account.ed25519_private,
                                        protocol.accept_message(item_id, item.rev, ch))


def accept(person: Person, item_id: str):
    return _ok(acceptances.accept, person.user, item_id, *signature(person, item_id))


def row(item_id: str) -> Evaluation:
    return db.session.get(Evaluation, item_id, populate_existing=True)


# -- month arithmetic and the cadence -------------------------------------------------------

def test_months_keep_the_day_or_take_the_last_day_of_a_shorter_month():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)      # a leap year
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 10, 15), 6) == date(2027, 4, 15)     # over a new year
    assert add_months(date(2026, 12, 31), 12) == date(2027, 12, 31)


def test_the_cadence_counts_from_the_start_each_time_not_from_the_previous_date():
    """31 January every month: 28 February, then 31 March again (not 28 March)."""
    dates = cadence(date(2027, 1, 31), None, 1, until=date(2027, 5, 31))
    assert dates == [(date(2027, 2, 28), "interim"), (date(2027, 3, 31), "interim"),
                     (date(2027, 4, 30), "interim"), (date(2027, 5, 31), "interim")]


def test_the_final_evaluation_is_at_the_end_and_no_interim_one_falls_on_or_after_it():
    assert cadence(date(2027, 1, 15), date(2027, 12, 31), 6) == [
        (date(2027, 7, 15), "interim"), (date(2027, 12, 31), "final")]
    # an interim date on the end is the final one
    assert cadence(date(2027, 1, 1), date(2027, 7, 1), 6) == [(date(2027, 7, 1), "final")]
    # a short process (a crisis package) has only the final one
    assert cadence(date(2027, 1, 1), date(2027, 2, 1), 6) == [(date(2027, 2, 1), "final")]
    # three years every six months: five interim ones and the final
    dates = cadence(date(2027, 3, 1), date(2030, 3, 1), 6)
    assert [k for _d, k in dates] == ["interim"] * 5 + ["final"]


def test_an_open_ended_cadence_stops_where_it_is_asked_to():
    assert cadence(date(2027, 1, 1), None, 6, until=date(2027, 6, 30)) == []
    with pytest.raises(ValueError):
        cadence(date(2027, 1, 1), None, 6)


# -- what is due ---------------------------------------------------------------------------

def test_an_interim_evaluation_is_due_from_fourteen_days_before_its_date(sara, anna):
    soon = running(sara, anna, starts_on=add_months(TODAY + timedelta(days=10), -6))
    later = running(sara, anna, starts_on=add_months(TODAY + timedelta(days=20), -6))
    due = [d for d in due_evaluations(TODAY) if d.process_id in (soon, later)]
    assert [(d.process_id, d.due_on, d.kind, d.item_id) for d in due] == [
        (soon, TODAY + timedelta(days=10), "interim", None)]
    # the same for the member through `uid`, nothing for a stranger's uid
    assert [d.process_id for d in due_evaluations(TODAY, uid=anna.uid)] == [soon]
    assert due_evaluations(TODAY, uid=str(uuid.uuid4())) == []


def test_an_overdue_evaluation_stays_due_until_accepted(sara, anna):
    running(sara, anna, starts_on=add_months(TODAY - timedelta(days=3), -6))
    due = due_evaluations(TODAY, uid=anna.uid)
    assert [(d.due_on, d.kind) for d in due] == [(TODAY - timedelta(days=3), "interim")]


def test_the_final_one_is_due_at_the_end_or_the_last_session(sara, anna, bertta):
    planned = running(sara, anna, starts_on=TODAY - timedelta(days=60),
                      ends_on=TODAY + timedelta(days=7))
    by_sessions = running(sara, bertta, starts_on=TODAY - timedelta(days=60))
    add_session(by_sessions, datetime.now(UTC) + timedelta(days=5))
    add_session(by_sessions, datetime.now(UTC) + timedelta(days=12),
                status="cancelled")                       # a cancelled one is not the last
    due = {d.process_id: (d.due_on, d.kind) for d in due_evaluations(TODAY)
           if d.process_id in (planned, by_sessions)}
    assert due == {planned: (TODAY + timedelta(days=7), "final"),
                   by_sessions: ((datetime.now(UTC) + timedelta(days=5)).date(),
                                 "final")}


def test_ended_and_draft_processes_have_nothing_due(sara, anna):
    start = add_months(TODAY, -6)
    ended = running(sara, anna, starts_on=start, status="ended")
    draft = running(sara, anna, starts_on=start, status="draft")
    assert not [d for d in due_evaluations(TODAY) if d.process_id in (ended, draft)]


def test_a_written_evaluation_is_due_until_everyone_has_accepted_it(sara, anna):
    pid = running(sara, anna, starts_on=add_months(TODAY + timedelta(days=2), -6))
    item_id = write(sara, pid, [anna])
    assert row(item_id).due_on == TODAY + timedelta(days=2)
    assert row(item_id).kind == "interim"
    due = due_evaluations(TODAY, uid=anna.uid)
    assert [(d.item_id, d.due_on) for d in due] == [(item_id, TODAY + timedelta(days=2))]
    accept(sara, item_id)
    assert row(item_id).accepted_at is None
    assert due_evaluations(TODAY, uid=anna.uid)
    accept(anna, item_id)
    assert row(item_id).accepted_at is not None
    assert due_evaluations(TODAY, uid=anna.uid) == []


def test_a_shorter_cadence_brings_the_next_one_forward(sara, anna):
    pid = running(sara, anna, starts_on=add_months(TODAY, -3) + timedelta(days=5))
    assert due_evaluations(TODAY, uid=anna.uid) == []
    _ok(evaluations.set_months, sara.user, pid, 3, 6)
    assert [d.due_on for d in due_evaluations(TODAY, uid=anna.uid)] == [
        TODAY + timedelta(days=5)]


def test_the_next_date_skips_one_written_ahead(sara, anna):
    """The process page's "the next one falls due" skips a date whose evaluation was
    written (and accepted) ahead of time: it names the first date still without one."""
    start = TODAY - timedelta(days=30)
    pid = running(sara, anna, starts_on=start, ends_on=add_months(start, 12))
    assert evaluations.summary(pid, TODAY)["next"] == add_months(start, 6)
    early = write(sara, pid, [anna], due_on=add_months(start, 6))
    # Written ahead, it waits for the acceptances now: on the homes and the process's card
    # (written_ahead), not among the dates due by the calendar (reminders, the API).
    ahead = [(d.due_on, d.item_id) for d in due_evaluations(TODAY, uid=anna.uid,
                                                             written_ahead=True)]
    assert ahead == [(add_months(start, 6), early)]
    assert due_evaluations(TODAY, uid=anna.uid) == []
    assert [d.item_id for d in evaluations.summary(pid, TODAY)["due"]] == [early]
    accept(sara, early)
    accept(anna, early)
    assert row(early).accepted_at is not None
    card = evaluations.summary(pid, TODAY)
    assert card["next"] == add_months(start, 12) and card["accepted"] == 1
    assert card["due"] == [] and due_evaluations(TODAY, uid=anna.uid, written_ahead=True) == []


# -- writing -------------------------------------------------------------------------------

def test_only_the_supervisor_of_a_running_process_writes_an_evaluation(sara, anna):
    pid = running(sara, anna, starts_on=add_months(TODAY, -6))
    item_id = str(uuid.uuid4())
    anna_body = parse(ItemWrite, body(anna, item_id, pid, [sara]))
    _err(Forbidden, evaluations.write, anna.user, item_id, anna_body, code="not_supervisor")
    draft = running(sara, anna, starts_on=add_months(TODAY, -6), status="draft")
    _err(Conflict, put_item, sara.user, item_id, body(sara, item_id, draft, [anna]),
         code="process_not_active")
    _err(InvalidInput, put_item, sara.user, item_id, body(sara, item_id, None),
         code="process_required")
    assert db.session.get(Item, item_id) is None


def test_the_date_is_one_of_the_cadence_and_has_one_evaluation(sara, anna):
    start = add_months(TODAY, -12)
    pid = running(sara, anna, starts_on=start, ends_on=add_months(start, 24))
    # written with PUT /items: the earliest date without one
    first = str(uuid.uuid4())
    _ok(put_item, sara.user, first, body(sara, first, pid, [anna]))
    assert row(first).due_on == add_months(start, 6)
    second = write(sara, pid, [anna])
    assert row(second).due_on == add_months(start, 12)
    final = write(sara, pid, [anna], due_on=add_months(start, 24))
    assert row(final).kind == "final"
    other = str(uuid.uuid4())
    data = parse(ItemWrite, body(sara, other, pid, [anna]))
    _err(InvalidInput, evaluations.write, sara.user, other, data, TODAY + timedelta(days=1),
         code="bad_due")
    err = _err(Conflict, evaluations.write, sara.user, other, data, add_months(start, 6),
               code="evaluation_exists")
    assert err.extra["evaluation"] == first
    assert db.session.get(Item, other) is None


def test_edits_until_somebody_accepts_then_final(sara, anna):
    pid = running(sara, anna, starts_on=add_months(TODAY, -6))
    item_id = write(sara, pid, [anna])
    _ok(put_item, sara.user, item_id, body(sara, item_id, pid, rev=2, text="Muutettu"))
    rev, sig = signature(anna, item_id)
    assert rev == 2
    accept(anna, item_id)
    _err(Conflict, put_item, sara.user, item_id, body(sara, item_id, pid, rev=3),
         code="evaluation_accepted")
    _err(Conflict, delete_item, sara.user, item_id, code="evaluation_kept")


def test_a_draft_nobody_accepted_may_be_deleted_and_its_date_is_due_again(sara, anna):
    pid = running(sara, anna, starts_on=add_months(TODAY, -6))
    item_id = write(sara, pid, [anna])
    _ok(delete_item, sara.user, item_id)
    assert row(item_id) is None
    assert [d.item_id for d in due_evaluations(TODAY, uid=anna.uid)] == [None]


# -- accepting -----------------------------------------------------------------------------

def test_acceptances_name_the_current_rev_and_verify(sara, anna, bertta):
    pid = running(sara, anna, starts_on=add_months(TODAY, -6))
    item_id = write(sara, pid, [anna])
    rev, sig = signature(anna, item_id)
    _ok(put_item, sara.user, item_id, body(sara, item_id, pid, rev=2))
    _err(Conflict, acceptances.accept, anna.user, item_id, rev, sig, code="stale_rev")
    rev, sig = signature(anna, item_id)
    _, bertta_sig = signature(bertta, item_id)
    _err(InvalidInput, acceptances.accept, anna.user, item_id, rev, bertta_sig,
         code="bad_signature")
    _err(NotFound, acceptances.accept, bertta.user, item_id, rev, bertta_sig)
    first, created = accept(anna, item_id)
    again, created_again = accept(anna, item_id)
    assert created and not created_again and again.id == first.id
    assert row(item_id).accepted_at is None


def test_accepted_when_every_active_member_has_accepted(sara, anna, bertta):
    pid = running(sara, anna, bertta, starts_on=add_months(TODAY, -6))
    item_id = write(sara, pid, [anna, bertta])
    accept(sara, item_id)
    accept(anna, item_id)
    assert row(item_id).accepted_at is None
    processes.end_membership(sara.user, pid, bertta.uid)
    db.session.commit()
    _err(NotFound, acceptances.accept, bertta.user, item_id, *signature(bertta, item_id))
    # bertta left: sara and anna, who accepted, are every active member now
    assert row(item_id).accepted_at is not None
    assert due_evaluations(TODAY, uid=anna.uid) == []


def test_nothing_settles_when_the_supervisor_is_left_alone(sara, anna):
    pid = running(sara, anna, starts_on=add_months(TODAY, -6))
    item_id = write(sara, pid, [anna])
    accept(sara, item_id)
    processes.end_membership(anna.user, pid, anna.uid)
    db.session.commit()
    assert row(item_id).accepted_at is None


def test_a_draft_contract_everyone_remaining_accepted_activates_when_one_leaves(sara, anna,
                                                                               bertta):
    from .test_services_contracts import write as write_contract
    pid = make_process(sara.uid, anna.uid, bertta.uid, form="group")
    contract = write_contract(sara, pid, [anna, bertta])
    accept(sara, contract)
    accept(anna, contract)
    assert db.session.get(Process, pid, populate_existing=True).status == "draft"
    processes.end_membership(bertta.user, pid, bertta.uid)
    db.session.commit()
    assert db.session.get(Process, pid, populate_existing=True).status == "active"


def test_an_ended_process_accepts_nothing(sara, anna):
    pid = running(sara, anna, starts_on=add_months(TODAY, -6))
    item_id = write(sara, pid, [anna])
    db.session.get(Process, pid).status = "ended"
    db.session.commit()
    _err(Conflict, acceptances.accept, anna.user, item_id, *signature(anna, item_id),
         code="process_ended")


def test_a_contract_is_still_accepted_through_the_shared_machinery(sara, anna):
    from .test_services_contracts import write as write_contract
    pid = make_process(sara.uid, anna.uid)
    contract = write_contract(sara, pid, [anna])
    accept(sara, contract)
    accept(anna, contract)
    assert db.session.get(Process, pid, populate_existing=True).status == "active"
    entry = anna.entry()
    _err(NotFound, acceptances.accept, anna.user, entry, *signature(anna, entry),
         code="not_a_contract")


# -- the cadence's length ------------------------------------------------------------------

def test_months_change_only_from_the_value_seen(sara, anna):
    pid = running(sara, anna, starts_on=TODAY)
    _ok(evaluations.set_months, sara.user, pid, 4, 6)
    assert db.session.get(Process, pid, populate_existing=True).evaluation_months == 4
    _ok(evaluations.set_months, sara.user, pid, 4, 6)                 # the same again
    err = _err(Conflict, evaluations.set_months, sara.user, pid, 3, 6, code="cadence_changed")
    assert err.extra["months"] == 4
    _err(InvalidInput, evaluations.set_months, sara.user, pid, 25, 4, code="bad_months")
    _err(Forbidden, evaluations.set_months, anna.user, pid, 3, 4, code="not_supervisor")
