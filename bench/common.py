"""Shared pieces of the benchmarks: paths, the environment of the app under test, seeding,
signing in, statistics and a description of the machine."""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
PASSWORD = "Välitila-bench-2026"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/lib/chromium/chromium")

# What a browser sends with a page request (Chromium 13x on Linux, Finnish). The server
# measurements send the same headers, so a server that compresses pages does that work here too.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) valitila-bench"
PAGE_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Encoding": "gzip, deflate, br, zstd",
    "Accept-Language": "fi-FI,fi;q=0.9",
    "User-Agent": USER_AGENT,
}
HX_HEADERS = {**PAGE_HEADERS, "Accept": "*/*", "HX-Request": "true"}
API_HEADERS = {**PAGE_HEADERS, "Accept": "application/json"}


def configure_environment(workdir: Path) -> dict[str, str]:
    """The production configuration (webapp.config.Config) of the app under test, through
    its environment variables: a SQLite file in `workdir`, fixed secrets, no sign-in rate
    limit (the benchmark signs in many times). Must run before webapp is imported: Config
    reads some variables when its module loads. Returns the variables (for gunicorn too)."""
    env = {
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "SECRET_KEY": "bench-secret-key-0123456789abcdef",
        "AUTH_PEPPER": "bench-auth-pepper-0123456789abcdef",
        "RATELIMIT_AUTH": "100000 per minute",
        "SESSION_COOKIE_SECURE": "",
        "PROXY_FIX": "",
    }
    os.environ.update(env)
    return env


def make_app():
    """The app as `create_app()` builds it in production, with the migrations applied."""
    from flask_migrate import upgrade

    from webapp import create_app

    app = create_app()
    with app.app_context():
        upgrade()
    return app


def seed(app, email: str, count: int) -> float:
    """`count` sealed entries for `email` (the account is created if missing, with its
    recovery key counted as saved, as for anyone past sign-up). Returns the seconds taken."""
    from webapp.extensions import db
    from webapp.services import accounts, demo
    from webapp.uow import unit_of_work

    started = time.perf_counter()
    with app.app_context(), unit_of_work():
        demo.seed_entries(email, count, PASSWORD)
        user = accounts.user_by_email(email)
        if hasattr(user, "recovery_confirmed_at") and user.recovery_confirmed_at is None:
            user.recovery_confirmed_at = datetime.now(UTC)
        db.session.flush()
    return time.perf_counter() - started


def auth_key(app, email: str) -> str:
    """The sign-in proof for `email` and PASSWORD, derived as a client would (Argon2id)."""
    import protocol
    from webapp.services import accounts

    with app.app_context():
        user = accounts.user_by_email(email)
        secrets = protocol.derive_account_secrets(
            email, PASSWORD, protocol.b64u_decode(user.salt_seed), user.kdf)
    return protocol.b64u_encode(secrets.auth_key)


def user_uid(app, email: str) -> str:
    from webapp.services import accounts

    with app.app_context():
        return accounts.user_by_email(email).uid


def login_test_client(app, email: str, key: str):
    """A Flask test client signed in as `email` through the JSON API."""
    client = app.test_client()
    response = client.post("/api/v1/auth/login", json={"email": email, "auth_key": key},
                           headers={"User-Agent": USER_AGENT})
    if response.status_code != 200:
        raise RuntimeError(f"sign-in failed: {response.status_code} {response.get_data()[:200]}")
    return client


def login_http(base: str, email: str, key: str) -> str:
    """Sign in over HTTP; returns the Cookie header value of the new session."""
    import requests

    response = requests.post(f"{base}/api/v1/auth/login", json={"email": email, "auth_key": key},
                             headers={"User-Agent": USER_AGENT}, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"sign-in failed: {response.status_code} {response.text[:200]}")
    return "; ".join(f"{c.name}={c.value}" for c in response.cookies)


def deepest_cursor(app, email: str, page: int = 20) -> str:
    """The "show older" cursor of the last page: just before the `page` oldest entries."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Envelope, User
    from webapp.schemas.items import encode_cursor

    with app.app_context():
        uid = db.session.scalar(select(User.uid).where(User.email == email))
        row = db.session.execute(
            select(Envelope.item_created_at, Envelope.item_id)
            .where(Envelope.recipient_uid == uid)
            .order_by(Envelope.item_created_at, Envelope.item_id).offset(page).limit(1)).one()
        return encode_cursor(row.item_created_at, row.item_id)


def items_of(app, uid: str) -> int:
    """How many items `uid` has written (read from the database)."""
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import Item

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Item)
                                 .where(Item.author_uid == uid))


def median(values) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


def quantile(values, q: float) -> float | None:
    values = sorted(values)
    if not values:
        return None
    index = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[index]


def _run(*cmd: str) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20,
                              cwd=ROOT).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> dict:
    """What the figures were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "date": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": model or platform.processor() or "unknown",
        "loadavg_at_start": [round(x, 2) for x in load],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "chromium": _run(CHROMIUM, "--version") if Path(CHROMIUM).exists() else "not found",
        "node": _run("node", "--version"),
        "commit": _run("git", "rev-parse", "--short", "HEAD"),
        "commit_subject": _run("git", "log", "-1", "--format=%s")[:100],
        # Uncommitted changes to the app (the benchmark's own files do not count).
        "dirty": bool(_run("git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                           ":(exclude)bench")),
        "root": str(ROOT),
    }
