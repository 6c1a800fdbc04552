"""`flask send-reminders` through Flask's CliRunner: it sends what is due now (each once,
to a real local SMTP server), prints a count, and exits 1 when the mail server fails (the
reminders wait for the next run) and 2 when mail or PUBLIC_URL is not configured."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models.reminders import ReminderSent
from webapp.models.types import utcnow

from .factories import add_session, make_process
from .test_invite_email import free_port, smtp_server
from .test_reminders_service import BASE, mail_setup, opt_in, outbox  # noqa: F401 - fixtures
from .test_services_processes import Person


def tomorrow_noon() -> datetime:
    """Noon tomorrow in Helsinki, as UTC (due whenever the test runs)."""
    zone = ZoneInfo("Europe/Helsinki")
    day = utcnow().astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(day, time(12, 0), tzinfo=zone).astimezone(UTC)


def a_session_tomorrow() -> None:
    sara, anna = Person("sara@example.fi", supervisor=True), Person("anna@example.fi")
    opt_in(sara, "session_tomorrow"), opt_in(anna, "session_tomorrow")
    add_session(make_process(sara.uid, anna.uid, status="active"), tomorrow_noon())


def sent() -> int:
    count = db.session.scalar(select(func.count()).select_from(ReminderSent))
    db.session.rollback()
    return count


def test_the_command_sends_what_is_due_once(app, ctx, outbox):  # noqa: F811
    a_session_tomorrow()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert result.output == "Sent 2 reminders.\n"
    assert sorted(r for _s, rcpts, _m in outbox.received for r in rcpts) == [
        "anna@example.fi", "sara@example.fi"]
    assert all("12.00" in m.get_content() and BASE in m.get_content()
               for _s, _r, m in outbox.received)
    again = runner.invoke(args=["send-reminders"])
    assert again.exit_code == 0 and again.output == "Sent 0 reminders.\n"
    assert len(outbox.received) == 2 and sent() == 2


def test_a_failed_mail_server_is_exit_1_and_nothing_is_lost(app, ctx, mail_setup):  # noqa: F811
    a_session_tomorrow()
    mail_setup.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(free_port()), MAIL_USE_TLS="0",
                      MAIL_TIMEOUT="2", PUBLIC_URL=BASE)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 1
    assert "Sent 0 reminders." in result.output
    assert "2 reminders could not be sent now" in result.output
    assert sent() == 0
    with smtp_server() as (box, port):
        mail_setup.update(MAIL_PORT=str(port))
        result = runner.invoke(args=["send-reminders"])
        assert result.exit_code == 0 and result.output == "Sent 2 reminders.\n"
    assert len(box.received) == 2 and sent() == 2


def test_without_configuration_it_is_exit_2_and_sends_nothing(app, ctx, mail_setup):  # noqa: F811
    a_session_tomorrow()
    mail_setup.update(MAIL_SERVER="", PUBLIC_URL=BASE)
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 2 and "MAIL_SERVER" in result.output
    with smtp_server() as (box, port):
        mail_setup.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), MAIL_USE_TLS="0",
                          PUBLIC_URL="")
        result = app.test_cli_runner().invoke(args=["send-reminders"])
        assert result.exit_code == 2 and "PUBLIC_URL" in result.output
    assert box.received == [] and sent() == 0
