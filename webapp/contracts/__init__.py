"""The contract of a supervision process and its goals: the pages (the contract to read,
accept and print; the editor for the supervisor) and the JSON API (api.py).

The pages carry structure in plaintext (the frame, who accepted which revision, the goals'
order and status) and the contract's and goals' words as ciphertext, opened in the browser.
"""
from __future__ import annotations

import json

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext
from flask_login import current_user
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from ..guards import login_required
from ..models.processes import MODES
from ..processes import queries as process_queries
from ..schemas import parse
from ..schemas.processes import ProcessPath
from ..services import contracts as service
from ..services import goals as goal_service
from .templates_text import DEFAULTS, HEADINGS, LANGUAGES, SECTIONS, template_language

bp = Blueprint("contracts", __name__, url_prefix="/processes")


def acceptances_json(view) -> Markup:
    """The acceptances of a revision's current rev, for a `data-acceptances='…'` attribute:
    the browser checks each signature with the member's pinned key and the item's hash."""
    rows = [{"user": a.user_uid, "rev": a.rev, "content_hash": a.content_hash, "sig": a.sig}
            for a in view.accepted_now()]
    return htmlsafe_json_dumps(rows, dumps=json.dumps, separators=(",", ":"))


def goal_status_name(status: str) -> str:
    return {"open": gettext("In progress"), "achieved": gettext("Achieved"),
            "dropped": gettext("Dropped")}.get(status, status)


@bp.context_processor
def _helpers() -> dict:
    return {"acceptances_json": acceptances_json, "goal_status_name": goal_status_name,
            "headings_json": htmlsafe_json_dumps(HEADINGS)}


@bp.app_template_global()
def contract_summary(pid: str) -> dict:
    """For the process page's contract card: the newest revision's number (0: none yet), how
    many active members accepted its current rev and how many there are, and the goals."""
    return service.summary(pid)


def _user():
    return current_user._get_current_object()


def _common(pid: str) -> dict:
    user = _user()
    process, revisions = service.revisions(user, pid)
    readable, named = process_queries.titles(user.uid, [pid])
    members = process_queries.members(pid)
    return {"process": process, "revisions": revisions, "current": revisions[0] if revisions
            else None, "goals": goal_service.goals_of(user, pid), "members": members,
            "names": {m.user_uid: m.user.display_name for m in members},
            "is_supervisor": process.supervisor_uid == user.uid, "title": readable.get(pid),
            "has_title": pid in named, "ended": process.is_ended, "headings": HEADINGS,
            "sections": SECTIONS, "modes": MODES}


@bp.get("/<pid>/contract")
@login_required
def show(pid: str):
    """The contract for the process's current members (404 for anyone else): the newest
    revision with who accepted it and whether their signatures verify, the accept button, the
    goals, and the earlier revisions, each readable. Printable."""
    pid = parse(ProcessPath, {"pid": pid}).pid
    data = _common(pid)
    current = data["current"]
    me = _user().uid
    data["accepted_by_me"] = bool(current) and any(
        a.user_uid == me for a in current.accepted_now())
    return render_template("contracts/show.html", **data)


@bp.get("/<pid>/contract/edit")
@login_required
def edit(pid: str):
    """The supervisor's editor: the first revision (from the template, in the chosen
    language), the newest while nobody has accepted it, or an amendment after. 404 for
    non-members, 403 for other members, 409 once the process has ended."""
    pid = parse(ProcessPath, {"pid": pid}).pid
    data = _common(pid)
    if not data["is_supervisor"]:
        abort(403)
    if data["ended"]:
        abort(409)
    current = data["current"]
    editing = current is not None and not current.acceptances
    lang = request.args.get("lang")
    if lang not in LANGUAGES:
        lang = template_language(getattr(_user(), "locale", None))
    return render_template("contracts/edit.html", **data, editing=editing, lang=lang,
                           languages=LANGUAGES, defaults=DEFAULTS[lang],
                           start_from_template=current is None or "lang" in request.args)


from . import api  # noqa: E402, F401
