"""Static files served by the app itself (webapp/static_files.py, WhiteNoise): hashed build
files immutable, everything else revalidated, precompressed Brotli/gzip siblings chosen by
Accept-Encoding, security headers on every file, and a missing file answered by the app's own
404 page, never a 500."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import brotli
import pytest
from whitenoise import WhiteNoise

from webapp import create_app, static_files
from webapp.config import TestConfig

from .test_views import CSP

STATIC = Path(__file__).resolve().parent.parent / "webapp" / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
# Large enough to be worth compressing; the same text each time, so the compressed siblings
# below are real encodings of it.
SOURCE = ("export const greeting = 'Hei maailma';\n" * 200).encode()


@pytest.fixture(scope="module")
def fixture_static(tmp_path_factory) -> Path:
    """A static tree like the build's: a hashed file with .br and .gz siblings, an unhashed
    file in build/, a file with no siblings, and a hashed-looking name outside build/."""
    root = tmp_path_factory.mktemp("static")
    build = root / "build"
    build.mkdir()
    (build / "zz-fixture-ABCD2345.js").write_bytes(SOURCE)
    (build / "zz-fixture-ABCD2345.js.br").write_bytes(brotli.compress(SOURCE, quality=11))
    (build / "zz-fixture-ABCD2345.js.gz").write_bytes(gzip.compress(SOURCE, 9))
    (build / "zz-fixture.json").write_text('{"files": {}}\n')
    (build / "plain-abcd2345.js").write_bytes(SOURCE)         # lower case: not esbuild's hash
    (root / "icons").mkdir()
    (root / "icons" / "icon-ABCD2345.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    return root


@pytest.fixture(scope="module")
def static_app(app, fixture_static):
    """The real app (its own WhiteNoise, headers and 404 page) serving the fixture tree under
    /static/ next to its real static folder (the fixture's names are its own)."""
    own = create_app(TestConfig)
    middleware = own.wsgi_app.application
    assert isinstance(middleware, WhiteNoise), "create_app must put WhiteNoise in front of Flask"
    middleware.add_files(str(fixture_static), prefix="/static/")
    return own


@pytest.fixture
def get(static_app):
    client = static_app.test_client()

    def get(path: str, encoding: str | None = None, method: str = "GET", **headers):
        if encoding is not None:
            headers["Accept-Encoding"] = encoding
        response = client.open(path, method=method, headers=headers)
        response.get_data()
        response.close()
        return response

    return get


HASHED = "/static/build/zz-fixture-ABCD2345.js"


def test_a_hashed_build_file_is_immutable(get):
    response = get(HASHED)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.headers["Content-Type"].startswith("text/javascript")


@pytest.mark.parametrize("path", [
    "/static/build/zz-fixture.json",         # no hash in the name
    "/static/build/plain-abcd2345.js",       # not esbuild's upper-case hash
    "/static/icons/icon-ABCD2345.svg",       # not under build/
])
def test_other_files_revalidate(get, path):
    response = get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    again = get(path, **{"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Cache-Control"] == "no-cache"


def test_a_query_string_does_not_make_a_file_immutable(get):
    response = get("/static/icons/icon-ABCD2345.svg?v=0123456789ab")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"


def test_brotli_when_accepted(get):
    response = get(HASHED, "gzip, deflate, br")
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.data) == SOURCE
    assert int(response.headers["Content-Length"]) == len(response.data) < len(SOURCE)
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["Cache-Control"] == IMMUTABLE


@pytest.mark.parametrize("encoding", ["gzip", "gzip, br;q=0", "br;q=0,gzip;q=0.5"])
def test_gzip_when_brotli_is_not_accepted(get, encoding):
    response = get(HASHED, encoding)
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == SOURCE
    assert response.headers["Vary"] == "Accept-Encoding"


@pytest.mark.parametrize("encoding", [None, "", "identity", "deflate", "br;q=0, gzip;q=0",
                                      "gzip; q=0, br;q=0.0"])
def test_identity_otherwise(get, encoding):
    response = get(HASHED, encoding)
    assert "Content-Encoding" not in response.headers
    assert response.data == SOURCE
    assert response.headers["Vary"] == "Accept-Encoding"


def test_head_sends_the_headers_without_the_body(get):
    response = get(HASHED, "br", method="HEAD")
    assert response.status_code == 200 and response.data == b""
    assert response.headers["Content-Encoding"] == "br"
    assert int(response.headers["Content-Length"]) == len(brotli.compress(SOURCE, quality=11))
    assert response.headers["Cache-Control"] == IMMUTABLE


@pytest.mark.parametrize("path", [HASHED, "/static/build/zz-fixture.json",
                                  "/static/icons/icon-ABCD2345.svg",
                                  "/static/icons/icon.svg"])
def test_security_headers_on_static_files(get, path):
    headers = get(path, "br, gzip").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    # a worker script runs under its own response's CSP; the Argon2 WebAssembly needs
    # 'wasm-unsafe-eval' there too
    assert headers["Content-Security-Policy"] == CSP
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "Access-Control-Allow-Origin" not in headers


@pytest.mark.parametrize("path", [
    "/static/build/missing-ABCD2345.js", "/static/js/missing-ABCD2345.js",
    "/static/no-such-file.js", "/static/js/", "/static/../webapp/config.py",
    "/static/%2e%2e/config.py", "/static/js/%00.js",
])
def test_a_missing_file_is_the_apps_404(get, path):
    response = get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert b"<!doctype html>" in response.data
    assert response.headers["Content-Security-Policy"] == CSP
    response = get(path, Accept="application/json")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_a_write_to_a_static_file_is_refused(get):
    response = get(HASHED, method="POST")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


def test_the_build_is_served_immutable_and_precompressed(get):
    """The real front-end build (make build): every file its manifest names."""
    manifest = STATIC / "build" / "manifest.json"
    assert manifest.exists(), "front-end not built: run `make setup` (or make build)"
    files = json.loads(manifest.read_text())["files"]
    assert files
    for built in sorted(set(files.values())):
        assert static_files.HASHED_BUILD_FILE.search(f"/static/{built}"), built
        raw = get(f"/static/{built}", "")
        assert raw.status_code == 200, built
        assert raw.headers["Cache-Control"] == IMMUTABLE, built
        compressed = get(f"/static/{built}", "gzip, deflate, br, zstd")
        assert compressed.headers["Content-Encoding"] == "br", built
        assert brotli.decompress(compressed.data) == raw.data, built
        assert compressed.headers["Vary"] == "Accept-Encoding"
    assert get("/static/build/manifest.json").headers["Cache-Control"] == "no-cache"


def test_the_development_server_rereads_the_disk(tmp_path, monkeypatch, app):
    """`flask run` (make run) sees files written after start; a production server's index
    does not change, and a new file falls through to Flask's static route."""
    monkeypatch.delenv("STATIC_AUTOREFRESH", raising=False)
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    dev = create_app(TestConfig)
    assert dev.config["STATIC_AUTOREFRESH"] is True
    assert dev.wsgi_app.application.autorefresh
    monkeypatch.delenv("FLASK_RUN_FROM_CLI")
    assert create_app(TestConfig).config["STATIC_AUTOREFRESH"] is False
    monkeypatch.setenv("STATIC_AUTOREFRESH", "1")
    assert create_app(TestConfig).config["STATIC_AUTOREFRESH"] is True

    dev.wsgi_app.application.add_files(str(tmp_path), prefix="/static/later/")
    client = dev.test_client()
    assert client.get("/static/later/new-ABCD2345.js").status_code == 404
    (tmp_path / "new-ABCD2345.js").write_bytes(SOURCE)
    response = client.get("/static/later/new-ABCD2345.js")
    assert response.status_code == 200 and response.data == SOURCE
    (tmp_path / "new-ABCD2345.js").write_bytes(SOURCE + b"// changed\n")
    response = client.get("/static/later/new-ABCD2345.js")
    assert response.data == SOURCE + b"// changed\n"
