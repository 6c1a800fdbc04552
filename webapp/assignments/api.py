"""Interim assignments' API (docs/protocol.md "Interim assignments"). The words of an
assignment and of a response are sealed items: an assignment is given with
PUT /assignments/{id} (its item and the assignees' rows in one transaction), a response is
written with PUT /items/{id} (kind "response", links.parent = the assignment)."""
from __future__ import annotations

from flask_login import current_user

from ..api import bp
from ..api.spec import answer, operation
from ..api.util import api_login_required
from ..schemas.assignments import (
    Assignee,
    Assignment,
    AssignmentList,
    AssignmentWrite,
    Library,
    LibraryQuery,
    StatusWrite,
)
from ..schemas.items import ItemPath
from ..schemas.processes import ProcessPath
from ..services import assignments as service
from .library import library_in


def _user():
    return current_user._get_current_object()


def assignee_answer(view: service.AssigneeView) -> dict:
    row = view.row
    return {"user": row.user_uid, "display_name": view.name, "status": row.status,
            "due_at": row.due_at, "updated_at": row.updated_at,
            "response": view.response.id if view.response is not None else None}


def assignment_answer(view: service.AssignmentView) -> dict:
    item = view.item
    return {"item": item.id, "process": item.process_id, "session": item.session_id,
            "created_at": item.created_at,
            "assignees": [assignee_answer(a) for a in view.assignees]}


NOT_FOUND = {404: "No such assignment, or the caller is neither its process's supervisor "
                  "nor an assignee who is still a member (`assignment_not_found`)"}


@bp.get("/assignment-library")
@api_login_required
@operation("The built-in library of interim assignments in one language (fi, sv or en)",
           query=LibraryQuery, responses={200: Library})
def assignment_library(query: LibraryQuery):
    return answer(Library.model_validate({"assignments": library_in(query.lang)}))


@bp.get("/processes/<pid>/assignments")
@api_login_required
@operation("The assignments of a process, newest first: the supervisor sees every "
           "assignee's status (a response only when it was shared with them), a supervisee "
           "their own", path=ProcessPath, responses={200: AssignmentList},
           errors={404: "No such process, or the caller is not a member of it "
                        "(`process_not_found`)"})
def list_assignments(pid: str):
    _process, views = service.for_process(_user(), pid)
    return answer(AssignmentList.model_validate(
        {"assignments": [assignment_answer(view) for view in views]}))


@bp.put("/assignments/<item_id>")
@api_login_required
@operation("Give an assignment (the process's supervisor): its sealed item of kind "
           "\"assignment\" with an envelope for each assignee through the process, and the "
           "rows of its assignees, in one transaction; due by default at the start of the "
           "next planned session. On an existing assignment: edit its words (rev + 1) and, "
           "with `due_at`, every assignee's due time. A retried "
           "create answers as the first time (201)",
           path=ItemPath, body=AssignmentWrite, responses={200: Assignment, 201: Assignment},
           errors={400: "Bad input: kind not assignment (`bad_kind`), no process "
                        "(`process_required`), no assignee (`no_assignees`), a bad due time "
                        "(`bad_due`), or what PUT /items/{id} refuses",
                   403: "Not the process's supervisor (`not_supervisor`), an assignee who "
                        "is no supervisee of it (`not_supervisee`), or `csrf`",
                   404: "No such process (`process_not_found`) or item (`not_found`)",
                   409: "A stale rev (`conflict`) or an ended process (`process_ended`)",
                   410: "The id was deleted (`deleted`)"})
def give_assignment(item_id: str, body: AssignmentWrite):
    user = _user()
    due = body.due_at if "due_at" in body.model_fields_set else service._UNSET
    _item, created = service.give(user, item_id, body.item, due)
    view = service.one(user, item_id)
    return answer(Assignment.model_validate(assignment_answer(view)), 201 if created else 200)


@bp.get("/assignments/<item_id>")
@api_login_required
@operation("One assignment: the supervisor sees every assignee, an assignee their own row",
           path=ItemPath, responses={200: Assignment}, errors=NOT_FOUND)
def get_assignment(item_id: str):
    return answer(Assignment.model_validate(assignment_answer(service.one(_user(), item_id))))


@bp.post("/assignments/<item_id>/status")
@api_login_required
@operation("Mark one's own assignment done or skipped (from open), or open again (from done "
           "or skipped): one conditional update, so of two changes at once one wins; the "
           "same status again answers 200 unchanged",
           path=ItemPath, body=StatusWrite, responses={200: Assignee},
           errors={**NOT_FOUND,
                   400: "Bad input (`bad_status`)",
                   403: "`csrf`",
                   409: "Marked otherwise already (`status_conflict`, with the stored "
                        "status as `current`), or the process has ended (`process_ended`)"})
def set_status(item_id: str, body: StatusWrite):
    user = _user()
    service.set_status(user, item_id, body.status)
    view = service.one(user, item_id).mine(user.uid)
    return answer(Assignee.model_validate(assignee_answer(view)))
