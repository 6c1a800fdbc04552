"""Sharing with the supervisor (issue 9): the share panel of an entry, "What I have shared",
and the supervisor's view of what one supervisee shares with them through a process.

The pages carry structure and ciphertext only; titles and texts are opened in the browser.
"""
from __future__ import annotations

from itertools import groupby

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from ..guards import login_required
from ..schemas import parse, parse_query
from ..schemas.items import ItemPath
from ..schemas.processes import MemberPath
from ..schemas.sharing import SharedPageQuery, encode_shared_cursor
from ..services import sharing as service

bp = Blueprint("sharing", __name__)


def _user():
    return current_user._get_current_object()


@bp.get("/shared")
@login_required
def index():
    """"What I have shared": every active share, grouped by process and person."""
    shares = service.my_shares(_user())
    groups = [(key, list(rows)) for key, rows in groupby(
        shares, key=lambda s: (s.share.process_id, s.reader.uid))]
    titles = {t.process.id: t for t in service.share_targets(_user())}
    return render_template("sharing/index.html", groups=groups, titles=titles,
                           count=len(shares))


@bp.get("/shared/items/<item_id>")
@login_required
def item_panel(item_id: str):
    """The share panel of one entry (a fragment its page loads): with whom it is shared and
    until when, and the form to share it with a supervisor. The author's only (404)."""
    item_id = parse(ItemPath, {"item_id": item_id}).item_id
    user = _user()
    item, shares = service.item_shares(user, item_id)
    readers = service.readers(user, item_id)
    targets = service.share_targets(user)
    return render_template("sharing/_panel.html", item=item, shares=shares, targets=targets,
                           titles={t.process.id: t for t in targets},
                           rekey_due=readers.rekey_due)


@bp.get("/processes/<pid>/people/<uid>/shared")
@login_required
def supervisee_shared(pid: str, uid: str):
    """What one supervisee shares with the supervisor through one process: for the
    supervisor, and for the supervisee themself (what the supervisor sees)."""
    path = parse(MemberPath, {"pid": pid, "uid": uid})
    page = parse_query(SharedPageQuery, request.args)
    user = _user()
    view = service.shared_with_supervisor(user, path.pid, path.uid, before=page.before,
                                          limit=current_app.config["PAGE_SIZE"])
    context = {"cards": _shared_cards(view), "view": view,
               "next_cursor": encode_shared_cursor(view.next) if view.next else None}
    if request.headers.get("HX-Request") and request.args.get("before"):
        return render_template("sharing/_supervisee_cards.html", **context)
    title = service.process_title(user, path.pid)
    return render_template("sharing/supervisee.html", title=title,
                           as_supervisee=user.uid == path.uid, **context)


def _shared_cards(view) -> list[tuple]:
    """One tuple per card of a page of the shared list, computed as the journal's cards
    (journal.entry_cards): (link, label, ISO time, numeric date, sealed JSON), then the "bring"
    mark and the expiry (ISO, numeric) or None."""
    from ..journal import entry_cards  # (here: journal imports the items API, which imports us)

    cards = entry_cards([(row.wire, row.created_at) for row in view.rows])
    return [card + (row.bring, (row.expires_at.isoformat(),
                                row.expires_at.strftime("%d.%m.%Y %H:%M"))
                    if row.expires_at else None)
            for card, row in zip(cards, view.rows, strict=True)]
