"""Static asset URLs and SRI `integrity` values.

The app's JS and CSS are served from the front-end build (scripts/build.mjs, run by `make
setup`): webapp/static/build/ holds content-hashed files and manifest.json, which maps each
logical source path ('js/app.js', 'css/app.css', 'vendor/htmx.min.js', …) to its built file,
lists the files the service worker precaches, and per data-js-* hook the files its behaviour
needs (which webapp/preload.py has the browser fetch with the page). asset_url() of such a
path is the built file's plain URL (/static/build/app-<HASH>.js: the name changes with the
content). Files that are not built (the icons) keep /static/<path>?v=<content hash>.
"""
from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import Flask, url_for

STATIC = Path(__file__).resolve().parent / "static"
SOURCE_DIRS = ("js", "css")  # what scripts/build.mjs builds from (besides vendor/)


class BuildMissing(RuntimeError):
    """The front-end build (webapp/static/build/manifest.json) is absent or unreadable."""


@lru_cache(maxsize=256)
def _digest(path: str, mtime: float) -> tuple[str, str]:
    data = (STATIC / path).read_bytes()
    sha = hashlib.sha384(data).digest()
    return hashlib.sha256(data).hexdigest()[:12], "sha384-" + base64.b64encode(sha).decode()


# Production serves one build for the life of the process (a deploy restarts it), so the
# manifest and the icons' hashes are read once; under tests and `flask run` they are checked
# for changes on every use (set by init_app). Saves a stat() per asset on every page.
_live = {"reload": True}


@lru_cache(maxsize=256)
def _digest_once(path: str) -> tuple[str, str]:
    return _digest(path, (STATIC / path).stat().st_mtime)


def _stat(path: str) -> tuple[str, str]:
    if not _live["reload"]:
        return _digest_once(path)
    file = STATIC / path
    return _digest(path, file.stat().st_mtime)


FIX = "run `make setup` (or `node scripts/build.mjs`)"


@lru_cache(maxsize=8)
def _read_manifest(static: Path, mtime_ns: int) -> dict:
    path = static / "build" / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in ("files", "integrity", "precache", "lazy"):
        if key not in data:
            raise BuildMissing(f"{path} has no {key!r}: {FIX}")
    # What pages preload (webapp/preload.py); a manifest without the lists preloads nothing.
    data.setdefault("imports", {})
    data.setdefault("behaviors", {})
    preloads = {path for paths in (*data["imports"].values(), *data["behaviors"].values())
                for path in paths}
    for built in {*data["files"].values(), *data["precache"], *data["lazy"], *preloads}:
        if not (static / built).is_file():
            raise BuildMissing(f"{path} names {built}, which is missing: {FIX}")
    return data


def manifest_mtime(static: Path | None = None) -> int:
    """When the build last rewrote <static>/build/manifest.json (ns); BuildMissing if absent."""
    static = static or STATIC
    try:
        return (static / "build" / "manifest.json").stat().st_mtime_ns
    except FileNotFoundError:
        raise BuildMissing(f"the front-end build is missing ({static / 'build' / 'manifest.json'} "
                           f"not found): {FIX}") from None


def build_manifest(static: Path | None = None) -> dict:
    """<static>/build/manifest.json (default: webapp/static's), read again only when the build
    has rewritten it."""
    if static is None and not _live["reload"] and "manifest" in _live:
        return _live["manifest"]
    static = static or STATIC
    mtime = manifest_mtime(static)
    try:
        return _read_manifest(static, mtime)
    except (OSError, ValueError) as err:
        raise BuildMissing(f"the front-end build is unreadable ({err}): {FIX}") from err


def static_path(path: str) -> str:
    """The file (relative to webapp/static) that serves the logical `path`: its built file
    when the build made one, else `path` itself."""
    return build_manifest()["files"].get(path, path)


def asset_url(path: str) -> str:
    """The URL the pages use for the logical `path`: the built, content-hashed file when there
    is one (/static/build/app-<HASH>.js), else /static/<path>?v=<hash>. Both are safe to cache
    for long."""
    built = build_manifest()["files"].get(path)
    if built is not None:
        return url_for("static", filename=built)
    return url_for("static", filename=path, v=_stat(path)[0])


def asset_integrity(path: str) -> str:
    """The SRI value (sha384-…) of the file asset_url(path) names."""
    manifest = build_manifest()
    if path in manifest["integrity"]:
        return manifest["integrity"][path]
    return _stat(manifest["files"].get(path, path))[1]


def stale_source(static: Path | None = None) -> str | None:
    """A source under js/ or css/ changed after the last build (its path), else None. The
    build touches its manifest every time it runs, even when nothing needed rewriting."""
    static = static or STATIC
    built = manifest_mtime(static)
    for folder in SOURCE_DIRS:
        for path in sorted((static / folder).rglob("*")):
            if path.is_file() and path.stat().st_mtime_ns > built:
                return path.relative_to(static).as_posix()
    return None


def init_app(app: Flask) -> None:
    # Read from disk at every startup (not what an app made earlier in this process kept).
    _live.pop("manifest", None)
    _live["reload"] = bool(app.testing or app.debug or app.config.get("STATIC_AUTOREFRESH"))
    manifest = build_manifest()  # fail at startup, with the fix, when the build is missing
    if not _live["reload"]:
        _live["manifest"] = manifest
    if app.testing or app.debug:
        # Tests must run against the current source, and so should a developer's server.
        stale = stale_source()
        if stale:
            message = (f"the front-end build is older than webapp/static/{stale}: {FIX}; "
                       "`node scripts/build.mjs --watch` rebuilds on every change")
            if app.testing:
                raise BuildMissing(message)
            app.logger.warning(message)
    app.jinja_env.globals.update(asset_url=asset_url, asset_integrity=asset_integrity)
