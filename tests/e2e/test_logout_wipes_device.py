"""What stays on the device. During a session nothing decrypted is stored anywhere the browser
keeps data (IndexedDB, Cache Storage, Web Storage), and the unlocked keys are non-extractable
CryptoKeys; signing out (here or "everywhere") removes the database and the web storage, and
Cache Storage keeps nothing personal.

About Cache Storage: sign-out does delete every cache (keystore.wipeDevice), but by design
(static/sw.js) the next page asks the service worker to put back the public files and the
signed-out offline page. So "after sign-out" is checked as: only /static/ files and /offline
remain, and no cached page carries an account id, the email or the marker; before sign-out
the personal compose shell is shown to have been cached, so the check is not vacuous.
With the no-plaintext proof."""
from __future__ import annotations

import json
import re
from urllib.parse import urlparse

from playwright.sync_api import Page, expect

from .device import DB_NAME, cache_dump, idb_databases, idb_dump, js_string, web_storage
from .journeys import log_in, log_out, open_editor, open_entry, sign_up, write_entry

DRAFT_STORED = """async () => {
  const {transact} = await import('/static/js/idb.js');
  const keys = await transact('device', 'readonly', (store) => store.getAllKeys());
  return keys.some((key) => String(key).startsWith('sealed:'));
}"""


def everything_stored(page: Page) -> str:
    return json.dumps({"indexeddb": idb_dump(page), "caches": cache_dump(page),
                       "storage": web_storage(page)}, ensure_ascii=False)


PERSONAL_SHELL_CACHED = """async () => {
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      if (new URL(request.url).pathname === '/journal/new') return true;
    }
  }
  return false;
}"""


PERSONAL_META = re.compile(r'<meta name="(valitila-user|csrf-token)" content="[^"]+"')


def expect_wiped(page: Page, email: str, marker: str) -> None:
    if DB_NAME in idb_databases(page):               # re-created empty by a later page?
        stores = idb_dump(page)[DB_NAME]
        assert not any(stores.values()), f"IndexedDB still holds data: {stores}"
    for name, entries in cache_dump(page).items():
        for url, text in entries.items():
            path = urlparse(url).path
            assert path.startswith("/static/") or path == "/offline", \
                f"{url} is still in the cache {name} after sign-out"
            for needle in (email, marker):
                assert needle not in (text or ""), f"{url} in {name} still holds {needle!r}"
            if not path.startswith("/static/"):      # a page: no account id, no CSRF token
                found = PERSONAL_META.search(text or "")
                assert not found, f"{url} in {name} still holds {found.group()}"
    storage = web_storage(page)
    assert storage["local"] == {}, storage
    # htmx itself notes the current path of the page that is open (here the sign-in page).
    session = dict(storage["session"])
    session.pop("htmx-current-path-for-history", None)
    assert session == {}, storage
    current = urlparse(page.url)
    assert storage["session"].get("htmx-current-path-for-history", current.path) in (
        current.path, f"{current.path}?{current.query}"), storage


def test_nothing_decrypted_is_stored_and_logout_wipes(new_context, marker, no_plaintext):
    page = new_context().new_page()
    account = sign_up(page)
    title, body = f"Laitteella {marker}", f"Luettu {marker} ruudulla."
    item_id = write_entry(page, title, body, "rajat")
    assert open_entry(page, item_id) == (title, body)
    page.goto("/journal/")
    expect(page.locator("article[data-state=open]")).to_have_count(1)

    # A draft in progress is kept on the device, sealed.
    open_editor(page, "/journal/new")
    page.fill("#title", f"Luonnos {marker}")
    page.fill("#body", f"Keskeneräinen {marker}")
    page.wait_for_function(DRAFT_STORED)
    page.wait_for_function(PERSONAL_SHELL_CACHED)     # the service worker kept the shell

    stored = everything_stored(page)
    assert marker not in stored, "decrypted text is stored on the device"
    device = idb_dump(page)[DB_NAME]["device"]
    unlocked = device["unlocked"]
    keys = [unlocked[name] for name in ("ak", "x25519", "ed25519")]
    assert all(k["cryptoKey"] and k["extractable"] is False for k in keys), unlocked
    assert device["account"]["uid"] == unlocked["uid"]

    page.goto("/journal/")
    log_out(page)
    expect_wiped(page, account.email, marker)
    page.goto("/journal/")
    expect(page).to_have_url(re.compile(r"/login\?next="))      # the session is over too
    expect_wiped(page, account.email, marker)

    # Signing in again on this device works from scratch and reads the entry.
    log_in(page, account.email, account.password)
    assert open_entry(page, item_id) == (title, body)


def test_sign_out_everywhere_wipes_this_device_and_ends_the_others(new_context, marker,
                                                                  no_plaintext):
    phone = new_context().new_page()
    account = sign_up(phone)
    item_id = write_entry(phone, f"Kaikkialta {marker}", f"Teksti {marker}.")
    laptop = new_context().new_page()
    log_in(laptop, account.email, account.password)
    open_entry(laptop, item_id)

    phone.goto("/account/")
    phone.locator("form[action='/account/logout-everywhere'][data-js-logout] [type=submit]").click()
    phone.wait_for_url(re.compile(r"/login\?signed_out=1$"))
    expect_wiped(phone, account.email, marker)

    laptop.goto(f"/journal/{item_id}")
    expect(laptop).to_have_url(re.compile(r"/login\?next="))

    # "Use this if you lost a phone": the signed-out device must not still open the journal
    # from its own copy (the offline journal page decrypts the sealed mirror locally).
    laptop.goto("/journal/local")
    if urlparse(laptop.url).path == "/journal/local":
        status = laptop.locator("[data-local-status]")
        locked, shown = js_string(laptop, "offlineLocked"), js_string(laptop, "offlineView")
        expect(status).to_have_text(re.compile(f"^({re.escape(locked)}|{re.escape(shown)})"))
        if status.inner_text().startswith(shown):      # then wait for what it goes on to show
            expect(laptop.locator("[data-local-list]:not([hidden]), "
                                  "[data-local-empty]:not([hidden])").first).to_be_visible()
        assert marker not in laptop.content(), (
            "a device signed out from elsewhere still shows the decrypted journal at "
            "/journal/local (its IndexedDB keeps the unlocked keys and the sealed mirror)")
        expect(status).to_have_text(locked)
