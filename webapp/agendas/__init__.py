"""The session agenda (issue 10, "Topics and the agenda"): the supervisor's builder, the
participants' view once it is shared, the checklist during the session, and print. The
JSON API is in api.py.

Pages carry structure (order, minutes, sources, who wrote what and when) and the gathered
items and the sealed agenda as ciphertext in one `data-agenda` attribute; the browser opens
them and writes the agenda's words back sealed.
"""
from __future__ import annotations

import json

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from markupsafe import Markup

from ..chrome import memo_expires, memo_kept, next_minute, render_memo_page
from ..guards import login_required
from ..items.wire import attribute_json, item_json
from ..processes import queries as process_queries
from ..schemas import parse
from ..schemas.sessions import PageSessionPath
from ..services import agendas as service
from ..services import schedule
from ..services.errors import NotFound

bp = Blueprint("agendas", __name__, url_prefix="/processes")


def _user():
    return current_user._get_current_object()


def _line(line) -> dict:
    return {"id": line.id, "source": line.source, "source_id": line.source_id,
            "carried_from": line.carried_from_id, "minutes": line.minutes, "done": line.done,
            "used_minutes": line.used_minutes}


#: The candidates' groups under their names in the page's data (the builder's keys).
PAGE_GROUPS = {"topics": "topic", "entries": "entry", "responses": "response",
               "checkins": "checkin", "previous_checkins": "earlier"}
_encode = json.JSONEncoder(separators=(",", ":")).encode


def page_data(view: service.AgendaView, found: service.Candidates | None = None) -> Markup:
    """The builder's (or a reader's) data for `data-agenda`: structure and ciphertext, as
    JSON made safe for an HTML attribute once (no autoescape of it by Jinja). The gathered
    items are already JSON text (services.agendas._wire): spliced in, not encoded again."""
    data = {"sid": view.session.id, "pid": view.process.id, "version": view.version,
            "minutes": view.session.minutes,
            "item": item_json(*view.item) if view.item else None,
            "shared": view.shared_at is not None,
            "lines": [_line(line) for line in view.lines],
            "carried": {line_id: item_json(found.item, found.envelope)
                        for line_id, found in view.carried.items()},
            "carried_under": {line_id: found.line for line_id, found in view.carried.items()}}
    if found is not None:
        # The authors' bundles (self-signed; verified by the page as it verifies one it
        # asks for) save the builder a call per member before it can verify what it gathered.
        members = service.members(view.process.id)
        data["members"] = list(members)
        data["names"] = {uid: member.name for uid, member in members.items()}
        data["bundles"] = {uid: member.bundle for uid, member in members.items()}
    text = _encode(data)
    if found is not None:
        text = f'{text[:-1]},"candidates":{{{found.json(PAGE_GROUPS)}}}}}'
    # As htmlsafe_json_dumps: nothing in it can end the attribute or start markup.
    return attribute_json(text)


def _common(view: service.AgendaView) -> dict:
    readable, named = process_queries.titles(_user().uid, [view.process.id])
    return {"session": view.session, "process": view.process, "view": view,
            "title": readable.get(view.process.id), "has_title": view.process.id in named,
            "ends_at": schedule.ends_at(view.session)}


@bp.get("/<pid>/sessions/<sid>/agenda")
@login_required
def agenda(pid: str, sid: str):
    """The supervisor's agenda builder; a participant's view of the shared agenda (a clear
    message before it is shared). Current members of the session's process only (404)."""
    path = parse(PageSessionPath, {"pid": pid, "sid": sid})
    user = _user()
    found = process_queries.session_version(user.uid, path.sid) if memo_kept() else None
    if (found is not None and found.pid == path.pid and found.role == "supervisor"
            and found.process_status != "ended" and found.session_status != "cancelled"):
        return _builder(user, path.sid, found)
    session = schedule.get_session(user, path.sid, path.pid)
    process = _process(session)
    if (process.supervisor_uid == user.uid and not process.is_ended
            and session.status != "cancelled"):
        view, found = service.candidates(user, path.sid)
        return render_template("agendas/builder.html", data=page_data(view, found),
                               found=found, **_common(view))
    try:
        view = service.agenda_of(user, path.sid)
    except NotFound as exc:
        if exc.code != "agenda_not_shared":
            raise
        readable, named = process_queries.titles(user.uid, [process.id])
        return render_template("agendas/not_shared.html", session=session, process=process,
                               title=readable.get(process.id), has_title=process.id in named)
    return render_template("agendas/read.html", data=page_data(view),
                           **_common(view))


def _builder(user, sid: str, found: process_queries.SessionVersion) -> str:
    """The builder page kept: all it shows belongs to the session's process (the agenda,
    what is gathered, the session, the name), whose version the database raises with every
    change of it (models.ProcessVersion), or is the reader's (uid, time zone; the language is
    in the memo's key). Until the first gathered share ends at most, and the next minute (the
    clock: what is live)."""
    def build() -> dict:
        view, gathered = service.candidates(user, sid)
        if gathered.ends_at is not None:
            memo_expires(gathered.ends_at)
        return {"data": page_data(view, gathered), "found": gathered, **_common(view)}

    memo = (user.uid, found.pid, sid, found.version, user.timezone, request.script_root)
    return render_memo_page("agendas/builder.html", memo, build, until=next_minute())


@bp.get("/<pid>/sessions/<sid>/agenda/checklist")
@login_required
def checklist(pid: str, sid: str):
    """The agenda as a checklist during the session (the supervisor): tick lines, note the
    minutes used; ticks made offline wait on the device and are sent when back online."""
    path = parse(PageSessionPath, {"pid": pid, "sid": sid})
    user = _user()
    schedule.get_session(user, path.sid, path.pid)
    view = service.agenda_of(user, path.sid)
    if not view.is_supervisor:
        abort(404)
    return render_template("agendas/checklist.html", data=page_data(view),
                           **_common(view))


@bp.app_template_global()
def agenda_link(session) -> dict:
    """For templates/agendas/_session_link.html on the session page: whether the reader
    builds the agenda or reads it, and whether it is shared."""
    user = _user()
    process = _process(session)
    return {"supervising": process.supervisor_uid == user.uid,
            "checklist": schedule.can_manage(user, process) and session.status != "cancelled",
            "shared": service.is_shared(session.id)}


def _process(session):
    from ..extensions import db
    from ..models import Process
    return db.session.get(Process, session.process_id)


from . import api  # noqa: E402, F401
