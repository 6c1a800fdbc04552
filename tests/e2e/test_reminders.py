"""Email reminders end to end: the supervisee opts in on her Settings page (axe-core on it),
the supervisor gives an assignment with sealed words in her browser, due before tomorrow's
session; `flask send-reminders` (Flask's CliRunner against the live server's app) hands
the messages to a real SMTP server (aiosmtpd). Anna gets two reminders in Finnish linking to
the app, Sara (not opted in) none, the marker is in no message in any encoding, and a second
run sends nothing. The no-plaintext proof runs after the test."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from webapp.models.types import utcnow

from ..factories import add_session, make_process
from ..test_invite_email import MAIL_KEYS, smtp_server
from .journeys import LANDING, sign_up
from .leaks import find_leaks
from .test_assignments import no_axe_violations, uid_of


def tomorrow_noon() -> datetime:
    zone = ZoneInfo("Europe/Helsinki")
    day = utcnow().astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(day, time(12, 0), tzinfo=zone).astimezone(UTC)


def test_opt_in_then_the_command_sends_content_free_reminders(new_context, live_server, marker,
                                                               no_plaintext):
    anna = new_context(bypass_csp=True).new_page()     # bypass: axe is injected as a script
    account = sign_up(anna, name="Anna Ohjattava")
    sara = new_context().new_page()
    sign_up(sara, name="Sara Ohjaaja", supervisor=True)
    pid = make_process(uid_of(sara), uid_of(anna), status="active", app=live_server.app)
    with live_server.app.app_context():
        add_session(pid, tomorrow_noon())

    # Anna chooses two kinds on her Settings page.
    anna.goto("/account/")
    card = anna.locator("section[aria-labelledby=reminders-title]")
    expect(card.locator("input[type=checkbox]")).to_have_count(4)
    for box in card.locator("input[type=checkbox]").all():
        expect(box).not_to_be_checked()
    no_axe_violations(anna)
    card.locator("#reminder-assignment_due").check()
    card.locator("#reminder-session_tomorrow").check()
    card.locator("[type=submit]").click()
    anna.wait_for_url("**/account/#reminders-title")
    expect(anna.locator("p.notice[role=status]")).to_be_visible()
    expect(card.locator("#reminder-assignment_due")).to_be_checked()
    expect(card.locator("#reminder-session_tomorrow")).to_be_checked()
    expect(card.locator("#reminder-agenda_shared")).not_to_be_checked()
    no_axe_violations(anna)

    # Sara gives an assignment with sealed words, due before the next session (tomorrow).
    sara.goto(f"/processes/{pid}/assignments")
    give = sara.locator("[data-js-assignment-give]")
    expect(give.locator("[type=submit]")).to_be_enabled()
    expect(give.locator("#assignment-due")).not_to_have_value("")
    give.locator("#assignment-title").fill(f"Muistettava {marker}")
    give.locator("#assignment-instructions").fill(f"Ohje {marker}")
    give.locator("[type=submit]").click()
    sara.wait_for_url("**/assignments/*")

    config = live_server.app.config
    saved = {key: config.get(key) for key in (*MAIL_KEYS, "PUBLIC_URL")}
    try:
        with smtp_server() as (inbox, port):
            config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), MAIL_USE_TLS="0",
                          PUBLIC_URL=live_server.url)
            runner = live_server.app.test_cli_runner()
            result = runner.invoke(args=["send-reminders"])
            assert result.exit_code == 0, result.output
            assert result.output == "Sent 2 reminders.\n"
            again = runner.invoke(args=["send-reminders"])
            assert again.exit_code == 0 and again.output == "Sent 0 reminders.\n"
    finally:
        for key, value in saved.items():
            if value is None:
                config.pop(key, None)
            else:
                config[key] = value

    assert len(inbox.received) == 2
    lines = []
    for _sender, recipients, message in inbox.received:
        assert recipients == [account.email]
        assert message["Content-Language"] == "fi"
        body = message.get_content().replace("\r\n", "\n")
        assert body.startswith("Hei,\n") and f"{live_server.url}/\n" in body
        assert find_leaks(message.as_bytes(), marker) == []
        assert "Sara Ohjaaja" not in body and "Muistettava" not in body
        lines.append(body.split("\n\n")[1])
    assert len(set(lines)) == 2                     # one line per kind

    # The link opens the app.
    anna.goto(live_server.url + "/")
    expect(anna).to_have_url(LANDING)

