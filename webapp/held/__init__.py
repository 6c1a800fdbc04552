"""After the session (issue 10, "Topics and the agenda": after the session, mark it held,
write a short shared summary and a private note, give new assignments; unfinished agenda
items roll over to the next agenda — services/rollover.py).

- /processes/<pid>/sessions/<sid>/after: the supervisor's page once a session is held: the
  shared summary, written with the sealed editor (kind "summary", links.session, sealed in
  the browser to every active member; services/summaries.py keeps its rules), and the ways
  on: the session's private notes, new assignments. Its members read the summary there too.
- session_summary(session): the summary card of the session's page
  (templates/held/_session.html, one include line in templates/sessions/show.html): the
  summary opened in the reader's browser, and the supervisor's way to the page above.

Marking the session held is the session page's own form (PATCH /sessions/<sid>); the
summary is written through PUT /items/<id>. Pages carry structure and ciphertext only.
"""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..guards import login_required
from ..home import _when
from ..processes import queries as process_queries
from ..schemas import parse
from ..schemas.sessions import PageSessionPath
from ..services import summaries

bp = Blueprint("held", __name__)


def _user():
    return current_user._get_current_object()


@bp.app_template_global()
def session_summary(session, process) -> summaries.SummaryView:
    """The signed-in member's view of a session's summary, for the session page's card (the
    page has checked that they are a current member of the process)."""
    return summaries.summary_of(_user(), session, process)


@bp.get("/processes/<pid>/sessions/<sid>/after")
@login_required
def after(pid: str, sid: str):
    """After the session: the summary (written by the supervisor once the session is held,
    read by its members), the session's private notes and new assignments. Current members
    only (404 for anyone else)."""
    path = parse(PageSessionPath, {"pid": pid, "sid": sid})
    user = _user()
    view = summaries.summary_view(user, path.sid, path.pid)
    readable, named = process_queries.titles(user.uid, [view.process.id])
    return render_template("held/after.html", view=view, process=view.process,
                           session=view.session, title=readable.get(view.process.id),
                           has_title=view.process.id in named, when=_when())
