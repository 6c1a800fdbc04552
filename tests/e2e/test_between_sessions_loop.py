"""The whole loop between two sessions, on two devices (issue 10, "Tests": assignment given →
answered offline → shared → appears in the agenda builder → agenda shared → session held →
roll-over; unshared answers never appear for the supervisor, API and UI).

The supervisor gives two interim assignments; the supervisee answers the first with no
network (the answer waits sealed in her outbox and is sent when the connection is back),
then shares it with the supervisor, and keeps her answer to the second to herself. The
supervisor's builder for the next session gathers the shared answer (opened in her browser)
and never the private one, nor does the API give it to her; she puts it on the agenda with
an item of her own, shares the agenda, the supervisee reads it. The session comes (its start
is moved to a minute ago in the database: time passing), her own item is ticked done in
the checklist, she marks the session held → the unfinished line (the answer) is carried to
the following session's agenda, where the builder shows it with its title from the earlier
agenda's sealed words. The process is made with the factories; axe-core on every page the
loop passes; the no-plaintext proof covers every word typed."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import update

from webapp.extensions import db
from webapp.models.sessions import SupervisionSession
from webapp.models.types import utcnow

from ..factories import add_session, make_process
from .conftest import run_axe
from .device import js_string
from .journeys import sign_up
from .test_offline import wait_for_outbox


def uid_of(page: Page) -> str:
    return page.locator('meta[name="valitila-user"]').get_attribute("content")


def no_axe_violations(page: Page) -> None:
    violations = run_axe(page)
    assert violations == [], violations


def give(sara: Page, pid: str, library: str, title: str) -> str:
    """Give an assignment from the library (its title changed) to the process's supervisee;
    returns its id."""
    sara.goto(f"/processes/{pid}/assignments")
    form = sara.locator("[data-js-assignment-give]")
    expect(form.locator("[type=submit]")).to_be_enabled()
    expect(form.locator("#assignment-due")).not_to_have_value("")
    form.locator("#assignment-library").select_option(library)
    form.locator("#assignment-title").fill(title)
    form.locator("[type=submit]").click()
    sara.wait_for_url("**/assignments/*")
    return sara.url.rsplit("/", 1)[1]


def test_assignment_to_agenda_to_held_to_roll_over(new_context, live_server, marker,
                                                   no_plaintext):
    app = live_server.app
    anna_context = new_context(bypass_csp=True)          # bypass: axe is injected
    anna = anna_context.new_page()
    sign_up(anna, name="Anna Ohjattava")
    sara = new_context(bypass_csp=True).new_page()
    sign_up(sara, name="Sara Ohjaaja", supervisor=True)
    anna_uid = uid_of(anna)
    pid = make_process(uid_of(sara), anna_uid, status="active", app=app)
    with app.app_context():
        add_session(pid, utcnow() - timedelta(days=21), status="held")     # the previous one
        sid = add_session(pid, utcnow() + timedelta(hours=3), minutes=60)  # the next one
        following = add_session(pid, utcnow() + timedelta(days=21), minutes=60)
    agenda_url = f"/processes/{pid}/sessions/{sid}/agenda"

    # 1. The supervisor gives two assignments (due before the next session).
    shared_one = give(sara, pid, "miracle_question", f"Ihmekysymys {marker}")
    no_axe_violations(sara)
    private_one = give(sara, pid, "success_a_day", f"Onnistumiset {marker}")

    # 2. The supervisee answers the first with no network: the answer waits sealed on her
    #    device and is sent when the network is back (still hers alone); then she shares it.
    anna.goto(f"/assignments/{shared_one}")
    expect(anna.locator("[data-js-assignment-response]")).to_have_attribute("data-editor",
                                                                           "ready")
    no_axe_violations(anna)
    form = anna.locator("[data-response-form]")
    anna_context.set_offline(True)
    form.locator("#answer-body").fill(f"Ihme olisi rauhallinen aamu {marker}")
    form.locator("input[name=share][value=no]").check()
    form.locator("[type=submit]").click()
    expect(form.locator("[data-status]")).to_have_text(js_string(anna, "savedLocally"))
    assert sara.request.get(f"/api/v1/assignments/{shared_one}").json()[
        "assignees"][0]["response"] is None                      # nothing has arrived yet
    anna_context.set_offline(False)
    wait_for_outbox(anna, 0, "the answer sent once online")
    shared_answer = anna.request.get(f"/api/v1/assignments/{shared_one}").json()[
        "assignees"][0]["response"]
    assert shared_answer
    assert sara.request.get(f"/api/v1/items/{shared_answer}").status == 404   # not yet
    anna.reload()
    expect(anna.locator("[data-js-assignment-response]")).to_have_attribute("data-editor",
                                                                           "ready")
    expect(form.locator("#answer-body")).to_have_value(f"Ihme olisi rauhallinen aamu {marker}")
    form.locator("input[name=share][value=yes]").check()
    form.locator("[type=submit]").click()
    expect(anna.locator("[data-answer-saved]")).to_have_text(
        "Vastauksesi on jaettu työnohjaajallesi.")
    assert sara.request.get(f"/api/v1/items/{shared_answer}").status == 200

    # ... and the second one, kept to herself.
    anna.goto(f"/assignments/{private_one}")
    expect(anna.locator("[data-js-assignment-response]")).to_have_attribute("data-editor",
                                                                           "ready")
    form = anna.locator("[data-response-form]")
    form.locator("#answer-body").fill(f"Yksityinen vastaus {marker}")
    form.locator("input[name=share][value=no]").check()
    form.locator("[type=submit]").click()
    expect(anna.locator("[data-answer-saved]")).to_have_text(
        "Vastauksesi on yksityinen: vain sinä voit lukea sen.")
    private_answer = anna.request.get(f"/api/v1/assignments/{private_one}").json()[
        "assignees"][0]["response"]
    assert private_answer

    # 3. The builder gathers the shared answer, opened in the supervisor's browser, and
    #    never the private one (the page, the candidates API, the item API).
    sara.goto(f"/processes/{pid}/sessions/{sid}")
    sara.locator("[data-agenda-link]").click()
    sara.wait_for_url(f"**{agenda_url}")
    builder = sara.locator("[data-js-agenda-builder]")
    expect(builder).to_have_attribute("data-ready", "true")
    answer = builder.locator("[data-candidates=response] [data-candidate]")
    expect(answer).to_have_count(1)
    expect(answer).to_have_attribute("data-candidate", shared_answer)
    expect(answer.locator("[data-text]")).to_have_text(
        f"Ihme olisi rauhallinen aamu {marker}")
    expect(builder.locator("[data-candidate]")).to_have_count(1)
    assert "Yksityinen vastaus" not in sara.content() and private_answer not in sara.content()
    found = sara.request.get(f"/api/v1/sessions/{sid}/agenda/candidates").json()
    gathered = [item["id"] for group in ("topics", "entries", "responses", "checkins")
                for item in found[group]]
    assert gathered == [shared_answer]
    assert sara.request.get(f"/api/v1/items/{private_answer}").status == 404
    assert sara.request.get(f"/api/v1/assignments/{private_one}").json()[
        "assignees"][0]["response"] is None
    no_axe_violations(sara)

    # 4. She puts the answer and an item of her own on the agenda, saves and shares it.
    answer.locator("[data-add]").click()
    builder.locator("#own-title").fill(f"Kuulumiset {marker}")
    builder.locator("#own-title").press("Enter")
    lines = builder.locator("[data-lines] > li")
    expect(lines).to_have_count(2)
    answer_title = lines.nth(0).locator("[data-title-input]").input_value()
    assert answer_title == f"Ihme olisi rauhallinen aamu {marker}"
    lines.nth(0).locator("[data-minutes]").fill("30")
    lines.nth(1).locator("[data-minutes]").fill("15")
    builder.locator("[data-save]").click()
    expect(builder).to_have_attribute("data-version", "1")
    builder.locator("[data-share]").click()
    expect(builder).to_have_attribute("data-shared", "true")

    # The supervisee reads the agenda before the session.
    anna.goto(agenda_url)
    read = anna.locator("[data-js-agenda-read]")
    expect(read).to_have_attribute("data-ready", "true")
    expect(read.locator("[data-title]")).to_have_text([answer_title, f"Kuulumiset {marker}"])
    no_axe_violations(anna)

    # 5. The session comes (time passes: its start is now a minute ago). In the session her
    #    own item is dealt with, the answer is not; she marks the session held.
    with app.app_context():
        db.session.execute(update(SupervisionSession).where(SupervisionSession.id == sid)
                           .values(starts_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    sara.goto(f"{agenda_url}/checklist")
    checklist = sara.locator("[data-js-agenda-checklist]")
    expect(checklist).to_have_attribute("data-ready", "true")
    rows = checklist.locator("[data-line]")
    expect(rows.nth(1).locator("[data-title]")).to_have_text(f"Kuulumiset {marker}")
    rows.nth(1).locator("[data-done]").check()
    expect(checklist).to_have_attribute("data-pending", "0")
    sara.goto(f"/processes/{pid}/sessions/{sid}")
    held = sara.locator("[data-held-form] [type=submit]")
    expect(held).to_be_enabled()
    held.click()
    expect(sara.locator("[data-session-status]")).to_have_text("Pidetty")
    sara.locator("[data-after-link]").click()
    sara.wait_for_url(f"**/processes/{pid}/sessions/{sid}/after")
    expect(sara.locator("[data-rolled]")).to_contain_text("1")
    no_axe_violations(sara)

    # 6. Roll-over: the following session's agenda has the unfinished answer as a carried
    #    line, titled from the earlier agenda's sealed words; her done item stayed behind.
    following_url = f"/processes/{pid}/sessions/{following}/agenda"
    sara.goto(following_url)
    builder = sara.locator("[data-js-agenda-builder]")
    expect(builder).to_have_attribute("data-ready", "true")
    lines = builder.locator("[data-lines] > li")
    expect(lines).to_have_count(1)
    expect(lines.nth(0).locator("[data-title-input]")).to_have_value(answer_title)
    expect(lines.nth(0).locator("[data-minutes]")).to_have_value("30")
    expect(builder.locator("[data-candidates=carried] li")).to_have_text([answer_title])
    stored = sara.request.get(f"/api/v1/sessions/{following}/agenda").json()
    assert [(line["source"], line["source_id"]) for line in stored["lines"]] == [
        ("response", shared_answer)]
    # The private answer still reaches the supervisor nowhere.
    assert "Yksityinen vastaus" not in sara.content() and private_answer not in sara.content()
    assert sara.request.get(f"/api/v1/items/{private_answer}").status == 404
    no_axe_violations(sara)
