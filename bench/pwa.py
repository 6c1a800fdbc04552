"""Välitila PWA benchmark, in headless Chromium against the real app on a live server.

1. First visit vs repeat visit with the service worker warm, for a signed-in person whose
   journal holds --entries entries (sealed by the Python protocol client):
   - bytes transferred: the sum of the response body sizes that came from the network (as
     the browser reports them: encoded size). Responses the service worker answered from
     Cache Storage (`response.from_service_worker`) are left out, and so are HTTP-cache
     hits, which transfer nothing; pages are the exception: the worker is network-first
     for them, so a page it answers online came over the network (navigation preload) and
     its body counts;
   - time to a usable journal: navigating to /journal/ (already signed in, keys unlocked on
     the device) until the first entry's `article[data-state=open]` appears, measured in
     the page from the start of the navigation.
   A "first visit" is the journal opened with no service worker, no Cache Storage and an
   empty HTTP cache (signed in beforehand on the same device: the keys stay in IndexedDB);
   its bytes also include what the worker then downloads to install (the precache and the
   page shells). A "repeat visit" is a new tab on the same device afterwards.
2. The outbox: --queue entries queued offline through the app's own modules (sealed and
   queued exactly as the compose page does), then the time from going online until the
   outbox is empty (and the server holds them all).

Figures are medians over --rounds; ratios are repeat/first within one run (machines are
noisy). Results go to bench/results/pwa.json.

Usage: .venv/bin/python bench/pwa.py [--entries N] [--queue N] [--rounds N]
"""
from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402
from tests.e2e.journeys import log_in  # noqa: E402
from tests.helpers import PASSWORD, Protocol  # noqa: E402

RESULTS = ROOT / "bench" / "results"
TIMEOUT = 120_000
FIRST_OPEN = "article[data-state=open]"


class Network:
    """Response body bytes that came over the network, for one browser context."""

    def __init__(self, context) -> None:
        self.reset()
        context.on("requestfinished", self._finished)

    def reset(self) -> None:
        self.bytes = 0
        self.requests = 0
        self.worker_bytes = 0  # fetched by the service worker itself (install, shells)
        self.from_worker = 0  # answered by the service worker from its cache (not counted)
        self.pages_via_worker = 0  # pages the worker fetched from the network (counted)

    def _finished(self, request) -> None:
        response = request.response()
        if response is None:
            return
        if response.from_service_worker:
            if request.resource_type == "document":
                # The worker is network-first for pages: online, the page it answers with
                # came over the network (navigation preload), so it counts.
                self.bytes += len(response.body())
                self.requests += 1
                self.pages_via_worker += 1
            else:
                self.from_worker += 1  # from Cache Storage: nothing transferred
            return
        size = request.sizes()["responseBodySize"]
        self.bytes += max(size, 0)
        self.requests += 1
        if request.service_worker is not None:
            self.worker_bytes += max(size, 0)


def wait(page, condition: str, arg=None, timeout: int = TIMEOUT):
    """Poll an async condition inside the page until it is truthy; returns its value."""
    return page.evaluate(f"""async ([arg, timeout]) => {{
        const condition = {condition};
        const deadline = Date.now() + timeout;
        for (;;) {{
            const value = await condition(arg);
            if (value) return value;
            if (Date.now() > deadline) throw new Error('timed out');
            await new Promise((resolve) => setTimeout(resolve, 20));
        }}
    }}""", [arg, timeout])


WORKER_SETTLED = """async () => {
    const registration = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller || !registration.active) return false;
    const names = await caches.keys();
    const pages = names.find((name) => name.startsWith('valitila-pages-'));
    if (!pages) return false;
    const cache = await caches.open(pages);
    const shells = await Promise.all(['/journal/new', '/journal/local'].map((p) => cache.match(p)));
    return shells.every(Boolean);
}"""


def open_journal(page, network: Network) -> dict:
    """Navigate to /journal/ and wait for the first open entry; then until the page and its
    service worker are quiet. Returns the figures of this visit."""
    network.reset()
    page.goto("/journal/", wait_until="commit", timeout=TIMEOUT)
    usable_ms = page.wait_for_function(
        f"() => document.querySelector('{FIRST_OPEN}') && performance.now()",
        polling="raf", timeout=TIMEOUT).json_value()
    to_usable = (network.bytes, network.requests)
    wait(page, WORKER_SETTLED)
    page.wait_for_load_state("networkidle", timeout=TIMEOUT)
    return {"usable_ms": usable_ms, "bytes_to_usable": to_usable[0],
            "requests_to_usable": to_usable[1], "bytes": network.bytes,
            "requests": network.requests, "worker_install_bytes": network.worker_bytes,
            "served_by_worker": network.from_worker,
            "pages_via_worker": network.pages_via_worker}


def make_cold(context, page) -> None:
    """Forget the service worker, Cache Storage and the HTTP cache (not IndexedDB: the
    person stays signed in with their keys on the device)."""
    page.evaluate("""async () => {
        for (const registration of await navigator.serviceWorker.getRegistrations())
            await registration.unregister();
        for (const name of await caches.keys()) await caches.delete(name);
    }""")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.clearBrowserCache")
    cdp.detach()
    page.close()


QUEUE = """async (count) => {
    const { unlockedKeys } = await import('/static/js/keystore.js');
    const { newDek, ownerEnvelope, sealItem } = await import('/static/js/crypto/envelope.js');
    const outbox = await import('/static/js/outbox.js');
    const uid = document.querySelector('meta[name="valitila-user"]').content;
    const keys = await unlockedKeys(uid);
    const start = performance.now();
    for (let n = 0; n < count; n += 1) {
        const id = crypto.randomUUID();
        const dek = newDek();
        const payload = { title: `Jonossa ${n}`, body: `Offline ${n}.`, tags: [] };
        const rev = await outbox.nextRev(uid, id, 0);
        const sealed = await sealItem({ id, kind: 'entry', rev, by: uid, payload, dek,
                                        signingKey: keys.ed25519 });
        const envelope = await ownerEnvelope(keys.ak, dek, id, uid);
        const body = { kind: 'entry', rev, sealed: sealed.sealed, sig: sealed.sig,
                       envelopes: [envelope] };
        const now = new Date().toISOString();
        await outbox.queuePut(uid, id, body, { id, kind: 'entry', author: uid, rev,
            sealed: sealed.sealed, sig: sealed.sig, envelope, process: null, links: null,
            created_at: now, updated_at: now });
    }
    return { ms: performance.now() - start, queued: (await outbox.pending(uid)).length };
}"""

OUTBOX_EMPTY = """async () => {
    const outbox = await import('/static/js/outbox.js');
    const uid = document.querySelector('meta[name="valitila-user"]').content;
    return (await outbox.pending(uid)).length === 0;
}"""


def server_count(server: LiveServer, uid: str) -> int:
    from webapp.extensions import db
    from webapp.models import Item

    with server.app.app_context():
        return db.session.scalar(select(func.count()).select_from(Item)
                                 .where(Item.author_uid == uid))


def outbox_bench(context, page, server: LiveServer, uid: str, count: int) -> dict:
    before = server_count(server, uid)
    page.evaluate("() => performance.clearResourceTimings()")
    page.evaluate("() => performance.setResourceTimingBufferSize(10000)")
    context.set_offline(True)
    queued = page.evaluate(QUEUE, count)
    assert queued["queued"] == count, queued
    start = time.perf_counter()
    context.set_offline(False)  # the page's outbox status syncs on "online"
    wait(page, OUTBOX_EMPTY)
    sync_s = time.perf_counter() - start
    stored = server_count(server, uid) - before
    assert stored == count, f"the server holds {stored} of {count}"
    # How long each PUT took on the wire and on the server (the rest of the time per entry
    # is the outbox's own work: IndexedDB bookkeeping between the requests).
    puts = page.evaluate("""() => performance.getEntriesByType('resource')
        .filter((e) => /\\/api\\/v1\\/items\\/[0-9a-f-]{36}$/.test(e.name) && e.responseEnd > 0)
        .map((e) => e.duration)""")
    return {"entries": count, "queue_ms": queued["ms"], "sync_ms": sync_s * 1000,
            "sync_ms_per_entry": sync_s * 1000 / count, "server_items": stored,
            "put_requests": len(puts),
            "put_ms_median": statistics.median(puts) if puts else None}


def median(rows: list[dict], key: str) -> float:
    return statistics.median(row[key] for row in rows)


def run(entries: int, queue: int, rounds: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="valitila-pwa-bench-") as tmp:
        server = LiveServer(Path(tmp))
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        try:
            person = Protocol(server.app).register(
                f"bench-{uuid.uuid4().hex[:8]}@example.fi", PASSWORD)
            for n in range(entries):
                person.write(f"Pohdinta {n}", f"Tämä on pohdinta numero {n}. " * 8, ["tiimi"])
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(base_url=server.url, locale="fi-FI",
                                              viewport={"width": 360, "height": 740})
                context.set_default_timeout(TIMEOUT)
                network = Network(context)
                page = context.new_page()
                network.reset()
                log_in(page, person.email, PASSWORD)  # a true first visit: /login, sign in
                page.wait_for_selector(FIRST_OPEN, timeout=TIMEOUT)
                wait(page, WORKER_SETTLED)
                page.wait_for_load_state("networkidle", timeout=TIMEOUT)
                login_visit = {"bytes": network.bytes, "requests": network.requests,
                               "worker_install_bytes": network.worker_bytes}

                first, repeat = [], []
                for _ in range(rounds):
                    make_cold(context, page)
                    page = context.new_page()
                    first.append(open_journal(page, network))
                    page.close()
                    page = context.new_page()
                    repeat.append(open_journal(page, network))
                outbox = outbox_bench(context, page, server, person.uid, queue)
                context.close()
                browser.close()
        finally:
            server.stop()

    def summary(rows: list[dict]) -> dict:
        keys = ("bytes", "bytes_to_usable", "requests", "usable_ms", "worker_install_bytes",
                "served_by_worker", "pages_via_worker")
        return {key: median(rows, key) for key in keys}

    first_s, repeat_s = summary(first), summary(repeat)
    return {
        "journal_entries": entries,
        "rounds": rounds,
        "first_visit_with_login": login_visit,
        "first_visit": first_s,
        "repeat_visit": repeat_s,
        "ratios": {
            "bytes_repeat_vs_first": repeat_s["bytes"] / first_s["bytes"],
            "bytes_to_usable_repeat_vs_first":
                repeat_s["bytes_to_usable"] / first_s["bytes_to_usable"],
            "usable_ms_repeat_vs_first": repeat_s["usable_ms"] / first_s["usable_ms"],
        },
        "outbox": outbox,
        "raw": {"first_visit": first, "repeat_visit": repeat},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=20, help="entries in the journal")
    parser.add_argument("--queue", type=int, default=100, help="entries queued offline")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    result = run(args.entries, args.queue, args.rounds)
    first, repeat, ratios = result["first_visit"], result["repeat_visit"], result["ratios"]
    print(f"Journal of {result['journal_entries']} entries, median of {result['rounds']} rounds")
    print(f"  first visit with login:  {result['first_visit_with_login']['bytes']:>9,} B")
    print(f"  first visit (cold):      {first['bytes']:>9,.0f} B in {first['requests']:.0f} "
          f"requests ({first['bytes_to_usable']:,.0f} B before usable, "
          f"{first['worker_install_bytes']:,.0f} B worker install); "
          f"usable in {first['usable_ms']:.0f} ms")
    print(f"  repeat visit (warm SW):  {repeat['bytes']:>9,.0f} B in {repeat['requests']:.0f} "
          f"requests ({repeat['served_by_worker']:.0f} answered from the worker's cache); "
          f"usable in {repeat['usable_ms']:.0f} ms")
    print(f"  ratios repeat/first:     bytes {ratios['bytes_repeat_vs_first']:.3f}, "
          f"bytes to usable {ratios['bytes_to_usable_repeat_vs_first']:.3f}, "
          f"time to usable {ratios['usable_ms_repeat_vs_first']:.3f}")
    outbox = result["outbox"]
    print(f"Outbox: {outbox['entries']} entries queued offline in {outbox['queue_ms']:.0f} ms, "
          f"synced in {outbox['sync_ms']:.0f} ms ({outbox['sync_ms_per_entry']:.1f} ms each); "
          f"server holds {outbox['server_items']}; median PUT on the wire "
          f"{outbox['put_ms_median'] or 0:.1f} ms over {outbox['put_requests']} requests")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pwa.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"Wrote {RESULTS / 'pwa.json'}")


if __name__ == "__main__":
    main()
