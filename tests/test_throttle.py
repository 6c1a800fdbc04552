"""Per-account backoff on failed logins and recoveries (webapp.services.throttle), with a
clock the tests move: the module's `clock` and the memory store's expiry clock."""
from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import flask_limiter._extension as limiter_extension
import limits.storage.memory as memory_storage
import pytest

from webapp.extensions import limiter
from webapp.services import throttle
from webapp.services.throttle import TooManyAttempts

from .factories import api_register, b64u


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(throttle, "clock", c.time)
    fake = SimpleNamespace(time=c.time, mktime=time.mktime)
    monkeypatch.setattr(memory_storage, "time", fake)
    monkeypatch.setattr(limiter_extension, "time", fake)
    return c


@pytest.fixture
def only_our_retry_after(monkeypatch):
    """Flask-Limiter's headers off: it would put max(ours, the per-address window's reset)
    in Retry-After (see test_the_limiters_retry_after_is_never_shorter_than_ours)."""
    monkeypatch.setattr(limiter, "_headers_enabled", False)


def _blocked_for(kind: str, email: str) -> int:
    """Seconds until the account may try again (0 = not blocked)."""
    try:
        throttle.check(kind, email)
    except TooManyAttempts as exc:
        return exc.retry_after
    return 0


def _fail(kind: str, email: str, times: int = 1) -> None:
    for _ in range(times):
        throttle.check(kind, email)
        throttle.failed(kind, email)


# -- service -----------------------------------------------------------------------------------

def test_a_few_failures_are_free_then_the_delay_grows(ctx, app, clock):
    free = app.config["LOGIN_BACKOFF_FREE"]
    _fail("login", "anna@example.fi", free - 1)
    assert _blocked_for("login", "anna@example.fi") == 0
    delays = []
    for _ in range(5):
        _fail("login", "anna@example.fi")
        delay = _blocked_for("login", "anna@example.fi")
        delays.append(delay)
        clock.advance(delay - 1)
        assert _blocked_for("login", "anna@example.fi") == 1   # still blocked a second before
        clock.advance(1)
        assert _blocked_for("login", "anna@example.fi") == 0
    assert delays == [5, 10, 20, 40, 80]


def test_the_delay_is_capped(ctx, app, clock):
    cap = app.config["LOGIN_BACKOFF_MAX_SECONDS"]
    assert cap == 900
    seen = []
    for _ in range(20):
        _fail("login", "anna@example.fi")
        seen.append(_blocked_for("login", "anna@example.fi"))
        clock.advance(seen[-1])
    assert max(seen) == cap and seen[-1] == cap


def test_the_delay_settings_are_configurable(ctx, app, clock, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_BACKOFF_FREE", 1)
    monkeypatch.setitem(app.config, "LOGIN_BACKOFF_MAX_SECONDS", 7)
    _fail("login", "anna@example.fi")
    assert _blocked_for("login", "anna@example.fi") == 5
    clock.advance(5)
    _fail("login", "anna@example.fi")
    assert _blocked_for("login", "anna@example.fi") == 7


def test_success_resets_the_count(ctx, app, clock):
    free = app.config["LOGIN_BACKOFF_FREE"]
    _fail("login", "anna@example.fi", free - 1)
    throttle.succeeded("login", "anna@example.fi")
    _fail("login", "anna@example.fi", free - 1)
    assert _blocked_for("login", "anna@example.fi") == 0


def test_a_run_of_failures_is_forgotten_after_a_day(ctx, app, clock):
    free = app.config["LOGIN_BACKOFF_FREE"]
    _fail("login", "anna@example.fi", free - 1)
    clock.advance(throttle.FAILURE_MEMORY_SECONDS)
    _fail("login", "anna@example.fi", free - 1)
    assert _blocked_for("login", "anna@example.fi") == 0


def test_accounts_kinds_and_spellings(ctx, app, clock):
    free = app.config["LOGIN_BACKOFF_FREE"]
    _fail("login", "Anna@Example.FI ", free)
    assert _blocked_for("login", "anna@example.fi") == 5      # the same account
    assert _blocked_for("login", "bertta@example.fi") == 0    # another account
    assert _blocked_for("recover", "anna@example.fi") == 0    # recovery counts apart


def test_the_store_holds_no_email_address(ctx, app, clock):
    from webapp.extensions import limiter
    _fail("login", "anna@example.fi", app.config["LOGIN_BACKOFF_FREE"])
    keys = " ".join(limiter.storage.storage)
    assert "anna" not in keys and "valitila/throttle/login/block/" in keys


def test_concurrent_failures_each_count(ctx, app, clock):
    def fail():
        with app.app_context():
            throttle.failed("login", "anna@example.fi")

    threads = [threading.Thread(target=fail) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert throttle.failed("login", "anna@example.fi") == 41


# -- API ---------------------------------------------------------------------------------------

def _login(client, email: str, auth_key: bytes):
    return client.post("/api/v1/auth/login", json={"email": email, "auth_key": b64u(auth_key)})


def test_login_backoff_through_the_api(app, clock, only_our_retry_after):
    anna = api_register(app, "anna@example.fi")
    client = app.test_client()
    free = app.config["LOGIN_BACKOFF_FREE"]
    wrong = bytes(32)
    assert [_login(client, anna.email, wrong).status_code for _ in range(free)] == [401] * free
    refused = _login(client, anna.email, anna.auth_key)       # even the right key must wait
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "5"
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert refused.get_json()["error"]["retry_after"] == 5
    clock.advance(5)
    assert _login(client, anna.email, anna.auth_key).status_code == 200   # and resets
    assert [_login(client, anna.email, wrong).status_code
            for _ in range(free - 1)] == [401] * (free - 1)


def test_unknown_and_known_emails_get_the_same_backoff(app, clock, only_our_retry_after):
    anna = api_register(app, "anna@example.fi")
    free = app.config["LOGIN_BACKOFF_FREE"]
    client = app.test_client()
    answers = {}
    for email in (anna.email, "nobody@example.fi"):
        seen = []
        for _ in range(free + 2):
            response = _login(client, email, bytes(32))
            seen.append((response.status_code, response.headers.get("Retry-After"),
                         response.get_json()["error"]["code"]))
            clock.advance(2)
        answers[email] = seen
    assert answers[anna.email] == answers["nobody@example.fi"]
    assert answers[anna.email][free] == (429, "3", "rate_limited")


def test_recovery_backoff_through_the_api(app, clock, only_our_retry_after):
    anna = api_register(app, "anna@example.fi")
    client = app.test_client()
    free = app.config["LOGIN_BACKOFF_FREE"]

    def recover(key: bytes):
        return client.post("/api/v1/auth/recover",
                           json={"email": anna.email, "recovery_auth_key": b64u(key)})

    assert [recover(bytes(32)).status_code for _ in range(free)] == [401] * free
    refused = recover(anna.recovery_auth_key)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "5"
    assert _login(client, anna.email, anna.auth_key).status_code == 200   # login is apart
    clock.advance(5)
    assert recover(anna.recovery_auth_key).status_code == 200


def test_the_limiters_retry_after_is_never_shorter_than_ours(app, clock, monkeypatch):
    """With Flask-Limiter's headers on (the default), Retry-After is the later of the
    account's delay and the per-address window's reset: never earlier than ours."""
    monkeypatch.setitem(app.config, "LOGIN_BACKOFF_MAX_SECONDS", 3600)
    client = app.test_client()
    for _ in range(14):
        response = _login(client, "anna@example.fi", bytes(32))
        if response.status_code == 429:
            ours = response.get_json()["error"]["retry_after"]
            assert int(response.headers["Retry-After"]) >= ours
            clock.advance(ours)
    assert ours > 60       # the account's delay outgrew the per-minute window
