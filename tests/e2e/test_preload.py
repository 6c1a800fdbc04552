"""The journal page's behaviours come with the page: the browser fetches the sealed cards'
chunk and every chunk it imports because the HTML names them (<link rel="modulepreload">,
webapp/preload.py), not one import after another once app.js has run. Chromium's own record
of who started each request (DevTools protocol: the initiator) tells the two apart: "parser"
for a file the HTML names, "script" for an import a module made."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from webapp import assets

from .journeys import sign_up, write_entry


def test_journal_fetches_its_behaviours_with_the_page(new_context, marker, no_plaintext):
    # The service worker blocked: every module request is the page's own, from the network.
    context = new_context(service_workers="block")
    page = context.new_page()
    sign_up(page)
    write_entry(page, f"Esilataus {marker}", "teksti")

    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    sent: list[tuple[str, str]] = []  # (path, initiator type), in the order sent
    cdp.on("Network.requestWillBeSent", lambda event: sent.append(
        (re.sub(r"^https?://[^/]+", "", event["request"]["url"]), event["initiator"]["type"])))
    page.goto("/journal/")
    expect(page.locator("[data-js-sealed][data-state=open]")).to_have_count(1)
    page.wait_for_load_state("networkidle")

    manifest = assets.build_manifest()
    app_js = f"/static/{manifest['files']['js/app.js']}"
    sealed = [f"/static/{path}" for path in manifest["behaviors"]["sealed"]]
    modules = [(path, initiator) for path, initiator in sent
               if path.startswith("/static/build/") and path.endswith(".js")]
    assert (app_js, "parser") in modules
    by_path: dict[str, list[str]] = {}
    for path, initiator in modules:
        by_path.setdefault(path, []).append(initiator)
    for path in sealed:
        assert by_path.get(path) == ["parser"], (path, by_path.get(path))
    # And nothing the page preloaded was fetched a second time by an import.
    twice = {path: kinds for path, kinds in by_path.items() if len(kinds) > 1}
    assert not twice, twice
