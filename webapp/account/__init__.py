"""Account settings: password, inactivity lock, language, sessions."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..services import accounts
from ..services.errors import InvalidInput

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("/")
@login_required
def index():
    return render_template("account/index.html", lock_range=accounts.LOCK_RANGE)


@bp.post("/settings")
@login_required
def settings():
    form = request.form
    messages = {
        "display_name": _("Write your name (1–100 characters)."),
        "lock_minutes": _("Give a number of minutes from %(low)d to %(high)d.",
                          low=accounts.LOCK_RANGE[0], high=accounts.LOCK_RANGE[1]),
    }
    try:
        lock = int(form.get("lock_minutes", ""))
    except ValueError:
        lock = -1
    try:
        accounts.update_settings(current_user._get_current_object(), {
            "display_name": form.get("display_name", ""), "lock_minutes": lock})
    except InvalidInput as exc:
        field = exc.extra.get("field", "display_name")
        return render_template("account/index.html", lock_range=accounts.LOCK_RANGE,
                               errors={field: messages.get(field, exc.message)},
                               form_values=form), 400
    flash(_("Settings saved."))
    return redirect(url_for("account.index"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    accounts.logout_everywhere(current_user._get_current_object())
    logout_user()
    session.clear()
    return redirect(url_for("auth.login", signed_out=1))
