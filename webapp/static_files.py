"""Static files served by the app itself, fast and compressed, with or without a proxy in front.

WhiteNoise answers /static/... before Flask sees the request:
- the content-hashed files of the front-end build (static/build/<name>-<HASH>.<ext>, see
  scripts/build.mjs) are cached for a year as immutable: their name changes with their bytes;
- every other file (build/manifest.json, icons, the source modules, vendor/) is `no-cache`:
  the browser keeps it but asks again (ETag/Last-Modified, 304 when unchanged), because its
  `?v=` query is not checked here and the same URL may carry new bytes;
- a precompressed sibling (<file>.br, <file>.gz) is sent as it is when the browser accepts
  that encoding (Brotli first), with `Vary: Accept-Encoding`;
- every file carries nosniff, no-referrer, same-origin resource policy, and the app's CSP: a
  dedicated or module worker (the key-derivation worker and its Argon2 WebAssembly) runs under
  the CSP of its own script's response, and an SVG opened on its own runs no script.

Both WhiteNoise and Flask-Compress read `br;q=0` as "br is fine": RefusedEncodings takes the
refused codings out of Accept-Encoding first, so neither sends what the client refused.

A path WhiteNoise does not know falls through to Flask, whose static route answers a missing
file with the app's own 404 page. The development server (`flask run`, `make run`) and
STATIC_AUTOREFRESH=1 look at the disk on every request, so rebuilt files are picked up; a
production server indexes the folder once at start."""
from __future__ import annotations

import re

from flask import Flask
from whitenoise import WhiteNoise

from .security import CSP

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# build/<name>-<HASH>.<ext>: the hash is 8 characters of base32 (esbuild's [hash], and the
# copies scripts/build.mjs names the same way); not build/manifest.json.
HASHED_BUILD_FILE = re.compile(r"/build/[^/]+-[A-Z0-9]{8}\.[A-Za-z0-9]+$")

STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def is_immutable(prefix: str):
    """The immutable_file_test for URLs under `prefix` (the static URL path)."""
    build = prefix.rstrip("/") + "/build/"

    def test(_path: str, url: str) -> bool:
        return url.startswith(build) and bool(HASHED_BUILD_FILE.search(url))

    return test


class RefusedEncodings:
    """WSGI middleware: drops the codings a client refuses (`;q=0`) from Accept-Encoding."""

    def __init__(self, application) -> None:
        self.application = application

    def __call__(self, environ, start_response):
        value = environ.get("HTTP_ACCEPT_ENCODING")
        if value and "q=0" in value.replace(" ", ""):
            environ["HTTP_ACCEPT_ENCODING"] = without_refused(value)
        return self.application(environ, start_response)


def without_refused(value: str) -> str:
    """Accept-Encoding without its `q=0` entries (RFC 9110 §12.4.2: not acceptable)."""
    kept = []
    for part in value.split(","):
        coding, _, params = part.partition(";")
        quality = params.replace(" ", "").lower()
        if quality.startswith("q="):
            try:
                if float(quality[2:]) <= 0:
                    continue
            except ValueError:
                continue
        if coding.strip():
            kept.append(part.strip())
    return ", ".join(kept)


def init_app(app: Flask) -> None:
    if not app.static_folder or app.static_url_path is None:
        return
    immutable = is_immutable(app.static_url_path)

    def add_headers(headers, path: str, url: str) -> None:
        headers["Cache-Control"] = IMMUTABLE if immutable(path, url) else REVALIDATE
        for name, value in STATIC_HEADERS.items():
            headers[name] = value

    app.wsgi_app = RefusedEncodings(WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=app.static_folder,
        prefix=app.static_url_path,
        autorefresh=bool(app.config.get("STATIC_AUTOREFRESH")),
        max_age=None,
        allow_all_origins=False,
        immutable_file_test=immutable,
        add_headers_function=add_headers,
    ))
