"""The journal page reads its entries as plain rows in the wire form (services.items.
list_wire_items): the same pages, order and cursors as list_items, and each item exactly the
API's form for its reader (items.wire.item_json), shares, links and expiry included."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from webapp.items.wire import item_json
from webapp.schemas.items import decode_cursor
from webapp.services import items

from .factories import make_process
from .test_services_items import Author, _give_envelope, put_item


@pytest.fixture
def anna(ctx):
    return Author("anna@example.fi")


@pytest.fixture
def bertta(ctx):
    return Author("bertta@example.fi")


def _compact(data) -> str:
    """What the pages put in data-sealed before wire_json: the encoder's compact form."""
    return json.JSONEncoder(separators=(",", ":")).encode(data)


def test_attribute_json_escapes_as_jinja_does():
    from jinja2.utils import htmlsafe_json_dumps

    from webapp.items.wire import attribute_json
    value = {"a": "<b>&'x'\"</b> ä", "n": None}
    assert attribute_json(_compact(value)) == htmlsafe_json_dumps(value, dumps=_compact)


def _pages(reader, lister, **kw):
    pages, cursor = [], None
    while True:
        page, next_cursor = lister(reader, before=cursor, limit=3, **kw)
        pages.append(page)
        if next_cursor is None:
            return pages
        cursor = decode_cursor(next_cursor)


def test_wire_pages_equal_the_api_form(anna: Author, bertta: Author):
    pid = make_process(anna.uid, bertta.uid)
    parent = anna.put()[0].id
    child = str(uuid.uuid4())
    anna.put(child, links={"parent": parent})
    shared = str(uuid.uuid4())
    body = anna.body(shared)
    body["process"] = pid
    body["envelopes"].append(anna.share_envelope(shared, bertta))
    put_item(anna.user, shared, body)
    expired, live = anna.put()[0].id, anna.put()[0].id
    _give_envelope(expired, bertta, anna, expires_at=datetime.now(UTC) - timedelta(minutes=1))
    _give_envelope(live, bertta, anna, expires_at=datetime.now(UTC) + timedelta(hours=1))
    for _ in range(4):
        anna.put()

    for reader in (anna.user, bertta.user):
        for kind, process in (("entry", None), (None, None), (None, pid)):
            orm = _pages(reader, items.list_items, kind=kind, process=process)
            wire = _pages(reader, items.list_wire_items, kind=kind, process=process)
            assert [[data.json for data, _ in page] for page in wire] == \
                [[_compact(item_json(item, env)) for item, env in page] for page in orm]
            assert [[(data.id, data.created_at) for data, _ in page] for page in wire] == \
                [[(item.id, item.created_at.isoformat()) for item, _ in page] for page in orm]
            assert [[created for _, created in page] for page in wire] == \
                [[item.created_at for item, _ in page] for page in orm]
    listed = {data.id: json.loads(data.json)
              for page in _pages(bertta.user, items.list_wire_items) for data, _ in page}
    assert set(listed) == {shared, live}                     # the expired share is not listed
    assert listed[shared]["envelope"]["epk"] and listed[shared]["envelope"]["type"] == "x25519"
    own = {data.id: json.loads(data.json)
           for page in _pages(anna.user, items.list_wire_items) for data, _ in page}
    assert own[child]["links"] == {"parent": parent} and own[parent]["links"] is None
    assert "epk" not in own[shared]["envelope"]
