"""`flask apply-retention` through Flask's CliRunner: it tells the members of an ended process
a month before (a real local SMTP server receives it, once), purges it when its retention
has ended, prints what it did, and exits 1 when the mail server fails (the notice waits for
the next run, and so does the purge) and 2 when mail or PUBLIC_URL is not configured."""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import update

from webapp.extensions import db
from webapp.models import Item, Process
from webapp.services import processes, retention
from webapp.services.retention import add_months
from webapp.uow import unit_of_work

from .factories import make_process
from .test_invite_email import free_port, smtp_server
from .test_reminders_service import BASE, mail_setup, outbox  # noqa: F401 - fixtures
from .test_services_items import _ok, put_item
from .test_services_processes import Person

TODAY = retention.local_day()


def ended(until) -> tuple[str, str]:
    """An ended process of Sara and Anna with Sara's private note in it; retention until
    `until`. Returns (process id, note id)."""
    sara, anna = Person("sara@example.fi", supervisor=True), Person("anna@example.fi")
    pid = make_process(sara.uid, anna.uid, status="active")
    note = str(uuid.uuid4())
    body = sara.body(note, 1, kind="note", payload={"body": "Muistiinpano"})
    body["process"] = pid
    _ok(put_item, sara.user, note, body)
    with unit_of_work():
        processes.end_process(sara.user, pid)
        db.session.execute(update(Process).where(Process.id == pid)
                           .values(retention_until=until))
    return pid, note


def state(pid: str):
    process = db.session.get(Process, pid, populate_existing=True)
    db.session.rollback()
    return process.retention_notice_at, process.purged_at


def test_the_command_tells_once_and_then_purges(app, ctx, outbox):  # noqa: F811
    pid, note = ended(add_months(TODAY, 1))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["apply-retention"])
    assert result.exit_code == 0, result.output
    assert result.output == "Sent 2 retention notices; purged 0 ended processes.\n"
    assert len(outbox.received) == 2
    assert all(f"{BASE}/account/#export" in m.get_content() for _s, _r, m in outbox.received)
    again = runner.invoke(args=["apply-retention"])
    assert again.output == "Sent 0 retention notices; purged 0 ended processes.\n"
    with unit_of_work():
        db.session.execute(update(Process).where(Process.id == pid)
                           .values(retention_until=TODAY))
    result = runner.invoke(args=["apply-retention"])
    assert result.exit_code == 0
    assert result.output == "Sent 0 retention notices; purged 1 ended processes.\n"
    assert state(pid)[1] is not None and db.session.get(Item, note) is None
    assert len(outbox.received) == 2


def test_a_failed_mail_server_is_exit_1_and_nothing_is_purged(app, ctx, mail_setup):  # noqa: F811
    pid, note = ended(TODAY)
    mail_setup.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(free_port()), MAIL_USE_TLS="0",
                      MAIL_TIMEOUT="2", PUBLIC_URL=BASE)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["apply-retention"])
    assert result.exit_code == 1
    assert "The notices of 1 processes could not be sent now" in result.output
    assert state(pid) == (None, None) and db.session.get(Item, note) is not None
    with smtp_server() as (box, port):
        mail_setup.update(MAIL_PORT=str(port))
        result = runner.invoke(args=["apply-retention"])
    assert result.exit_code == 0 and len(box.received) == 2
    notice_at, purged_at = state(pid)
    assert notice_at is not None and purged_at is None       # a month from the notice


def test_without_configuration_it_is_exit_2_and_does_nothing(app, ctx, mail_setup):  # noqa: F811
    pid, _ = ended(TODAY - timedelta(days=1))
    mail_setup.update(MAIL_SERVER="", PUBLIC_URL=BASE)
    result = app.test_cli_runner().invoke(args=["apply-retention"])
    assert result.exit_code == 2 and "MAIL_SERVER" in result.output
    with smtp_server() as (_box, port):
        mail_setup.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), MAIL_USE_TLS="0",
                          PUBLIC_URL="")
        result = app.test_cli_runner().invoke(args=["apply-retention"])
    assert result.exit_code == 2 and "PUBLIC_URL" in result.output
    assert state(pid) == (None, None)


def test_a_server_without_email_gives_the_notice_in_the_app(app, ctx, mail_setup):  # noqa: F811
    """--without-email: the operator's choice on a server that sends no email. The notice
    is the date on the ended process's page; it is recorded as given, and the purge still
    waits a month from it."""
    pid, note = ended(TODAY)
    mail_setup.update(MAIL_SERVER="", PUBLIC_URL="")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["apply-retention", "--without-email"])
    assert result.exit_code == 0, result.output
    assert result.output == "Sent 0 retention notices; purged 0 ended processes.\n"
    notice_at, purged_at = state(pid)
    assert notice_at is not None and purged_at is None and db.session.get(Item, note)
    assert db.session.get(Process, pid).retention_until == add_months(TODAY, 1)
    with unit_of_work():                                      # a month later
        db.session.execute(update(Process).where(Process.id == pid)
                           .values(retention_until=TODAY))
    result = runner.invoke(args=["apply-retention", "--without-email"])
    assert result.output == "Sent 0 retention notices; purged 1 ended processes.\n"
    assert state(pid)[1] is not None and db.session.get(Item, note) is None
