"""Service tests of retention (webapp/services/retention.py): the date set when a process ends,
the notice a month before (to the members at the end only, once, released when the mail
server fails, as a real SMTP server receives it: the date in the member's language, a link to
Settings' export, nothing sealed), the purge's scope kind by kind (what goes, what stays
theirs), and ending retention early by agreement."""
from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from webapp.extensions import db
from webapp.models import (
    Acceptance,
    ContractRevision,
    Envelope,
    Goal,
    Invite,
    Item,
    Membership,
    Process,
    SupervisionSession,
    User,
)
from webapp.models.agendas import Agenda, AgendaEntry
from webapp.models.assignments import AssignmentAssignee, CheckinSharing
from webapp.models.evaluations import Evaluation
from webapp.models.items import Tombstone
from webapp.models.privacy import RetentionConsent
from webapp.services import demo_processes, processes, retention
from webapp.services.errors import Conflict, Forbidden, NotFound
from webapp.services.retention import add_months
from webapp.uow import unit_of_work

from .factories import end_membership_row, make_process
from .test_invite_email import free_port, smtp_server
from .test_reminders_service import BASE, mail_setup, outbox  # noqa: F401 - fixtures
from .test_services_processes import Person

#: Words that exist only inside sealed items: none may appear in a notice.
MARKERS = ("Salainen Työpaikka", "Tunnistan oman jaksamiseni", "Kirjoitin joka ilta")
TODAY = retention.local_day()


@pytest.fixture
def sara(ctx):
    return Person("sara@example.fi", supervisor=True)


@pytest.fixture
def anna(ctx):
    return Person("anna@example.fi")


@pytest.fixture
def bertta(ctx):
    return Person("bertta@example.fi")


def keys(person: Person) -> demo_processes.Keys:
    return demo_processes.Keys(person.user, person.account)


def set_process(pid: str, **values) -> None:
    with unit_of_work():
        db.session.execute(update(Process).where(Process.id == pid).values(**values))


def fresh(pid: str) -> Process:
    return db.session.get(Process, pid, populate_existing=True)


def end(sara: Person, pid: str) -> Process:
    with unit_of_work():
        processes.end_process(sara.user, pid)
    return fresh(pid)


@pytest.fixture
def whole(sara, anna):
    """The demo's whole process between Sara and Anna (name, contract accepted by both,
    goals, sessions, a private note, Anna's two entries shared with Sara, an assignment with
    her shared answer, check-ins, topics, an agenda), plus a summary of the held session, an
    evaluation, an open invite, and an entry Anna kept to herself. Ended. Returns ids."""
    sup, see = keys(sara), keys(anna)
    with unit_of_work():
        entries = [demo_processes.seal(see, "entry", {"title": f"E{n}", "body": "x"}).id
                   for n in range(2)]
        private = demo_processes.seal(see, "entry", {"title": "mine", "body": "y"}).id
        mine = demo_processes.seal(sup, "entry", {"title": "hers", "body": "z"}).id
        pid = demo_processes.seed_process(sup, see, "Salainen Työpaikka", "Tampere", entries)
        held = demo_processes.held_session(pid)
        summary = demo_processes.seal(sup, "summary", {"body": "Kirjoitin joka ilta"},
                                      process=pid, readers=(see,),
                                      links={"session": held.id})
        processes.create_invite(sara.user, pid)
    set_process(pid, starts_on=TODAY - timedelta(days=200))
    with unit_of_work():
        from webapp.schemas import parse
        from webapp.schemas.items import ItemWrite
        from webapp.services import evaluations
        item_id = str(uuid.uuid4())
        body = sara.body(item_id, 1, kind="evaluation",
                         payload={"goals": {}, "summary": "Arvio"})
        body["process"] = pid
        body["envelopes"].append(sara.share_envelope(item_id, anna))
        evaluations.write(sara.user, item_id, parse(ItemWrite, body))
    end(sara, pid)
    return {"pid": pid, "entries": entries, "private": private, "mine": mine,
            "summary": summary.id, "evaluation": item_id}


def kinds_in(pid: str) -> Counter:
    return Counter(db.session.scalars(select(Item.kind).where(Item.process_id == pid)))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# -- dates ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 12, 2), 15, date(2028, 3, 2)),
    (date(2026, 11, 30), 15, date(2028, 2, 29)),     # a leap year's February
    (date(2027, 11, 30), 15, date(2029, 2, 28)),
    (date(2027, 5, 31), 1, date(2027, 6, 30)),
    (date(2027, 3, 31), -1, date(2027, 2, 28)),
    (date(2027, 1, 15), 0, date(2027, 1, 15)),
])
def test_months_keep_the_day_or_take_the_months_last(day, months, expected):
    assert add_months(day, months) == expected


def test_ending_a_process_sets_its_retention_by_the_configured_months(app, sara, anna):
    pid = make_process(sara.uid, anna.uid, status="active")
    assert fresh(pid).retention_until is None
    process = end(sara, pid)
    ended = retention.local_day(process.ended_at)
    assert process.retention_until == add_months(ended, 15)          # the default
    assert retention.notice_on(process) == add_months(ended, 14)
    other = make_process(sara.uid, anna.uid, status="active")
    app.config["RETENTION_MONTHS"] = 3
    try:
        assert end(sara, other).retention_until == add_months(ended, 3)
    finally:
        app.config.pop("RETENTION_MONTHS")
    with unit_of_work():                                              # ending again: no-op
        processes.end_process(sara.user, pid)
    assert fresh(pid).retention_until == add_months(ended, 15)


def test_the_end_is_a_helsinki_date(app, sara, anna):
    late = datetime(2027, 1, 31, 22, 30, tzinfo=UTC)                  # 00:30 on 1 Feb
    assert retention.local_day(late) == date(2027, 2, 1)


# -- the purge -----------------------------------------------------------------------------------

def test_purge_deletes_the_process_and_keeps_each_members_own(sara, anna, whole):
    pid = whole["pid"]
    before = kinds_in(pid)
    assert before == Counter({"title": 1, "contract": 1, "goal": 3, "note": 1,
                              "assignment": 2, "response": 1, "checkin": 6, "topic": 2,
                              "agenda": 1, "summary": 1, "evaluation": 1})
    assert count(Envelope, Envelope.process_id == pid) > 0
    assert count(SupervisionSession, SupervisionSession.process_id == pid) == 12
    assert count(AgendaEntry, AgendaEntry.process_id == pid) == 5
    assert count(Invite, Invite.process_id == pid) == 2               # used and revoked
    assert retention.purge(pid, TODAY) is None                        # not due yet
    db.session.rollback()
    set_process(pid, retention_until=TODAY, retention_notice_at=datetime.now(UTC))
    with unit_of_work():
        done = retention.purge(pid, TODAY)
    assert done is not None and done.sessions == 12
    # what only lived in the process is gone, with its rows
    assert kinds_in(pid) == Counter({"response": 1, "checkin": 6, "topic": 2})
    assert done.items == sum(before.values()) - 9
    for model, column in ((SupervisionSession, SupervisionSession.process_id),
                          (Agenda, Agenda.process_id), (AgendaEntry, AgendaEntry.process_id),
                          (ContractRevision, ContractRevision.process_id),
                          (Goal, Goal.process_id), (Evaluation, Evaluation.process_id),
                          (AssignmentAssignee, AssignmentAssignee.process_id),
                          (Invite, Invite.process_id), (Envelope, Envelope.process_id),
                          (RetentionConsent, RetentionConsent.process_id)):
        assert count(model, column == pid) == 0, model
    assert count(Acceptance) == 0 and count(CheckinSharing) == 0
    for gone in (whole["summary"], whole["evaluation"]):
        assert db.session.get(Item, gone) is None
        assert db.session.get(Tombstone, gone).author_uid == sara.uid  # stays deleted
    # what is Anna's stays hers: her entries, her answer, check-ins and topics, only her copy
    for item_id in [*whole["entries"], whole["private"]]:
        item = db.session.get(Item, item_id)
        assert [e.recipient_uid for e in item.envelopes] == [anna.uid]
    for item in db.session.scalars(select(Item).where(Item.process_id == pid)):
        assert item.author_uid == anna.uid
        assert [(e.recipient_uid, e.process_id) for e in item.envelopes] == [(anna.uid, None)]
        assert item.goal_id is None and item.parent_id is None    # links to what went
    assert all(db.session.get(Item, i).rekey_due for i in whole["entries"])
    assert not db.session.get(Item, whole["private"]).rekey_due
    # Sara's own journal is untouched; the process stays as a record without content
    assert [e.recipient_uid for e in db.session.get(Item, whole["mine"]).envelopes] == [
        sara.uid]
    process = fresh(pid)
    assert process.purged_at is not None and process.status == "ended"
    assert count(Membership, Membership.process_id == pid) == 2
    # idempotent
    with unit_of_work():
        assert retention.purge(pid, TODAY) is None


def test_a_due_process_is_not_purged_before_its_members_were_told(sara, anna, whole):
    pid = whole["pid"]
    set_process(pid, retention_until=TODAY - timedelta(days=3))
    with unit_of_work():
        assert retention.purge(pid, TODAY) is None
    assert fresh(pid).purged_at is None and kinds_in(pid)["title"] == 1


def test_other_processes_are_untouched(sara, anna, bertta, whole):
    other = make_process(sara.uid, bertta.uid, status="active")
    item = bertta.entry(other)
    set_process(whole["pid"], retention_until=TODAY, retention_notice_at=datetime.now(UTC))
    with unit_of_work():
        retention.purge(whole["pid"], TODAY)
    assert db.session.get(Item, item) is not None and fresh(other).purged_at is None


# -- ending early by agreement -------------------------------------------------------------------

def test_everyone_at_the_end_agreeing_makes_it_today(sara, anna, bertta):
    fiia = Person("fiia@example.fi")
    pid = make_process(sara.uid, anna.uid, bertta.uid, fiia.uid, form="group",
                       status="active")
    end_membership_row(pid, fiia.uid)                    # left before the end: not asked
    end(sara, pid)
    until = fresh(pid).retention_until
    with pytest.raises(Conflict) as error:
        retention.agree(anna.user, pid)
    assert error.value.code == "no_proposal"
    db.session.rollback()
    with pytest.raises(Forbidden):
        retention.propose(anna.user, pid)
    db.session.rollback()
    for outsider in (fiia, Person("olli@example.fi", supervisor=True)):
        with pytest.raises(NotFound):
            retention.agreement(outsider.user, pid)
        db.session.rollback()
    with unit_of_work():
        state = retention.propose(sara.user, pid)
    assert state.proposed and not state.all_agreed
    assert [(m.user_uid, agreed) for m, agreed in state.members] == [
        (sara.uid, True), (anna.uid, False), (bertta.uid, False)]
    with unit_of_work():
        state = retention.agree(anna.user, pid)
        retention.agree(anna.user, pid)                  # again: no-op
    assert not state.all_agreed and fresh(pid).retention_until == until
    assert count(RetentionConsent, RetentionConsent.process_id == pid) == 2
    with unit_of_work():
        state = retention.agree(bertta.user, pid)
    assert state.all_agreed and fresh(pid).retention_until == TODAY
    # no notice is needed: the next run purges
    with unit_of_work():
        assert retention.purge(pid, TODAY) is not None
    with pytest.raises(Conflict) as error:
        retention.agreement(anna.user, pid)
    assert error.value.code == "process_purged"


def test_a_member_who_left_after_the_end_is_asked_too(sara, anna, bertta):
    pid = make_process(sara.uid, anna.uid, bertta.uid, form="group", status="active")
    end(sara, pid)
    with unit_of_work():
        processes.end_membership(bertta.user, pid, bertta.uid)
    with unit_of_work():
        retention.propose(sara.user, pid)
        state = retention.agree(anna.user, pid)
    assert not state.all_agreed
    with unit_of_work():
        assert retention.agree(bertta.user, pid).all_agreed


def test_a_running_process_has_no_retention_to_agree_on(sara, anna):
    pid = make_process(sara.uid, anna.uid, status="active")
    with pytest.raises(Conflict) as error:
        retention.propose(sara.user, pid)
    assert error.value.code == "process_not_ended"


# -- the notice ----------------------------------------------------------------------------------

def told_at(pid: str):
    value = fresh(pid).retention_notice_at
    db.session.rollback()
    return value


def test_the_members_at_the_end_are_told_once_a_month_before(sara, anna, bertta, outbox):  # noqa: F811
    fiia = Person("fiia@example.fi")
    pid = make_process(sara.uid, anna.uid, bertta.uid, fiia.uid, form="group",
                       status="active")
    end_membership_row(pid, fiia.uid)
    with unit_of_work():
        db.session.execute(update(User).where(User.uid == bertta.uid).values(locale="sv"))
        db.session.execute(update(User).where(User.uid == sara.uid).values(locale="en"))
        demo_processes.seal(keys(sara), "title", {"title": "Salainen Työpaikka"},
                            process=pid, readers=(keys(anna),))
    end(sara, pid)
    until = add_months(TODAY, 1) + timedelta(days=1)
    set_process(pid, retention_until=until)
    assert retention.apply().sent == 0 and outbox.received == []      # not yet
    set_process(pid, retention_until=add_months(TODAY, 1))
    outcome = retention.apply()
    assert (outcome.sent, outcome.purged, outcome.failed) == (3, 0, 0)
    assert sorted(r for _s, rcpts, _m in outbox.received for r in rcpts) == [
        "anna@example.fi", "bertta@example.fi", "sara@example.fi"]
    by = {rcpts[0]: m for _s, rcpts, m in outbox.received}
    day = add_months(TODAY, 1)
    assert f"{day.day}. " in by["anna@example.fi"].get_content()      # Finnish long date
    assert str(day.year) in by["anna@example.fi"].get_content()
    assert by["anna@example.fi"]["Content-Language"] == "fi"
    assert by["bertta@example.fi"]["Content-Language"] == "sv"
    english = by["sara@example.fi"].get_content()
    assert "will be deleted on" in english and f"{day:%B} {day.day}, {day.year}" in english
    for message in by.values():
        text = message.get_content() + str(message["Subject"])
        assert f"{BASE}/account/#export" in text
        assert not any(marker in text for marker in MARKERS)
    assert told_at(pid) is not None
    assert retention.apply().sent == 0 and len(outbox.received) == 3  # once


def test_a_late_notice_still_gives_a_month(sara, anna, outbox):  # noqa: F811
    pid = make_process(sara.uid, anna.uid, status="active")
    end(sara, pid)
    set_process(pid, retention_until=TODAY - timedelta(days=10))     # the command ran late
    outcome = retention.apply()
    assert (outcome.sent, outcome.purged) == (2, 0)
    assert fresh(pid).retention_until == add_months(TODAY, 1)
    assert fresh(pid).purged_at is None


def test_a_failed_mail_server_gives_the_notice_back(sara, anna, mail_setup):  # noqa: F811
    pid = make_process(sara.uid, anna.uid, status="active")
    end(sara, pid)
    set_process(pid, retention_until=TODAY)
    mail_setup.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(free_port()), MAIL_USE_TLS="0",
                      MAIL_TIMEOUT="2", PUBLIC_URL=BASE)
    outcome = retention.apply()
    assert (outcome.sent, outcome.failed, outcome.purged) == (0, 1, 0)
    assert told_at(pid) is None and fresh(pid).retention_until == TODAY
    with smtp_server() as (box, port):
        mail_setup.update(MAIL_PORT=str(port))
        outcome = retention.apply()
    assert (outcome.sent, outcome.purged) == (2, 0) and len(box.received) == 2
    assert told_at(pid) is not None


def test_apply_purges_what_is_due_after_the_notice(sara, anna, whole, outbox):  # noqa: F811
    pid = whole["pid"]
    set_process(pid, retention_until=TODAY, retention_notice_at=datetime.now(UTC))
    outcome = retention.apply()
    assert (outcome.sent, outcome.purged) == (0, 1)
    assert fresh(pid).purged_at is not None and kinds_in(pid)["title"] == 0
    assert retention.apply().purged == 0
