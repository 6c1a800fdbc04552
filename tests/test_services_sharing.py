"""Service tests of webapp.services.sharing (issue 9, "Sharing with the supervisor"): what a
supervisee has shared, the supervisor's view of one supervisee, the readers for a key
rotation, revoking (one and all), the "bring to the next session" mark, and the purge of
expired shares (also through `flask purge`)."""
from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from webapp.extensions import db
from webapp.models import Envelope, Item
from webapp.models.types import utcnow
from webapp.services import sharing
from webapp.services.errors import NotFound

from .test_services_items import _count, _err, _ok, delete_envelope, get_item, put_item
from .test_services_processes import Person, end, leave, new_process


@pytest.fixture
def sara(ctx):
    """A supervisor."""
    return Person("sara@example.fi", supervisor=True)


@pytest.fixture
def olli(ctx):
    """Another supervisor."""
    return Person("olli@example.fi", supervisor=True)


@pytest.fixture
def anna(ctx):
    return Person("anna@example.fi")


@pytest.fixture
def bertta(ctx):
    return Person("bertta@example.fi")


@pytest.fixture
def carla(ctx):
    return Person("carla@example.fi")


def soon(days: float = 1) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def expire(item_id: str, uid: str) -> None:
    """Let a share's expiry pass (directly in the database: the API refuses a past time)."""
    db.session.execute(update(Envelope).where(
        Envelope.item_id == item_id, Envelope.recipient_uid == uid)
        .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def rotate(author: Person, item_id: str, *readers: Person) -> None:
    """The author's client's rotation: a new DEK, the item sealed again (rev + 1) and
    envelopes for the readers who keep access."""
    item, _ = get_item(author.user, item_id)
    author.deks[item_id] = os.urandom(32)
    body = author.body(item_id, item.rev + 1)
    body["envelopes"] = [author.owner_envelope(item_id)] + [
        author.share_envelope(item_id, reader) for reader in readers]
    _ok(put_item, author.user, item_id, body)


def title_item(supervisor: Person, pid: str, *members: Person) -> str:
    """The process's sealed name, shared with its members (as H1's client does)."""
    item_id = str(uuid.uuid4())
    body = supervisor.body(item_id, kind="title") | {"process": pid}
    body["envelopes"] = body["envelopes"] + [supervisor.share_envelope(item_id, m)
                                             for m in members]
    _ok(put_item, supervisor.user, item_id, body)
    return item_id


# -- "What I have shared" ----------------------------------------------------------------------

def test_my_shares_lists_live_shares_of_own_items_only(sara, olli, anna, bertta):
    pid = new_process(sara, anna, bertta)
    other = new_process(olli, anna)
    first, second, private = anna.entry(), anna.entry(), anna.entry()
    anna.share(first, sara, pid)
    anna.share(second, sara, pid, expires_at=soon(), bring=True)
    anna.share(first, olli, other)
    bertta_item = bertta.entry()
    bertta.share(bertta_item, sara, pid)
    shares = sharing.my_shares(anna.user)
    got = [(s.item.id, s.reader.uid, s.share.process_id) for s in shares]
    assert sorted(got) == sorted([(first, sara.uid, pid), (second, sara.uid, pid),
                                  (first, olli.uid, other)])
    assert private not in {s.item.id for s in shares}
    # Each row carries the author's own envelope, to open the title in the browser.
    assert all(s.own.recipient_uid == anna.uid and s.own.type == "ak" for s in shares)
    # Grouped by process and reader; within a group marked first.
    groups = [(s.share.process_id, s.reader.uid) for s in shares]
    assert groups == sorted(groups, key=lambda g: groups.index(g))
    in_pid = [s.item.id for s in shares if s.share.process_id == pid]
    assert in_pid == [second, first]
    assert [s.item.id for s in sharing.my_shares(bertta.user)] == [bertta_item]
    assert sharing.my_shares(sara.user) == []


def test_an_expired_share_disappears_at_once(sara, anna):
    pid = new_process(sara, anna)
    item_id = anna.entry()
    anna.share(item_id, sara, pid, expires_at=soon())
    assert len(sharing.my_shares(anna.user)) == 1
    expire(item_id, sara.uid)
    assert sharing.my_shares(anna.user) == []
    assert sharing.shared_with_supervisor(sara.user, pid, anna.uid).rows == []
    _err(NotFound, get_item, sara.user, item_id)
    # The rotation is due as soon as it expired, before any purge.
    assert sharing.readers(anna.user, item_id).rekey_due


def test_item_shares_for_the_author_only(sara, anna, bertta):
    pid = new_process(sara, anna, bertta)
    item_id = anna.entry()
    anna.share(item_id, sara, pid, bring=True)
    item, shares = sharing.item_shares(anna.user, item_id)
    assert item.id == item_id and [(s.reader.uid, s.share.bring) for s in shares] == [
        (sara.uid, True)]
    for outsider in (sara, bertta):          # a reader and a stranger: 404 alike
        _err(NotFound, sharing.item_shares, outsider.user, item_id)
    _err(NotFound, sharing.item_shares, anna.user, str(uuid.uuid4()))


def test_share_targets_are_active_supervisee_memberships(sara, olli, anna):
    pid = new_process(sara, anna)
    ended = new_process(olli, anna)
    end(olli, ended)
    own = new_process(sara)                  # sara supervises it: not a target of hers
    title = title_item(sara, pid, anna)
    targets = sharing.share_targets(anna.user)
    assert [(t.process.id, t.supervisor.uid) for t in targets] == [(pid, sara.uid)]
    assert targets[0].title is not None and targets[0].title[0].id == title
    assert targets[0].frame["interval_days"] == targets[0].process.interval_days
    assert sharing.share_targets(sara.user) == [] and own


def test_share_targets_know_the_next_planned_session(sara, anna):
    """"Until the end of the next session" follows the schedule where there is one: the end
    of the next planned session (a held, cancelled or finished one does not count, one still
    running does); None when no session is left; the frame alone without a schedule."""
    from .factories import add_session

    pid = new_process(sara, anna)
    assert "next_session_end" not in sharing.share_targets(anna.user)[0].frame
    now = utcnow()
    add_session(pid, now - timedelta(days=20), status="held")
    assert sharing.share_targets(anna.user)[0].frame["next_session_end"] is None
    add_session(pid, now - timedelta(minutes=30), minutes=90)            # running now
    add_session(pid, now + timedelta(days=1), status="cancelled")
    add_session(pid, now + timedelta(days=14))
    end = sharing.share_targets(anna.user)[0].frame["next_session_end"]
    assert datetime.fromisoformat(end) == (now + timedelta(minutes=60)).replace(microsecond=0) \
        or abs(datetime.fromisoformat(end) - (now + timedelta(minutes=60))) < timedelta(seconds=1)


# -- the supervisor's view ---------------------------------------------------------------------

def test_the_supervisor_sees_exactly_what_one_supervisee_shares(sara, olli, anna, bertta):
    pid = new_process(sara, anna, bertta)
    other = new_process(sara, anna)
    older, newer, marked, private = (anna.entry() for _ in range(4))
    for item_id in (older, newer):
        anna.share(item_id, sara, pid)
    anna.share(marked, sara, pid, bring=True)
    through_other = anna.entry()
    anna.share(through_other, sara, other)
    bertta_item = bertta.entry()
    bertta.share(bertta_item, sara, pid)
    for viewer in (sara, anna):
        view = sharing.shared_with_supervisor(viewer.user, pid, anna.uid)
        assert [row.wire.id for row in view.rows] == [marked, newer, older]
        # Each row opens with the viewer's own envelope; the supervisor's gives the mark.
        readers = {json.loads(row.wire.json)["envelope"]["recipient"] for row in view.rows}
        assert readers == {viewer.uid}
        assert [row.bring for row in view.rows] == [True, False, False]
        assert view.next is None and private not in [row.wire.id for row in view.rows]
    assert [row.wire.id for row in sharing.shared_with_supervisor(
        sara.user, pid, bertta.uid).rows] == [bertta_item]
    assert [row.wire.id for row in sharing.shared_with_supervisor(
        sara.user, other, anna.uid).rows] == [through_other]


def test_the_supervisors_view_pages_marked_first_then_newest(sara, anna):
    """Pages of `limit` follow one another without gaps or repeats, across the turn from the
    marked items to the rest, and each row is in the wire form the API answers."""
    pid = new_process(sara, anna)
    plain = [anna.entry() for _ in range(5)]
    marked = [anna.entry() for _ in range(3)]
    for item_id in plain:
        anna.share(item_id, sara, pid)
    for item_id in marked:
        anna.share(item_id, sara, pid, bring=True)
    seen, cursor, pages = [], None, 0
    while True:
        view = sharing.shared_with_supervisor(sara.user, pid, anna.uid, before=cursor, limit=2)
        seen += [row.wire.id for row in view.rows]
        pages += 1
        cursor = view.next
        if cursor is None:
            break
    assert seen == list(reversed(marked)) + list(reversed(plain)) and pages == 4
    from webapp.items.wire import item_json
    one = sharing.shared_with_supervisor(sara.user, pid, anna.uid, limit=1).rows[0]
    item, envelope = get_item(sara.user, one.wire.id)
    assert json.loads(one.wire.json) == item_json(item, envelope)
    assert one.wire.created_at == item.created_at.isoformat()


def test_nobody_else_sees_the_supervisors_view(sara, olli, anna, bertta, carla):
    pid = new_process(sara, anna, bertta)
    new_process(olli, carla)
    anna.share(anna.entry(), sara, pid)
    for viewer in (bertta, olli, carla):     # another supervisee, supervisor, a stranger
        _err(NotFound, sharing.shared_with_supervisor, viewer.user, pid, anna.uid)
    # Not a supervisee of the process, or no such process or person.
    _err(NotFound, sharing.shared_with_supervisor, sara.user, pid, sara.uid)
    _err(NotFound, sharing.shared_with_supervisor, sara.user, pid, carla.uid)
    _err(NotFound, sharing.shared_with_supervisor, sara.user, str(uuid.uuid4()), anna.uid)
    _err(NotFound, sharing.shared_with_supervisor, sara.user, pid, str(uuid.uuid4()))
    # A former member sees nothing, and is nobody to look at.
    leave(anna, pid, anna.uid)
    _err(NotFound, sharing.shared_with_supervisor, anna.user, pid, anna.uid)
    _err(NotFound, sharing.shared_with_supervisor, sara.user, pid, anna.uid)


# -- revoking and rotating ---------------------------------------------------------------------

def test_revoke_marks_the_item_and_a_rotation_keeps_mark_and_expiry(sara, olli, anna):
    pid = new_process(sara, anna)
    pid2 = new_process(olli, anna)
    item_id = anna.entry()
    until = soon(3)
    anna.share(item_id, sara, pid, expires_at=until, bring=True)
    anna.share(item_id, olli, pid2)
    assert not sharing.readers(anna.user, item_id).rekey_due
    _ok(delete_envelope, anna.user, item_id, olli.uid)
    result = sharing.readers(anna.user, item_id)
    assert result.rekey_due and [r.recipient_uid for r in result.readers] == [sara.uid]
    _err(NotFound, get_item, olli.user, item_id)
    rotate(anna, item_id, sara)
    result = sharing.readers(anna.user, item_id)
    assert not result.rekey_due
    kept = result.readers[0]
    assert kept.bring and kept.process_id == pid
    assert kept.expires_at == datetime.fromisoformat(until).replace(microsecond=kept.expires_at
                                                                    .microsecond)
    assert get_item(sara.user, item_id)[1].bring


def test_readers_are_for_the_author_only(sara, anna):
    pid = new_process(sara, anna)
    item_id = anna.entry()
    anna.share(item_id, sara, pid)
    _err(NotFound, sharing.readers, sara.user, item_id)
    _err(NotFound, sharing.readers, sara.user, str(uuid.uuid4()))


def test_revoke_all_and_per_process(sara, olli, anna):
    pid = new_process(sara, anna)
    other = new_process(olli, anna)
    a, b = anna.entry(), anna.entry()
    anna.share(a, sara, pid)
    anna.share(b, sara, pid)
    anna.share(a, olli, other)
    assert _ok(sharing.revoke_all, anna.user, other) == 1
    assert {(s.item.id, s.reader.uid) for s in sharing.my_shares(anna.user)} == {
        (a, sara.uid), (b, sara.uid)}
    assert _ok(sharing.revoke_all, anna.user) == 2
    assert sharing.my_shares(anna.user) == []
    assert all(db.session.get(Item, i).rekey_due for i in (a, b))
    assert _count(Envelope, Envelope.recipient_uid != anna.uid) == 0


# -- the purge ---------------------------------------------------------------------------------

def test_purge_deletes_expired_envelopes_only_and_marks_their_items(sara, anna):
    pid = new_process(sara, anna)
    gone, lasting, forever = anna.entry(), anna.entry(), anna.entry()
    anna.share(gone, sara, pid, expires_at=soon())
    anna.share(lasting, sara, pid, expires_at=soon(5))
    anna.share(forever, sara, pid)
    expire(gone, sara.uid)
    assert _count(Envelope, Envelope.item_id == gone) == 2      # expired, still stored
    assert _ok(sharing.purge_expired) == 1
    db.session.expire_all()
    assert _count(Envelope, Envelope.item_id == gone) == 1      # the owner's own stays
    assert db.session.get(Item, gone).rekey_due
    assert not db.session.get(Item, lasting).rekey_due
    assert {s.item.id for s in sharing.my_shares(anna.user)} == {lasting, forever}
    assert _ok(sharing.purge_expired) == 0                       # nothing left to purge
    # A later time purges the rest that expire by then (the owner envelopes never do).
    assert _ok(sharing.purge_expired, utcnow() + timedelta(days=6)) == 1
    assert _count(Envelope) == 3 + 1                            # owners + the lasting share


def test_the_purge_command(app, ctx, sara, anna):
    pid = new_process(sara, anna)
    item_id = anna.entry()
    anna.share(item_id, sara, pid, expires_at=soon())
    expire(item_id, sara.uid)
    db.session.remove()
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    assert _count(Envelope, Envelope.item_id == item_id) == 1
    again = app.test_cli_runner().invoke(args=["purge"])
    assert again.exit_code == 0 and "0" in again.output


def test_the_sharing_lists_show_reflections_only(sara, anna):
    """A topic (or check-in) the supervisee shares is seen on its own page, not among the
    reflections of "What I have shared" or the supervisor's list of one supervisee."""
    pid = new_process(sara, anna)
    entry = anna.entry()
    anna.share(entry, sara, pid)
    topic = str(uuid.uuid4())
    body = anna.body(topic, kind="topic") | {"process": pid}
    body["envelopes"].append(anna.share_envelope(topic, sara))
    _ok(put_item, anna.user, topic, body)
    assert [s.item.id for s in sharing.my_shares(anna.user)] == [entry]
    assert [r.wire.id for r in sharing.shared_with_supervisor(sara.user, pid,
                                                                   anna.uid).rows] == [entry]
    assert get_item(sara.user, topic)            # shared all the same: read where it belongs


def test_what_i_share_lists_answers_and_checkin_goals_too(sara, olli, anna, bertta):
    """"What I have shared" lists everything that is shared, grouped by process and reader:
    reflections, answers to assignments (under their assignment) and goals whose check-ins the
    supervisor sees (in the contract's order). Nothing private, nobody else's, nothing of a
    process she has left."""
    from webapp.services import checkins, goals

    from .test_services_assignments import answer, give
    from .test_services_contracts import add_goal

    pid = new_process(sara, anna, bertta)
    other = new_process(olli, anna)
    entry = anna.entry()
    anna.share(entry, sara, pid)
    shared_task, private_task = give(sara, pid, [anna]), give(sara, pid, [anna])
    shared_answer = answer(anna, shared_task, pid, [sara])
    answer(anna, private_task, pid)                                  # kept to herself
    first_goal, second_goal, quiet_goal = (add_goal(sara, pid, [anna, bertta])
                                           for _ in range(3))
    _ok(goals.reorder, sara.user, pid, [second_goal, first_goal, quiet_goal])
    for goal in (first_goal, second_goal):
        _ok(checkins.set_sharing, anna.user, pid, goal, True)
    _ok(checkins.set_sharing, bertta.user, pid, quiet_goal, True)   # not hers
    other_goal = add_goal(olli, other, [anna])
    _ok(checkins.set_sharing, anna.user, other, other_goal, True)

    groups = sharing.what_i_share(anna.user)
    assert sorted((g.process_id, g.reader.uid) for g in groups) == sorted(
        [(pid, sara.uid), (other, olli.uid)])
    assert [(g.process_id, g.reader.uid) for g in groups] == sorted(
        (g.process_id, g.reader.uid) for g in groups)               # a stable order
    mine = next(g for g in groups if g.process_id == pid)
    assert [s.item.id for s in mine.entries] == [entry]
    [row] = mine.answers
    assert (row.assignment.id, row.response_id, row.share.recipient_uid) == (
        shared_task, shared_answer, sara.uid)
    assert row.assignment_envelope.recipient_uid == anna.uid        # to open its title
    assert [c.goal.id for c in mine.checkin_goals] == [second_goal, first_goal]
    assert all(c.goal_envelope.recipient_uid == anna.uid and c.reader.uid == sara.uid
               for c in mine.checkin_goals)
    elsewhere = next(g for g in groups if g.process_id == other)
    assert (elsewhere.entries, elsewhere.answers) == ([], [])
    assert [c.goal.id for c in elsewhere.checkin_goals] == [other_goal]

    # Stopped one way or another: gone from the list.
    _ok(delete_envelope, anna.user, shared_answer, sara.uid)
    _ok(checkins.set_sharing, anna.user, pid, first_goal, False)
    leave(olli, other, anna.uid)
    [mine] = sharing.what_i_share(anna.user)
    assert mine.answers == [] and [c.goal.id for c in mine.checkin_goals] == [second_goal]
    assert [g.process_id for g in sharing.what_i_share(bertta.user)] == [pid]
    assert sharing.what_i_share(sara.user) == []
