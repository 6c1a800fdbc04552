"""Browser measurements in headless Chromium (Playwright) against gunicorn: what a first
visit loads over the wire, opening 50 sealed entries on the journal page, unlocking and the
outbox. Nothing here names the app's built files: the bytes are whatever the pages load (the
network as the browser saw it), and only the crypto-only and outbox figures import the app's
source modules from /static/js/."""
from __future__ import annotations

import gzip
import re
import time
from urllib.parse import urlsplit

from common import CHROMIUM, PASSWORD, median

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT = 90_000
# How long a measured visit is left alone before the bench first asks the page anything.
# Playwright's first call into a new document injects its own script (about 14 ms of
# compiling on this machine's main thread) and its waits poll on every animation frame:
# made while the page opens, they ran on the very thread being measured (A4: a median of
# 212 ms against 166 ms left alone, interleaved). The figures are the page's own clock,
# so waiting longer adds nothing to them.
HANDS_OFF_S = 1.0
OPEN = "[data-state=open]"
# The first bytes of a WebAssembly module ("\0asm", version 1) in base64: a script that
# embeds Argon2's wasm this way counts as the wasm, which the goal leaves out.
WASM_BASE64 = b"AGFzbQEAAAA"


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def new_context(browser, base: str):
    context = browser.new_context(base_url=base, locale="fi-FI",
                                  viewport={"width": 360, "height": 740})
    context.set_default_timeout(TIMEOUT)
    return context


def log_in(page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the login page as a person does; lands on the journal."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("[data-login-form] [type=submit]").click()
    page.wait_for_url(re.compile(r".*/journal/$"), timeout=TIMEOUT)


WORKER_SETTLED = """async (ms) => {
    // Until the page's service worker (if it registers one) is active, at most `ms`.
    if (!('serviceWorker' in navigator)) return 'none';
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
        const registration = await navigator.serviceWorker.getRegistration();
        if (registration && registration.active && !registration.installing
            && !registration.waiting) return 'active';
        if (!registration && Date.now() > deadline - ms + 1500) return 'none';
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return 'timeout';
}"""


def settle(page, worker_ms: int = 15_000) -> str:
    """Wait until the network is quiet and the service worker has installed."""
    page.wait_for_load_state("networkidle", timeout=TIMEOUT)
    state = page.evaluate(WORKER_SETTLED, worker_ms)
    page.wait_for_load_state("networkidle", timeout=TIMEOUT)
    return state


def make_cold(context, page) -> None:
    """Forget the service worker, Cache Storage and the HTTP cache; IndexedDB (the keys on
    the device) stays, as after signing in and closing the browser for a long time."""
    page.evaluate("""async () => {
        for (const registration of await navigator.serviceWorker.getRegistrations())
            await registration.unregister();
        for (const name of await caches.keys()) await caches.delete(name);
    }""")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.clearBrowserCache")
    cdp.detach()


class Wire:
    """Every response a browser context received, with its size on the wire."""

    def __init__(self, context) -> None:
        self.requests: list = []
        context.on("requestfinished", lambda request: self.requests.append(request))

    def reset(self) -> None:
        self.requests.clear()

    def summary(self) -> dict:
        """JS and CSS the pages loaded (bytes as sent, their Content-Encoding, what gzip -9
        would make of them), Argon2's wasm apart; all bytes; what the service worker fetched."""
        js_css = {"files": 0, "wire_bytes": 0, "raw_bytes": 0, "gzip9_bytes": 0,
                  "encodings": {}, "list": []}
        excluded, by_worker = [], {"files": 0, "wire_bytes": 0}
        all_page = {"files": 0, "wire_bytes": 0}
        for request in self.requests:
            response = request.response()
            if response is None:
                continue
            sizes = request.sizes()
            wire = max(sizes.get("responseBodySize", 0), 0)
            if request.service_worker is not None:
                by_worker["files"] += 1
                by_worker["wire_bytes"] += wire
                continue
            if response.from_service_worker:
                continue  # answered from the worker's cache: nothing came over the wire
            all_page["files"] += 1
            all_page["wire_bytes"] += wire
            path = urlsplit(request.url).path
            ctype = (response.headers.get("content-type") or "").lower()
            kind = ("wasm" if "wasm" in ctype or path.endswith(".wasm") else
                    "js" if "javascript" in ctype or path.endswith((".js", ".mjs")) else
                    "css" if "text/css" in ctype or path.endswith(".css") else None)
            if kind is None:
                continue
            try:
                body = response.body()
            except Exception:  # noqa: BLE001 - a body Chromium no longer holds
                body = b""
            encoding = response.headers.get("content-encoding") or "identity"
            row = {"path": path, "kind": kind, "wire_bytes": wire, "raw_bytes": len(body),
                   "gzip9_bytes": len(gzip.compress(body, 9)), "encoding": encoding}
            if kind == "wasm" or "argon2" in path.lower() or WASM_BASE64 in body:
                excluded.append(row)
                continue
            js_css["files"] += 1
            for key in ("wire_bytes", "raw_bytes", "gzip9_bytes"):
                js_css[key] += row[key]
            js_css["encodings"][encoding] = js_css["encodings"].get(encoding, 0) + 1
            js_css["list"].append(row)
        return {"js_css": js_css, "excluded_argon2": excluded, "all_page": all_page,
                "service_worker": by_worker}


def first_visits(browser, base: str, email: str) -> tuple[dict, object, object]:
    """A first visit to /login (new browser, nothing cached), then sign in, and the journal
    opened cold (no service worker, no caches; keys on the device). Returns the figures and
    the context and page, signed in, for the next measurements."""
    context = new_context(browser, base)
    wire = Wire(context)
    page = context.new_page()
    page.goto("/login")
    settle(page)
    login = wire.summary()

    log_in(page, email)
    page.wait_for_selector(OPEN, timeout=TIMEOUT)
    settle(page)
    make_cold(context, page)
    page.close()
    page = context.new_page()
    wire.reset()
    page.goto("/journal/")
    page.wait_for_selector(OPEN, timeout=TIMEOUT)
    settle(page)
    journal = wire.summary()
    return {"login": login, "journal": journal}, context, page


# -- opening entries ------------------------------------------------------------------------

OBSERVER = """(() => {
    // When the first entry card enters the document (the parser reaches it) and when each
    // card is opened (data-state=open). performance.now() is from the navigation's start.
    const CARD = '.entry-card, [data-js-sealed], [data-sealed]';
    const record = { firstCard: null, open: 0, firstOpen: null, lastOpen: null };
    Object.defineProperty(window, '__bench', { value: record });
    new MutationObserver((mutations) => {
        const now = performance.now();
        for (const m of mutations) {
            if (m.type === 'childList' && record.firstCard === null) {
                for (const node of m.addedNodes) {
                    if (node.nodeType === 1 && (node.matches(CARD) || node.querySelector(CARD))) {
                        record.firstCard = now;
                        break;
                    }
                }
            } else if (m.type === 'attributes' && m.target.getAttribute('data-state') === 'open'
                       && m.oldValue !== 'open') {
                record.open += 1;
                if (record.firstOpen === null) record.firstOpen = now;
                record.lastOpen = now;
            }
        }
    }).observe(document, { subtree: true, childList: true, attributes: true,
                           attributeFilter: ['data-state'], attributeOldValue: true });
    // The frame that shows the opened cards: after the page's `valitila:entries-opened` mark,
    // the next animation frame (style, layout) and a task after it (its paint committed).
    // Asked for in the task that sets the mark: a PerformanceObserver hears of marks in a
    // later task, often after that frame, and then timed the one after it (up to a frame
    // more, 16.7 ms, that the page did not spend).
    record.painted = [];
    const mark = performance.mark.bind(performance);
    performance.mark = (name, ...rest) => {
        const entry = mark(name, ...rest);
        if (name === 'valitila:entries-opened') {
            requestAnimationFrame(() => setTimeout(() => record.painted.push(performance.now())));
        }
        return entry;
    };
})();"""

DONE = """([count, mark]) => {
    const r = window.__bench;
    if (!r) return false;
    if (mark) return r.painted.length >= performance.getEntriesByName(mark).length
        && performance.getEntriesByName(mark).length > 0;
    return r.open >= count || document.querySelectorAll('[data-state=open]').length >= count;
}"""

COLLECT = """([mark]) => {
    const r = window.__bench;
    const nav = performance.getEntriesByType('navigation')[0];
    const ours = (e) => e.name.startsWith('valitila:');
    const m = mark ? performance.getEntriesByName(mark).at(-1) : null;  // the last batch
    return {
        firstCard: r.firstCard, firstOpen: r.firstOpen, lastOpen: r.lastOpen, opened: r.open,
        painted: r.painted.at(-1) ?? null,
        appStart: performance.getEntriesByName('valitila:app-start').at(-1)?.startTime ?? null,
        openInDom: document.querySelectorAll('[data-state=open]').length,
        cards: document.querySelectorAll('[data-sealed]').length,
        mark: m ? m.startTime : null,
        responseStart: nav.responseStart, responseEnd: nav.responseEnd,
        domContentLoaded: nav.domContentLoadedEventEnd,
        marks: performance.getEntriesByType('mark').filter(ours)
            .map((e) => ({ name: e.name, at: e.startTime })),
        measures: performance.getEntriesByType('measure').filter(ours)
            .map((e) => ({ name: e.name, start: e.startTime, duration: e.duration })),
    };
}"""

CRYPTO_ONLY = """async ([count, repeats]) => {
    // The crypto of opening `count` entries (unwrap the DEK, verify, decrypt) through the
    // app's source modules, with the keys read once: no DOM, no IndexedDB writes.
    const { openSealed } = await import('/static/js/sealed-items.js');
    const keystore = await import('/static/js/keystore.js');
    const uid = document.querySelector('meta[name="valitila-user"]').content;
    const keys = await keystore.unlockedKeys(uid);
    const response = await fetch(`/api/v1/items?limit=${count}`,
                                 { headers: { Accept: 'application/json' } });
    const { items } = await response.json();
    await Promise.all(items.map((item) => openSealed(item, keys, uid)));  // warm-up
    const times = [];
    for (let n = 0; n < repeats; n += 1) {
        const t0 = performance.now();
        const opened = await Promise.all(items.map((item) => openSealed(item, keys, uid)));
        times.push(performance.now() - t0);
        if (opened.length !== items.length) throw new Error('not all opened');
    }
    return { count: items.length, times };
}"""

MARK = "valitila:entries-opened"
START_MARK = "valitila:entries-opening"


def open_entries(browser, base: str, email: str, count: int, rounds: int) -> dict:
    """The journal page with `count` sealed entries (a server whose page holds that many),
    opened `rounds` times in a new tab of a signed-in device (keys unlocked, service worker
    and HTTP cache warm, as a person opens their journal). The end of a visit is the frame
    that shows the opened cards (the next animation frame after the page's own
    `valitila:entries-opened` mark, and a task after it), else the last card turning open.
    Per visit, to that end: from the page's script starting its work (`valitila:app-start`,
    app.js: the keys read, the behaviours loaded, the cards opened and rendered: the goal's
    figure), from the first card in the document (the HTML's parse and the script files'
    loading too), and from the navigation's start."""
    context = new_context(browser, base)
    context.add_init_script(OBSERVER)
    page = context.new_page()
    log_in(page, email)
    page.wait_for_function(DONE, arg=[count, None], timeout=TIMEOUT)
    settle(page)
    time.sleep(0.3)
    has_mark = page.evaluate(f"() => performance.getEntriesByName('{MARK}').length > 0")
    mark = MARK if has_mark else None
    visits = []
    for _ in range(rounds):
        page.close()
        page = context.new_page()
        page.goto("/journal/", wait_until="commit")
        time.sleep(HANDS_OFF_S)
        page.wait_for_function(DONE, arg=[count, mark], timeout=TIMEOUT)
        page.wait_for_function(DONE, arg=[count, None], timeout=TIMEOUT)
        visit = page.evaluate(COLLECT, [mark])
        # The end: the frame showing the opened cards (after the page's mark), else the
        # last card turning open (a page without the mark).
        end = visit["painted"] if mark and visit["painted"] else visit["lastOpen"]
        visit["end"] = end
        visit["from_app_start_ms"] = end - visit["appStart"] if visit["appStart"] else None
        visit["from_first_card_ms"] = end - visit["firstCard"]
        visit["from_navigation_ms"] = end
        visit["from_response_end_ms"] = end - visit["responseEnd"]
        visit["first_open_to_end_ms"] = end - visit["firstOpen"] if visit["firstOpen"] else None
        # The page's own start mark (the last `valitila:entries-opening` before the end).
        starts = [m for m in visit["marks"] if m["name"] == START_MARK and m["at"] <= end]
        visit["start_mark"] = starts[-1]["name"] if starts else None
        visit["from_start_mark_ms"] = end - starts[-1]["at"] if starts else None
        visits.append(visit)
        page.wait_for_load_state("networkidle", timeout=TIMEOUT)
    crypto = None
    try:
        crypto = page.evaluate(CRYPTO_ONLY, [count, 7])
    except Exception as exc:  # noqa: BLE001 - reported, the other figures stand
        crypto = {"error": str(exc)[:300]}
    context.close()
    cards = visits[-1]["cards"] if visits else 0
    return {
        "entries": count, "cards_on_page": cards, "rounds": rounds,
        "end": (f"the frame painted after the page's '{MARK}' mark" if mark
                else "the last card's data-state=open"),
        "from_app_start_ms": median(v["from_app_start_ms"] for v in visits
                                    if v["from_app_start_ms"] is not None),
        "from_first_card_ms": median(v["from_first_card_ms"] for v in visits),
        "from_navigation_ms": median(v["from_navigation_ms"] for v in visits),
        "from_response_end_ms": median(v["from_response_end_ms"] for v in visits),
        "first_open_to_end_ms": median(v["first_open_to_end_ms"] for v in visits
                                       if v["first_open_to_end_ms"] is not None),
        "start_mark": visits[-1]["start_mark"] if visits else None,
        "from_start_mark_ms": median(v["from_start_mark_ms"] for v in visits
                                     if v["from_start_mark_ms"] is not None),
        # The page's own performance.measure()s, summed per visit (one per batch of cards).
        "page_measures": {name: median(sum(m["duration"] for m in v["measures"]
                                           if m["name"] == name) for v in visits)
                          for name in sorted({m["name"] for v in visits
                                              for m in v["measures"]})},
        "crypto_only_ms": median(crypto["times"]) if crypto and "times" in crypto else None,
        "crypto": crypto, "visits": visits,
    }


# -- unlock and the outbox ----------------------------------------------------------------

UNLOCK = """async ([email, password, rounds]) => {
    // What the unlock page does after the password is typed: derive the keys (Argon2id, in a
    // worker where the app uses one), unwrap them and keep them on the device.
    const session = await import('/static/js/session.js');
    const times = [];
    for (let n = 0; n < rounds; n += 1) {
        const t0 = performance.now();
        await session.unlockLocally(email, password);
        times.push(performance.now() - t0);
    }
    return times;
}"""


def unlock(page, email: str, rounds: int) -> dict:
    """Unlock on the signed-in journal page, `rounds` times; falls back to the unlock page's
    form (typed password → the page it returns to) if the module cannot be imported."""
    try:
        times = page.evaluate(UNLOCK, [email, PASSWORD, rounds])
        return {"median_ms": median(times), "times_ms": times,
                "method": "session.unlockLocally() in the journal page"}
    except Exception as exc:  # noqa: BLE001 - fall back to the form
        error = str(exc)[:200]
    times = []
    for _ in range(rounds):
        page.goto("/unlock?next=%2Fjournal%2F")
        page.fill("#password", PASSWORD)
        button = page.locator("[data-unlock-form] [type=submit]")
        button.wait_for(state="visible")
        start = time.perf_counter()
        button.click()
        page.wait_for_url(re.compile(r".*/journal/$"), wait_until="commit", timeout=TIMEOUT)
        times.append((time.perf_counter() - start) * 1000)
    return {"median_ms": median(times), "times_ms": times,
            "method": f"the unlock form, click to navigation ({error})"}


QUEUE = """async (count) => {
    // Seal and queue `count` entries offline exactly as the compose page does.
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

OUTBOX_EMPTY = """async (timeout) => {
    const outbox = await import('/static/js/outbox.js');
    const uid = document.querySelector('meta[name="valitila-user"]').content;
    const deadline = Date.now() + timeout;
    while ((await outbox.pending(uid)).length > 0) {
        if (Date.now() > deadline) throw new Error('the outbox did not empty');
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
}"""


def outbox(context, page, count: int, stored) -> dict:
    """`count` entries queued offline, then the time from going online until the outbox is
    empty; `stored()` counts the author's items on the server (all must have arrived)."""
    before = stored()
    # The modules are loaded while online: the journal page itself does not load them all.
    page.evaluate("""() => Promise.all(['/static/js/keystore.js', '/static/js/crypto/envelope.js',
        '/static/js/outbox.js'].map((path) => import(path)))""")
    context.set_offline(True)
    queued = page.evaluate(QUEUE, count)
    if queued["queued"] != count:
        raise RuntimeError(f"queued {queued['queued']} of {count}")
    start = time.perf_counter()
    context.set_offline(False)  # the page's outbox status syncs on "online"
    page.evaluate(OUTBOX_EMPTY, TIMEOUT)
    sync_s = time.perf_counter() - start
    arrived = stored() - before
    if arrived != count:
        raise RuntimeError(f"the server holds {arrived} of {count}")
    return {"entries": count, "queue_ms": queued["ms"], "sync_ms": sync_s * 1000,
            "sync_ms_per_entry": sync_s * 1000 / count, "server_items": arrived}
