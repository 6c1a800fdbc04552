"""Service-layer tests of webapp.services.items: the sealed store."""
from __future__ import annotations

import base64
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, update

import protocol
from webapp.extensions import db
from webapp.models import Envelope, Item, Tombstone
from webapp.schemas import parse, parse_query
from webapp.schemas.accounts import RegisterRequest
from webapp.schemas.items import (
    MAX_CT_BYTES,
    EnvelopePath,
    EnvelopeWrite,
    ItemPath,
    ItemQuery,
    ItemWrite,
)
from webapp.services import accounts, items
from webapp.services.errors import Conflict, Forbidden, Gone, InvalidInput, NotFound
from webapp.uow import unit_of_work

from .factories import b64u, fast_account, item_body, make_process

# -- the edge: path, query and body through their schemas, then the use case (as the views) ----

def put_item(user, item_id, body):
    path = parse(ItemPath, {"item_id": item_id})
    return items.put_item(user, path.item_id, parse(ItemWrite, body))


def get_item(user, item_id):
    return items.get_item(user, parse(ItemPath, {"item_id": item_id}).item_id)


def delete_item(user, item_id):
    return items.delete_item(user, parse(ItemPath, {"item_id": item_id}).item_id)


def list_items(user, **args):
    query = parse_query(ItemQuery, {k: str(v) for k, v in args.items() if v is not None})
    return items.list_items(user, kind=query.kind, process=query.process,
                            before=query.before, limit=query.limit)


def put_envelope(user, item_id, uid, body):
    path = parse(EnvelopePath, {"item_id": item_id, "uid": uid})
    return items.put_envelope(user, path.item_id, path.uid, parse(EnvelopeWrite, body))


def delete_envelope(user, item_id, uid):
    path = parse(EnvelopePath, {"item_id": item_id, "uid": uid})
    return items.delete_envelope(user, path.item_id, path.uid)


class Author:
    """A registered user with the client-side keys and the DEKs of their items."""

    def __init__(self, email: str) -> None:
        self.keys = fast_account()
        with unit_of_work():
            self.user = accounts.register(parse(RegisterRequest, self.keys.registration(email)))
        self.account = self.keys.account
        self.deks: dict[str, bytes] = {}

    @property
    def uid(self) -> str:
        return self.user.uid

    def body(self, item_id: str, rev: int = 1, *, links=..., **kw):
        dek = self.deks.setdefault(item_id, os.urandom(32))
        kw.setdefault("owner_envelope", rev == 1)
        body = item_body(self.account, item_id, rev=rev, dek=dek, **kw)
        if links is not ...:
            body["links"] = links
        return body

    def put(self, item_id: str | None = None, rev: int = 1, **kw):
        item_id = item_id or str(uuid.uuid4())
        with unit_of_work():
            return put_item(self.user, item_id, self.body(item_id, rev, **kw))

    def owner_envelope(self, item_id: str) -> dict:
        return protocol.owner_envelope(self.account.ak, self.deks[item_id], item_id, self.uid)

    def share_envelope(self, item_id: str, reader: Author) -> dict:
        x = protocol.b64u_decode(reader.user.bundle["x25519"], 32)
        return protocol.share_envelope(self.deks[item_id], item_id, reader.uid, x)


@pytest.fixture
def anna(ctx):
    return Author("anna@example.fi")


@pytest.fixture
def bertta(ctx):
    return Author("bertta@example.fi")


@pytest.fixture
def sharing(anna, bertta) -> str:
    """A real supervision process: anna its supervisor, bertta a supervisee. Its id."""
    return make_process(anna.uid, bertta.uid)


def _give_envelope(item_id: str, reader: Author, author: Author,
                   expires_at: datetime | None = None) -> None:
    """Insert a reader's envelope directly, as a future share would."""
    env = author.share_envelope(item_id, reader)
    item = db.session.get(Item, item_id)
    db.session.add(Envelope(item_id=item_id, recipient_uid=reader.uid, type="x25519",
                            epk=env["epk"], iv=env["iv"], ct=env["ct"], expires_at=expires_at,
                            item_kind=item.kind, item_created_at=item.created_at))
    db.session.commit()


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _ok(call, *args):
    """Run one use case to the end, as a request would (commit)."""
    with unit_of_work():
        return call(*args)


def _err(exc_type, call, *args, code: str | None = None):
    with pytest.raises(exc_type) as exc:
        call(*args)
    db.session.rollback()
    if code:
        assert exc.value.code == code, exc.value.to_json()
    return exc.value


# -- create, update, retry ---------------------------------------------------------------------

def test_create_then_read_back(anna):
    item_id = str(uuid.uuid4())
    parent = anna.put()[0].id
    body = anna.body(item_id, links={"parent": parent})
    item, created = put_item(anna.user, item_id, body)
    assert created is True
    assert (item.id, item.kind, item.author_uid, item.rev) == (item_id, "entry", anna.uid, 1)
    assert item.sealed == body["sealed"] and item.sig == body["sig"]
    assert item.size == len(protocol.b64u_decode(body["sealed"]["ct"]))
    assert item.links == body["links"]
    got, env = get_item(anna.user, item_id)
    assert got is item and env.to_json() == body["envelopes"][0]
    dek = protocol.open_owner_envelope(anna.account.ak, env.to_json(), item_id, anna.uid)
    assert dek == anna.deks[item_id]


def test_identical_create_retry_is_idempotent(anna):
    item_id = str(uuid.uuid4())
    body = anna.body(item_id)
    first, created1 = put_item(anna.user, item_id, body)
    stamp = first.updated_at
    again, created2 = put_item(anna.user, item_id, dict(body))
    assert again is first and created1 is created2 is True
    assert (again.rev, again.updated_at) == (1, stamp)
    assert _count(Item) == 1 and _count(Envelope) == 1


def test_update_and_identical_update_retry(anna):
    item_id = str(uuid.uuid4())
    anna.put(item_id)
    body2 = anna.body(item_id, rev=2, payload={"title": "v2"})
    item, created = put_item(anna.user, item_id, body2)
    assert (created, item.rev, item.sealed) == (False, 2, body2["sealed"])
    stamp = item.updated_at
    again, created = put_item(anna.user, item_id, dict(body2))
    assert (again is item, created, again.rev, again.updated_at) == (True, False, 2, stamp)
    assert again.sealed == body2["sealed"]


def test_update_keeps_envelopes_and_links_unless_given(anna):
    item_id = str(uuid.uuid4())
    parent = anna.put()[0].id
    anna.put(item_id, links={"parent": parent})
    env_before = get_item(anna.user, item_id)[1].to_json()
    item, _ = put_item(anna.user, item_id, anna.body(item_id, rev=2))
    assert item.links == {"parent": parent}
    assert [e.to_json() for e in item.envelopes] == [env_before]
    item, _ = put_item(anna.user, item_id, anna.body(item_id, rev=3, links=None))
    assert item.links is None


def test_update_with_envelopes_replaces_the_set(anna):
    """Key rotation: a new DEK, re-sealed, with a fresh owner envelope in the same update."""
    item_id = str(uuid.uuid4())
    anna.put(item_id)
    anna.deks[item_id] = os.urandom(32)          # the new DEK
    body = anna.body(item_id, rev=2, owner_envelope=True)
    item, created = put_item(anna.user, item_id, body)
    assert created is False
    assert [e.to_json() for e in item.envelopes] == body["envelopes"]
    assert _count(Envelope, Envelope.item_id == item_id) == 1
    env = get_item(anna.user, item_id)[1].to_json()
    assert protocol.open_owner_envelope(anna.account.ak, env, item_id, anna.uid) == \
        anna.deks[item_id]


def test_update_with_envelopes_must_keep_the_owner(anna):
    item_id = str(uuid.uuid4())
    anna.put(item_id)
    body = anna.body(item_id, rev=2)
    body["envelopes"] = []
    _err(InvalidInput, put_item, anna.user, item_id, body, code="missing_owner_envelope")


# -- revisions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("rev", [3, 10])
def test_skipping_a_rev_is_a_conflict_with_the_stored_rev(anna, rev):
    item_id = str(uuid.uuid4())
    anna.put(item_id)
    exc = _err(Conflict, put_item, anna.user, item_id, anna.body(item_id, rev=rev))
    assert exc.status == 409 and exc.extra["rev"] == 1
    assert exc.to_json()["error"]["rev"] == 1


def test_a_different_write_at_the_stored_rev_is_a_conflict(anna):
    """Two devices both wrote rev 2: the second one gets 409 with rev 2."""
    item_id = str(uuid.uuid4())
    anna.put(item_id)
    _ok(put_item, anna.user, item_id, anna.body(item_id, rev=2, payload={"title": "phone"}))
    exc = _err(Conflict, put_item, anna.user, item_id,
               anna.body(item_id, rev=2, payload={"title": "laptop"}))
    assert exc.extra["rev"] == 2
    assert db.session.get(Item, item_id).rev == 2


def test_stale_create_after_an_update_is_a_conflict(anna):
    item_id = str(uuid.uuid4())
    create = anna.body(item_id)
    _ok(put_item, anna.user, item_id, create)
    _ok(put_item, anna.user, item_id, anna.body(item_id, rev=2))
    exc = _err(Conflict, put_item, anna.user, item_id, create)
    assert exc.extra["rev"] == 2


def test_create_must_start_at_rev_1(anna):
    item_id = str(uuid.uuid4())
    exc = _err(Conflict, put_item, anna.user, item_id, anna.body(item_id, rev=2,
                                                                         owner_envelope=True))
    assert exc.extra["rev"] == 0
    assert db.session.get(Item, item_id) is None


def test_kind_cannot_change(anna):
    item_id = str(uuid.uuid4())
    anna.put(item_id)
    _err(InvalidInput, put_item, anna.user, item_id, anna.body(item_id, rev=2, kind="note"),
         code="bad_kind")
    assert db.session.get(Item, item_id).kind == "entry"


@pytest.mark.parametrize("rev", [0, -1, 2**31, True, "1", 1.0, None])
def test_rev_must_be_a_positive_integer(anna, rev):
    item_id = str(uuid.uuid4())
    body = anna.body(item_id)
    body["rev"] = rev
    _err(InvalidInput, put_item, anna.user, item_id, body, code="invalid_type")


@pytest.mark.parametrize("kind", ["diary", "", None, 5, "Entry"])
def test_unknown_kind(anna, kind):
    item_id = str(uuid.uuid4())
    body = anna.body(item_id)
    body["kind"] = kind
    _err(InvalidInput, put_item, anna.user, item_id, body, code="bad_kind")


# -- authorship ----------------------------------------------------------------------------------

def test_update_by_someone_without_an_envelope_is_not_found(anna, bertta):
    item_id = str(uuid.uuid4())
    anna.put(item_id)
    body = item_body(bertta.account, item_id, rev=2, owner_envelope=False)
    _err(NotFound, put_item, bertta.user, item_id, body)
    assert db.session.get(Item, item_id).rev == 1


def test_update_by_a_reader_who_is_not_the_author_is_forbidden(anna, bertta):
    item_id = str(uuid.uuid4())
    anna.put(item_id)
    _give_envelope(item_id, bertta, anna)
    body = item_body(bertta.account, item_id, rev=2, owner_envelope=False)
    _err(Forbidden, put_item, bertta.user, item_id, body, code="not_author")
    assert db.session.get(Item, item_id).rev == 1


def test_update_by_a_reader_replaying_the_authors_body_is_forbidden(anna, bertta):
    item_id = str(uuid.uuid4())
    body = anna.body(item_id)
    _ok(put_item, anna.user, item_id, body)
    _give_envelope(item_id, bertta, anna)
    _err(Forbidden, put_item, bertta.user, item_id, body, code="not_author")


# -- headers and signatures ----------------------------------------------------------------------

@pytest.mark.parametrize("forge", ["id", "kind", "rev", "by"])
def test_header_must_match_the_request(anna, bertta, forge):
    item_id = str(uuid.uuid4())
    kw = {"id": {"header_id": str(uuid.uuid4())}, "kind": {"header_kind": "note"},
          "rev": {"header_rev": 2}, "by": {"by": bertta.uid}}[forge]
    body = anna.body(item_id, **kw)
    _err(InvalidInput, put_item, anna.user, item_id, body, code="header_mismatch")
    assert db.session.get(Item, item_id) is None


def test_header_mismatch_on_update(anna):
    item_id = str(uuid.uuid4())
    anna.put(item_id)
    _err(InvalidInput, put_item, anna.user, item_id,
         anna.body(item_id, rev=2, header_rev=3), code="header_mismatch")


@pytest.mark.parametrize("forge", ["other_users_key", "random_key", "flip_sig", "flip_ct",
                                   "swap_iv"])
def test_bad_signature_is_refused(anna, bertta, forge):
    item_id = str(uuid.uuid4())
    if forge == "other_users_key":
        body = anna.body(item_id, signer=bertta.account.ed25519_private)
    elif forge == "random_key":
        body = anna.body(item_id, signer=Ed25519PrivateKey.generate())
    else:
        body = anna.body(item_id)
        if forge == "flip_sig":
            raw = bytearray(protocol.b64u_decode(body["sig"]))
            raw[7] ^= 1
            body["sig"] = b64u(bytes(raw))
        elif forge == "flip_ct":
            raw = bytearray(protocol.b64u_decode(body["sealed"]["ct"]))
            raw[0] ^= 1
            body["sealed"]["ct"] = b64u(bytes(raw))
        else:
            body["sealed"]["iv"] = b64u(os.urandom(12))
    _err(InvalidInput, put_item, anna.user, item_id, body, code="bad_signature")
    assert _count(Item) == 0 and _count(Envelope) == 0


def test_signature_by_the_author_but_forged_update_content(anna):
    """An update whose signature belongs to the previous revision is refused."""
    item_id = str(uuid.uuid4())
    first = anna.body(item_id)
    _ok(put_item, anna.user, item_id, first)
    body = anna.body(item_id, rev=2)
    body["sig"] = first["sig"]
    _err(InvalidInput, put_item, anna.user, item_id, body, code="bad_signature")


@pytest.mark.parametrize("sealed, code", [
    ("x", "bad_sealed"),
    ({"h": "x", "iv": "x"}, "bad_sealed"),
    ({"h": "AAAA", "iv": b64u(os.urandom(12)), "ct": b64u(os.urandom(100))}, "bad_length"),
    ({"h": "AAAA", "iv": b64u(os.urandom(11)), "ct": b64u(os.urandom(272))}, "bad_length"),
    ({"h": "AAAA", "iv": b64u(os.urandom(12)), "ct": b64u(os.urandom(272))}, "bad_header"),
])
def test_malformed_sealed(anna, sealed, code):
    item_id = str(uuid.uuid4())
    body = anna.body(item_id)
    body["sealed"] = sealed
    _err(InvalidInput, put_item, anna.user, item_id, body, code=code)


def test_too_large_sealed(anna):
    item_id = str(uuid.uuid4())
    body = anna.body(item_id)
    body["sealed"]["ct"] = "A" * (MAX_CT_BYTES * 4 // 3 + 8)
    _err(InvalidInput, put_item, anna.user, item_id, body, code="too_large")


# -- envelopes in put_item -----------------------------------------------------------------------

def test_create_without_owner_envelope(anna):
    item_id = str(uuid.uuid4())
    _err(InvalidInput, put_item, anna.user, item_id, anna.body(item_id, owner_envelope=False),
         code="missing_owner_envelope")
    body = anna.body(item_id)
    body["envelopes"] = []
    _err(InvalidInput, put_item, anna.user, item_id, body, code="missing_owner_envelope")
    assert _count(Item) == 0


def test_envelope_for_another_user_without_a_process_is_forbidden(anna, bertta):
    item_id = str(uuid.uuid4())
    body = anna.body(item_id)
    body["envelopes"].append(anna.share_envelope(item_id, bertta))
    exc = _err(Forbidden, put_item, anna.user, item_id, body, code="not_shared_process")
    assert exc.status == 403
    assert _count(Item) == 0 and _count(Envelope) == 0


def test_envelope_for_an_unknown_user_is_forbidden(anna, bertta, sharing):
    item_id = str(uuid.uuid4())
    body = anna.body(item_id) | {"process": sharing}
    env = anna.share_envelope(item_id, bertta)
    env["recipient"] = str(uuid.uuid4())
    body["envelopes"].append(env)
    _err(Forbidden, put_item, anna.user, item_id, body, code="not_shared_process")


def test_envelope_for_another_user_in_a_shared_process(anna, bertta, sharing):
    item_id = str(uuid.uuid4())
    body = anna.body(item_id) | {"process": sharing}
    body["envelopes"].append(anna.share_envelope(item_id, bertta))
    _ok(put_item, anna.user, item_id, body)
    item, env = get_item(bertta.user, item_id)
    dek = protocol.open_share_envelope(bertta.account.x25519_private, env.to_json(), item_id,
                                      bertta.uid)
    assert dek == anna.deks[item_id] and item.author_uid == anna.uid
    assert item.process_id == sharing and env.process_id == sharing


def test_a_create_shares_only_through_the_items_own_process(anna, bertta, sharing):
    """Without `process` (or through another one) a create cannot add a reader, even one
    the author shares a process with: new readers go through the item's own process."""
    other = make_process(anna.uid)
    for extra in ({}, {"process": other}):
        item_id = str(uuid.uuid4())
        body = anna.body(item_id) | extra
        body["envelopes"].append(anna.share_envelope(item_id, bertta))
        _err(Forbidden, put_item, anna.user, item_id, body, code="not_shared_process")
    assert _count(Item) == 0 and _count(Envelope) == 0


def test_duplicate_recipients(anna):
    item_id = str(uuid.uuid4())
    body = anna.body(item_id)
    body["envelopes"].append(anna.owner_envelope(item_id))
    _err(InvalidInput, put_item, anna.user, item_id, body, code="duplicate_recipient")


def test_envelope_types_must_fit_the_recipient(anna, bertta, sharing):
    item_id = str(uuid.uuid4())
    anna.deks[item_id] = os.urandom(32)
    shared_to_self = anna.share_envelope(item_id, anna)
    body = anna.body(item_id) | {"process": sharing}
    body["envelopes"] = [shared_to_self]
    _err(InvalidInput, put_item, anna.user, item_id, body, code="bad_envelope")
    ak_for_bertta = dict(anna.owner_envelope(item_id), recipient=bertta.uid)
    body = anna.body(item_id) | {"process": sharing}
    body["envelopes"].append(ak_for_bertta)
    _err(InvalidInput, put_item, anna.user, item_id, body, code="bad_envelope")


@pytest.mark.parametrize("mutate", [
    lambda e: e.update(ct=b64u(os.urandom(47))),
    lambda e: e.update(iv=b64u(os.urandom(16))),
    lambda e: e.update(type="rsa"),
    lambda e: e.update(epk=b64u(os.urandom(32))),     # epk on an ak envelope
    lambda e: e.update(recipient="not-a-uuid"),
    lambda e: e.pop("recipient"),
])
def test_malformed_envelopes(anna, mutate):
    item_id = str(uuid.uuid4())
    body = anna.body(item_id)
    mutate(body["envelopes"][0])
    _err(InvalidInput, put_item, anna.user, item_id, body)
    assert _count(Item) == 0


@pytest.mark.parametrize("envelopes", ["x", {}, None, [None], ["x"]])
def test_envelopes_must_be_a_list_of_objects(anna, envelopes):
    item_id = str(uuid.uuid4())
    body = anna.body(item_id)
    body["envelopes"] = envelopes
    _err(InvalidInput, put_item, anna.user, item_id, body)


def test_too_many_envelopes(anna):
    item_id = str(uuid.uuid4())
    body = anna.body(item_id)
    body["envelopes"] = body["envelopes"] * 201
    _err(InvalidInput, put_item, anna.user, item_id, body, code="invalid_type")


# -- links and processes -------------------------------------------------------------------------

@pytest.mark.parametrize("links, code", [
    ({"other": str(uuid.uuid4())}, "bad_links"),
    ([str(uuid.uuid4())], "bad_links"),
    ("x", "bad_links"),
    ({"parent": "not-a-uuid"}, "bad_id"),
    ({"goal": str(uuid.uuid4()).upper()}, "bad_id"),
    ({"session": 5}, "bad_id"),
])
def test_links_validation(anna, links, code):
    item_id = str(uuid.uuid4())
    _err(InvalidInput, put_item, anna.user, item_id, anna.body(item_id, links=links),
         code=code)


def test_all_link_keys_are_accepted(anna):
    links = {"parent": anna.put()[0].id, "session": str(uuid.uuid4()), "goal": anna.put()[0].id}
    item, _ = anna.put(links=links)
    assert db.session.get(Item, item.id).links == links


def test_a_process_that_does_not_exist(anna):
    item_id = str(uuid.uuid4())
    _err(NotFound, put_item, anna.user, item_id,
         anna.body(item_id) | {"process": str(uuid.uuid4())}, code="process_not_found")
    _err(InvalidInput, put_item, anna.user, item_id,
         anna.body(item_id) | {"process": "nope"}, code="bad_id")
    item, _ = put_item(anna.user, item_id, anna.body(item_id) | {"process": None})
    assert item.process_id is None


@pytest.mark.parametrize("item_id", ["x", "9B2F6C1E-4D3A-4E8B-A5C7-0D1E2F3A4B5C",
                                     "6ba7b810-9dad-11d1-80b4-00c04fd430c8", ""])
def test_item_id_must_be_a_lowercase_uuid4(anna, item_id):
    _err(InvalidInput, put_item, anna.user, item_id, anna.body(str(uuid.uuid4())),
         code="bad_id")


def test_body_shape(anna):
    item_id = str(uuid.uuid4())
    for body in (None, [], "x"):
        _err(InvalidInput, put_item, anna.user, item_id, body, code="invalid_type")
    body = anna.body(item_id)
    del body["sig"]
    _err(InvalidInput, put_item, anna.user, item_id, body, code="missing_field")
    _err(InvalidInput, put_item, anna.user, item_id, anna.body(item_id) | {"id": item_id},
         code="unknown_field")


# -- listing -----------------------------------------------------------------------------------

def _all_pages(reader, limit=20, **kw):
    pages, cursor = [], None
    while True:
        rows, cursor = list_items(reader, before=cursor, limit=limit, **kw)
        pages.append([item.id for item, _ in rows])
        if cursor is None:
            return pages
        assert len(pages) < 50, "pagination does not end"


def _set_created(item_ids, when):
    """Back-date items (and the copies of created_at their envelopes keep for ordering)."""
    db.session.execute(update(Item).where(Item.id.in_(item_ids)).values(created_at=when))
    db.session.execute(update(Envelope).where(Envelope.item_id.in_(item_ids))
                       .values(item_created_at=when))
    db.session.commit()
    db.session.expire_all()


def test_list_newest_first_with_cursor_pagination(anna):
    base = datetime(2026, 1, 1, tzinfo=UTC)
    ids = [anna.put()[0].id for _ in range(45)]
    for n, item_id in enumerate(ids):              # distinct, known times: ids[44] newest
        _set_created([item_id], base + timedelta(minutes=n))
    pages = _all_pages(anna.user)
    assert [len(p) for p in pages] == [20, 20, 5]
    assert sum(pages, []) == list(reversed(ids))


def test_list_pagination_is_stable_when_created_at_ties(anna):
    ids = [anna.put()[0].id for _ in range(45)]
    _set_created(ids, datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    pages = _all_pages(anna.user)
    flat = sum(pages, [])
    assert [len(p) for p in pages] == [20, 20, 5]
    assert len(set(flat)) == 45 and set(flat) == set(ids)
    assert flat == sorted(ids, reverse=True)       # ties broken by id, newest first


def test_list_pagination_with_ties_across_page_boundaries(anna):
    ids = [anna.put()[0].id for _ in range(25)]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for n, item_id in enumerate(ids):              # five instants, five items each
        _set_created([item_id], base + timedelta(seconds=n // 5))
    for limit in (1, 3, 7, 10, 24, 25, 100):
        flat = sum(_all_pages(anna.user, limit=limit), [])
        assert len(flat) == len(set(flat)) == 25
        groups = [sorted(ids[g * 5:(g + 1) * 5], reverse=True) for g in range(5)]
        assert flat == sum(reversed(groups), [])


def test_list_exact_page_has_no_next(anna):
    for _ in range(20):
        anna.put()
    rows, cursor = list_items(anna.user, limit=20)
    assert len(rows) == 20 and cursor is None


def test_list_kind_filter(anna):
    entries = {anna.put()[0].id for _ in range(3)}
    notes = {anna.put(kind="note")[0].id for _ in range(2)}
    assert {i.id for i, _ in list_items(anna.user, kind="entry")[0]} == entries
    assert {i.id for i, _ in list_items(anna.user, kind="note")[0]} == notes
    assert {i.id for i, _ in list_items(anna.user)[0]} == entries | notes
    assert list_items(anna.user, kind="goal")[0] == []
    _err(InvalidInput, lambda: list_items(anna.user, kind="diary"), code="bad_kind")


def test_list_process_filter(anna):
    anna.put()
    assert list_items(anna.user, process=str(uuid.uuid4()))[0] == []
    _err(InvalidInput, lambda: list_items(anna.user, process="x"), code="bad_id")


def test_other_users_items_are_never_listed(anna, bertta):
    mine = {anna.put()[0].id for _ in range(3)}
    theirs = {bertta.put()[0].id for _ in range(4)}
    assert {i.id for i, _ in list_items(anna.user, limit=100)[0]} == mine
    assert {i.id for i, _ in list_items(bertta.user, limit=100)[0]} == theirs
    for item_id in theirs:
        _err(NotFound, get_item, anna.user, item_id)


def test_list_returns_the_readers_own_envelope(anna, bertta, sharing):
    item_id = str(uuid.uuid4())
    body = anna.body(item_id) | {"process": sharing}
    body["envelopes"].append(anna.share_envelope(item_id, bertta))
    _ok(put_item, anna.user, item_id, body)
    [(_, env_a)] = list_items(anna.user)[0]
    [(_, env_b)] = list_items(bertta.user)[0]
    assert env_a.recipient_uid == anna.uid and env_b.recipient_uid == bertta.uid


def test_expired_envelopes_are_invisible(anna, bertta):
    past, future = (datetime.now(UTC) + timedelta(minutes=m) for m in (-1, 60))
    expired, live = anna.put()[0].id, anna.put()[0].id
    _give_envelope(expired, bertta, anna, expires_at=past)
    _give_envelope(live, bertta, anna, expires_at=future)
    assert [i.id for i, _ in list_items(bertta.user)[0]] == [live]
    _err(NotFound, get_item, bertta.user, expired)
    assert get_item(bertta.user, live)[0].id == live
    # expiring the live one later hides it too
    db.session.execute(update(Envelope).where(Envelope.item_id == live,
                                              Envelope.recipient_uid == bertta.uid)
                       .values(expires_at=past))
    db.session.commit()
    assert list_items(bertta.user)[0] == []
    _err(NotFound, get_item, bertta.user, live)


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


#: A fixed id (not random): parametrized test ids must be the same in every pytest-xdist worker.
_SOME_ID = "9b2f6c1e-4d3a-4e8b-a5c7-0d1e2f3a4b5c"


@pytest.mark.parametrize("cursor", [
    "not a cursor", "!!!!", _cursor("2026-01-01T00:00:00|" + _SOME_ID),  # naive
    _cursor("2026-01-01T00:00:00+00:00"), _cursor("yesterday|" + _SOME_ID),
    _cursor("2026-01-01T00:00:00+00:00|not-a-uuid"),
    _cursor("2026-01-01T00:00:00+00:00|a|b"),
    base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
    _cursor("0001-01-01T00:00:00+01:00|" + _SOME_ID),    # before year 1 in UTC
    _cursor("9999-12-31T23:59:59-01:00|" + _SOME_ID),    # after year 9999 in UTC
])
def test_bad_cursor(anna, cursor):
    anna.put()
    _err(InvalidInput, lambda: list_items(anna.user, before=cursor), code="bad_cursor")


@pytest.mark.parametrize("raw, expected", [(None, 20), ("", 20), ("1", 1), ("100", 100)])
def test_parse_limit(raw, expected):
    args = {} if raw is None else {"limit": raw}
    assert parse_query(ItemQuery, args).limit == expected


@pytest.mark.parametrize("raw", ["0", "-1", "101", "abc", "1.5", "9" * 5000, "1e3"])
def test_parse_limit_refuses(raw):
    with pytest.raises(InvalidInput) as exc:
        parse_query(ItemQuery, {"limit": raw})
    assert exc.value.code == "bad_limit"


# -- delete ------------------------------------------------------------------------------------

def test_delete_item_removes_it_and_every_envelope(anna, bertta):
    item_id = anna.put()[0].id
    keep = anna.put()[0].id
    _give_envelope(item_id, bertta, anna)
    _ok(delete_item, anna.user, item_id)
    db.session.expire_all()
    assert db.session.get(Item, item_id) is None
    assert _count(Envelope, Envelope.item_id == item_id) == 0
    assert _count(Envelope, Envelope.item_id == keep) == 1
    _err(NotFound, get_item, bertta.user, item_id)
    _ok(delete_item, anna.user, item_id)      # the author's retry: already done
    _err(NotFound, delete_item, bertta.user, item_id)


def test_delete_is_for_the_author_only(anna, bertta):
    item_id = anna.put()[0].id
    _err(NotFound, delete_item, bertta.user, item_id)
    _give_envelope(item_id, bertta, anna)
    _err(Forbidden, delete_item, bertta.user, item_id, code="not_author")
    assert db.session.get(Item, item_id) is not None
    assert _count(Envelope, Envelope.item_id == item_id) == 2


# -- put_envelope / delete_envelope ----------------------------------------------------------------

def test_put_envelope_needs_a_shared_process(anna, bertta):
    item_id = anna.put()[0].id
    env = anna.share_envelope(item_id, bertta)
    _err(InvalidInput, put_envelope, anna.user, item_id, bertta.uid, {"envelope": env},
         code="missing_field")
    _err(Forbidden, put_envelope, anna.user, item_id, bertta.uid,
         {"envelope": env, "process": str(uuid.uuid4())}, code="not_shared_process")
    for pid in (make_process(anna.uid), make_process(bertta.uid)):   # only one of them in it
        _err(Forbidden, put_envelope, anna.user, item_id, bertta.uid,
             {"envelope": env, "process": pid}, code="not_shared_process")
    assert _count(Envelope, Envelope.recipient_uid == bertta.uid) == 0


def test_put_envelope_rules(anna, bertta, sharing):
    item_id = anna.put()[0].id
    env = anna.share_envelope(item_id, bertta)
    _err(InvalidInput, put_envelope, anna.user, item_id, anna.uid,
         {"envelope": env, "process": sharing},
         code="recipient_mismatch")
    own = anna.share_envelope(item_id, anna)
    _err(InvalidInput, put_envelope, anna.user, item_id, anna.uid,
         {"envelope": own, "process": sharing},
         code="bad_envelope")
    _err(InvalidInput, put_envelope, anna.user, item_id, bertta.uid,
         {"envelope": dict(anna.owner_envelope(item_id), recipient=bertta.uid),
          "process": sharing},
         code="bad_envelope")
    _err(InvalidInput, put_envelope, anna.user, item_id, bertta.uid,
         {"env": env, "process": sharing}, code="missing_field")
    _err(InvalidInput, put_envelope, anna.user, item_id, bertta.uid,
         {"envelope": env, "process": sharing, "x": 1}, code="unknown_field")
    _err(InvalidInput, put_envelope, anna.user, item_id, "nope",
         {"envelope": env, "process": sharing}, code="bad_id")
    _err(NotFound, put_envelope, anna.user, str(uuid.uuid4()), bertta.uid,
         {"envelope": env, "process": sharing})
    assert _count(Envelope, Envelope.recipient_uid == bertta.uid) == 0


@pytest.mark.parametrize("expires_at", [
    "2000-01-01T00:00:00+00:00", "2099-01-01T00:00:00", "tomorrow", 5, "",
])
def test_put_envelope_refuses_a_bad_expiry(anna, bertta, sharing, expires_at):
    item_id = anna.put()[0].id
    _err(InvalidInput, put_envelope, anna.user, item_id, bertta.uid,
         {"envelope": anna.share_envelope(item_id, bertta), "process": sharing,
          "expires_at": expires_at},
         code="bad_expiry")
    assert _count(Envelope, Envelope.recipient_uid == bertta.uid) == 0


def test_put_envelope_refuses_an_expiry_beyond_the_calendar(anna, bertta, sharing):
    """9999-12-31T23:59:59-05:00 is in year 10000 in UTC: a 400, not an OverflowError."""
    item_id = anna.put()[0].id
    _err(InvalidInput, put_envelope, anna.user, item_id, bertta.uid,
         {"envelope": anna.share_envelope(item_id, bertta), "process": sharing,
          "expires_at": "9999-12-31T23:59:59-05:00"}, code="bad_expiry")


def test_put_envelope_shares_replaces_and_expires(anna, bertta, sharing):
    item_id = anna.put()[0].id
    first = anna.share_envelope(item_id, bertta)
    _ok(put_envelope, anna.user, item_id, bertta.uid, {"envelope": first, "process": sharing})
    assert get_item(bertta.user, item_id)[1].to_json() == first
    later = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    second = anna.share_envelope(item_id, bertta)
    _ok(put_envelope, anna.user, item_id, bertta.uid,
        {"envelope": second, "process": sharing, "expires_at": later})
    env = get_item(bertta.user, item_id)[1]
    assert env.to_json() == second and env.expires_at == datetime.fromisoformat(later)
    assert _count(Envelope, Envelope.recipient_uid == bertta.uid) == 1


def test_reshare_after_an_expired_share(anna, bertta, sharing):
    """The expired envelope still occupies (item, recipient): sharing again must replace it."""
    item_id = anna.put()[0].id
    _give_envelope(item_id, bertta, anna, expires_at=datetime.now(UTC) - timedelta(hours=1))
    env = anna.share_envelope(item_id, bertta)
    _ok(put_envelope, anna.user, item_id, bertta.uid, {"envelope": env, "process": sharing})
    assert get_item(bertta.user, item_id)[1].to_json() == env


def test_envelope_endpoints_are_for_the_author_only(anna, bertta, sharing):
    item_id = anna.put()[0].id
    _give_envelope(item_id, bertta, anna)
    env = anna.share_envelope(item_id, bertta)
    _err(Forbidden, put_envelope, bertta.user, item_id, bertta.uid,
         {"envelope": env, "process": sharing},
         code="not_author")
    _err(Forbidden, delete_envelope, bertta.user, item_id, bertta.uid, code="not_author")
    assert _count(Envelope, Envelope.recipient_uid == bertta.uid) == 1


def test_delete_envelope_revokes(anna, bertta):
    item_id = anna.put()[0].id
    _give_envelope(item_id, bertta, anna)
    _err(InvalidInput, delete_envelope, anna.user, item_id, anna.uid, code="bad_envelope")
    _err(NotFound, delete_envelope, anna.user, item_id, str(uuid.uuid4()))
    _err(InvalidInput, delete_envelope, anna.user, item_id, "x", code="bad_id")
    _ok(delete_envelope, anna.user, item_id, bertta.uid)
    _err(NotFound, get_item, bertta.user, item_id)
    _err(NotFound, delete_envelope, anna.user, item_id, bertta.uid)
    assert get_item(anna.user, item_id)[0].id == item_id


# -- tombstones and link targets ---------------------------------------------------------------

def test_a_deleted_id_stays_deleted(anna):
    """A late create or update of a deleted id is 410 deleted (PROTOCOL §7 tombstones)."""
    item_id = str(uuid.uuid4())
    anna.put(item_id)
    _ok(delete_item, anna.user, item_id)
    _err(Gone, put_item, anna.user, item_id, anna.body(item_id), code="deleted")
    _err(Gone, put_item, anna.user, item_id, anna.body(item_id, rev=2), code="deleted")
    assert db.session.get(Item, item_id) is None
    assert db.session.get(Tombstone, item_id).author_uid == anna.uid


def test_a_tombstone_holds_no_content(anna):
    item_id = str(uuid.uuid4())
    anna.put(item_id)
    _ok(delete_item, anna.user, item_id)
    columns = set(Tombstone.__table__.columns.keys())
    assert columns == {"id", "author_uid", "deleted_at"}


def test_links_must_name_a_readable_item(anna, bertta):
    foreign = bertta.put()[0].id
    for target in (str(uuid.uuid4()), foreign):
        item_id = str(uuid.uuid4())
        _err(NotFound, put_item, anna.user, item_id,
             anna.body(item_id, links={"parent": target}), code="link_not_found")
        _err(NotFound, put_item, anna.user, item_id,
             anna.body(item_id, links={"goal": target}), code="link_not_found")
    item_id = str(uuid.uuid4())
    _err(InvalidInput, put_item, anna.user, item_id,
         anna.body(item_id, links={"parent": item_id}), code="bad_links")
    assert _count(Item, Item.author_uid == anna.uid) == 0


def test_deleting_a_parent_keeps_the_child(anna):
    parent = anna.put()[0].id
    child = anna.put(links={"parent": parent})[0].id
    _ok(delete_item, anna.user, parent)
    db.session.expire_all()
    assert db.session.get(Item, child).links is None
    # the child's own edits go on; a kept link is not checked again
    _ok(put_item, anna.user, child, anna.body(child, rev=2))
