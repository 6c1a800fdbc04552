"""Content-free email reminders: the opt-in per kind on the account page (a form of its own,
templates/reminders/_settings.html, included by account/index.html). The sending is the
scheduled command `flask send-reminders` (webapp/cli.py, services/reminders.py)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..guards import login_required
from ..models.reminders import REMINDER_KINDS
from ..services import reminders
from ..services.errors import InvalidInput

bp = Blueprint("reminders", __name__)


def _labels() -> dict[str, str]:
    """Each kind's choice in the reader's language."""
    return {
        "assignment_due": _("An interim assignment of mine is due tomorrow"),
        "session_tomorrow": _("I have a supervision session tomorrow"),
        "agenda_shared": _("The agenda of a coming session is shared with me"),
        "evaluation_due": _("An evaluation of my process is due"),
    }


@bp.app_template_global()
def reminder_choices() -> list[tuple[str, str, bool]]:
    """(kind, label, chosen) for the signed-in user, in the order of REMINDER_KINDS."""
    chosen = reminders.settings_of(current_user._get_current_object())
    labels = _labels()
    return [(kind, labels[kind], chosen[kind]) for kind in REMINDER_KINDS]


@bp.app_template_global()
def reminders_configured() -> bool:
    """Whether this server can send reminders (mail and PUBLIC_URL are set up)."""
    try:
        reminders.check_configured()
    except reminders.NotConfigured:
        return False
    return True


@bp.post("/account/reminders")
@login_required
def save():
    """Opt in to exactly the checked kinds (none checked: no reminders)."""
    try:
        reminders.set_settings(current_user._get_current_object(),
                               request.form.getlist("kinds"))
    except InvalidInput:
        abort(400)
    flash(_("Reminder settings saved."))
    return redirect(url_for("account.index") + "#reminders-title")
