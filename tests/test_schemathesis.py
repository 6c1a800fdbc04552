"""Schemathesis against the live app (a real HTTP server on 127.0.0.1, in a thread): every
operation of the generated OpenAPI document, fetched from the server, anonymous and signed in,
with a bounded, derandomised number of examples each.

Every answer must be no server error, carry a status the document gives for the operation,
with the content type, headers and body schema it gives for that status. The signed-in run
sends a live session cookie and the X-CSRF-Token of a registered account (a fresh sign-in per
example, so an example that signs out or ends every session does not blind the next ones).

Runs once, on SQLite: the PostgreSQL pass (TEST_DATABASE_URL set by scripts/with-postgres.sh)
skips it to keep `make test` short; the same inputs reach PostgreSQL-specific code through
tests/test_api_bad_input.py there."""
from __future__ import annotations

import os
import threading
from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from webapp.extensions import limiter

from .factories import api_login, api_register

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_PG_DATA")),
    reason="Schemathesis runs once, in the SQLite pass of `make test` (runtime)")

EXAMPLES = 25                     # per operation and generation mode (positive, negative)
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck), print_blob=False)
COOKIE = "valitila_session"


@pytest.fixture(scope="module")
def live(app):
    """The app served over HTTP by a threaded server on a free port; its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def run_every_operation(base_url: str, credentials: Callable[[], dict[str, dict[str, str]]],
                        only: str | None = None) -> tuple[int, list[str]]:
    """Each operation of the document (or the one labelled `only`), in each generation mode:
    (examples sent, failures)."""
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")
    sent, failures = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        if only is not None and operation.label != only:
            continue
        for mode in MODES:
            @SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def examples(case):
                nonlocal sent
                sent += 1
                case.call_and_validate(checks=CHECKS, **credentials())

            try:
                examples()
            except (Exception, BaseExceptionGroup) as exc:  # Schemathesis' FailureGroup
                failures.append(f"{operation.label} ({mode.value}): {type(exc).__name__}: {exc}")
    return sent, failures


def test_anonymous(live):
    def credentials():
        limiter.reset()                  # the per-address limits would turn examples into 429s
        return {}
    sent, failures = run_every_operation(live, credentials)
    print(f"\nschemathesis anonymous: {sent} examples, {len(failures)} failures")
    assert not failures, "\n\n".join(failures)
    assert sent >= 16 * EXAMPLES


def test_signed_in(app, live):
    account = api_register(app, display_name="Schemathesis")

    def credentials():
        """A fresh sign-in per example: one that signs out cannot blind the next ones."""
        limiter.reset()
        person = api_login(app, account)
        return {"headers": {"X-CSRF-Token": person.csrf},
                "cookies": {COOKIE: person.client.get_cookie(COOKIE).value}}
    sent, failures = run_every_operation(live, credentials)
    print(f"\nschemathesis signed in: {sent} examples, {len(failures)} failures")
    assert not failures, "\n\n".join(failures)
    assert sent >= 16 * EXAMPLES


def test_a_server_error_is_found(live, monkeypatch):
    """Control: the harness reports a use case that breaks (Schemathesis re-raises the
    exception behind the 500) and an answer the document does not allow."""
    def broken(email):
        raise RuntimeError("broken on purpose")
    monkeypatch.setattr("webapp.services.accounts.prelogin", broken)
    sent, failures = run_every_operation(live, dict, only="POST /auth/prelogin")
    assert sent > 0 and len(failures) == 1 and "Server error" in failures[0], failures

    monkeypatch.setattr("webapp.services.accounts.prelogin",
                        lambda email: {"salt_seed": "not base64!", "kdf": {}})
    monkeypatch.setattr("webapp.schemas.accounts.PreloginResponse.model_validate",
                        lambda data: _Unchecked(data))
    sent, failures = run_every_operation(live, dict, only="POST /auth/prelogin")
    assert failures and all("Response violates schema" in f for f in failures), failures


class _Unchecked:
    """An answer that skips the response schema, to see the document catch it."""

    def __init__(self, data):
        self.data = data

    def model_dump_json(self):
        import json
        return json.dumps(self.data)
