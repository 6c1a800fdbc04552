"""The per-goal sharing switch of check-ins (docs/protocol.md "Goal check-ins and topics").
Check-ins and topics themselves are written with PUT /items/{id}."""
from __future__ import annotations

from flask_login import current_user

from ..api import bp
from ..api.spec import answer, operation
from ..api.util import api_login_required
from ..schemas.checkins import CheckinSharing, CheckinSharingWrite
from ..schemas.contracts import GoalPath
from ..services import checkins as service

ERRORS = {404: "Not a member (`process_not_found`) or no such goal of the process "
               "(`goal_not_found`)",
          403: "The process's supervisor (`not_supervisee`), or `csrf`"}


def _user():
    return current_user._get_current_object()


@bp.get("/processes/<pid>/goals/<goal_id>/checkin-sharing")
@api_login_required
@operation("Whether the caller (a supervisee) shares their check-ins on the goal with the "
           "supervisor", path=GoalPath, responses={200: CheckinSharing}, errors=ERRORS)
def get_checkin_sharing(pid: str, goal_id: str):
    return answer(CheckinSharing(goal=goal_id, shared=service.sharing_of(_user(), pid, goal_id)))


@bp.put("/processes/<pid>/goals/<goal_id>/checkin-sharing")
@api_login_required
@operation("Turn the sharing of the caller's check-ins on a goal on or off (an atomic "
           "upsert). On: the client envelopes each new check-in for the supervisor through "
           "the process and may share earlier ones. Off: every envelope of those check-ins "
           "to others is deleted at once and `revoked` lists them for the client's key "
           "rotation", path=GoalPath, body=CheckinSharingWrite,
           responses={200: CheckinSharing},
           errors={**ERRORS, 409: "Turning on in a process that has ended (`process_ended`)"})
def put_checkin_sharing(pid: str, goal_id: str, body: CheckinSharingWrite):
    result = service.set_sharing(_user(), pid, goal_id, body.shared)
    return answer(CheckinSharing(goal=result.goal_id, shared=result.shared,
                                 revoked=result.revoked))
