"""Sealed items and envelopes (PROTOCOL §7)."""
from __future__ import annotations

from flask_login import current_user

from ..api import bp
from ..api.spec import answer, operation
from ..api.util import api_login_required
from ..schemas.items import (
    EnvelopePath,
    EnvelopeWrite,
    Item,
    ItemPage,
    ItemPath,
    ItemQuery,
    ItemWrite,
)
from ..services import items as service


def item_answer(item, envelope) -> Item:
    """The same as the Item schema (built from the stored values, checked on the way out)."""
    return Item.model_validate({
        "id": item.id, "kind": item.kind, "author": item.author_uid, "rev": item.rev,
        "sealed": item.sealed, "sig": item.sig, "envelope": envelope.to_json(),
        "process": item.process_id, "links": item.links,
        "created_at": item.created_at, "updated_at": item.updated_at})


def _user():
    return current_user._get_current_object()


NOT_FOUND = {404: "No such item, or the caller holds no envelope for it (`not_found`)"}
NOT_AUTHOR = {403: "Not the author (`not_author`), or a share outside a common process "
                   "(`not_shared_process`), or an envelope of a private note for anyone but "
                   "its author (`private_note`), or a note in a process by anyone but its "
                   "supervisor (`not_supervisor`); or a missing or wrong X-CSRF-Token (`csrf`)"}


@bp.put("/items/<item_id>")
@api_login_required
@operation("Create (rev 1) or update (stored rev + 1) an item; retries are idempotent",
           path=ItemPath, body=ItemWrite, responses={200: Item, 201: Item},
           errors={**NOT_FOUND, **NOT_AUTHOR,
                   409: "A stale or skipped rev (`conflict`, with the stored `rev`)",
                   410: "The id was deleted (`deleted`): it stays deleted"})
def put_item(item_id: str, body: ItemWrite):
    user = _user()
    item, created = service.put_item(user, item_id, body)
    _, envelope = service.get_item(user, item.id)
    return answer(item_answer(item, envelope), 201 if created else 200)


@bp.get("/items/<item_id>")
@api_login_required
@operation("One item with the caller's own envelope", path=ItemPath, responses={200: Item},
           errors=NOT_FOUND)
def get_item(item_id: str):
    item, envelope = service.get_item(_user(), item_id)
    return answer(item_answer(item, envelope))


@bp.get("/items")
@api_login_required
@operation("Items the caller holds an envelope for, newest first, one page",
           query=ItemQuery, responses={200: ItemPage})
def list_items(query: ItemQuery):
    rows, next_cursor = service.list_items(
        _user(), kind=query.kind, process=query.process, before=query.before,
        limit=query.limit)
    return answer(ItemPage(items=[item_answer(i, e) for i, e in rows], next=next_cursor))


@bp.delete("/items/<item_id>")
@api_login_required
@operation("Delete an item (author only); the id stays deleted", path=ItemPath,
           responses={204: None}, errors={**NOT_FOUND, **NOT_AUTHOR})
def delete_item(item_id: str):
    service.delete_item(_user(), item_id)
    return "", 204


@bp.put("/items/<item_id>/envelopes/<uid>")
@api_login_required
@operation("Share: add or replace one reader's envelope (author only)", path=EnvelopePath,
           body=EnvelopeWrite, responses={204: None}, errors={**NOT_FOUND, **NOT_AUTHOR})
def put_envelope(item_id: str, uid: str, body: EnvelopeWrite):
    service.put_envelope(_user(), item_id, uid, body)
    return "", 204


@bp.delete("/items/<item_id>/envelopes/<uid>")
@api_login_required
@operation("Revoke one reader's envelope (author only)", path=EnvelopePath,
           responses={204: None},
           errors={404: "No such item or envelope (`not_found`)", **NOT_AUTHOR})
def delete_envelope(item_id: str, uid: str):
    service.delete_envelope(_user(), item_id, uid)
    return "", 204
