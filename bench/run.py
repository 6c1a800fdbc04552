"""Välitila benchmarks: every row of issue 8's goals table in one run, each figure printed next
to its goal, written to bench/results/<label>.json and .md.

The app runs with its production configuration on a SQLite file in a temporary folder,
in-process (WSGI, Flask's test client) and under gunicorn with 2 workers on 127.0.0.1; the
browser is the machine's Chromium (Playwright, and Lighthouse pinned in bench/lighthouse/).
Machines are noisy, so the server figures are ratios within one run, with the accounts and the
routes interleaved in an order drawn from a seeded RNG (the seed is printed; --seed repeats
it) and medians over many rounds. Nothing here is a timed assertion.

  1. journal page latency vs a trivial route: in-process and over HTTP
  2. gunicorn 2 workers under wrk: journal page req/s vs the trivial route (+ per CPU-second)
  3. first visit (/login, signed-in journal): JS + CSS as sent, Argon2 wasm excluded
  4. opening 50 sealed entries on the journal page (the page's own Performance marks)
  5. journal page at 10,000 vs 100 entries; deepest "show older" page; queries per page
  6. unlock (Argon2id); the outbox syncing 100 entries
  7. Lighthouse mobile: landing page and signed-in journal

Usage: .venv/bin/python bench/run.py [--quick] [--no-browser] [--no-lighthouse] [--seed N]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import report  # noqa: E402
from common import API_HEADERS, HX_HEADERS, PAGE_HEADERS, RESULTS  # noqa: E402
from server import Gunicorn  # noqa: E402

SMALL, LARGE = "bench-small@example.fi", "bench-large@example.fi"
BROWSER, OPENER = "bench-browser@example.fi", "bench-open@example.fi"
GROUPS = ("server", "browser", "lighthouse")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a short run: smaller journal, fewer rounds, 1 Lighthouse run")
    parser.add_argument("--no-browser", action="store_true", help="skip rows 3, 4, 6 and 7")
    parser.add_argument("--no-lighthouse", action="store_true", help="skip row 7")
    parser.add_argument("--only", action="append", choices=GROUPS,
                        help="measure only this group of rows (repeatable): server = rows 1, "
                             "2 and 5; browser = 3, 4 and 6; lighthouse = 7")
    parser.add_argument("--no-install", action="store_true",
                        help="never apt-get install wrk (fall back to a Python load generator)")
    parser.add_argument("--seed", type=int, help="seed of the interleaved order")
    parser.add_argument("--small", type=int, help="entries of the small journal (100)")
    parser.add_argument("--large", type=int, help="entries of the large journal (10,000)")
    parser.add_argument("--rounds", type=int, help="rounds per in-process median")
    parser.add_argument("--http-rounds", type=int, help="rounds per HTTP median")
    parser.add_argument("--load-seconds", type=float, help="seconds of load per route and run")
    parser.add_argument("--load-rounds", type=int, help="load runs per route")
    parser.add_argument("--visits", type=int, help="journal visits for the open-entries median")
    parser.add_argument("--lighthouse-runs", type=int, help="Lighthouse runs per page")
    parser.add_argument("--queue", type=int, default=100, help="entries in the outbox")
    parser.add_argument("--label", default="latest", help="results file name (latest)")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    groups = set(args.only or GROUPS)
    if args.no_browser:
        groups -= {"browser", "lighthouse"}
    if args.no_lighthouse:
        groups.discard("lighthouse")
    args.groups = sorted(groups)
    defaults = ({"small": 100, "large": 2000, "rounds": 40, "http_rounds": 30,
                 "load_seconds": 2.0, "load_rounds": 1, "visits": 3, "lighthouse_runs": 1}
                if args.quick else
                {"small": 100, "large": 10_000, "rounds": 400, "http_rounds": 300,
                 "load_seconds": 5.0, "load_rounds": 3, "visits": 9, "lighthouse_runs": 3})
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


class Errors(dict):
    """What could not be measured, and why (the rest of the run goes on)."""

    def guard(self, key: str, fn, *a, **kw):
        try:
            return fn(*a, **kw)
        except Exception as exc:  # noqa: BLE001 - reported in the table and the results
            traceback.print_exc()
            self[key] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]}" \
                if str(exc).strip() else type(exc).__name__
            return None


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def server_rows(app, server, args, rng: random.Random, errors: Errors, keys: dict) -> dict:
    from server import (
        Task,
        count_queries,
        ensure_wrk,
        http_bench,
        http_page_bytes,
        throughput,
        wsgi_bench,
    )

    out: dict = {}
    small = common.login_test_client(app, SMALL, keys[SMALL])
    large = common.login_test_client(app, LARGE, keys[LARGE])
    first = large.get("/api/v1/items?limit=20").get_json()["next"]  # (not compressed)
    deepest = errors.guard("deepest_cursor", common.deepest_cursor, app, LARGE)
    tasks = [
        Task("journal_large", "/journal/", PAGE_HEADERS, large),
        Task("journal_small", "/journal/", PAGE_HEADERS, small),
        Task("trivial", "/healthz", PAGE_HEADERS, large),
        Task("api_first", "/api/v1/items?limit=20", API_HEADERS, large),
        Task("older_first", f"/journal/?before={first}", HX_HEADERS, large),
    ]
    if deepest:
        tasks += [Task("api_deepest", f"/api/v1/items?limit=20&before={deepest}", API_HEADERS,
                       large),
                  Task("older_deepest", f"/journal/?before={deepest}", HX_HEADERS, large)]
    step(f"in-process WSGI: {len(tasks)} routes × {args.rounds} rounds, interleaved")
    out["wsgi"] = errors.guard("wsgi", wsgi_bench, tasks, args.rounds, rng)
    out["queries"] = errors.guard("queries", lambda: {
        "journal 100": count_queries(app, small, "/journal/", PAGE_HEADERS),
        "journal 10k": count_queries(app, large, "/journal/", PAGE_HEADERS),
        "show older (first)": count_queries(app, large, f"/journal/?before={first}", HX_HEADERS),
        **({"show older (deepest)": count_queries(app, large, f"/journal/?before={deepest}",
                                                  HX_HEADERS)} if deepest else {}),
    })

    cookie_large = common.login_http(server.url, LARGE, keys[LARGE])
    cookie_small = common.login_http(server.url, SMALL, keys[SMALL])
    http_tasks = [Task("journal_large", "/journal/", PAGE_HEADERS, cookie=cookie_large),
                  Task("journal_small", "/journal/", PAGE_HEADERS, cookie=cookie_small),
                  Task("trivial", "/healthz", PAGE_HEADERS, cookie=cookie_large)]
    step(f"HTTP latency: {len(http_tasks)} routes × {args.http_rounds} rounds, interleaved")
    out["http"] = errors.guard("http", http_bench, server.url, http_tasks, args.http_rounds, rng)
    out["page_bytes"] = errors.guard("page_bytes", lambda: {
        "/": http_page_bytes(server.url, "/"),
        "/login": http_page_bytes(server.url, "/login"),
        "/journal/ (10k)": http_page_bytes(server.url, "/journal/", cookie_large)})

    wrk = ensure_wrk(install=not args.no_install)
    if wrk is None:
        print("bench: wrk is not available (apt-get install wrk): the throughput row uses a "
              "Python load generator, which shares the CPUs and reaches less", flush=True)
    load_tasks = [Task("journal_large", "/journal/", PAGE_HEADERS, cookie=cookie_large),
                  Task("trivial", "/healthz", PAGE_HEADERS, cookie=cookie_large)]
    step(f"throughput ({'wrk' if wrk else 'Python'}): {len(load_tasks)} routes × "
         f"{args.load_rounds} runs × {args.load_seconds:g} s, interleaved")
    load = errors.guard("throughput", throughput, server, load_tasks, args.load_seconds,
                        args.load_rounds, rng, wrk)
    if load:
        load["tool"] = "wrk" if wrk else "python"
    out["throughput"] = load
    return out


def browser_rows(app, tmp: Path, env: dict, server, args, errors: Errors) -> dict:
    import browser as b
    from playwright.sync_api import sync_playwright

    out: dict = {}
    uid = common.user_uid(app, BROWSER)
    with sync_playwright() as p:
        chromium = b.launch(p)
        step("browser: first visits (/login, then the signed-in journal, cold)")
        visit = errors.guard("first_visit", b.first_visits, chromium, server.url, BROWSER)
        if visit:
            out["first_visit"], context, page = visit
            step("browser: unlock")
            out["unlock"] = errors.guard("unlock", b.unlock, page, BROWSER,
                                         3 if not args.quick else 1)
            if out["unlock"] and "form" in out["unlock"]["method"]:
                page.goto("/journal/")
            step(f"browser: outbox of {args.queue}")
            out["outbox"] = errors.guard("outbox", b.outbox, context, page, args.queue,
                                         lambda: common.items_of(app, uid))
            context.close()
        else:
            errors.setdefault("unlock", "no signed-in page (first visit failed)")
            errors.setdefault("outbox", "no signed-in page (first visit failed)")
        step(f"browser: open 50 entries ({args.visits} visits; gunicorn with 50 per page)")
        page50 = errors.guard("open_entries", Gunicorn, tmp, env, workers=1, page_size=50,
                              name="page50")
        if page50:
            try:
                out["open_entries"] = errors.guard("open_entries", b.open_entries, chromium,
                                                   page50.url, OPENER, 50, args.visits)
            finally:
                page50.stop()
        chromium.close()
    return out


def lighthouse_rows(server, args, errors: Errors) -> dict | None:
    import lighthouse
    from playwright.sync_api import sync_playwright

    found = lighthouse.version()
    if not found:
        errors["lighthouse"] = ("Lighthouse is not installed: `make bench` installs it "
                                "(npm ci --prefix bench/lighthouse)")
        print(f"bench: {errors['lighthouse']}", flush=True)
        return None
    step(f"Lighthouse {found}: landing page and signed-in journal, {args.lighthouse_runs} "
         "run(s) each")
    with sync_playwright() as playwright:
        result = errors.guard("lighthouse", lighthouse.run, playwright, server.url, SMALL,
                              args.lighthouse_runs, args.results_dir / "lighthouse")
    if result:
        result["version"] = found
    return result


def main(argv=None) -> int:
    args = parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 1_000_000)
    rng = random.Random(seed)
    machine = common.machine()
    print(f"Välitila bench — {report.machine_line(machine)}")
    print(f"seed {seed} (repeat the order with --seed {seed}); "
          f"{'quick' if args.quick else 'full'} run", flush=True)
    started = time.perf_counter()
    errors = Errors()
    results: dict = {"machine": machine, "seed": seed,
                     "args": {k: (str(v) if isinstance(v, Path) else v)
                              for k, v in vars(args).items()}}
    with tempfile.TemporaryDirectory(prefix="valitila-bench-") as tmpdir:
        tmp = Path(tmpdir)
        env = common.configure_environment(tmp)
        app = common.make_app()
        import webapp
        machine["webapp"] = str(Path(webapp.__file__).parent)
        seeded = {SMALL: args.small, LARGE: args.large}
        if "browser" in args.groups:
            seeded.update({BROWSER: 50, OPENER: 50})
        step(f"seeding journals of {args.small} and {args.large} entries"
             + (" (+ 50 and 50 for the browser)" if "browser" in args.groups else ""))
        results["seed_seconds"] = {email: round(common.seed(app, email, n), 2)
                                   for email, n in seeded.items()}
        keys = {email: common.auth_key(app, email) for email in seeded}
        step("gunicorn, 2 workers")
        server = errors.guard("gunicorn", Gunicorn, tmp, env, workers=2, name="app")
        try:
            if server is not None and "server" in args.groups:
                results["server"] = errors.guard("server", server_rows, app, server, args, rng,
                                                 errors, keys)
            if server is not None and "browser" in args.groups:
                results["browser"] = errors.guard("browser", browser_rows, app, tmp, env,
                                                  server, args, errors)
            if server is not None and "lighthouse" in args.groups:
                results["lighthouse"] = lighthouse_rows(server, args, errors)
        finally:
            if server is not None:
                server.stop()
    results["seconds"] = time.perf_counter() - started
    machine["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["errors"] = dict(errors)
    table = report.rows(results)
    print()
    print(report.text_table(table))
    if errors:
        print("\nNot measured: " + "; ".join(f"{k}: {v}" for k, v in errors.items()))
    json_path, md_path = report.write(results, table, args.results_dir, args.label)
    print(f"\nseed {seed}; took {results['seconds']:.0f} s; written to {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
