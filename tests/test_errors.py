"""Error answers as PROTOCOL §7 says: 401 before CSRF, 403 csrf, 405 with Allow, 413 for a
chunked body, 400 for text that is not Unicode, 503 with Retry-After while the database is
down, and no SQL parameters in any log."""
from __future__ import annotations

import io
import logging
import os
import subprocess
import uuid

import pytest
from sqlalchemy import text

from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db

from .factories import api_register, fast_account, item_body, unique_email


def test_unsafe_call_without_login_is_401_before_csrf(client):
    item_id = str(uuid.uuid4())
    for method, path in [("put", f"/api/v1/items/{item_id}"),
                         ("delete", f"/api/v1/items/{item_id}"),
                         ("patch", "/api/v1/me"),
                         ("post", "/api/v1/auth/logout-everywhere")]:
        response = getattr(client, method)(path, json={})
        assert response.status_code == 401, (method, path, response.get_json())
        assert response.get_json()["error"]["code"] == "login_required"


def test_signed_in_call_without_csrf_token_is_403_csrf(app):
    person = api_register(app)
    item_id = str(uuid.uuid4())
    for headers in ({}, {"X-CSRF-Token": "wrong"}):
        response = person.client.put(f"/api/v1/items/{item_id}",
                                     json=item_body(person.account, item_id), headers=headers)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "csrf"
    assert person.get(f"/items/{item_id}").status_code == 404


def test_html_form_without_csrf_token_is_a_403_page(app):
    person = api_register(app)
    response = person.client.post("/account/settings", data={"display_name": "X"})
    assert response.status_code == 403
    assert "text/html" in response.content_type


def test_method_not_allowed_has_an_allow_header(client):
    response = client.post("/api/v1/me", json={})
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "PATCH"}
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    page = client.delete("/journal/")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]


@pytest.mark.parametrize("path", ["/api/v1/auth/prelogin", "/api/v1/auth/login",
                                  "/api/v1/auth/recover", "/api/v1/auth/register"])
def test_lone_surrogates_are_400_on_the_auth_endpoints(client, path):
    body = fast_account().registration(unique_email())
    body["email"] = "a\ud800@example.fi"
    body["auth_key"] = body["auth_key"] + "\udfff"
    body["recovery_auth_key"] = "\ud800"
    response = client.post(path, json=body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["code"] == "bad_text"


def test_lone_surrogates_are_400_in_any_field(app):
    person = api_register(app)
    for body in ({"display_name": "Anna \ud800"}, {"locale": "\udc00"}, {"\ud800": 1}):
        response = person.patch("/me", body)
        assert response.status_code == 400, response.get_json()
    item_id = str(uuid.uuid4())
    body = item_body(person.account, item_id)
    body["envelopes"][0]["recipient"] = "\ud800"
    assert person.put(f"/items/{item_id}", body).status_code == 400
    assert person.get("/me").get_json()["display_name"] == "Testi Henkilö"


def test_a_chunked_body_over_the_limit_is_413(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]

    body = b'{"email": "' + b"a" * (limit + 1024) + b'"}'
    # What a server gives the app for a chunked request: no Content-Length, a stream that
    # ends where the body ends (wsgi.input_terminated).
    response = client.post("/api/v1/auth/prelogin", input_stream=io.BytesIO(body),
                           headers={"Content-Type": "application/json",
                                    "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_sql_parameters_never_reach_the_log(tmp_path, caplog):
    """A database error's message and traceback carry no parameter values."""
    marker = f"WRAPPED-KEY-{uuid.uuid4().hex}"
    app = create_app({**TestConfig.load(), "TESTING": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'log.sqlite3'}"})

    with app.app_context():
        db.create_all()

    @app.get("/boom")
    def boom():
        db.session.execute(text("INSERT INTO users (uid) VALUES (:x)"), {"x": marker})
        return "unreachable"

    with caplog.at_level(logging.DEBUG):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert marker not in response.get_data(as_text=True)
    logged = "\n".join(r.getMessage() + str(r.exc_info) + (r.exc_text or "")
                       for r in caplog.records)
    assert "IntegrityError" in logged         # the error itself is logged ...
    assert marker not in logged               # ... without the values
    formatter = logging.Formatter()
    for record in caplog.records:
        if record.exc_info:
            assert marker not in formatter.formatException(record.exc_info)


def _pg_ctl(*args: str) -> None:
    bindir, data = os.environ["TEST_PG_BINDIR"], os.environ["TEST_PG_DATA"]
    command = [f"{bindir}/pg_ctl", "-D", data, *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=120, cwd="/")


@pytest.mark.cluster  # alone: every other test (and pytest-xdist worker) would lose the server
@pytest.mark.skipif("TEST_PG_DATA" not in os.environ,
                    reason="stops the test PostgreSQL cluster: runs in the PostgreSQL pass "
                           "(scripts/with-postgres.sh exports TEST_PG_DATA)")
def test_database_down_is_503_with_retry_after(app):
    person = api_register(app)
    port = os.environ["TEST_PG_PORT"]
    _pg_ctl("-m", "fast", "-w", "stop")
    try:
        answers = [person.get("/me"), person.client.get("/journal/"),
                   app.test_client().post("/api/v1/auth/prelogin",
                                          json={"email": "a@example.fi"})]
        for response in answers:
            assert response.status_code == 503, response.get_data(as_text=True)[:300]
            assert int(response.headers["Retry-After"]) > 0
        assert answers[0].get_json()["error"]["code"] == "unavailable"
        assert "text/html" in answers[1].content_type
    finally:
        _pg_ctl("-o", f"-k {os.environ['TEST_PG_DATA']} -p {port} "
                "-c listen_addresses=127.0.0.1 -c fsync=off",
                "-w", "-t", "60", "-l", f"{os.environ['TEST_PG_DATA']}/log", "start")
    assert person.get("/me").status_code == 200      # and back once it is up again
