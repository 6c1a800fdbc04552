"""The installable app: manifest, service worker script, offline page, icons and head tags."""
from __future__ import annotations

import json
import os
import re
import shutil
import struct
from pathlib import Path

import pytest

from webapp import assets, pwa

ICONS = pwa.STATIC / "icons"
UUIDISH = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


def worker_values(script: str) -> tuple[str, list[str], dict[str, str]]:
    """VERSION, PRECACHE and SHELLS as the served script has them."""
    version = re.search(r"^const VERSION = (.*);$", script, re.M).group(1)
    precache = re.search(r"^const PRECACHE = (.*);$", script, re.M).group(1)
    shells = re.search(r"^const SHELLS = (.*);$", script, re.M).group(1)
    return json.loads(version), json.loads(precache), json.loads(shells)


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


# -- manifest ------------------------------------------------------------------------------

def test_manifest(client):
    response = client.get("/manifest.webmanifest", headers={"Accept-Language": "fi"})
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    data = json.loads(response.get_data(as_text=True))
    assert data["name"] == data["short_name"] == "Välitila"
    assert data["description"]
    assert (data["id"], data["scope"], data["start_url"], data["display"]) == (
        "/", "/", "/journal/?source=pwa", "standalone")
    assert re.fullmatch(r"#[0-9a-f]{6}", data["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", data["background_color"])
    icons = {(i["sizes"], i["purpose"], i["type"]) for i in data["icons"]}
    assert icons == {("any", "any", "image/svg+xml"),
                     ("192x192", "any", "image/png"), ("512x512", "any", "image/png"),
                     ("192x192", "maskable", "image/png"), ("512x512", "maskable", "image/png")}
    for icon in data["icons"] + data["shortcuts"][0]["icons"]:
        assert client.get(icon["src"]).status_code == 200, icon["src"]
    [shortcut] = data["shortcuts"]
    assert (shortcut["name"], shortcut["url"]) == ("Uusi pohdinta", "/journal/new")


@pytest.mark.parametrize(("accept_language", "lang", "new_reflection"), [
    ("fi-FI,fi;q=0.9", "fi", "Uusi pohdinta"),
    ("sv-FI,sv;q=0.9,en;q=0.5", "sv", "Ny reflektion"),
    ("en-GB,en;q=0.9", "en", "New reflection"),
    ("de-DE", "fi", "Uusi pohdinta"),
])
def test_manifest_language_follows_the_visitor(client, accept_language, lang, new_reflection):
    data = client.get("/manifest.webmanifest", headers={"Accept-Language": accept_language}).json
    assert data["lang"] == lang
    assert data["shortcuts"][0]["name"] == new_reflection


def test_manifest_language_follows_the_signed_in_user(proto):
    person = proto.register(locale="sv")
    data = person.client.get("/manifest.webmanifest", headers={"Accept-Language": "en"}).json
    assert data["lang"] == "sv"
    assert data["shortcuts"][0]["name"] == "Ny reflektion"


# -- service worker script ------------------------------------------------------------------

def test_service_worker_headers(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_other_responses_stay_no_store(client):
    for path in ("/manifest.webmanifest", "/offline", "/login"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_service_worker_precaches_the_app(app, client):
    script = client.get("/sw.js").get_data(as_text=True)
    version, precache, shells = worker_values(script)
    assert re.fullmatch(r"[0-9a-f]{16}", version)
    manifest = assets.build_manifest()
    icons = [f"icons/{p.name}" for p in ICONS.iterdir() if p.is_file()]
    assert len(icons) >= 6
    with app.test_request_context():  # the very URLs the pages are given
        expected = {f"/static/{rel}" for rel in manifest["precache"]} | {
            assets.asset_url(rel) for rel in icons}
        built = {assets.asset_url(rel) for rel in ("js/app.js", "css/app.css", "js/outbox.js",
                                                   "js/kdf-worker.js", "vendor/htmx.min.js",
                                                   "vendor/argon2.mjs",
                                                   "js/behaviors/pwa/pwa.js")}
    assert sorted(precache) == sorted(expected) and len(precache) == len(set(precache))
    assert built <= set(precache)
    for url in precache:  # hashed names as they are; icons with their content hash
        assert re.fullmatch(r"/static/build/[a-z0-9-]+-[A-Z2-7]{8}\.(js|css)"
                            r"|/static/icons/\S+\?v=[0-9a-f]{12}", url), url
    assert not any("zxcvbn" in url for url in precache), "zxcvbn is left to the HTTP cache"
    lazy = json.loads(re.search(r"^const LAZY = (.*);$", script, re.M).group(1))
    assert lazy == [f"/static/{manifest['files']['vendor/zxcvbn.mjs']}"]
    assert not any(url.startswith(("/static/js/", "/static/css/", "/static/vendor/"))
                   for url in precache), "no source file: the pages load only built ones"
    assert shells["offline"] == "/offline" and shells["compose"] == "/journal/new"
    assert "/* @" not in script


def test_service_worker_is_the_same_for_everyone(client, proto):
    anonymous = client.get("/sw.js").get_data()
    person = proto.register()
    personal = person.client.get("/sw.js").get_data()
    assert personal == anonymous
    assert person.email.encode() not in personal and person.uid.encode() not in personal
    assert not UUIDISH.search(personal.decode())


FAKE_BUILD = {  # logical source path -> built file, as scripts/build.mjs names them
    "css/app.css": "build/app-AAAAAAAA.css",
    "js/app.js": "build/app-BBBBBBBB.js",
    "js/outbox.js": "build/outbox-CCCCCCCC.js",
    "js/behaviors/journal/compose.js": "build/compose-DDDDDDDD.js",
    "vendor/htmx.min.js": "build/htmx-EEEEEEEE.js",
    "vendor/zxcvbn.mjs": "build/zxcvbn-FFFFFFFF.js",
}


def _fake_static(tmp_path: Path, drop: tuple[str, ...] = ()) -> Path:
    """A static tree with a build: its files, a shared chunk, a manifest, icons and sources."""
    static = tmp_path / "static"
    built = [*FAKE_BUILD.values(), "build/chunk-GGGGGGGG.js"]
    for rel in (*built, "icons/icon.svg", "js/app.js", "other/readme.txt"):
        (static / rel).parent.mkdir(parents=True, exist_ok=True)
        (static / rel).write_text(f"/* {rel} */\n")
    files = {key: rel for key, rel in FAKE_BUILD.items() if key not in drop}
    lazy = [FAKE_BUILD["vendor/zxcvbn.mjs"]]
    manifest = {"files": files, "integrity": {},
                "precache": sorted(rel for rel in built if rel not in lazy
                                   and rel not in {FAKE_BUILD[key] for key in drop}),
                "lazy": lazy}
    (static / "build" / "manifest.json").write_text(json.dumps(manifest))
    shutil.copy(pwa.STATIC / "sw.js", static / "sw.js")
    return static


def test_version_changes_with_any_precached_file(tmp_path):
    static = _fake_static(tmp_path)
    shells = {"offline": "/offline", "compose": "/journal/new"}

    def build():
        return pwa.build_worker(static, pwa.TEMPLATES, tmp_path / "none", "/static", shells)

    first = build()
    assert [url.split("?")[0] for url in first.precache] == [
        "/static/build/app-AAAAAAAA.css", "/static/build/app-BBBBBBBB.js",
        "/static/build/chunk-GGGGGGGG.js", "/static/build/compose-DDDDDDDD.js",
        "/static/build/htmx-EEEEEEEE.js", "/static/build/outbox-CCCCCCCC.js",
        "/static/icons/icon.svg"]
    assert build().version == first.version, "the version is deterministic"
    (static / "build" / "chunk-GGGGGGGG.js").write_text("/* changed */\n")
    second = build()
    assert second.version != first.version
    (static / "icons" / "icon.svg").write_text("<svg/>")
    third = build()
    assert third.version != second.version
    assert third.precache != second.precache  # the ?v= of the changed icon
    (static / "build" / "zxcvbn-FFFFFFFF.js").write_text("changed")
    (static / "js" / "app.js").write_text("changed")
    (static / "other" / "readme.txt").write_text("changed")
    assert build().version == third.version, "files outside the precache do not count"
    (static / "sw.js").write_text((static / "sw.js").read_text() + "\n// changed\n")
    assert build().version != third.version, "the worker's own code counts"


def test_version_changes_with_shell_templates_and_translations(tmp_path):
    static = _fake_static(tmp_path)
    templates = tmp_path / "templates"
    shutil.copytree(pwa.TEMPLATES, templates)
    translations = tmp_path / "translations"
    (translations / "fi" / "LC_MESSAGES").mkdir(parents=True)
    mo = translations / "fi" / "LC_MESSAGES" / "messages.mo"
    mo.write_bytes(b"one")
    shells = {"offline": "/offline"}

    def version():
        return pwa.build_worker(static, templates, translations, "/static", shells).version

    first = version()
    (templates / "base.html").write_text((templates / "base.html").read_text() + "\n")
    second = version()
    assert second != first, "base.html is part of every shell"
    mo.write_bytes(b"two")
    assert version() != second, "a compiled translation changes the shells"


def test_worker_is_computed_once_per_process(client, tmp_path, monkeypatch):
    static = _fake_static(tmp_path)
    monkeypatch.setattr(pwa, "STATIC", static)
    try:
        first, precache, _shells = worker_values(client.get("/sw.js").get_data(as_text=True))
        assert len(precache) == 7
        (static / "build" / "app-BBBBBBBB.js").write_text("/* deployed */\n")
        assert worker_values(client.get("/sw.js").get_data(as_text=True))[0] == first
        pwa._cached_worker.cache_clear()  # a new process (a deploy)
        second = worker_values(client.get("/sw.js").get_data(as_text=True))[0]
        assert second != first
        # A new build (`node scripts/build.mjs --watch` while the server runs) rewrites the
        # manifest: the worker follows without a restart.
        (static / "build" / "chunk-GGGGGGGG.js").write_text("/* rebuilt */\n")
        manifest = static / "build" / "manifest.json"
        manifest.write_text(manifest.read_text() + "\n")
        os.utime(manifest, ns=(manifest.stat().st_atime_ns, manifest.stat().st_mtime_ns + 10**9))
        assert worker_values(client.get("/sw.js").get_data(as_text=True))[0] != second
    finally:
        pwa._cached_worker.cache_clear()


def test_worker_imports_the_built_outbox_module(client):
    """The module worker imports the built outbox by its precache URL (a content-hashed
    name): a deploy that changes the outbox changes the worker script, so the browser
    installs the new one."""
    script = client.get("/sw.js").get_data(as_text=True)
    _version, precache, _shells = worker_values(script)
    outbox = "/static/" + assets.build_manifest()["files"]["js/outbox.js"]
    assert re.fullmatch(r"/static/build/outbox-[A-Z2-7]{8}\.js", outbox)
    assert outbox in precache
    line = f"import {{ SYNC_TAG, sendInBackground }} from {json.dumps(outbox)};"
    assert line in script.splitlines(), "the worker imports the built outbox module"
    exports = re.search(r"export\s*\{([^}]*)\}\s*;?\s*$",
                        (pwa.STATIC / outbox.removeprefix("/static/")).read_text())
    assert exports and {"SYNC_TAG", "sendInBackground"} <= {
        part.split(" as ")[-1].strip() for part in exports.group(1).split(",")}


def test_worker_template_needs_the_outbox_module(tmp_path):
    static = _fake_static(tmp_path, drop=("js/outbox.js",))
    with pytest.raises(RuntimeError, match="outbox.js is not among the precached files"):
        pwa.build_worker(static, pwa.TEMPLATES, tmp_path, "/static", {})


def test_worker_needs_the_build(tmp_path):
    static = _fake_static(tmp_path)
    (static / "build" / "manifest.json").unlink()
    with pytest.raises(assets.BuildMissing, match="run `make setup`"):
        pwa.build_worker(static, pwa.TEMPLATES, tmp_path, "/static", {})


def test_worker_template_needs_its_placeholders(tmp_path):
    static = _fake_static(tmp_path)
    (static / "sw.js").write_text("const VERSION = 'dev';\n")
    with pytest.raises(RuntimeError, match="@version"):
        pwa.build_worker(static, pwa.TEMPLATES, tmp_path, "/static", {})


# -- offline page ---------------------------------------------------------------------------

@pytest.mark.parametrize(("accept_language", "lang"), [("fi", "fi"), ("sv", "sv"), ("en", "en")])
def test_offline_page(client, accept_language, lang):
    response = client.get("/offline", headers={"Accept-Language": accept_language})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert "data-js-offline" in html and "data-offline-retry" in html
    assert 'href="/journal/new"' in html
    # No language form: this anonymous copy could not carry the CSRF token it needs.
    assert "language-form" not in html and 'name="csrf_token"' not in html
    assert "language-form" in client.get("/login").get_data(as_text=True)


def test_offline_page_translated(client):
    html = client.get("/offline", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert "Ei yhteyttä" in html


def test_offline_page_holds_nothing_personal(proto):
    person = proto.register(locale="sv", display_name="Anna Testperson")
    html = person.client.get("/offline", headers={"Accept-Language": "fi"}).get_data(
        as_text=True)
    assert '<html lang="sv">' in html, "in the person's language"
    for needle in (person.uid, person.email, "Anna Testperson", person.csrf,
                   'name="valitila-user"', "data-js-idle-lock", "data-js-logout"):
        assert needle not in html, needle
    assert re.search(r'<meta name="csrf-token" content="">', html)


# -- icons and head tags --------------------------------------------------------------------

@pytest.mark.parametrize(("name", "size"), [
    ("icon-192.png", 192), ("icon-512.png", 512),
    ("icon-maskable-192.png", 192), ("icon-maskable-512.png", 512),
    ("apple-touch-icon.png", 180),
])
def test_icons(name, size):
    path = ICONS / name
    assert png_size(path) == (size, size)
    assert path.stat().st_size < 40_000


def test_head_links_the_manifest_and_icons(client):
    html = client.get("/login").get_data(as_text=True)
    head = html.split("</head>")[0]
    assert '<link rel="manifest" href="/manifest.webmanifest" crossorigin="use-credentials">' \
        in head
    assert re.search(r'<link rel="apple-touch-icon" href="/static/icons/apple-touch-icon.png'
                     r'\?v=[0-9a-f]{12}">', head)
    for name, content in (("mobile-web-app-capable", "yes"),
                          ("apple-mobile-web-app-capable", "yes"),
                          ("apple-mobile-web-app-status-bar-style", "default"),
                          ("apple-mobile-web-app-title", "Välitila")):
        assert f'<meta name="{name}" content="{content}">' in head
    footer = html.split('<footer class="site-footer">')[1]
    # The worker on every page; "Install the app" only in Settings (tests/test_pages_views.py).
    assert "data-js-pwa" in footer and "data-pwa-install" not in footer


# -- the worker's background fetches leave the session alone ---------------------------------

def test_shell_fetch_never_writes_the_session_cookie(app):
    """A shell fetched in the background may answer after a sign-in or sign-out made
    meanwhile: its (older or anonymous) session must not overwrite the cookie."""
    shell = {"X-Valitila-Shell": "1"}
    assert "Set-Cookie" in app.test_client().get("/login").headers, \
        "the check is empty: rendering the sign-in page starts a session"
    for path in ("/login", "/offline", "/journal/new"):
        response = app.test_client().get(path, headers=shell)
        assert "Set-Cookie" not in response.headers, path


def test_shell_fetch_of_the_compose_page(proto):
    person = proto.register()
    response = person.client.get("/journal/new", headers={"X-Valitila-Shell": "1"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "data-js-compose" in html and "data-sealed" not in html
    assert f'<meta name="valitila-user" content="{person.uid}">' in html
    assert "Set-Cookie" not in response.headers
