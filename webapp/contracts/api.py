"""The contract's acceptances and the goals' order and status (docs/protocol.md "Contracts
and goals"). Revisions and goals themselves are written with PUT /items/{id} (kinds
"contract" and "goal", `process` set; an amendment links its parent)."""
from __future__ import annotations

from flask_login import current_user

from ..api import bp
from ..api.spec import answer, operation
from ..api.util import api_login_required
from ..schemas.contracts import (
    Acceptance,
    AcceptanceList,
    AcceptanceWrite,
    Contract,
    Goal,
    GoalList,
    GoalOrder,
    GoalPath,
    GoalStatusWrite,
)
from ..schemas.items import ItemPath
from ..schemas.processes import ProcessPath
from ..services import acceptances
from ..services import contracts as service
from ..services import goals as goal_service


def _user():
    return current_user._get_current_object()


def acceptance_answer(a) -> dict:
    return {"user": a.user_uid, "rev": a.rev, "content_hash": a.content_hash, "sig": a.sig,
            "created_at": a.created_at}


def goal_answer(goal) -> dict:
    return {"item": goal.item_id, "position": goal.position, "status": goal.status,
            "status_changed_at": goal.status_changed_at}


NOT_FOUND = {404: "No such process, or the caller is not a member of it "
                  "(`process_not_found`)"}


@bp.get("/processes/<pid>/contract")
@api_login_required
@operation("The contract of a process for a member: revisions (newest first) with their "
           "acceptances, and the goals in order", path=ProcessPath,
           responses={200: Contract}, errors=NOT_FOUND)
def get_contract(pid: str):
    user = _user()
    process, revisions = service.revisions(user, pid)
    members = {m.user_uid for m in process.active_members()}
    return answer(Contract.model_validate({
        "process": process.id, "status": process.status, "activated_at": process.activated_at,
        "revisions": [{
            "item": view.item.id, "number": view.revision.number, "parent": view.item.parent_id,
            "rev": view.item.rev, "created_at": view.item.created_at,
            "updated_at": view.item.updated_at,
            "acceptances": [acceptance_answer(a) for a in view.acceptances],
            "accepted_by_all": members <= {a.user_uid for a in view.accepted_now()}}
            for view in revisions],
        "goals": [goal_answer(goal) for goal, _item, _env in goal_service.goals_of(user, pid)],
    }))


@bp.get("/items/<item_id>/acceptances")
@api_login_required
@operation("Every acceptance of an item (a contract revision or an evaluation), for its "
           "readers",
           path=ItemPath, responses={200: AcceptanceList},
           errors={404: "No such item, or the caller holds no envelope for it (`not_found`)"})
def list_acceptances(item_id: str):
    return answer(AcceptanceList.model_validate({"acceptances": [
        acceptance_answer(a) for a in service.acceptances(_user(), item_id)]}))


@bp.post("/items/<item_id>/acceptances")
@api_login_required
@operation("Accept a contract revision or an evaluation at its current rev with an Ed25519 "
           "signature over "
           "\"valitila/v1/accept|\" + id + \"|\" + rev + \"|\" + b64u(content_hash); the "
           "server checks it with the caller's bundle and the stored item. When every active "
           "member has accepted the newest revision, a draft process becomes active; when "
           "every active member has accepted an evaluation, it is accepted. The "
           "same acceptance again answers 200 with the stored one",
           path=ItemPath, body=AcceptanceWrite, responses={200: Acceptance, 201: Acceptance},
           errors={400: "Bad input, or a signature that does not verify (`bad_signature`)",
                   404: "No such item or not readable (`not_found`), not a contract or an "
                        "evaluation (`not_a_contract`), or not a member (`process_not_found`)",
                   409: "The process has ended (`process_ended`), a newer revision exists "
                        "(`not_newest_revision`), or the rev changed (`stale_rev`, with the "
                        "stored `rev`)"})
def accept(item_id: str, body: AcceptanceWrite):
    acceptance, created = acceptances.accept(_user(), item_id, body.rev, body.sig)
    return answer(Acceptance.model_validate(acceptance_answer(acceptance)),
                  201 if created else 200)


SUPERVISOR_ERRORS = {**NOT_FOUND,
                     403: "Not the process's supervisor (`not_supervisor`), or `csrf`",
                     409: "The process has ended (`process_ended`)"}


@bp.patch("/processes/<pid>/goals/<goal_id>")
@api_login_required
@operation("Mark a goal achieved or dropped, or reopen it (the supervisor)", path=GoalPath,
           body=GoalStatusWrite, responses={200: Goal},
           errors={**SUPERVISOR_ERRORS,
                   404: "Not a member (`process_not_found`) or no such goal "
                        "(`goal_not_found`)"})
def set_goal_status(pid: str, goal_id: str, body: GoalStatusWrite):
    goal = goal_service.set_status(_user(), pid, goal_id, body.status)
    return answer(Goal.model_validate(goal_answer(goal)))


@bp.put("/processes/<pid>/goals/order")
@api_login_required
@operation("Put the goals in a new order (the supervisor): every goal once", path=ProcessPath,
           body=GoalOrder, responses={200: GoalList},
           errors={**SUPERVISOR_ERRORS,
                   400: "Bad input, or not every goal once (`bad_order`)"})
def order_goals(pid: str, body: GoalOrder):
    goals = goal_service.reorder(_user(), pid, body.items)
    return answer(GoalList.model_validate({"goals": [goal_answer(g) for g in goals]}))
