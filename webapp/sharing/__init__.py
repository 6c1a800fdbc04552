"""Sharing with the supervisor (issue 9): the share panel of an entry, "What I have shared",
and the supervisor's view of what one supervisee shares with them through a process.

The pages carry structure and ciphertext only; titles and texts are opened in the browser.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from ..chrome import memo_expires, memo_kept, render_memo_page, render_page
from ..guards import login_required
from ..processes.queries import row_json, version
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
    """"What I have shared": every active share (reflections, answers to assignments, goals
    whose check-ins the supervisor sees), grouped by process and reader, to stop one or all."""
    user = _user()
    titles = {t.process.id: t for t in service.share_targets(user)}
    return render_template("sharing/index.html", groups=service.what_i_share(user),
                           titles=titles)


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
    # Sharing again through a process keeps the mark "bring to the next session" unless she
    # unticks it: the form starts from the current share's.
    brought = {s.share.process_id for s in shares if s.share.bring}
    # process → the current share's end (None: until she stops): changing a share keeps it
    # unless she picks another.
    shared = {s.share.process_id: s.share.expires_at for s in shares}
    return render_template("sharing/_panel.html", item=item, shares=shares, targets=targets,
                           titles={t.process.id: t for t in targets}, brought=brought,
                           shared=shared,
                           rekey_due=readers.rekey_due)


@bp.get("/processes/<pid>/people/<uid>/shared")
@login_required
def supervisee_shared(pid: str, uid: str):
    """What one supervisee shares with the supervisor through one process: for the
    supervisor, and for the supervisee themself (what the supervisor sees)."""
    path = parse(MemberPath, {"pid": pid, "uid": uid})
    page = parse_query(SharedPageQuery, request.args)
    user = _user()

    def read() -> service.SharedPage:
        return service.shared_page(user, path.pid, path.uid, before=page.before,
                                   limit=current_app.config["PAGE_SIZE"])

    def build(shared: service.SharedPage) -> dict:
        view = service.SharedWithSupervisor(shared.process, shared.supervisee,
                                            service.shared_rows(shared.rows), shared.next)
        return {"cards": _shared_cards(view), "view": view,
                "next_cursor": encode_shared_cursor(view.next) if view.next else None,
                "title": row_json(shared.title) if shared.title is not None else None,
                "as_supervisee": user.uid == path.uid}

    def build_page() -> dict:
        shared = read()
        if shared.ends_at is not None:  # a share ends: the page changes then
            memo_expires(shared.ends_at)
        return build(shared)

    if request.headers.get("HX-Request") and request.args.get("before"):
        return render_template("sharing/_supervisee_cards.html", **build(read()))
    found = version(user.uid, path.pid) if memo_kept() else None
    if found is None:  # not kept, or not a current member (shared_page answers 404)
        return render_page("sharing/supervisee.html", **build(read()))
    # Everything on the page belongs to the process (the shares through it, the entries
    # shared through it, the members and their names), whose version the database raises
    # with every change of it (models.ProcessVersion), or is the reader's (uid, time zone;
    # the language is in the memo's key) and the request's (the page asked for): an
    # unchanged page is not read and built again, and was allowed when it was built. It is
    # kept until its first share ends at most.
    memo = (user.uid, path.pid, path.uid, found, page.before, str(_reader_zone()),
            request.script_root)
    return render_memo_page("sharing/supervisee.html", memo, build_page)


def _shared_cards(view) -> list[tuple]:
    """One tuple per card of a page of the shared list, computed as the journal's cards
    (journal.entry_cards): (link, label, ISO time, numeric date, sealed JSON), then the "bring"
    mark and the expiry (ISO, numeric) or None."""
    # (here: journal imports the items API, which imports us)
    from ..journal import entry_cards

    cards = entry_cards([(row.wire, row.created_at) for row in view.rows])
    zone = _reader_zone()
    return [card + (row.bring, (row.expires_at.isoformat(), _numeric(row.expires_at, zone))
                    if row.expires_at else None)
            for card, row in zip(cards, view.rows, strict=True)]


def _reader_zone():
    # (here: journal imports the items API, which imports us)
    from ..journal import reader_zone as zone

    return zone()


def _numeric(moment, zone) -> str:
    """A time as the cards' numeric dates are written, in the reader's zone (the page's
    script writes it again in their language)."""
    local = moment.astimezone(zone)
    return f"{local.day:02d}.{local.month:02d}.{local.year} {local.hour:02d}:{local.minute:02d}"
