"""A quick in-process check of a few signed-in routes against the trivial route (/healthz):
the routes interleaved in a shuffled order, medians and ratios within the run. For measuring
one change at a time while working (`make bench` is the full table):

    .venv/bin/python bench/ratios.py [--rounds 600] [--entries 100] [name=/path ...]

Extra `name=/path` arguments add page routes (GET, a browser's headers) to the default set:
/healthz, /api/v1/me, /journal/, /account/ and one page of /api/v1/items."""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=600)
    parser.add_argument("--entries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("routes", nargs="*", help="name=/path (a page, GET)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        common.configure_environment(Path(workdir))
        app = common.make_app()
        common.seed(app, "ratios@bench.valitila.fi", args.entries)
        client = common.login_test_client(app, "ratios@bench.valitila.fi",
                                          common.auth_key(app, "ratios@bench.valitila.fi"))
        routes = {"healthz": ("/healthz", common.PAGE_HEADERS),
                  "me": ("/api/v1/me", common.API_HEADERS),
                  "journal": ("/journal/", common.PAGE_HEADERS),
                  "settings": ("/account/", common.PAGE_HEADERS),
                  "api_items": ("/api/v1/items?limit=20", common.API_HEADERS)}
        for extra in args.routes:
            name, _, path = extra.partition("=")
            routes[name] = (path, common.PAGE_HEADERS)
        times: dict[str, list[float]] = {name: [] for name in routes}
        order = list(routes)
        rng = random.Random(args.seed)
        warmup = max(args.rounds // 6, 10)
        for round_ in range(warmup + args.rounds):
            rng.shuffle(order)
            for name in order:
                path, headers = routes[name]
                started = time.perf_counter()
                response = client.get(path, headers=headers)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    raise SystemExit(f"{path}: {response.status_code}")
                if round_ >= warmup:
                    times[name].append(elapsed)
        trivial = statistics.median(times["healthz"])
        for name in routes:
            value = statistics.median(times[name])
            print(f"{name:12s} {value * 1000:7.3f} ms  {value / trivial:5.2f}×")


if __name__ == "__main__":
    main()
