"""Service-layer tests of webapp.services.schedule and webapp.services.calendar: generating a
schedule from the frame (daylight saving time included), moving, adding, cancelling with a
reason category, marking held, un-cancelling; who may do what; the user's time zone; the
calendar feed's secret and its events, parsed with the icalendar library."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select, update

from webapp.extensions import db
from webapp.models import Item, Process, User
from webapp.models.sessions import SupervisionSession
from webapp.models.types import utcnow
from webapp.schemas import parse
from webapp.schemas.accounts import RegisterRequest
from webapp.services import accounts, calendar, schedule
from webapp.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from webapp.uow import unit_of_work

from .factories import add_session, end_membership_row, fast_account, make_process

HELSINKI = ZoneInfo("Europe/Helsinki")


def register(email: str, supervisor: bool = False) -> User:
    body = fast_account().registration(email, is_supervisor=supervisor)
    with unit_of_work():
        return accounts.register(parse(RegisterRequest, body))


class Cast:
    """sara supervises `pid` with anna (and former member fiia); olli supervises `other` with
    bertta; stranger is in nothing."""

    def __init__(self) -> None:
        self.sara = register("sara@example.fi", supervisor=True)
        self.anna = register("anna@example.fi")
        self.fiia = register("fiia@example.fi")
        self.olli = register("olli@example.fi", supervisor=True)
        self.bertta = register("bertta@example.fi")
        self.stranger = register("stranger@example.fi")
        self.pid = make_process(self.sara.uid, self.anna.uid, self.fiia.uid)
        end_membership_row(self.pid, self.fiia.uid)
        self.other = make_process(self.olli.uid, self.bertta.uid)


@pytest.fixture
def cast(ctx) -> Cast:
    return Cast()


def generate(user, pid, day=date(2027, 3, 10), clock=time(17, 0), zone=None):
    with unit_of_work():
        return [s.id for s in schedule.generate_schedule(user, pid, day, clock, zone)]


def fresh(sid: str) -> SupervisionSession:
    db.session.expire_all()
    return db.session.get(SupervisionSession, sid)


def _frame(pid: str, **values) -> None:
    db.session.execute(update(Process).where(Process.id == pid).values(**values))
    db.session.commit()


# -- generating --------------------------------------------------------------------------------

def test_generate_follows_the_frame_at_the_same_local_time_across_dst(cast):
    """17:00 in Helsinki every 14 days from 10 March 2027: 15:00 UTC before the clocks go
    forward on 28 March, 14:00 UTC after it; 17:00 local throughout."""
    _frame(cast.pid, session_count=4, interval_days=14, session_minutes=75)
    ids = generate(cast.sara, cast.pid)
    rows = [fresh(sid) for sid in ids]
    assert [r.starts_at for r in rows] == [
        datetime(2027, 3, 10, 15, 0, tzinfo=UTC), datetime(2027, 3, 24, 15, 0, tzinfo=UTC),
        datetime(2027, 4, 7, 14, 0, tzinfo=UTC), datetime(2027, 4, 21, 14, 0, tzinfo=UTC)]
    assert {r.starts_at.astimezone(HELSINKI).time() for r in rows} == {time(17, 0)}
    assert {(r.minutes, r.status, r.cancel_reason) for r in rows} == {(75, "planned", None)}
    assert len({r.id for r in rows}) == 4 and all(len(r.id) == 22 for r in rows)


def test_generate_in_autumn_and_in_another_zone(cast):
    """Back to winter time on 31 October 2027; a zone named in the call wins over the user's."""
    _frame(cast.pid, session_count=2, interval_days=7)
    ids = generate(cast.sara, cast.pid, date(2027, 10, 25), time(9, 30), "America/New_York")
    starts = [fresh(sid).starts_at for sid in ids]
    # New York leaves DST on 7 November 2027: both sessions are on EDT (UTC-4)
    assert starts == [datetime(2027, 10, 25, 13, 30, tzinfo=UTC),
                      datetime(2027, 11, 1, 13, 30, tzinfo=UTC)]


def test_generate_uses_the_supervisors_own_time_zone(cast):
    with unit_of_work():
        schedule.set_timezone(cast.sara, "Asia/Tokyo")
    _frame(cast.pid, session_count=1)
    [sid] = generate(cast.sara, cast.pid, date(2027, 6, 1), time(10, 0))
    assert fresh(sid).starts_at == datetime(2027, 6, 1, 1, 0, tzinfo=UTC)


def test_generate_stops_at_the_frames_end(cast):
    _frame(cast.pid, session_count=10, interval_days=7, ends_on=date(2027, 3, 24))
    assert len(generate(cast.sara, cast.pid)) == 3          # 10, 17 and 24 March
    _frame(cast.pid, ends_on=date(2027, 1, 1))
    db.session.execute(SupervisionSession.__table__.delete())
    db.session.commit()
    with pytest.raises(InvalidInput) as caught:
        generate(cast.sara, cast.pid)
    assert caught.value.code == "bad_dates"


def test_generate_twice_is_a_conflict_and_makes_one_schedule(cast):
    first = generate(cast.sara, cast.pid)
    with pytest.raises(Conflict) as caught:
        generate(cast.sara, cast.pid)
    assert caught.value.code == "schedule_exists"
    count = db.session.scalar(select(func.count()).select_from(SupervisionSession))
    assert count == len(first) == 12                            # the individual form's 12


@pytest.mark.parametrize("who, error, code", [
    ("anna", Forbidden, "not_supervisor"), ("fiia", NotFound, "process_not_found"),
    ("olli", NotFound, "process_not_found"), ("bertta", NotFound, "process_not_found"),
    ("stranger", NotFound, "process_not_found")])
def test_only_the_supervisor_generates(cast, who, error, code):
    with pytest.raises(error) as caught:
        generate(getattr(cast, who), cast.pid)
    assert caught.value.code == code
    assert db.session.scalar(select(func.count()).select_from(SupervisionSession)) == 0


def test_an_ended_process_is_read_only(cast):
    [sid, *_] = generate(cast.sara, cast.pid)
    _frame(cast.pid, status="ended", ended_at=utcnow())
    for call in (lambda: schedule.generate_schedule(cast.sara, cast.pid, date(2027, 1, 1),
                                                    time(9)),
                 lambda: schedule.add_session(cast.sara, cast.pid, date(2027, 1, 1), time(9)),
                 lambda: schedule.move_session(cast.sara, sid, date(2027, 1, 1), time(9)),
                 lambda: schedule.cancel_session(cast.sara, sid, "illness"),
                 lambda: schedule.mark_held(cast.sara, sid)):
        with pytest.raises(Conflict) as caught, unit_of_work():
            call()
        assert caught.value.code == "process_ended"
    assert fresh(sid).status == "planned"
    # still readable to its members
    assert [s.id for s in schedule.list_sessions(cast.anna, cast.pid)][0] == sid


# -- reading -----------------------------------------------------------------------------------

def test_members_see_the_schedule_and_nobody_else(cast):
    ids = generate(cast.sara, cast.pid)
    for who in ("sara", "anna"):
        user = getattr(cast, who)
        assert [s.id for s in schedule.list_sessions(user, cast.pid)] == ids
        assert schedule.get_session(user, ids[0], cast.pid).id == ids[0]
    for who in ("fiia", "olli", "bertta", "stranger"):
        user = getattr(cast, who)
        with pytest.raises(NotFound):
            schedule.list_sessions(user, cast.pid)
        with pytest.raises(NotFound) as caught:
            schedule.get_session(user, ids[0])
        assert caught.value.code == "session_not_found"
    with pytest.raises(NotFound):                    # the right session, the wrong process
        schedule.get_session(cast.sara, ids[0], cast.other)
    with pytest.raises(NotFound):
        schedule.get_session(cast.sara, "A" * 22)


# -- changing ----------------------------------------------------------------------------------

def _one(cast, day=date(2027, 3, 10), clock=time(17)) -> str:
    with unit_of_work():
        return schedule.add_session(cast.sara, cast.pid, day, clock).id


def test_add_a_session_with_the_frames_length_or_its_own(cast):
    _frame(cast.pid, session_minutes=60)
    sid = _one(cast)
    assert (fresh(sid).minutes, fresh(sid).starts_at) == (
        60, datetime(2027, 3, 10, 15, tzinfo=UTC))
    with unit_of_work():
        other = schedule.add_session(cast.sara, cast.pid, date(2027, 7, 1), time(8, 15), 90).id
    assert (fresh(other).minutes, fresh(other).starts_at) == (
        90, datetime(2027, 7, 1, 5, 15, tzinfo=UTC))
    with pytest.raises(Forbidden), unit_of_work():
        schedule.add_session(cast.anna, cast.pid, date(2027, 7, 1), time(8))


def test_move_to_a_new_local_time_and_length(cast):
    sid = _one(cast)
    before = fresh(sid).updated_at
    with unit_of_work():
        schedule.move_session(cast.sara, sid, date(2027, 4, 2), time(12, 30), 45)
    row = fresh(sid)
    assert row.starts_at == datetime(2027, 4, 2, 9, 30, tzinfo=UTC)      # EEST, UTC+3
    assert row.minutes == 45 and row.status == "planned" and row.updated_at > before
    with unit_of_work():
        schedule.move_session(cast.sara, sid, None, None, 120)            # the length alone
    assert fresh(sid).minutes == 120 and fresh(sid).starts_at == row.starts_at


def test_a_stale_updated_at_is_refused_and_changes_nothing(cast):
    sid = _one(cast)
    seen = fresh(sid).updated_at
    with unit_of_work():
        schedule.move_session(cast.sara, sid, date(2027, 5, 5), time(10), expected=seen)
    moved = fresh(sid)
    with pytest.raises(Conflict) as caught, unit_of_work():
        schedule.cancel_session(cast.sara, sid, "illness", expected=seen)
    assert caught.value.code == "session_changed"
    assert fresh(sid).status == "planned" and fresh(sid).updated_at == moved.updated_at
    with unit_of_work():                                  # with the fresh stamp it works
        schedule.cancel_session(cast.sara, sid, "illness", expected=moved.updated_at)
    assert fresh(sid).status == "cancelled"


def test_cancel_with_a_reason_and_undo(cast):
    sid = _one(cast)
    with unit_of_work():
        schedule.cancel_session(cast.sara, sid, "workload")
    assert (fresh(sid).status, fresh(sid).cancel_reason) == ("cancelled", "workload")
    for call in (lambda: schedule.cancel_session(cast.sara, sid, "illness"),
                 lambda: schedule.move_session(cast.sara, sid, date(2027, 1, 1), time(9)),
                 lambda: schedule.mark_held(cast.sara, sid)):
        with pytest.raises(Conflict) as caught, unit_of_work():
            call()
        assert caught.value.code in ("session_cancelled", "not_started")
    with unit_of_work():
        schedule.uncancel_session(cast.sara, sid)
    assert (fresh(sid).status, fresh(sid).cancel_reason) == ("planned", None)
    with pytest.raises(Conflict) as caught, unit_of_work():
        schedule.uncancel_session(cast.sara, sid)
    assert caught.value.code == "session_planned"


def test_held_only_once_started(cast):
    future = _one(cast, date.today() + timedelta(days=3))
    with pytest.raises(Conflict) as caught, unit_of_work():
        schedule.mark_held(cast.sara, future)
    assert caught.value.code == "not_started"
    past = _one(cast, date.today() - timedelta(days=3))
    with unit_of_work():
        schedule.mark_held(cast.sara, past)
    assert fresh(past).status == "held"
    with pytest.raises(Conflict) as caught, unit_of_work():
        schedule.cancel_session(cast.sara, past, "other")
    assert caught.value.code == "session_held"


def test_held_by_mistake_is_undone_until_its_summary_is_written(cast):
    past = _one(cast, date.today() - timedelta(days=3))
    with pytest.raises(Conflict) as caught, unit_of_work():
        schedule.unhold_session(cast.sara, past)                  # planned: nothing to undo
    assert caught.value.code == "session_planned"
    with unit_of_work():
        schedule.mark_held(cast.sara, past)
    seen = fresh(past).updated_at
    with unit_of_work():                     # PATCH {status: "planned"} on a held session
        schedule.change_session(cast.sara, past, "replan", expected=seen)
    assert fresh(past).status == "planned" and fresh(past).updated_at > seen
    with pytest.raises(Conflict) as caught, unit_of_work():
        schedule.change_session(cast.sara, past, "replan", expected=seen)   # stale stamp
    assert caught.value.code == "session_changed"
    with unit_of_work():
        schedule.mark_held(cast.sara, past)
    # Once the summary is written the session stays held (its readers have the summary).
    with unit_of_work():
        db.session.add(Item(id=str(uuid.uuid4()), kind="summary", author_uid=cast.sara.uid,
                            rev=1, h="aA", iv="aA", ct="aA", sig="aA", size=6,
                            process_id=cast.pid, session_id=past))
    with pytest.raises(Conflict) as caught, unit_of_work():
        schedule.change_session(cast.sara, past, "replan")
    assert caught.value.code == "summary_written" and fresh(past).status == "held"


@pytest.mark.parametrize("who, error", [
    ("anna", Forbidden), ("fiia", NotFound), ("olli", NotFound), ("bertta", NotFound),
    ("stranger", NotFound)])
def test_only_the_supervisor_undoes_held(cast, who, error):
    sid = _one(cast, date.today() - timedelta(days=1))
    with unit_of_work():
        schedule.mark_held(cast.sara, sid)
    with pytest.raises(error), unit_of_work():
        schedule.change_session(getattr(cast, who), sid, "replan")
    assert fresh(sid).status == "held"


@pytest.mark.parametrize("who, error", [
    ("anna", Forbidden), ("fiia", NotFound), ("olli", NotFound), ("bertta", NotFound),
    ("stranger", NotFound)])
def test_only_the_supervisor_changes_a_session(cast, who, error):
    sid = _one(cast, date.today() - timedelta(days=1))
    user = getattr(cast, who)
    for call in (lambda: schedule.move_session(user, sid, date(2027, 1, 1), time(9)),
                 lambda: schedule.cancel_session(user, sid, "illness"),
                 lambda: schedule.mark_held(user, sid)):
        with pytest.raises(error), unit_of_work():
            call()
    assert fresh(sid).status == "planned"


# -- double bookings -------------------------------------------------------------------------

def test_overlapping_ids():
    at = datetime(2027, 3, 10, 15, tzinfo=UTC)
    h = timedelta(hours=1)
    assert schedule.overlapping_ids([]) == set()
    assert schedule.overlapping_ids([("a", at, 60), ("b", at + h, 60)]) == set()   # touching
    assert schedule.overlapping_ids([("b", at + h / 2, 60), ("a", at, 60)]) == {"a", "b"}
    # a long one under two short ones that do not overlap each other
    assert schedule.overlapping_ids([("long", at, 240), ("x", at + h, 30),
                                     ("y", at + 2 * h, 30), ("z", at + 4 * h, 30)]) == {
        "long", "x", "y"}


def test_a_session_that_overlaps_the_supervisors_other_sessions(cast):
    """Her other processes count, held ones too; cancelled ones, touching ends and another
    supervisor's sessions do not."""
    at = datetime(2027, 3, 10, 15, tzinfo=UTC)
    second = make_process(cast.sara.uid, cast.bertta.uid)
    mine = add_session(cast.pid, at, minutes=90)
    other_process = add_session(second, at + timedelta(minutes=60), minutes=60)
    held_before = add_session(second, at - timedelta(hours=2), minutes=150, status="held")
    add_session(second, at + timedelta(minutes=30), status="cancelled")
    after = add_session(second, at + timedelta(minutes=90))                # starts at its end
    add_session(second, at - timedelta(minutes=60))                        # ends at its start
    add_session(cast.other, at)                                            # olli's
    found = schedule.overlaps(db.session.get(User, cast.sara.uid), fresh(mine))
    assert [row.id for row in found] == [held_before, other_process]
    assert [row.id for row in schedule.overlaps(db.session.get(User, cast.sara.uid),
                                                fresh(other_process))] == [mine, after]


# -- time zones --------------------------------------------------------------------------------

def test_time_zone_default_and_setting(cast):
    assert cast.anna.timezone == "Europe/Helsinki"
    assert schedule.zone_name(cast.anna) == "Europe/Helsinki"
    with unit_of_work():
        schedule.set_timezone(cast.anna, "Europe/Stockholm")
    assert db.session.get(User, cast.anna.uid).timezone == "Europe/Stockholm"
    for bad in ("", "Mars/Olympus", "US/Eastern", "EST5EDT", "europe/helsinki", "../etc"):
        with pytest.raises(InvalidInput), unit_of_work():
            schedule.set_timezone(cast.anna, bad)
    assert db.session.get(User, cast.anna.uid).timezone == "Europe/Stockholm"


def test_a_missing_local_time_moves_forward():
    """03:30 on 28 March 2027 does not exist in Helsinki (03:00 → 04:00)."""
    start = schedule.local_start(date(2027, 3, 28), time(3, 30), HELSINKI)
    assert start.astimezone(HELSINKI).time() == time(4, 30)


# -- the calendar feed -------------------------------------------------------------------------

def test_feed_secret_is_stored_hashed_replaced_and_revoked(cast):
    with unit_of_work():
        first = calendar.create_feed(cast.anna)
    stored = db.session.get(User, cast.anna.uid).calendar_token_hash
    assert stored == calendar.token_hash(first) and first.encode() not in stored
    assert calendar.feed_owner(first).uid == cast.anna.uid
    with unit_of_work():
        second = calendar.create_feed(cast.anna)
    assert calendar.feed_owner(first) is None and calendar.feed_owner(second).uid == cast.anna.uid
    with unit_of_work():
        calendar.revoke_feed(cast.anna)
    assert calendar.feed_owner(second) is None and calendar.feed(second) is None
    assert calendar.feed_owner("") is None and calendar.feed_owner("x" * 500) is None


def test_feed_lists_the_sessions_of_active_memberships_only(cast):
    _frame(cast.pid, session_count=3)
    today = utcnow().astimezone(HELSINKI).date()
    mine = generate(cast.sara, cast.pid, today + timedelta(days=1))
    with unit_of_work():
        foreign = schedule.add_session(cast.olli, cast.other, today, time(12)).id
        schedule.cancel_session(cast.sara, mine[1], "illness")
    with unit_of_work():
        token = calendar.create_feed(cast.anna)
    parsed = Calendar.from_ical(calendar.feed(token))
    events = parsed.walk("VEVENT")
    assert {str(e["UID"]) for e in events} == {f"{sid}@valitila" for sid in mine}
    assert foreign not in calendar.feed(token).decode()
    by_uid = {str(e["UID"]).split("@")[0]: e for e in events}
    assert str(by_uid[mine[1]]["STATUS"]) == "CANCELLED"
    assert str(by_uid[mine[0]]["STATUS"]) == "CONFIRMED"
    for event in events:
        assert str(event["SUMMARY"]) == "Työnohjaus"
        start = event.decoded("DTSTART")
        assert start.tzinfo is not None and start.utcoffset() == timedelta(0)
        assert start.astimezone(HELSINKI).time() == time(17, 0)
        assert event.decoded("DTEND") - start == timedelta(minutes=60)
        assert event.decoded("DTSTAMP").utcoffset() == timedelta(0)
    # a former member's feed and an ended process list nothing
    end_membership_row(cast.pid, cast.anna.uid)
    assert Calendar.from_ical(calendar.feed(token)).walk("VEVENT") == []


def test_feed_title_in_the_users_language_and_round_trips(cast):
    generate(cast.sara, cast.pid, utcnow().date() + timedelta(days=2))
    db.session.execute(update(User).where(User.uid == cast.anna.uid).values(locale="sv"))
    db.session.commit()
    with unit_of_work():
        token = calendar.create_feed(cast.anna)
    text = calendar.feed(token)
    parsed = Calendar.from_ical(text)
    assert {str(e["SUMMARY"]) for e in parsed.walk("VEVENT")} == {"Arbetshandledning"}
    assert parsed.to_ical() == text                           # the parser round-trips it
    assert b"PRODID:" in text and b"VERSION:2.0" in text
    # the same session keeps its UID and DTSTAMP in a new rendering
    assert calendar.feed(token) == text


def test_one_session_ics(cast):
    sid = _one(cast)
    ics = calendar.session_ics(cast.anna, fresh(sid))
    [event] = Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["UID"]) == f"{sid}@valitila"
    assert event.decoded("DTSTART") == datetime(2027, 3, 10, 15, tzinfo=UTC)
