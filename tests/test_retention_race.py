"""Runs of `flask apply-retention` at once: each ended process's members are told once (the
claim is one conditional UPDATE of `retention_notice_at`, committed before sending) and each
process is purged once (the purge's conditional UPDATE of `purged_at` is in its transaction:
the second run waits for the row and finds it purged). Threads released together by a barrier
(tests/test_races.race), a real SMTP server counting what arrives. Run on SQLite (the default)
and PostgreSQL (`scripts/with-postgres.sh`); prints a line of figures with `-s`."""
from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from webapp.extensions import db
from webapp.models import Item, Process
from webapp.models.items import Tombstone
from webapp.services import processes, retention
from webapp.services.retention import add_months
from webapp.uow import unit_of_work

from .factories import make_process
from .test_races import ROUNDS, db_name, race
from .test_reminders_service import mail_setup, outbox  # noqa: F401 - fixtures
from .test_services_items import _ok, put_item
from .test_services_processes import Person

RUNS = 4
TODAY = retention.local_day()


def test_runs_at_once_tell_once_and_purge_once(app, ctx, outbox):  # noqa: F811
    sara, anna, bertta = (Person("sara@example.fi", supervisor=True),
                          Person("anna@example.fi"), Person("bertta@example.fi"))
    rounds = ROUNDS // 4
    pids, notes = [], []
    for _ in range(rounds):
        pid = make_process(sara.uid, anna.uid, bertta.uid, form="group", status="active")
        item_id = str(uuid.uuid4())
        note = sara.body(item_id, 1, kind="note", payload={"body": "x"})
        note["process"] = pid
        _ok(put_item, sara.user, item_id, note)
        with unit_of_work():
            processes.end_process(sara.user, pid)
        pids.append(pid)
        notes.append(item_id)
    db.session.remove()

    def run():
        with app.app_context():
            try:
                return retention.apply()
            finally:
                db.session.remove()

    totals: Counter[str] = Counter()
    for pid, note in zip(pids, notes, strict=True):
        with unit_of_work():                          # its notice is due today
            db.session.execute(update(Process).where(Process.id == pid)
                               .values(retention_until=add_months(TODAY, 1)))
        before = len(outbox.received)
        outcomes = race([run] * RUNS)
        assert all(isinstance(o, retention.Outcome) for o in outcomes), outcomes
        assert sum(o.sent for o in outcomes) == 3, outcomes
        assert len(outbox.received) - before == 3
        assert sum(o.purged for o in outcomes) == 0
        totals.update(sent=3, skipped=sum(o.skipped for o in outcomes))
        with unit_of_work():                          # and now its retention has ended
            db.session.execute(update(Process).where(Process.id == pid)
                               .values(retention_until=TODAY))
        outcomes = race([run] * RUNS)
        assert all(isinstance(o, retention.Outcome) for o in outcomes), outcomes
        assert sum(o.purged for o in outcomes) == 1, outcomes
        assert sum(o.sent for o in outcomes) == 0
        totals.update(purged=1)
        process = db.session.get(Process, pid, populate_existing=True)
        assert process.purged_at is not None and process.purged_at <= datetime.now(UTC)
        assert db.session.get(Item, note) is None
        assert db.session.scalar(select(func.count()).select_from(Tombstone)
                                 .where(Tombstone.id == note)) == 1
        db.session.rollback()
    recipients = Counter(rcpt for _s, rcpts, _m in outbox.received for rcpt in rcpts)
    assert recipients == dict.fromkeys(["sara@example.fi", "anna@example.fi",
                                        "bertta@example.fi"], rounds)
    print(f"\nrace apply-retention [{db_name(app)}]: {rounds} rounds × {RUNS} runs: "
          f"{dict(totals)}")
