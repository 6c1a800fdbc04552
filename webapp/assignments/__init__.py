"""Interim assignments (välitehtävät, issue 10): the pages and the JSON API (api.py).

- /processes/<pid>/assignments: for the process's supervisor, the built-in library (library.py)
  and the form that gives an assignment (sealed in the browser for the assignees), and every
  assignment with each assignee's status; for a supervisee, their own assignments.
- /assignments/<item_id>: one assignment. Its assignee reads it, answers it in a sealed
  response (shared with the supervisor only by their choice), marks it done or skipped; the
  supervisor sees each assignee's status and, only when it was shared, the answer.
- open_assignments(): the supervisee's open assignments for the home's section
  (templates/assignments/_home.html).

Pages carry structure and ciphertext; the words open in the browser.
"""
from __future__ import annotations

import json

from flask import Blueprint, render_template
from flask_babel import get_locale, gettext
from flask_login import current_user
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from ..guards import login_required
from ..home import _when
from ..processes import queries as process_queries
from ..schemas import parse
from ..schemas.items import ItemPath
from ..schemas.processes import ProcessPath
from ..services import assignments as service
from .library import LANGUAGES, library_in

bp = Blueprint("assignments", __name__)


def _user():
    return current_user._get_current_object()


def status_name(status: str) -> str:
    return {"open": gettext("To do"), "done": gettext("Done"),
            "skipped": gettext("Skipped")}.get(status, status)


def _language() -> str:
    lang = str(get_locale() or "fi")[:2]
    return lang if lang in LANGUAGES else "fi"


@bp.app_template_global()
def open_assignments() -> list[tuple]:
    """The signed-in supervisee's open assignments, soonest due first (the home's section):
    (item, their envelope, the due time's ISO form or None, the due time as they read it)."""
    if not current_user.is_authenticated:
        return []
    rows = service.open_for(current_user.uid)
    when = _when() if rows else None
    return [(a.item, a.envelope, a.row.due_at.isoformat() if a.row.due_at else None,
             when.date(a.row.due_at) if a.row.due_at else None) for a in rows]


@bp.app_template_global()
def assignment_counts(process) -> dict[str, int]:
    """For the process page's card: open, done and skipped assignments (the supervisor:
    every assignee's; a supervisee: their own)."""
    uid = current_user.uid
    return service.counts(uid, process.id, process.supervisor_uid == uid)


@bp.app_template_global()
def assignment_status_label(status: str) -> str:
    return status_name(status)


def _library_json() -> Markup:
    return htmlsafe_json_dumps(library_in(_language()), dumps=json.dumps,
                               separators=(",", ":"))


@bp.get("/processes/<pid>/assignments")
@login_required
def for_process(pid: str):
    """A process's assignments for a current member (404 for anyone else)."""
    pid = parse(ProcessPath, {"pid": pid}).pid
    user = _user()
    process, views = service.for_process(user, pid)
    readable, named = process_queries.titles(user.uid, [pid])
    is_supervisor = process.supervisor_uid == user.uid
    supervisees = [m for m in process_queries.members(pid) if m.role == "supervisee"]
    due = service.default_due(pid) if is_supervisor else None
    sessions, chosen = service.session_choices(pid) if is_supervisor else ([], None)
    return render_template(
        "assignments/process.html", process=process, views=views,
        is_supervisor=is_supervisor, supervisees=supervisees, title=readable.get(pid),
        has_title=pid in named, library=library_in(_language()),
        library_json=_library_json() if is_supervisor else None, default_due=due,
        sessions=sessions, chosen_session=chosen,
        when=_when())


@bp.get("/assignments/<item_id>")
@login_required
def show(item_id: str):
    """One assignment for its supervisor or an assignee (404 for anyone else)."""
    item_id = parse(ItemPath, {"item_id": item_id}).item_id
    user = _user()
    view = service.one(user, item_id)
    mine = view.mine(user.uid)
    readable, named = process_queries.titles(user.uid, [view.process.id])
    return render_template(
        "assignments/show.html", view=view, mine=mine, process=view.process,
        title=readable.get(view.process.id), has_title=view.process.id in named,
        share_default=service.share_default(user.uid, view.process.id), when=_when())


from . import api  # noqa: E402, F401
