"""Supervision processes: the pages (a supervisor's home, starting a process, one process
with its members and invites) and the JSON API (api.py).

The pages carry structure in plaintext and each process's name as ciphertext (the name is a
sealed item of kind "title"); the browser opens it in place. Nothing a person wrote is
rendered here in plaintext.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext
from flask_login import current_user

from ..chrome import memo_expires, memo_kept, next_minute, render_memo_page, render_page
from ..guards import login_required
from ..models.processes import FORMS, MODES
from ..models.types import utcnow
from ..schemas import parse
from ..schemas.processes import MAX_INVITE_DAYS, ProcessPath
from ..services.processes import FORM_DEFAULTS, INVITE_DAYS
from . import queries
from .names import NameMarkup
from .schedule import schedule_card

bp = Blueprint("processes", __name__, url_prefix="/processes")


def _user():
    return current_user._get_current_object()


def form_defaults() -> dict[str, dict[str, int]]:
    """The frame each form starts from, for the new-process form's script."""
    return {form: {"session_minutes": d.session_minutes, "interval_days": d.interval_days,
                   "session_count": d.session_count} for form, d in FORM_DEFAULTS.items()}


@bp.get("/")
@login_required
def index():
    """A supervisor's home: their processes (active, drafts, ended) and "Start a new
    process"; a supervisee sees the processes they take part in."""
    return render_template("processes/index.html", rows=queries.home(_user()))


@bp.get("/new")
@login_required
def new():
    """Choose the form and the frame; the name is sealed in the browser. Only supervisors
    start processes: anyone else is told so (403)."""
    if not _user().is_supervisor:
        return render_template("processes/not_supervisor.html"), 403
    return render_template("processes/new.html", forms=FORMS, modes=MODES,
                           defaults=form_defaults())


@bp.get("/shares-due")
@login_required
def shares_due():
    """JSON for the supervisor's client: the items of their processes each new member still
    needs an envelope for ({"due": [{"item", "process", "uid"}]}; empty for others)."""
    user = _user()
    due = queries.shares_due(user.uid) if user.is_supervisor else []
    response = jsonify({"due": [{"item": item, "process": pid, "uid": uid}
                                for item, pid, uid in due]})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<pid>")
@login_required
def show(pid: str):
    """One process for its current members (404 for anyone else): name, form, status, frame,
    the sessions around now (?sessions=all: every session), members; for its supervisor
    also the invites and the actions."""
    pid = parse(ProcessPath, {"pid": pid}).pid
    user, now = _user(), utcnow()
    full = request.args.get("sessions") == "all"
    join_base = request.host_url.rstrip("/") + "/join/"

    def build() -> dict:
        process, has_title = queries.shown_process(user.uid, pid)     # 404 unless a member
        title_json = queries.readable_titles(user.uid, [pid]).get(pid) if has_title else None
        is_supervisor = process.supervisor_uid == user.uid
        members, lacking = (queries.members_and_lacking(pid) if is_supervisor
                            else (queries.member_rows(pid), set()))
        invites = queries.invites(pid) if is_supervisor else []
        for invite in invites:  # an open invite's state changes when it expires
            if invite.state() == "open":
                memo_expires(invite.expires_at)
        return dict(
            process=process, title=title_json is not None,
            title_json=title_json, has_title=has_title,
            name=NameMarkup(gettext("Supervision process"), tag="h1")(title_json, has_title),
            is_supervisor=is_supervisor, schedule=schedule_card(user, process, full),
            members=members, invites=invites, lacking=lacking,
            modes=MODES, invite_days=INVITE_DAYS, max_invite_days=MAX_INVITE_DAYS - 1,
            join_base=join_base)

    found = queries.version(user.uid, pid) if memo_kept() else None
    if found is None:  # not kept, or not a current member (shown_process answers 404)
        return render_page("processes/show.html", **build())
    # Everything on the page belongs to the process, whose version the database raises with
    # every change of it (models.ProcessVersion), or to the reader (uid, role, time zone; the
    # language is in the memo's key) and the request (?sessions=all, the join links' host):
    # an unchanged page is not read and built again. What the clock changes (the sessions
    # around now, what falls due, an invite's expiry) is kept until the next minute at most.
    memo = (user.uid, pid, found, user.timezone, full, join_base, request.script_root)
    return render_memo_page("processes/show.html", memo, build,
                            until=next_minute(now))
