"""One transaction per use case: a failure half-way through a use case that writes several
tables leaves nothing behind, and a domain error rolls back what was flushed before it."""
from __future__ import annotations

import uuid

import pytest

from webapp.services import accounts, items

from .factories import api_register, fast_account, item_body, snapshot, unique_email


class HalfWay(RuntimeError):
    """Raised by a sabotaged step in the middle of a use case."""


def test_register_failing_after_the_user_row_leaves_no_account(app, monkeypatch):
    """register writes users, then audit_events (and a device session): break the second."""
    before = snapshot(app)

    def broken_audit(user, kind, **detail):
        raise HalfWay(kind)

    monkeypatch.setattr(accounts, "audit", broken_audit)
    client = app.test_client()
    with pytest.raises(HalfWay):
        client.post("/api/v1/auth/register",
                    json=fast_account().registration(unique_email()))
    assert snapshot(app) == before


def test_update_failing_between_envelopes_changes_nothing(app, monkeypatch):
    """An update that replaces the envelope set writes items and envelopes: break it after
    the old envelopes are deleted and the first new one is made."""
    person = api_register(app)
    item_id = str(uuid.uuid4())
    dek = person.deks.setdefault(item_id, b"\x05" * 32)
    assert person.put(f"/items/{item_id}", item_body(person.account, item_id,
                                                      dek=dek)).status_code == 201
    before = snapshot(app)
    real_row = items._envelope_row

    def broken_row(item, env, expires_at=None):
        real_row(item, env, expires_at)
        raise HalfWay("second table")

    monkeypatch.setattr(items, "_envelope_row", broken_row)
    body = item_body(person.account, item_id, rev=2, dek=dek)   # with envelopes: a rotation
    with pytest.raises(HalfWay):
        person.put(f"/items/{item_id}", body)
    assert snapshot(app) == before


def test_delete_failing_after_the_tombstone_changes_nothing(app, monkeypatch):
    person = api_register(app)
    item_id = str(uuid.uuid4())
    assert person.put(f"/items/{item_id}", item_body(person.account, item_id)).status_code == 201
    before = snapshot(app)
    real_flush = items.db.session.flush

    def broken_flush(*args, **kwargs):
        real_flush(*args, **kwargs)
        raise HalfWay("after the flush")

    monkeypatch.setattr(items.db.session, "flush", broken_flush)
    with pytest.raises(HalfWay):
        person.delete(f"/items/{item_id}")
    monkeypatch.undo()
    assert snapshot(app) == before
    assert person.get(f"/items/{item_id}").status_code == 200


def test_a_view_that_answers_an_error_does_not_commit(app):
    """A page that caught a domain error and answered 400 keeps nothing of the attempt."""
    person = api_register(app, display_name="Anna")
    page = person.client.get("/account/").get_data(as_text=True)
    from .factories import csrf_from
    before = snapshot(app)
    response = person.client.post("/account/settings", data={
        "csrf_token": csrf_from(page), "display_name": "Uusi nimi", "lock_minutes": "0"})
    assert response.status_code == 400
    assert snapshot(app) == before
