"""The Alembic migrations (migrations/versions) against the models: an upgrade from the
previous revision keeps the data, a downgrade and an upgrade again work with data in the new
tables, and at head the database is exactly what the models describe (compare_metadata).

Each test migrates a scratch database of its own: a temporary SQLite file, or a throwaway
database on the PostgreSQL server of TEST_DATABASE_URL (scripts/with-postgres.sh)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, create_engine, inspect, make_url, select, text

from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db

BEFORE = "0004"          # the revision before supervision processes


@pytest.fixture
def scratch_url(database_url: str, tmp_path) -> Iterator[str]:
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"valitila_migrations_{uuid.uuid4().hex[:10]}"
    server = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def scratch(scratch_url: str, monkeypatch) -> Iterator[Flask]:
    """An app on the empty scratch database."""
    monkeypatch.setenv("TEST_DATABASE_URL", scratch_url)
    app = create_app(TestConfig)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _tables() -> MetaData:
    meta = MetaData()
    meta.reflect(bind=db.engine)
    return meta


NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
UID, ITEM = str(uuid.uuid4()), str(uuid.uuid4())


def _seed_0004() -> None:
    """A user, an item and its owner envelope, written against the 0004 schema."""
    t = _tables().tables
    box = {"iv": "A" * 16, "ct": "B" * 64}
    with db.engine.begin() as conn:
        conn.execute(t["users"].insert().values(
            uid=UID, email="vanha@example.fi", display_name="Vanha", locale="fi",
            is_supervisor=True, lock_minutes=15, salt_seed="C" * 22,
            kdf={"alg": "argon2id", "m": 65536, "t": 3, "p": 1}, auth_hash=b"\1" * 32,
            wrapped_ak=box, recovery_auth_hash=b"\2" * 32, recovery_wrapped_ak=box,
            wrapped_x25519=box, wrapped_ed25519=box, bundle={"uid": UID}, session_epoch=1,
            created_at=NOW))
        conn.execute(t["items"].insert().values(
            id=ITEM, kind="entry", author_uid=UID, rev=3, h="h", iv="D" * 16, ct="E" * 364,
            sig="F" * 86, size=272, created_at=NOW, updated_at=NOW))
        conn.execute(t["envelopes"].insert().values(
            item_id=ITEM, recipient_uid=UID, type="ak", iv="G" * 16, ct="H" * 64,
            created_at=NOW, item_kind="entry", item_created_at=NOW))


def _old_rows() -> tuple:
    t = _tables().tables
    with db.engine.connect() as conn:
        user = conn.execute(select(t["users"].c.email, t["users"].c.display_name)).one()
        item = conn.execute(select(t["items"].c.id, t["items"].c.rev, t["items"].c.process_id)
                            .where(t["items"].c.id == ITEM)).one()
        envelope = conn.execute(select(t["envelopes"].c.item_id, t["envelopes"].c.ct)
                                .where(t["envelopes"].c.item_id == ITEM)).one()
    return tuple(user), tuple(item), tuple(envelope)


def _seed_processes() -> str:
    """A process with its supervisor, an invite, a process item and a share through it."""
    from webapp.models import Envelope, Invite, Item, Membership, Process, User
    pid = str(uuid.uuid4())
    reader = db.session.get(User, UID)
    assert reader is not None
    db.session.add(Process(id=pid, form="crisis", status="active", supervisor_uid=UID,
                           session_minutes=60, interval_days=7, session_count=3))
    db.session.flush()
    db.session.add_all([
        Membership(process_id=pid, user_uid=UID, role="supervisor"),
        Invite(id="I" * 22, process_id=pid, token_hash=b"\3" * 32, expires_at=NOW),
        Item(id=str(uuid.uuid4()), kind="title", author_uid=UID, rev=1, h="h", iv="J" * 16,
             ct="K" * 364, sig="L" * 86, size=272, process_id=pid, created_at=NOW,
             updated_at=NOW)])
    db.session.flush()
    envelope = db.session.scalar(select(Envelope))
    envelope.process_id = pid
    db.session.commit()
    return pid


def test_upgrade_from_0004_keeps_the_data_and_round_trips(scratch):
    with scratch.app_context():
        upgrade(revision=BEFORE)
        assert "processes" not in inspect(db.engine).get_table_names()
        _seed_0004()
        before = _old_rows()
        upgrade()
        assert _old_rows() == before and before[1][2] is None
        names = set(inspect(db.engine).get_table_names())
        assert {"processes", "memberships", "invites"} <= names
        assert "process_id" in {c["name"] for c in inspect(db.engine).get_columns("envelopes")}
        _seed_processes()
        db.session.remove()
        downgrade(revision=BEFORE)
        names = set(inspect(db.engine).get_table_names())
        assert not {"processes", "memberships", "invites"} & names
        assert "process_id" not in {c["name"] for c in
                                    inspect(db.engine).get_columns("envelopes")}
        t = _tables().tables
        with db.engine.connect() as conn:
            assert conn.execute(select(t["items"].c.process_id)
                                .where(t["items"].c.process_id.is_not(None))).all() == []
            assert len(conn.execute(select(t["items"])).all()) == 2
        assert _old_rows() == before
        upgrade()                              # and up again, with the data still there
        assert _old_rows() == before
        _seed_processes()


def test_the_models_match_the_migrated_database(scratch):
    with scratch.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], differences


def test_the_comparison_can_fail(scratch):
    """Control: a database one revision behind differs from the models."""
    with scratch.app_context():
        upgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        tables = {diff[1].name for diff in differences if diff[0] == "add_table"}
        assert {"processes", "memberships", "invites"} <= tables
