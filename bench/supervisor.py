"""Välitila benchmarks for issue 9 (supervision processes): a supervisor with many processes
and many shared items, each page against the trivial route of the same run.

  S1  the supervisor's home                       ≤ 3× the trivial route
  S2  one process page                            ≤ 3×
  S3  a supervisee's shared list (200 items)      ≤ 3×
  S4  queries per page: the same for 3 processes × 10 items as for 30 × 200
  S5  the calendar feed of a year of sessions     < 50 ms to render

The app runs in-process (Flask's test client, production configuration, a SQLite file in a
temporary folder); the routes are interleaved in a seeded random order and the figures are
medians, so the ratios hold on a noisy machine. Every item is sealed through the protocol
code exactly as a browser seals it; nothing here is a timed assertion.

Usage: .venv/bin/python bench/supervisor.py [--quick] [--seed N] [--processes 30] [--shared 200]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import PAGE_HEADERS, RESULTS  # noqa: E402

SUPERVISOR = "bench-supervisor@example.fi"
SMALL_SUPERVISOR = "bench-supervisor-small@example.fi"
GOAL_RATIO = 3.0
GOAL_FEED_MS = 50.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--seed", type=int, help="seed of the interleaved order")
    parser.add_argument("--processes", type=int, default=30)
    parser.add_argument("--shared", type=int, default=200, help="shared items per supervisee")
    parser.add_argument("--rounds", type=int, help="rounds per median (300; quick 40)")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.rounds is None:
        args.rounds = 40 if args.quick else 300
    return args


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- seeding --------------------------------------------------------------------------------

def _account(email: str, name: str, supervisor: bool):
    """A real account (keys made by the protocol code), its recovery key counted as saved."""
    import protocol
    from webapp.schemas import parse
    from webapp.schemas.accounts import RegisterRequest
    from webapp.services import accounts

    uid = str(uuid.uuid4())
    new = protocol.create_account(uid, email, common.PASSWORD)
    user = accounts.register(parse(RegisterRequest, dict(
        new.registration, email=email, display_name=name, locale="fi",
        is_supervisor=supervisor)))
    user.recovery_confirmed_at = datetime.now(UTC)
    return user, protocol.unlock_account(email, common.PASSWORD, user.keys())


def seed_supervisor(app, email: str, processes: int, shared: int) -> dict:
    """A supervisor with `processes` active individual processes, each with one supervisee
    who shared `shared` entries with the supervisor through it, each process named (a sealed
    title shared with its member) and a year of fortnightly sessions. Returns ids."""
    from webapp.extensions import db
    from webapp.models import Membership, Process, SupervisionSession
    from webapp.services.demo_processes import Keys, seal
    from webapp.uow import unit_of_work

    start = datetime.now(UTC).replace(hour=14, minute=0, second=0, microsecond=0)
    with app.app_context(), unit_of_work():
        supervisor, skeys = _account(email, "Bench Supervisor", True)
        sup = Keys(supervisor, skeys)
        pids, members = [], []
        for n in range(processes):
            member, mkeys = _account(f"{email.split('@')[0]}-{n}@example.fi",
                                     f"Supervisee {n}", False)
            pid = str(uuid.uuid4())
            now = datetime.now(UTC)
            db.session.add(Process(
                id=pid, form="individual", status="active", supervisor_uid=supervisor.uid,
                session_minutes=60, interval_days=14, session_count=26, mode="in_person",
                roster_epoch=2, created_at=now, activated_at=now))
            db.session.flush()
            db.session.add(Membership(process_id=pid, user_uid=supervisor.uid,
                                      role="supervisor"))
            db.session.add(Membership(process_id=pid, user_uid=member.uid, role="supervisee"))
            db.session.flush()
            seal(sup, "title", {"title": f"Prosessi {n}"}, process=pid,
                 readers=(Keys(member, mkeys),))
            for k in range(26):
                db.session.add(SupervisionSession(
                    id=uuid.uuid4().hex[:22], process_id=pid,
                    starts_at=start + timedelta(days=14 * k - 14 * 4, hours=n % 6),
                    minutes=60, status="held" if k < 4 else "planned"))
            for k in range(shared):
                seal(Keys(member, mkeys), "entry", {
                    "title": f"Pohdinta {k}", "body": "Mikä toimi tällä viikolla? " * 4,
                    "tags": ["jaettu"]}, process=pid, readers=(sup,))
            db.session.flush()
            pids.append(pid)
            members.append(member.uid)
        db.session.flush()
        return {"supervisor": supervisor.uid, "pids": pids, "members": members}


# -- measuring ------------------------------------------------------------------------------

def home_path(app) -> str:
    """The supervisor's home: /home/ where it exists, else the process list."""
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    return "/home/" if "/home/" in rules else "/processes/"


def pages(app, seeded: dict) -> dict[str, str]:
    middle = len(seeded["pids"]) // 2
    pid, uid = seeded["pids"][middle], seeded["members"][middle]
    return {"home": home_path(app), "process": f"/processes/{pid}",
            "shared": f"/processes/{pid}/people/{uid}/shared"}


def feed_ms(app, email: str, rounds: int) -> dict | None:
    """Median time to render the supervisor's calendar feed (a year of sessions in every
    process) through its secret URL, when the app has one."""
    from webapp.services import accounts

    try:
        from webapp.services import calendar as feed
    except ImportError:
        return None
    with app.app_context():
        user = accounts.user_by_email(email)
        from webapp.uow import unit_of_work
        with unit_of_work():
            token = feed.create_feed(user)
    client = app.test_client()
    path = f"/calendar/{token}.ics"
    times, size, events = [], 0, 0
    for n in range(rounds + 5):
        started = time.perf_counter()
        response = client.get(path)
        body = response.get_data()
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        if n >= 5:
            times.append(elapsed)
        size, events = len(body), body.count(b"BEGIN:VEVENT")
    return {"median_ms": common.median(times) * 1000, "bytes": size, "events": events,
            "n": len(times)}


def main(argv=None) -> int:
    from server import Task, count_built_queries, count_queries, wsgi_bench

    args = parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 1_000_000)
    rng = random.Random(seed)
    started = time.perf_counter()
    results: dict = {"machine": common.machine(), "seed": seed,
                     "processes": args.processes, "shared": args.shared}
    with tempfile.TemporaryDirectory(prefix="valitila-bench-supervisor-") as tmpdir:
        common.configure_environment(Path(tmpdir))
        app = common.make_app()
        step(f"seeding {args.processes} processes × {args.shared} shared items "
             f"(and 3 × 10 for the query comparison)")
        big = seed_supervisor(app, SUPERVISOR, args.processes, args.shared)
        small = seed_supervisor(app, SMALL_SUPERVISOR, 3, 10)
        results["seed_seconds"] = round(time.perf_counter() - started, 1)
        client = common.login_test_client(app, SUPERVISOR, common.auth_key(app, SUPERVISOR))
        small_client = common.login_test_client(app, SMALL_SUPERVISOR,
                                                common.auth_key(app, SMALL_SUPERVISOR))
        paths, small_paths = pages(app, big), pages(app, small)
        tasks = [Task(key, path, PAGE_HEADERS, client) for key, path in paths.items()]
        tasks.append(Task("trivial", "/healthz", PAGE_HEADERS, client))
        step(f"in-process WSGI: {len(tasks)} routes × {args.rounds} rounds, interleaved")
        results["wsgi"] = wsgi_bench(tasks, args.rounds, rng)
        for small_path in small_paths.values():  # warm: the small supervisor's pages kept too
            small_client.get(small_path, headers=PAGE_HEADERS)
        results["queries"] = {key: {"large": count_queries(app, client, path, PAGE_HEADERS),
                                    "small": count_queries(app, small_client, small_paths[key],
                                                           PAGE_HEADERS),
                                    "built_large": count_built_queries(app, client, path,
                                                                       PAGE_HEADERS),
                                    "built_small": count_built_queries(
                                        app, small_client, small_paths[key], PAGE_HEADERS)}
                              for key, path in paths.items()}
        step("calendar feed")
        results["feed"] = feed_ms(app, SUPERVISOR, args.rounds // 2)
    results["seconds"] = round(time.perf_counter() - started, 1)
    table = rows(results)
    print()
    for row in table:
        print(" | ".join(row))
    write(results, table, args.results_dir)
    return 0


def rows(results: dict) -> list[tuple[str, ...]]:
    wsgi, trivial = results["wsgi"], results["wsgi"]["trivial"]["median_ms"]
    names = {"home": "S1 the supervisor's home", "process": "S2 a process page",
             "shared": "S3 a supervisee's shared list"}
    out = [("row", "goal", "figure", "pass")]
    for key, name in names.items():
        ratio = wsgi[key]["median_ms"] / trivial
        out.append((f"{name} vs trivial, in-process",
                    f"≤ {GOAL_RATIO:g}×",
                    f"{ratio:.2f}× ({wsgi[key]['median_ms']:.2f} / {trivial:.2f} ms)",
                    "pass" if ratio <= GOAL_RATIO else "FAIL"))
    queries = results["queries"]
    same = all(q["large"] == q["small"] and q.get("built_large") == q.get("built_small")
               for q in queries.values())
    out.append(("S4 queries per page, 30 × 200 vs 3 × 10 (kept; built anew)", "the same",
                ", ".join(f"{k} {q['large']} / {q['small']}; {q.get('built_large')} / "
                          f"{q.get('built_small')}" for k, q in queries.items()),
                "pass" if same else "FAIL"))
    feed = results.get("feed")
    if feed:
        out.append(("S5 calendar feed, a year of sessions in every process",
                    f"< {GOAL_FEED_MS:g} ms",
                    f"{feed['median_ms']:.1f} ms ({feed['events']} events, {feed['bytes']} B)",
                    "pass" if feed["median_ms"] < GOAL_FEED_MS else "FAIL"))
    else:
        out.append(("S5 calendar feed", f"< {GOAL_FEED_MS:g} ms", "not measured (no feed)",
                    "FAIL"))
    return out


def write(results: dict, table: list[tuple[str, ...]], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "supervisor.json").write_text(json.dumps(results, indent=2, default=str))
    machine = results["machine"]
    lines = [f"# Välitila benchmark — supervisor pages ({machine.get('commit', '?')})", "",
             f"- {results['processes']} processes × {results['shared']} shared items; seed "
             f"{results['seed']}; took {results['seconds']} s "
             f"(seeding {results['seed_seconds']} s)",
             f"- load average (1, 5, 15 min) at the start {machine.get('loadavg_at_start')}",
             "- pages: " + ", ".join(f"{k} `{v['path']}`" for k, v in results["wsgi"].items()),
             "",
             "| " + " | ".join(table[0]) + " |", "|" + "---|" * len(table[0])]
    lines += ["| " + " | ".join(row) + " |" for row in table[1:]]
    lines += ["", "In-process medians (ms): " + ", ".join(
        f"{k} {v['median_ms']:.2f}" for k, v in results["wsgi"].items())]
    (directory / "supervisor.md").write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {directory / 'supervisor.md'}")


if __name__ == "__main__":
    sys.exit(main())
