"""A supervisor deletes a private note on one device while ending its process on another
(services/items.delete_item reads the process's status under its row lock; ending takes the
row FOR UPDATE): the delete either comes first (done, before the end) or after (refused with
409 process_ended, the note kept), never done after the end on a stale read. Many rounds, on
SQLite and on PostgreSQL (scripts/with-postgres.sh)."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Item, Process, Tombstone

from .factories import api_login, api_register, make_process, note_body
from .test_races import ROUNDS, race


def test_deleting_a_note_while_the_process_ends(app, capsys):
    sara = api_register(app, is_supervisor=True)
    phone = api_login(app, sara)
    anna = api_register(app)
    outcomes: Counter[int] = Counter()
    for _ in range(ROUNDS):
        pid = make_process(sara.uid, anna.uid, status="active", app=app)
        item_id, body = note_body(sara, pid, "poistettava")
        assert sara.put(f"/items/{item_id}", body).status_code == 201
        deleted, ended = race([lambda i=item_id: phone.delete(f"/items/{i}"),
                               lambda p=pid: sara.post(f"/processes/{p}/end")])
        assert not isinstance(deleted, Exception) and not isinstance(ended, Exception)
        assert ended.status_code in (200, 204), ended.get_json()
        assert deleted.status_code in (204, 409), deleted.get_json()
        outcomes[deleted.status_code] += 1
        with app.app_context():
            ended_at = db.session.scalar(select(Process.ended_at).where(Process.id == pid))
            tombstone = db.session.get(Tombstone, item_id)
            item = db.session.get(Item, item_id)
        if deleted.status_code == 204:
            assert item is None and tombstone is not None
            assert tombstone.deleted_at <= ended_at, "deleted after the process ended"
        else:
            assert deleted.get_json()["error"]["code"] == "process_ended"
            assert item is not None and tombstone is None
    with capsys.disabled():
        print(f"\nnote delete vs end: {ROUNDS} rounds, {dict(outcomes)}")


def test_writing_a_note_while_the_process_ends(app, capsys):
    """A new note and an edit of a note sent as the process ends: saved before the end (its
    time is not after the end's) or refused with 409 process_ended, nothing stored."""
    sara = api_register(app, is_supervisor=True)
    phone, laptop = api_login(app, sara), api_login(app, sara)
    anna = api_register(app)
    outcomes: Counter[tuple[str, int]] = Counter()
    for round_ in range(ROUNDS):
        pid = make_process(sara.uid, anna.uid, status="active", app=app)
        kept, body = note_body(sara, pid, "muokattava")
        assert sara.put(f"/items/{kept}", body).status_code == 201
        new_id, new_body = note_body(sara, pid, f"uusi {round_}")
        _, edit_body = note_body(sara, pid, "muokattu", item_id=kept, rev=2)
        created, edited, ended = race([
            lambda i=new_id, b=new_body: phone.put(f"/items/{i}", b),
            lambda i=kept, b=edit_body: sara.put(f"/items/{i}", b),
            lambda p=pid: laptop.post(f"/processes/{p}/end")])
        for response in (created, edited, ended):
            assert not isinstance(response, Exception), repr(response)
        assert ended.status_code in (200, 204), ended.get_json()
        with app.app_context():
            ended_at = db.session.scalar(select(Process.ended_at).where(Process.id == pid))
            new_item = db.session.get(Item, new_id)
            edited_item = db.session.get(Item, kept)
        outcomes["create", created.status_code] += 1
        outcomes["edit", edited.status_code] += 1
        if created.status_code == 201:
            assert new_item is not None and new_item.created_at <= ended_at
        else:
            assert created.status_code == 409, created.get_json()
            assert created.get_json()["error"]["code"] == "process_ended" and new_item is None
        if edited.status_code == 200:
            assert edited_item.rev == 2 and edited_item.updated_at <= ended_at
        else:
            assert edited.status_code == 409, edited.get_json()
            assert edited.get_json()["error"]["code"] == "process_ended"
            assert edited_item.rev == 1
    with capsys.disabled():
        print(f"\nnote writes vs end: {ROUNDS} rounds, {dict(outcomes)}")
