"""Erased means gone from the files, and stays gone after a restore (issue 11).

- SQLite: after an erasure, the database files (main, -wal, -shm) hold none of the user's
  ciphertext, envelopes or wrapped keys, neither as the stored base64 text nor as raw bytes
  (secure_delete on every connection, the WAL truncated after the commit). The scan is shown
  to find them before the erasure, so it can fail.
- `flask purge-erased` vacuums (PostgreSQL: VACUUM on the affected tables; SQLite: VACUUM):
  it runs and the rows stay gone.
- `flask reapply-erasures` after restoring a dump taken before the erasure makes the account
  gone again, from the erasure file kept outside the database.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import or_, select

import protocol
from webapp.extensions import db
from webapp.models import Envelope, Item, User
from webapp.models.privacy import Erasure

from .factories import api_register, b64u, dump_rows, make_process, restore_rows
from .test_erasure_service import _shared_entry


def _needles(app, uid: str) -> dict[str, bytes]:
    """Every secret of the account as stored (base64 text) and as raw bytes."""
    found: dict[str, bytes] = {}
    with app.app_context():
        user = db.session.get(User, uid)
        boxes = [user.wrapped_ak, user.recovery_wrapped_ak, user.wrapped_x25519,
                 user.wrapped_ed25519]
        for n, box in enumerate(boxes):
            found[f"key{n}"] = box["ct"].encode()
            found[f"key{n}-raw"] = protocol.b64u_decode(box["ct"])
        items = db.session.scalars(select(Item).where(Item.author_uid == uid)).all()
        for item in items:
            found[f"item-{item.id}"] = item.ct.encode()
            found[f"item-{item.id}-raw"] = protocol.b64u_decode(item.ct)
        envelopes = db.session.scalars(select(Envelope).join(Item).where(or_(
            Envelope.recipient_uid == uid, Item.author_uid == uid))).all()
        for env in envelopes:
            found[f"env-{env.id}"] = env.ct.encode()
            found[f"env-{env.id}-raw"] = protocol.b64u_decode(env.ct)
        found["email"] = user.email.encode()
    return found


def _files(app) -> list[Path]:
    with app.app_context():
        main = Path(db.engine.url.database)
    return [p for p in (main, Path(f"{main}-wal"), Path(f"{main}-shm")) if p.exists()]


def _hits(app, needles: dict[str, bytes]) -> list[str]:
    contents = [(p.name, p.read_bytes()) for p in _files(app)]
    return [f"{name} in {file}" for name, needle in needles.items()
            for file, data in contents if needle in data]


def _people(app):
    sirpa = api_register(app, is_supervisor=True)
    anna = api_register(app)
    pid = make_process(sirpa.uid, anna.uid, form="individual", status="active", app=app)
    for n in range(3):
        anna.write(f"Salainen pohdinta {n}", "x" * 600)
    _shared_entry(app, anna, sirpa.uid, pid)
    _shared_entry(app, sirpa, anna.uid, pid)
    return sirpa, anna, pid


def test_after_an_erasure_the_sqlite_files_hold_none_of_the_users_secrets(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the file scan is SQLite's; PostgreSQL: test_purge_erased")
    sirpa, anna, _ = _people(app)
    needles = _needles(app, anna.uid)
    assert len(needles) > 12
    assert _hits(app, needles), "the scan finds the secrets before the erasure"
    response = anna.post("/me/erase", {"auth_key": b64u(anna.auth_key)})
    assert response.status_code == 204
    assert _hits(app, needles) == []
    with app.app_context():
        assert db.session.get(User, sirpa.uid) is not None          # the others are there


def test_purge_erased_vacuums_and_the_rows_stay_gone(app):
    sirpa, anna, _ = _people(app)
    assert anna.post("/me/erase", {"auth_key": b64u(anna.auth_key)}).status_code == 204
    result = app.test_cli_runner().invoke(args=["purge-erased"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert "users" in result.output and "envelopes" in result.output
        else:
            assert "whole database" in result.output
        assert db.session.get(User, anna.uid) is None
        assert db.session.scalars(select(Item).where(Item.author_uid == anna.uid)).all() == []
        assert db.session.get(Erasure, anna.uid) is not None
        assert db.session.get(User, sirpa.uid) is not None


def test_reapply_erasures_after_a_restore_makes_the_account_gone_again(app, tmp_path):
    listing = tmp_path / "erasures.log"
    app.config["ERASURE_LIST_FILE"] = str(listing)
    try:
        sirpa, anna, pid = _people(app)
        kept = sirpa.write("Sirpan oma")
        backup = dump_rows(app)                                   # taken before the erasure
        assert anna.post("/me/erase", {"auth_key": b64u(anna.auth_key)}).status_code == 204
        assert anna.uid in listing.read_text()
        with listing.open("a") as file:                           # a stray line is skipped
            file.write("not-a-uid 2026-01-01\n\n" + "x" * 80 + "\n")
        with app.app_context():                                   # the restore
            db.session.remove()
            with db.engine.begin() as conn:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
        restore_rows(app, backup)
        with app.app_context():
            assert db.session.get(User, anna.uid) is not None     # back from the backup
            assert db.session.get(Erasure, anna.uid) is None      # and so is the list
        result = app.test_cli_runner().invoke(args=["reapply-erasures"])
        assert result.exit_code == 0, result.output
        assert "Erased again 1 accounts" in result.output
        with app.app_context():
            assert db.session.get(User, anna.uid) is None
            assert db.session.scalars(select(Item).where(Item.author_uid == anna.uid)).all() == []
            assert db.session.scalars(select(Envelope).where(
                Envelope.recipient_uid == anna.uid)).all() == []
            assert db.session.get(Erasure, anna.uid) is not None
            assert db.session.get(Item, kept) is not None
        again = app.test_cli_runner().invoke(args=["reapply-erasures"])
        assert "Erased again 0 accounts" in again.output
    finally:
        app.config["ERASURE_LIST_FILE"] = None


