"""The reminders' opt-in on the account page (webapp/reminders, templates/reminders/): four
checkboxes, none checked until chosen, saved by a CSRF-protected form POST, bad input a
clear 400 that changes nothing, each user's choice their own."""
from __future__ import annotations

import re

from webapp.extensions import db
from webapp.models.reminders import REMINDER_KINDS, ReminderSetting

from .factories import api_register, csrf_from, snapshot


def checked(html: str) -> list[str]:
    """The kinds whose checkbox is checked on the account page."""
    boxes = re.findall(r'<input type="checkbox" id="reminder-(\w+)" name="kinds" '
                       r'value="\w+" ?(checked)?>', html)
    assert [kind for kind, _ in boxes] == list(REMINDER_KINDS), boxes
    return [kind for kind, mark in boxes if mark]


def test_the_account_page_offers_each_kind_and_none_is_chosen(app):
    anna = api_register(app, "anna@example.fi")
    response = anna.client.get("/account/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="reminders-title"' in html and 'action="/account/reminders"' in html
    assert "anna@example.fi" in html
    assert checked(html) == []


def test_saving_the_choice(app):
    anna = api_register(app, "anna@example.fi")
    bertta = api_register(app, "bertta@example.fi")
    csrf = csrf_from(anna.client.get("/account/").get_data(as_text=True))
    response = anna.client.post("/account/reminders", data={
        "csrf_token": csrf, "kinds": ["assignment_due", "session_tomorrow"]})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/#reminders-title")
    page = anna.client.get("/account/").get_data(as_text=True)
    assert checked(page) == ["assignment_due", "session_tomorrow"]
    assert '<p class="notice" role="status">' in page                # "saved"
    with app.app_context():
        row = db.session.get(ReminderSetting, anna.uid)
        assert (row.assignment_due, row.session_tomorrow, row.agenda_shared,
                row.evaluation_due) == (True, True, False, False)
    # Bertta's page is her own
    assert checked(bertta.client.get("/account/").get_data(as_text=True)) == []
    # nothing checked: every kind off
    assert anna.client.post("/account/reminders", data={"csrf_token": csrf}).status_code == 302
    assert checked(anna.client.get("/account/").get_data(as_text=True)) == []


def test_an_unknown_kind_is_a_400_that_changes_nothing(app):
    anna = api_register(app, "anna@example.fi")
    csrf = csrf_from(anna.client.get("/account/").get_data(as_text=True))
    anna.client.post("/account/reminders", data={"csrf_token": csrf, "kinds": "agenda_shared"})
    before = snapshot(app)
    for kinds in (["agenda_shared", "birthday"], ["x" * 5000]):
        response = anna.client.post("/account/reminders", data={"csrf_token": csrf,
                                                                "kinds": kinds})
        assert response.status_code == 400 and "text/html" in response.content_type
    assert snapshot(app) == before
    assert checked(anna.client.get("/account/").get_data(as_text=True)) == ["agenda_shared"]


def test_the_choice_needs_a_signed_in_user_and_the_csrf_field(app):
    anna = api_register(app, "anna@example.fi")
    before = snapshot(app)
    response = anna.client.post("/account/reminders", data={"kinds": "agenda_shared"})
    assert response.status_code == 403
    anonymous = app.test_client().post("/account/reminders", data={"kinds": "agenda_shared"})
    assert anonymous.status_code in (302, 400, 403)
    assert snapshot(app) == before


def test_the_page_says_when_this_server_sends_no_email(app):
    anna = api_register(app, "anna@example.fi")
    saved = {key: app.config.get(key) for key in ("MAIL_SERVER", "PUBLIC_URL")}
    try:
        app.config.update(MAIL_SERVER="", PUBLIC_URL="https://valitila.example.fi")
        assert "data-reminders-off" in anna.client.get("/account/").get_data(as_text=True)
        app.config.update(MAIL_SERVER="smtp.example.fi")
        assert "data-reminders-off" not in anna.client.get("/account/").get_data(as_text=True)
        app.config.update(PUBLIC_URL="")
        assert "data-reminders-off" in anna.client.get("/account/").get_data(as_text=True)
    finally:
        for key, value in saved.items():
            if value is None:
                app.config.pop(key, None)
            else:
                app.config[key] = value
