"""The installable app in a real Chromium: installability, the service worker installing and
taking control, what it serves offline, that Cache Storage never holds anything personal
(before and after signing out), the update banner, and the offline page's accessibility."""
from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import Page, expect

from webapp import assets, pwa

from .conftest import run_axe
from .device import cache_dump
from .journeys import log_in, log_out, sign_up, write_entry

PERSONAL_SHELLS = ("/journal/new", "/journal/local")


def worker_values(live_server) -> tuple[str, list[str]]:
    script = live_server.app.test_client().get("/sw.js").get_data(as_text=True)
    version = json.loads(re.search(r"^const VERSION = (.*);$", script, re.M).group(1))
    precache = json.loads(re.search(r"^const PRECACHE = (.*);$", script, re.M).group(1))
    return version, precache


def built(logical: str) -> str:
    """The URL the pages load for a source file: its built, content-hashed file."""
    return "/static/" + assets.build_manifest()["files"][logical]


def url_path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def poll(page: Page, script: str, arg=None, timeout: float = 20.0) -> None:
    """Evaluate the (async) `script` until it is truthy. page.wait_for_function cannot be used
    here: it takes the Promise an async function returns for a truthy value."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {script[:120]} {arg!r}")
        time.sleep(0.1)


CONTROLLED = ("async () => { await navigator.serviceWorker.ready;"
              " return navigator.serviceWorker.controller !== null; }")


def wait_for_control(page: Page, *, may_reload: bool = True) -> None:
    """Until the worker is active and controls the page. An active worker claims the open
    pages, but a page whose navigation was still in flight when it did (a slow install on a
    loaded machine: seen once in a full parallel run) stays uncontrolled until it is loaded
    again, as test_offline's wait_until_offline_ready knows: then a reload.
    `may_reload=False` checks the claim itself (the worker's first page)."""
    if may_reload:
        try:
            poll(page, CONTROLLED, timeout=10)
            return
        except AssertionError:
            page.reload()
    poll(page, CONTROLLED, timeout=30)


def cache_urls(page: Page) -> dict[str, list[str]]:
    return page.evaluate("""async () => {
      const out = {};
      for (const name of await caches.keys()) {
        out[name] = (await (await caches.open(name)).keys()).map((r) => r.url);
      }
      return out;
    }""")


def paths(urls) -> set[str]:
    return {re.sub(r"^https?://[^/]+", "", url) for url in urls}


def wait_for_cached(page: Page, cache_prefix: str, path: str, present: bool = True) -> None:
    poll(page, """async ([prefix, path, present]) => {
      for (const name of await caches.keys()) {
        if (!name.startsWith(prefix)) continue;
        const hit = await (await caches.open(name)).match(path);
        return Boolean(hit) === present;
      }
      return !present;
    }""", [cache_prefix, path, present])


def test_chromium_considers_the_app_installable(browser_type, browser_type_launch_args,
                                                base_url, tmp_path):
    """On a persistent profile: Playwright's ordinary contexts are off-the-record, which
    Chromium reports as the one installability error "in-incognito"."""
    context = browser_type.launch_persistent_context(
        str(tmp_path / "profile"), **browser_type_launch_args, base_url=base_url,
        viewport={"width": 360, "height": 740}, locale="fi-FI")
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto("/login")
        wait_for_control(page)
        cdp = context.new_cdp_session(page)
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["url"].endswith("/manifest.webmanifest")
        assert not manifest.get("errors"), manifest.get("errors")
        data = json.loads(manifest["data"])
        assert (data["start_url"], data["display"]) == ("/journal/?source=pwa", "standalone")
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == [], errors
    finally:
        context.close()


def test_worker_installs_precaches_and_controls(new_context, live_server):
    version, precache = worker_values(live_server)
    page = new_context().new_page()
    page.goto("/login")
    wait_for_control(page, may_reload=False)  # it claims its first page
    page.reload()
    assert page.evaluate("() => navigator.serviceWorker.controller !== null")
    assert page.evaluate("() => navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")
    wait_for_cached(page, "valitila-pages-", "/offline")
    caches = cache_urls(page)
    assert set(caches) == {f"valitila-static-{version}", f"valitila-pages-{version}"}
    assert set(precache) <= paths(caches[f"valitila-static-{version}"])
    assert paths(caches[f"valitila-pages-{version}"]) == {"/offline"}, \
        "signed out: no personal page is kept"


def test_built_files_come_from_the_cache_without_the_worker(new_context, live_server):
    """Once the worker controls the page, the built files come from its cache through the
    browser's static routes (the worker's install added them): no fetch event runs per file.
    Resource Timing names the route's source; a request through the fetch handler has none."""
    page = new_context().new_page()
    page.goto("/login")
    wait_for_control(page)
    page.reload()
    expect(page.locator("[data-login-form] [type=submit]")).to_be_enabled()
    sources = page.evaluate("""() => performance.getEntriesByType('resource')
        .filter((entry) => new URL(entry.name).pathname.startsWith('/static/build/'))
        .map((entry) => [new URL(entry.name).pathname, entry.workerMatchedSourceType || '',
                         entry.workerFinalSourceType || ''])""")
    assert any(path == built("js/app.js") for path, _m, _f in sources), sources
    assert len(sources) > 5
    assert all((matched, final) == ("cache", "cache") for _p, matched, final in sources), sources


def test_first_visit_loads_the_precached_files_once(new_context, live_server):
    """A first visit: the page loads built files only, each exactly by the URL the worker then
    precaches, and the worker's install takes them from the HTTP cache (no second download)."""
    _version, precache = worker_values(live_server)
    context = new_context()
    downloads: list[tuple[str, bool]] = []  # (path, fetched by the worker)

    def finished(request) -> None:
        response = request.response()
        if response is not None and response.status == 200 and not response.from_service_worker \
                and request.sizes()["responseBodySize"] > 0:
            downloads.append((url_path(request.url), request.service_worker is not None))

    context.on("requestfinished", finished)
    page = context.new_page()
    page.goto("/login")
    wait_for_control(page)
    wait_for_cached(page, "valitila-pages-", "/offline")
    page.wait_for_load_state("networkidle")
    by_page = [path for path, worker in downloads if not worker and path.startswith("/static/")]
    assert built("js/app.js") in by_page and built("css/app.css") in by_page
    assert set(by_page) <= set(precache), "the page loaded a file the worker does not keep"
    twice = [path for path, worker in downloads if worker and path in by_page]
    assert twice == [], f"downloaded again by the worker: {twice}"


def test_password_code_loads_only_where_a_password_is_used(new_context, live_server):
    """Argon2 (and the worker that runs it) load only where keys are derived, zxcvbn's
    dictionaries only where a new password is typed: not on a first visit to /login."""
    argon2, worker = built("vendor/argon2.mjs"), built("js/kdf-worker.js")
    zxcvbn = built("vendor/zxcvbn.mjs")
    context = new_context(service_workers="block")  # every request is the page's (or its worker's)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(url_path(request.url)))
    page = context.new_page()
    page.goto("/login")
    expect(page.locator("[data-login-form] [type=submit]")).to_be_enabled()
    page.wait_for_load_state("networkidle")
    assert built("js/behaviors/auth/login.js") in requested, "the check would be empty"
    assert not {argon2, worker, zxcvbn} & set(requested), requested

    requested.clear()
    account = sign_up(page)  # types a new password (strength meter), then derives the keys
    assert {zxcvbn, worker, argon2} <= set(requested), requested

    requested.clear()
    page.get_by_role("button", name="Lukitse nyt").click()
    page.wait_for_url(re.compile(r"/unlock\?"))
    expect(page.locator("[data-unlock-form] [type=submit]")).to_be_enabled()
    page.wait_for_load_state("networkidle")
    assert built("js/behaviors/auth/unlock.js") in requested
    assert not {argon2, worker, zxcvbn} & set(requested), "loaded before a password is given"
    page.fill("#password", account.password)
    page.locator("[data-unlock-form] [type=submit]").click()
    page.wait_for_url(re.compile(r"^[^?]*/journal/$"), timeout=30_000)
    assert {worker, argon2} <= set(requested), requested
    assert zxcvbn not in requested, "unlocking needs no strength meter"


def test_offline_pages_and_assets_come_from_the_cache(new_context, recorder):
    context = new_context()
    page = context.new_page()
    page.goto("/login")
    wait_for_control(page)
    wait_for_cached(page, "valitila-pages-", "/offline")
    context.set_offline(True)
    from_worker, navigations = [], []
    page.on("response", lambda r: from_worker.append(r.url) if r.from_service_worker else None)
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    for path in ("/login", "/signup", "/account/"):
        page.goto(path)
        expect(page.locator("h1")).to_have_text("Ei yhteyttä")
        assert page.url.endswith(path), \
            f"the address stays; the offline page is shown there (navigations: {navigations})"
    expect(page.get_by_role("link", name="Yritä uudelleen")).to_be_visible()
    # The stylesheet and the scripts came from the cache and work: the page is styled and
    # the behaviours are attached (the offline page reloads itself when back online).
    assert any(url_path(url) == built("css/app.css") for url in from_worker)
    assert any(url_path(url) == built("js/app.js") for url in from_worker)
    assert page.evaluate("() => document.styleSheets[0].cssRules.length") > 10

    # Back on a network that cannot reach the server yet (a captive portal, the server
    # down): the page asks /healthz first and stays, no reload into the same offline page.
    context.route("**/healthz", lambda route: route.abort("connectionrefused"))
    with page.expect_event("requestfailed", lambda r: r.url.endswith("/healthz")):
        context.set_offline(False)
    page.wait_for_timeout(300)
    assert navigations[-1].endswith("/account/") and page.url.endswith("/account/")
    expect(page.locator("h1")).to_have_text("Ei yhteyttä")
    # The server answers again: the next `online` reloads the page itself.
    context.unroute("**/healthz")
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_url(re.compile(r"/login\?next=(/|%2F)account(/|%2F)$"))
    expect(page.locator("[data-login-form]")).to_be_visible()
    assert not recorder.problems, recorder.problems  # the cached pages keep their CSP


def test_signed_in_shells_work_offline(new_context, recorder):
    """Offline, the compose page and the journal come from the signed-in person's shells (the
    keys open from this device); any other page is the offline page."""
    context = new_context()
    page = context.new_page()
    sign_up(page)
    wait_for_control(page)
    wait_for_cached(page, "valitila-pages-", "/journal/new")
    wait_for_cached(page, "valitila-pages-", "/journal/local")
    context.set_offline(True)
    page.goto("/journal/new")
    expect(page.locator("[data-js-compose]")).to_be_visible()
    expect(page.locator("[data-compose-form] [type=submit]")).to_be_enabled()
    page.goto("/journal/")
    expect(page.locator("[data-js-local-journal]")).to_be_visible()
    page.goto("/account/")
    expect(page.locator("h1")).to_have_text("Ei yhteyttä")
    context.set_offline(False)
    assert not recorder.problems, recorder.problems


def test_no_cache_entry_holds_personal_data(new_context, marker):
    context = new_context()
    page = context.new_page()
    account = sign_up(page, name="Pirjo Välimaa")
    wait_for_control(page)
    write_entry(page, f"Otsikko {marker}", f"Teksti {marker}", "tiimi")
    page.goto("/journal/new")  # an online visit refreshes the compose shell
    expect(page.locator("[data-compose-form] [type=submit]")).to_be_enabled()
    page.goto("/journal/")
    wait_for_cached(page, "valitila-pages-", "/journal/new")
    uid = page.locator("meta[name=valitila-user]").get_attribute("content")

    dump = cache_dump(page)
    assert dump, "nothing was cached: the check would be empty"
    entries = {url: text for cache in dump.values() for url, text in cache.items()}
    pages = {url: text for name, cache in dump.items() if name.startswith("valitila-pages-")
             for url, text in cache.items()}
    assert paths(pages) <= {"/offline", *PERSONAL_SHELLS}
    for url, text in entries.items():
        assert marker not in (text or ""), f"the marker is cached in {url}"
        assert account.email not in (text or ""), f"the email is cached in {url}"
        assert "Pirjo Välimaa" not in (text or ""), f"the name is cached in {url}"
        assert "/api/" not in url, f"an API response is cached: {url}"
    for url, text in pages.items():
        assert "data-sealed" not in text, f"ciphertext is cached in {url}"
    offline = next(text for url, text in pages.items() if url.endswith("/offline"))
    assert uid not in offline and 'name="valitila-user"' not in offline


def test_sign_out_leaves_no_personal_page_cached(new_context, live_server):
    version, _precache = worker_values(live_server)
    context = new_context()
    page = context.new_page()
    account = sign_up(page)
    wait_for_control(page)
    wait_for_cached(page, "valitila-pages-", "/journal/new")
    uid = page.locator("meta[name=valitila-user]").get_attribute("content")

    log_out(page)
    # The login page asks the worker to put the public files back; no personal shell returns.
    wait_for_cached(page, "valitila-pages-", "/offline")
    for path in PERSONAL_SHELLS:
        wait_for_cached(page, "valitila-pages-", path, present=False)
    dump = cache_dump(page)
    assert set(dump) <= {f"valitila-static-{version}", f"valitila-pages-{version}"}
    pages = dump.get(f"valitila-pages-{version}", {})
    assert paths(pages) == {"/offline"}
    for cache in dump.values():
        for url, text in cache.items():
            assert uid not in (text or "") and account.email not in (text or ""), url

    # Signing in again (a new session) brings the shell back, for the new session.
    log_in(page, account.email, account.password)
    wait_for_cached(page, "valitila-pages-", "/journal/new")


def test_update_banner_swaps_the_worker(new_context, live_server, monkeypatch):
    version, _precache = worker_values(live_server)
    page = new_context().new_page()
    page.goto("/login")
    wait_for_control(page)
    wait_for_cached(page, "valitila-pages-", "/offline")
    banner = page.locator("[data-pwa-update]")
    expect(banner).to_have_count(0)

    # A deploy: the server now sends a worker with another version.
    with live_server.app.test_request_context():
        deployed = pwa.current_worker()
    next_version = "0123456789abcdef"
    monkeypatch.setattr(pwa, "current_worker", lambda: pwa.Worker(
        next_version, deployed.precache, deployed.precache_bytes,
        deployed.script.replace(deployed.version, next_version)))
    page.evaluate("""() => {
      window.addEventListener('valitila:before-update',
        () => sessionStorage.setItem('before-update', 'seen'));
    }""")
    page.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")
    expect(banner).to_be_visible(timeout=30_000)
    expect(banner).to_contain_text("Päivitys saatavilla")
    with page.expect_navigation():
        banner.get_by_role("button", name="päivitä").click()
    wait_for_control(page)
    assert page.evaluate("() => sessionStorage.getItem('before-update')") == "seen"
    wait_for_cached(page, "valitila-pages-", "/offline")
    poll(page, "async (v) => !(await caches.keys()).some((n) => n.endsWith(v))", version)
    names = set(cache_urls(page))
    assert names == {f"valitila-static-{next_version}", f"valitila-pages-{next_version}"}
    expect(banner).to_have_count(0)


@pytest.mark.parametrize("offline", [False, True], ids=["online", "served-offline"])
def test_offline_page_accessibility(new_context, offline):
    context = new_context(bypass_csp=True)
    page = context.new_page()
    page.goto("/offline")
    wait_for_control(page)
    wait_for_cached(page, "valitila-pages-", "/offline")
    if offline:
        context.set_offline(True)
        page.goto("/journal/")
    expect(page.locator("h1")).to_have_text("Ei yhteyttä")
    violations = run_axe(page)
    assert violations == [], violations
    context.set_offline(False)
