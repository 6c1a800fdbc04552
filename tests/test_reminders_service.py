"""Service tests of the content-free email reminders (webapp/services/reminders.py): what is
due for each kind (due or not, the edges of "tomorrow" in the user's own time zone, opted
out, ended membership or process), each sent once, a failed SMTP server losing nothing, and
the messages themselves as a real SMTP server (aiosmtpd) receives them: in the user's
language and time zone, linking to PUBLIC_URL, with no word of anything sealed."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, update

from webapp.extensions import db
from webapp.models import Process, User
from webapp.models.agendas import Agenda
from webapp.models.assignments import AssignmentAssignee
from webapp.models.reminders import REMINDER_KINDS, ReminderSent
from webapp.schemas import parse
from webapp.schemas.items import ItemWrite
from webapp.services import assignments, reminders
from webapp.services.errors import InvalidInput
from webapp.uow import unit_of_work

from .factories import add_session, end_membership_row, make_process
from .test_invite_email import MAIL_KEYS, Inbox, free_port, smtp_server
from .test_services_items import _ok, put_item
from .test_services_processes import Person

#: Words that exist only inside sealed items (and a sealed process name): none may ever
#: appear in a message.
MARKERS = ("SINETÖITYMERKKI", "Salainen Työpaikka", "Kirjoita joka päivä")
WORDS = {"title": "SINETÖITYMERKKI välitehtävä", "instructions": "Kirjoita joka päivä…",
         "minutes": 5, "tags": ["vahvuudet"], "lang": "fi"}
#: 12:00 UTC on Tuesday 9 March 2027: 14:00 in Helsinki, 07:00 in New York (both on winter
#: time), so "tomorrow" is the 10th for both.
NOW = datetime(2027, 3, 9, 12, 0, tzinfo=UTC)
BASE = "https://valitila.example.fi"


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
def pid(sara, anna, bertta) -> str:
    """A running group process that started on 1 January 2027 (its first evaluation is due
    on 1 July: none near NOW)."""
    pid = make_process(sara.uid, anna.uid, bertta.uid, form="group", status="active")
    starts(pid, date(2027, 1, 1))
    return pid


def starts(pid: str, day: date, months: int = 6) -> None:
    with unit_of_work():
        db.session.execute(update(Process).where(Process.id == pid).values(
            starts_on=day, evaluation_months=months))


def opt_in(person: Person, *kinds: str) -> None:
    _ok(reminders.set_settings, person.user, kinds or REMINDER_KINDS)


def set_user(person: Person, **values) -> None:
    with unit_of_work():
        db.session.execute(update(User).where(User.uid == person.uid).values(**values))


def give(supervisor: Person, pid: str, readers, due: datetime | None) -> str:
    """A real assignment (sealed words, an envelope per assignee) due at `due`."""
    item_id = str(uuid.uuid4())
    body = supervisor.body(item_id, 1, kind="assignment", payload=WORDS)
    body["process"] = pid
    body["envelopes"] += [supervisor.share_envelope(item_id, reader) for reader in readers]
    _ok(assignments.give, supervisor.user, item_id, parse(ItemWrite, body), due)
    return item_id


def share_agenda(pid: str, session_id: str, at: datetime = NOW - timedelta(hours=1)) -> None:
    with unit_of_work():
        db.session.add(Agenda(session_id=session_id, process_id=pid, shared_at=at))


def due_to(now: datetime = NOW) -> set[tuple[str, str]]:
    """(email, kind) of every reminder due at `now`."""
    emails = dict(db.session.execute(select(User.uid, User.email)).all())
    found = reminders.due(now)
    db.session.rollback()
    return {(emails[r.user_uid], r.kind) for r in found}


def due_items(now: datetime = NOW) -> set[tuple[str, str]]:
    """(email, assignment id) of every assignment reminder due at `now`."""
    emails = dict(db.session.execute(select(User.uid, User.email)).all())
    found = reminders.due(now)
    db.session.rollback()
    return {(emails[r.user_uid], r.subject.split("@")[0]) for r in found
            if r.kind == "assignment_due"}


# -- settings ------------------------------------------------------------------------------------

def test_nothing_is_wanted_until_the_user_opts_in(anna):
    assert reminders.settings_of(anna.user) == dict.fromkeys(REMINDER_KINDS, False)
    opt_in(anna, "assignment_due", "agenda_shared")
    assert reminders.settings_of(anna.user) == {
        "assignment_due": True, "session_tomorrow": False, "agenda_shared": True,
        "evaluation_due": False}
    opt_in(anna, "session_tomorrow")                     # exactly what is chosen, the rest off
    assert [k for k, v in reminders.settings_of(anna.user).items() if v] == ["session_tomorrow"]
    with pytest.raises(InvalidInput):
        reminders.set_settings(anna.user, ["assignment_due", "birthday"])
    db.session.rollback()
    assert reminders.settings_of(anna.user)["session_tomorrow"] is True


# -- assignment_due ------------------------------------------------------------------------------

@pytest.mark.parametrize(("due", "expected"), [
    (datetime(2027, 3, 9, 21, 59, tzinfo=UTC), False),   # 23:59 today in Helsinki
    (datetime(2027, 3, 9, 22, 0, tzinfo=UTC), True),     # 00:00 tomorrow
    (datetime(2027, 3, 10, 21, 59, tzinfo=UTC), True),   # 23:59 tomorrow
    (datetime(2027, 3, 10, 22, 0, tzinfo=UTC), False),   # 00:00 the day after
    (datetime(2027, 3, 9, 11, 0, tzinfo=UTC), False),    # already past
])
def test_an_open_assignment_is_due_when_it_falls_due_tomorrow_in_her_zone(
        sara, anna, bertta, pid, due, expected):
    opt_in(anna)
    give(sara, pid, [anna], due)
    assert due_to() == ({("anna@example.fi", "assignment_due")} if expected else set())


def test_tomorrow_is_each_assignees_own(sara, anna, bertta, pid):
    """Due at 03:00 UTC on the 11th: 22:00 on the 10th in New York (tomorrow), 05:00 on the
    11th in Helsinki (the day after). Late in the evening (00:30 on the 10th in Helsinki,
    17:30 on the 9th in New York), noon UTC on the 10th is today in Helsinki and still
    tomorrow in New York, and 03:00 UTC on the 11th is tomorrow for both."""
    opt_in(anna), opt_in(bertta)
    set_user(bertta, timezone="America/New_York")
    night = give(sara, pid, [anna, bertta], datetime(2027, 3, 11, 3, 0, tzinfo=UTC))
    assert due_items() == {("bertta@example.fi", night)}
    noon = give(sara, pid, [anna, bertta], datetime(2027, 3, 10, 12, 0, tzinfo=UTC))
    late = datetime(2027, 3, 9, 22, 30, tzinfo=UTC)
    assert due_items(late) == {("anna@example.fi", night), ("bertta@example.fi", night),
                               ("bertta@example.fi", noon)}


def test_only_open_assignments_of_current_members_who_opted_in(sara, anna, bertta, pid):
    tomorrow = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
    opt_in(anna, "session_tomorrow", "agenda_shared", "evaluation_due")   # not this kind
    opt_in(bertta)
    item = give(sara, pid, [anna, bertta], tomorrow)
    give(sara, pid, [anna, bertta], None)                          # no due time
    assert due_to() == {("bertta@example.fi", "assignment_due")}
    for status in ("done", "skipped"):
        with unit_of_work():
            db.session.execute(update(AssignmentAssignee).where(
                AssignmentAssignee.assignment_id == item).values(status=status))
        assert due_to() == set()
    with unit_of_work():
        db.session.execute(update(AssignmentAssignee).values(status="open"))
    assert due_to() == {("bertta@example.fi", "assignment_due")}
    end_membership_row(pid, bertta.uid)
    assert due_to() == set()


def test_nothing_is_due_in_an_ended_process(sara, anna, pid):
    opt_in(anna), opt_in(sara)
    give(sara, pid, [anna], datetime(2027, 3, 10, 9, 0, tzinfo=UTC))
    add_session(pid, datetime(2027, 3, 10, 15, 0, tzinfo=UTC))
    # the assignment, the session for both, and the final evaluation at the last session
    assert {kind for _email, kind in due_to()} == set(REMINDER_KINDS) - {"agenda_shared"}
    assert len(due_to()) == 5
    with unit_of_work():
        db.session.execute(update(Process).where(Process.id == pid).values(status="ended"))
    assert due_to() == set()


# -- session_tomorrow ----------------------------------------------------------------------------

def test_a_session_tomorrow_reminds_every_current_member(sara, anna, bertta, pid):
    for person in (sara, anna, bertta):
        opt_in(person, "session_tomorrow")
    add_session(pid, datetime(2027, 3, 10, 15, 0, tzinfo=UTC))
    assert due_to() == {(p.user.email, "session_tomorrow") for p in (sara, anna, bertta)}
    end_membership_row(pid, bertta.uid)
    assert due_to() == {(p.user.email, "session_tomorrow") for p in (sara, anna)}


@pytest.mark.parametrize(("starts", "status", "expected"), [
    (datetime(2027, 3, 9, 22, 0, tzinfo=UTC), "planned", True),    # 00:00 tomorrow
    (datetime(2027, 3, 9, 21, 30, tzinfo=UTC), "planned", False),  # 23:30 today
    (datetime(2027, 3, 10, 22, 0, tzinfo=UTC), "planned", False),  # the day after
    (datetime(2027, 3, 10, 15, 0, tzinfo=UTC), "cancelled", False),
    (datetime(2027, 3, 10, 15, 0, tzinfo=UTC), "held", False),
])
def test_only_a_planned_session_that_starts_tomorrow(sara, anna, pid, starts, status,
                                                      expected):
    opt_in(anna, "session_tomorrow")
    add_session(pid, starts, status=status)
    assert due_to() == ({("anna@example.fi", "session_tomorrow")} if expected else set())


def test_a_session_tomorrow_in_her_own_time_zone(sara, anna, pid):
    """07:00 on the 10th in Helsinki is 00:00 that day in New York: tomorrow for both; a
    session at 04:30 UTC on the 10th is 23:30 on the 9th (today) in New York."""
    opt_in(anna, "session_tomorrow"), opt_in(sara, "session_tomorrow")
    set_user(anna, timezone="America/New_York")
    add_session(pid, datetime(2027, 3, 10, 4, 30, tzinfo=UTC))
    assert due_to() == {("sara@example.fi", "session_tomorrow")}
    add_session(pid, datetime(2027, 3, 10, 5, 0, tzinfo=UTC))
    assert due_to() == {("sara@example.fi", "session_tomorrow"),
                        ("anna@example.fi", "session_tomorrow")}


# -- agenda_shared -------------------------------------------------------------------------------

def test_a_shared_agenda_reminds_the_members_but_not_the_supervisor(sara, anna, bertta, pid):
    for person in (sara, anna, bertta):
        opt_in(person, "agenda_shared")
    later = add_session(pid, datetime(2027, 3, 20, 15, 0, tzinfo=UTC))
    share_agenda(pid, later)
    assert due_to() == {("anna@example.fi", "agenda_shared"),
                        ("bertta@example.fi", "agenda_shared")}
    end_membership_row(pid, bertta.uid)
    assert due_to() == {("anna@example.fi", "agenda_shared")}


def test_an_agenda_not_shared_or_of_a_past_session_is_not_due(sara, anna, pid):
    opt_in(anna, "agenda_shared")
    drafted = add_session(pid, datetime(2027, 3, 20, 15, 0, tzinfo=UTC))
    with unit_of_work():
        db.session.add(Agenda(session_id=drafted, process_id=pid, shared_at=None))
    past = add_session(pid, datetime(2027, 3, 8, 15, 0, tzinfo=UTC))
    share_agenda(pid, past, NOW - timedelta(days=3))
    held = add_session(pid, datetime(2027, 3, 9, 13, 0, tzinfo=UTC), status="held")
    share_agenda(pid, held)
    assert due_to() == set()


# -- evaluation_due ------------------------------------------------------------------------------

def test_an_evaluation_falling_due_reminds_every_current_member(sara, anna, bertta, pid):
    """Started on 15 September 2026, every 6 months: due on 15 March 2027, six days after
    NOW (inside the 14 days before its date)."""
    for person in (sara, anna, bertta):
        opt_in(person, "evaluation_due")
    starts(pid, date(2026, 9, 15))
    found = reminders.due(NOW)
    assert {(r.user_uid, r.subject, r.at) for r in found} == {
        (p.uid, f"{pid}@20270315", date(2027, 3, 15)) for p in (sara, anna, bertta)}
    db.session.rollback()
    end_membership_row(pid, bertta.uid)
    assert due_to() == {("sara@example.fi", "evaluation_due"),
                        ("anna@example.fi", "evaluation_due")}


def test_an_evaluation_is_not_due_too_early_or_once_accepted(sara, anna, pid):
    from webapp.models.evaluations import Evaluation
    opt_in(anna, "evaluation_due")
    starts(pid, date(2026, 9, 30))                   # due 30 March: 21 days away
    assert due_to() == set()
    assert due_to(NOW + timedelta(days=7)) == {("anna@example.fi", "evaluation_due")}
    item_id = anna.entry(pid)
    with unit_of_work():
        db.session.add(Evaluation(item_id=item_id, process_id=pid, due_on=date(2027, 3, 30),
                                  kind="interim", accepted_at=NOW))
    assert due_to(NOW + timedelta(days=7)) == set()


def test_the_window_opens_on_each_members_own_today(sara, anna, bertta, pid):
    """00:30 on the 10th in Helsinki is 17:30 on the 9th in New York: an evaluation due on
    the 24th is 14 days away for Anna (due) and 15 for Bertta (not yet)."""
    opt_in(anna, "evaluation_due"), opt_in(bertta, "evaluation_due")
    set_user(bertta, timezone="America/New_York")
    starts(pid, date(2026, 9, 24))
    late = datetime(2027, 3, 9, 22, 30, tzinfo=UTC)
    assert due_to(late) == {("anna@example.fi", "evaluation_due")}
    assert due_to(late + timedelta(hours=7)) == {("anna@example.fi", "evaluation_due"),
                                                 ("bertta@example.fi", "evaluation_due")}


def test_finding_what_is_due_costs_the_same_queries_however_much_is_due(
        app, sara, anna, bertta, pid):
    from .test_queries import count_queries

    def one_of_each(process: str) -> None:
        starts(process, date(2026, 9, 15))                          # evaluation due 15 March
        give(sara, process, [anna, bertta], datetime(2027, 3, 10, 9, 0, tzinfo=UTC))
        add_session(process, datetime(2027, 3, 10, 15, 0, tzinfo=UTC))
        share_agenda(process, add_session(process, datetime(2027, 3, 24, 15, 0, tzinfo=UTC)))

    def measure() -> tuple[int, int]:
        db.session.rollback()
        with count_queries(app) as statements:
            found = reminders.due(NOW)
        db.session.rollback()
        return len(found), len(statements)

    for person in (sara, anna, bertta):
        opt_in(person)
    one_of_each(pid)
    few, queries = measure()
    for _ in range(4):
        one_of_each(make_process(sara.uid, anna.uid, bertta.uid, form="group",
                                 status="active"))
    many, more_queries = measure()
    # per process: the assignment ×2, the session ×3, the agenda ×2, the evaluation ×3
    assert (few, many) == (10, 50)
    assert more_queries == queries, (queries, more_queries)


# -- sending each once ---------------------------------------------------------------------------

@pytest.fixture
def mail_setup(app):
    keys = (*MAIL_KEYS, "PUBLIC_URL")
    saved = {key: app.config.get(key) for key in keys}
    yield app.config
    for key, value in saved.items():
        if value is None:
            app.config.pop(key, None)
        else:
            app.config[key] = value


@pytest.fixture
def outbox(mail_setup):
    with smtp_server() as (box, port):
        mail_setup.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), MAIL_USE_TLS="0",
                          MAIL_FROM="Välitila <muistutus@valitila.example>", PUBLIC_URL=BASE)
        yield box


def sent_count() -> int:
    count = db.session.scalar(select(func.count()).select_from(ReminderSent))
    db.session.rollback()
    return count


def world(sara, anna, bertta, pid) -> list[str]:
    """One of each kind due at NOW for Anna; Bertta (Stockholm, Swedish) a session; Sara
    (English) the session too. Returns the ids of the sealed items (a name, an assignment)."""
    opt_in(anna), opt_in(bertta), opt_in(sara)
    set_user(bertta, locale="sv", timezone="Europe/Stockholm")
    set_user(sara, locale="en")
    title = str(uuid.uuid4())                    # the process's sealed name, for everyone
    body = sara.body(title, 1, kind="title", payload={"title": "Salainen Työpaikka Oy"})
    body["process"] = pid
    body["envelopes"] += [sara.share_envelope(title, p) for p in (anna, bertta)]
    _ok(put_item, sara.user, title, body)
    assignment = give(sara, pid, [anna], datetime(2027, 3, 10, 9, 0, tzinfo=UTC))
    add_session(pid, datetime(2027, 3, 10, 15, 0, tzinfo=UTC))
    share_agenda(pid, add_session(pid, datetime(2027, 3, 24, 15, 0, tzinfo=UTC)))
    return [title, assignment]


def test_each_reminder_is_sent_once(sara, anna, bertta, pid, outbox):
    world(sara, anna, bertta, pid)
    outcome = reminders.send_due(NOW)
    # Anna: assignment, session, agenda; Bertta: session, agenda; Sara: session.
    assert (outcome.sent, outcome.failed, outcome.skipped) == (6, 0, 0)
    assert len(outbox.received) == 6 and sent_count() == 6
    assert reminders.send_due(NOW) == reminders.Outcome()
    assert reminders.send_due(NOW + timedelta(minutes=15)).sent == 0
    assert len(outbox.received) == 6
    # A session moved to another time tomorrow is a new reminder; the same one is not.
    with unit_of_work():
        from webapp.models.sessions import SupervisionSession
        db.session.execute(update(SupervisionSession).where(
            SupervisionSession.starts_at == datetime(2027, 3, 10, 15, 0, tzinfo=UTC))
            .values(starts_at=datetime(2027, 3, 10, 16, 0, tzinfo=UTC)))
    assert reminders.send_due(NOW).sent == 3


def test_the_messages_say_only_that_something_is_waiting(sara, anna, bertta, pid, outbox):
    sealed = world(sara, anna, bertta, pid)
    reminders.send_due(NOW)
    by_recipient: dict[str, list] = {}
    for _sender, recipients, message in outbox.received:
        assert len(recipients) == 1
        by_recipient.setdefault(recipients[0], []).append(message)
    assert {k: len(v) for k, v in by_recipient.items()} == {
        "anna@example.fi": 3, "bertta@example.fi": 2, "sara@example.fi": 1}
    for _sender, _recipients, message in outbox.received:
        text = message.as_string() + message.get_content()
        for marker in (*MARKERS, "Testi Henkilö", pid, *sealed):
            assert marker not in text, marker
        body = message.get_content().replace("\r\n", "\n")
        assert f"{BASE}/\n" in body and f"{BASE}/account/" in body
        assert message["Auto-Submitted"] == "auto-generated"
        assert "Välitila" in message["Subject"]
    # Each in the reader's language: the greeting says it (the catalogues translate it).
    for message in by_recipient["anna@example.fi"]:
        assert message["Content-Language"] == "fi" and message.get_content().startswith("Hei,")
    for message in by_recipient["bertta@example.fi"]:
        assert message["Content-Language"] == "sv" and message.get_content().startswith("Hej,")
    (english,) = by_recipient["sara@example.fi"]
    assert english["Content-Language"] == "en"
    # ... and time zone: the session at 15:00 UTC is 17.00 in Helsinki, 16:00 in Stockholm,
    # 5:00 PM for Sara in Helsinki.
    assert "You have a supervision session tomorrow at 5:00\u202fPM." in english.get_content()
    assert any("17.00" in m.get_content() for m in by_recipient["anna@example.fi"])
    assert any("16:00" in m.get_content() for m in by_recipient["bertta@example.fi"])


@pytest.mark.parametrize("kind", ["assignment_due", "session_tomorrow", "agenda_shared",
                                  "evaluation_due"])
def test_every_kind_has_its_own_line_in_english(kind):
    reminder = reminders.Reminder("u", "a@example.fi", "en", "Europe/Helsinki", kind, "k",
                                  datetime(2027, 3, 10, 15, 0, tzinfo=UTC))
    subject, body, language = reminders.reminder_message(reminder, BASE + "/")
    assert language == "en" and subject == "A reminder from Välitila"
    line = body.split("\n\n")[1]
    assert line == {
        "assignment_due": "You have an interim assignment that is due tomorrow.",
        "session_tomorrow": "You have a supervision session tomorrow at 5:00\u202fPM.",
        "agenda_shared": "The agenda of your supervision session on March 10, 2027 has been "
                         "shared with you.",
        "evaluation_due": "An evaluation of your supervision process is due on March 10, "
                          "2027.",
    }[kind]


def test_a_failed_smtp_server_loses_nothing(sara, anna, bertta, pid, mail_setup):
    world(sara, anna, bertta, pid)
    mail_setup.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(free_port()), MAIL_USE_TLS="0",
                      MAIL_TIMEOUT="2", PUBLIC_URL=BASE)
    outcome = reminders.send_due(NOW)
    # Nothing listens there: three tries fail, the run stops, nothing stays claimed.
    assert (outcome.sent, outcome.failed, outcome.left) == (0, reminders.FAILURES_IN_A_ROW,
                                                            6 - reminders.FAILURES_IN_A_ROW)
    assert sent_count() == 0
    with smtp_server() as (box, port):
        mail_setup.update(MAIL_PORT=str(port))
        assert reminders.send_due(NOW).sent == 6
    assert len(box.received) == 6 and sent_count() == 6


class Refusing(Inbox):
    """An SMTP server that refuses some addresses (550) and keeps the rest."""

    def __init__(self, refused: set[str]) -> None:
        super().__init__()
        self.refused = refused

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_an_address_the_server_refuses_does_not_stop_the_others(sara, mail_setup):
    """Six addresses refused and one taken, in any order: the run tries all seven (refusals
    are not the server failing), sends the one, and keeps the six for the next run."""
    people = [sara] + [Person(f"poissa{n}@example.fi") for n in range(6)]
    pid = make_process(sara.uid, *(p.uid for p in people[1:]), form="group", status="active")
    for person in people:
        opt_in(person, "session_tomorrow")
    add_session(pid, datetime(2027, 3, 10, 15, 0, tzinfo=UTC))
    inbox = Refusing({p.user.email for p in people[1:]})
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        mail_setup.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(controller.port),
                          MAIL_USE_TLS="0", PUBLIC_URL=BASE)
        outcome = reminders.send_due(NOW)
    finally:
        controller.stop()
    assert (outcome.sent, outcome.failed, outcome.left) == (1, 6, 0)
    assert [rcpts for _s, rcpts, _m in inbox.received] == [["sara@example.fi"]]
    assert sent_count() == 1
    assert len(reminders.due(NOW)) == 6


def test_nothing_is_sent_without_mail_or_a_public_address(sara, anna, bertta, pid, mail_setup):
    world(sara, anna, bertta, pid)
    mail_setup.update(MAIL_SERVER="", PUBLIC_URL=BASE)
    with pytest.raises(reminders.NotConfigured, match="MAIL_SERVER"):
        reminders.send_due(NOW)
    with smtp_server() as (box, port):
        mail_setup.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), MAIL_USE_TLS="0",
                          PUBLIC_URL="")
        with pytest.raises(reminders.NotConfigured, match="PUBLIC_URL"):
            reminders.send_due(NOW)
    assert box.received == [] and sent_count() == 0
