"""The personal journal: list, read, write and edit sealed reflections."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from ..guards import login_required
from ..items.api import item_json
from ..schemas import parse, parse_query
from ..schemas.items import ItemPath, PageQuery
from ..services import items as service
from ..services import policy

bp = Blueprint("journal", __name__, url_prefix="/journal")
bp.add_app_template_global(item_json, "item_json")


def _user():
    return current_user._get_current_object()


@bp.get("/")
@login_required
def index():
    """Newest first. With HX-Request and ?before= it returns just the next page."""
    page = parse_query(PageQuery, request.args)
    rows, next_cursor = service.list_items(
        _user(), kind="entry", before=page.before, limit=current_app.config["PAGE_SIZE"])
    context = {"rows": rows, "next_cursor": next_cursor}
    if request.headers.get("HX-Request") and request.args.get("before"):
        return render_template("journal/_entries.html", **context)
    return render_template("journal/index.html", **context)


@bp.get("/local")
@login_required
def local():
    """The offline journal shell (cached by the service worker; holds no user data)."""
    return render_template("journal/local.html")


@bp.get("/new")
@login_required
def new():
    return render_template("journal/compose.html", item=None, envelope=None)


@bp.get("/<item_id>")
@login_required
def show(item_id: str):
    item_id = parse(ItemPath, {"item_id": item_id}).item_id
    item, envelope = service.get_item(_user(), item_id)
    return render_template("journal/show.html", item=item, envelope=envelope)


@bp.get("/<item_id>/edit")
@login_required
def edit(item_id: str):
    item_id = parse(ItemPath, {"item_id": item_id}).item_id
    item, envelope = service.get_item(_user(), item_id)
    if not policy.can_edit(_user(), item):
        return render_template("journal/show.html", item=item, envelope=envelope), 403
    return render_template("journal/compose.html", item=item, envelope=envelope)
