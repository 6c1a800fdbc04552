"""The homes (issue 9; DESIGN.md principle 1) and where signing in leads.

A supervisee's home is "until the next session": per process, the countdown to the next
planned session (Babel, the reader's language and time zone), the sealed name, the goals in
order with their status, how many entries they marked "bring to the next session", and
"Write a reflection". A supervisor's home: their processes (active, drafts) and the coming
sessions of the next 14 days across all of them with the supervisees' names. Pages carry
structure and ciphertext only."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

import protocol
from webapp.extensions import db
from webapp.models import User

from .factories import add_goal, add_session, api_register, end_membership_row, make_process
from .helpers import Person
from .test_views import assert_page, sealed_of

GOAL_TEXT = "Salainen tavoite: jaksaminen"


@pytest.fixture
def sara(app) -> Person:
    return api_register(app, "sara@example.fi", display_name="Sara Ohjaaja", is_supervisor=True)


@pytest.fixture
def anna(app) -> Person:
    return api_register(app, "anna@example.fi", display_name="Anna Aalto")


@pytest.fixture
def bertta(app) -> Person:
    return api_register(app, "bertta@example.fi", display_name="Bertta Berg")


@pytest.fixture
def pid(app, sara, anna) -> str:
    return make_process(sara.uid, anna.uid, status="active", app=app)


def at(days: float = 0, hours: float = 0) -> datetime:
    return datetime.now(UTC) + timedelta(days=days, hours=hours)


def share(author: Person, item_id: str, reader: Person, pid: str, **extra) -> None:
    x = protocol.b64u_decode(author.bundle_of(reader.uid)["x25519"], 32)
    envelope = protocol.share_envelope(author.deks[item_id], item_id, reader.uid, x)
    response = author.put(f"/items/{item_id}/envelopes/{reader.uid}",
                          {"envelope": envelope, "process": pid, **extra})
    assert response.status_code == 204, response.get_json()


def set_user(app, person: Person, **values) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.uid == person.uid).values(**values))
        db.session.commit()


# -- the supervisee's home ---------------------------------------------------------------------

def test_the_supervisee_home_counts_down_to_the_next_session(app, sara, anna, pid):
    add_session(pid, at(-7), status="held", app=app)                    # the past
    add_session(pid, at(1), status="cancelled", app=app)                # not planned
    soon = at(3, 1)
    next_id = add_session(pid, soon, minutes=90, app=app)
    add_session(pid, at(30), app=app)
    doc = assert_page(anna.client.get("/home/"))
    card = doc.find("section", data_process=pid)
    times = card.find("p", data_countdown=True).find_all("time")
    assert [t.attrs["datetime"] for t in times] == [soon.isoformat()]
    text = card.find("p", data_countdown=True).all_text()
    assert "3 päivän päästä" in text and "90 min" in text, text
    assert next_id not in doc.all_text()
    # one tap to write, and the process's page
    assert card.find("a", href="/journal/new")
    assert card.find("a", href=f"/processes/{pid}")
    assert doc.find("body").attrs.get("hx-history") == "false"


def test_the_countdown_speaks_the_readers_language_and_time_zone(app, sara, anna, pid):
    starts = datetime(2031, 6, 2, 15, 30, tzinfo=UTC)    # a Monday
    add_session(pid, starts, app=app)
    set_user(app, anna, locale="en", timezone="America/New_York")
    text = assert_page(anna.client.get("/home/")).find("p", data_countdown=True).all_text()
    # (how many years depends on today: "in 5 years" turned "in 4 years" on 2026-12-03)
    assert "Mon, Jun 2 at 11:30" in text and re.search(r"\bin [45] years", text), text
    set_user(app, anna, locale="sv", timezone="Europe/Helsinki")
    text = assert_page(anna.client.get("/home/")).find("p", data_countdown=True).all_text()
    assert "mån 2 juni" in text and "18:30" in text and re.search(r"\bom [45] år", text), text
    set_user(app, anna, timezone="Not/AZone")                           # a bad name: Helsinki
    text = assert_page(anna.client.get("/home/")).find("p", data_countdown=True).all_text()
    assert "18:30" in text


def test_no_session_and_no_goals_are_said_plainly(app, sara, anna, pid):
    doc = assert_page(anna.client.get("/home/"))
    card = doc.find("section", data_process=pid)
    assert card.find("p", data_countdown=True).all_text().strip() == \
        "Seuraavaa kertaa ei ole vielä suunniteltu."                     # (in Finnish)
    assert card.find("p", data_no_goals=True)


def test_the_goals_in_order_with_status_as_ciphertext(app, sara, anna, pid):
    second = add_goal(sara, pid, GOAL_TEXT, readers=(anna.uid,), position=2, app=app)
    first = add_goal(sara, pid, GOAL_TEXT, readers=(anna.uid,), position=1, status="achieved",
                     app=app)
    unshared = add_goal(sara, pid, GOAL_TEXT, position=3, app=app)    # no envelope for anna
    response = anna.client.get("/home/")
    html = response.get_data(as_text=True)
    assert GOAL_TEXT not in html
    items = assert_page(response).find("ol", data_goals=True).find_all("li")
    assert [li.attrs["data-status"] for li in items] == ["achieved", "open", "open"]
    sealed = [sealed_of(li.find(data_js_home_goal=True)) for li in items[:2]]
    assert [s["id"] for s in sealed] == [first, second]
    assert all(s["envelope"]["recipient"] == anna.uid for s in sealed)
    assert not items[2].find_all(data_js_home_goal=True) and unshared not in html
    assert anna.open(sealed[0])["text"] == GOAL_TEXT        # the browser opens what it got


def test_the_bring_count_is_the_supervisees_own_marked_shares(app, sara, anna, bertta):
    pid = make_process(sara.uid, anna.uid, bertta.uid, status="active", app=app)
    marked = [anna.write("Tuo tämä", "x") for _ in range(2)]
    for item_id in marked:
        share(anna, item_id, sara, pid, bring=True)
    share(anna, anna.write("Ei merkitty", "x"), sara, pid)
    bring = bertta.write("Bertan", "x")
    share(bertta, bring, sara, pid, bring=True)
    expired = anna.write("Vanha", "x")
    share(anna, expired, sara, pid, bring=True,
          expires_at=(datetime.now(UTC) + timedelta(minutes=5)).isoformat())
    from webapp.models import Envelope
    with app.app_context():
        db.session.execute(update(Envelope).where(Envelope.item_id == expired,
                                                  Envelope.recipient_uid == sara.uid)
                           .values(expires_at=at(hours=-1)))
        db.session.commit()
    text = assert_page(anna.client.get("/home/")).find("p", data_bring=True).all_text()
    assert text.strip().startswith("2 "), text
    text = assert_page(bertta.client.get("/home/")).find("p", data_bring=True).all_text()
    assert text.strip().startswith("1 "), text


def test_ended_processes_and_former_memberships_are_not_on_the_home(app, sara, anna, bertta):
    ended = make_process(sara.uid, anna.uid, status="ended", app=app)
    left = make_process(sara.uid, anna.uid, status="active", app=app)
    end_membership_row(left, anna.uid, app=app)
    draft = make_process(sara.uid, anna.uid, app=app)
    html = anna.client.get("/home/").get_data(as_text=True)
    assert draft in html and ended not in html and left not in html


def test_a_person_in_no_process_is_told_so(app, bertta):
    doc = assert_page(bertta.client.get("/home/"))
    assert doc.find("section", class_="empty-state").find("a", href="/journal/")


# -- the supervisor's home ---------------------------------------------------------------------

def test_the_supervisor_home_lists_processes_and_coming_sessions(app, sara, anna, bertta):
    first = make_process(sara.uid, anna.uid, status="active", app=app)
    second = make_process(sara.uid, bertta.uid, anna.uid, form="group", app=app)    # a draft
    ended = make_process(sara.uid, bertta.uid, status="ended", app=app)
    other = make_process(api_register(app, is_supervisor=True).uid, anna.uid, app=app)
    later = add_session(second, at(5), app=app)
    sooner = add_session(first, at(2), app=app)
    add_session(first, at(20), app=app)                       # beyond 14 days
    add_session(first, at(1), status="cancelled", app=app)
    add_session(ended, at(3), app=app)
    add_session(other, at(3), app=app)
    add_session(first, at(-1), app=app)                       # past
    doc = assert_page(sara.client.get("/home/"))
    coming = doc.find("ol", data_coming=True).find_all("li")
    assert [li.attrs["data-session"] for li in coming] == [sooner, later]
    assert "Anna Aalto" in coming[0].all_text()
    assert "Bertta Berg, Anna Aalto" in coming[1].all_text()
    listed = [li.attrs["data-process"] for li in
              doc.find("ul", data_supervising=True).find_all("li")]
    assert listed == [first, second]
    assert doc.find("a", href="/processes/new")


def test_a_supervisor_without_processes_or_sessions(app, sara):
    doc = assert_page(sara.client.get("/home/"))
    assert doc.find("p", data_no_coming=True)
    assert doc.find("a", href="/processes/new")


def test_the_home_is_in_the_nav(app, anna):
    doc = assert_page(anna.client.get("/home/"))
    link = doc.find("nav", class_="site-nav").find("a", href="/home/")
    assert link.attrs.get("aria-current") == "page"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for path in ("/home/", "/home/start"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# -- where signing in leads ---------------------------------------------------------------------

def test_where_signing_in_leads(app, sara, anna, bertta):
    carl = api_register(app, display_name="Carl")
    dora = api_register(app, display_name="Dora")
    make_process(sara.uid, anna.uid, app=app)                                  # a draft
    make_process(sara.uid, bertta.uid, status="ended", app=app)
    left = make_process(sara.uid, dora.uid, status="active", app=app)
    end_membership_row(left, dora.uid, app=app)
    landing = {p.email: p.client.get("/home/start").headers["Location"]
               for p in (sara, anna, bertta, carl, dora)}
    assert landing == {sara.email: "/home/", anna.email: "/home/", bertta.email: "/journal/",
                       carl.email: "/journal/", dora.email: "/journal/"}


def test_the_sign_in_and_sign_up_pages_land_through_home_start(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'data-next="/home/start"' in html
    assert 'data-next="/journal/new"' in client.get("/login?next=/journal/new").get_data(
        as_text=True)
    assert 'data-next="/home/start"' in client.get("/signup").get_data(as_text=True)


@pytest.mark.parametrize("locale", ["fi", "sv", "en"])
def test_session_times_read_as_babel_formats_them(locale):
    """The home's dates use each skeleton's pattern looked up once: the same text as babel's
    format_skeleton, in every language, across the DST change."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_skeleton

    from webapp.home import When

    zone = ZoneInfo("Europe/Helsinki")
    when = When(zone, locale, datetime(2027, 3, 20, 9, 0, tzinfo=UTC))
    for moment in (datetime(2027, 3, 27, 15, 0, tzinfo=UTC), datetime(2027, 3, 29, 15, 0,
                                                                         tzinfo=UTC)):
        assert when.day(moment) == format_skeleton("yMMMEd", moment, tzinfo=zone, locale=locale)
        assert format_skeleton("Hm", moment, tzinfo=zone, locale=locale) in when.date(moment)
        assert format_skeleton("MMMMEEEEd", moment, tzinfo=zone,
                               locale=locale) in when.date(moment)


def test_the_countdown_does_not_round_up_to_a_unit_not_yet_reached():
    """53 minutes before is "in 53 minutes", not "in 1 hour" (babel's default threshold
    rounds up from 85 % of a unit); a whole hour or day is named as such."""
    from webapp.home import _countdown
    assert _countdown(53, "fi") == "53 minuutin päästä"
    assert _countdown(60, "fi") == "1 tunnin päästä"
    assert _countdown(23 * 60, "sv") == "om 23 timmar"
    assert _countdown(25 * 60, "en") == "in 25 hours"
    assert _countdown(36 * 60, "fi") == "36 tunnin päästä"     # not "in 2 days"
    assert _countdown(3 * 24 * 60, "fi") == "3 päivän päästä"
    assert _countdown(25 * 24 * 60 + 90, "fi") == "25 päivän päästä"   # not "in 4 weeks"
    assert _countdown(46 * 24 * 60, "fi") == "46 päivän päästä"        # not "in 2 months"
    assert _countdown(90 * 24 * 60, "en") == "in 3 months"
