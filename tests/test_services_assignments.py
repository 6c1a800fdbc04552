"""Service tests of interim assignments (webapp/services/assignments.py): giving one through
the item PUT's hook (the item and the assignees' rows together), the due time's default
(before the next planned session), who may give, answer and mark what, the answer's
privacy and the remembered choice of sharing it, done/skipped transitions."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from webapp.assignments.library import LANGUAGES, LIBRARY, TAGS, library_in
from webapp.extensions import db
from webapp.models import Item, Membership
from webapp.models.assignments import AssignmentAssignee
from webapp.models.types import utcnow
from webapp.schemas import parse
from webapp.schemas.items import ItemWrite
from webapp.services import assignments
from webapp.services.errors import Conflict, Forbidden, InvalidInput, NotFound

from .factories import add_session, end_membership_row, make_process
from .test_services_items import _count, _err, _ok, delete_item, put_envelope, put_item
from .test_services_processes import Person

WORDS = {"title": "Yksi onnistuminen päivässä", "instructions": "Kirjoita joka päivä…",
         "minutes": 5, "tags": ["vahvuudet"], "lang": "fi"}


@pytest.fixture
def sara(ctx):
    return Person("sara@example.fi", supervisor=True)


@pytest.fixture
def olli(ctx):
    return Person("olli@example.fi", supervisor=True)


@pytest.fixture
def anna(ctx):
    return Person("anna@example.fi")


@pytest.fixture
def bertta(ctx):
    return Person("bertta@example.fi")


@pytest.fixture
def pid(sara, anna) -> str:
    return make_process(sara.uid, anna.uid, status="active")


def assignment_body(author: Person, item_id: str, pid: str | None, readers=(), *,
                    rev: int = 1, session: str | None = None) -> dict:
    body = author.body(item_id, rev, kind="assignment", payload=WORDS)
    body["process"] = pid
    if rev == 1:
        body["envelopes"] += [author.share_envelope(item_id, reader) for reader in readers]
    if session:
        body["links"] = {"session": session}
    return body


def give(author: Person, pid: str, readers=(), due=assignments._UNSET, **kw) -> str:
    item_id = kw.pop("item_id", None) or str(uuid.uuid4())
    data = parse(ItemWrite, assignment_body(author, item_id, pid, readers, **kw))
    _ok(assignments.give, author.user, item_id, data, due)
    return item_id


def response_body(author: Person, item_id: str, assignment: str, pid: str, readers=(),
                  *, rev: int = 1, text: str = "Vastaukseni") -> dict:
    body = author.body(item_id, rev, kind="response", payload={"body": text})
    body["process"], body["links"] = pid, {"parent": assignment}
    if rev == 1:
        body["envelopes"] += [author.share_envelope(item_id, reader) for reader in readers]
    elif readers is not None:
        body["envelopes"] = [author.owner_envelope(item_id)] + [
            author.share_envelope(item_id, reader) for reader in readers]
    return body


def answer(author: Person, assignment: str, pid: str, readers=(), **kw) -> str:
    item_id = kw.pop("item_id", None) or str(uuid.uuid4())
    _ok(put_item, author.user, item_id, response_body(author, item_id, assignment, pid,
                                                      readers, **kw))
    return item_id


def row(assignment: str, uid: str) -> AssignmentAssignee | None:
    return db.session.get(AssignmentAssignee, (assignment, uid), populate_existing=True)


# -- the library --------------------------------------------------------------------------------

def test_the_library_has_at_least_twelve_assignments_in_every_language():
    assert len(LIBRARY) >= 12
    assert len({a.key for a in LIBRARY}) == len(LIBRARY)
    for a in LIBRARY:
        assert 1 <= a.minutes <= 60 and a.tags and set(a.tags) <= set(TAGS)
        for lang in LANGUAGES:
            assert a.title[lang].strip() and len(a.instructions[lang]) > 100, (a.key, lang)
        assert len({a.title[lang] for lang in LANGUAGES}) == 3, a.key   # translated
    sv = library_in("sv")
    assert sv[0]["lang"] == "sv" and sv[0]["tags"][0] == TAGS[LIBRARY[0].tags[0]]["sv"]
    assert library_in("de")[0]["lang"] == "fi"


# -- giving -------------------------------------------------------------------------------------

def test_giving_makes_the_item_and_an_open_row_per_assignee(sara, anna, pid):
    session = add_session(pid, utcnow() + timedelta(days=7))
    item_id = give(sara, pid, [anna], session=session)
    stored = row(item_id, anna.uid)
    assert stored.status == "open" and stored.process_id == pid
    assert stored.session_id == session and stored.response_id is None
    assert _count(AssignmentAssignee) == 1


def test_the_due_time_defaults_to_the_start_of_the_next_planned_session(sara, anna, pid):
    now = utcnow()
    add_session(pid, now - timedelta(days=1), status="held")
    add_session(pid, now + timedelta(days=3), status="cancelled")
    soon = now + timedelta(days=10)
    add_session(pid, soon)
    add_session(pid, now + timedelta(days=40))
    item_id = give(sara, pid, [anna])
    assert row(item_id, anna.uid).due_at == soon.replace(microsecond=soon.microsecond)


def test_no_planned_session_no_due_time_and_a_named_due_time_wins(sara, anna, pid):
    assert row(give(sara, pid, [anna]), anna.uid).due_at is None
    add_session(pid, utcnow() + timedelta(days=10))
    when = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    assert row(give(sara, pid, [anna], due=when), anna.uid).due_at == when
    assert row(give(sara, pid, [anna], due=None), anna.uid).due_at is None


def test_an_edit_with_a_due_time_moves_every_assignees(sara, anna, bertta):
    pid = make_process(sara.uid, anna.uid, bertta.uid, form="group", status="active")
    item_id = give(sara, pid, [anna, bertta])
    when = datetime(2031, 5, 6, 7, 0, tzinfo=UTC)
    data = parse(ItemWrite, assignment_body(sara, item_id, None, rev=2))
    _, created = _ok(assignments.give, sara.user, item_id, data, when)
    assert not created
    assert row(item_id, anna.uid).due_at == when == row(item_id, bertta.uid).due_at


def test_a_group_assignment_reaches_every_supervisee_given(sara, anna, bertta):
    pid = make_process(sara.uid, anna.uid, bertta.uid, form="group", status="active")
    item_id = give(sara, pid, [anna, bertta])
    assert {r.user_uid for r in db.session.scalars(select(AssignmentAssignee))} == {
        anna.uid, bertta.uid}
    _, views = assignments.for_process(sara.user, pid)
    assert [len(v.assignees) for v in views] == [2]
    _, own = assignments.for_process(anna.user, pid)
    assert [[a.row.user_uid for a in v.assignees] for v in own] == [[anna.uid]]
    assert item_id == own[0].item.id


def test_only_the_processs_supervisor_gives_and_only_to_its_supervisees(sara, olli, anna,
                                                                        bertta, pid):
    other = make_process(olli.uid, bertta.uid, status="active")
    item_id = str(uuid.uuid4())
    _err(Forbidden, put_item, anna.user, item_id,
         assignment_body(anna, item_id, pid, [sara]), code="not_supervisor")
    _err(NotFound, put_item, olli.user, item_id,
         assignment_body(olli, item_id, pid, [anna]), code="process_not_found")
    _err(InvalidInput, put_item, sara.user, item_id,
         assignment_body(sara, item_id, pid, []), code="no_assignees")
    _err(InvalidInput, put_item, sara.user, item_id,
         assignment_body(sara, item_id, None, []), code="process_required")
    # bertta is in olli's process, not in sara's: the envelope itself is refused
    _err(Forbidden, put_item, sara.user, item_id,
         assignment_body(sara, item_id, pid, [bertta]), code="not_shared_process")
    assert other and _count(Item, Item.kind == "assignment") == 0
    assert _count(AssignmentAssignee) == 0


def test_giving_is_all_or_nothing(sara, anna, pid):
    item_id = str(uuid.uuid4())
    data = parse(ItemWrite, assignment_body(sara, item_id, pid, [anna]) | {"kind": "entry"})
    _err(InvalidInput, assignments.give, sara.user, item_id, data, code="bad_kind")
    assert _count(Item) == 0 and _count(AssignmentAssignee) == 0


def test_a_retried_give_answers_the_same_and_adds_nothing(sara, anna, pid):
    item_id = str(uuid.uuid4())
    body = assignment_body(sara, item_id, pid, [anna])
    _, first = _ok(assignments.give, sara.user, item_id, parse(ItemWrite, body))
    _, again = _ok(assignments.give, sara.user, item_id, parse(ItemWrite, body))
    assert (first, again) == (True, True) and _count(AssignmentAssignee) == 1


def test_deleting_an_assignment_takes_its_rows(sara, anna, pid):
    item_id = give(sara, pid, [anna])
    _ok(delete_item, sara.user, item_id)
    assert _count(AssignmentAssignee) == 0


# -- reading ------------------------------------------------------------------------------------

def test_who_sees_an_assignment(sara, olli, anna, bertta, pid):
    item_id = give(sara, pid, [anna])
    assert assignments.one(sara.user, item_id).is_supervisor
    assert assignments.one(anna.user, item_id).mine(anna.uid).row.status == "open"
    for outsider in (olli, bertta):
        _err(NotFound, assignments.one, outsider.user, item_id, code="assignment_not_found")
    entry = anna.entry()
    _err(NotFound, assignments.one, anna.user, entry, code="assignment_not_found")
    end_membership_row(pid, anna.uid)
    _err(NotFound, assignments.one, anna.user, item_id, code="assignment_not_found")
    assert assignments.open_for(anna.uid) == []


def test_open_for_lists_the_soonest_due_first_and_only_open_ones(sara, anna, pid):
    late = give(sara, pid, [anna], due=datetime(2031, 1, 1, tzinfo=UTC))
    none = give(sara, pid, [anna], due=None)
    soon = give(sara, pid, [anna], due=datetime(2030, 1, 1, tzinfo=UTC))
    done = give(sara, pid, [anna])
    _ok(assignments.set_status, anna.user, done, "done")
    assert [a.item.id for a in assignments.open_for(anna.uid)] == [soon, late, none]
    assert assignments.open_for(sara.uid) == []


# -- answering ----------------------------------------------------------------------------------

def test_an_answer_kept_private_is_never_the_supervisors(sara, anna, pid):
    item_id = give(sara, pid, [anna])
    response = answer(anna, item_id, pid)
    assert row(item_id, anna.uid).response_id == response
    mine = assignments.one(anna.user, item_id).mine(anna.uid)
    # the author reads it; her view says the supervisor cannot
    assert mine.response.id == response and mine.response_envelope is not None
    assert mine.shared is False
    seen = assignments.one(sara.user, item_id).assignees[0]
    assert seen.response is None and not seen.shared
    assert db.session.get(Membership, _membership_id(pid, anna.uid)).share_responses is False


def test_a_shared_answer_reaches_the_supervisor_and_the_choice_is_remembered(sara, anna,
                                                                           pid):
    item_id = give(sara, pid, [anna])
    assert assignments.share_default(anna.uid, pid) is None
    response = answer(anna, item_id, pid, [sara])
    seen = assignments.one(sara.user, item_id).assignees[0]
    assert seen.response.id == response and seen.shared
    assert assignments.one(anna.user, item_id).mine(anna.uid).shared  # what her page says
    assert assignments.share_default(anna.uid, pid) is True
    # unsharing in an edit (a new set of readers) is remembered too
    _ok(put_item, anna.user, response, response_body(anna, response, item_id, pid, [],
                                                     rev=2))
    assert assignments.one(sara.user, item_id).assignees[0].response is None
    assert not assignments.one(anna.user, item_id).mine(anna.uid).shared
    assert assignments.share_default(anna.uid, pid) is False
    # sharing it later through the envelope endpoint
    anna.share(response, sara, pid)
    assert assignments.one(sara.user, item_id).assignees[0].shared
    assert assignments.share_default(anna.uid, pid) is True


def test_an_answer_goes_to_nobody_but_the_supervisor(sara, anna, bertta):
    pid = make_process(sara.uid, anna.uid, bertta.uid, form="group", status="active")
    item_id = give(sara, pid, [anna, bertta])
    rid = str(uuid.uuid4())
    _err(Forbidden, put_item, anna.user, rid,
         response_body(anna, rid, item_id, pid, [bertta]), code="response_private")
    response = answer(anna, item_id, pid)
    _err(Forbidden, put_envelope, anna.user, response, bertta.uid, {
        "envelope": anna.share_envelope(response, bertta), "process": pid},
        code="response_private")


def test_an_answer_needs_an_assignment_given_to_its_author(sara, anna, bertta, pid):
    item_id = give(sara, pid, [anna])
    rid = str(uuid.uuid4())
    body = response_body(bertta, rid, item_id, pid)
    _err(NotFound, put_item, bertta.user, rid, body)               # can't read the parent
    body = response_body(anna, rid, item_id, pid)
    body.pop("links")
    _err(InvalidInput, put_item, anna.user, rid, body, code="parent_required")
    other = make_process(sara.uid, anna.uid, status="active")
    _err(InvalidInput, put_item, anna.user, rid,
         response_body(anna, rid, item_id, other), code="process_mismatch")
    first = answer(anna, item_id, pid)
    _err(Conflict, put_item, anna.user, rid, response_body(anna, rid, item_id, pid),
         code="response_exists")
    _ok(put_item, anna.user, first, response_body(anna, first, item_id, pid, None, rev=2,
                                                  text="Muokattu"))
    assert row(item_id, anna.uid).response_id == first


def test_deleting_the_answer_unlinks_it(sara, anna, pid):
    item_id = give(sara, pid, [anna])
    response = answer(anna, item_id, pid, [sara])
    _ok(delete_item, anna.user, response)
    assert row(item_id, anna.uid).response_id is None
    answer(anna, item_id, pid)                                    # a new answer is welcome


# -- done and skipped ---------------------------------------------------------------------------

def test_done_and_skipped_from_open_once_each_idempotent(sara, anna, pid):
    first, second = give(sara, pid, [anna]), give(sara, pid, [anna])
    assert _ok(assignments.set_status, anna.user, first, "done").status == "done"
    assert _ok(assignments.set_status, anna.user, first, "done").status == "done"
    err = _err(Conflict, assignments.set_status, anna.user, first, "skipped",
               code="status_conflict")
    assert err.extra["current"] == "done"
    assert _ok(assignments.set_status, anna.user, second, "skipped").status == "skipped"
    _err(InvalidInput, assignments.set_status, anna.user, second, "later", code="bad_status")


def test_a_mark_made_by_mistake_is_undone(sara, anna, pid):
    """Done or skipped goes back to open (one conditional update from either), idempotent;
    from open it can then be marked again, either way."""
    first, second = give(sara, pid, [anna]), give(sara, pid, [anna])
    _ok(assignments.set_status, anna.user, first, "done")
    _ok(assignments.set_status, anna.user, second, "skipped")
    for item_id in (first, second):
        assert _ok(assignments.set_status, anna.user, item_id, "open").status == "open"
        assert _ok(assignments.set_status, anna.user, item_id, "open").status == "open"
        assert row(item_id, anna.uid).status == "open"
    assert _ok(assignments.set_status, anna.user, first, "skipped").status == "skipped"
    assert [a.item.id for a in assignments.open_for(anna.uid)] == [second]
    _err(NotFound, assignments.set_status, sara.user, first, "open", code="assignment_not_found")


def test_only_the_assignee_sets_their_status(sara, olli, anna, bertta):
    pid = make_process(sara.uid, anna.uid, bertta.uid, form="group", status="active")
    item_id = give(sara, pid, [anna])
    for who in (sara, olli, bertta):
        _err(NotFound, assignments.set_status, who.user, item_id, "done",
             code="assignment_not_found")
    end_membership_row(pid, anna.uid)
    _err(NotFound, assignments.set_status, anna.user, item_id, "done",
         code="assignment_not_found")
    assert row(item_id, anna.uid).status == "open"


def test_no_status_change_once_the_process_has_ended(sara, anna, pid):
    item_id = give(sara, pid, [anna])
    with _committing():
        db.session.get(_process_model(), pid).status = "ended"
    _err(Conflict, assignments.set_status, anna.user, item_id, "done", code="process_ended")


def _membership_id(pid: str, uid: str) -> int:
    return db.session.scalar(select(Membership.id).where(Membership.process_id == pid,
                                                         Membership.user_uid == uid))


def _process_model():
    from webapp.models import Process
    return Process


class _committing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            db.session.commit()
        return False


# -- own templates --------------------------------------------------------------------------------

def test_a_template_is_sealed_to_its_author_alone(sara, anna, pid):
    item_id = str(uuid.uuid4())
    body = sara.body(item_id, kind="template", payload=WORDS)
    _ok(put_item, sara.user, item_id, body)
    other = str(uuid.uuid4())
    shared = sara.body(other, kind="template", payload=WORDS)
    shared["process"] = pid
    shared["envelopes"].append(sara.share_envelope(other, anna))
    _err(Forbidden, put_item, sara.user, other, shared, code="private_template")
    _err(Forbidden, put_envelope, sara.user, item_id, anna.uid, {
        "envelope": sara.share_envelope(item_id, anna), "process": pid},
        code="private_template")
    edit = sara.body(item_id, 2, kind="template", payload={**WORDS, "title": "Oma"})
    _ok(put_item, sara.user, item_id, edit)
    assert _count(Item, Item.kind == "template") == 1


def test_the_session_an_assignment_is_given_in(sara, anna, pid):
    now = utcnow()
    old = add_session(pid, now - timedelta(days=30), status="held")
    add_session(pid, now - timedelta(days=2), status="cancelled")
    today = add_session(pid, now - timedelta(hours=2), status="held")
    upcoming = add_session(pid, now + timedelta(days=20))
    add_session(pid, now + timedelta(days=50))
    sessions, chosen = assignments.session_choices(pid, now)
    assert [s.id for s in sessions] == [upcoming, today, old] and chosen == today
    _, chosen = assignments.session_choices(pid, now + timedelta(days=3))
    assert chosen is None                          # days after it: between sessions
    item_id = give(sara, pid, [anna], session=today)
    assert row(item_id, anna.uid).session_id == today
