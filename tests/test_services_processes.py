"""Service-layer tests of webapp.services.processes: supervision processes, invites, joining
and leaving, and sharing through a process (PROTOCOL §5–7)."""
from __future__ import annotations

import hashlib
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from webapp.extensions import db
from webapp.models import Envelope, Invite, Item, Membership, Process, User
from webapp.models.types import utcnow
from webapp.schemas import parse
from webapp.schemas.accounts import RegisterRequest
from webapp.schemas.processes import MAX_INVITE_DAYS, Frame, InviteCreate, ProcessCreate
from webapp.services import accounts, processes
from webapp.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from webapp.uow import unit_of_work

from .factories import dump_rows, fast_account
from .test_services_items import (
    Author,
    _count,
    _err,
    _ok,
    delete_envelope,
    get_item,
    list_items,
    put_envelope,
    put_item,
)

# -- people and helpers ------------------------------------------------------------------------


class Person(Author):
    """A registered user with client keys; `supervisor=True` says "I am a supervisor"."""

    def __init__(self, email: str, supervisor: bool = False) -> None:
        self.keys = fast_account()
        body = self.keys.registration(email, is_supervisor=supervisor)
        with unit_of_work():
            self.user = accounts.register(parse(RegisterRequest, body))
        self.account = self.keys.account
        self.deks: dict[str, bytes] = {}

    def entry(self, process: str | None = None) -> str:
        """A new item of their own (in `process` when given); its id."""
        item_id = str(uuid.uuid4())
        body = self.body(item_id) | ({"process": process} if process else {})
        _ok(put_item, self.user, item_id, body)
        return item_id

    def share(self, item_id: str, reader: Author, process: str, **extra) -> None:
        _ok(put_envelope, self.user, item_id, reader.uid,
            {"envelope": self.share_envelope(item_id, reader), "process": process, **extra})


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
    """A stranger to everyone's processes."""
    return Person("carla@example.fi")


def create(user: User, form: str = "individual", pid: str | None = None, **frame):
    data = parse(ProcessCreate, {"id": pid or str(uuid.uuid4()), "form": form, **frame})
    with unit_of_work():
        return processes.create_process(user, data)


def new_process(supervisor: Person, *members: Person, form: str = "individual") -> str:
    """A process of `supervisor` that each of `members` joined by an invite; its id."""
    process, _ = create(supervisor.user, form)
    for member in members:
        join(member, invite(supervisor, process.id))
    return process.id


def invite(supervisor: Person, pid: str, expires_at: str | None = None) -> str:
    """A new invite's token."""
    body = {} if expires_at is None else {"expires_at": expires_at}
    data = parse(InviteCreate, body)
    with unit_of_work():
        return processes.create_invite(supervisor.user, pid, data.expires_at)[1]


def join(person: Person, token: str) -> Process:
    with unit_of_work():
        return processes.accept_invite(person.user, token)


def leave(actor: Person, pid: str, uid: str) -> None:
    with unit_of_work():
        processes.end_membership(actor.user, pid, uid)


def end(supervisor: Person, pid: str) -> Process:
    with unit_of_work():
        return processes.end_process(supervisor.user, pid)


def frame(supervisor: Person, pid: str, **values) -> Process:
    with unit_of_work():
        return processes.update_frame(supervisor.user, pid, parse(Frame, values))


def member_uids(pid: str) -> set[str]:
    db.session.expire_all()
    return {m.user_uid for m in db.session.get(Process, pid).active_members()}


def epoch(pid: str) -> int:
    return db.session.scalar(select(Process.roster_epoch).where(Process.id == pid))


def envelope_set(item_id: str) -> dict[str, tuple[str | None, datetime | None]]:
    """recipient -> (process, expires_at) of an item's stored envelopes."""
    return {e.recipient_uid: (e.process_id, e.expires_at) for e in db.session.scalars(
        select(Envelope).where(Envelope.item_id == item_id))}


def in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


# -- creating a process --------------------------------------------------------------------------

@pytest.mark.parametrize("form", processes.FORM_DEFAULTS)
def test_each_form_starts_from_its_default_frame(sara, form):
    process, created = create(sara.user, form)
    defaults = processes.FORM_DEFAULTS[form]
    assert created and process.form == form and process.status == "draft"
    assert (process.session_minutes, process.interval_days, process.session_count) == (
        defaults.session_minutes, defaults.interval_days, defaults.session_count)
    assert process.mode == "in_person" and process.starts_on is None
    assert process.supervisor_uid == sara.uid and process.roster_epoch == 1
    assert [(m.user_uid, m.role) for m in process.memberships] == [(sara.uid, "supervisor")]


def test_the_defaults_follow_the_practice():
    """DESIGN.md / issue 9: crisis 1–3 sessions a week apart, 60–90 min; individual 60 min
    every 3–4 weeks for a year; group 90 min every 4 weeks."""
    d = processes.FORM_DEFAULTS
    assert 1 <= d["crisis"].session_count <= 3 and d["crisis"].interval_days == 7
    assert 60 <= d["crisis"].session_minutes <= 90
    assert d["individual"].session_minutes == 60 and 21 <= d["individual"].interval_days <= 28
    assert 330 <= d["individual"].interval_days * d["individual"].session_count <= 400
    assert (d["group"].session_minutes, d["group"].interval_days) == (90, 28)
    assert set(d) == {"individual", "group", "community", "management", "crisis"}


def test_the_supervisor_changes_the_defaults_at_creation(sara):
    process, _ = create(sara.user, "crisis", session_minutes=90, session_count=2,
                        mode="remote", starts_on="2027-03-01", ends_on="2027-03-15")
    assert (process.session_minutes, process.interval_days, process.session_count) == (90, 7, 2)
    assert process.mode == "remote"
    assert (process.starts_on.isoformat(), process.ends_on.isoformat()) == (
        "2027-03-01", "2027-03-15")


@pytest.mark.parametrize("body, code", [
    ({"form": "family"}, "bad_form"), ({"form": "GROUP"}, "bad_form"),
    ({"session_minutes": 5}, "invalid_type"), ({"interval_days": 0}, "invalid_type"),
    ({"session_count": 201}, "invalid_type"), ({"mode": "phone"}, "bad_mode"),
    ({"starts_on": "2027-02-30"}, "bad_date"), ({"ends_on": "1.1.2027"}, "bad_date"),
    ({"starts_on": "2027-02-01", "ends_on": "2027-01-01"}, "bad_dates"),
    ({"status": "active"}, "unknown_field"), ({"id": "nope"}, "bad_id"),
])
def test_bad_frames_are_refused_at_the_edge(sara, body, code):
    with pytest.raises(InvalidInput) as exc:
        parse(ProcessCreate, {"id": str(uuid.uuid4()), "form": "group"} | body)
    assert exc.value.code == code
    assert _count(Process) == 0


def test_a_non_supervisor_cannot_start_a_process(anna):
    data = parse(ProcessCreate, {"id": str(uuid.uuid4()), "form": "individual"})
    exc = _err(Forbidden, processes.create_process, anna.user, data, code="not_supervisor")
    assert exc is None or exc.status == 403
    assert _count(Process) == 0 and _count(Membership) == 0


def test_a_retried_create_answers_with_the_first_process(sara):
    pid = str(uuid.uuid4())
    first, created = create(sara.user, "group", pid, session_count=6)
    again, created_again = create(sara.user, "group", pid, session_count=6)
    assert created and not created_again and again.id == first.id
    assert _count(Process) == 1 and _count(Membership) == 1


def test_a_taken_id_is_a_conflict(sara, olli):
    pid = create(sara.user, "group")[0].id
    for user, form in ((olli.user, "group"), (sara.user, "crisis")):
        data = parse(ProcessCreate, {"id": pid, "form": form})
        _err(Conflict, processes.create_process, user, data, code="id_taken")
    process = db.session.get(Process, pid)
    assert process.supervisor_uid == sara.uid and process.form == "group"
    assert _count(Membership) == 1


# -- who sees a process --------------------------------------------------------------------------

def test_only_current_members_list_and_get_a_process(sara, olli, anna, bertta, carla):
    pid = new_process(sara, anna, bertta)
    other = new_process(olli, anna)
    assert {p.id for p in processes.list_processes(sara.user)} == {pid}
    assert {p.id for p in processes.list_processes(anna.user)} == {pid, other}
    assert processes.list_processes(carla.user) == []
    for person in (sara, anna, bertta):
        assert processes.get_process(person.user, pid).id == pid
    for person in (olli, carla):
        _err(NotFound, processes.get_process, person.user, pid, code="process_not_found")
    _err(NotFound, processes.get_process, sara.user, str(uuid.uuid4()),
         code="process_not_found")
    leave(bertta, pid, bertta.uid)
    _err(NotFound, processes.get_process, bertta.user, pid, code="process_not_found")
    assert processes.list_processes(bertta.user) == []
    assert member_uids(pid) == {sara.uid, anna.uid}


def test_the_list_puts_active_first_then_drafts_then_ended(sara):
    draft = create(sara.user)[0].id
    ended = create(sara.user)[0].id
    end(sara, ended)
    active = create(sara.user)[0].id
    db.session.execute(update(Process).where(Process.id == active)
                       .values(status="active", activated_at=utcnow()))
    db.session.commit()
    assert [p.id for p in processes.list_processes(sara.user)] == [active, draft, ended]


# -- the frame and ending -------------------------------------------------------------------------

def test_the_supervisor_changes_the_frame(sara, anna):
    pid = new_process(sara, anna)
    process = frame(sara, pid, session_minutes=45, starts_on="2027-01-10")
    assert process.session_minutes == 45 and process.starts_on.isoformat() == "2027-01-10"
    assert process.session_count == processes.FORM_DEFAULTS["individual"].session_count
    process = frame(sara, pid, mode="hybrid")
    assert process.session_minutes == 45 and process.mode == "hybrid"     # the rest kept
    process = frame(sara, pid, starts_on=None)
    assert process.starts_on is None


def test_the_frame_is_the_supervisors_alone(sara, anna, carla):
    pid = new_process(sara, anna)
    data = parse(Frame, {"session_count": 2})
    _err(Forbidden, processes.update_frame, anna.user, pid, data, code="not_supervisor")
    _err(NotFound, processes.update_frame, carla.user, pid, data, code="process_not_found")
    frame(sara, pid, starts_on="2027-05-01")
    _err(InvalidInput, processes.update_frame, sara.user, pid,
         parse(Frame, {"ends_on": "2027-04-30"}), code="bad_dates")
    db.session.expire_all()
    process = db.session.get(Process, pid)
    assert process.session_count != 2 and process.ends_on is None


def test_ending_is_the_supervisors_and_idempotent(sara, anna, carla):
    pid = new_process(sara, anna)
    _err(Forbidden, processes.end_process, anna.user, pid, code="not_supervisor")
    _err(NotFound, processes.end_process, carla.user, pid, code="process_not_found")
    assert db.session.get(Process, pid).status == "draft"
    first = end(sara, pid)
    ended_at = first.ended_at
    assert first.status == "ended" and ended_at is not None
    assert end(sara, pid).ended_at == ended_at


def test_an_ended_process_is_read_only_but_readable(sara, anna):
    pid = new_process(sara, anna)
    shared = anna.entry()
    anna.share(shared, sara, pid)
    title = sara.entry(process=pid)
    open_token = invite(sara, pid)
    end(sara, pid)
    # still readable by its members, with what was shared through it
    assert processes.get_process(anna.user, pid).status == "ended"
    assert {p.id for p in processes.list_processes(anna.user)} == {pid}
    assert get_item(sara.user, shared)[0].id == shared
    assert {i.id for i, _ in list_items(sara.user, process=pid)[0]} == {shared, title}
    # nothing new
    _err(Conflict, processes.create_invite, sara.user, pid, code="process_ended")
    _err(Conflict, processes.update_frame, sara.user, pid, parse(Frame, {"session_count": 3}),
         code="process_ended")
    _err(NotFound, processes.invite_info, open_token, code="invite_not_found")
    item_id = str(uuid.uuid4())
    _err(Conflict, put_item, sara.user, item_id, sara.body(item_id) | {"process": pid},
         code="process_ended")
    _err(Conflict, put_item, sara.user, title, sara.body(title, rev=2), code="process_ended")
    other = anna.entry()
    _err(Forbidden, put_envelope, anna.user, other, sara.uid,
         {"envelope": anna.share_envelope(other, sara), "process": pid},
         code="not_shared_process")
    assert not processes.is_active_member(anna.uid, pid)
    assert processes.shares_process(anna.uid, sara.uid)        # they still see each other


def test_ending_revokes_open_invites_only(sara, anna):
    pid = new_process(sara)
    used, fresh = invite(sara, pid), invite(sara, pid)
    join(anna, used)
    end(sara, pid)
    states = {i.token_hash: i.state() for i in processes.list_invites(sara.user, pid)}
    assert states == {processes._token_hash(used): "used",
                      processes._token_hash(fresh): "revoked"}


# -- invites -------------------------------------------------------------------------------------

def _invite_row(token: str) -> Invite:
    db.session.expire_all()
    return db.session.scalar(select(Invite).where(
        Invite.token_hash == processes._token_hash(token)))


def test_an_invite_goes_from_open_to_used(sara, anna):
    pid = new_process(sara)
    token = invite(sara, pid)
    row = _invite_row(token)
    assert row.state() == "open" and row.used_at is None
    assert timedelta(days=13) < row.expires_at - utcnow() <= timedelta(
        days=processes.INVITE_DAYS)
    info, process, supervisor = processes.invite_info(token)
    assert (process.id, supervisor.uid) == (pid, sara.uid)
    assert supervisor.bundle == sara.keys.account.registration["bundle"]
    joined = join(anna, token)
    assert joined.id == pid and anna.uid in member_uids(pid)
    row = _invite_row(token)
    assert row.state() == "used" and row.used_by == anna.uid
    _err(NotFound, processes.invite_info, token, code="invite_not_found")


def test_an_invite_is_revocable_until_used(sara, anna):
    pid = new_process(sara)
    token, used = invite(sara, pid), invite(sara, pid)
    join(anna, used)
    revoked, used_row = _invite_row(token), _invite_row(used)
    _err(Forbidden, processes.revoke_invite, anna.user, pid, revoked.id, code="not_supervisor")
    _ok(processes.revoke_invite, sara.user, pid, revoked.id)
    _ok(processes.revoke_invite, sara.user, pid, revoked.id)          # again: no-op
    assert _invite_row(token).state() == "revoked"
    _err(NotFound, processes.invite_info, token, code="invite_not_found")
    _err(NotFound, processes.accept_invite, Person("x@example.fi").user, token,
         code="invite_not_found")
    _err(Conflict, processes.revoke_invite, sara.user, pid, used_row.id, code="invite_used")
    _err(NotFound, processes.revoke_invite, sara.user, pid, "A" * 22, code="invite_not_found")
    other = new_process(sara)
    _err(NotFound, processes.revoke_invite, sara.user, other, used_row.id,
         code="invite_not_found")
    assert _invite_row(used).state() == "used"


def test_an_invite_expires(sara, anna):
    pid = new_process(sara)
    token = invite(sara, pid, expires_at=in_days(2))
    assert timedelta(days=1) < _invite_row(token).expires_at - utcnow() <= timedelta(days=2)
    db.session.execute(update(Invite).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert _invite_row(token).state() == "expired"
    _err(NotFound, processes.invite_info, token, code="invite_not_found")
    _err(NotFound, processes.accept_invite, anna.user, token, code="invite_not_found")
    assert member_uids(pid) == {sara.uid}
    assert [i.state() for i in processes.list_invites(sara.user, pid)] == ["expired"]


@pytest.mark.parametrize("expires_at", [
    "2000-01-01T00:00:00Z", "2099-01-01T00:00:00", "soon", 3,
    "too far",
])
def test_an_invite_expiry_is_a_near_future_time(expires_at):
    if expires_at == "too far":  # computed here: a test id must not depend on the clock
        expires_at = (datetime.now(UTC) + timedelta(days=MAX_INVITE_DAYS + 1)).isoformat()
    with pytest.raises(InvalidInput) as exc:
        parse(InviteCreate, {"expires_at": expires_at})
    assert exc.value.code == "bad_expiry"


def test_invites_are_the_supervisors(sara, anna, carla):
    pid = new_process(sara, anna)
    _err(Forbidden, processes.create_invite, anna.user, pid, code="not_supervisor")
    _err(NotFound, processes.create_invite, carla.user, pid, code="process_not_found")
    _err(Forbidden, processes.list_invites, anna.user, pid, code="not_supervisor")
    _err(NotFound, processes.list_invites, carla.user, pid, code="process_not_found")
    assert _count(Invite) == 1          # anna's, used


def test_the_token_is_stored_only_hashed(app, sara):
    pid = new_process(sara)
    tokens = [invite(sara, pid) for _ in range(3)]
    everything = repr(dump_rows(app))
    for token in tokens:
        assert len(token) >= 32
        assert token not in everything
        assert token.encode() not in everything.encode()
        row = _invite_row(token)
        assert row.token_hash == hashlib.sha256(f"valitila/invite|{token}".encode()).digest()
        assert row.id not in token


# -- joining -------------------------------------------------------------------------------------

def test_an_invite_is_single_use(sara, anna, bertta):
    pid = new_process(sara)
    token = invite(sara, pid)
    before = epoch(pid)
    join(anna, token)
    assert epoch(pid) == before + 1
    _err(NotFound, processes.accept_invite, bertta.user, token, code="invite_not_found")
    _err(NotFound, processes.accept_invite, anna.user, token)
    assert member_uids(pid) == {sara.uid, anna.uid} and epoch(pid) == before + 1


def test_joining_twice_or_ones_own_process_is_already_member(sara, anna):
    pid = new_process(sara, anna)
    token = invite(sara, pid)
    _err(Conflict, processes.accept_invite, anna.user, token, code="already_member")
    _err(Conflict, processes.accept_invite, sara.user, token, code="already_member")
    assert _invite_row(token).state() == "open"            # not used up by a refusal
    roles = {m.user_uid: m.role for m in db.session.scalars(select(Membership))}
    assert roles == {sara.uid: "supervisor", anna.uid: "supervisee"}


def test_a_former_member_comes_back_only_by_a_new_invite(sara, anna):
    pid = new_process(sara)
    first = invite(sara, pid)
    join(anna, first)
    leave(sara, pid, anna.uid)
    _err(NotFound, processes.accept_invite, anna.user, first, code="invite_not_found")
    join(anna, invite(sara, pid))
    assert anna.uid in member_uids(pid)
    rows = db.session.scalars(select(Membership).where(Membership.user_uid == anna.uid)).all()
    assert len(rows) == 1 and rows[0].ended_at is None and rows[0].role == "supervisee"


def test_a_supervisor_can_be_invited_into_another_supervisors_process(sara, olli):
    pid = new_process(sara, olli)
    assert {m.user_uid: m.role for m in db.session.get(Process, pid).memberships} == {
        sara.uid: "supervisor", olli.uid: "supervisee"}


def test_register_with_an_invite_joins_in_the_same_transaction(sara):
    pid = new_process(sara)
    token = invite(sara, pid)
    keys = fast_account()
    with unit_of_work():
        user = accounts.register(parse(RegisterRequest, keys.registration(
            "uusi@example.fi", invite=token)))
    assert user.uid in member_uids(pid) and _invite_row(token).used_by == user.uid


@pytest.mark.parametrize("state", ["unknown", "used", "revoked", "expired", "ended"])
def test_register_with_a_dead_invite_leaves_no_account(sara, anna, state):
    pid = new_process(sara)
    token = invite(sara, pid)
    if state == "unknown":
        token = "x" * 32
    elif state == "used":
        join(anna, token)
    elif state == "revoked":
        _ok(processes.revoke_invite, sara.user, pid, _invite_row(token).id)
    elif state == "expired":
        db.session.execute(update(Invite).values(expires_at=utcnow()))
        db.session.commit()
    else:
        end(sara, pid)
    users = _count(User)
    keys = fast_account()
    with pytest.raises(NotFound) as exc, unit_of_work():
        accounts.register(parse(RegisterRequest, keys.registration(
            "uusi@example.fi", invite=token)))
    assert exc.value.code == "invite_not_found" and exc.value.extra["field"] == "invite"
    assert _count(User) == users and db.session.get(User, keys.uid) is None


# -- leaving -------------------------------------------------------------------------------------

def test_the_supervisor_removes_and_a_member_leaves(sara, anna, bertta):
    pid = new_process(sara, anna, bertta)
    start = epoch(pid)
    leave(sara, pid, anna.uid)
    assert member_uids(pid) == {sara.uid, bertta.uid} and epoch(pid) == start + 1
    leave(bertta, pid, bertta.uid)
    assert member_uids(pid) == {sara.uid} and epoch(pid) == start + 2
    ended = db.session.scalars(select(Membership).where(Membership.ended_at.is_not(None)))
    assert {m.user_uid for m in ended} == {anna.uid, bertta.uid}


def test_who_may_end_a_membership(sara, olli, anna, bertta, carla):
    pid = new_process(sara, anna, bertta)
    _err(InvalidInput, processes.end_membership, sara.user, pid, sara.uid,
         code="supervisor_cannot_leave")
    _err(Forbidden, processes.end_membership, anna.user, pid, bertta.uid,
         code="not_supervisor")
    _err(Forbidden, processes.end_membership, anna.user, pid, sara.uid, code="not_supervisor")
    for outsider in (olli, carla):
        _err(NotFound, processes.end_membership, outsider.user, pid, anna.uid,
             code="process_not_found")
    _err(NotFound, processes.end_membership, sara.user, pid, carla.uid,
         code="member_not_found")
    _err(NotFound, processes.end_membership, sara.user, str(uuid.uuid4()), anna.uid,
         code="process_not_found")
    leave(anna, pid, anna.uid)
    _err(NotFound, processes.end_membership, anna.user, pid, anna.uid,
         code="process_not_found")
    _err(NotFound, processes.end_membership, sara.user, pid, anna.uid,
         code="member_not_found")
    assert member_uids(pid) == {sara.uid, bertta.uid}


def test_ending_a_membership_deletes_the_envelopes_through_it(sara, anna, bertta):
    """PROTOCOL §5: to the leaver through the process, and of the leaver's items through it;
    every other envelope stays."""
    pid = new_process(sara, anna, bertta)
    other = new_process(sara, anna)
    to_sara = anna.entry()
    anna.share(to_sara, sara, pid)
    anna.share(to_sara, bertta, pid)
    to_sara_elsewhere = anna.entry()
    anna.share(to_sara_elsewhere, sara, other)
    title = sara.entry(process=pid)
    for reader in (anna, bertta):
        sara.share(title, reader, pid)
    berttas = bertta.entry()
    bertta.share(berttas, anna, pid)
    bertta.share(berttas, sara, pid)
    note = sara.entry(process=other)
    sara.share(note, anna, other)

    leave(anna, pid, anna.uid)
    db.session.expire_all()
    assert set(envelope_set(to_sara)) == {anna.uid}                   # her own only
    assert set(envelope_set(to_sara_elsewhere)) == {anna.uid, sara.uid}  # another process
    assert set(envelope_set(title)) == {sara.uid, bertta.uid}
    assert set(envelope_set(berttas)) == {bertta.uid, sara.uid}
    assert set(envelope_set(note)) == {sara.uid, anna.uid}
    for item_id in (title, berttas):
        _err(NotFound, get_item, anna.user, item_id)
    _err(NotFound, get_item, sara.user, to_sara)
    assert get_item(anna.user, to_sara)[0].id == to_sara        # still hers
    assert get_item(anna.user, note)[0].id == note
    # Every item that lost a reader is marked for a key rotation by its author's client;
    # the others are not.
    due = {item_id: db.session.get(Item, item_id).rekey_due
           for item_id in (to_sara, title, berttas, to_sara_elsewhere, note)}
    assert due == {to_sara: True, title: True, berttas: True, to_sara_elsewhere: False,
                   note: False}


def test_removal_by_the_supervisor_deletes_the_same_envelopes(sara, anna):
    pid = new_process(sara, anna)
    shared, title = anna.entry(), sara.entry(process=pid)
    anna.share(shared, sara, pid)
    sara.share(title, anna, pid)
    leave(sara, pid, anna.uid)
    db.session.expire_all()
    assert set(envelope_set(shared)) == {anna.uid}
    assert set(envelope_set(title)) == {sara.uid}


# -- sharing through a process ----------------------------------------------------------------

def test_a_share_needs_both_to_be_active_members_of_its_process(sara, olli, anna, bertta):
    pid = new_process(sara, anna)
    olli_pid = new_process(olli, bertta)
    item_id = anna.entry()
    for reader, process in ((bertta, pid), (bertta, olli_pid), (olli, olli_pid),
                            (sara, olli_pid), (sara, str(uuid.uuid4()))):
        _err(Forbidden, put_envelope, anna.user, item_id, reader.uid,
             {"envelope": anna.share_envelope(item_id, reader), "process": process},
             code="not_shared_process")
    assert set(envelope_set(item_id)) == {anna.uid}
    anna.share(item_id, sara, pid, expires_at=in_days(3))
    stored = envelope_set(item_id)[sara.uid]
    assert stored[0] == pid and timedelta(days=2) < stored[1] - utcnow() <= timedelta(days=3)


def test_a_former_member_can_neither_share_nor_be_shared_with(sara, anna, bertta):
    pid = new_process(sara, anna, bertta)
    annas, saras = anna.entry(), sara.entry()
    leave(anna, pid, anna.uid)
    _err(Forbidden, put_envelope, anna.user, annas, sara.uid,
         {"envelope": anna.share_envelope(annas, sara), "process": pid},
         code="not_shared_process")
    _err(Forbidden, put_envelope, sara.user, saras, anna.uid,
         {"envelope": sara.share_envelope(saras, anna), "process": pid},
         code="not_shared_process")
    assert _count(Envelope, Envelope.process_id.is_not(None)) == 0


def test_an_item_of_a_process_is_shared_only_through_it(sara, anna):
    pid = new_process(sara, anna)
    other = new_process(sara, anna)
    title = sara.entry(process=pid)
    _err(Forbidden, put_envelope, sara.user, title, anna.uid,
         {"envelope": sara.share_envelope(title, anna), "process": other},
         code="not_shared_process")
    sara.share(title, anna, pid)
    assert envelope_set(title)[anna.uid] == (pid, None)


def test_a_create_adds_readers_only_through_the_items_process(sara, anna, carla):
    pid = new_process(sara, anna)
    item_id = str(uuid.uuid4())
    body = sara.body(item_id) | {"process": pid}
    body["envelopes"].append(sara.share_envelope(item_id, anna))
    _ok(put_item, sara.user, item_id, body)
    assert envelope_set(item_id)[anna.uid] == (pid, None)
    item_id = str(uuid.uuid4())
    body = sara.body(item_id) | {"process": pid}
    body["envelopes"].append(sara.share_envelope(item_id, carla))
    _err(Forbidden, put_item, sara.user, item_id, body, code="not_shared_process")
    _err(NotFound, put_item, carla.user, item_id, carla.body(item_id) | {"process": pid},
         code="process_not_found")


def _rotate(author: Person, item_id: str, rev: int, readers: list[Person],
            **expiries: str) -> dict:
    """An update with a new DEK and a new envelope set (a key rotation)."""
    author.deks[item_id] = os.urandom(32)
    body = author.body(item_id, rev=rev, owner_envelope=True)
    for reader in readers:
        env = author.share_envelope(item_id, reader)
        if reader.uid in expiries:
            env["expires_at"] = expiries[reader.uid]
        body["envelopes"].append(env)
    return body


def test_a_rotation_keeps_each_readers_process_and_expiry(sara, olli, anna):
    """Anna shares one entry with two supervisors through two processes, revokes one and
    rotates the key: the other keeps their process and expiry."""
    pid, olli_pid = new_process(sara, anna), new_process(olli, anna)
    item_id = anna.entry()
    anna.share(item_id, sara, pid, expires_at=in_days(5))
    anna.share(item_id, olli, olli_pid)
    before = envelope_set(item_id)
    _ok(delete_envelope, anna.user, item_id, olli.uid)
    _ok(put_item, anna.user, item_id, _rotate(anna, item_id, 2, [sara]))
    db.session.expire_all()
    assert envelope_set(item_id) == {anna.uid: (None, None), sara.uid: before[sara.uid]}
    assert get_item(sara.user, item_id)[1].process_id == pid
    later = in_days(9)
    _ok(put_item, anna.user, item_id, _rotate(anna, item_id, 3, [sara], **{sara.uid: later}))
    db.session.expire_all()
    assert envelope_set(item_id)[sara.uid] == (pid, datetime.fromisoformat(later))


def test_a_due_rotation_is_not_an_edit_and_an_edit_is(sara, anna):
    """Stopping a share makes the author's client re-seal the entry under a new key: a new
    rev, but the entry was not edited (its page must not say so); changing it is."""
    pid = new_process(sara, anna)
    item_id = anna.entry()
    assert db.session.get(Item, item_id).edited_at is None
    anna.share(item_id, sara, pid)
    _ok(delete_envelope, anna.user, item_id, sara.uid)
    assert db.session.get(Item, item_id).rekey_due
    _ok(put_item, anna.user, item_id, _rotate(anna, item_id, 2, []))
    db.session.expire_all()
    item = db.session.get(Item, item_id)
    assert (item.rev, item.rekey_due, item.edited_at) == (2, False, None)
    assert item.updated_at > item.created_at
    _ok(put_item, anna.user, item_id, anna.body(item_id, rev=3))
    db.session.expire_all()
    item = db.session.get(Item, item_id)
    assert item.edited_at is not None and item.edited_at == item.updated_at


def test_a_rotation_adds_a_new_reader_only_through_the_items_process(sara, anna, bertta):
    pid = new_process(sara, anna, bertta)
    loose = anna.entry()
    anna.share(loose, sara, pid)
    _err(Forbidden, put_item, anna.user, loose, _rotate(anna, loose, 2, [sara, bertta]),
         code="not_shared_process")
    db.session.expire_all()
    assert set(envelope_set(loose)) == {anna.uid, sara.uid}
    title = sara.entry(process=pid)
    _ok(put_item, sara.user, title, _rotate(sara, title, 2, [anna, bertta]))
    db.session.expire_all()
    assert envelope_set(title) == {sara.uid: (None, None), anna.uid: (pid, None),
                                   bertta.uid: (pid, None)}


def test_a_rotation_cannot_bring_back_a_former_member(sara, anna):
    pid = new_process(sara, anna)
    title = sara.entry(process=pid)
    sara.share(title, anna, pid)
    leave(anna, pid, anna.uid)
    _err(Forbidden, put_item, sara.user, title, _rotate(sara, title, 2, [anna]),
         code="not_shared_process")
    db.session.expire_all()
    assert set(envelope_set(title)) == {sara.uid}


def test_list_by_process_shows_its_items_and_what_was_shared_through_it(sara, anna, bertta):
    pid = new_process(sara, anna, bertta)
    other = new_process(sara, anna)
    title = sara.entry(process=pid)
    for reader in (anna, bertta):
        sara.share(title, reader, pid)
    annas, annas_private = anna.entry(), anna.entry()
    anna.share(annas, sara, pid)
    elsewhere = anna.entry()
    anna.share(elsewhere, sara, other)
    berttas_own = bertta.entry(process=pid)           # in the process, shared with no one
    notes = sara.entry(process=pid)                   # the supervisor's private note

    def listed(person, process):
        return [i.id for i, _ in list_items(person.user, process=process, limit=100)[0]]

    assert set(listed(sara, pid)) == {title, annas, notes}
    assert listed(sara, pid)[0] == notes                               # newest first
    # PROTOCOL §7: the process's items and what was shared *with* the caller through it
    # (what she shared herself is her "what I have shared" list, not this one)
    assert set(listed(anna, pid)) == {title}
    assert set(listed(bertta, pid)) == {title, berttas_own}
    assert set(listed(sara, other)) == {elsewhere}
    assert annas_private not in listed(anna, pid)
    leave(anna, pid, anna.uid)
    assert set(listed(sara, pid)) == {title, notes}
    assert listed(anna, pid) == []


def test_bundles_are_for_current_co_members(sara, olli, anna, carla):
    pid = new_process(sara, anna)
    assert accounts.bundle_for(sara.user, anna.uid) == anna.keys.account.registration["bundle"]
    assert accounts.bundle_for(anna.user, sara.uid) == sara.keys.account.registration["bundle"]
    for viewer, uid in ((carla, anna.uid), (olli, sara.uid), (anna, carla.uid)):
        _err(NotFound, accounts.bundle_for, viewer.user, uid)
    end(sara, pid)
    assert accounts.bundle_for(anna.user, sara.uid)           # an ended process still counts
    leave(anna, pid, anna.uid)
    _err(NotFound, accounts.bundle_for, anna.user, sara.uid)
    _err(NotFound, accounts.bundle_for, sara.user, anna.uid)


def test_active_membership_and_sharing_a_process(sara, anna, carla):
    pid = new_process(sara, anna)
    assert processes.is_active_member(anna.uid, pid)             # a draft counts
    assert processes.is_active_member(sara.uid, pid)
    assert not processes.is_active_member(carla.uid, pid)
    assert processes.shares_process(anna.uid, sara.uid) and processes.shares_process(
        carla.uid, carla.uid)
    assert not processes.shares_process(anna.uid, carla.uid)


def test_the_roster_epoch_only_goes_up(sara, anna, bertta):
    pid = new_process(sara)
    epochs = [epoch(pid)]
    join(anna, invite(sara, pid))
    epochs.append(epoch(pid))
    join(bertta, invite(sara, pid))
    epochs.append(epoch(pid))
    leave(anna, pid, anna.uid)
    epochs.append(epoch(pid))
    leave(sara, pid, bertta.uid)
    epochs.append(epoch(pid))
    join(anna, invite(sara, pid))
    epochs.append(epoch(pid))
    frame(sara, pid, session_count=4)                 # not a roster change
    epochs.append(epoch(pid))
    assert epochs == [1, 2, 3, 4, 5, 6, 6]


def test_counts_of_rows_stay_honest(sara, anna):
    """A sanity check of the factories above: one process, two memberships, one used invite."""
    new_process(sara, anna)
    assert (_count(Process), _count(Membership), _count(Invite)) == (1, 2, 1)
    assert db.session.scalar(select(func.count()).select_from(Item)) == 0
