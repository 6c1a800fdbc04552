"""The signed-in user and public key bundles."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..api import bp
from ..api.util import api_login_required, json_body
from ..services import accounts


def _me(user) -> dict:
    return {"uid": user.uid, "email": user.email, "display_name": user.display_name,
            "locale": user.locale, "is_supervisor": user.is_supervisor,
            "lock_minutes": user.lock_minutes, "bundle": user.bundle}


@bp.get("/me")
@api_login_required
def me():
    """The signed-in user, with this session's CSRF token (for pages served from a cache)."""
    return jsonify({**_me(current_user), "csrf_token": generate_csrf()})


@bp.patch("/me")
@api_login_required
def update_me():
    user = accounts.update_settings(current_user._get_current_object(), json_body())
    return jsonify(_me(user))


@bp.get("/me/keys")
@api_login_required
def my_keys():
    """The wrapped keys of the signed-in account (to unlock on a device that has a session)."""
    return jsonify(current_user.keys())


@bp.get("/users/<uid>/bundle")
@api_login_required
def user_bundle(uid: str):
    return jsonify(accounts.bundle_for(current_user._get_current_object(), uid))
