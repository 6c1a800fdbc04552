"""The personal calendar feed of a user with many processes: a year of sessions in each.

A supervisee of `--processes` processes (default 30), each with a year of sessions planned
every `--interval` days (default 28: 14 sessions a year; `--interval 7` gives the weekly
extreme of 53 a year), some cancelled and some held. Measured, as medians of `--rounds`:

  cold     the whole feed with no event rendered yet (the event cache emptied each round:
           the first fetch after a restart, or after every session changed)
  render   the iCalendar document from the rows (webapp.services.calendar.render), warm
  feed     the whole use case: the secret looked up, the sessions queried, the document made
  http     GET /calendar/<secret>.ics through the app (Flask's test client, production config)

Goal (issue 9, Performance): the feed of a year of sessions renders in under 50 ms. Nothing
here is a timed assertion: the script prints the figures and says whether the goal is met.

Usage: .venv/bin/python bench/calendar_feed.py [--processes 30] [--interval 28] [--rounds 50]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

GOAL_MS = 50.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=30)
    parser.add_argument("--interval", type=int, default=28, help="days between sessions")
    parser.add_argument("--rounds", type=int, default=50)
    return parser.parse_args(argv)


def seed(app, processes: int, interval: int) -> tuple[str, int]:
    """The supervisee, her processes and their sessions (rows through the models, as
    tests/factories.make_process makes them). Returns (the feed's secret, sessions)."""
    from tests.factories import fast_account, make_process
    from webapp.extensions import db
    from webapp.models.sessions import SupervisionSession
    from webapp.schemas import parse
    from webapp.schemas.accounts import RegisterRequest
    from webapp.services import accounts, calendar
    from webapp.services.schedule import new_session_id
    from webapp.uow import unit_of_work

    with app.app_context():
        with unit_of_work():
            supervisor = accounts.register(parse(RegisterRequest, fast_account().registration(
                f"bench-sup-{uuid.uuid4().hex[:6]}@example.fi", is_supervisor=True)))
            supervisee = accounts.register(parse(RegisterRequest, fast_account().registration(
                f"bench-sve-{uuid.uuid4().hex[:6]}@example.fi")))
            sup_uid, uid = supervisor.uid, supervisee.uid
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        first = now - timedelta(days=180)
        count = 0
        for n in range(processes):
            pid = make_process(sup_uid, uid, status="active")
            rows = []
            for k in range(365 // interval + 1):
                start = first + timedelta(days=k * interval, hours=n % 8)
                status = "held" if start < now else "planned"
                if k % 9 == 4:
                    status = "cancelled"
                rows.append(SupervisionSession(
                    id=new_session_id(), process_id=pid, starts_at=start, minutes=60,
                    status=status, cancel_reason="illness" if status == "cancelled" else None,
                    created_at=now, updated_at=now))
            db.session.add_all(rows)
            count += len(rows)
        db.session.commit()
        with unit_of_work():
            token = calendar.create_feed(db.session.get(type(supervisee), uid))
    return token, count


def measure(fn, rounds: int, clock=time.perf_counter) -> float:
    """The median in ms of `rounds` calls; `clock=time.process_time` counts this process's
    CPU time only (what a busy machine's other work does not inflate as much)."""
    fn()                                            # warm up (imports, caches)
    times = []
    for _ in range(rounds):
        started = clock()
        fn()
        times.append((clock() - started) * 1000)
    return statistics.median(times)


def main(argv=None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        common.configure_environment(Path(workdir))
        sys.path.insert(0, str(common.ROOT))
        app = common.make_app()
        token, count = seed(app, args.processes, args.interval)
        from webapp.services import calendar

        with app.app_context():
            user = calendar.feed_owner(token)
            rows = calendar.feed_sessions(user.uid)
            events = len(rows)
            def cold():
                calendar._event.cache_clear()
                calendar.feed(token)
            cold_ms = measure(cold, args.rounds)
            cold_cpu_ms = measure(cold, args.rounds, time.process_time)
            render_ms = measure(lambda: calendar.render(rows, user.locale), args.rounds)
            feed_ms = measure(lambda: calendar.feed(token), args.rounds)
        client = app.test_client()
        response = client.get(f"/calendar/{token}.ics")
        assert response.status_code == 200, response.status_code
        http_ms = measure(lambda: client.get(f"/calendar/{token}.ics"), args.rounds)
    print(f"calendar feed: {args.processes} processes, a session every {args.interval} days: "
          f"{count} sessions stored, {events} in the feed ({len(response.data)} bytes)")
    print(f"  cold {cold_ms:6.1f} ms   render {render_ms:6.1f} ms   "
          f"feed (lookup + query + render) {feed_ms:6.1f} ms   "
          f"http {http_ms:6.1f} ms   (medians of {args.rounds})")
    print(f"  cold, CPU time of this process only: {cold_cpu_ms:6.1f} ms")
    for label, value in (("warm", feed_ms), ("cold", cold_ms)):
        verdict = "met" if value < GOAL_MS else "NOT met"
        print(f"  goal: the feed renders in under {GOAL_MS:.0f} ms ({label}): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
