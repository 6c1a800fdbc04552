"""Pages and JSON compressed per response (webapp/compression.py): Brotli when the browser
accepts it, gzip otherwise, nothing for tiny or streamed responses; a kept journal page as
gzip from pieces compressed ahead. Static files are WhiteNoise's and arrive compressed once
(tests/test_static_serving.py)."""
from __future__ import annotations

import gzip

import brotli
import pytest
from flask import Response, stream_with_context

from webapp import create_app
from webapp.config import TestConfig

from .factories import api_register

BR_GZIP = "gzip, deflate, br, zstd"  # what Chromium sends over HTTPS


@pytest.fixture
def anna(app):
    person = api_register(app, "anna@example.fi", display_name="Anna Aalto")
    for i in range(20):
        person.write(title=f"Otsikko {i}", body="Teksti " * 30, tags=["työ"])
    return person


def _decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    data = response.get_data()
    if encoding == "br":
        return brotli.decompress(data)
    if encoding == "gzip":
        return gzip.decompress(data)
    assert encoding is None, encoding
    return data


def _vary(response) -> set[str]:
    return {v.strip().lower() for h in response.headers.getlist("Vary") for v in h.split(",")}


def test_the_journal_page_is_compressed_with_brotli(anna):
    plain = anna.client.get("/journal/")
    assert "Content-Encoding" not in plain.headers  # a client that asks for nothing
    response = anna.client.get("/journal/", headers={"Accept-Encoding": BR_GZIP})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "br"
    page = _decoded(response)
    assert page.startswith(b"<!doctype html>") and b"data-sealed" in page
    assert int(response.headers["Content-Length"]) == len(response.get_data()) < len(page) / 2
    assert {"accept-encoding", "hx-request"} <= _vary(response)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("encoding", ["gzip, deflate", "br;q=0, gzip"])
def test_gzip_when_brotli_is_not_accepted(anna, encoding):
    response = anna.client.get("/journal/", headers={"Accept-Encoding": encoding})
    assert response.headers["Content-Encoding"] == "gzip"
    assert _decoded(response).startswith(b"<!doctype html>")


@pytest.mark.parametrize("encoding", ["identity", "deflate", "compress", "br;q=0, gzip;q=0"])
def test_identity_otherwise(anna, encoding):
    response = anna.client.get("/journal/", headers={"Accept-Encoding": encoding})
    assert "Content-Encoding" not in response.headers
    assert response.get_data().startswith(b"<!doctype html>")
    assert "accept-encoding" in _vary(response)


def test_a_fragment_for_htmx_is_compressed_too(anna):
    response = anna.client.get("/journal/", headers={"Accept-Encoding": "br",
                                                     "HX-Request": "true"})
    assert response.headers["Content-Encoding"] == "br"
    assert {"accept-encoding", "hx-request"} <= _vary(response)


@pytest.mark.parametrize("path", ["/api/v1/items", "/api/v1/openapi.json"])
def test_json_is_compressed(anna, path):
    response = anna.client.get(path, headers={"Accept-Encoding": BR_GZIP})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "br"
    assert response.mimetype == "application/json"
    assert _decoded(response) == anna.client.get(path).get_data()


@pytest.mark.parametrize(("path", "mimetype"), [
    ("/manifest.webmanifest", "application/manifest+json"),
    ("/sw.js", "text/javascript"),
])
def test_the_web_manifest_and_the_worker_are_compressed(client, path, mimetype):
    response = client.get(path, headers={"Accept-Encoding": "br"})
    assert response.mimetype == mimetype and response.headers["Content-Encoding"] == "br"
    assert _decoded(response) == client.get(path).get_data()


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/me"])
def test_tiny_responses_are_not_compressed(client, path):
    response = client.get(path, headers={"Accept-Encoding": BR_GZIP})
    assert len(response.get_data()) < 500
    assert "Content-Encoding" not in response.headers


def test_a_head_request_names_the_encoding_without_a_body(anna):
    response = anna.client.head("/journal/", headers={"Accept-Encoding": "br"})
    assert response.status_code == 200 and response.get_data() == b""
    assert response.headers["Content-Encoding"] == "br"


def test_the_default_levels_and_that_they_are_used(app, client):
    assert (app.config["COMPRESS_BR_LEVEL"], app.config["COMPRESS_LEVEL"]) == (1, 5)
    body = client.get("/api/v1/openapi.json").get_data()  # the same bytes on every request
    sizes = set()
    try:
        for level in (1, 4, 9):
            app.config["COMPRESS_BR_LEVEL"] = level
            response = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "br"})
            assert response.get_data() == brotli.compress(body, quality=level)
            sizes.add(len(response.get_data()))
    finally:
        app.config["COMPRESS_BR_LEVEL"] = TestConfig.COMPRESS_BR_LEVEL
    assert len(sizes) == 3


def test_streamed_responses_are_left_alone(app):
    """A streamed body goes out as it is produced, uncompressed."""
    own = create_app(TestConfig)

    def chunks():
        for i in range(100):
            yield f"<p>rivi {i}</p>\n"

    own.add_url_rule("/stream-probe", "stream_probe",
                     lambda: Response(stream_with_context(chunks()), mimetype="text/html"))
    response = own.test_client().get("/stream-probe", headers={"Accept-Encoding": BR_GZIP})
    assert response.is_streamed
    assert "Content-Encoding" not in response.headers
    assert response.get_data().decode().count("<p>") == 100


# -- a kept page put together from pieces compressed ahead (compression.use_pieces) --------------

def _confirmed(app, person):
    """The recovery key counted as saved: the journal's chrome is then cached and its
    content kept (a page with the recovery prompt is rendered whole)."""
    from datetime import UTC, datetime

    from webapp.extensions import db
    from webapp.models import User

    with app.app_context():
        db.session.get(User, person.uid).recovery_confirmed_at = datetime.now(UTC)
        db.session.commit()
    return person


def _unmasked(html: bytes) -> bytes:
    import re

    return re.sub(rb'(name="csrf-token" content="|name="csrf_token" value=")[^"]+', rb"\1T",
                  html)


def test_a_kept_journal_page_is_gzip_from_pieces_and_the_same_page(app, anna):
    import zlib

    _confirmed(app, anna)
    plain = anna.client.get("/journal/").get_data()
    for _ in range(2):  # built, then kept
        response = anna.client.get("/journal/", headers={"Accept-Encoding": BR_GZIP})
        assert response.headers["Content-Encoding"] == "gzip"
        data = response.get_data()
        assert int(response.headers["Content-Length"]) == len(data)
        page = gzip.decompress(data)  # checks the CRC-32 and the length in the trailer
        assert _unmasked(page) == _unmasked(plain) and b"modulepreload" in page
        stream = zlib.decompressobj(wbits=31)  # as a browser reads it: one member, to the end
        assert stream.decompress(data) == page and stream.eof and not stream.unused_data
        assert len(data) <= len(brotli.compress(page, quality=1))


def test_without_gzip_a_kept_page_is_brotli_as_any(app, anna):
    _confirmed(app, anna)
    anna.client.get("/journal/")
    response = anna.client.get("/journal/", headers={"Accept-Encoding": "br, gzip;q=0"})
    assert response.headers["Content-Encoding"] == "br"
    assert _unmasked(_decoded(response)) == _unmasked(anna.client.get("/journal/").get_data())


def test_a_page_changed_after_it_was_put_together_is_compressed_whole(app):
    """(`app`: its own app writes to the same database, which is emptied after the test.)"""
    from webapp.extensions import db

    own = create_app(TestConfig)
    with own.app_context():
        db.create_all()

    @own.after_request
    def append(response):  # runs before the compression (registered after it)
        if response.mimetype == "text/html":
            response.set_data(response.get_data() + b"<!-- later -->")
        return response

    person = _confirmed(own, api_register(own, "ville@example.fi"))
    for i in range(3):
        person.write(f"Otsikko {i}", "Teksti " * 30)
    response = person.client.get("/journal/", headers={"Accept-Encoding": BR_GZIP})
    assert response.headers["Content-Encoding"] == "br"
    assert _decoded(response).endswith(b"<!-- later -->")


def test_deflate_pieces_and_stored_blocks_join_into_one_stream():
    import os
    import zlib

    from webapp.compression import FINAL_BLOCK, deflated, stored

    parts = [b"<p>" * 5000, os.urandom(70_000), b"", "ä€𝄞".encode() * 30_000]
    stream = b"".join([deflated(parts[0]), stored(parts[1]), stored(parts[2]),
                       deflated(parts[3], 1), FINAL_BLOCK])
    assert zlib.decompress(stream, wbits=-15) == b"".join(parts)
