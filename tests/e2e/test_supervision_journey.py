"""Issue 9's whole journey, two people on phones, every step through the UI: a supervisor signs
up and lands on her home, starts a process (its name sealed on her device) and makes an invite;
the supervisee signs up from the link (the supervisor's key checked against its #fp) and waits
for the process's papers; the supervisor's app shares them; she writes the contract and a goal,
both accept it and the process is active; she plans the sessions and they are in the
supervisee's calendar feed (parsed with icalendar); the supervisee's home counts down to the
next session; she shares an entry marked for the session, the supervisor reads it, the
supervisee revokes it and the supervisor's API answers 404; a share until the end of the next
session disappears the moment it expires. The no-plaintext proof covers every word typed."""
from __future__ import annotations

import re
from datetime import date, timedelta

from icalendar import Calendar
from playwright.sync_api import Page, expect

from webapp.extensions import db
from webapp.models import Envelope
from webapp.models.types import utcnow

from .journeys import write_entry
from .test_join import confirm_recovery_key, fill_signup
from .test_processes_ui import sign_up_as_supervisor
from .test_sharing import share_from_entry, uid_of


def start_process(sara: Page, name: str) -> str:
    sara.goto("/processes/new")
    sara.check("#form-individual")
    sara.fill("#process-name", name)
    sara.locator("[data-process-form] [type=submit]").click()
    sara.wait_for_url(re.compile(r".*/processes/[0-9a-f-]{36}$"))
    expect(sara.locator("h1.process-name")).to_have_text(name)
    return sara.url.rsplit("/", 1)[1]


def make_invite(sara: Page, pid: str) -> str:
    sara.goto(f"/processes/{pid}")
    sara.locator("[data-invite-form] [type=submit]").click()
    link = sara.locator("[data-invite-link]")
    expect(link).to_be_visible()
    return link.input_value()


def join_by_signing_up(anna: Page, link: str, pid: str) -> None:
    anna.goto(link)
    join = anna.locator("[data-js-join]")
    expect(join.locator("[data-join-ok]")).to_be_visible()
    join.locator("[data-join-signup]").click()
    anna.wait_for_url(re.compile(r".*/signup\?invite=.*"))
    fill_signup(anna, "Anna Ohjattava")
    confirm_recovery_key(anna)
    anna.wait_for_url(re.compile(rf".*/processes/{pid}$"))


def write_contract(sara: Page, pid: str, methods: str, goal: str) -> None:
    sara.goto(f"/processes/{pid}/contract/edit")
    expect(sara.locator("#c-confidentiality")).to_have_value(re.compile("vaitiolovelvollisuus"))
    sara.fill("#c-methods", methods)
    sara.locator("[data-js-contract-edit] [type=submit]").click()
    sara.wait_for_url(re.compile(rf".*/processes/{pid}/contract$"))
    sara.fill("#goal-text", goal)
    sara.locator("[data-goal-form] [type=submit]").click()
    expect(sara.locator("[data-goal] [data-goal-text]")).to_have_text([goal])


def accept_contract(page: Page, pid: str, methods: str, signatures: int) -> None:
    page.goto(f"/processes/{pid}/contract")
    revision = page.locator(".contract [data-js-contract-revision]")
    expect(revision.locator("[data-section=methods] [data-text]")).to_have_text(methods)
    page.locator("[data-js-contract-accept] [type=submit]").click()
    expect(page.locator("[data-verify][data-state=ok]")).to_have_count(signatures)


def plan_sessions(sara: Page, pid: str, first: date) -> None:
    sara.goto(f"/processes/{pid}")
    card = sara.locator("[data-schedule]")
    sara.fill("#first-date", first.isoformat())
    sara.fill("#first-time", "16:00")
    card.locator("[type=submit]").click()
    expect(card.locator("[data-session]").first).to_be_visible()


def calendar_feed(anna: Page) -> str:
    anna.goto("/account/")
    card = anna.locator("[data-js-calendar-feed]")
    card.locator("[data-create]").click()
    link = card.locator("[data-calendar-link]")
    expect(link).to_be_visible()
    return link.input_value()


def test_invite_contract_calendar_share_revoke_expire(new_context, live_server, marker,
                                                      no_plaintext):
    sara = new_context().new_page()
    sign_up_as_supervisor(sara)                           # lands on her home
    name = f"Anna {marker}"
    pid = start_process(sara, name)
    link = make_invite(sara, pid)
    assert re.search(r"/join/[A-Za-z0-9_-]+#fp=[A-Za-z0-9_-]{22}$", link), link

    # The supervisee signs up from the link and waits for her supervisor's app.
    anna = new_context().new_page()
    join_by_signing_up(anna, link, pid)
    expect(anna.locator("p.notice[role=status]")).to_be_visible()
    sara.goto("/home/")                                   # her app shares the process's papers
    expect(sara.locator("[data-js-notice]")).to_have_attribute("data-state", "ok")
    anna.reload()
    expect(anna.locator("h1.process-name")).to_have_text(name)

    # The contract and a goal; both accept, and the process is active.
    methods = f"Ratkaisukeskeinen {marker} työskentely."
    goal = f"Jaksan {marker} paremmin."
    write_contract(sara, pid, methods, goal)
    # (sealed to every member as they are written: nothing is left for the process sync)
    accept_contract(anna, pid, methods, 1)
    accept_contract(sara, pid, methods, 2)
    expect(sara.locator("[data-process-status]")).not_to_have_text("Luonnos")

    # The sessions are planned and in the supervisee's calendar feed.
    first = date.today() + timedelta(days=3)
    plan_sessions(sara, pid, first)
    url = calendar_feed(anna)
    response = new_context().request.get(url)
    assert response.status == 200
    events = Calendar.from_ical(response.body()).walk("VEVENT")
    assert events and {str(e["SUMMARY"]) for e in events} == {"Työnohjaus"}
    assert min(e.decoded("DTSTART") for e in events).date() in (first, first - timedelta(1))
    assert marker.encode() not in response.body()

    # Her home counts down to the next session, with the goal, opened on her device.
    anna.goto("/home/")
    home = anna.locator(f"[data-process='{pid}']")
    expect(home.locator("[data-countdown] time")).to_be_visible()
    expect(home.locator("h2 .process-name")).to_contain_text(name)
    expect(home.locator("[data-goals]")).to_contain_text(goal)

    # She shares an entry marked for the session; the supervisor reads it.
    entry = write_entry(anna, f"Jaettava {marker}", f"Ohjaajalle {marker} luettavaksi.")
    share_from_entry(anna, entry, bring=True)
    anna_uid = uid_of(anna)
    shared_page = f"/processes/{pid}/people/{anna_uid}/shared"
    sara.goto(shared_page)
    card = sara.locator("article[data-state=open]")
    expect(card.locator("[data-field=title]")).to_have_text(f"Jaettava {marker}")
    expect(card.locator(".badge")).to_be_visible()
    assert sara.request.get(f"/api/v1/items/{entry}").status == 200
    anna.goto("/home/")
    expect(anna.locator(f"[data-process='{pid}'] [data-bring]")).to_contain_text("1")

    # She revokes it: the supervisor's API answers 404 at once.
    anna.goto("/shared")
    anna.locator(f"[data-share][data-item='{entry}'] [data-revoke]").click()
    expect(anna.locator(f"[data-share][data-item='{entry}']")).to_have_count(0)
    assert sara.request.get(f"/api/v1/items/{entry}").status == 404

    # A share until the end of the next session disappears the moment it expires.
    second = write_entry(anna, f"Sessioon asti {marker}", f"Vain {marker} tähän istuntoon.")
    share_from_entry(anna, second, duration="session")
    sara.goto(shared_page)
    expect(sara.locator("article[data-state=open] [data-field=title]")).to_have_text(
        f"Sessioon asti {marker}")
    with live_server.app.app_context():
        stored = db.session.scalar(db.select(Envelope).where(
            Envelope.item_id == second, Envelope.recipient_uid == uid_of(sara)))
        assert stored.expires_at is not None and stored.expires_at > utcnow()
        stored.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    sara.goto(shared_page)
    expect(sara.locator(".empty-state")).to_be_visible()
    assert sara.request.get(f"/api/v1/items/{second}").status == 404
