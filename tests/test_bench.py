"""Smoke test of the benchmark (bench/run.py): a tiny run of the server rows through the real
code (app, seeding, interleaved in-process and HTTP rounds under gunicorn, load, query counts,
the goals table and the results files). It asserts that every server row was measured and
reported next to its goal, never how fast anything was."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_quick_run_reports_every_server_row(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--no-browser",
         "--no-install", "--small", "3", "--large", "25", "--rounds", "3",
         "--http-rounds", "2", "--load-seconds", "1", "--load-rounds", "1",
         "--seed", "7", "--label", "smoke", "--results-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "seed 7" in result.stdout

    results = json.loads((tmp_path / "smoke.json").read_text())
    assert results["seed"] == 7
    assert results["errors"] == {}, results["errors"]
    rows = {row["id"]: row for row in results["rows"]}
    assert list(rows) == ["1a", "1b", "2", "3a", "3b", "4", "5a", "5b", "5c", "6a", "6b",
                          "7a", "7b"]
    for measured in ("1a", "1b", "2", "5a", "5b", "5c"):
        assert rows[measured]["passed"] in (True, False), rows[measured]
        assert rows[measured]["value"] is not None
        assert not rows[measured]["figure"].startswith("not measured"), rows[measured]
    for skipped in ("3a", "3b", "4", "6a", "6b", "7a", "7b"):
        assert rows[skipped]["passed"] is None
        assert rows[skipped]["figure"].startswith("not measured"), rows[skipped]
    # Every route of the interleaved rounds was timed the asked number of times.
    wsgi = results["server"]["wsgi"]
    assert {"journal_large", "journal_small", "trivial", "older_first",
            "older_deepest"} <= set(wsgi)
    assert all(route["n"] == 3 for route in wsgi.values())
    assert results["server"]["queries"]["journal 10k"] >= 1
    load = results["server"]["throughput"]
    assert load["journal_large"]["requests"] > 0 and load["trivial"]["requests"] > 0
    assert load["journal_large"]["non_2xx"] == 0

    markdown = (tmp_path / "smoke.md").read_text()
    assert "| # | measure | goal | figure | pass |" in markdown
    assert "≤ 3×" in markdown and "≥ 25 %" in markdown and "Seed of the interleaved order: 7" \
        in markdown
    # The printed table carries the goal next to each figure too.
    assert "journal page latency vs trivial route" in result.stdout
