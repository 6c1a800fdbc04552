"""Service tests of webapp.services.devices: device sessions that really end."""
from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import delete, func, select

from webapp.extensions import db
from webapp.models import User
from webapp.models.accounts import DeviceSession
from webapp.services import devices
from webapp.services.errors import NotFound
from webapp.uow import unit_of_work

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/124.0.0.0 Mobile Safari/537.36")
FIREFOX_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 "
                   "Firefox/125.0")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")


def _register(email: str = "anna@example.fi") -> tuple[User, None]:
    """A bare account row: these tests are about sessions, not about key material."""
    user = User(uid=str(uuid.uuid4()), email=email, display_name="Testi", salt_seed="A" * 22,
                kdf={}, auth_hash=bytes(32), wrapped_ak={}, recovery_auth_hash=bytes(32),
                recovery_wrapped_ak={}, wrapped_x25519={}, wrapped_ed25519={}, bundle={})
    with unit_of_work():
        db.session.add(user)
    return user, None


def _start(user: User, ua: str | None = FIREFOX_WINDOWS, now: datetime = T0) -> str:
    with unit_of_work():
        return devices.start_session(user, ua, now=now)


def _load(token: str | None, now: datetime = T0) -> User | None:
    with unit_of_work():
        return devices.load(token, now=now)


def _rows(uid: str | None = None) -> int:
    query = select(func.count()).select_from(DeviceSession)
    if uid:
        query = query.where(DeviceSession.user_uid == uid)
    return db.session.scalar(query)


# -- labels ------------------------------------------------------------------------------------

@pytest.mark.parametrize("ua, label", [
    (CHROME_ANDROID, "Chrome · Android"),
    (FIREFOX_WINDOWS, "Firefox · Windows"),
    (SAFARI_IPHONE, "Safari · iPhone"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.4 Safari/605.1.15", "Safari · macOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0", "Edge · Windows"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "HeadlessChrome/124.0.0.0 Safari/537.36", "Chrome · Linux"),
    ("Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "CriOS/124.0 Mobile/15E148 Safari/604.1", "Chrome · iPad"),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36", "Chrome · ChromeOS"),
    ("Werkzeug/3.1", ""),
    ("", ""),
    (None, ""),
])
def test_device_label_is_coarse(ua, label):
    assert devices.device_label(ua) == label


# -- start and load ----------------------------------------------------------------------------

def test_start_session_stores_only_the_hash_of_the_secret(ctx):
    user, _ = _register()
    token = _start(user, CHROME_ANDROID)
    public_id, _, secret = token.partition(".")
    row = db.session.get(DeviceSession, public_id)
    assert row.user_uid == user.uid and row.label == "Chrome · Android"
    assert row.secret_hash == hashlib.sha256(secret.encode()).digest()
    assert len(secret) >= 43 and secret.encode() not in repr(row.__dict__).encode()
    assert (row.created_at, row.last_seen_at) == (T0, T0)
    assert row.expires_at == T0 + timedelta(days=current_app.config["SESSION_MAX_DAYS"])
    assert user.get_id() == token


def test_load_finds_the_user_and_remembers_the_device(ctx):
    user, _ = _register()
    token = _start(user)
    uid = user.uid
    db.session.expunge_all()
    loaded = _load(token)
    assert loaded.uid == uid and loaded.get_id() == token
    assert devices.current(loaded).id == token.partition(".")[0]


@pytest.mark.parametrize("mangle", [
    lambda t: None,
    lambda t: "",
    lambda t: 42,
    lambda t: t.partition(".")[0],                    # the public id alone
    lambda t: t.partition(".")[0] + ".",              # no secret
    lambda t: "." + t.partition(".")[2],              # no id
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),   # a wrong secret
    lambda t: "x" * 22 + "." + t.partition(".")[2],   # an unknown id
    lambda t: f"{t}:1",
    lambda t: t + "." * 200,
])
def test_load_refuses_a_wrong_token(ctx, mangle):
    user, _ = _register()
    token = _start(user)
    assert _load(mangle(token)) is None
    assert _load(token).uid == user.uid                # the control


def test_load_refuses_the_legacy_uid_epoch_cookie(ctx):
    user, _ = _register()
    assert _load(f"{user.uid}:1") is None


def test_another_users_secret_does_not_open_my_session(ctx):
    """A "foreign" session: Bertta's secret with Anna's public id is refused."""
    anna, _ = _register()
    bertta, _ = _register("bertta@example.fi")
    anna_token, bertta_token = _start(anna), _start(bertta)
    forged = anna_token.partition(".")[0] + "." + bertta_token.partition(".")[2]
    assert _load(forged) is None


# -- expiry (a controllable clock: every function takes `now`) ---------------------------------

def test_idle_timeout(ctx):
    user, _ = _register()
    token = _start(user)
    idle = timedelta(days=current_app.config["SESSION_IDLE_DAYS"])
    assert _load(token, T0 + idle - timedelta(seconds=1)).uid == user.uid   # and touches it
    later = T0 + idle - timedelta(seconds=1) + idle - timedelta(seconds=1)
    assert _load(token, later).uid == user.uid          # used again in time: still alive
    assert _load(token, later + idle) is None           # then idle too long: refused
    assert _rows(user.uid) == 0                         # and gone


def test_absolute_lifetime_even_when_used_every_day(ctx, app):
    user, _ = _register()
    token = _start(user)
    lifetime = timedelta(days=app.config["SESSION_MAX_DAYS"])
    day = T0
    while day + timedelta(days=1) < T0 + lifetime:
        day += timedelta(days=1)
        assert _load(token, day) is not None
    assert _load(token, T0 + lifetime) is None


def test_lifetimes_are_configurable(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_DAYS", 1)
    monkeypatch.setitem(app.config, "SESSION_MAX_DAYS", 2)
    user, _ = _register()
    token = _start(user)
    assert _load(token, T0 + timedelta(hours=23)) is not None
    assert _load(token, T0 + timedelta(hours=46)) is not None
    assert _load(token, T0 + timedelta(hours=48)) is None
    other = _start(user)
    assert _load(other, T0 + timedelta(hours=25)) is None


def test_last_seen_is_written_at_most_once_a_minute(ctx):
    user, _ = _register()
    token = _start(user)
    public_id = token.partition(".")[0]

    def stored() -> datetime:
        db.session.expire_all()
        return db.session.get(DeviceSession, public_id).last_seen_at

    _load(token, T0 + timedelta(seconds=59))
    assert stored() == T0
    _load(token, T0 + timedelta(seconds=61))
    assert stored() == T0 + timedelta(seconds=61)
    _load(token, T0 + timedelta(seconds=100))
    assert stored() == T0 + timedelta(seconds=61)


def test_touch_of_a_session_ended_meanwhile_is_not_an_error(ctx):
    user, _ = _register()
    token = _start(user)
    device = db.session.get(DeviceSession, token.partition(".")[0])
    db.session.expunge(device)
    db.session.rollback()
    with db.engine.begin() as conn:                     # another request signs it out
        conn.execute(delete(DeviceSession))
    with unit_of_work():
        assert devices.touch(device, now=T0 + timedelta(hours=1)) is True


def test_start_session_purges_the_accounts_expired_rows(ctx):
    user, _ = _register()
    _start(user, now=T0)
    _start(user, now=T0 + timedelta(days=400))
    assert _rows(user.uid) == 1


# -- ending sessions ---------------------------------------------------------------------------

def test_end_session(ctx):
    user, _ = _register()
    token, other = _start(user), _start(user)
    loaded = _load(token)
    with unit_of_work():
        devices.end_session(devices.current(loaded))
        devices.end_session(None)                       # nothing to end: no error
    assert _load(token) is None and _load(other) is not None


def test_end_other_sessions_keeps_this_one(ctx):
    anna, _ = _register()
    bertta, _ = _register("bertta@example.fi")
    this, phone, laptop = _start(anna), _start(anna), _start(anna)
    hers = _start(bertta)
    me = _load(this)
    with unit_of_work():
        assert devices.end_other_sessions(me, keep=devices.current(me)) == 2
    assert [_load(t) is not None for t in (this, phone, laptop, hers)] == [True, False, False,
                                                                             True]


def test_end_all_sessions(ctx):
    anna, _ = _register()
    bertta, _ = _register("bertta@example.fi")
    tokens = [_start(anna) for _ in range(3)]
    hers = _start(bertta)
    with unit_of_work():
        assert devices.end_all_sessions(anna) == 3
    assert all(_load(t) is None for t in tokens) and _load(hers) is not None


def test_end_session_of_only_ends_own_devices(ctx):
    anna, _ = _register()
    bertta, _ = _register("bertta@example.fi")
    mine, hers = _start(anna), _start(bertta)
    her_id = hers.partition(".")[0]
    for device_id in (her_id, "unknown", "", None, 5):
        with pytest.raises(NotFound):
            devices.end_session_of(anna, device_id)
        db.session.rollback()
    assert _load(hers) is not None and _load(mine) is not None
    with unit_of_work():
        devices.end_session_of(anna, mine.partition(".")[0])
    assert _load(mine) is None


def test_list_sessions_most_recent_first_without_expired(ctx):
    anna, _ = _register()
    bertta, _ = _register("bertta@example.fi")
    old = _start(anna, CHROME_ANDROID, now=T0 - timedelta(days=40))   # idle too long
    phone = _start(anna, SAFARI_IPHONE, now=T0 - timedelta(days=2))
    laptop = _start(anna, FIREFOX_WINDOWS, now=T0 - timedelta(days=5))
    _start(bertta)
    _load(laptop, T0 - timedelta(hours=1))
    listed = devices.list_sessions(anna, now=T0)
    assert [d.id for d in listed] == [laptop.partition(".")[0], phone.partition(".")[0]]
    assert old.partition(".")[0] not in {d.id for d in listed}
    assert [d.label for d in listed] == ["Firefox · Windows", "Safari · iPhone"]


def test_deleting_the_account_deletes_its_sessions(ctx):
    user, _ = _register()
    _start(user)
    with unit_of_work():
        db.session.execute(delete(User).where(User.uid == user.uid))
    assert _rows() == 0
