"""What the browser outbox (webapp/static/js/outbox.js) relies on from the items API.

The outbox resends a PUT whose answer it never saw (the network or the server dropped it),
sends updates with the rev after the last one it queued, and treats a 404 for a queued
DELETE as done. So, through the real HTTP API:
- an identical create or update, repeated any number of times, is answered like the first
  one and changes nothing;
- a write whose response was lost can be sent again safely, and the next rev follows;
- anything else stale is a 409 that carries the stored rev;
- deleting an already deleted item is a 404;
- an id whose item was deleted can be used again by a new create (there are no tombstones).
"""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Envelope, Item

EMAIL = "outbox@example.fi"  # one email: the Argon2id key material is cached per session


@pytest.fixture
def anna(proto):
    return proto.register(EMAIL)


def count(app, model, *where) -> int:
    """Rows of `model` matching `where` (always scope to the test's own author or item: an
    end-to-end server in the same session may share the database)."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def stored(app, item_id: str) -> tuple[int, str, str] | None:
    """(rev, ct, updated_at) of the stored item, straight from the database."""
    with app.app_context():
        item = db.session.get(Item, item_id)
        return None if item is None else (item.rev, item.ct, item.updated_at.isoformat())


@pytest.mark.parametrize("times", [2, 5])
def test_identical_create_retried_is_201_and_one_item(app, anna, times):
    item_id, body = anna.seal({"title": "Luonnos", "body": "Sama teksti", "tags": []})
    answers = [anna.put(f"/items/{item_id}", body) for _ in range(times)]
    assert [r.status_code for r in answers] == [201] * times
    assert all(r.get_json() == answers[0].get_json() for r in answers)
    assert count(app, Item, Item.author_uid == anna.uid) == 1
    assert count(app, Envelope, Envelope.item_id == item_id) == 1
    assert anna.open(anna.get(f"/items/{item_id}").get_json())["body"] == "Sama teksti"


def test_identical_update_retried_is_200_and_no_change(app, anna):
    item_id = anna.write("v1", "eka")
    _, body2 = anna.seal({"title": "v2", "body": "toka", "tags": []}, item_id=item_id, rev=2)
    first = anna.put(f"/items/{item_id}", body2)
    assert first.status_code == 200 and first.get_json()["rev"] == 2
    before = stored(app, item_id)
    for _ in range(3):
        again = anna.put(f"/items/{item_id}", body2)
        assert again.status_code == 200
        assert again.get_json() == first.get_json()
    assert stored(app, item_id) == before
    assert count(app, Item, Item.author_uid == anna.uid) == 1


def test_update_after_a_lost_response_is_idempotent_and_the_next_rev_follows(app, anna):
    """The server stored rev 2 but the browser never saw the answer: it sends rev 2 again
    (same sealed content and signature), then its next edit as rev 3."""
    item_id = anna.write("v1", "eka")
    _, body2 = anna.seal({"title": "v2", "body": "toka", "tags": []}, item_id=item_id, rev=2)
    assert anna.put(f"/items/{item_id}", body2).status_code == 200  # answer "lost"
    retried = anna.put(f"/items/{item_id}", body2)
    assert retried.status_code == 200 and retried.get_json()["rev"] == 2
    _, body3 = anna.seal({"title": "v3", "body": "kolmas", "tags": []}, item_id=item_id, rev=3)
    third = anna.put(f"/items/{item_id}", body3)
    assert third.status_code == 200 and third.get_json()["rev"] == 3
    assert anna.open(anna.get(f"/items/{item_id}").get_json())["body"] == "kolmas"


def test_create_with_a_lost_response_then_its_queued_update(app, anna):
    """The outbox keeps an attempted create and queues the next version after it (rev 2):
    the resent create is answered 201 again, then the update applies."""
    item_id, body1 = anna.seal({"title": "uusi", "body": "eka", "tags": []})
    assert anna.put(f"/items/{item_id}", body1).status_code == 201  # answer "lost"
    _, body2 = anna.seal({"title": "uusi", "body": "toka", "tags": []}, item_id=item_id, rev=2)
    assert anna.put(f"/items/{item_id}", body1).status_code == 201
    assert anna.put(f"/items/{item_id}", body2).status_code == 200
    assert stored(app, item_id)[0] == 2
    assert count(app, Item, Item.author_uid == anna.uid) == 1


def test_different_content_at_the_stored_rev_is_409_with_the_stored_rev(app, anna):
    """Two devices both wrote rev 2: the second one's is refused, nothing changes."""
    item_id = anna.write("v1", "eka")
    _, ours = anna.seal({"title": "A", "body": "laite A", "tags": []}, item_id=item_id, rev=2)
    _, theirs = anna.seal({"title": "B", "body": "laite B", "tags": []}, item_id=item_id, rev=2)
    assert anna.put(f"/items/{item_id}", ours).status_code == 200
    before = stored(app, item_id)
    answer = anna.put(f"/items/{item_id}", theirs)
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["code"] == "conflict" and error["rev"] == 2
    assert stored(app, item_id) == before


def test_stale_rev_behind_the_stored_one_is_409_with_the_stored_rev(app, anna):
    item_id = anna.write("v1", "eka")
    for rev in (2, 3):
        _, body = anna.seal({"title": f"v{rev}", "body": "x", "tags": []}, item_id=item_id,
                            rev=rev)
        assert anna.put(f"/items/{item_id}", body).status_code == 200
    _, stale = anna.seal({"title": "vanha", "body": "offline", "tags": []}, item_id=item_id,
                         rev=2)
    answer = anna.put(f"/items/{item_id}", stale)
    assert answer.status_code == 409 and answer.get_json()["error"]["rev"] == 3
    # A skipped rev is stale too (never "ahead" of the server).
    _, ahead = anna.seal({"title": "ohi", "body": "x", "tags": []}, item_id=item_id, rev=5)
    answer = anna.put(f"/items/{item_id}", ahead)
    assert answer.status_code == 409 and answer.get_json()["error"]["rev"] == 3
    assert stored(app, item_id)[0] == 3


def test_resent_create_after_another_device_updated_is_a_conflict(app, anna, proto):
    """A create whose answer was lost, resent after another device already edited the item:
    the server cannot tell it from a stale write, so it is a 409 with the stored rev (the
    app then shows both versions; nothing is overwritten)."""
    item_id, body1 = anna.seal({"title": "uusi", "body": "eka", "tags": []})
    assert anna.put(f"/items/{item_id}", body1).status_code == 201
    laptop = proto.login(anna)
    _, body2 = laptop.seal({"title": "muokattu", "body": "toka", "tags": []}, item_id=item_id,
                           rev=2)
    assert laptop.put(f"/items/{item_id}", body2).status_code == 200
    answer = anna.put(f"/items/{item_id}", body1)
    assert answer.status_code == 409 and answer.get_json()["error"]["rev"] == 2
    assert stored(app, item_id)[0] == 2


def test_queued_delete_of_an_already_deleted_item_is_done(app, anna, proto):
    """The author's retried delete is answered as the first one (the tombstone says it was
    theirs); anyone else still gets 404."""
    item_id = anna.write("poistettava", "x")
    assert anna.delete(f"/items/{item_id}").status_code == 204
    assert anna.delete(f"/items/{item_id}").status_code == 204
    assert proto.register().delete(f"/items/{item_id}").status_code == 404
    assert anna.get(f"/items/{item_id}").status_code == 404
    assert count(app, Item, Item.author_uid == anna.uid) == 0
    assert count(app, Envelope, Envelope.recipient_uid == anna.uid) == 0


def test_delete_of_an_item_that_never_existed_is_404(anna):
    assert anna.delete(f"/items/{uuid.uuid4()}").status_code == 404


def test_update_of_a_deleted_item_is_410_deleted(app, anna):
    """An edit queued offline for an item deleted elsewhere: 410 deleted (the client offers to
    keep the text as a new item), never a silent re-creation."""
    item_id = anna.write("v1", "eka")
    _, body2 = anna.seal({"title": "v2", "body": "offline", "tags": []}, item_id=item_id, rev=2)
    assert anna.delete(f"/items/{item_id}").status_code == 204
    answer = anna.put(f"/items/{item_id}", body2)
    assert answer.status_code == 410 and answer.get_json()["error"]["code"] == "deleted"
    assert count(app, Item, Item.author_uid == anna.uid) == 0


def test_a_deleted_id_cannot_be_created_again(app, anna):
    """Tombstones: a late resend of the deleted item's create, or a new create under the same
    id, is 410 deleted; the text goes into a new item under a new id."""
    item_id, body1 = anna.seal({"title": "eka", "body": "ensimmäinen", "tags": []})
    assert anna.put(f"/items/{item_id}", body1).status_code == 201
    assert anna.delete(f"/items/{item_id}").status_code == 204
    late = anna.put(f"/items/{item_id}", body1)
    assert late.status_code == 410 and late.get_json()["error"]["code"] == "deleted"
    anna.deks.pop(item_id)
    _, body_new = anna.seal({"title": "uusi", "body": "toinen", "tags": []}, item_id=item_id)
    assert anna.put(f"/items/{item_id}", body_new).status_code == 410
    kept = anna.write("eka", "ensimmäinen")          # "keep my text as a new entry"
    assert anna.open(anna.get(f"/items/{kept}").get_json())["body"] == "ensimmäinen"
    assert count(app, Item, Item.author_uid == anna.uid) == 1
