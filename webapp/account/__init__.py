"""Account settings: password, inactivity lock, language, sessions."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ..guards import login_required
from ..main import safe_next
from ..schemas import form_errors, parse_form
from ..schemas.accounts import LOCK_RANGE, SettingsForm
from ..services import accounts, devices
from ..services.errors import InvalidInput

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(status: int = 200, **context):
    user = current_user._get_current_object()
    return render_template("account/index.html", lock_range=LOCK_RANGE,
                           devices=devices.list_sessions(user),
                           this_device=devices.current(user), **context), status


@bp.get("/")
@login_required
def index():
    return _page()


@bp.get("/recovery-key")
@login_required
def recovery_key():
    """Make a new recovery key (the old one stops working): the password, then the key shown
    once and confirmed. Reached from Settings and from the prompt shown on every signed-in
    page while the account's key is not confirmed."""
    return render_template("account/recovery_key.html",
                           next_url=safe_next(request.args.get("next") or url_for("account.index")))


@bp.post("/settings")
@login_required
def settings():
    form = request.form
    messages = {
        "display_name": _("Write your name (1–100 characters)."),
        "lock_minutes": _("Give a number of minutes from %(low)d to %(high)d.",
                          low=LOCK_RANGE[0], high=LOCK_RANGE[1]),
    }
    try:
        values = parse_form(SettingsForm, form)
        accounts.update_settings(current_user._get_current_object(), **values.model_dump())
    except InvalidInput as exc:
        fields = form_errors(SettingsForm, form) or [exc.extra.get("field", "display_name")]
        return _page(400, errors={field: messages.get(field, exc.message) for field in fields},
                     form_values=form)
    flash(_("Settings saved."))
    return redirect(url_for("account.index"))


@bp.post("/devices/<device_id>/sign-out")
@login_required
def sign_out_device(device_id: str):
    """Sign one of your devices out; another user's or an unknown device id is 404."""
    user = current_user._get_current_object()
    ended = devices.end_session_of(user, device_id)
    this = devices.current(user)
    if this is not None and ended.id == this.id:
        logout_user()
        session.clear()
        return redirect(url_for("auth.login", signed_out=1))
    flash(_("The device has been signed out."))
    return redirect(url_for("account.index"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    accounts.logout_everywhere(current_user._get_current_object())
    logout_user()
    session.clear()
    return redirect(url_for("auth.login", signed_out=1))
