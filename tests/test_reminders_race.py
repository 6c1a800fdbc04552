"""Two (or more) runs of `flask send-reminders` at once never send a reminder twice: each
claims a reminder (INSERT … ON CONFLICT DO NOTHING, committed) before sending it. Threads
released together by a barrier (tests/test_races.race), a real SMTP server counting what
arrives. Run on SQLite (the default) and on PostgreSQL (`scripts/with-postgres.sh`); prints a
line of figures with `-s`."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models.reminders import ReminderSent
from webapp.services import reminders

from .factories import add_session, make_process
from .test_races import ROUNDS, db_name, race
from .test_reminders_service import NOW, mail_setup, opt_in, outbox  # noqa: F401 - fixtures
from .test_services_processes import Person

RUNS = 4


def test_runs_at_once_send_each_reminder_once(app, ctx, outbox):  # noqa: F811
    sara, anna, bertta = (Person("sara@example.fi", supervisor=True),
                          Person("anna@example.fi"), Person("bertta@example.fi"))
    for person in (sara, anna, bertta):
        opt_in(person, "session_tomorrow")
    pid = make_process(sara.uid, anna.uid, bertta.uid, form="group", status="active")
    emails = [p.user.email for p in (sara, anna, bertta)]
    db.session.remove()

    def run():
        with app.app_context():
            try:
                return reminders.send_due(NOW)
            finally:
                db.session.remove()

    totals: Counter[str] = Counter()
    for n in range(ROUNDS):
        # one more session tomorrow: three reminders due (a new key each round)
        add_session(pid, datetime(2027, 3, 10, 8, 0, tzinfo=UTC) + timedelta(minutes=n))
        before = len(outbox.received)
        outcomes = race([run] * RUNS)
        for outcome in outcomes:
            assert isinstance(outcome, reminders.Outcome), repr(outcome)
        assert sum(o.sent for o in outcomes) == 3, outcomes
        assert sum(o.failed + o.left for o in outcomes) == 0, outcomes
        assert len(outbox.received) - before == 3
        totals.update(sent=3, skipped=sum(o.skipped for o in outcomes))
    recipients = Counter(rcpt for _s, rcpts, _m in outbox.received for rcpt in rcpts)
    assert recipients == dict.fromkeys(emails, ROUNDS)
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 3 * ROUNDS
    print(f"\nrace send-reminders [{db_name(app)}]: {ROUNDS} rounds × {RUNS} runs: "
          f"{dict(totals)}")
