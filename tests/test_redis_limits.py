"""Rate limits that hold with several workers: the count lives in Redis, not in a worker.

A session-scoped fixture starts a throwaway redis-server (Debian's package; installed with
apt-get when running as root and it is missing) on a free port without persistence, and
stops it at the end. Each "worker" is a separate Python process with its own app, as
gunicorn's workers are; with memory:// they would each count alone (the control below).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from webapp.services import throttle

ROOT = Path(__file__).resolve().parent.parent


def _redis_server() -> str:
    path = shutil.which("redis-server")
    if path is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        if subprocess.run(["apt-get", "install", "-y", "-qq", "redis-server"], env=env,
                          capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", "redis-server"], env=env,
                           capture_output=True)
        path = shutil.which("redis-server")
    if path is None:
        pytest.fail("redis-server is needed by the rate-limit tests and was not found. "
                    "Install it with:  sudo apt-get install redis-server", pytrace=False)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url():
    import redis

    binary = _redis_server()
    for _attempt in range(3):
        port = _free_port()
        proc = subprocess.Popen(
            [binary, "--save", "", "--appendonly", "no", "--port", str(port),
             "--bind", "127.0.0.1", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        else:
            proc.kill()
            proc.wait()
            continue
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            client.close()
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return
    pytest.fail("could not start redis-server", pytrace=False)


@pytest.fixture
def redis_clean(redis_url):
    import redis
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield redis_url
    client.flushdb()
    client.close()


WORKER = textwrap.dedent("""
    import json, sys
    from webapp import create_app
    storage, database, mode, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "RATELIMIT_STORAGE_URI": storage,
                      "RATELIMIT_AUTH": "6 per minute", "TESTING": True})
    client = app.test_client()
    print("ready", flush=True)
    sys.stdin.readline()                  # start together
    codes = []
    for _ in range(count):
        if mode == "prelogin":
            r = client.post("/api/v1/auth/prelogin", json={"email": "x@example.fi"})
        else:
            r = client.post("/api/v1/auth/login", json={
                "email": "nobody@example.fi", "auth_key": "A" * 43})
        codes.append(r.status_code)
    print(json.dumps(codes), flush=True)
""")


def _workers(storage: str, database: str, mode: str, counts: list[int]) -> list[list[int]]:
    """Run one process per count, each with its own app; all start their requests at once."""
    env = dict(os.environ, SECRET_KEY="test-secret", AUTH_PEPPER="test-pepper",
               PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, storage, database, mode, str(n)],
                              cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for n in counts]
    try:
        for proc in procs:
            line = proc.stdout.readline()
            assert line.strip() == "ready", (line, proc.stderr.read())
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()


def test_two_workers_share_the_per_address_limit_through_redis(app, database_url, redis_clean):
    results = _workers(redis_clean, database_url, "prelogin", [5, 5])
    codes = results[0] + results[1]
    assert codes.count(200) == 6 and codes.count(429) == 4, results   # 6 in total, not 6 each


def test_control_with_memory_each_worker_counts_alone(app, database_url):
    results = _workers("memory://", database_url, "prelogin", [5, 5])
    assert [r.count(200) for r in results] == [5, 5]


def test_two_workers_share_the_per_account_backoff_through_redis(app, database_url,
                                                                  redis_clean):
    """3 failed logins in one worker and 3 in another: the account's sixth attempt is
    refused although no worker saw more than three (LOGIN_BACKOFF_FREE = 5)."""
    first = _workers(redis_clean, database_url, "login", [3])[0]
    second = _workers(redis_clean, database_url, "login", [3])[0]
    assert first == [401, 401, 401] and second == [401, 401, 429], (first, second)


def test_concurrent_failures_each_count_in_redis(app, redis_clean, monkeypatch):
    from limits.storage import storage_from_string

    storage = storage_from_string(redis_clean)
    monkeypatch.setattr(throttle, "_storage", lambda: storage)

    def fail():
        with app.app_context():
            for _ in range(10):
                throttle.failed("login", "anna@example.fi")

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        assert throttle.failed("login", "anna@example.fi") == 81
        with pytest.raises(throttle.TooManyAttempts) as exc:
            throttle.check("login", "anna@example.fi")
        assert 0 < exc.value.retry_after <= app.config["LOGIN_BACKOFF_MAX_SECONDS"]
        throttle.succeeded("login", "anna@example.fi")
        throttle.check("login", "anna@example.fi")
