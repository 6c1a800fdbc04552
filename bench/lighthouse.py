"""Lighthouse (pinned in bench/lighthouse/package.json, installed by `make bench` only) on the
landing page and on a signed-in journal page, mobile (Lighthouse's default: a mid-range
phone, simulated slow 4G and 4x CPU slowdown), with the machine's Chromium.

The signed-in journal: Lighthouse opens a page in a fresh profile, where the journal would only
send the person to the unlock page (the keys live in the device's IndexedDB). So the profile is
prepared first with Playwright and the same Chromium: sign in through the login page (the keys
are unlocked and kept in IndexedDB), then the service worker, Cache Storage, the HTTP cache and
the cookies are cleared. Lighthouse then runs on a copy of that profile with its storage reset
turned off and the session cookie passed with --extra-headers: it measures a cold load of the
journal by a signed-in person whose keys are on the device, entries opened in the page."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from common import CHROMIUM, ROOT, median

HERE = ROOT / "bench" / "lighthouse"
CLI = HERE / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROME_FLAGS = ["--no-sandbox", "--headless=new", "--disable-gpu"]
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = {"first-contentful-paint": "fcp_ms", "largest-contentful-paint": "lcp_ms",
           "total-blocking-time": "tbt_ms", "cumulative-layout-shift": "cls",
           "speed-index": "si_ms"}


def version() -> str | None:
    package = HERE / "node_modules" / "lighthouse" / "package.json"
    if not CLI.exists() or not package.exists():
        return None
    return json.loads(package.read_text())["version"]


def prepare_profile(playwright, base: str, email: str, profile: Path) -> str:
    """A Chromium profile signed in as `email` with the keys unlocked in IndexedDB and nothing
    else kept (no service worker, caches or cookies). Returns the Cookie header."""
    from browser import ARGS, OPEN, log_in, make_cold, settle

    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=ARGS, base_url=base, locale="fi-FI")
    try:
        page = context.new_page()
        log_in(page, email)
        page.wait_for_selector(OPEN, timeout=90_000)
        settle(page)
        cookies = [c for c in context.cookies(base)]
        make_cold(context, page)
        context.clear_cookies()
    finally:
        context.close()
    return "; ".join(f"{c['name']}={c['value']}" for c in cookies)


def run_once(url: str, out: Path, *, profile_from: Path | None = None, cookie: str = ""
             ) -> dict:
    """One Lighthouse run (on a fresh copy of the profile `profile_from`, if given); returns
    the scores (0-100), the metrics and the audits that cost points."""
    if profile_from is None:
        return _lighthouse(url, out, None, cookie)
    with tempfile.TemporaryDirectory(prefix="valitila-lh-run-") as tmp:
        profile = Path(tmp) / "profile"
        shutil.copytree(profile_from, profile, symlinks=True,
                        ignore=shutil.ignore_patterns("Singleton*", "*.lock", "lockfile"))
        return _lighthouse(url, out, profile, cookie)


def _lighthouse(url: str, out: Path, profile: Path | None, cookie: str) -> dict:
    out.unlink(missing_ok=True)
    flags = list(CHROME_FLAGS)
    command = ["node", str(CLI), url, "--output=json", f"--output-path={out}", "--quiet",
               f"--only-categories={','.join(CATEGORIES)}", "--max-wait-for-load=60000"]
    if profile is not None:
        flags.append(f"--user-data-dir={profile}")
        command.append("--disable-storage-reset")
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    command.append("--chrome-flags=" + " ".join(flags))
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=240, env=env,
                            cwd=HERE)
    if result.returncode != 0 or not out.exists():
        raise RuntimeError(f"lighthouse failed ({result.returncode}): {result.stderr[-800:]}")
    lhr = json.loads(out.read_text())
    if lhr.get("runtimeError"):
        raise RuntimeError(f"lighthouse: {lhr['runtimeError']}")
    scores = {key: (round(lhr["categories"][key]["score"] * 100)
                    if lhr["categories"][key]["score"] is not None else None)
              for key in CATEGORIES}
    metrics = {name: lhr["audits"][audit]["numericValue"]
               for audit, name in METRICS.items() if audit in lhr["audits"]}
    losing = []
    for key in CATEGORIES:
        for ref in lhr["categories"][key]["auditRefs"]:
            audit = lhr["audits"].get(ref["id"], {})
            if ref.get("weight") and audit.get("score") is not None and audit["score"] < 1:
                losing.append(f"{key}:{ref['id']}")
    requests = [item.get("url", "") for item in
                lhr["audits"].get("network-requests", {}).get("details", {}).get("items", [])]
    return {"scores": scores, "metrics": metrics, "losing_audits": losing,
            "went_to_unlock": any("/unlock" in url for url in requests),
            "requests": len(requests),
            "final_url": lhr.get("finalDisplayedUrl") or lhr.get("finalUrl"),
            "requested_url": lhr.get("requestedUrl"), "seconds": time.perf_counter() - started,
            "report": str(out)}


def run_retrying(url: str, out: Path, failures: list[str], attempts: int = 3, **kw) -> dict:
    """Lighthouse now and then fails to record a page load (NO_NAVSTART, "Please run
    Lighthouse again"): such a run is tried again, up to `attempts` times in all."""
    for attempt in range(attempts):
        try:
            return run_once(url, out, **kw)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            failures.append(f"{url} attempt {attempt + 1}: {str(exc)[:200]}")
            if attempt == attempts - 1:
                raise
            time.sleep(1)
    raise AssertionError("unreachable")


def run(playwright, base: str, email: str, runs: int, out_dir: Path) -> dict:
    """Landing page and signed-in journal, `runs` runs each (landing and journal alternate);
    the run with the median performance score stands for each page."""
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[dict]] = {"landing": [], "journal": []}
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="valitila-lh-") as tmp:
        prepared = Path(tmp) / "prepared"
        cookie = prepare_profile(playwright, base, email, prepared)
        for n in range(runs):
            results["landing"].append(run_retrying(f"{base}/", out_dir / f"landing-{n + 1}.json",
                                                   failures))
            results["journal"].append(run_retrying(
                f"{base}/journal/", out_dir / f"journal-{n + 1}.json", failures,
                profile_from=prepared, cookie=cookie))
    summary = {}
    for page, rows in results.items():
        perf = [r["scores"]["performance"] or 0 for r in rows]
        middle = sorted(rows, key=lambda r: r["scores"]["performance"] or 0)[(len(rows) - 1) // 2]
        summary[page] = {**middle, "performance_runs": perf,
                         "performance_median": median(perf), "runs": rows}
    summary["failed_attempts"] = failures
    journal = summary["journal"]
    # The journal, not the unlock page it sends a device without keys to.
    journal["signed_in_page_measured"] = bool(
        journal["final_url"] and journal["final_url"].rstrip("/").endswith("/journal")
        and not journal["went_to_unlock"])
    return summary
