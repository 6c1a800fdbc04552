"""The schedule in the browser, on two phones: the supervisor plans a process's sessions from
its frame (the first at a local date and time), moves one, cancels one with a reason; the
supervisee sees the schedule and its changes, downloads a session's .ics and subscribes to her
calendar feed; both calendars parse with the icalendar library. axe-core on every new page."""
from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar
from playwright.sync_api import Page, expect

from .conftest import run_axe
from .device import js_string
from .journeys import sign_up

HELSINKI = ZoneInfo("Europe/Helsinki")


def no_axe_violations(page: Page, what: str) -> None:
    violations = run_axe(page)
    assert not violations, (what, violations)


def call(page: Page, method: str, path: str, body: dict | None = None) -> dict:
    """A call from the page as its scripts make them (session cookie and CSRF token)."""
    return page.evaluate("""async ([method, path, body]) => {
        const csrf = document.querySelector('meta[name="csrf-token"]').content;
        const r = await fetch('/api/v1' + path, {method, credentials: 'same-origin',
            headers: {'X-CSRF-Token': csrf, 'Accept': 'application/json',
                      'Content-Type': 'application/json'},
            body: body === null ? undefined : JSON.stringify(body)});
        return {status: r.status, body: r.status === 204 ? null : await r.json()};
    }""", [method, path, body])


def local(starts_at: str) -> datetime:
    return datetime.fromisoformat(starts_at).astimezone(HELSINKI)


def test_a_supervisor_plans_moves_and_cancels_and_the_supervisee_sees_it(new_context):
    sara = new_context(bypass_csp=True).new_page()      # bypass: axe is injected
    sign_up(sara, name="Sara Ohjaaja", supervisor=True)
    pid = str(uuid.uuid4())
    made = call(sara, "POST", "/processes", {"id": pid, "form": "crisis"})
    assert made["status"] == 201, made
    invite = call(sara, "POST", f"/processes/{pid}/invites", {})["body"]
    anna = new_context(bypass_csp=True, accept_downloads=True).new_page()
    sign_up(anna, name="Anna Aho")
    assert call(anna, "POST", f"/invites/{invite['token']}/accept")["status"] == 200

    # the supervisor plans the sessions: the first a week from now at 17:00 her time
    first = date.today() + timedelta(days=7)
    sara.goto(f"/processes/{pid}")
    card = sara.locator("[data-schedule]")
    expect(card.locator("[data-no-sessions]")).to_be_visible()
    no_axe_violations(sara, "process page with the schedule form")
    sara.fill("#first-date", first.isoformat())
    sara.fill("#first-time", "17:00")
    card.locator("[type=submit]").click()
    rows = card.locator("[data-session]")
    expect(rows).to_have_count(3)                       # crisis: 3 sessions a week apart
    expect(rows.first).to_contain_text("17.00")
    no_axe_violations(sara, "process page with a schedule")
    listed = call(sara, "GET", f"/processes/{pid}/sessions")["body"]["sessions"]
    assert [local(s["starts_at"]).date() for s in listed] == [
        first, first + timedelta(days=7), first + timedelta(days=14)]
    assert {local(s["starts_at"]).time() for s in listed} == {time(17, 0)}

    # she moves the first to 18:30 the next day, for 90 minutes
    rows.first.locator("a").click()
    sara.wait_for_url(re.compile(rf".*/processes/{pid}/sessions/[A-Za-z0-9_-]{{22}}$"))
    first_sid = sara.url.rsplit("/", 1)[1]
    no_axe_violations(sara, "session page (supervisor)")
    # a time that clashes with her second session is pointed out as she types it
    hint = sara.locator("[data-move-form] [data-overlap-hint]")
    expect(hint).to_be_empty()
    sara.fill("#move-date", (first + timedelta(days=7)).isoformat())
    sara.fill("#move-time", "17:30")
    expect(hint).to_contain_text(js_string(sara, "sessionOverlapHint").split("{when}")[0])
    expect(hint).to_contain_text("17.00")
    no_axe_violations(sara, "session page with the double-booking hint")
    moved_day = first + timedelta(days=1)
    sara.fill("#move-date", moved_day.isoformat())
    sara.fill("#move-time", "18:30")
    sara.fill("#minutes", "90")
    expect(hint).to_be_empty()
    sara.locator("[data-move-form] [type=submit]").click()
    expect(sara.locator("[data-session-time]")).to_contain_text("18.30")
    expect(sara.locator("[data-session-minutes]")).to_contain_text("90")

    # and cancels the second, for illness
    second_sid = listed[1]["id"]
    sara.goto(f"/processes/{pid}/sessions/{second_sid}")
    sara.select_option("#cancel_reason", "illness")
    sara.locator("[data-cancel-form] [type=submit]").click()
    expect(sara.locator("[data-session-card]")).to_have_attribute("data-status", "cancelled")
    expect(sara.locator("[data-uncancel-form]")).to_be_visible()
    no_axe_violations(sara, "cancelled session page (supervisor)")
    stored = call(sara, "GET", f"/sessions/{second_sid}")["body"]
    assert (stored["status"], stored["cancel_reason"]) == ("cancelled", "illness")

    # the supervisee sees the schedule with its changes, and no supervisor's controls
    anna.goto(f"/processes/{pid}")
    anna_rows = anna.locator("[data-schedule] [data-session]")
    expect(anna_rows).to_have_count(3)
    expect(anna.locator(f"[data-session='{second_sid}']")).to_have_attribute(
        "data-status", "cancelled")
    expect(anna.locator(f"[data-session='{first_sid}']")).to_contain_text("18.30")
    assert anna.locator("[data-js-session-form]").count() == 0
    anna.goto(f"/processes/{pid}/sessions/{first_sid}")
    expect(anna.locator("[data-session-time]")).to_contain_text("18.30")
    assert anna.locator("[data-move-form], [data-cancel-form]").count() == 0
    no_axe_violations(anna, "session page (supervisee)")

    # the session's .ics downloads and parses: only "Työnohjaus", in UTC
    with anna.expect_download() as download_info:
        anna.locator("[data-session-ics]").click()
    ics = Path(download_info.value.path()).read_bytes()
    [event] = Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["UID"]) == f"{first_sid}@valitila"
    assert str(event["SUMMARY"]) == "Työnohjaus"
    start = event.decoded("DTSTART")
    assert start.utcoffset() == timedelta(0)
    assert start.astimezone(HELSINKI) == datetime.combine(moved_day, time(18, 30), HELSINKI)
    assert event.decoded("DTEND") - start == timedelta(minutes=90)
    for name in (b"Sara", b"Anna", pid.encode()):
        assert name not in ics

    # her calendar feed: made on the settings page, shown once, parsed
    anna.goto("/account/")
    feed_card = anna.locator("[data-js-calendar-feed]")
    no_axe_violations(anna, "settings with the calendar card")
    feed_card.locator("[data-create]").click()
    link = feed_card.locator("[data-calendar-link]")
    expect(link).to_be_visible()
    url = link.input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/calendar/[A-Za-z0-9_-]{43}\.ics", url), url
    no_axe_violations(anna, "settings with the calendar address shown")
    response = new_context().request.get(url)                  # no session: the secret alone
    assert response.status == 200 and "no-store" in response.headers["cache-control"]
    feed = Calendar.from_ical(response.body())
    events = {str(e["UID"]).split("@")[0]: e for e in feed.walk("VEVENT")}
    assert set(events) == {s["id"] for s in listed}
    assert str(events[second_sid]["STATUS"]) == "CANCELLED"
    assert str(events[first_sid]["STATUS"]) == "CONFIRMED"
    # stopping it: the address answers 404
    feed_card.locator("[data-revoke]").click()
    # the button hides only once the server confirmed (the status was already "ok" from making it)
    expect(feed_card.locator("[data-revoke]")).to_be_hidden()
    expect(feed_card.locator("[data-status]")).to_have_attribute("data-state", "ok")
    assert new_context().request.get(url).status == 404


def test_the_time_zone_setting_changes_the_times_shown(new_context):
    page = new_context(bypass_csp=True).new_page()
    sign_up(page, name="Sara Ohjaaja", supervisor=True)
    pid = str(uuid.uuid4())
    assert call(page, "POST", "/processes", {"id": pid, "form": "crisis"})["status"] == 201
    first = (datetime.now(UTC) + timedelta(days=10)).date()
    made = call(page, "POST", f"/processes/{pid}/sessions/generate",
                {"date": first.isoformat(), "time": "17:00"})
    assert made["status"] == 201
    page.goto("/account/")
    page.select_option("#timezone", "Europe/London")
    page.locator("form:has(#timezone) [type=submit]").click()
    page.wait_for_url(re.compile(r".*/account/"))
    expect(page.locator("#timezone")).to_have_value("Europe/London")
    no_axe_violations(page, "settings after saving the time zone")
    page.goto(f"/processes/{pid}")
    # 17:00 in Helsinki is 15:00 in London (both on winter or both on summer time)
    expect(page.locator("[data-schedule] [data-session]").first).to_contain_text("15.00")
