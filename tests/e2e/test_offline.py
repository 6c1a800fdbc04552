"""Offline-first in a real Chromium (issue 3): the journal opens from the device's sealed
mirror when the server cannot be reached, writing offline queues sealed changes in the
outbox that are sent exactly once when the network is back (also when the server fails
half-way through a sync), a conflict with another device shows both versions and keeps what
the person chooses, drafts survive reloads and closing the page, signing out leaves nothing
on the device, and search runs on the device only.

Also kept as regressions, bugs these tests found: a deleted entry stayed in the offline
journal; a conflict found by a background sync was not shown when the editor was reopened
(and saving there lost the offline text); an offline edit of an entry deleted elsewhere stayed
a conflict forever; after "keep the saved one" / "keep mine as new" the rejected version stayed
"not sent yet" in the offline journal; saving left a draft (and asked "Leave site?") because
the page navigated while still marked as saving.

Every test types the `marker` and ends with the no-plaintext proof; the device itself (Cache
Storage and every IndexedDB store) is searched for the marker along the way."""
from __future__ import annotations

import json
import re
import time
import uuid

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlalchemy import select

import protocol
from webapp.extensions import db
from webapp.models import Item

from .device import cache_dump, idb_databases, idb_dump, js_string
from .journeys import log_in, log_out, open_editor, sign_up, write_entry

TIMEOUT = 30_000  # ms; the machine is small and shared
SUBMIT = "[data-compose-form] [type=submit]"
STATUS = "[data-compose-form] [data-status]"
OUTBOX_TEXT = "[data-js-outbox-status] [data-outbox-text]"
LOCAL_CARDS = "[data-local-list] > li.entry-card"


# ------------------------------------------------------------------------------ helpers

def until(page: Page, condition: str, arg=None, timeout: int = TIMEOUT, what: str = ""):
    """Wait until the async JS function `condition(arg)` gives a truthy value, polling it in
    the page (page.wait_for_function would take the Promise itself as truthy). Returns the
    value."""
    label = json.dumps(what or condition.strip()[:120])
    return page.evaluate(f"""async ([arg, timeout]) => {{
        const condition = {condition};
        const deadline = Date.now() + timeout;
        for (;;) {{
            const value = await condition(arg);
            if (value) return value;
            if (Date.now() > deadline) throw new Error('timed out waiting for ' + {label});
            await new Promise((resolve) => setTimeout(resolve, 100));
        }}
    }}""", [arg, timeout])


def uid_of(page: Page) -> str:
    return page.locator("meta[name=valitila-user]").get_attribute("content")


def wait_until_offline_ready(page: Page) -> None:
    """The worker controls the page and keeps this person's two shells (compose page and
    local journal): only then can the app open offline."""
    # An active worker claims open pages; if this page was loaded before it claimed (a slow
    # install on a loaded machine), a reload puts it under the worker's control.
    until(page, "async () => Boolean(await navigator.serviceWorker.ready)",
          what="an active service worker")
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null",
                           timeout=TIMEOUT)
    until(page, """async (uid) => {
        for (const name of await caches.keys()) {
            if (!name.startsWith('valitila-pages-')) continue;
            const cache = await caches.open(name);
            const shells = await Promise.all(['/journal/new', '/journal/local'].map(
                async (path) => (await cache.match(path))?.text()));
            return shells.every((html) => html && html.includes(uid));
        }
        return false;
    }""", uid_of(page), what="the personal shells in Cache Storage")
    # The tests read the device through the source modules (below), which the worker does
    # not precache (the pages run the built ones): import them once online, and wait until
    # the worker has kept every file of theirs, so that they import offline too.
    until(page, """async (modules) => {
        for (const module of modules) await import(module);
        const files = performance.getEntriesByType('resource').map((entry) => entry.name)
            .filter((url) => new URL(url).pathname.startsWith('/static/js/'));
        const kept = await Promise.all(files.map((url) => caches.match(url)));
        return files.length > 0 && kept.every(Boolean);
    }""", TEST_MODULES, what="the source modules the tests use in Cache Storage")


# Source modules the tests import in the page (see wait_until_offline_ready).
TEST_MODULES = ["/static/js/outbox.js", "/static/js/mirror.js", "/static/js/keystore.js",
                "/static/js/drafts.js"]

# The app's own modules, from inside a page of the signed-in person (the shells carry the
# account id too). These are the source modules, not the built ones the page runs (other
# module instances), reading the same IndexedDB.
OUTBOX_OPS = """async () => {
    const outbox = await import('/static/js/outbox.js');
    return outbox.pending(document.querySelector('meta[name="valitila-user"]').content);
}"""


def outbox_ops(page: Page) -> list[dict]:
    return page.evaluate(OUTBOX_OPS)


def wait_for_outbox(page: Page, count: int, what: str = "") -> None:
    until(page, f"async () => (await ({OUTBOX_OPS})()).length === {count}",
          what=what or f"{count} ops in the outbox")


def wait_for_mirror(page: Page, ids: list[str]) -> None:
    """Until the sealed mirror holds these items, synced (not pending), and the device has
    recorded a complete sync."""
    until(page, """async (ids) => {
        const mirror = await import('/static/js/mirror.js');
        const uid = document.querySelector('meta[name="valitila-user"]').content;
        const items = await mirror.list(uid);
        const synced = new Set(items.filter((item) => !item.pending).map((item) => item.id));
        return ids.every((id) => synced.has(id)) && (await mirror.lastSynced(uid)) > 0;
    }""", ids, what=f"the mirror holding {ids}")


def assert_device_holds_no_plaintext(page: Page, marker: str) -> None:
    """Walk every Cache Storage entry's body and every IndexedDB store's values (CryptoKeys
    described, bytes decoded): the decrypted marker is nowhere on the device."""
    caches = cache_dump(page)
    for name, entries in caches.items():
        for url, text in entries.items():
            assert marker not in (text or ""), f"the marker is cached in {name} {url}"
    databases = idb_dump(page)
    assert "valitila" in databases, "no IndexedDB database: the check would be empty"
    for name, stores in databases.items():
        for store, values in stores.items():
            for key, value in values.items():
                text = json.dumps(value, ensure_ascii=False)
                assert marker not in text and marker not in key, \
                    f"the marker is stored in IndexedDB {name}/{store}/{key}"


def server_items(live_server, uid: str) -> list[Item]:
    """The items the server holds for this author, oldest first."""
    with live_server.app.app_context():
        rows = db.session.scalars(select(Item).where(Item.author_uid == uid)
                                  .order_by(Item.created_at)).all()
        db.session.expunge_all()
        return list(rows)


class Reader:
    """A second client written from PROTOCOL.md (Python, tests' protocol.py): logs in with the
    password and opens items as the browser would."""

    def __init__(self, live_server, email: str, password: str) -> None:
        self.client = live_server.app.test_client()
        pre = self.client.post("/api/v1/auth/prelogin", json={"email": email}).get_json()
        secrets = protocol.derive_account_secrets(email, password,
                                                 protocol.b64u_decode(pre["salt_seed"]),
                                                 pre["kdf"])
        login = self.client.post("/api/v1/auth/login", json={
            "email": email, "auth_key": protocol.b64u_encode(secrets.auth_key)}).get_json()
        self.keys = protocol.unlock_account(email, password, login["keys"])
        self.ed25519 = protocol.b64u_decode(login["keys"]["bundle"]["ed25519"], 32)

    def open(self, item_id: str) -> dict:
        response = self.client.get(f"/api/v1/items/{item_id}")
        assert response.status_code == 200, (item_id, response.get_json())
        item = response.get_json()
        dek = protocol.open_owner_envelope(self.keys.ak, item["envelope"], item_id,
                                          self.keys.uid)
        return {"rev": item["rev"], **protocol.open_item(item, dek, self.ed25519)}


def go_offline_to(page: Page, context: BrowserContext, path: str) -> None:
    context.set_offline(True)
    page.goto(path)


def expect_saved_offline(page: Page, item_id: str = "[0-9a-f-]{36}") -> None:
    """Saved offline, like online: the page went to the entry, which the worker shows from
    the device (the local journal shell), marked "not sent yet" (issue 7)."""
    page.wait_for_url(re.compile(rf".*/journal/{item_id}$"), timeout=TIMEOUT)
    expect(page.locator("[data-local-entry] [data-local-pending]")).to_be_visible(
        timeout=TIMEOUT)
    expect(page.locator("[data-js-notice]")).to_have_text(js_string(page, "savedLocally"))


def write_offline(page: Page, title: str, body: str, *, navigate: bool = True) -> None:
    """Write a reflection on the compose page while offline (navigate: open /journal/new
    first, which the worker serves from the cached shell). Saved on this device."""
    if navigate:
        open_editor(page, "/journal/new")
    page.fill("#title", title)
    page.fill("#body", body)
    page.locator(SUBMIT).click()
    expect_saved_offline(page)
    expect(page.locator("[data-local-entry] [data-field=title]")).to_have_text(title)


# ------------------------------------------------------------------------------ a. reading

def test_journal_and_entries_open_offline_from_the_mirror(new_context, marker, no_plaintext):
    context = new_context()
    page = context.new_page()
    sign_up(page)
    first = write_entry(page, f"Ensimmäinen {marker}", f"Aamun ajatus {marker}.")
    second = write_entry(page, f"Toinen {marker}", f"Illan ajatus {marker}.", "tiimi")
    page.goto("/journal/")
    expect(page.locator("#entry-list article[data-state=open]")).to_have_count(2)
    wait_until_offline_ready(page)
    assert page.evaluate("() => navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")
    wait_for_mirror(page, [first, second])

    go_offline_to(page, context, "/journal/")
    shell = page.locator("[data-js-local-journal]")
    expect(shell).to_be_visible()
    assert page.url.endswith("/journal/"), "the address stays"
    cards = page.locator(LOCAL_CARDS)
    expect(cards.locator("article[data-state=open] .entry-title")).to_have_text(
        [f"Toinen {marker}", f"Ensimmäinen {marker}"])  # newest first, decrypted
    expect(cards.first.locator(".entry-excerpt")).to_have_text(f"Illan ajatus {marker}.")
    expect(cards.locator(".badge")).to_have_count(0)  # everything was sent
    status = page.locator("[data-local-status]")
    expect(status).to_contain_text(js_string(page, "offlineView"))
    synced_prefix = js_string(page, "lastSynced").split("{when}")[0].strip()
    expect(status).to_contain_text(synced_prefix)
    expect(status).not_to_contain_text("—")
    expect(page.locator(OUTBOX_TEXT)).to_contain_text(js_string(page, "offlineNow"))
    expect(page.locator(OUTBOX_TEXT)).to_contain_text(synced_prefix)

    # An entry's own address opens that entry (following a card, and typed in directly).
    cards.nth(1).locator("a").click()
    page.wait_for_url(re.compile(rf".*/journal/{first}$"))
    entry = page.locator("[data-local-entry]")
    expect(entry.locator("[data-field=title]")).to_have_text(f"Ensimmäinen {marker}")
    expect(entry.locator("[data-field=body]")).to_have_text(f"Aamun ajatus {marker}.")
    expect(page.locator("[data-local-list]")).to_be_hidden()
    page.goto(f"/journal/{second}")
    expect(entry.locator("[data-field=body]")).to_have_text(f"Illan ajatus {marker}.")
    expect(entry.locator(".tag")).to_have_text(["tiimi"])
    expect(page.locator("[data-local-status]")).to_contain_text(js_string(page, "offlineView"))
    # An entry this device does not keep says so.
    page.goto(f"/journal/{uuid.uuid4()}")
    expect(entry.locator("[data-field=title]")).to_have_text(js_string(page, "notOnDevice"))

    assert_device_holds_no_plaintext(page, marker)
    context.set_offline(False)



def test_a_deleted_entry_is_not_listed_offline(new_context, marker, no_plaintext):
    """Deleting goes through the outbox and takes the entry out of the sealed mirror at
    once (it used to stay listed offline until a later mirror refresh)."""
    context = new_context()
    page = context.new_page()
    sign_up(page)
    write_entry(page, f"Jää {marker}", f"Tämä jää {marker}.")
    gone = write_entry(page, f"Poistuu {marker}", f"Tämä poistetaan {marker}.")
    wait_until_offline_ready(page)
    page.goto(f"/journal/{gone}")
    page.locator("[data-js-delete]").click()
    page.locator("#delete-dialog [data-confirm]").click()
    page.wait_for_url(re.compile(r"^[^?]*/journal/$"))
    expect(page.locator("#entry-list article[data-state=open]")).to_have_count(1)
    go_offline_to(page, context, "/journal/")
    expect(page.locator("[data-local-list]")).to_be_visible()
    expect(page.locator(f"{LOCAL_CARDS} .entry-title")).to_have_text([f"Jää {marker}"])


# ------------------------------------------------------------------------------ b. writing

def test_entries_written_offline_survive_a_reload_and_sync_exactly_once(
        new_context, live_server, marker, no_plaintext):
    context = new_context()
    page = context.new_page()
    sign_up(page)
    uid = uid_of(page)
    wait_until_offline_ready(page)
    assert server_items(live_server, uid) == []
    puts: list[tuple[str, int]] = []
    context.on("response", lambda r: puts.append((r.url.rsplit("/", 1)[1], r.status))
               if r.request.method == "PUT" else None)
    texts = [(f"Junassa {n} {marker}", f"Ilman verkkoa {n}: {marker}.") for n in (1, 2, 3)]

    # The first on a compose page loaded online when the network goes, the other two on
    # the compose page the worker serves from its cached shell.
    open_editor(page, "/journal/new")
    context.set_offline(True)
    write_offline(page, *texts[0], navigate=False)
    for title, body in texts[1:]:
        write_offline(page, title, body)
    ops = outbox_ops(page)
    assert [(op["op"], op["rev"]) for op in ops] == [("put", 1)] * 3
    ids = [op["id"] for op in ops]
    assert len(set(ids)) == 3
    assert_device_holds_no_plaintext(page, marker)

    # They survive reloads while offline: the local journal lists them, marked unsent.
    for _ in range(2):
        page.goto("/journal/")
        expect(page.locator("[data-js-local-journal]")).to_be_visible()
        cards = page.locator(LOCAL_CARDS)
        expect(cards.locator(".entry-title")).to_have_text([t for t, _b in reversed(texts)])
        expect(cards.locator(".badge")).to_have_text([js_string(page, "notSentYet")] * 3)
        expect(page.locator(OUTBOX_TEXT)).to_contain_text(
            js_string(page, "waitingChanges_other").replace("{n}", "3"))
        expect(page.locator("[data-outbox-sync]")).to_be_visible()
        page.reload()
    assert server_items(live_server, uid) == [], "nothing reached the server while offline"
    assert puts == []

    # Back online: each is sent once, the outbox empties, the server holds exactly three.
    context.set_offline(False)
    wait_for_outbox(page, 0, "the outbox to empty after going online")
    expect(page.locator("[data-js-outbox-status]")).to_be_hidden()
    stored = server_items(live_server, uid)
    assert sorted(item.id for item in stored) == sorted(ids)
    assert [item.rev for item in stored] == [1, 1, 1]
    assert sorted(puts) == sorted((item_id, 201) for item_id in ids), puts
    wait_for_mirror(page, ids)  # the device's copies are marked as sent
    page.goto("/journal/")
    expect(page.locator("#entry-list article[data-state=open] [data-field=title]")).to_have_text(
        [t for t, _b in reversed(texts)])
    assert_device_holds_no_plaintext(page, marker)


def dispatch_background_sync(context: BrowserContext, base_url: str) -> None:
    """Wake the service worker with a Background Sync event, as the browser does when the
    network comes back. (Chromium decides that by the real network, which the test's offline
    switch does not touch, so DevTools fires it.) The DevTools session needs a page target:
    an about:blank page, which is no client of the worker and runs none of the app."""
    blank = context.new_page()
    cdp = context.new_cdp_session(blank)
    registrations: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    scope = base_url.rstrip("/") + "/"
    deadline = time.monotonic() + TIMEOUT / 1000
    while not any(r["scopeURL"] == scope and not r["isDeleted"] for r in registrations):
        assert time.monotonic() < deadline, f"no worker registration for {scope}: {registrations}"
        blank.wait_for_timeout(100)
    registration = next(r for r in registrations if r["scopeURL"] == scope and not r["isDeleted"])
    cdp.send("ServiceWorker.dispatchSyncEvent", {
        "origin": base_url.rstrip("/"), "registrationId": registration["registrationId"],
        "tag": "valitila-outbox", "lastChance": False})
    cdp.detach()
    blank.close()


def test_background_sync_sends_the_outbox_with_no_page_open(
        new_context, live_server, marker, no_plaintext):
    """Written offline, the app closed before the network came back: the service worker
    sends the sealed outbox by itself (Background Sync), each change exactly once."""
    context = new_context()
    page = context.new_page()
    sign_up(page)
    uid = uid_of(page)
    wait_until_offline_ready(page)
    sent: list[tuple[str, str, int, bool]] = []
    context.on("response", lambda r: sent.append(
        (r.request.method, r.url.rsplit("/", 1)[1], r.status, r.request.service_worker is not None))
        if r.request.method in ("PUT", "DELETE") else None)

    context.set_offline(True)
    texts = [(f"Bussissa {n} {marker}", f"Ilman verkkoa kirjoitettu {n}: {marker}.")
             for n in (1, 2)]
    for title, body in texts:
        write_offline(page, title, body)
    ids = [op["id"] for op in outbox_ops(page)]
    assert len(set(ids)) == 2
    assert "valitila-outbox" in until(page, """async () => {
        const registration = await navigator.serviceWorker.ready;
        const tags = await registration.sync.getTags();
        return tags.length ? tags : null;
    }""", what="a Background Sync registration"), "queueing asked for Background Sync"
    page.close()  # the person puts the phone away: no page of the app is open
    assert server_items(live_server, uid) == []

    # The outbox is sent in order: the answer to the last change comes last. Back online,
    # Chromium may fire the sync event itself before the test does: both are awaited alike.
    with context.expect_event("response", timeout=TIMEOUT, predicate=lambda r: (
            r.request.method == "PUT" and r.url.endswith(ids[-1]))):
        context.set_offline(False)
        dispatch_background_sync(context, live_server.url)
    assert not context.pages, "no page was open while the worker sent"
    assert sorted(item.id for item in server_items(live_server, uid)) == sorted(ids)
    assert sorted(sent) == sorted(("PUT", item_id, 201, True) for item_id in ids), \
        "each change was sent once, by the service worker"

    # The app opens later: nothing waits, nothing is sent again, the entries read back.
    page = context.new_page()
    page.goto("/journal/")
    wait_for_outbox(page, 0, "an empty outbox")
    wait_for_mirror(page, ids)
    expect(page.locator("#entry-list article[data-state=open] [data-field=title]")).to_have_text(
        [t for t, _b in reversed(texts)])
    assert len(sent) == 2 and len(server_items(live_server, uid)) == 2
    assert_device_holds_no_plaintext(page, marker)


def test_an_open_page_shows_what_the_worker_sent_in_the_background(
        new_context, live_server, marker, no_plaintext):
    """The worker's Background Sync tells open pages: the offline journal drops its "not sent
    yet" badge and the status line its count, without a reload."""
    context = new_context()
    page = context.new_page()
    sign_up(page)
    uid = uid_of(page)
    wait_until_offline_ready(page)
    context.set_offline(True)
    write_offline(page, f"Taustalla {marker}", f"Lähtee ilman sivua {marker}.")
    [item_id] = [op["id"] for op in outbox_ops(page)]
    page.goto("/journal/")
    expect(page.locator(LOCAL_CARDS).locator(".badge")).to_have_text(
        [js_string(page, "notSentYet")])
    # This page's own sends fail (its requests only: the worker's are not routed), so what
    # changes on the page can only come from the worker.
    page.route("**/api/v1/items/*", lambda route: route.abort("connectionrefused"))
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    with context.expect_event("response", timeout=TIMEOUT, predicate=lambda r: (
            r.request.method == "PUT" and r.url.endswith(item_id)
            and r.request.service_worker is not None)):
        context.set_offline(False)  # Chromium may fire the sync event itself meanwhile
        dispatch_background_sync(context, live_server.url)
    expect(page.locator(LOCAL_CARDS).locator(".badge")).to_have_count(0)
    expect(page.locator("[data-js-outbox-status]")).to_be_hidden()
    assert navigations == [], "the page updated in place"
    assert [item.id for item in server_items(live_server, uid)] == [item_id]
    page.unroute("**/api/v1/items/*")
    assert_device_holds_no_plaintext(page, marker)


# ------------------------------------------------------------------------------ c. failures

def test_server_failing_in_the_middle_of_a_sync_loses_and_duplicates_nothing(
        new_context, live_server, marker, no_plaintext):
    context = new_context()
    page = context.new_page()
    account = sign_up(page)
    uid = uid_of(page)
    wait_until_offline_ready(page)
    context.set_offline(True)
    texts = [(f"Jonossa {n} {marker}", f"Jonotettu teksti {n} {marker}.") for n in range(1, 6)]
    for title, body in texts:
        write_offline(page, title, body)
    ids = [op["id"] for op in outbox_ops(page)]
    assert len(ids) == len(set(ids)) == 5
    page.goto("/journal/")
    expect(page.locator(LOCAL_CARDS)).to_have_count(5)
    expect(page.locator(OUTBOX_TEXT)).to_contain_text(
        js_string(page, "waitingChanges_other").replace("{n}", "5"))

    # The first two PUTs get through, the third is processed by the server but its answer
    # is lost, every later one fails.
    seen: list[tuple[str, str]] = []

    def flaky_server(route):
        if route.request.method != "PUT":
            route.fallback()
            return
        item_id = route.request.url.rsplit("/", 1)[1]
        if len(seen) < 2:
            seen.append((item_id, "sent"))
            route.fallback()
        elif len(seen) == 2:
            answer = route.fetch()
            seen.append((item_id, f"stored {answer.status}, answer lost"))
            route.abort("connectionreset")
        else:
            seen.append((item_id, "refused"))
            route.abort("connectionrefused")

    # On the context, so that the service worker's Background Sync meets the same server.
    context.route("**/api/v1/items/*", flaky_server)
    # Back online, the page (its `online` listener) and the worker (Background Sync) both
    # start sending; whichever takes the outbox's lock sends, so the lost answer is watched
    # for on the whole context (a worker's requests are not the page's).
    with context.expect_event("requestfailed", timeout=TIMEOUT,
                              predicate=lambda r: r.method == "PUT" and r.url.endswith(ids[2])):
        context.set_offline(False)
    until(page, f"""async () => {{
        const ops = await ({OUTBOX_OPS})();
        const held = (await navigator.locks.query()).held.map((lock) => lock.name);
        return ops.length === 3 && ops[0].attempts > 0 && !held.includes('valitila-outbox');
    }}""", what="the sync to stop at the lost answer")
    assert seen[:3] == [(ids[0], "sent"), (ids[1], "sent"), (ids[2], "stored 201, answer lost")]
    assert [op["id"] for op in outbox_ops(page)] == ids[2:], "the unanswered one stays queued"
    assert sorted(i.id for i in server_items(live_server, uid)) == sorted(ids[:3])
    expect(page.locator(OUTBOX_TEXT)).to_contain_text(
        js_string(page, "waitingChanges_other").replace("{n}", "3"))

    # The server is back: "Send now". A retry of the app's own (its timer, or the worker's
    # Background Sync) may get there first and hide the button: the outcome must be the same.
    context.unroute("**/api/v1/items/*", flaky_server)
    try:
        page.locator("[data-outbox-sync]").click(timeout=5_000)
    except PlaywrightTimeoutError:
        assert not outbox_ops(page) or page.locator("[data-outbox-sync]").is_hidden()
    wait_for_outbox(page, 0, "the outbox to empty after Send now")
    stored = server_items(live_server, uid)
    assert len(stored) == 5 and sorted(i.id for i in stored) == sorted(ids)
    assert all(item.rev == 1 for item in stored)
    reader = Reader(live_server, account.email, account.password)
    for item_id, (title, body) in zip(ids, texts, strict=True):
        opened = reader.open(item_id)
        assert (opened["title"], opened["body"], opened["rev"]) == (title, body, 1)
    assert_device_holds_no_plaintext(page, marker)


# ------------------------------------------------------------------------------ d. conflicts

def edit_offline_then_meet_a_newer_version(new_context, marker):
    """The phone writes an entry; the laptop opens its editor, loses the network and saves
    its edit on the device; the phone (online) edits the same entry; the laptop comes back
    online and its sync meets the phone's version (409). Returns the pages and texts."""
    phone = new_context().new_page()
    account = sign_up(phone)
    original = f"Alkuperäinen {marker}."
    item_id = write_entry(phone, f"Yhteinen {marker}", original)
    laptop_context = new_context()
    laptop = laptop_context.new_page()
    log_in(laptop, account.email, account.password)
    wait_until_offline_ready(laptop)
    open_editor(laptop, f"/journal/{item_id}/edit")
    expect(laptop.locator("#body")).to_have_value(original)

    laptop_context.set_offline(True)
    mine = f"Läppärillä junassa {marker}."
    laptop.fill("#body", mine)
    laptop.fill("#tags", "Junassa, ilo")  # the versions differ in their tags too
    laptop.locator(SUBMIT).click()
    expect_saved_offline(laptop, item_id)

    theirs = f"Puhelimella kotona {marker}."
    open_editor(phone, f"/journal/{item_id}/edit")
    phone.fill("#body", theirs)
    phone.locator(SUBMIT).click()
    phone.wait_for_url(re.compile(rf".*/journal/{item_id}$"))

    conflicts = js_string(laptop, "conflictsWaiting_one").replace("{n}", "1")
    laptop_context.set_offline(False)
    until(laptop, f"""async () => {{
        const ops = await ({OUTBOX_OPS})();
        return ops.length === 1 && ops[0].conflict && ops[0].conflict.rev === 2;
    }}""", what="the laptop's sync to meet a conflict")
    expect(laptop.locator(OUTBOX_TEXT)).to_contain_text(conflicts)
    return account, item_id, phone, laptop, mine, theirs


@pytest.mark.parametrize("choice", ["keep-mine", "keep-theirs", "keep-as-new"])
def test_conflict_with_another_device_shows_both_and_keeps_the_choice(
        new_context, live_server, marker, no_plaintext, choice):
    account, item_id, phone, laptop, mine, theirs = edit_offline_then_meet_a_newer_version(
        new_context, marker)
    uid = uid_of(laptop)

    # The laptop opens its editor again (saving offline left it for the entry): both
    # versions are shown.
    open_editor(laptop, f"/journal/{item_id}/edit")
    conflict = laptop.locator("[data-conflict]")
    expect(conflict).to_be_visible()
    expect(conflict.locator("[data-mine-body]")).to_have_text(mine)
    expect(conflict.locator("[data-theirs-body]")).to_have_text(theirs)
    expect(laptop.locator(STATUS)).to_have_text(js_string(laptop, "conflict"))
    assert_device_holds_no_plaintext(laptop, marker)

    conflict.locator(f"[data-{choice}]").click()
    if choice == "keep-as-new":
        laptop.wait_for_url(re.compile(r".*/journal/[0-9a-f-]{36}$"))
        laptop.wait_for_url(lambda url: not url.endswith(item_id))
    else:
        laptop.wait_for_url(re.compile(rf".*/journal/{item_id}$"))
    kept = theirs if choice == "keep-theirs" else mine
    expect(laptop.locator("article[data-state=open] [data-field=body]")).to_have_text(kept)
    wait_for_outbox(laptop, 0)

    reader = Reader(live_server, account.email, account.password)
    stored = server_items(live_server, uid)
    if choice == "keep-as-new":
        assert len(stored) == 2, "the laptop's text became a reflection of its own"
        new_id = laptop.url.rsplit("/", 1)[1]
        assert {i.id for i in stored} == {item_id, new_id}
        assert (reader.open(item_id)["body"], reader.open(item_id)["rev"]) == (theirs, 2)
        assert (reader.open(new_id)["body"], reader.open(new_id)["rev"]) == (mine, 1)
        phone.goto("/journal/")
        expect(phone.locator("#entry-list article[data-state=open] [data-field=excerpt]")
               ).to_have_text([mine, theirs])
    else:
        assert [i.id for i in stored] == [item_id]
        opened = reader.open(item_id)
        assert (opened["body"], opened["rev"]) == (kept, 3 if choice == "keep-mine" else 2)
        phone.goto(f"/journal/{item_id}")
        expect(phone.locator("article[data-state=open] [data-field=body]")).to_have_text(kept)

    # The laptop's offline copy agrees with the server: what was chosen, nothing unsent.
    laptop.context.set_offline(True)
    laptop.goto("/journal/")
    cards = laptop.locator(LOCAL_CARDS)
    expect(cards.locator(".entry-excerpt")).to_have_text(
        [mine, theirs] if choice == "keep-as-new" else [kept])
    expect(cards.locator(".badge")).to_have_count(0)
    laptop.goto(f"/journal/{item_id}")
    expect(laptop.locator("[data-local-entry] [data-field=body]")).to_have_text(
        theirs if choice == "keep-as-new" else kept)
    assert_device_holds_no_plaintext(laptop, marker)
    laptop.context.set_offline(False)


def test_reopening_the_editor_after_a_background_conflict_shows_both_versions(
        new_context, live_server, marker, no_plaintext):
    """The conflict was found by a background sync, not on the compose page: opening the
    editor again shows both versions (it used to show only the server's, and saving there
    dropped the offline text)."""
    account, item_id, _phone, laptop, mine, theirs = edit_offline_then_meet_a_newer_version(
        new_context, marker)
    open_editor(laptop, f"/journal/{item_id}/edit")
    conflict = laptop.locator("[data-conflict]")
    expect(conflict).to_be_visible()
    expect(conflict.locator("[data-mine-body]")).to_have_text(mine)
    expect(conflict.locator("[data-theirs-body]")).to_have_text(theirs)
    # Each version's tags are shown (two versions may differ in nothing else).
    expect(conflict.locator("[data-mine-tags]")).to_have_text("Tunnisteet: Junassa, ilo")
    expect(conflict.locator("[data-theirs-tags]")).to_be_hidden()
    # Closing the page before choosing loses nothing either: it shows again.
    open_editor(laptop, f"/journal/{item_id}/edit")
    expect(conflict.locator("[data-mine-body]")).to_have_text(mine)
    conflict.locator("[data-keep-mine]").click()
    laptop.wait_for_url(re.compile(rf".*/journal/{item_id}$"))
    expect(laptop.locator("article[data-state=open] [data-field=body]")).to_have_text(mine)
    wait_for_outbox(laptop, 0)
    opened = Reader(live_server, account.email, account.password).open(item_id)
    assert (opened["body"], opened["rev"]) == (mine, 3)
    assert_device_holds_no_plaintext(laptop, marker)



def test_an_offline_edit_of_an_entry_deleted_elsewhere_is_not_stranded(
        new_context, live_server, marker, no_plaintext):
    """The edit meets a 409 with rev 0 (the entry is gone): the text is kept as a new
    reflection (it used to stay a conflict forever, with no choice offered)."""
    phone = new_context().new_page()
    account = sign_up(phone)
    item_id = write_entry(phone, f"Yhteinen {marker}", f"Alku {marker}.")
    laptop_context = new_context()
    laptop = laptop_context.new_page()
    log_in(laptop, account.email, account.password)
    wait_until_offline_ready(laptop)
    open_editor(laptop, f"/journal/{item_id}/edit")
    laptop_context.set_offline(True)
    mine = f"Läppärin teksti {marker}."
    laptop.fill("#body", mine)
    laptop.locator(SUBMIT).click()
    expect_saved_offline(laptop, item_id)
    phone.goto(f"/journal/{item_id}")
    phone.locator("[data-js-delete]").click()
    phone.locator("#delete-dialog [data-confirm]").click()
    phone.wait_for_url(re.compile(r"^[^?]*/journal/$"))

    laptop_context.set_offline(False)
    until(laptop, f"""async () => {{
        const ops = await ({OUTBOX_OPS})();
        return ops.length === 1 && ops[0].conflict && ops[0].conflict.rev === 0;
    }}""", what="the laptop's sync to find the entry gone")
    # Its edit page is gone with the entry: a new-reflection page takes the text in.
    open_editor(laptop, "/journal/new")
    keep_as_new = laptop.locator("[data-conflict] [data-keep-as-new]")
    shown = laptop.locator("article[data-state=open]")
    expect(keep_as_new.or_(shown)).to_be_visible(timeout=10_000)
    if keep_as_new.is_visible():
        keep_as_new.click()
    expect(shown.locator("[data-field=body]")).to_have_text(mine)
    wait_for_outbox(laptop, 0)
    reader = Reader(live_server, account.email, account.password)
    assert [reader.open(i.id)["body"] for i in server_items(live_server, uid_of(laptop))] \
        == [mine]


# ------------------------------------------------------------------------------ e. drafts

DRAFT = """async ([uid, body]) => {
    const keystore = await import('/static/js/keystore.js');
    const { loadDraft } = await import('/static/js/drafts.js');
    const keys = await keystore.unlockedKeys(uid);
    const draft = keys && (await loadDraft(keys, uid, 'new:entry'));
    if (body === null) return draft === null;
    return Boolean(draft) && draft.payload.body === body;
}"""


def wait_for_draft(page: Page, uid: str, body: str) -> None:
    """Until the compose page has sealed a draft with this text on the device (opened here,
    in the test's page, with the app's own module: the device holds it sealed only)."""
    until(page, DRAFT, [uid, body], what="a sealed draft with the typed text")


def expect_restored(page: Page, title: str, body: str) -> None:
    expect(page.locator(SUBMIT)).to_be_enabled(timeout=TIMEOUT)
    expect(page.locator("#title")).to_have_value(title)
    expect(page.locator("#body")).to_have_value(body)
    expect(page.locator(STATUS)).to_have_text(js_string(page, "draftRestored"))


def test_a_draft_survives_reloads_online_and_offline_and_closing_the_page(
        new_context, live_server, marker, no_plaintext):
    context = new_context()
    page = context.new_page()
    sign_up(page)
    uid = uid_of(page)
    wait_until_offline_ready(page)

    open_editor(page, "/journal/new")
    title = f"Luonnos {marker}"
    body = f"Kesken jäänyt ajatus {marker}."
    page.fill("#title", title)
    page.locator("#body").press_sequentially(body[:12])
    page.locator("#body").fill(body)
    wait_for_draft(page, uid, body)
    page.reload()
    expect_restored(page, title, body)

    # Offline: the page comes from the cached compose shell and restores the draft.
    context.set_offline(True)
    body = f"{body} Lisää junassa {marker}."
    page.fill("#body", body)
    wait_for_draft(page, uid, body)
    page.reload()
    expect_restored(page, title, body)
    assert_device_holds_no_plaintext(page, marker)

    # Closing the page (no "Leave site?" asked) and opening a new one on the same device.
    body = f"{body} Ja vielä {marker}."
    page.fill("#body", body)
    wait_for_draft(page, uid, body)
    page.close()
    page = context.new_page()
    page.goto("/journal/new")
    expect_restored(page, title, body)
    context.set_offline(False)
    page.close()
    page = context.new_page()
    page.goto("/journal/new")
    expect_restored(page, title, body)

    # Saved, the draft becomes the entry and leaves the device.
    page.locator(SUBMIT).click()
    page.wait_for_url(re.compile(r".*/journal/[0-9a-f-]{36}$"))
    expect(page.locator("article[data-state=open] [data-field=body]")).to_have_text(body)
    assert page.evaluate(DRAFT, [uid, None]), "the draft stayed after saving"
    assert len(server_items(live_server, uid)) == 1
    assert_device_holds_no_plaintext(page, marker)


# ------------------------------------------------------------------------------ f. sign-out

def test_sign_out_after_offline_use_leaves_nothing_on_the_device(
        new_context, live_server, marker, no_plaintext):
    context = new_context()
    page = context.new_page()
    account = sign_up(page)
    uid = uid_of(page)
    write_entry(page, f"Verkossa {marker}", f"Kirjoitettu verkossa {marker}.")
    wait_until_offline_ready(page)

    context.set_offline(True)
    write_offline(page, f"Ilman verkkoa {marker}", f"Jonossa {marker}.")
    open_editor(page, "/journal/new")
    page.fill("#body", f"Luonnos {marker}.")
    wait_for_draft(page, uid, f"Luonnos {marker}.")
    page.goto("/journal/")
    expect(page.locator(LOCAL_CARDS)).to_have_count(2)
    assert_device_holds_no_plaintext(page, marker)
    context.set_offline(False)
    wait_for_outbox(page, 0)
    page.goto("/journal/")
    expect(page.locator("#entry-list article[data-state=open]")).to_have_count(2)
    assert_device_holds_no_plaintext(page, marker)

    log_out(page)
    # The login page asks the worker to put the public files back: wait for that, then
    # nothing personal may be anywhere.
    until(page, """async () => {
        for (const name of await caches.keys()) {
            if (name.startsWith('valitila-pages-'))
                return Boolean(await (await caches.open(name)).match('/offline'));
        }
        return false;
    }""", what="the offline page cached again after sign-out")
    for name, entries in cache_dump(page).items():
        for url, text in entries.items():
            assert not re.search(r"/journal/(new|local)$", url), f"a user page is kept: {url}"
            for secret in (uid, account.email, marker):
                assert secret not in (text or ""), f"{secret!r} is cached in {name} {url}"
    if "valitila" in idb_databases(page):
        stores = idb_dump(page)["valitila"]
        assert all(values == {} for values in stores.values()), stores
    storage = page.evaluate("() => JSON.stringify([{...localStorage}, {...sessionStorage}])")
    assert uid not in storage and marker not in storage, storage
    assert page.evaluate("""async () => {
        const keystore = await import('/static/js/keystore.js');
        return [await keystore.account(), await keystore.unlockedKeys(null)];
    }""") == [None, None], "key material is left on the device"


# ------------------------------------------------------------------------------ g. search

def test_search_runs_on_the_device_and_the_query_never_leaves_it(
        new_context, live_server, recorder, marker, no_plaintext):
    context = new_context()
    page = context.new_page()
    sign_up(page)
    word = f"kuukkeli{uuid.uuid4().hex[:8]}"
    titles = [f"Aamu {marker}", f"Päivä {marker}", f"Ilta {marker}"]
    bodies = [f"Tavallinen aamu {marker}.", f"Näin {word}n pihalla {marker}.",
              f"Rauhallinen ilta {marker}."]
    for title, body in zip(titles, bodies, strict=True):
        write_entry(page, title, body)
    page.goto("/journal/")
    expect(page.locator("#entry-list article[data-state=open]")).to_have_count(3)
    search = page.locator("#journal-search")
    results = page.locator("#search-results > li.entry-card")

    search.press_sequentially(word.upper())  # case does not matter
    expect(results.locator(".entry-title")).to_have_text([titles[1]])
    expect(results.locator(".entry-excerpt")).to_have_text([bodies[1]])
    expect(page.locator("#entry-list")).to_be_hidden()
    expect(page.locator("[data-search-count]")).to_have_text(
        js_string(page, "searchCount_one").replace("{n}", "1"))
    search.fill(marker)
    expect(results).to_have_count(3)
    search.fill(f"{word} rauhallinen")  # every word must match
    expect(results).to_have_count(0)
    expect(page.locator("[data-search-count]")).to_have_text(js_string(page, "searchNone"))
    search.fill("")
    expect(page.locator("#entry-list")).to_be_visible()
    expect(page.locator("#search-results")).to_be_hidden()

    # Offline, the local journal searches the same way.
    wait_until_offline_ready(page)
    go_offline_to(page, context, "/journal/")
    expect(page.locator(LOCAL_CARDS)).to_have_count(3)
    page.locator("#journal-search").fill(word)
    expect(page.locator("#local-search-results > li.entry-card .entry-title")).to_have_text(
        [titles[1]])
    expect(page.locator("#local-list")).to_be_hidden()
    context.set_offline(False)

    assert recorder.urls, "no requests were recorded: the check would be empty"
    needles = [word, word.upper(), f"{word} rauhallinen", f"{word}%20rauhallinen"]
    for needle in needles:
        assert not any(needle.lower() in url.lower() for url in recorder.urls), needle
        assert not any(needle.lower().encode() in body.lower() for body in recorder.bodies)
    assert word.encode() not in live_server.log_bytes()
