"""The front-end build (scripts/build.mjs) and how the app uses it: pages name the built,
content-hashed files; the service worker precaches exactly what the pages can load; the
build is deterministic, names files after their content and precompresses them."""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from webapp import assets, create_app
from webapp.config import TestConfig

ROOT = Path(__file__).resolve().parents[1]
BUILD_SCRIPT = ROOT / "scripts" / "build.mjs"
STATIC = assets.STATIC
ANONYMOUS_PAGES = ("/", "/login", "/signup", "/recover", "/offline", "/tietosuoja",
                   "/saavutettavuus")
SIGNED_IN_PAGES = ("/journal/", "/journal/new", "/journal/local", "/unlock", "/account/",
                   "/account/recovery-key")
# A relative module specifier or worker URL in a built file: "./<name>-<HASH>.js".
BUILT_REF = re.compile(r"""["'`]\./([A-Za-z0-9_.-]+\.js)["'`]""")


class StaticRefs(HTMLParser):
    """Every /static/ URL a page names in src= or href=."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value and value.startswith("/static/"):
                self.urls.add(value)


def static_refs(html: str) -> set[str]:
    parser = StaticRefs()
    parser.feed(html)
    return parser.urls


def worker_list(script: str, name: str) -> list[str]:
    return json.loads(re.search(rf"^const {name} = (.*);$", script, re.M).group(1))


def reachable(built_dir: Path, names: set[str]) -> set[str]:
    """The built files `names` and every built file they import or start (transitively)."""
    seen: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if name.endswith(".js"):
            refs = BUILT_REF.findall((built_dir / name).read_text(encoding="utf-8"))
            for ref in refs:
                assert (built_dir / ref).is_file(), f"{name} refers to ./{ref}, which is missing"
            pending.extend(refs)
    return seen


def run_build(static: Path, outdir: Path | None = None) -> dict:
    args = ["node", str(BUILD_SCRIPT), "--static", str(static), "--quiet"]
    if outdir is not None:
        args += ["--outdir", str(outdir)]
    subprocess.run(args, check=True, cwd=ROOT, timeout=120)
    return json.loads(((outdir or static / "build") / "manifest.json").read_text())


# -- asset_url / asset_integrity ------------------------------------------------------------

def test_pages_name_the_built_files(app, client):
    manifest = assets.build_manifest()
    html = client.get("/login").get_data(as_text=True)
    refs = static_refs(html)
    for logical in ("js/app.js", "css/app.css", "vendor/htmx.min.js"):
        url = f"/static/{manifest['files'][logical]}"
        assert re.fullmatch(r"/static/build/[a-z-]+-[A-Z2-7]{8}\.(js|css)", url), url
        assert url in refs, f"{logical}: the page does not load {url}"
        with app.test_request_context():
            assert assets.asset_url(logical) == url, "hashed files need no ?v="
            integrity = assets.asset_integrity(logical)
        body = client.get(url).get_data()
        digest = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
        assert integrity == digest == manifest["integrity"][logical]
        assert f'integrity="{integrity}"' in html
    with app.test_request_context():
        icon = assets.asset_url("icons/icon.svg")
    assert re.fullmatch(r"/static/icons/icon\.svg\?v=[0-9a-f]{12}", icon), "not built: ?v="
    assert not any(url.startswith(("/static/js/", "/static/css/", "/static/vendor/"))
                   for url in refs), "a page loads a source file"


def test_startup_fails_clearly_without_the_build(tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "STATIC", tmp_path)
    with pytest.raises(assets.BuildMissing, match=r"build is missing .*run `make setup`"):
        create_app(TestConfig)
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "manifest.json").write_text(json.dumps(
        {"files": {"js/app.js": "build/app-AAAAAAAA.js"}, "integrity": {}, "precache": [],
         "lazy": []}))
    with pytest.raises(assets.BuildMissing, match=r"names build/app-AAAAAAAA\.js, which is "
                                                  r"missing: run `make setup`"):
        create_app(TestConfig)


def test_tests_refuse_a_build_older_than_the_source(tmp_path, monkeypatch):
    """Tests run against the built files, so those must be built from the current source."""
    monkeypatch.setattr(assets, "STATIC", tmp_path)
    (tmp_path / "build").mkdir()
    manifest = tmp_path / "build" / "manifest.json"
    manifest.write_text(json.dumps({"files": {}, "integrity": {}, "precache": [], "lazy": []}))
    source = tmp_path / "js" / "behaviors" / "common" / "x.js"
    source.parent.mkdir(parents=True)
    source.write_text("export default () => {};\n")
    built_at = manifest.stat().st_mtime_ns
    os.utime(source, ns=(built_at + 10**9, built_at + 10**9))
    with pytest.raises(assets.BuildMissing, match=r"older than webapp/static/js/behaviors/"
                                                  r"common/x\.js: run `make setup`"):
        create_app(TestConfig)
    os.utime(manifest, ns=(built_at + 2 * 10**9, built_at + 2 * 10**9))  # built again
    assert assets.stale_source() is None
    create_app(TestConfig)


# -- the precache is what the pages load ----------------------------------------------------

def test_precache_equals_what_the_pages_can_load(client, proto):
    """Parse every page (signed out and in): the /static/ URLs they name and the worker
    imports, and every built file those import or start (behaviours, shared chunks, the kdf
    worker, Argon2), are exactly the worker's precache plus the lazy zxcvbn chunk; the same
    strings, so nothing downloads twice."""
    script = client.get("/sw.js").get_data(as_text=True)
    precache, lazy = worker_list(script, "PRECACHE"), worker_list(script, "LAZY")
    person = proto.register()
    named: set[str] = set()
    for path in ANONYMOUS_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        named |= static_refs(response.get_data(as_text=True))
    for path in SIGNED_IN_PAGES:
        response = person.client.get(path)
        assert response.status_code == 200, path
        named |= static_refs(response.get_data(as_text=True))
    webmanifest = client.get("/manifest.webmanifest").json
    named |= {icon["src"] for icon in webmanifest["icons"]}
    named |= {icon["src"] for shortcut in webmanifest["shortcuts"] for icon in shortcut["icons"]}
    # The worker itself imports the outbox module (Background Sync, no page open).
    named |= set(re.findall(r'^import \{[^}]*\} from "(/static/[^"]+)";$', script, re.M))

    built_named = {url.removeprefix("/static/build/") for url in named
                   if url.startswith("/static/build/")}
    loadable = {f"/static/build/{name}" for name in reachable(STATIC / "build", built_named)}
    everything = loadable | {url for url in named if not url.startswith("/static/build/")}
    assert set(precache) | set(lazy) == everything
    assert not set(precache) & set(lazy)
    assert len(lazy) == 1 and re.fullmatch(r"/static/build/zxcvbn-[A-Z2-7]{8}\.js", lazy[0])
    manifest = assets.build_manifest()
    for logical in ("vendor/argon2.mjs", "js/kdf-worker.js", "js/outbox.js",
                    "js/behaviors/journal/compose.js", "js/behaviors/auth/unlock.js"):
        assert f"/static/{manifest['files'][logical]}" in precache, logical


# -- the build itself -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def source_tree(tmp_path_factory) -> Path:
    """A copy of the static sources (js, css, vendor), built once into <copy>/build."""
    static = tmp_path_factory.mktemp("static")
    for folder in ("js", "css", "vendor"):
        shutil.copytree(STATIC / folder, static / folder)
    run_build(static)
    return static


def snapshot(build: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(build.iterdir())}


def test_build_is_deterministic_and_rewrites_nothing_unchanged(source_tree):
    build = source_tree / "build"
    before = snapshot(build)
    run_build(source_tree)
    after = snapshot(build)
    assert {name: data for name, (_t, data) in after.items()} == \
        {name: data for name, (_t, data) in before.items()}
    # Only the manifest's time moves: it records when the build last ran.
    assert {name: t for name, (t, _d) in after.items() if name != "manifest.json"} == \
        {name: t for name, (t, _d) in before.items() if name != "manifest.json"}, \
        "a second build rewrote files"
    assert after["manifest.json"][0] >= before["manifest.json"][0]
    # Another directory, the same names and bytes: the app's own build (`make setup`) of the
    # same sources.
    ours = STATIC / "build"
    assert (build / "manifest.json").read_bytes() == (ours / "manifest.json").read_bytes()
    for name, (_mtime, data) in before.items():
        assert (ours / name).read_bytes() == data, name


def test_outputs_are_hashed_precompressed_and_complete(source_tree):
    build = source_tree / "build"
    manifest = json.loads((build / "manifest.json").read_text())
    outputs = sorted(p.name for p in build.iterdir()
                     if p.suffix in (".js", ".css"))
    for name in outputs:
        assert re.fullmatch(r"[a-z0-9-]+-[A-Z2-7]{8}\.(js|css)", name), name
        data = (build / name).read_bytes()
        assert gzip.decompress((build / f"{name}.gz").read_bytes()) == data, name
        assert (build / f"{name}.br").is_file(), name
        assert len((build / f"{name}.br").read_bytes()) < len(data) or len(data) < 200, name
    assert sorted(f"build/{name}" for name in outputs) == \
        sorted(manifest["precache"] + manifest["lazy"])
    assert set(manifest["integrity"]) == {"js/app.js", "js/prefetch.js", "css/app.css",
                                          "js/outbox.js", "js/kdf-worker.js",
                                          "vendor/htmx.min.js"}
    for logical, integrity in manifest["integrity"].items():
        data = (source_tree / manifest["files"][logical]).read_bytes()
        assert integrity == "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
    htmx = (source_tree / "vendor" / "htmx.min.js").read_bytes()
    assert (source_tree / manifest["files"]["vendor/htmx.min.js"]).read_bytes() == htmx
    # Argon2 is one file, imported lazily by both the worker and the main-thread fallback.
    argon2 = manifest["files"]["vendor/argon2.mjs"].removeprefix("build/")
    worker = (source_tree / manifest["files"]["js/kdf-worker.js"]).read_text()
    assert f'import("./{argon2}")' in worker
    users = [p.name for p in build.glob("*.js") if f'"./{argon2}"' in p.read_text()]
    assert len(users) == 2, users
    app_js = (source_tree / manifest["files"]["js/app.js"]).read_text()
    assert "argon2" not in app_js and "zxcvbn" not in app_js


def brotli_decompress(data: bytes) -> bytes:
    out = subprocess.run(["node", "-e", "process.stdout.write(require('zlib')"
                          ".brotliDecompressSync(require('fs').readFileSync(0)))"],
                         input=data, capture_output=True, check=True, timeout=60)
    return out.stdout


def test_brotli_siblings_decompress(source_tree):
    manifest = json.loads((source_tree / "build" / "manifest.json").read_text())
    for logical in ("js/app.js", "css/app.css"):
        path = source_tree / manifest["files"][logical]
        assert brotli_decompress(Path(f"{path}.br").read_bytes()) == path.read_bytes()


def test_names_change_with_content(source_tree):
    build = source_tree / "build"
    first = run_build(source_tree)
    behaviour = source_tree / "js" / "behaviors" / "common" / "localtime.js"
    original = behaviour.read_text()
    css = source_tree / "css" / "app.css"
    kdf = source_tree / "js" / "crypto" / "kdf.js"
    try:
        behaviour.write_text(original + "\nconsole.debug('localtime changed');\n")
        second = run_build(source_tree)
        changed = {key for key in first["files"] if first["files"][key] != second["files"][key]}
        assert "js/behaviors/common/localtime.js" in changed
        assert "js/app.js" in changed, "app.js names the behaviour's new file"
        assert not changed & {"css/app.css", "js/behaviors/journal/compose.js",
                              "vendor/argon2.mjs", "vendor/zxcvbn.mjs", "vendor/htmx.min.js",
                              "js/kdf-worker.js"}, changed
        old = first["files"]["js/behaviors/common/localtime.js"].removeprefix("build/")
        assert not (build / old).exists() and not (build / f"{old}.gz").exists(), \
            "stale outputs are removed"
        new = second["files"]["js/behaviors/common/localtime.js"]
        assert "localtime changed" in (source_tree / new).read_text()
        assert (source_tree / f"{new}.br").is_file()

        css.write_text(css.read_text() + "\n.build-probe { color: red; }\n")
        third = run_build(source_tree)
        assert third["files"]["css/app.css"] != second["files"]["css/app.css"]
        assert third["files"]["js/app.js"] == second["files"]["js/app.js"]

        # The kdf worker's name is defined into the module that starts it.
        kdf.write_text(kdf.read_text() + "\nconsole.debug('kdf changed');\n")
        fourth = run_build(source_tree)
        worker = fourth["files"]["js/kdf-worker.js"]
        assert worker != third["files"]["js/kdf-worker.js"]
        starts = [p.name for p in build.glob("*.js")
                  if f'new URL("./{worker.removeprefix("build/")}",import.meta.url)'
                  in p.read_text()]
        assert len(starts) == 1, starts
    finally:
        behaviour.write_text(original)
        for path in (css, kdf):
            shutil.copy(STATIC / path.relative_to(source_tree), path)
