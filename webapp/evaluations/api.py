"""Evaluations' API (docs/protocol.md "Evaluations"). An evaluation's words are a sealed item
of kind "evaluation": written with PUT /evaluations/{id} (or PUT /items/{id}: the earliest
date without one), accepted with POST /items/{id}/acceptances (contracts/api.py)."""
from __future__ import annotations

from flask_login import current_user

from ..api import bp
from ..api.spec import answer, operation
from ..api.util import api_login_required
from ..contracts.api import acceptance_answer
from ..models.types import utcnow
from ..schemas.evaluations import (
    Cadence,
    CadenceWrite,
    Evaluation,
    EvaluationList,
    EvaluationWrite,
)
from ..schemas.items import ItemPath
from ..schemas.processes import ProcessPath
from ..services import evaluations as service


def _user():
    return current_user._get_current_object()


def evaluation_answer(view: service.EvaluationView) -> dict:
    row, item = view.evaluation, view.item
    return {"item": item.id, "process": row.process_id, "due_on": row.due_on,
            "kind": row.kind, "rev": item.rev, "created_at": item.created_at,
            "updated_at": item.updated_at, "accepted_at": row.accepted_at,
            "acceptances": [acceptance_answer(a) for a in view.acceptances]}


NOT_MEMBER = {404: "No such process, or the caller is not a member of it "
                   "(`process_not_found`)"}
NOT_FOUND = {404: "No such evaluation, or the caller is not a member of its process "
                  "(`evaluation_not_found`)"}


@bp.get("/processes/<pid>/evaluations")
@api_login_required
@operation("A process's evaluations for a member: the cadence, the dates due now (from 14 "
           "days before, until accepted) and every evaluation, newest date first",
           path=ProcessPath, responses={200: EvaluationList}, errors=NOT_MEMBER)
def list_evaluations(pid: str):
    user = _user()
    process, views = service.evaluations_of(user, pid)
    today = utcnow().date()
    due = service.due_evaluations(today, pid=pid)
    last = service._last_sessions([pid]).get(pid)
    return answer(EvaluationList.model_validate({
        "process": pid, "evaluation_months": process.evaluation_months,
        "start": service.start_of(process), "end": service.end_of(process, last),
        "due": [{"due_on": d.due_on, "kind": d.kind, "evaluation": d.item_id} for d in due],
        "evaluations": [evaluation_answer(v) for v in views]}))


@bp.put("/evaluations/<item_id>")
@api_login_required
@operation("Write an evaluation (the process's supervisor, with the supervisee in a "
           "session): its sealed item of kind \"evaluation\" sealed to every active member, "
           "and its row, for `due_on` (a date of the process's cadence; absent: the earliest "
           "without an evaluation), in one transaction. On an existing evaluation: edit its "
           "words (rev + 1) until somebody accepts it. A retried create answers as the "
           "first time (201)",
           path=ItemPath, body=EvaluationWrite, responses={200: Evaluation, 201: Evaluation},
           errors={400: "Bad input: kind not evaluation (`bad_kind`), no process "
                        "(`process_required`), a date not of the cadence (`bad_due`), or "
                        "what PUT /items/{id} refuses",
                   403: "Not the process's supervisor (`not_supervisor`), or `csrf`",
                   404: "No such process (`process_not_found`) or item (`not_found`)",
                   409: "A stale rev (`conflict`), an accepted evaluation "
                        "(`evaluation_accepted`), a date that has one (`evaluation_exists`, "
                        "with its id as `evaluation`), every date written "
                        "(`no_evaluation_due`), a draft (`process_not_active`) or ended "
                        "(`process_ended`) process",
                   410: "The id was deleted (`deleted`)"})
def write_evaluation(item_id: str, body: EvaluationWrite):
    user = _user()
    due = body.due_on if "due_on" in body.model_fields_set else service._UNSET
    _item, created = service.write(user, item_id, body.item, due)
    _process, view = service.get(user, item_id)
    return answer(Evaluation.model_validate(evaluation_answer(view)), 201 if created else 200)


@bp.get("/evaluations/<item_id>")
@api_login_required
@operation("One evaluation, for the current members of its process", path=ItemPath,
           responses={200: Evaluation}, errors=NOT_FOUND)
def get_evaluation(item_id: str):
    _process, view = service.get(_user(), item_id)
    return answer(Evaluation.model_validate(evaluation_answer(view)))


@bp.put("/processes/<pid>/evaluation-cadence")
@api_login_required
@operation("Change how often the process is evaluated (the supervisor): `months` from "
           "`previous` (one conditional update: of two changes from one value one wins)",
           path=ProcessPath, body=CadenceWrite, responses={200: Cadence},
           errors={**NOT_MEMBER,
                   400: "Bad input (`bad_months`)",
                   403: "Not the process's supervisor (`not_supervisor`), or `csrf`",
                   409: "Changed meanwhile (`cadence_changed`, with the stored `months`), "
                        "or the process has ended (`process_ended`)"})
def set_cadence(pid: str, body: CadenceWrite):
    process = service.set_months(_user(), pid, body.months, body.previous)
    return answer(Cadence.model_validate({"process": process.id,
                                          "evaluation_months": process.evaluation_months}))
