"""Device sessions: sign-in makes a row, the cookie names it, sign-out deletes it.

Flask's session cookie is signed but lives on the client; on its own, "logging out" only
clears the browser's copy, and a copied cookie would keep working. Here the cookie carries
`<id>.<secret>` naming a `DeviceSession` row (see the model for why a public id plus a
hashed secret), and every request loads that row: a deleted, expired or mismatching row
means "not signed in". So logout, "sign out everywhere", a password change (the other
devices) and the per-device sign-out in the settings end sessions for real.

Lifetimes (config): `SESSION_IDLE_DAYS` since the device was last used and
`SESSION_MAX_DAYS` since it signed in. `last_seen_at` is written at most once a minute
(`TOUCH_INTERVAL`), so a busy device does not cost a write per request.

Every function takes an optional `now` (UTC, aware) so tests control the clock. Like every
service, these only flush; the request (or `unit_of_work()`) commits.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models.accounts import DeviceSession, User
from ..models.types import utcnow
from .errors import NotFound

TOUCH_INTERVAL = timedelta(minutes=1)
PUBLIC_ID_BYTES = 16   # 22 url-safe characters
SECRET_BYTES = 32      # 256 bits; only its SHA-256 is stored


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (timedelta(days=float(config.get("SESSION_IDLE_DAYS", 30))),
            timedelta(days=float(config.get("SESSION_MAX_DAYS", 90))))


def _attach(user: User, device: DeviceSession | DeviceRef, token: str | None) -> User:
    """Remember on the (request-local) user object which device this request is."""
    user.device_session = device
    user.session_token = token
    return user


def is_expired(device: DeviceSession | DeviceRef, now: datetime | None = None) -> bool:
    now = now or utcnow()
    idle, _ = _limits()
    return now >= device.expires_at or now >= device.last_seen_at + idle


# -- User-Agent → a coarse label -------------------------------------------------------------

_BROWSERS = (  # first match wins: Edge and Opera also say "Chrome", Chrome also says "Safari"
    (re.compile(r"\bEdg(e|A|iOS)?/"), "Edge"),
    (re.compile(r"\b(OPR|Opera)/"), "Opera"),
    (re.compile(r"\bSamsungBrowser/"), "Samsung Internet"),
    (re.compile(r"\b(Firefox|FxiOS)/"), "Firefox"),
    (re.compile(r"\b(HeadlessChrome|Chrome|Chromium|CriOS)/"), "Chrome"),
    (re.compile(r"\bVersion/[\d.]+.*\bSafari/"), "Safari"),
)
_SYSTEMS = (
    (re.compile(r"\biPhone\b"), "iPhone"),
    (re.compile(r"\biPad\b"), "iPad"),
    (re.compile(r"\bAndroid\b"), "Android"),
    (re.compile(r"\bWindows\b"), "Windows"),
    (re.compile(r"\bCrOS\b"), "ChromeOS"),
    (re.compile(r"\b(Macintosh|Mac OS X)\b"), "macOS"),
    (re.compile(r"\bLinux\b"), "Linux"),
)


def device_label(user_agent: str | None) -> str:
    """"Chrome · Android", "Firefox · Windows", "Safari · iPhone"; "" when unknown (the page
    then says "Unknown device"). Only this label is kept, never the User-Agent itself."""
    ua = (user_agent or "")[:512]
    browser = next((name for pattern, name in _BROWSERS if pattern.search(ua)), "")
    system = next((name for pattern, name in _SYSTEMS if pattern.search(ua)), "")
    return " · ".join(part for part in (browser, system) if part)


# -- use cases ---------------------------------------------------------------------------------

def start_session(user: User, user_agent: str | None = None, *,
                  now: datetime | None = None) -> str:
    """Sign `user` in on a new device; returns the cookie value `<id>.<secret>`."""
    now = now or utcnow()
    _, lifetime = _limits()
    _purge_expired(user.uid, now)
    public_id = secrets.token_urlsafe(PUBLIC_ID_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    device = DeviceSession(id=public_id, secret_hash=_hash(secret), user_uid=user.uid,
                           label=device_label(user_agent), created_at=now, last_seen_at=now,
                           expires_at=now + lifetime)
    db.session.add(device)
    db.session.flush()
    token = f"{public_id}.{secret}"
    _attach(user, device, token)
    return token


class DeviceRef:
    """The device a request is signed in through, as load() read it: its id and times only
    (what signing out, the settings page and touch() use), not an ORM object. Every request
    loads it, and an ORM row of its own beside the user cost a third of the sign-in check."""

    __slots__ = ("id", "last_seen_at", "expires_at")

    def __init__(self, id: str, last_seen_at: datetime, expires_at: datetime) -> None:
        self.id = id
        self.last_seen_at = last_seen_at
        self.expires_at = expires_at


@lru_cache(maxsize=1)
def _load_statement():
    """The user and their device's columns in one query, built once (bound parameter)."""
    return (select(User, DeviceSession.id, DeviceSession.secret_hash,
                   DeviceSession.last_seen_at, DeviceSession.expires_at)
            .join(DeviceSession, DeviceSession.user_uid == User.uid)
            .where(DeviceSession.id == bindparam("id")))


def load(token: str | None, *, now: datetime | None = None) -> User | None:
    """The user a cookie value signs in, or None for a missing, unknown, foreign (wrong
    secret) or expired session. Marks the device as used (at most once a minute)."""
    if not isinstance(token, str):
        return None
    public_id, dot, secret = token.partition(".")
    if not dot or not public_id or not secret or len(token) > 100:
        return None
    row = db.session.execute(_load_statement(), {"id": public_id}).first()
    if row is None or not hmac.compare_digest(row.secret_hash, _hash(secret)):
        return None
    device = DeviceRef(row.id, row.last_seen_at, row.expires_at)
    now = now or utcnow()
    if is_expired(device, now):
        _quietly(delete(DeviceSession).where(DeviceSession.id == device.id))
        return None
    touch(device, now=now)
    return _attach(row[0], device, token)


def touch(device: DeviceSession | DeviceRef, *, now: datetime | None = None) -> bool:
    """Record that the device was used; writes only if the last write is a minute old.
    One conditional UPDATE, so a concurrent sign-out (row gone) is not an error."""
    now = now or utcnow()
    if now - device.last_seen_at < TOUCH_INTERVAL:
        return False
    if not _quietly(
            update(DeviceSession)
            .where(DeviceSession.id == device.id,
                   DeviceSession.last_seen_at < now - TOUCH_INTERVAL)
            .values(last_seen_at=now)):
        return False
    if isinstance(device, DeviceRef):
        device.last_seen_at = now
    else:
        set_committed_value(device, "last_seen_at", now)
    return True


def _quietly(statement) -> bool:
    """Run a housekeeping write from the read path (touch, dropping an expired row) in a
    savepoint: if the database is busy (SQLite: another writer committed since this read
    transaction began), skip it rather than fail the request; the next request retries."""
    try:
        with db.session.begin_nested():
            db.session.execute(statement.execution_options(synchronize_session=False))
    except OperationalError:
        return False
    return True


def current(user: User | None) -> DeviceSession | DeviceRef | None:
    """The device this request is signed in through (None outside a signed-in request)."""
    return getattr(user, "device_session", None) if user is not None else None


def end_session(device: DeviceSession | DeviceRef | None) -> None:
    """Sign one device out (its cookie stops working). A missing row is not an error."""
    if device is None:
        return
    db.session.execute(delete(DeviceSession).where(DeviceSession.id == device.id))
    db.session.flush()


def end_session_of(user: User, device_id: str) -> DeviceSession:
    """The per-device sign-out in the settings: only the user's own devices; any other id
    (unknown, expired, someone else's) is 404 and touches nothing."""
    device = db.session.get(DeviceSession, device_id) if isinstance(device_id, str) else None
    if device is None or device.user_uid != user.uid:
        raise NotFound("device not found", "device_not_found")
    end_session(device)
    return device


def end_other_sessions(user: User, keep: DeviceSession | DeviceRef | None) -> int:
    """End every session of the account except `keep` (after a password change)."""
    query = delete(DeviceSession).where(DeviceSession.user_uid == user.uid)
    if keep is not None:
        query = query.where(DeviceSession.id != keep.id)
    result = db.session.execute(query)
    db.session.flush()
    return result.rowcount or 0


def end_all_sessions(user: User) -> int:
    """"Sign out everywhere": every device of the account, this one included."""
    return end_other_sessions(user, keep=None)


def list_sessions(user: User, *, now: datetime | None = None) -> list[DeviceSession]:
    """The user's live devices, most recently used first."""
    now = now or utcnow()
    devices = db.session.scalars(
        select(DeviceSession).where(DeviceSession.user_uid == user.uid)
        .order_by(DeviceSession.last_seen_at.desc(), DeviceSession.created_at.desc()))
    return [device for device in devices if not is_expired(device, now)]


def _purge_expired(uid: str, now: datetime) -> None:
    """Drop the account's expired rows (done at each sign-in, so they do not pile up)."""
    idle, _ = _limits()
    db.session.execute(
        delete(DeviceSession)
        .where(DeviceSession.user_uid == uid,
               (DeviceSession.expires_at <= now) | (DeviceSession.last_seen_at <= now - idle)))
