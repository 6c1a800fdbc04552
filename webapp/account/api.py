"""The signed-in user and public key bundles."""
from __future__ import annotations

from flask_login import current_user

from ..api import bp
from ..api.spec import answer, operation
from ..api.util import api_login_required, auth_limit
from ..guards import csrf_token as generate_csrf  # masked (BREACH)
from ..schemas.accounts import (
    Bundle,
    ConfirmRecoveryRequest,
    Keys,
    Me,
    MeWithCsrf,
    NewRecoveryRequest,
    SettingsRequest,
    UserPath,
)
from ..services import accounts


def _me(user) -> dict:
    return {"uid": user.uid, "email": user.email, "display_name": user.display_name,
            "locale": user.locale, "is_supervisor": user.is_supervisor,
            "lock_minutes": user.lock_minutes, "bundle": user.bundle}


@bp.get("/me")
@api_login_required
@operation("The signed-in user and this session's CSRF token", responses={200: MeWithCsrf})
def me():
    """The signed-in user, with this session's CSRF token (for pages served from a cache)."""
    return answer(MeWithCsrf.model_validate({**_me(current_user), "csrf_token": generate_csrf()}))


@bp.patch("/me")
@api_login_required
@operation("Change display name, language or inactivity lock (what is given)",
           body=SettingsRequest, responses={200: Me})
def update_me(body: SettingsRequest):
    user = accounts.update_settings(current_user._get_current_object(),
                                    **body.model_dump(exclude_none=True))
    return answer(Me.model_validate(_me(user)))


@bp.get("/me/keys")
@api_login_required
@operation("The wrapped keys of the signed-in account", responses={200: Keys})
def my_keys():
    """The wrapped keys of the signed-in account (to unlock on a device that has a session)."""
    return answer(Keys.model_validate(current_user.keys()))


@bp.post("/me/recovery")
@api_login_required
@auth_limit()
@operation("Replace the recovery key, proven by the current password",
           description="The client makes a new recovery key, wraps the account key under it "
                       "(PROTOCOL §3) and sends `recovery`; the old recovery key stops working "
                       "at once. The new key counts as saved only after "
                       "`POST /me/recovery/confirmed`.",
           body=NewRecoveryRequest, responses={204: None}, rate_limited=True,
           errors={401: "Not signed in (`login_required`) or a wrong password proof "
                        "(`bad_credentials`)"})
def new_recovery(body: NewRecoveryRequest):
    accounts.replace_recovery(current_user._get_current_object(), body.proof, body.recovery)
    return "", 204


@bp.post("/me/recovery/confirmed")
@api_login_required
@operation("Mark the recovery key as saved (the user typed back a group of it)",
           description="Carries the auth key of the recovery key the client showed, so that a "
                       "key replaced meanwhile (another tab or device) is not confirmed.",
           body=ConfirmRecoveryRequest, responses={204: None},
           errors={409: "The key has been replaced by a newer one (`recovery_replaced`)"})
def confirm_recovery(body: ConfirmRecoveryRequest):
    accounts.confirm_recovery(current_user._get_current_object(), body.recovery_auth_key)
    return "", 204


@bp.get("/users/<uid>/bundle")
@api_login_required
@operation("A public key bundle: yourself, or someone who shares a process with you",
           path=UserPath, responses={200: Bundle},
           errors={404: "Unknown, or no process in common (`not_found`)"})
def user_bundle(uid: str):
    return answer(Bundle.model_validate(accounts.bundle_for(current_user._get_current_object(),
                                                            uid)))
