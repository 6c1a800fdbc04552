"""Sealed items and envelopes (PROTOCOL §7)."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from ..api import bp
from ..api.util import api_login_required, json_body
from ..services import items as service


def item_json(item, envelope) -> dict:
    """The wire form of an item for one reader (their own envelope only)."""
    return {
        "id": item.id, "kind": item.kind, "author": item.author_uid, "rev": item.rev,
        "sealed": item.sealed, "sig": item.sig, "envelope": envelope.to_json(),
        "process": item.process_id, "links": item.links,
        "created_at": item.created_at.isoformat(), "updated_at": item.updated_at.isoformat(),
    }


def _user():
    return current_user._get_current_object()


@bp.put("/items/<item_id>")
@api_login_required
def put_item(item_id: str):
    user = _user()
    item, created = service.put_item(user, item_id, json_body())
    _, envelope = service.get_item(user, item.id)
    return jsonify(item_json(item, envelope)), 201 if created else 200


@bp.get("/items/<item_id>")
@api_login_required
def get_item(item_id: str):
    item, envelope = service.get_item(_user(), item_id)
    return jsonify(item_json(item, envelope))


@bp.get("/items")
@api_login_required
def list_items():
    args = request.args
    rows, next_cursor = service.list_items(
        _user(), kind=args.get("kind") or None, process=args.get("process") or None,
        before=args.get("before") or None, limit=service.parse_limit(args.get("limit")))
    return jsonify({"items": [item_json(i, e) for i, e in rows], "next": next_cursor})


@bp.delete("/items/<item_id>")
@api_login_required
def delete_item(item_id: str):
    service.delete_item(_user(), item_id)
    return "", 204


@bp.put("/items/<item_id>/envelopes/<uid>")
@api_login_required
def put_envelope(item_id: str, uid: str):
    service.put_envelope(_user(), item_id, uid, json_body())
    return "", 204


@bp.delete("/items/<item_id>/envelopes/<uid>")
@api_login_required
def delete_envelope(item_id: str, uid: str):
    service.delete_envelope(_user(), item_id, uid)
    return "", 204
