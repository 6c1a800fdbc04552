"""Deleting one's account (issue 11): the page that asks, and the goodbye page after it.
The erasure itself is `POST /api/v1/me/erase` (webapp/erasure/api.py), which the page's
behaviour calls with the auth key derived from the password in the browser."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import exists, select

from ..extensions import db
from ..guards import login_required
from ..models import Process

bp = Blueprint("erasure", __name__)


@bp.get("/account/delete")
@login_required
def confirm():
    """What deleting the account does, an export first, the password, a confirmation."""
    owns_processes = current_user.is_supervisor and bool(db.session.scalar(
        select(exists().where(Process.supervisor_uid == current_user.uid))))
    return render_template("erasure/confirm.html", owns_processes=owns_processes)


@bp.get("/goodbye")
def goodbye():
    """Where the browser lands after the account was erased (and this device wiped)."""
    return render_template("erasure/goodbye.html")
