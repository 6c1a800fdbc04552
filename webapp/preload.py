"""Module preloads: a page names, in its <head>, every built file its behaviours need.

app.js loads one behaviour chunk per data-js-* hook on the page (behaviors/index.js), and each
chunk imports shared chunks, which import others: discovered one after another, a request
waterfall that starts only once app.js has run. Instead, after a page is rendered, the hooks
in its HTML are read (one compiled bytes regex over the body, a few tens of microseconds on a
journal page of 50 cards; pages with a cached chrome get theirs from chrome.py, which knows
the hooks of the chrome and of the content apart) and a `<link rel="modulepreload">` for
each file the build listed for those hooks (build/manifest.json "behaviors": the hook's
chunk and everything it imports statically, transitively; "imports": what app.js itself
imports) goes before </head>. The browser then fetches them all in parallel with the page,
and app.js's import() finds them ready. Only static imports are listed: what a behaviour
imports on demand (Argon2, zxcvbn) still loads only when it is needed.

Fragments (htmx swaps) have no <head> and get nothing: their hooks load as before.
"""
from __future__ import annotations

import re
from functools import lru_cache

from flask import Flask, Response, g, request, url_for
from markupsafe import escape

from .assets import build_manifest

# data-js-<hook>: the same names app.js looks for (lower case and dashes).
HOOK = re.compile(rb"data-js-([a-z][a-z-]*)")
HOOK_TEXT = re.compile(r"data-js-([a-z][a-z-]*)")
HEAD_END = b"</head>"
HEAD_END_TEXT = "</head>"


def page_hooks(html: bytes, start: int = 0) -> frozenset[str]:
    """The data-js-* hook names in `html` (from `start`)."""
    return frozenset(name.decode("ascii") for name in set(HOOK.findall(html, start)))


def text_hooks(html: str) -> frozenset[str]:
    """page_hooks of text (a page's parts, before they are encoded)."""
    return frozenset(HOOK_TEXT.findall(html))


def mark_preloaded() -> None:
    """The page this request answers has its preloads already (chrome.py puts them in from
    the hooks of its cached chrome and of its content): add_preloads leaves it alone."""
    g.valitila_preloaded = True


def preload_paths(hooks: frozenset[str] | set[str]) -> list[str]:
    """The built files (relative to the static folder) a page with `hooks` preloads, in order:
    app.js's own imports, then per hook its chunk and that chunk's imports, each file once,
    the hooks in the order app.js attaches them (the manifest's order: behaviors/index.js
    `first`, the journal's cards and the agenda builder, then the rest by name), so that the
    browser asks first for what shows the page's content. Hooks the build does not know are
    ignored (app.js ignores them too)."""
    manifest = build_manifest()
    paths = dict.fromkeys(manifest["imports"].get("js/app.js", ()))
    for hook, files in manifest["behaviors"].items():
        if hook in hooks:
            paths.update(dict.fromkeys(files))
    return list(paths)


@lru_cache(maxsize=128)
def _links(script_root: str, app_js: str, hooks: frozenset[str]) -> bytes:
    # Keyed by app.js's built name: it changes whenever any chunk it can load does.
    del script_root, app_js  # part of the key only: url_for below depends on them
    return "".join(f'<link rel="modulepreload" href="{escape(url_for("static", filename=path))}">'
                   for path in preload_paths(hooks)).encode()


def preload_links(hooks: frozenset[str]) -> bytes:
    """The <link rel="modulepreload"> tags for a page with `hooks` (in a request context)."""
    return _links(request.script_root, build_manifest()["files"]["js/app.js"], hooks)


def add_preloads(response: Response) -> Response:
    if (g.get("valitila_preloaded") or response.mimetype != "text/html"
            or response.direct_passthrough or response.is_streamed):
        return response
    body = response.get_data()
    head_end = body.find(HEAD_END)
    if head_end < 0:
        return response  # a fragment
    links = preload_links(page_hooks(body, head_end))
    if links:
        response.set_data(body[:head_end] + links + body[head_end:])
    return response


def init_app(app: Flask) -> None:
    # Registered after compression (webapp/__init__.py), so it runs before it: the tags go
    # into the page before it is compressed.
    app.after_request(add_preloads)
