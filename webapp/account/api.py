"""The signed-in user and public key bundles."""
from __future__ import annotations

from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..api import bp
from ..api.spec import answer, operation
from ..api.util import api_login_required
from ..schemas.accounts import Bundle, Keys, Me, MeWithCsrf, SettingsRequest, UserPath
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


@bp.get("/users/<uid>/bundle")
@api_login_required
@operation("A public key bundle: yourself, or someone who shares a process with you",
           path=UserPath, responses={200: Bundle},
           errors={404: "Unknown, or no process in common (`not_found`)"})
def user_bundle(uid: str):
    return answer(Bundle.model_validate(accounts.bundle_for(current_user._get_current_object(),
                                                            uid)))
