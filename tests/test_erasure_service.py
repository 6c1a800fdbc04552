"""Erasing an account (issue 11): everything of the user goes in one transaction, others'
items stay, other members' views update, a wrong key or a late failure changes nothing."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from webapp.extensions import db
from webapp.models import (
    Envelope,
    Invite,
    Item,
    Membership,
    PinnedKey,
    Process,
    User,
)
from webapp.models.accounts import AuditEvent, DeviceSession
from webapp.models.privacy import Erasure
from webapp.models.reminders import ReminderSent, ReminderSetting
from webapp.models.types import utcnow
from webapp.services import erasure
from webapp.uow import unit_of_work

from .factories import (
    api_login,
    api_register,
    b64u,
    make_process,
    note_body,
    share_body,
    snapshot,
)
from .test_reminders_service import mail_setup, outbox  # noqa: F401 - fixtures


def _shared_entry(app, author, reader_uid: str, pid: str, title: str = "jaettu") -> str:
    item_id, body = author.seal({"title": title, "body": "b", "tags": []})
    assert author.put(f"/items/{item_id}", body).status_code == 201
    env = share_body(author, item_id, reader_uid, app)
    response = author.put(f"/items/{item_id}/envelopes/{reader_uid}",
                          {"envelope": env, "process": pid})
    assert response.status_code == 204, response.get_json()
    return item_id


def _world(app):
    """A group process: supervisor Sirpa, supervisees Anna and Bert, each with items."""
    sirpa = api_register(app, is_supervisor=True)
    anna = api_register(app)
    bert = api_register(app)
    pid = make_process(sirpa.uid, anna.uid, bert.uid, form="group", status="active", app=app)
    w = {"sirpa": sirpa, "anna": anna, "bert": bert, "pid": pid}
    w["anna_private"] = anna.write("yksityinen")
    w["anna_to_sirpa"] = _shared_entry(app, anna, sirpa.uid, pid)
    w["bert_to_anna"] = _shared_entry(app, bert, anna.uid, pid)
    w["sirpa_to_anna"] = _shared_entry(app, sirpa, anna.uid, pid)
    note_id, body = note_body(sirpa, pid, "Annasta: oma muistiinpano")
    assert sirpa.put(f"/items/{note_id}", body).status_code == 201
    w["sirpa_note"] = note_id
    w["anna_phone"] = api_login(app, anna)
    with app.app_context():
        now = utcnow()
        db.session.add_all([
            PinnedKey(owner_uid=anna.uid, subject_uid=sirpa.uid, fp="A" * 43, sig="s" * 86),
            PinnedKey(owner_uid=sirpa.uid, subject_uid=anna.uid, fp="B" * 43, sig="s" * 86),
            ReminderSetting(user_uid=anna.uid, assignment_due=True),
            ReminderSent(user_uid=anna.uid, kind="session_tomorrow", subject="x"),
            Invite(id="i" * 22, process_id=pid, token_hash=uuid.uuid4().bytes * 2,
                   expires_at=now, used_at=now, used_by=anna.uid),
        ])
        db.session.commit()
    return w


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_erasing_a_supervisee_removes_everything_of_theirs_and_keeps_the_others(app):
    w = _world(app)
    anna, sirpa, bert = w["anna"], w["sirpa"], w["bert"]
    with app.app_context():
        epoch = db.session.get(Process, w["pid"]).roster_epoch
    response = anna.post("/me/erase", {"auth_key": b64u(anna.auth_key)})
    assert response.status_code == 204, response.get_json()
    with app.app_context():
        uid = anna.uid
        assert db.session.get(User, uid) is None
        assert _count(Item, Item.author_uid == uid) == 0
        assert _count(Envelope, Envelope.recipient_uid == uid) == 0
        assert _count(Envelope, Envelope.item_id.in_([w["anna_private"],
                                                      w["anna_to_sirpa"]])) == 0
        assert _count(Membership, Membership.user_uid == uid) == 0
        assert _count(DeviceSession, DeviceSession.user_uid == uid) == 0
        assert _count(PinnedKey, (PinnedKey.owner_uid == uid) | (PinnedKey.subject_uid == uid)) == 0
        assert _count(Invite, Invite.used_by == uid) == 0
        assert _count(ReminderSetting, ReminderSetting.user_uid == uid) == 0
        assert _count(ReminderSent, ReminderSent.user_uid == uid) == 0
        assert _count(AuditEvent, AuditEvent.user_uid == uid) == 0
        assert db.session.get(Erasure, uid) is not None
        erasure_row = db.session.execute(select(Erasure.__table__)).one()._mapping
        assert set(erasure_row) == {"uid", "erased_at"}           # no content
        # others' items stay, marked for a key rotation by their authors' clients
        for kept in ("bert_to_anna", "sirpa_to_anna", "sirpa_note"):
            assert db.session.get(Item, w[kept]) is not None, kept
        assert db.session.get(Item, w["bert_to_anna"]).rekey_due
        assert db.session.get(Item, w["sirpa_to_anna"]).rekey_due
        # the membership ended as a leave does: the roster moved on
        assert db.session.get(Process, w["pid"]).roster_epoch == epoch + 1
    # every API answer about her items is 404 for everyone; her other device is signed out
    for person in (sirpa, bert):
        for item in (w["anna_private"], w["anna_to_sirpa"]):
            assert person.get(f"/items/{item}").status_code == 404
        listed = person.get("/items").get_json()["items"]
        assert all(i["author"] != anna.uid for i in listed)
        members = person.get(f"/processes/{w['pid']}").get_json()["members"]
        assert anna.uid not in {m["uid"] for m in members}
        assert person.get(f"/users/{anna.uid}/bundle").status_code == 404
    assert sirpa.get(f"/items/{w['sirpa_note']}").status_code == 200   # her notes stay
    assert w["anna_phone"].get("/me").status_code == 401
    assert anna.get("/me").status_code == 401
    login = app.test_client().post("/api/v1/auth/login", json={
        "email": anna.email, "auth_key": b64u(anna.auth_key)})
    assert login.status_code == 401


def test_a_wrong_key_changes_nothing(app):
    w = _world(app)
    anna = w["anna"]
    before = snapshot(app)
    response = anna.post("/me/erase", {"auth_key": b64u(bytes(32))})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "bad_credentials"
    assert snapshot(app) == before
    assert anna.get("/me").status_code == 200


def test_a_failure_at_the_last_step_changes_nothing(app):
    """The users row is deleted last; a database trigger refuses it: nothing of what came
    before (items, envelopes, memberships, the list) may stay done."""
    w = _world(app)
    anna = w["anna"]
    with app.app_context():
        dialect = db.engine.dialect.name
        with db.engine.begin() as conn:
            if dialect == "sqlite":
                conn.execute(text("CREATE TRIGGER refuse_user_delete BEFORE DELETE ON users "
                                  "BEGIN SELECT RAISE(ABORT, 'refused'); END"))
            else:
                conn.execute(text("CREATE FUNCTION refuse_user_delete() RETURNS trigger AS "
                                  "$$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql"))
                conn.execute(text("CREATE TRIGGER refuse_user_delete BEFORE DELETE ON users "
                                  "FOR EACH ROW EXECUTE FUNCTION refuse_user_delete()"))
    try:
        before = snapshot(app)
        with app.app_context(), pytest.raises(DBAPIError, match="refused"), unit_of_work():
            erasure.erase(anna.uid)
        assert snapshot(app) == before
    finally:
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER refuse_user_delete" if dialect == "sqlite" else
                              "DROP TRIGGER refuse_user_delete ON users"))
            if dialect != "sqlite":
                conn.execute(text("DROP FUNCTION refuse_user_delete()"))
    assert anna.get("/me").status_code == 200
    assert anna.get(f"/items/{w['anna_private']}").status_code == 200


def test_a_supervisor_erasing_ends_her_processes_and_the_supervisees_keep_their_items(app):
    w = _world(app)
    anna, sirpa, bert = w["anna"], w["sirpa"], w["bert"]
    response = sirpa.post("/me/erase", {"auth_key": b64u(sirpa.auth_key)})
    assert response.status_code == 204, response.get_json()
    with app.app_context():
        assert db.session.get(Process, w["pid"]) is None
        assert _count(Item, Item.author_uid == sirpa.uid) == 0
        for kept in ("anna_private", "anna_to_sirpa", "bert_to_anna"):
            assert db.session.get(Item, w[kept]) is not None, kept
        # the share between supervisees went through the process, which is gone
        assert db.session.get(Item, w["bert_to_anna"]).rekey_due
    assert anna.get("/processes").get_json()["processes"] == []
    for item in ("anna_private", "anna_to_sirpa"):
        assert anna.get(f"/items/{w[item]}").status_code == 200
    assert bert.get(f"/items/{w['bert_to_anna']}").status_code == 200
    for item in ("sirpa_to_anna", "sirpa_note"):
        assert anna.get(f"/items/{w[item]}").status_code == 404
    assert anna.get(f"/items/{w['bert_to_anna']}").status_code == 404


def test_erasing_needs_a_signed_in_session_and_json(app, client):
    assert client.post("/api/v1/me/erase", json={"auth_key": b64u(bytes(32))}).status_code in (
        401, 403)


def test_the_members_of_an_erased_supervisors_processes_are_told_without_content(
        app, outbox):  # noqa: F811
    w = _world(app)
    sirpa = w["sirpa"]
    with app.app_context():
        db.session.execute(User.__table__.update().where(User.uid == w["bert"].uid)
                           .values(locale="sv"))
        db.session.commit()
    assert sirpa.post("/me/erase", {"auth_key": b64u(sirpa.auth_key)}).status_code == 204
    received = {rcpt: message for _s, rcpts, message in outbox.received for rcpt in rcpts}
    assert set(received) == {w["anna"].email, w["bert"].email}
    for message in received.values():
        text_ = f"{message['Subject']}\n{message.get_content()}"
        assert "https://valitila.example.fi/account/#export" in text_
        for secret in (w["pid"], sirpa.email, "Testi", "Annasta"):
            assert secret not in text_, secret
    assert received[w["bert"].email]["Content-Language"] == "sv"
