"""The personal journal: list, read, write and edit sealed reflections."""
from __future__ import annotations

import json
from datetime import date, tzinfo
from functools import lru_cache, partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date
from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import get_locale, get_timezone, gettext
from flask_login import current_user
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from ..chrome import render_memo_page
from ..guards import login_required
from ..items.wire import attribute_json, item_json
from ..schemas import parse, parse_query
from ..schemas.items import ItemPath, PageQuery
from ..services import items as service
from ..services import policy

bp = Blueprint("journal", __name__, url_prefix="/journal")

#: JSON with no spaces, safe inside a single-quoted HTML attribute (< > & ' escaped); one
#: encoder for every call (json.dumps with options builds a new one each time).
_compact_json = partial(htmlsafe_json_dumps,
                        dumps=json.JSONEncoder(separators=(",", ":")).encode)


@bp.app_template_global()
def sealed_json(item, envelope) -> Markup:
    """An item for the signed-in reader in the API's own form (item_json), for a
    `data-sealed='…'` attribute: opened in place by the "sealed" behaviour and kept in the
    device's sealed mirror."""
    return _compact_json(item_json(item, envelope))


@lru_cache(maxsize=4096)
def _medium_date(day: date, locale: str) -> str:
    return format_date(day, "medium", locale=locale)


@lru_cache(maxsize=64)
def _zoneinfo(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _zone() -> tzinfo:
    """The reader's time zone as a zoneinfo zone where there is one (converting to it costs
    a tenth of what converting to pytz's, which Flask-Babel gives, does)."""
    zone = get_timezone()
    name = getattr(zone, "zone", None)
    return (_zoneinfo(name) if name else None) or zone


def _cards(page) -> list[tuple[str, str, str, str, Markup]]:
    """What one page of entry cards shows, computed per page where it can be: the label's
    format, the locale, the time zone and the link prefix once, a date's medium form once per
    day and language, the sealed item as the wire form's JSON text (services.items.Wire). One
    tuple per card: (link, label, ISO time, numeric date, sealed JSON); both dates are the
    day in the reader's time zone."""
    label = gettext("Entry %(date)s")
    locale = str(get_locale())
    zone = _zone()
    prefix = url_for("journal.show", item_id="0")[:-1]
    cards = []
    for wire, created in page:
        day = created.astimezone(zone).date()
        cards.append((prefix + wire.id, label % {"date": _medium_date(day, locale)},
                      wire.created_at, f"{day.day:02d}.{day.month:02d}.{day.year}",
                      attribute_json(wire.json)))
    return cards


#: Other lists of entries (a supervisee's shared list) show the same cards, dated in the
#: same zone.
entry_cards = _cards
reader_zone = _zone


def _user():
    return current_user._get_current_object()


@bp.get("/")
@login_required
def index():
    """The user's own entries, newest first (what others share with them is shown per
    process, not here). With HX-Request and ?before= it returns just the next page."""
    page = parse_query(PageQuery, request.args)
    rows, next_cursor = service.list_wire_rows(
        _user(), kind="entry", before=page.before, limit=current_app.config["PAGE_SIZE"],
        own=True)

    def build():
        return {"cards": _cards(service.wire_page(rows)), "next_cursor": next_cursor}

    if request.headers.get("HX-Request") and request.args.get("before"):
        return render_template("journal/_entries.html", **build())
    # The cards are a function of the rows read, the language, the time zone and the
    # links' root: an unchanged page is not built again (chrome.render_memo_page).
    zone = _zone()
    return render_memo_page("journal/index.html",
                            (rows, next_cursor, str(zone), request.script_root), build)


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
