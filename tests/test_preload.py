"""Module preloads (webapp/preload.py, scripts/build.mjs): the build lists per data-js-* hook
the built files its behaviour needs before it can run (its chunk and every chunk that imports
statically, transitively), and every page names exactly those of its own hooks in
<link rel="modulepreload"> in its <head>, so that the browser fetches them with the page
instead of one import after another once app.js has run. What loads on demand (Argon2, its
worker, zxcvbn) is never preloaded."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from webapp import assets, preload

BUILD = assets.STATIC / "build"
REGISTRY = assets.STATIC / "js" / "behaviors" / "index.js"
# A static import in esbuild's minified ESM output: `import"./x.js"`,
# `import{a as b}from"./x.js"`, `import*as c from"./x.js"`; never `import("./x.js")`.
STATIC_IMPORT = re.compile(
    r"""\bimport\s*(?:[\w*{$][^;()"']*?from\s*)?["']\./([A-Za-z0-9_.-]+\.js)["']""")
DYNAMIC_IMPORT = re.compile(r"""\bimport\(\s*["']\./([A-Za-z0-9_.-]+\.js)["']\s*\)""")
ON_DEMAND = ("vendor/argon2.mjs", "js/kdf-worker.js", "vendor/zxcvbn.mjs")


def registry() -> dict[str, str]:
    """behaviors/index.js: hook → its module (relative to the static folder)."""
    source = re.sub(r"/\*.*?\*/|^[ \t]*//[^\n]*", "", REGISTRY.read_text(encoding="utf-8"),
                    flags=re.S | re.M)
    entries = re.findall(r"""^\s*'?([a-z][a-z-]*)'?:\s*\(\)\s*=>\s*import\('\./([^']+)'\),?$""",
                         source, re.M)
    assert len(entries) == source.count("import("), "an entry of another form"
    return {hook: f"js/behaviors/{path}" for hook, path in entries}


def static_closure(name: str) -> set[str]:
    """The built file `name` and what it imports statically, read from the built files."""
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        pending.extend(STATIC_IMPORT.findall((BUILD / current).read_text(encoding="utf-8")))
    return seen


def bare(path: str) -> str:
    return path.removeprefix("build/")


class PageParts(HTMLParser):
    """The hooks a page carries (data-js-* attributes anywhere) and its modulepreload links
    (with whether they are in <head>)."""

    def __init__(self) -> None:
        super().__init__()
        self.hooks: set[str] = set()
        self.preloads: list[str] = []
        self.in_head = False
        self.outside_head: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "head":
            self.in_head = True
        for name, _value in attrs:
            if name.startswith("data-js-"):
                self.hooks.add(name.removeprefix("data-js-"))
        values = dict(attrs)
        if tag == "link" and values.get("rel") == "modulepreload":
            (self.preloads if self.in_head else self.outside_head).append(values["href"])

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False


def page_parts(html: str) -> PageParts:
    parts = PageParts()
    parts.feed(html)
    return parts


# -- the manifest ---------------------------------------------------------------------------

def test_manifest_lists_each_behaviours_chunks():
    manifest = assets.build_manifest()
    files = manifest["files"]
    hooks = registry()
    assert set(manifest["behaviors"]) == set(hooks), "one entry per hook of the registry"
    app = bare(files["js/app.js"])
    app_imports = static_closure(app) - {app}
    assert {bare(p) for p in manifest["imports"]["js/app.js"]} == app_imports
    # app.js names each behaviour's chunk in an import() of its own.
    assert set(DYNAMIC_IMPORT.findall((BUILD / app).read_text())) >= \
        {bare(files[module]) for module in hooks.values()}
    on_demand = {bare(files[logical]) for logical in ON_DEMAND}
    for hook, module in hooks.items():
        listed = [bare(p) for p in manifest["behaviors"][hook]]
        assert listed[0] == bare(files[module]), f"{hook}: its own chunk first"
        assert len(listed) == len(set(listed)), hook
        # Everything its chunk needs before it runs, nothing app.js itself brings.
        assert set(listed) == static_closure(listed[0]) - app_imports, hook
        assert not set(listed) & on_demand, f"{hook} would preload {set(listed) & on_demand}"
        for name in listed:
            assert (BUILD / name).is_file(), name
    # The sealed cards' chunk really does import others: the check above is not vacuous.
    assert len(manifest["behaviors"]["sealed"]) > 3


def test_startup_refuses_a_preload_list_naming_a_missing_file(tmp_path, monkeypatch):
    import json

    from webapp import create_app
    from webapp.config import TestConfig

    monkeypatch.setattr(assets, "STATIC", tmp_path)
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "manifest.json").write_text(json.dumps(
        {"files": {}, "integrity": {}, "precache": [], "lazy": [], "imports": {"js/app.js": []},
         "behaviors": {"sealed": ["build/sealed-AAAAAAAA.js"]}}))
    with pytest.raises(assets.BuildMissing, match=r"names build/sealed-AAAAAAAA\.js, which is "
                                                  r"missing"):
        create_app(TestConfig)


# -- the pages ------------------------------------------------------------------------------

def expected_preloads(hooks: set[str]) -> set[str]:
    manifest = assets.build_manifest()
    paths = set(manifest["imports"]["js/app.js"])
    for hook in hooks:
        paths |= set(manifest["behaviors"].get(hook, ()))
    return {f"/static/{path}" for path in paths}


def check_page(client, html: str) -> PageParts:
    parts = page_parts(html)
    assert parts.hooks, "a page without hooks: the check would be empty"
    assert not parts.outside_head, "modulepreload links belong in <head>"
    assert len(parts.preloads) == len(set(parts.preloads)), "a file preloaded twice"
    assert set(parts.preloads) == expected_preloads(parts.hooks)
    for url in parts.preloads:
        assert client.get(url).status_code == 200, url
    return parts


@pytest.mark.parametrize("path", ["/", "/login", "/signup", "/recover", "/offline"])
def test_signed_out_pages_preload_their_hooks(client, path):
    response = client.get(path)
    assert response.status_code == 200
    check_page(client, response.get_data(as_text=True))


def test_signed_in_pages_preload_their_hooks(proto):
    person = proto.register()
    person.write(title="Otsikko", body="Teksti")
    seen: set[str] = set()
    for path in ("/journal/", "/journal/new", "/journal/local", "/unlock", "/account/",
                 "/account/recovery-key"):
        response = person.client.get(path)
        assert response.status_code == 200, path
        seen |= check_page(person.client, response.get_data(as_text=True)).hooks
    journal = page_parts(person.client.get("/journal/").get_data(as_text=True))
    sealed = assets.build_manifest()["behaviors"]["sealed"]
    assert "sealed" in journal.hooks
    assert {f"/static/{path}" for path in sealed} <= set(journal.preloads)
    # In the order app.js attaches the hooks: app.js's own imports, then the cards' files
    # (the page's content), then the other hooks' (the journal has a dozen more).
    app_imports = [f"/static/{path}" for path in assets.build_manifest()["imports"]["js/app.js"]]
    head = journal.preloads[:len(app_imports)]
    assert head == app_imports
    cards = journal.preloads[len(app_imports):len(app_imports) + len(sealed)]
    assert cards == [f"/static/{path}" for path in sealed]
    assert len(journal.preloads) > len(app_imports) + len(sealed) + 5
    # A hook a page does not carry is not preloaded there.
    login = expected_preloads({"login"}) - expected_preloads(seen)
    assert login and not login & set(journal.preloads)


def test_signed_in_pages_start_reading_the_keys_from_head(proto, client):
    """An async module in <head> (js/prefetch.js) starts the keys' IndexedDB read while the
    page is still parsed; a signed-out page, with no keys to read, does not load it."""
    manifest = assets.build_manifest()
    url = f"/static/{manifest['files']['js/prefetch.js']}"
    person = proto.register()
    html = person.client.get("/journal/").get_data(as_text=True)
    head = html[:html.index("</head>")]
    tag = re.search(rf'<script type="module" async src="{re.escape(url)}" '
                    r'integrity="([^"]+)"></script>', head)
    assert tag and tag.group(1) == manifest["integrity"]["js/prefetch.js"]
    assert person.client.get(url).status_code == 200
    assert url not in client.get("/login").get_data(as_text=True)


def test_login_preloads_no_password_code(client):
    """Preloading the login behaviour must not bring what it imports on demand: Argon2 and
    its worker load when keys are derived, zxcvbn where a new password is typed."""
    manifest = assets.build_manifest()
    parts = page_parts(client.get("/login").get_data(as_text=True))
    assert f"/static/{manifest['files']['js/behaviors/auth/login.js']}" in parts.preloads
    for logical in ON_DEMAND:
        assert f"/static/{manifest['files'][logical]}" not in parts.preloads, logical
    signup = page_parts(client.get("/signup").get_data(as_text=True))
    assert f"/static/{manifest['files']['vendor/zxcvbn.mjs']}" not in signup.preloads


def test_fragments_and_other_responses_are_left_alone(app, proto, monkeypatch):
    """A fragment htmx swaps in has no <head>: its hooks load as before (app.js)."""
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    person = proto.register()
    person.write(title="Yksi", body="Teksti")
    person.write(title="Kaksi", body="Teksti")
    page = person.client.get("/journal/").get_data(as_text=True)
    older = re.search(r'hx-get="([^"]+before=[^"]+)"', page).group(1).replace("&amp;", "&")
    fragment = person.client.get(older, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert b"data-js-sealed" in fragment.get_data(), "the check would be empty"
    assert b"modulepreload" not in fragment.get_data()
    api = person.client.get("/api/v1/items", headers={"Accept": "application/json"})
    assert api.status_code == 200 and b"modulepreload" not in api.get_data()


def test_hooks_are_read_from_the_body_only(app):
    html = (b'<html><head><meta name="x" content="data-js-login"></head>'
            b'<body data-js-signed-out><p data-js-sealed="{}">data-js-unknown-hook</p></body>')
    start = html.find(preload.HEAD_END)
    assert preload.page_hooks(html, start) == {"signed-out", "sealed", "unknown-hook"}
    with app.test_request_context("/"):
        paths = preload.preload_paths(frozenset({"sealed", "unknown-hook"}))
    manifest = assets.build_manifest()
    assert paths == list(dict.fromkeys(manifest["imports"]["js/app.js"]
                                       + manifest["behaviors"]["sealed"]))
