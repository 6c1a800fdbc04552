"""Retention of an ended process (issue 11): the page where the supervisor proposes ending
the retention early and each member who was in the process at its end agrees
(services/retention.py), and the card on the ended process's page
(templates/retention/_card.html: until when its data is kept, and a link here).

- GET  /processes/<pid>/retention          the page (members at the end; 404 to others,
                                            409 while the process runs or once purged)
- POST /processes/<pid>/retention/propose  the supervisor proposes (form, CSRF)
- POST /processes/<pid>/retention/agree    a member agrees (form, CSRF)
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from ..guards import login_required
from ..schemas import parse
from ..schemas.processes import ProcessPath
from ..services import retention as service

bp = Blueprint("retention", __name__)


def _user():
    return current_user._get_current_object()


def _pid(pid: str) -> str:
    return parse(ProcessPath, {"pid": pid}).pid


@bp.get("/processes/<pid>/retention")
@login_required
def page(pid: str):
    """Until when the ended process's data is kept, what will be deleted and what stays,
    the supervisor's proposal to end it early and who has agreed."""
    state = service.agreement(_user(), _pid(pid))
    return render_template("retention/page.html", state=state, process=state.process,
                           is_supervisor=state.process.supervisor_uid == current_user.uid,
                           agreed=state.agreed(current_user.uid))


@bp.post("/processes/<pid>/retention/propose")
@login_required
def propose(pid: str):
    """The supervisor proposes deleting the data now (her agreement counts as given)."""
    pid = _pid(pid)
    service.propose(_user(), pid)
    flash(gettext("Proposal made. The data is deleted when every member has agreed."))
    return redirect(url_for("retention.page", pid=pid))


@bp.post("/processes/<pid>/retention/agree")
@login_required
def agree(pid: str):
    """A member agrees to the supervisor's proposal."""
    pid = _pid(pid)
    state = service.agree(_user(), pid)
    flash(gettext("Everyone has agreed: the data will be deleted shortly.") if state.all_agreed
          else gettext("You agreed. The data is deleted when every member has agreed."))
    return redirect(url_for("retention.page", pid=pid))
