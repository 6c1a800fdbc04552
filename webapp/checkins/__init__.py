"""Goal check-ins (scaling questions, 0–10) and the topics supervisees propose for the next
session (issue 10): the pages and the JSON API (api.py).

The pages carry structure (which goal, whose check-in, when; the sharing switch) and the
check-ins', goals' and topics' words and values as ciphertext, opened in the browser: the
trend chart and its table are drawn there from the decrypted values.
"""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..guards import login_required
from ..processes import queries as process_queries
from ..schemas import parse
from ..schemas.contracts import GoalPath
from ..schemas.processes import ProcessPath
from ..services import checkins as service
from ..services import goals as goal_service
from ..services import topics as topic_service

bp = Blueprint("checkins", __name__, url_prefix="/processes")


def _user():
    return current_user._get_current_object()


@bp.context_processor
def _helpers() -> dict:
    from ..contracts import goal_status_name
    return {"goal_status_name": goal_status_name}


@bp.app_template_global()
def checkins_card(pid: str) -> dict:
    """For the process page's card (templates/checkins/_card.html): the goals in order, each
    with the reader's envelope, and how many topics the reader sees."""
    user = _user()
    return {"goals": goal_service.goals_of(user, pid),
            "topics": topic_service.count_of(user, pid)}


@bp.get("/<pid>/goals/<goal_id>")
@login_required
def goal(pid: str, goal_id: str):
    """A goal's page: a supervisee records check-ins, sees their trend (chart and table) and
    decides whether the supervisor sees them; the supervisor sees, per supervisee, the
    check-ins shared with them. Current members only (404), the process's goals only."""
    path = parse(GoalPath, {"pid": pid, "goal_id": goal_id})
    user = _user()
    view = service.goal_view(user, path.pid, path.goal_id)
    readable, named = process_queries.titles(user.uid, [path.pid])
    return render_template("checkins/goal.html", view=view, process=view.process,
                           title=readable.get(path.pid), has_title=path.pid in named,
                           ended=view.process.is_ended)


@bp.get("/<pid>/topics")
@login_required
def topics(pid: str):
    """The topics proposed for the next session: a supervisee proposes, edits and withdraws
    their own; the supervisor sees every supervisee's, newest first. Members only (404)."""
    pid = parse(ProcessPath, {"pid": pid}).pid
    user = _user()
    view = topic_service.topics_view(user, pid)
    readable, named = process_queries.titles(user.uid, [pid])
    names = {m.user_uid: m.user.display_name for m in view.process.memberships}
    return render_template("topics/index.html", view=view, process=view.process,
                           title=readable.get(pid), has_title=pid in named, names=names)


from . import api  # noqa: E402, F401
