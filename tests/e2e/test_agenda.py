"""The session agenda on two devices (issue 10): the supervisee proposes a topic and keeps a
reflection to herself → the supervisor's builder gathers the topic (opened in her browser)
and never the private reflection (page and API) → she adds it and an item of her own, orders
the lines with the keyboard, gives minutes, sees the total against the session's length,
saves and shares → the supervisee reads the agenda before the session → during the session
the supervisor ticks lines as a checklist, also offline (kept on the device, sent when back).
axe-core on every agenda page; the no-plaintext proof covers every word typed."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from webapp.models.types import utcnow

from ..factories import add_session, make_process
from .conftest import run_axe
from .device import js_string
from .journeys import sign_up, write_entry


def uid_of(page: Page) -> str:
    return page.locator('meta[name="valitila-user"]').get_attribute("content")


def no_axe_violations(page: Page) -> None:
    violations = run_axe(page)
    assert violations == [], violations


def test_build_share_read_and_tick(new_context, live_server, marker, no_plaintext):
    anna = new_context(bypass_csp=True).new_page()     # bypass: axe is injected as a script
    sign_up(anna, name="Anna Ohjattava")
    sara_context = new_context(bypass_csp=True)
    sara = sara_context.new_page()
    sign_up(sara, name="Sara Ohjaaja", supervisor=True)
    anna_uid, sara_uid = uid_of(anna), uid_of(sara)
    pid = make_process(sara_uid, anna_uid, status="active", app=live_server.app)
    with live_server.app.app_context():
        add_session(pid, utcnow() - timedelta(days=14), status="held")
        sid = add_session(pid, utcnow() + timedelta(days=7), minutes=60)
    agenda_url = f"/processes/{pid}/sessions/{sid}/agenda"

    # The supervisee proposes a topic (shared with the supervisor) and writes a reflection
    # she keeps to herself.
    anna.goto(f"/processes/{pid}/topics")
    anna.locator("#topic-text").fill(f"Työkuorma {marker}")
    anna.locator("[data-topic-form] [type=submit]").click()
    expect(anna.locator("[data-topic-text]")).to_have_text(f"Työkuorma {marker}")
    private = write_entry(anna, f"Yksityinen {marker}", f"Vain minun {marker}")
    # Before the agenda is shared she is told so.
    anna.goto(agenda_url)
    expect(anna.locator("[data-agenda-not-shared]")).to_be_visible()
    no_axe_violations(anna)

    # The supervisor's builder gathers the topic, opened in her browser, and nothing else.
    sara.goto(f"/processes/{pid}/sessions/{sid}")
    asked = []      # the members' keys come with the page: none is asked for to open it
    sara.on("request", lambda request: asked.append(request.url)
            if request.url.endswith("/bundle") else None)
    sara.locator("[data-agenda-link]").click()
    sara.wait_for_url(f"**{agenda_url}")
    builder = sara.locator("[data-js-agenda-builder]")
    expect(builder).to_have_attribute("data-ready", "true")
    topic = builder.locator("[data-candidates=topic] [data-candidate]")
    expect(topic).to_have_count(1)
    expect(topic.locator("[data-text]")).to_have_text(f"Työkuorma {marker}")
    assert not [url for url in asked if anna_uid in url], asked
    expect(topic.locator("[data-meta]")).to_contain_text("Anna Ohjattava")
    expect(builder.locator("[data-candidate]")).to_have_count(1)
    assert "Yksityinen" not in sara.content()
    found = sara.request.get(f"/api/v1/sessions/{sid}/agenda/candidates").json()
    every = [item["id"] for group in ("topics", "entries", "responses", "checkins")
             for item in found[group]]
    assert private not in every and len(every) == 1
    assert sara.request.get(f"/api/v1/items/{private}").status == 404
    no_axe_violations(sara)

    # She adds the topic and an item of her own, moves her own item up with the keyboard
    # and gives minutes: 40 + 30 is over the 60-minute session.
    topic.locator("[data-add]").click()
    expect(topic.locator("[data-added]")).to_be_visible()
    builder.locator("#own-title").fill(f"Kuulumiset {marker}")
    builder.locator("#own-title").press("Enter")
    lines = builder.locator("[data-lines] > li")
    expect(lines).to_have_count(2)
    expect(lines.nth(0).locator("[data-title-input]")).to_have_value(f"Työkuorma {marker}")
    lines.nth(1).locator("[data-up]").focus()
    sara.keyboard.press("Enter")
    expect(lines.nth(0).locator("[data-title-input]")).to_have_value(f"Kuulumiset {marker}")
    # the focus stays on the moved line (now first: its Up is disabled, so on Down)
    expect(lines.nth(0).locator("[data-down]")).to_be_focused()
    lines.nth(0).locator("[data-minutes]").fill("40")
    lines.nth(1).locator("[data-minutes]").fill("30")
    total = builder.locator("[data-total]")
    expect(total).to_have_attribute("data-over", "true")
    expect(total).to_contain_text("70")
    # Minutes out of range: what is kept (0–480) shows once she leaves the field.
    second_minutes = lines.nth(1).locator("[data-minutes]")
    second_minutes.fill("-5")
    second_minutes.press("Tab")
    expect(second_minutes).to_have_value("0")
    lines.nth(1).locator("[data-minutes]").fill("20")
    expect(total).to_have_attribute("data-over", "false")
    # Unsaved, the changes are kept on this device (sealed): a reload brings them back.
    expect(builder).to_have_attribute("data-draft", "kept")
    sara.reload()
    builder = sara.locator("[data-js-agenda-builder]")
    expect(builder).to_have_attribute("data-ready", "true")
    lines = builder.locator("[data-lines] > li")
    expect(lines.nth(0).locator("[data-title-input]")).to_have_value(f"Kuulumiset {marker}")
    expect(lines.nth(1).locator("[data-minutes]")).to_have_value("20")
    # A line left without words is not saved: its field says so.
    title = lines.nth(1).locator("[data-title-input]")
    title.fill("  ")
    builder.locator("[data-save]").click()
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_be_focused()
    expect(builder.locator("[data-status]").first).to_have_text(
        js_string(sara, "agendaTitleMissing"))
    assert sara.request.get(f"/api/v1/sessions/{sid}/agenda").json()["version"] == 0
    title.fill(f"Työkuorma {marker}")
    builder.locator("[data-save]").click()
    expect(builder).to_have_attribute("data-version", "1")
    stored = sara.request.get(f"/api/v1/sessions/{sid}/agenda").json()
    assert [line["source"] for line in stored["lines"]] == ["own", "topic"]
    assert [line["minutes"] for line in stored["lines"]] == [40, 20]
    assert stored["total_minutes"] == 60 and stored["over"] is False
    # While she drafts, the agenda is hers alone (also after her home's process sync ran).
    sara.goto("/home/")
    sara.wait_for_load_state("networkidle")
    assert anna.request.get(f"/api/v1/items/{stored['item']['id']}").status == 404
    sara.goto(agenda_url)
    no_axe_violations(sara)

    # After a reload the agenda opens as saved; she shares it.
    sara.reload()
    builder = sara.locator("[data-js-agenda-builder]")
    expect(builder).to_have_attribute("data-ready", "true")
    lines = builder.locator("[data-lines] > li")
    expect(lines.nth(0).locator("[data-title-input]")).to_have_value(f"Kuulumiset {marker}")
    expect(lines.nth(1).locator("[data-minutes]")).to_have_value("20")
    # Printed, the agenda is its lines and total: no gathered items, buttons or forms; each
    # line's title and minutes as text that wraps (copied from the fields before printing;
    # the browser's print fires `beforeprint`, emulating the medium does not).
    sara.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    sara.emulate_media(media="print")
    expect(builder.locator("[data-gathered]")).to_be_hidden()
    expect(builder.locator("[data-own-form]")).to_be_hidden()
    expect(lines.nth(0).locator("[data-up]")).to_be_hidden()
    expect(builder.locator("[data-total]")).to_be_visible()
    expect(lines.nth(0).locator("[data-title-input]")).to_be_hidden()
    expect(lines.nth(0).locator("[data-print-copy]").first).to_have_text(f"Kuulumiset {marker}")
    expect(lines.nth(1).locator("[data-print-copy]").last).to_have_text(
        js_string(sara, "agendaLineMinutes").replace("{n}", "20"))
    expect(lines.nth(0).locator("label").first).to_be_hidden()
    sara.emulate_media(media="screen")
    expect(lines.nth(0).locator("[data-print-copy]").first).to_be_hidden()
    builder.locator("[data-share]").click()
    expect(builder).to_have_attribute("data-shared", "true")
    assert sara.request.get(f"/api/v1/sessions/{sid}/agenda").json()["shared_at"]
    # Said once: the status confirms, the page's line says when (not the same sentence twice).
    expect(builder.locator("[data-shared-state]")).to_have_text(re.compile(
        re.escape(js_string(sara, "agendaSharedAt").split("{when}")[0]) + r"\d"))
    expect(sara.get_by_text(js_string(sara, "agendaShared"), exact=True)).to_have_count(0)

    # The supervisee reads it before the session, opened in her browser.
    anna.goto(f"/processes/{pid}/sessions/{sid}")
    anna.locator("[data-agenda-link]").click()
    anna.wait_for_url(f"**{agenda_url}")
    read = anna.locator("[data-js-agenda-read]")
    expect(read).to_have_attribute("data-ready", "true")
    expect(read.locator("[data-title]")).to_have_text([f"Kuulumiset {marker}",
                                                        f"Työkuorma {marker}"])
    no_axe_violations(anna)

    # During the session: the checklist, ticked online and then offline.
    sara.goto(f"/processes/{pid}/sessions/{sid}")
    sara.locator("[data-checklist-link]").click()
    sara.wait_for_url(f"**{agenda_url}/checklist")
    checklist = sara.locator("[data-js-agenda-checklist]")
    expect(checklist).to_have_attribute("data-ready", "true")
    rows = checklist.locator("[data-line]")
    expect(rows.nth(0).locator("[data-title]")).to_have_text(f"Kuulumiset {marker}")
    no_axe_violations(sara)
    rows.nth(0).locator("[data-done]").check()
    expect(checklist).to_have_attribute("data-pending", "0")
    assert sara.request.get(f"/api/v1/sessions/{sid}/agenda").json()["lines"][0]["done"]
    sara_context.set_offline(True)
    rows.nth(1).locator("[data-done]").check()
    rows.nth(1).locator("[data-used]").fill("25")
    rows.nth(1).locator("[data-used]").press("Tab")
    expect(checklist).to_have_attribute("data-pending", "1")
    expect(checklist.locator("[data-status]")).to_have_attribute("data-state", "error")
    sara_context.set_offline(False)
    expect(checklist).to_have_attribute("data-pending", "0")
    second = sara.request.get(f"/api/v1/sessions/{sid}/agenda").json()["lines"][1]
    assert second["done"] is True and second["used_minutes"] == 25
    # The supervisee's view shows nothing of the checklist's controls: she only reads.
    assert anna.request.get(f"/api/v1/sessions/{sid}/agenda/candidates").status == 403


def test_an_agenda_changed_in_another_tab_keeps_the_lines_added_here(new_context, live_server,
                                                                      marker, no_plaintext):
    """Two tabs of one agenda: each adds a line; the first saves; the second's save is
    refused (changed elsewhere) and, opened again as it says, shows the stored agenda with
    its own line kept at the end, to check and save. Nothing typed is lost (found by
    exploratory testing: the reload dropped the second tab's line)."""
    from ..factories import api_register

    context = new_context()
    sara = context.new_page()
    sign_up(sara, name="Sara Ohjaaja", supervisor=True)
    anna = api_register(live_server.app)
    pid = make_process(uid_of(sara), anna.uid, status="active", app=live_server.app)
    with live_server.app.app_context():
        sid = add_session(pid, utcnow() + timedelta(days=7), minutes=60)
    agenda_url = f"/processes/{pid}/sessions/{sid}/agenda"
    other = context.new_page()
    for page in (sara, other):
        page.goto(agenda_url)
        expect(page.locator("[data-js-agenda-builder]")).to_have_attribute("data-ready", "true")

    def add(page: Page, title: str) -> None:
        builder = page.locator("[data-js-agenda-builder]")
        builder.locator("#own-title").fill(title)
        builder.locator("#own-title").press("Enter")
        expect(builder.locator("[data-lines] [data-title-input]").last).to_have_value(title)

    add(sara, f"Ensimmäisen välilehden kohta {marker}")
    add(other, f"Toisen välilehden kohta {marker}")
    sara.locator("[data-js-agenda-builder] [data-save]").click()
    expect(sara.locator("[data-js-agenda-builder]")).to_have_attribute("data-version", "1")
    builder = other.locator("[data-js-agenda-builder]")
    builder.locator("[data-save]").click()
    expect(builder.locator("[data-status]").first).to_have_text(
        js_string(other, "agendaChanged"))
    expect(builder).to_have_attribute("data-draft", "kept")
    other.reload()
    builder = other.locator("[data-js-agenda-builder]")
    expect(builder).to_have_attribute("data-ready", "true")
    expect(builder.locator("[data-status]").first).to_have_text(
        js_string(other, "agendaDraftMerged"))
    titles = builder.locator("[data-lines] [data-title-input]")
    expect(titles).to_have_count(2)
    expect(titles.nth(0)).to_have_value(f"Ensimmäisen välilehden kohta {marker}")
    expect(titles.nth(1)).to_have_value(f"Toisen välilehden kohta {marker}")
    builder.locator("[data-save]").click()
    expect(builder).to_have_attribute("data-version", "2")
    stored = other.request.get(f"/api/v1/sessions/{sid}/agenda").json()
    assert len(stored["lines"]) == 2
