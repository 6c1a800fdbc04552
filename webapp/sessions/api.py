"""Supervision sessions and the calendar feed (docs/protocol.md "Sessions and calendar")."""
from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from ..api import bp
from ..api.spec import answer, operation
from ..api.util import api_login_required
from ..schemas.sessions import (
    BusyList,
    BusyQuery,
    CalendarFeed,
    ProcessSessionsPath,
    ScheduleGenerate,
    Session,
    SessionAdd,
    SessionChange,
    SessionList,
    SessionPath,
)
from ..services import calendar, schedule


def _user():
    return current_user._get_current_object()


def session_answer(session) -> Session:
    return Session.model_validate({
        "id": session.id, "process": session.process_id, "starts_at": session.starts_at,
        "ends_at": schedule.ends_at(session), "minutes": session.minutes,
        "status": session.status, "cancel_reason": session.cancel_reason,
        "updated_at": session.updated_at})


NOT_FOUND = {404: "No such process, or the caller is not a member of it "
                  "(`process_not_found`)"}
SESSION_NOT_FOUND = {404: "No such session, or the caller is not a member of its process "
                          "(`session_not_found`)"}
NOT_SUPERVISOR = {403: "Not the process's supervisor (`not_supervisor`); or a missing or "
                       "wrong X-CSRF-Token (`csrf`)"}


@bp.get("/processes/<pid>/sessions")
@api_login_required
@operation("The process's sessions, by start (its members)", path=ProcessSessionsPath,
           responses={200: SessionList}, errors=NOT_FOUND)
def list_sessions(pid: str):
    return answer(SessionList(sessions=[session_answer(s) for s in
                                        schedule.list_sessions(_user(), pid)]))


@bp.post("/processes/<pid>/sessions/generate")
@api_login_required
@operation("Plan the sessions from the frame, the first at a local date and time (the "
           "supervisor); once per process", path=ProcessSessionsPath, body=ScheduleGenerate,
           responses={201: SessionList},
           errors={**NOT_FOUND, **NOT_SUPERVISOR,
                   409: "The process has ended (`process_ended`) or has a schedule "
                        "already (`schedule_exists`)"})
def generate(pid: str, body: ScheduleGenerate):
    rows = schedule.generate_schedule(_user(), pid, body.date, body.time, body.timezone)
    return answer(SessionList(sessions=[session_answer(s) for s in rows]), 201)


@bp.post("/processes/<pid>/sessions")
@api_login_required
@operation("Add one session at a local date and time (the supervisor)",
           path=ProcessSessionsPath, body=SessionAdd, responses={201: Session},
           errors={**NOT_FOUND, **NOT_SUPERVISOR, 409: "The process has ended "
                                                       "(`process_ended`)"})
def add(pid: str, body: SessionAdd):
    row = schedule.add_session(_user(), pid, body.date, body.time, body.minutes,
                               body.timezone)
    return answer(session_answer(row), 201)


@bp.get("/schedule/busy")
@api_login_required
@operation("When the caller is booked as a supervisor (her sessions in every process she "
           "supervises, planned or held, from a day ago on; empty for anyone else), without "
           "the session `exclude`: the add and move forms check a new time against it",
           query=BusyQuery, responses={200: BusyList})
def busy(query: BusyQuery):
    return answer(BusyList.model_validate({"busy": [
        {"starts_at": start, "ends_at": end}
        for start, end in schedule.busy_times(_user(), exclude=query.exclude)]}))


@bp.get("/sessions/<sid>")
@api_login_required
@operation("One session (the members of its process)", path=SessionPath,
           responses={200: Session}, errors=SESSION_NOT_FOUND)
def get_session(sid: str):
    return answer(session_answer(schedule.get_session(_user(), sid)))


@bp.patch("/sessions/<sid>")
@api_login_required
@operation("Move, cancel (with a reason category), mark held or un-cancel a session (the "
           "supervisor)", path=SessionPath, body=SessionChange, responses={200: Session},
           errors={**SESSION_NOT_FOUND, **NOT_SUPERVISOR,
                   409: "The process has ended (`process_ended`); the session changed since "
                        "`updated_at` (`session_changed`); it is not in a state for this "
                        "change (`session_planned`, `session_held`, `session_cancelled`); "
                        "it has not started yet (`not_started`)"})
def change_session(sid: str, body: SessionChange):
    row = schedule.change_session(
        _user(), sid, body.action, day=body.date, clock=body.time, minutes=body.minutes,
        zone_name_=body.timezone, reason=body.cancel_reason, expected=body.updated_at)
    return answer(session_answer(row))


@bp.post("/me/calendar")
@api_login_required
@operation("A new secret address for the caller's calendar feed (the old one stops "
           "working); shown only here", responses={201: CalendarFeed})
def create_calendar_feed():
    token = calendar.create_feed(_user())
    url = request.host_url.rstrip("/") + url_for("sessions.feed", token=token)
    return answer(CalendarFeed(url=url, token=token), 201)


@bp.delete("/me/calendar")
@api_login_required
@operation("Revoke the caller's calendar feed address", responses={204: None})
def revoke_calendar_feed():
    calendar.revoke_feed(_user())
    return "", 204
