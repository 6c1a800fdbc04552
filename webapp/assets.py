"""Static asset URLs with a content hash (cache busting) and an SRI `integrity` value."""
from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, url_for

STATIC = Path(__file__).resolve().parent / "static"


@lru_cache(maxsize=256)
def _digest(path: str, mtime: float) -> tuple[str, str]:
    data = (STATIC / path).read_bytes()
    sha = hashlib.sha384(data).digest()
    return hashlib.sha256(data).hexdigest()[:12], "sha384-" + base64.b64encode(sha).decode()


def _stat(path: str) -> tuple[str, str]:
    file = STATIC / path
    return _digest(path, file.stat().st_mtime)


def asset_url(path: str) -> str:
    """/static/<path>?v=<hash>: safe to cache for long."""
    return url_for("static", filename=path, v=_stat(path)[0])


def asset_integrity(path: str) -> str:
    return _stat(path)[1]


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(asset_url=asset_url, asset_integrity=asset_integrity)
