"""The installable app: the web app manifest, the service worker (served from the root so that
its scope is the whole app) and the offline page it falls back to.

The worker script is webapp/static/sw.js with five values filled in: the precache list, the
page shells it keeps (/offline, the compose page and the local journal), the built outbox
module it imports (a module worker, for Background Sync), the built files it leaves to the HTTP
cache, and a VERSION hashed from everything those caches hold.

The precache is exactly what the pages load: the front-end build's list (webapp/static/build/
manifest.json, written by scripts/build.mjs: every built file a page can load, by its
content-hashed URL /static/build/<name>-<HASH>.js, less zxcvbn's dictionaries) and the icons as
/static/icons/<file>?v=<hash>, the URLs asset_url() gives the pages. So a first visit downloads
each file once: the worker finds in the HTTP cache what the page has just loaded.

Any deploy that changes a precached file, the worker template, a shell's template or a compiled
translation installs a new worker with new caches. The list and the hash are computed once per
build (per process, and again when the build rewrites its manifest). Nothing in the script
depends on the person asking for it.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from jinja2 import meta

from .assets import asset_url, build_manifest, manifest_mtime
from .extensions import login_manager
from .guards import login_required
from .security import own_cache_control

bp = Blueprint("pwa", __name__)

PACKAGE = Path(__file__).resolve().parent
STATIC = PACKAGE / "static"
TEMPLATES = PACKAGE / "templates"
TRANSLATIONS = PACKAGE / "translations"
WORKER_TEMPLATE = "sw.js"  # relative to STATIC
WORKER_IMPORT = "js/outbox.js"  # the module the worker imports (Background Sync)

# Precached: the build's list (the app's CSS and JS, htmx, Argon2: manifest.json "precache")
# and these folders' files, which are served as they are (with ?v=).
PRECACHE_DIRS = ("icons",)
# Not precached (manifest.json "lazy"): zxcvbn (about 1 MB of dictionaries) is only imported by
# the sign-up and change-password pages, which cannot work offline anyway (they talk to the
# server). It is left to the HTTP cache; precaching it would multiply every install and update
# by five.
# Templates whose rendering the worker keeps (their includes and parents are found by Jinja).
SHELL_TEMPLATES = ("pwa/offline.html", "journal/compose.html", "journal/local.html")

THEME_COLOR = "#24564f"       # the header green (base.html's light theme-color)
BACKGROUND_COLOR = "#f6f3ee"  # the light page background of app.css


@dataclass(frozen=True)
class Worker:
    version: str
    precache: tuple[str, ...]   # the URLs the pages load: /static/build/… and /static/icons/…?v=
    precache_bytes: int
    script: str


def precache_files(static: Path) -> list[str]:
    """Paths (relative to `static`, POSIX) of every file the worker precaches, sorted."""
    files = list(build_manifest(static)["precache"])
    for folder in PRECACHE_DIRS:
        for path in sorted((static / folder).rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                files.append(path.relative_to(static).as_posix())
    return sorted(files)


def static_url_of(rel: str, static_url: str, data: bytes) -> str:
    """The URL asset_url() gives the file at `rel`: a built (content-hashed) file as it is,
    any other with ?v=<hash of its content>."""
    if rel.startswith("build/"):
        return f"{static_url}/{rel}"
    return f"{static_url}/{rel}?v={hashlib.sha256(data).hexdigest()[:12]}"


def shell_sources(templates: Path, names: tuple[str, ...] = SHELL_TEMPLATES) -> list[Path]:
    """The shell templates and every template they extend or include, recursively."""
    from jinja2 import Environment

    env = Environment(extensions=["jinja2.ext.i18n"])
    seen: dict[str, Path] = {}
    pending = list(names)
    while pending:
        name = pending.pop()
        path = templates / name
        if name in seen or not path.is_file():
            continue
        seen[name] = path
        tree = env.parse(path.read_text(encoding="utf-8"))
        pending.extend(ref for ref in meta.find_referenced_templates(tree) if ref)
    return [seen[name] for name in sorted(seen)]


def _fill(template: str, marker: str, value) -> str:
    """Replace `/* @marker */ <default>` (a JS literal on one line) with `value` as JSON."""
    pattern = re.compile(rf"/\* @{marker} \*/ [^;\n]*")
    filled, count = pattern.subn(lambda _m: json.dumps(value), template)
    if count != 1:
        raise RuntimeError(f"sw.js: expected one /* @{marker} */ placeholder, found {count}")
    return filled


def _outbox_url(static: Path, urls: list[str], static_url: str) -> str:
    """The precache URL of the built outbox module."""
    built = build_manifest(static)["files"].get(WORKER_IMPORT)
    url = f"{static_url}/{built}"
    if built is None or url not in urls:
        raise RuntimeError(f"sw.js: {WORKER_IMPORT} is not among the precached files")
    return url


def build_worker(static: Path, templates: Path, translations: Path, static_url: str,
                 shells: dict[str, str]) -> Worker:
    """Compute the precache list, the version hash and the worker script."""
    digest = hashlib.sha256()
    urls, total = [], 0

    def feed(label: str, data: bytes) -> None:
        digest.update(label.encode() + b"\0" + hashlib.sha256(data).digest())

    for rel in precache_files(static):
        data = (static / rel).read_bytes()
        feed(f"static/{rel}", data)
        urls.append(static_url_of(rel, static_url, data))
        total += len(data)
    lazy = [f"{static_url}/{rel}" for rel in build_manifest(static)["lazy"]]
    feed("lazy", json.dumps(lazy).encode())
    for path in shell_sources(templates):
        feed(f"templates/{path.relative_to(templates).as_posix()}", path.read_bytes())
    for path in sorted(translations.glob("*/LC_MESSAGES/*.mo")):
        feed(f"translations/{path.relative_to(translations).as_posix()}", path.read_bytes())
    source = (static / WORKER_TEMPLATE).read_text(encoding="utf-8")
    feed("sw.js", source.encode())
    feed("shells", json.dumps(shells, sort_keys=True).encode())
    version = digest.hexdigest()[:16]
    script = _fill(source, "version", version)
    script = _fill(script, "precache", urls)
    script = _fill(script, "shells", shells)
    script = _fill(script, "lazy", lazy)
    script = _fill(script, "outbox", _outbox_url(static, urls, static_url))
    return Worker(version, tuple(urls), total, script)


@lru_cache(maxsize=8)
def _cached_worker(static: Path, templates: Path, translations: Path, static_url: str,
                   shells: tuple[tuple[str, str], ...], build_mtime: int) -> Worker:
    return build_worker(static, templates, translations, static_url, dict(shells))


def shell_urls() -> dict[str, str]:
    """The pages the worker keeps: the offline page, the compose page and, where the app has
    one, the local journal (the device's sealed copy, served for journal URLs offline)."""
    shells = {"offline": url_for("pwa.offline"), "compose": url_for("journal.new")}
    if "journal.local" in current_app.view_functions:
        shells["journal"] = url_for("journal.local")
        shells["journal_index"] = url_for("journal.index")
    return shells


def current_worker() -> Worker:
    """The worker of this process (computed on first use, then kept)."""
    shells = shell_urls()
    return _cached_worker(STATIC, TEMPLATES, TRANSLATIONS, current_app.static_url_path,
                          tuple(sorted(shells.items())), manifest_mtime(STATIC))


@bp.get("/sw.js")
@own_cache_control
def service_worker():
    worker = current_worker()
    response = current_app.response_class(worker.script, mimetype="text/javascript")
    # Revalidated on every update check; the browser byte-compares it to the installed one.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


def _icon(path: str, size: str, kind: str, purpose: str = "any") -> dict[str, str]:
    return {"src": asset_url(path), "sizes": size, "type": kind, "purpose": purpose}


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest, in the visitor's language (base.html links it with credentials)."""
    icons = [
        _icon("icons/icon.svg", "any", "image/svg+xml"),
        _icon("icons/icon-192.png", "192x192", "image/png"),
        _icon("icons/icon-512.png", "512x512", "image/png"),
        _icon("icons/icon-maskable-192.png", "192x192", "image/png", "maskable"),
        _icon("icons/icon-maskable-512.png", "512x512", "image/png", "maskable"),
    ]
    data = {
        "id": "/",
        "name": "Välitila",
        "short_name": "Välitila",
        "description": _("Reflections and interim assignments between supervision sessions, "
                         "encrypted on your device."),
        "lang": str(get_locale()),
        "dir": "ltr",
        "start_url": url_for("journal.index", source="pwa"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "categories": ["productivity", "education"],
        "icons": icons,
        "shortcuts": [{
            "name": _("New reflection"),
            "url": url_for("journal.new"),
            "icons": [_icon("icons/icon-192.png", "192x192", "image/png")],
        }],
    }
    body = json.dumps(data, ensure_ascii=False, indent=1)
    return current_app.response_class(body, mimetype="application/manifest+json")


@bp.get("/offline")
def offline():
    """The page the worker shows when a page cannot be loaded. It is rendered as for a
    signed-out visitor (in the visitor's language), so the copy the worker keeps carries
    nothing of the person: no account id, no CSRF token, no navigation."""
    return render_template("pwa/offline.html", current_user=login_manager.anonymous_user(),
                           csrf_token=lambda: "")


@bp.get("/unsent")
@login_required
def unsent():
    """Changes this device wrote that the server refused for good (the process ended, the
    evaluation was accepted meanwhile...): the page holds no user data; its behaviour opens
    them from the device's outbox, to copy the text out, try again or remove them."""
    return render_template("pwa/unsent.html")
