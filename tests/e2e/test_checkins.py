"""Goal check-ins and proposed topics (issue 10) on two phones: the supervisor writes a goal;
the supervisee records check-ins with the marker in their notes, sees them as a chart and a
table, turns sharing on and shares the earlier ones; the supervisor then sees them (chart and
table), and only them; a check-in recorded while on reaches the supervisor too; turning it
off takes them back at once. The supervisee proposes a topic for the next session and the
supervisor sees it. axe-core on every new page; the no-plaintext proof covers the notes and
the topic."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from webapp.models.types import utcnow

from ..factories import add_goal, add_session, api_register, make_process
from .conftest import run_axe
from .device import js_string
from .journeys import sign_up
from .test_offline import wait_for_outbox


def uid_of(page: Page) -> str:
    return page.locator('meta[name="valitila-user"]').get_attribute("content")


def no_axe_violations(page: Page, where: str) -> None:
    violations = run_axe(page)
    assert violations == [], (where, violations)


def record(page: Page, value: int, note: str) -> None:
    form = page.locator("[data-checkin-form]")
    expect(form.locator("[type=submit]")).to_be_enabled()
    form.locator(f"input[name=value][value='{value}']").check()
    page.fill("#checkin-note", note)
    rows = page.locator("[data-checkin]").count()
    form.locator("[type=submit]").click()
    expect(page.locator("[data-checkin]")).to_have_count(rows + 1)


def trend_values(page: Page, count: int) -> list[str]:
    trend = page.locator("[data-js-checkin-trend]").first
    expect(trend).to_have_attribute("data-state", "drawn")
    expect(trend.locator("svg[role=img] circle")).to_have_count(count)
    return trend.locator("svg .trend-value").all_text_contents()


def test_checkins_chart_sharing_and_topics(new_context, live_server, marker, no_plaintext):
    anna = new_context(bypass_csp=True).new_page()     # bypass: axe is injected as a script
    sign_up(anna, name="Anna Ohjattava")
    sara = new_context(bypass_csp=True).new_page()
    sara.goto("/signup")
    sara.check("#is_supervisor")
    sign_up(sara, name="Sara Ohjaaja")
    anna_uid, sara_uid = uid_of(anna), uid_of(sara)
    pid = make_process(sara_uid, anna_uid, status="active", app=live_server.app)
    with live_server.app.app_context():
        session = add_session(pid, utcnow() + timedelta(days=7))

    # The supervisor writes a goal (sealed for the member through the process).
    sara.goto(f"/processes/{pid}/contract")
    goal_text = f"Jaksan paremmin {marker}"
    sara.fill("#goal-text", goal_text)
    sara.locator("[data-goal-form] [type=submit]").click()
    goal = sara.locator("[data-goal]", has_text=goal_text)
    expect(goal).to_be_visible()
    goal_id = goal.get_attribute("data-goal")

    # The supervisee finds it on the process page and opens its check-ins.
    anna.goto(f"/processes/{pid}")
    link = anna.locator(f"a[href='/processes/{pid}/goals/{goal_id}']")
    expect(link).to_have_text(goal_text)
    link.click()
    anna.wait_for_url(re.compile(rf".*/goals/{goal_id}$"))
    expect(anna.locator("h1")).to_have_text(goal_text)
    expect(anna.locator("[data-none]")).to_be_visible()
    no_axe_violations(anna, "goal page, no check-ins")
    # Chosen and typed, then the page is reloaded before recording: both come back (a
    # sealed draft on the device), and go once the check-in is recorded.
    form = anna.locator("[data-checkin-form]")
    expect(form.locator("[type=submit]")).to_be_enabled()
    form.locator("input[name=value][value='3']").check()
    anna.fill("#checkin-note", f"Luonnos {marker}")
    anna.wait_for_timeout(600)                     # the draft is written 250 ms after typing
    anna.reload()
    expect(anna.locator("#checkin-note")).to_have_value(f"Luonnos {marker}")
    expect(form.locator("input[name=value][value='3']")).to_be_checked()
    expect(form.locator("[data-status]")).to_have_text(js_string(anna, "draftRestored"))
    record(anna, 4, f"Nyt neljä {marker}: yksi askel olisi tauko")
    expect(anna.locator("#checkin-note")).to_have_value("")
    record(anna, 7, f"Seitsemän {marker}")
    assert trend_values(anna, 2) == ["4", "7"]
    table = anna.locator(".checkin-table tbody")
    expect(table.locator("[data-value]")).to_have_text(["4", "7"])
    expect(table.locator("[data-change]")).to_have_text(["–", "+3"])
    expect(table.locator("[data-note]").first).to_have_text(
        f"Nyt neljä {marker}: yksi askel olisi tauko")
    svg = anna.locator("[data-js-checkin-trend] svg[role=img]")
    desc_id = svg.get_attribute("aria-describedby")
    expect(anna.locator(f"#{desc_id}")).to_contain_text("4")
    no_axe_violations(anna, "goal page with check-ins")
    # On a phone the table scrolls in its own region (a keyboard can focus it) when it is
    # wider than the screen: the page itself never scrolls sideways.
    assert anna.locator(".table-scroll").get_attribute("tabindex") == "0"
    for width in (360, 320):
        anna.set_viewport_size({"width": width, "height": 740})
        scroll, viewport = anna.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert scroll <= viewport, f"the goal page is {scroll} px wide at {viewport} px"
    anna.set_viewport_size({"width": 360, "height": 740})
    ids = anna.locator("[data-checkin]").evaluate_all("rows => rows.map(r => r.dataset.checkin)")

    # Not shared yet: the supervisor sees none of them, in the page or the API.
    page = f"/processes/{pid}/goals/{goal_id}"
    sara.goto(page)
    expect(sara.locator("h1")).to_have_text(goal_text)
    expect(sara.locator("[data-checkin]")).to_have_count(0)
    for item_id in ids:
        assert sara.request.get(f"/api/v1/items/{item_id}").status == 404
    no_axe_violations(sara, "goal page, supervisor, nothing shared")

    # She turns sharing on and shares the earlier ones too.
    anna.locator("#checkin-shared").check()
    offer = anna.locator("[data-offer-earlier]")
    expect(offer).to_be_visible()
    offer.locator("[data-share-earlier]").click()
    expect(offer).to_be_hidden()
    sara.goto(page)
    assert trend_values(sara, 2) == ["4", "7"]
    expect(sara.locator("[data-checkin] [data-note]").last).to_have_text(f"Seitsemän {marker}")
    no_axe_violations(sara, "goal page, supervisor, shared check-ins")

    # A check-in recorded while on reaches the supervisor as it is made.
    anna.goto(page)
    expect(anna.locator("[data-shared-help]")).to_be_visible()
    record(anna, 8, f"Kahdeksan {marker}")
    sara.goto(page)
    assert trend_values(sara, 3) == ["4", "7", "8"]

    # Off: taken back at once (and the keys rotated on her device).
    anna.locator("#checkin-shared").uncheck()
    expect(anna.locator("[data-js-checkin-sharing] [data-status]")).to_have_text(
        js_string(anna, "checkinSharingOff"))
    sara.goto(page)
    expect(sara.locator("[data-checkin]")).to_have_count(0)
    for item_id in ids:
        assert sara.request.get(f"/api/v1/items/{item_id}").status == 404
        assert anna.request.get(f"/api/v1/items/{item_id}/readers").json() == {
            "readers": [], "rekey_due": False}
    # On again: the three taken back are offered (not shared until she says so), and the
    # offer is still there after a reload.
    anna.locator("#checkin-shared").check()
    offer = anna.locator("[data-offer-earlier]")
    expect(offer).to_be_visible()
    expect(offer.locator("[data-offer-text]")).to_have_text(
        js_string(anna, "checkinsUnshared_other").replace("{n}", "3"))
    anna.reload()
    expect(offer).to_be_visible()
    expect(offer.locator("[data-offer-text]")).to_have_text(
        js_string(anna, "checkinsUnshared_other").replace("{n}", "3"))
    sara.goto(page)
    expect(sara.locator("[data-checkin]")).to_have_count(0)
    anna.locator("#checkin-shared").uncheck()
    expect(offer).to_be_hidden()
    expect(anna.locator("[data-js-checkin-sharing] [data-status]")).to_have_text(
        js_string(anna, "checkinSharingOff"))

    # A topic for the next session: proposed by her, seen by the supervisor.
    anna.goto(f"/processes/{pid}")
    anna.locator(f"a[href='/processes/{pid}/topics']").click()
    anna.wait_for_url(re.compile(r".*/topics$"))
    no_axe_violations(anna, "topics page, empty")
    expect(anna.locator("[data-js-topic-form]")).to_have_attribute("data-session", session)
    form = anna.locator("[data-topic-form]")
    expect(form.locator("[type=submit]")).to_be_enabled()
    # Typed, then the page is reloaded before sending: the words come back (a sealed draft).
    anna.fill("#topic-text", f"Työnjako tiimissä {marker}")
    anna.wait_for_timeout(600)                     # the draft is written 250 ms after typing
    anna.reload()
    expect(anna.locator("#topic-text")).to_have_value(f"Työnjako tiimissä {marker}")
    expect(form.locator("[data-status]")).to_have_text(js_string(anna, "draftRestored"))
    form.locator("[type=submit]").click()
    expect(anna.locator("[data-topic] [data-topic-text]")).to_have_text(
        f"Työnjako tiimissä {marker}")
    expect(anna.locator("#topic-text")).to_have_value("")   # sent: no draft comes back
    no_axe_violations(anna, "topics page with a topic")
    sara.goto(f"/processes/{pid}/topics")
    topic = sara.locator("[data-topic]")
    expect(topic.locator("[data-topic-text]")).to_have_text(f"Työnjako tiimissä {marker}")
    expect(topic).to_contain_text("Anna Ohjattava")
    assert sara.locator("[data-topic-form]").count() == 0
    no_axe_violations(sara, "topics page, supervisor")

    # She edits it (the supervisor reads the new words), then withdraws it.
    anna.locator("[data-topic] [data-edit]").click()
    edit = anna.locator("[data-edit-form]")
    expect(edit.locator("#topic-edit-text")).to_have_value(f"Työnjako tiimissä {marker}")
    edit.locator("#topic-edit-text").fill(f"Työnjako ja roolit {marker}")
    edit.locator("[type=submit]").click()
    expect(anna.locator("[data-topic] [data-topic-text]")).to_have_text(
        f"Työnjako ja roolit {marker}")
    sara.reload()
    expect(sara.locator("[data-topic] [data-topic-text]")).to_have_text(
        f"Työnjako ja roolit {marker}")
    anna.locator("[data-topic] [data-withdraw]").click()
    anna.locator("[data-withdraw-dialog] [data-confirm]").click()
    expect(anna.locator("[data-topic]")).to_have_count(0)
    sara.reload()
    expect(sara.locator("[data-topic]")).to_have_count(0)


def test_a_checkin_recorded_offline_is_sent_when_back(new_context, live_server, marker,
                                                      no_plaintext):
    """Like an entry: recorded with no network, it waits sealed in the outbox ("saved on
    this device") and is sent when the connection is back."""
    context = new_context()
    anna = context.new_page()
    sign_up(anna, name="Anna Ohjattava")
    anna_uid = uid_of(anna)
    sara = api_register(live_server.app, is_supervisor=True)
    pid = make_process(sara.uid, anna_uid, status="active", app=live_server.app)
    goal = add_goal(sara, pid, "Tavoite", readers=(anna_uid,), app=live_server.app)
    anna.goto(f"/processes/{pid}/goals/{goal}")
    form = anna.locator("[data-checkin-form]")
    expect(form.locator("[type=submit]")).to_be_enabled()
    context.set_offline(True)
    form.locator("input[name=value][value='6']").check()
    anna.fill("#checkin-note", f"Ilman verkkoa {marker}")
    form.locator("[type=submit]").click()
    expect(form.locator("[data-status]")).to_have_text(js_string(anna, "savedLocally"))
    assert checkins_stored(live_server, anna_uid) == 0
    context.set_offline(False)
    wait_for_outbox(anna, 0, "the check-in sent after going online")
    assert checkins_stored(live_server, anna_uid) == 1
    anna.reload()
    expect(anna.locator("[data-checkin] [data-value]")).to_have_text(["6"])
    expect(anna.locator("[data-checkin] [data-note]")).to_have_text(f"Ilman verkkoa {marker}")


def checkins_stored(live_server, uid: str) -> int:
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import Item
    with live_server.app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Item).where(
            Item.author_uid == uid, Item.kind == "checkin"))
        db.session.remove()
    return count
