"""Session agendas (docs/protocol.md "Session agendas"). The agenda's words are the sealed
item of kind "agenda", written with PUT /items/{id}; these calls keep its structure."""
from __future__ import annotations

import json

from flask import current_app
from flask_login import current_user

from ..api import bp
from ..api.spec import answer, operation
from ..api.util import api_login_required
from ..chrome import memo_expires, memo_text
from ..items.api import item_answer
from ..processes import queries as process_queries
from ..schemas.agendas import (
    Agenda,
    AgendaPath,
    AgendaWrite,
    Candidates,
    Line,
    TickWrite,
)
from ..services import agendas as service
from ..sessions.api import session_answer

NOT_FOUND = {404: "No such session, or the caller is not a member of its process "
                  "(`session_not_found`)"}
NOT_SUPERVISOR = {403: "Not the process's supervisor (`not_supervisor`); or a missing or "
                       "wrong X-CSRF-Token (`csrf`)"}
#: The candidates' groups under their names in the API's answer.
API_GROUPS = {"topics": "topics", "entries": "entries", "responses": "responses",
              "checkins": "checkins", "previous_checkins": "previous_checkins"}
WRITE_409 = ("The process has ended (`process_ended`) or the session was cancelled "
             "(`session_cancelled`)")


def _user():
    return current_user._get_current_object()


def line_answer(line) -> Line:
    return Line.model_validate({
        "id": line.id, "position": line.position, "source": line.source,
        "source_id": line.source_id, "carried_from": line.carried_from_id,
        "minutes": line.minutes, "done": line.done, "used_minutes": line.used_minutes,
        "updated_at": line.updated_at})


def agenda_answer(view: service.AgendaView) -> Agenda:
    box = view.timebox
    return Agenda(
        session=session_answer(view.session), version=view.version,
        item=item_answer(*view.item) if view.item else None, shared_at=view.shared_at,
        lines=[line_answer(line) for line in view.lines], total_minutes=box.total,
        session_minutes=box.length, left_minutes=box.left, over=box.over,
        carried={line_id: item_answer(found.item, found.envelope)
                 for line_id, found in view.carried.items()},
        carried_under={line_id: found.line for line_id, found in view.carried.items()})


@bp.get("/sessions/<sid>/agenda")
@api_login_required
@operation("The session's agenda: its supervisor's always, a participant's once shared",
           path=AgendaPath, responses={200: Agenda},
           errors={404: "Not a member (`session_not_found`), or not shared yet "
                        "(`agenda_not_shared`)"})
def get_agenda(sid: str):
    return answer(agenda_answer(service.agenda_of(_user(), sid)))


@bp.get("/sessions/<sid>/agenda/candidates")
@api_login_required
@operation("What the agenda builder gathers since the previous held session: topics, "
           "entries marked 'bring', shared answers and check-ins (the supervisor)",
           path=AgendaPath, responses={200: Candidates}, errors={**NOT_FOUND,
                                                                **NOT_SUPERVISOR})
def get_candidates(sid: str):
    # Hundreds of items: answered from their wire form as read, written as JSON text once
    # (the schema documents it; tests/test_openapi.py checks real answers against it), not
    # validated again one by one.
    user = _user()

    def build() -> str:
        found = service.gathered(user, sid)
        if found.ends_at is not None:  # a share ends: what is gathered changes then
            memo_expires(found.ends_at)
        since = json.dumps(found.since.isoformat() if found.since else None)
        return f'{{"since":{since},{found.json(API_GROUPS)}}}'

    # All of it belongs to the session's process, whose version the database raises with
    # every change of it (models.ProcessVersion): an unchanged answer is not read and
    # written again (chrome.memo_text), and was the supervisor's when it was made.
    found = (process_queries.session_version(user.uid, sid)
             if current_app.config.get("PAGE_MEMO_ENTRIES") else None)
    text = (memo_text((user.uid, sid, found.version), build)
            if found is not None and found.role == "supervisor" else build())
    return current_app.response_class(text, mimetype="application/json")


@bp.put("/sessions/<sid>/agenda")
@api_login_required
@operation("Save the agenda's structure (the supervisor): every line in order, with "
           "minutes and done; conditional on `version`", path=AgendaPath, body=AgendaWrite,
           responses={200: Agenda},
           errors={**NOT_FOUND, **NOT_SUPERVISOR,
                   400: "Bad input; a line's source changed (`line_source_changed`), a "
                        "duplicate line (`duplicate_line`), `bad_source`",
                   409: "Changed since `version` (`agenda_changed`, with the stored "
                        "`version`); another agenda item (`agenda_item_exists`); a line "
                        "of another agenda (`line_exists`); " + WRITE_409})
def put_agenda(sid: str, body: AgendaWrite):
    lines = [service.LineInput(
        id=line.id, source=line.source, source_id=line.source_id, minutes=line.minutes,
        done=line.done, used_minutes=line.used_minutes,
        used_given="used_minutes" in line.model_fields_set) for line in body.lines]
    return answer(agenda_answer(service.save(_user(), sid, body.version, lines, body.item)))


@bp.post("/sessions/<sid>/agenda/share")
@api_login_required
@operation("Share the saved agenda with the participants (every active member must hold "
           "an envelope of its sealed item)", path=AgendaPath, responses={200: Agenda},
           errors={**NOT_FOUND, **NOT_SUPERVISOR,
                   409: "Not saved yet (`agenda_not_saved`), members without an envelope "
                        "(`readers_missing`, with `missing`); " + WRITE_409})
def share_agenda(sid: str):
    return answer(agenda_answer(service.share(_user(), sid)))


@bp.post("/sessions/<sid>/agenda/ticks")
@api_login_required
@operation("The checklist during the session: tick a line (`line`), note the minutes it "
           "took; only that line changes (no version)",
           path=AgendaPath, body=TickWrite, responses={200: Line},
           errors={404: "No such session for the caller (`session_not_found`) or no such "
                        "line in its agenda (`line_not_found`)",
                   **NOT_SUPERVISOR, 409: WRITE_409})
def tick_line(sid: str, body: TickWrite):
    row = service.tick(_user(), sid, body.line, body.done if "done" in body.model_fields_set
                       else None, body.used_minutes,
                       "used_minutes" in body.model_fields_set)
    return answer(line_answer(row))
