"""Configuration from the environment. Every variable is documented in the README."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

INSTANCE = Path(__file__).resolve().parent.parent / "instance"


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{INSTANCE / 'valitila.sqlite3'}"
    # Accept the common postgres:// forms and use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret(name: str, file_name: str) -> str:
    """A secret from the environment, else one generated once and kept in instance/."""
    value = os.environ.get(name)
    if value:
        return value
    path = INSTANCE / file_name
    if path.exists():
        return path.read_text().strip()
    INSTANCE.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


class Config:
    SECRET_KEY = None  # filled in by load()
    AUTH_PEPPER = None
    SQLALCHEMY_DATABASE_URI = None
    # SQL parameters never reach a log or an error message: a failed insert would otherwise
    # print an account's wrapped keys and KDF parameters in its traceback. pool_pre_ping
    # replaces connections that died while the database was restarting (503 meanwhile).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"hide_parameters": True, "pool_pre_ping": True}
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(1024 * 1024)))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "valitila_session"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PREFERRED_URL_SCHEME = "http"
    WTF_CSRF_HEADERS = ("X-CSRF-Token", "X-CSRFToken")
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # Referer checks would break with Referrer-Policy: no-referrer.
    WTF_CSRF_SSL_STRICT = False
    RATELIMIT_AUTH = os.environ.get("RATELIMIT_AUTH", "10 per minute;100 per hour")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Per-account backoff on failed logins and recoveries (services/throttle.py).
    LOGIN_BACKOFF_FREE = int(os.environ.get("LOGIN_BACKOFF_FREE", "5"))
    LOGIN_BACKOFF_MAX_SECONDS = int(os.environ.get("LOGIN_BACKOFF_MAX_SECONDS", "900"))
    # Device sessions (services/devices.py): idle timeout and absolute lifetime.
    SESSION_IDLE_DAYS = float(os.environ.get("SESSION_IDLE_DAYS", "30"))
    SESSION_MAX_DAYS = float(os.environ.get("SESSION_MAX_DAYS", "90"))
    BABEL_DEFAULT_LOCALE = "fi"
    BABEL_DEFAULT_TIMEZONE = "Europe/Helsinki"
    LANGUAGES = ("fi", "sv", "en")
    LOCK_MINUTES = int(os.environ.get("LOCK_MINUTES", "30"))
    # Who runs this service: shown on the landing page, the privacy statement (the
    # controller) and the accessibility statement (the feedback channel).
    OPERATOR_NAME = os.environ.get("OPERATOR_NAME", "")
    OPERATOR_EMAIL = os.environ.get("OPERATOR_EMAIL", "")
    OPERATOR_ADDRESS = os.environ.get("OPERATOR_ADDRESS", "")
    PROXY_FIX = os.environ.get("PROXY_FIX", "") == "1"
    # Static files (static_files.py): re-read from disk on every request. Default: on under
    # the development server (`flask run`), off otherwise (the folder is indexed at start).
    STATIC_AUTOREFRESH = None  # filled in by load()
    # Compression of pages and JSON per response (webapp/compression.py): Brotli for browsers that
    # accept it, else gzip; nothing under COMPRESS_MIN_SIZE bytes, no streamed responses.
    # Static files are precompressed by the build and sent as they are (static_files.py).
    # Brotli quality 1: on a journal page (47 KB, mostly base64 ciphertext) it costs 0.11 ms
    # against 0.19 ms at 2 and 0.25 ms at 3, for 18.0 KB against 17.5 and 17.4 KB (gzip -5:
    # 0.62 ms, 17.3 KB); the ciphertext hardly compresses at any level (bench/, issue 8).
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_BR_LEVEL = int(os.environ.get("COMPRESS_BR_LEVEL", "1"))
    COMPRESS_LEVEL = int(os.environ.get("COMPRESS_GZIP_LEVEL", "5"))
    COMPRESS_MIN_SIZE = 500
    COMPRESS_STREAMS = False
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                          "application/json", "application/manifest+json", "image/svg+xml"]
    PAGE_SIZE = 20
    # Pages whose content is a function of the rows they read keep that content's text per
    # rows, language and time zone (chrome.render_memo_page; the journal): this many pages per
    # worker process, least recently used out first; 0 turns it off. A kept journal page is
    # about 90 KB (the rows it read, its content and that compressed: mostly ciphertext, as
    # in the database), so 64 are about 6 MB per worker.
    PAGE_MEMO_ENTRIES = int(os.environ.get("PAGE_MEMO_ENTRIES", "64"))
    # Erasure (issue 11): the operator's list of erased accounts (uid and time), kept outside
    # the database so a restore cannot take it back (`flask reapply-erasures` reads it), and
    # how long backups are kept (stated in the privacy statement).
    ERASURE_LIST_FILE = os.environ.get("ERASURE_LIST_FILE", str(INSTANCE / "erasures.log"))
    BACKUP_RETENTION_DAYS = int(os.environ.get("BACKUP_RETENTION_DAYS", "35"))
    TESTING = False

    @classmethod
    def load(cls) -> dict:
        """Resolve values that need the environment or the instance folder."""
        values = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        values["SECRET_KEY"] = _secret("SECRET_KEY", "secret_key")
        values["AUTH_PEPPER"] = _secret("AUTH_PEPPER", "auth_pepper")
        values["SQLALCHEMY_DATABASE_URI"] = _database_url()
        values["SESSION_COOKIE_SECURE"] = os.environ.get("SESSION_COOKIE_SECURE", "") == "1"
        values["REMEMBER_COOKIE_SECURE"] = values["SESSION_COOKIE_SECURE"]
        refresh = os.environ.get("STATIC_AUTOREFRESH", "")
        values["STATIC_AUTOREFRESH"] = (refresh == "1" if refresh else
                                        os.environ.get("FLASK_RUN_FROM_CLI") == "true")
        return values


class TestConfig(Config):
    TESTING = True

    @classmethod
    def load(cls) -> dict:
        values = super().load()
        values["SECRET_KEY"] = "test-secret"
        values["AUTH_PEPPER"] = "test-pepper"
        values["SQLALCHEMY_DATABASE_URI"] = os.environ.get(
            "TEST_DATABASE_URL", "sqlite:///:memory:")
        values["RATELIMIT_AUTH"] = "1000 per minute"
        values["ERASURE_LIST_FILE"] = None  # a test that needs it sets its own
        return values
