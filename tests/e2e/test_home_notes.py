"""The homes and the supervisor's private notes in the browser, on phones (issue 9).

A supervisor signs up ("I am a supervisor"), lands on her home, starts a process from it
(the existing flow), invites a supervisee, and sees the coming sessions with the process's
name (opened on her device) and the supervisee's name. She writes private notes on the notes
page (about a session and about the process), edits one into another session and deletes
one; the supervisee's home shows the process, the countdown to the next session, "no goals
yet" and "Write a reflection", and the notes page and the notes themselves are 404 to her.
Signing in again lands each on their home. axe-core on both homes and the notes page; the
no-plaintext proof covers the process's name and the notes (the marker never leaves the
browser unsealed)."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from webapp.extensions import db
from webapp.models import User
from webapp.services import processes

from ..factories import add_session
from .conftest import run_axe
from .journeys import log_in, sign_up

HOME = re.compile(r"^[^?]*/home/$")


def no_axe_violations(page: Page, what: str) -> None:
    violations = run_axe(page)
    assert not violations, (what, violations)


def api_json(page: Page, method: str, path: str) -> dict:
    """A call from the page, as its scripts make them (session cookie and CSRF token)."""
    return page.evaluate("""async ([method, path]) => {
        const csrf = document.querySelector('meta[name="csrf-token"]').content;
        const r = await fetch('/api/v1' + path, {method, headers: {'X-CSRF-Token': csrf,
            'Accept': 'application/json'}, credentials: 'same-origin'});
        return {status: r.status, body: r.status === 204 ? null : await r.json()};
    }""", [method, path])


def uid_of(page: Page) -> str:
    return page.locator('meta[name="valitila-user"]').get_attribute("content")


def note_ids(page: Page) -> list[str]:
    return [json.loads(raw)["id"] for raw in page.locator("[data-note]").evaluate_all(
        "(els) => els.map((el) => el.dataset.sealed)")]


def test_homes_and_private_notes_on_two_phones(new_context, live_server, marker, no_plaintext):
    app = live_server.app
    sara = new_context(bypass_csp=True).new_page()        # bypass: axe is injected
    sign_up(sara, name="Sara Ohjaaja", supervisor=True)
    expect(sara).to_have_url(HOME)
    expect(sara.locator("nav.site-nav a[href='/home/']")).to_have_attribute(
        "aria-current", "page")
    expect(sara.locator("[data-no-coming]")).to_be_visible()
    no_axe_violations(sara, "an empty supervisor's home")

    # she starts a process from her home (the existing flow)
    sara.locator("main a[href='/processes/new']").first.click()
    sara.wait_for_url(re.compile(r".*/processes/new$"))
    name = f"Tiimi {marker}"
    sara.fill("#process-name", name)
    sara.locator("[data-process-form] [type=submit]").click()
    sara.wait_for_url(re.compile(r".*/processes/[0-9a-f-]{36}$"))
    pid = sara.url.rsplit("/", 1)[1]
    expect(sara.locator("h1.process-name")).to_have_text(name)

    # a supervisee joins; two sessions are planned (rows: the schedule is another page's)
    anna = new_context(bypass_csp=True).new_page()
    account = sign_up(anna, name="Anna Aho")
    expect(anna).to_have_url(re.compile(r"^[^?]*/journal/$"))    # in no process yet: the journal
    with app.app_context():
        _, token = processes.create_invite(db.session.get(User, uid_of(sara)), pid)
        db.session.commit()
    assert api_json(anna, "POST", f"/invites/{token}/accept")["status"] == 200
    now = datetime.now(UTC)
    first = add_session(pid, now + timedelta(days=3, hours=2), app=app)
    later = add_session(pid, now + timedelta(days=10), minutes=90, app=app)

    # her home: the process and the coming sessions, the name opened on her device
    sara.goto("/home/")
    coming = sara.locator("[data-coming] li")
    expect(coming).to_have_count(2)
    expect(coming.nth(0)).to_have_attribute("data-session", first)
    expect(coming.nth(0).locator(".process-name")).to_have_text(name)
    expect(coming.nth(0)).to_contain_text("Anna Aho")
    expect(coming.nth(1)).to_have_attribute("data-session", later)
    expect(sara.locator(f"[data-supervising] li[data-process='{pid}'] .process-name")
           ).to_have_text(name)
    # (her app, open, shares the process's name with Anna and says so)
    expect(sara.locator("[data-js-notice]")).to_contain_text("1")
    no_axe_violations(sara, "the supervisor's home")

    # private notes: from the process page
    sara.goto(f"/processes/{pid}")
    sara.locator("[data-notes-link]").click()
    sara.wait_for_url(re.compile(rf".*/processes/{pid}/notes$"))
    expect(sara.locator("[data-private-notice]")).to_contain_text(   # (until translated)
        re.compile("Only you can read these notes|Vain sinä voit lukea"))
    expect(sara.locator("[data-no-notes]")).to_be_visible()
    no_axe_violations(sara, "the empty notes page")
    compose = sara.locator("[data-js-note-compose]")
    expect(compose.locator("[type=submit]")).to_be_enabled()
    compose.locator("#note-new-session").select_option(first)
    compose.locator("#note-new-body").fill(f"Istunnosta {marker}: Anna väsynyt")
    compose.locator("[type=submit]").click()
    group = sara.locator(f"section.note-group[data-group='{first}']")
    expect(group.locator("[data-note-body]")).to_have_text(f"Istunnosta {marker}: Anna väsynyt")
    expect(sara.locator("[data-js-notice]")).to_have_attribute("data-state", "ok")
    compose.locator("#note-new-body").fill(f"Koko prosessista {marker}")
    compose.locator("[type=submit]").click()
    general = sara.locator("section.note-group[data-group='']")
    expect(general.locator("[data-note-body]")).to_have_text(f"Koko prosessista {marker}")
    session_note, general_note = note_ids(sara)[1], note_ids(sara)[0]
    no_axe_violations(sara, "the notes page with notes")

    # edit the session's note: new words, moved to the later session (one edit at a time)
    general.locator("[data-edit]").click()
    expect(general.locator("[data-edit-form]")).to_be_visible()
    note = group.locator("[data-note]")
    note.locator("[data-edit]").click()
    expect(sara.locator("[data-edit-form]")).to_have_count(1)
    expect(general.locator("[data-edit]")).to_be_visible()
    form = note.locator("[data-edit-form]")
    expect(form.locator("#note-edit-body")).to_have_value(f"Istunnosta {marker}: Anna väsynyt")
    form.locator("#note-edit-session").select_option(later)
    form.locator("#note-edit-body").fill(f"Seuraavaan {marker}")
    no_axe_violations(sara, "editing a note")
    form.locator("[type=submit]").click()
    moved = sara.locator(f"section.note-group[data-group='{later}'] [data-note-body]")
    expect(moved).to_have_text(f"Seuraavaan {marker}")
    expect(sara.locator(f"section.note-group[data-group='{first}']")).to_have_count(0)

    # delete the note about the process, after a confirmation
    sara.locator("section.note-group[data-group=''] [data-delete]").click()
    dialog = sara.locator("[data-delete-dialog]")
    expect(dialog).to_be_visible()
    no_axe_violations(sara, "the delete dialog")
    dialog.locator("[data-confirm]").click()
    expect(sara.locator("section.note-group[data-group='']")).to_have_count(0)
    assert note_ids(sara) == [session_note]
    assert api_json(sara, "GET", f"/items/{general_note}")["status"] == 404

    # the supervisee's home: until the next session
    anna.goto("/home/")
    card = anna.locator(f"section[data-process='{pid}']")
    expect(card.locator(".process-name")).to_have_text(name)
    countdown = card.locator("[data-countdown] time")
    expect(countdown).to_have_text("3 päivän päästä")
    expect(card.locator("[data-no-goals]")).to_be_visible()
    expect(card.locator("[data-bring]")).to_have_text("Mitä työnohjaajasi näkee")
    no_axe_violations(anna, "the supervisee's home")
    # the notes are not hers: not the page, not the items
    assert anna.request.get(f"/processes/{pid}/notes").status == 404
    assert api_json(anna, "GET", f"/items/{session_note}")["status"] == 404
    listed = api_json(anna, "GET", f"/items?process={pid}")["body"]["items"]
    assert session_note not in {item["id"] for item in listed}
    card.locator("a[href='/journal/new']").click()
    anna.wait_for_url(re.compile(r".*/journal/new$"))

    # signing in again: a supervisee in a process lands on her home
    again = new_context().new_page()
    log_in(again, account.email, account.password, landing=HOME)
    expect(again.locator(f"section[data-process='{pid}']")).to_be_visible()
