"""POST /api/v1/me/erase (PROTOCOL §7): erase the signed-in account."""
from __future__ import annotations

from flask import after_this_request, session
from flask_login import current_user, logout_user

from ..api import bp
from ..api.spec import operation
from ..api.util import api_login_required, auth_limit
from ..schemas.erasure import EraseRequest
from ..services import erasure


@bp.post("/me/erase")
@api_login_required
@auth_limit()
@operation("Erase the signed-in account, proven by the current password",
           description="One transaction: the account, its wrapped keys and recovery record, "
                       "every item it wrote (with their envelopes), every envelope it held, "
                       "its memberships (ended first, as when a member leaves; a supervisor's "
                       "processes are ended and deleted, the supervisees keep their own "
                       "items), devices, pins, invites and reminders. Every session ends. The "
                       "uid and the time go on the erasure list. A wrong key changes nothing.",
           body=EraseRequest, responses={204: None}, rate_limited=True,
           errors={401: "Not signed in (`login_required`) or a wrong password proof "
                        "(`bad_credentials`)"})
def erase_me(body: EraseRequest):
    uid = current_user.uid
    notices = erasure.erase_account(current_user._get_current_object(), body.auth_key)

    @after_this_request
    def _files(response):
        # After the unit of work committed (webapp/uow.py): the erasure file and the WAL.
        if response.status_code == 204:
            erasure.after_commit(uid, notices)
        return response

    logout_user()
    session.clear()
    return "", 204
