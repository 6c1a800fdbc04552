"""Every route that names an item, for every role a person can have towards that item:
the author, a reader holding an envelope, a former reader (revoked, or expired), a stranger
and an anonymous visitor. The table is checked against app.url_map, so a new item route
without an entry here fails `test_every_item_route_has_a_row`.

Sharing with another person goes through a common process (PROTOCOL §5): the author
supervises a real process whose supervisees are everyone here but the stranger.
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

import protocol
from webapp.extensions import db
from webapp.models import Envelope

from .factories import api_register, make_process, snapshot
from .test_authorization import API, app_routes, fill

ROLES = ("author", "reader", "revoked", "expired", "stranger", "anonymous")

# (rule, method) -> {role: expected status}. Reads: 200 for those holding a live envelope,
# 404 for everyone else (not 403: the id's existence is not told). Writes: only the author;
# a reader learns 403 not_author (they can see the item), everyone else 404.
ITEM_ROUTES: dict[tuple[str, str], dict[str, int]] = {
    (f"{API}/items/<item_id>", "GET"): dict(
        author=200, reader=200, revoked=404, expired=404, stranger=404, anonymous=401),
    (f"{API}/items/<item_id>", "PUT"): dict(
        author=200, reader=403, revoked=404, expired=404, stranger=404, anonymous=401),
    (f"{API}/items/<item_id>", "DELETE"): dict(
        author=204, reader=403, revoked=404, expired=404, stranger=404, anonymous=401),
    (f"{API}/items/<item_id>/envelopes/<uid>", "PUT"): dict(
        author=204, reader=403, revoked=404, expired=404, stranger=404, anonymous=401),
    (f"{API}/items/<item_id>/envelopes/<uid>", "DELETE"): dict(
        author=204, reader=403, revoked=404, expired=404, stranger=404, anonymous=401),
    ("/journal/<item_id>", "GET"): dict(
        author=200, reader=200, revoked=404, expired=404, stranger=404, anonymous=302),
    ("/journal/<item_id>/edit", "GET"): dict(
        author=200, reader=403, revoked=404, expired=404, stranger=404, anonymous=302),
    # Who reads an item, and its share panel: the author's business only (404 to readers).
    (f"{API}/items/<item_id>/readers", "GET"): dict(
        author=200, reader=404, revoked=404, expired=404, stranger=404, anonymous=401),
    ("/shared/items/<item_id>", "GET"): dict(
        author=200, reader=404, revoked=404, expired=404, stranger=404, anonymous=302),
    # Acceptances (of contract revisions): read by the item's readers; accepting an item that
    # is no contract (this one is an entry) is a 404 for everyone.
    (f"{API}/items/<item_id>/acceptances", "GET"): dict(
        author=200, reader=200, revoked=404, expired=404, stranger=404, anonymous=401),
    (f"{API}/items/<item_id>/acceptances", "POST"): dict(
        author=404, reader=404, revoked=404, expired=404, stranger=404, anonymous=401),
    # Interim assignments: this item is an entry, no assignment, for every role (404); an
    # edit of it as an assignment is refused: its kind cannot change (the author), only the
    # author edits (a reader), nobody else learns it exists.
    (f"{API}/assignments/<item_id>", "GET"): dict(
        author=404, reader=404, revoked=404, expired=404, stranger=404, anonymous=401),
    (f"{API}/assignments/<item_id>", "PUT"): dict(
        author=400, reader=403, revoked=404, expired=404, stranger=404, anonymous=401),
    (f"{API}/assignments/<item_id>/status", "POST"): dict(
        author=404, reader=404, revoked=404, expired=404, stranger=404, anonymous=401),
    ("/assignments/<item_id>", "GET"): dict(
        author=404, reader=404, revoked=404, expired=404, stranger=404, anonymous=302),
    # Evaluations: this item is an entry, no evaluation (404 for every role); an edit of it
    # as an evaluation is refused as with assignments.
    (f"{API}/evaluations/<item_id>", "GET"): dict(
        author=404, reader=404, revoked=404, expired=404, stranger=404, anonymous=401),
    (f"{API}/evaluations/<item_id>", "PUT"): dict(
        author=400, reader=403, revoked=404, expired=404, stranger=404, anonymous=401),
    ("/evaluations/<item_id>", "GET"): dict(
        author=404, reader=404, revoked=404, expired=404, stranger=404, anonymous=302),
    ("/evaluations/<item_id>/edit", "GET"): dict(
        author=404, reader=404, revoked=404, expired=404, stranger=404, anonymous=302),
}


def test_every_item_route_has_a_row(app):
    assert {route for route in app_routes(app) if "<item_id>" in route[0]} == set(ITEM_ROUTES)


@pytest.fixture
def cast(app):
    """The author's item and a person in each role towards it."""
    people = {role: api_register(app, display_name=role)
              for role in ("author", "reader", "revoked", "expired", "stranger", "target")}
    author = people["author"]
    author.process = make_process(author.uid, *(people[role].uid for role in (
        "reader", "revoked", "expired", "target")), app=app)
    item_id = author.write("Salainen", "Vain jaetuille.")
    for role in ("reader", "revoked", "expired", "target"):
        assert _share(author, item_id, people[role]).status_code == 204
    assert author.delete(f"/items/{item_id}/envelopes/{people['revoked'].uid}").status_code == 204
    with app.app_context():
        db.session.execute(update(Envelope).where(
            Envelope.item_id == item_id, Envelope.recipient_uid == people["expired"].uid)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
        db.session.commit()
    people["anonymous"] = None
    return item_id, people


def _share(author, item_id, reader, expires_at=None):
    x = protocol.b64u_decode(reader.account.registration["bundle"]["x25519"], 32)
    env = protocol.share_envelope(author.deks[item_id], item_id, reader.uid, x)
    body = {"envelope": env, "process": author.process}
    if expires_at is not None:
        body["expires_at"] = expires_at
    return author.put(f"/items/{item_id}/envelopes/{reader.uid}", body)


def _request(app, role, person, author, item_id, target, rule, method):
    path = fill(rule, item_id=item_id, uid=target.uid)
    client = person.client if person is not None else app.test_client()
    headers = {"X-CSRF-Token": person.csrf} if person is not None else {}
    body = None
    if method == "PUT" and "envelopes" in rule:
        x = protocol.b64u_decode(target.account.registration["bundle"]["x25519"], 32)
        body = {"envelope": protocol.share_envelope(author.deks[item_id], item_id,
                                                    target.uid, x),
                "process": author.process}
    elif method == "POST" and rule.endswith("/acceptances"):
        body = {"rev": 1, "sig": protocol.b64u_encode(bytes(64))}
    elif method == "POST" and rule.endswith("/status"):
        body = {"status": "done"}
    elif method == "PUT" and rule.endswith(("/assignments/<item_id>", "/evaluations/<item_id>")):
        signer = person or author
        kind = "evaluation" if "/evaluations/" in rule else "assignment"
        body = {"item": signer.seal({"title": f"{role} was here"}, item_id=item_id, rev=2,
                                    kind=kind, owner_envelope=False)[1]}
    elif method == "PUT":
        signer = person or author
        _, body = signer.seal({"title": f"{role} was here", "body": "", "tags": []},
                              item_id=item_id, rev=2, owner_envelope=False)
    if body is None:
        return client.open(path, method=method, headers=headers)
    return client.open(path, method=method, json=body, headers=headers)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(ITEM_ROUTES), ids=lambda r: f"{r[1]} {r[0]}")
def test_item_routes_by_role(app, cast, route, role):
    item_id, people = cast
    author, person, target = people["author"], people[role], people["target"]
    rule, method = route
    expected = ITEM_ROUTES[route][role]
    before = snapshot(app)
    response = _request(app, role, person, author, item_id, target, rule, method)
    assert response.status_code == expected, (role, method, rule, response.status_code,
                                              response.get_data(as_text=True)[:200])
    if expected >= 300 or method == "GET":
        assert snapshot(app) == before            # refused (or read): nothing changed
    if expected == 403 and rule.startswith(API):
        assert response.get_json()["error"]["code"] == "not_author"
    if role != "author" and expected != 200:
        body = response.get_data(as_text=True)
        with app.app_context():
            stored = db.session.get(Envelope, _envelope_id(item_id, author.uid))
        assert stored is None or stored.ct not in body


def _envelope_id(item_id: str, uid: str):
    from sqlalchemy import select
    return db.session.scalar(select(Envelope.id).where(Envelope.item_id == item_id,
                                                       Envelope.recipient_uid == uid))


def test_a_former_reader_sees_nothing_in_lists(app, cast):
    item_id, people = cast
    for role in ("revoked", "expired", "stranger"):
        listed = people[role].get("/items?limit=100").get_json()["items"]
        assert item_id not in {item["id"] for item in listed}, role
        assert item_id not in people[role].client.get("/journal/").get_data(as_text=True)
    listed = people["reader"].get("/items?limit=100").get_json()["items"]
    assert item_id in {item["id"] for item in listed}


def test_unknown_and_reused_ids_tell_nothing(app, cast):
    """A guessed id and a deleted (tombstoned) id answer a non-author like any foreign id."""
    item_id, people = cast
    stranger = people["stranger"]
    assert stranger.get(f"/items/{uuid.uuid4()}").status_code == 404
    assert people["author"].delete(f"/items/{item_id}").status_code == 204
    for role in ("reader", "stranger"):
        assert people[role].get(f"/items/{item_id}").status_code == 404
        assert people[role].delete(f"/items/{item_id}").status_code == 404
