"""Evaluations (arviointi, issue 10): the pages and the JSON API (api.py).

- /processes/<pid>/evaluations: the cadence (the supervisor changes its months here), the
  dates due now, the drafts and the accepted evaluations.
- /processes/<pid>/evaluations/new: the supervisor's editor for the earliest date without an
  evaluation (what PUT /items/{id} gives a new evaluation); /evaluations/<id>/edit edits one
  until somebody accepts it. Per goal: the scale at the start and now (prefilled from the
  earliest and latest check-ins the writer can open), what helped, what next; a summary.
- /evaluations/<id>: the evaluation opened in place, who accepted it with each signature
  checked in the browser ("signature verified" or a loud warning), accept, print.
- due_evaluations_home() and evaluation_summary(): the homes' section and the process
  page's card (templates/evaluations/_home.html, _card.html).

Pages carry structure and ciphertext; the words open in the browser.
"""
from __future__ import annotations

import json
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext
from flask_login import current_user
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from ..guards import login_required
from ..models.types import utcnow
from ..processes import queries as process_queries
from ..schemas import parse
from ..schemas.items import ItemPath
from ..schemas.processes import ProcessPath
from ..services import evaluations as service
from ..services import goals as goal_service
from ..services.errors import Conflict, InvalidInput

bp = Blueprint("evaluations", __name__)


def _user():
    return current_user._get_current_object()


@bp.app_template_global("evaluation_kind_name")
def kind_name(kind: str) -> str:
    return {"interim": gettext("Interim evaluation"),
            "final": gettext("Final evaluation")}.get(kind, kind)


def _json(value) -> Markup:
    return htmlsafe_json_dumps(value, dumps=json.dumps, separators=(",", ":"))


def acceptances_json(view: service.EvaluationView) -> Markup:
    """The acceptances of the current rev, for `data-acceptances='…'`: the browser checks
    each signature with the member's pinned key and the item it opened."""
    return _json([{"user": a.user_uid, "rev": a.rev, "content_hash": a.content_hash,
                   "sig": a.sig} for a in view.accepted_now()])


@bp.context_processor
def _helpers() -> dict:
    return {"evaluation_acceptances_json": acceptances_json}


@bp.app_template_global()
def due_evaluations_home() -> list[tuple]:
    """The signed-in user's due evaluations for the home (supervisor and supervisee alike):
    (due, its date as they read it, the process's name item or None, whether it has a name,
    the link, whether its date has passed)."""
    if not current_user.is_authenticated:
        return []
    today = utcnow().date()
    due = service.due_evaluations(today, uid=current_user.uid, written_ahead=True)
    if not due:
        return []
    readable, named = process_queries.titles(current_user.uid, [d.process_id for d in due])
    return [(d, format_date(d.due_on, "medium"),
             readable.get(d.process_id), d.process_id in named,
             url_for("evaluations.show", item_id=d.item_id) if d.item_id
             else url_for("evaluations.for_process", pid=d.process_id), d.due_on < today)
            for d in due]


@bp.app_template_global()
def evaluation_summary(process) -> dict:
    """The process page's card: the dates due now, the next one, how many are accepted."""
    return service.summary(process.id, utcnow().date())


def _process_page(pid: str, status: int = 200, **extra):
    user = _user()
    process, views = service.evaluations_of(user, pid)
    today = utcnow().date()
    due = service.due_evaluations(today, pid=pid)
    readable, named = process_queries.titles(user.uid, [pid])
    horizon = today + timedelta(days=service.DUE_WINDOW_DAYS)
    written = {v.evaluation.due_on for v in views}
    upcoming = service.process_cadence(process, service.add_months(
        today, process.evaluation_months + 1)) if process.status == "active" else []
    next_new = next((d for d, _k in upcoming if d not in written), None)
    return render_template(
        "evaluations/process.html", process=process, views=views, due=due,
        drafts=[v for v in views if v.evaluation.accepted_at is None],
        accepted=[v for v in views if v.evaluation.accepted_at is not None],
        cadence=[(d, k) for d, k in upcoming if d not in written and d > horizon][:3],
        next_new=next_new, today=today,
        is_supervisor=process.supervisor_uid == user.uid, title=readable.get(pid),
        has_title=pid in named, months_range=service.MONTHS_RANGE, **extra), status


@bp.get("/processes/<pid>/evaluations")
@login_required
def for_process(pid: str):
    """A process's evaluations for its current members (404 for anyone else)."""
    pid = parse(ProcessPath, {"pid": pid}).pid
    return _process_page(pid)


@bp.post("/processes/<pid>/evaluations/cadence")
@login_required
def set_cadence(pid: str):
    """The supervisor's form: every how many months (from the value the page showed)."""
    pid = parse(ProcessPath, {"pid": pid}).pid
    try:
        months = int(request.form.get("months", ""))
        previous = int(request.form.get("previous", ""))
    except ValueError:
        return _process_page(pid, 400, months_error=gettext(
            "Give a number of months from %(low)d to %(high)d.",
            low=service.MONTHS_RANGE[0], high=service.MONTHS_RANGE[1]))
    try:
        service.set_months(_user(), pid, months, previous)
    except InvalidInput:
        return _process_page(pid, 400, months_error=gettext(
            "Give a number of months from %(low)d to %(high)d.",
            low=service.MONTHS_RANGE[0], high=service.MONTHS_RANGE[1]))
    except Conflict as exc:
        if exc.code == "process_ended":
            raise
        return _process_page(pid, 409, months_error=gettext(
            "Someone changed the cadence meanwhile: it is shown as it is now."))
    flash(gettext("Evaluation cadence saved."))
    return redirect(url_for("evaluations.for_process", pid=pid) + "#cadence-title")


@bp.get("/processes/<pid>/evaluations/new")
@login_required
def new(pid: str):
    """The supervisor's editor for the earliest date without an evaluation (409 when the
    process is not running or every date is written)."""
    pid = parse(ProcessPath, {"pid": pid}).pid
    user = _user()
    process, views = service.evaluations_of(user, pid)
    if process.supervisor_uid != user.uid:
        abort(403)
    if process.status != "active":
        abort(409)
    written = {v.evaluation.due_on for v in views}
    dates = service.process_cadence(process, service.add_months(
        utcnow().date(), process.evaluation_months + 1))
    choice = next(((d, k) for d, k in dates if d not in written), None)
    if choice is None:
        abort(409)
    return render_template("evaluations/edit.html", **_editor_context(process, None, choice))


def _editor_context(process, view, choice=None) -> dict:
    user = _user()
    goals = goal_service.goals_of(user, process.id)
    members = [m.user_uid for m in process.active_members()]
    readable, named = process_queries.titles(user.uid, [process.id])
    return {"process": process, "view": view, "goals": goals, "choice": choice,
            "bounds": service.checkin_bounds(user, process.id),
            "members_json": _json(members), "title": readable.get(process.id),
            "has_title": process.id in named}


@bp.get("/evaluations/<item_id>/edit")
@login_required
def edit(item_id: str):
    """The supervisor edits an evaluation nobody has accepted yet (409 after)."""
    item_id = parse(ItemPath, {"item_id": item_id}).item_id
    user = _user()
    process, view = service.get(user, item_id)
    if process.supervisor_uid != user.uid:
        abort(403)
    if view.envelope is None:
        abort(409)
    if process.is_ended or view.acceptances:
        # Final (an old link, a tab left open): the evaluation itself, which says why (an
        # ended process's page says so itself).
        if not process.is_ended:
            flash(gettext("Somebody has accepted this evaluation, so it can no longer be "
                          "changed."))
        return redirect(url_for("evaluations.show", item_id=item_id))
    return render_template("evaluations/edit.html", **_editor_context(
        process, view, (view.evaluation.due_on, view.evaluation.kind)))


@bp.get("/evaluations/<item_id>")
@login_required
def show(item_id: str):
    """One evaluation for the current members of its process: opened in the browser, each
    acceptance checked there, accept, print."""
    item_id = parse(ItemPath, {"item_id": item_id}).item_id
    user = _user()
    process, view = service.get(user, item_id)
    members = process_queries.members(process.id)
    readable, named = process_queries.titles(user.uid, [process.id])
    goals = goal_service.goals_of(user, process.id)
    is_supervisor = process.supervisor_uid == user.uid
    missing = service.members_without_envelope(process, view) if is_supervisor else []
    return render_template(
        "evaluations/show.html", process=process, view=view, members=members, goals=goals,
        missing_json=_json(missing) if missing else None,
        is_supervisor=is_supervisor, title=readable.get(process.id),
        has_title=process.id in named,
        accepted_by_me=any(a.user_uid == user.uid for a in view.accepted_now()))


from . import api  # noqa: E402, F401
