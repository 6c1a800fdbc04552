"""Joining from an invite link and the people one supervises with: /join/<token> (the invite
link `/join/<token>#fp=<fp16>`, PROTOCOL §2) and /people/<uid>/safety (the safety number of
the pair). The pages hold no secrets: their behaviours check keys in the browser (pins.js)."""
from __future__ import annotations

import re

from flask import Blueprint, abort, render_template
from flask_login import current_user

from ..extensions import db
from ..guards import login_required
from ..models import User
from ..services import policy
from ..services import processes as process_service
from ..services.errors import NotFound

bp = Blueprint("people", __name__)

#: What an invite token looks like (secrets.token_urlsafe); anything else is unknown at once.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,200}$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@bp.get("/join/<token>")
def join(token: str):
    """The invite link's page, signed in or not. The server never sees the link's `#fp=`;
    the page's behaviour fetches the invite, checks the supervisor's key against it and only
    then offers to join. An unknown, used, revoked or expired invite: 404 with a plain page."""
    try:
        if not TOKEN.match(token):
            raise NotFound("invite not found", "invite_not_found")
        process_service.invite_info(token)
    except NotFound:
        return render_template("people/join_gone.html"), 404
    return render_template("people/join.html", token=token)


@bp.get("/people/<uid>/safety")
@login_required
def safety(uid: str):
    """The safety number of the signed-in user and someone who shares a process with them."""
    me = current_user._get_current_object()
    person = db.session.get(User, uid) if UUID4.match(uid) else None
    if person is None or person.uid == me.uid or not policy.shares_process(me.uid, uid):
        abort(404)
    return render_template("people/safety.html", person=person)
