"""Per-account backoff on failed logins and recoveries.

The per-address limit (`RATELIMIT_AUTH`) does not stop a guesser who rotates addresses; this
one counts failures per account (per email). After `LOGIN_BACKOFF_FREE` failures in a row,
each further failure blocks that email for a growing delay: 5 s, 10 s, 20 s, … capped at
`LOGIN_BACKOFF_MAX_SECONDS` (15 min). While blocked, attempts are refused with 429 and a
`Retry-After` before the credentials are even looked at. A success resets the count.

Why the limiter's store (memory:// in development, Redis in production) and not a table:
- A failed login answers 401 and the request's unit of work rolls back, which would roll a
  counter in the database back with it; the store is outside the transaction.
- With several workers the store is shared (`RATELIMIT_STORAGE_URI=redis://…`), the same
  place the per-address limits are counted, so one configuration makes both hold.
- Redis INCR (and the memory store's locked increment) is atomic: concurrent failures each
  count. Keys expire by themselves, so nothing needs cleaning up.
- The cost is that a restart of a memory:// store forgets the counts; that store is for a
  single development process anyway.

Not an oracle and not a lock-out tool: the key is an HMAC of the normalised email (the store
holds no addresses), unknown emails are counted exactly like real ones, and the cap keeps a
hostile stranger from locking someone out for more than 15 minutes at a time.

The clock is `clock()` (time.time) for this module and the memory store's own clock for key
expiry; tests replace both to move time.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import time
from typing import Any

from flask import current_app

import protocol

from .errors import DomainError

BASE_SECONDS = 5
FAILURE_MEMORY_SECONDS = 24 * 3600   # a run of failures is forgotten a day after it began

clock = time.time


class TooManyAttempts(DomainError):
    """429: this account is cooling down; `retry_after` seconds until the next try."""

    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many attempts. Wait a moment and try again.",
                         retry_after=retry_after)
        self.retry_after = retry_after


def _storage() -> Any:
    from ..extensions import limiter
    return limiter.storage


def _keys(kind: str, email: str) -> tuple[str, str]:
    pepper = current_app.config["AUTH_PEPPER"].encode()
    normal = protocol.normalize_email(email) if isinstance(email, str) else ""
    digest = hmac.new(pepper, b"throttle|" + normal.encode(), hashlib.sha256).hexdigest()[:32]
    return f"valitila/throttle/{kind}/fail/{digest}", f"valitila/throttle/{kind}/block/{digest}"


def delay(failures: int) -> int:
    """Seconds an account is blocked after its `failures`-th failure in a row (0 = not)."""
    config = current_app.config
    free = int(config.get("LOGIN_BACKOFF_FREE", 5))
    cap = int(config.get("LOGIN_BACKOFF_MAX_SECONDS", 900))
    if failures < free:
        return 0
    return min(cap, BASE_SECONDS * 2 ** min(failures - free, 32))


def check(kind: str, email: str) -> None:
    """Refuse (429) while the account is blocked; call before checking the credentials."""
    storage = _storage()
    _, block = _keys(kind, email)
    if storage.get(block) > 0:
        remaining = storage.get_expiry(block) - clock()
        raise TooManyAttempts(max(1, math.ceil(remaining)))


def failed(kind: str, email: str) -> int:
    """Count a failure (atomically); from the threshold on, block the account for a while.
    Returns the number of failures in a row."""
    storage = _storage()
    fail, block = _keys(kind, email)
    failures = storage.incr(fail, FAILURE_MEMORY_SECONDS)
    seconds = delay(failures)
    if seconds:
        # Made only if absent: a concurrent failure does not stretch a running block.
        storage.incr(block, seconds)
    return failures


def succeeded(kind: str, email: str) -> None:
    """A correct proof resets the account's count."""
    storage = _storage()
    for key in _keys(kind, email):
        storage.clear(key)
