"""Supervision sessions: the schedule card on a process's page, a page per session, the
one-off `.ics` per session, the personal calendar feed (the secret address is the
credential, no login) and the user's time zone setting. The JSON API is in api.py.

Dates are shown through Flask-Babel in the viewer's time zone (webapp/i18n.py
select_timezone) and entered as a local date and time in it.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from babel.dates import format_datetime, get_date_format, get_time_format
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from ..guards import login_required
from ..models import Process
from ..models.sessions import CANCEL_REASONS
from ..models.types import utcnow
from ..schemas import parse
from ..schemas.sessions import PageSessionPath, offered_time_zones
from ..services import calendar, rollover, schedule, summaries
from ..services import processes as process_service
from ..services.errors import InvalidInput

bp = Blueprint("sessions", __name__)

#: Headers of every calendar answer: never stored by anyone on the way, no referrer, not
#: indexed (webapp/security.py sends the first two on every answer too).
CALENDAR_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                    "X-Robots-Tag": "noindex, nofollow"}


def _user():
    return current_user._get_current_object()


@bp.app_context_processor
def schedule_helpers():
    """For templates/sessions/_schedule.html, included by the process page."""
    return {"schedule_card": _schedule_card, "cancel_reasons": CANCEL_REASONS,
            "time_zone_options": time_zone_options}


@lru_cache(maxsize=64)
def time_zone_options(current: str | None) -> Markup:
    """The time zone picker's <option>s with `current` selected, built once per zone in use
    (about 430 options: a template loop made the settings page take twice the journal's
    time)."""
    return Markup("").join(
        Markup('<option value="{0}"{1}>{0}</option>').format(
            zone, Markup(" selected") if zone == current else "")
        for zone in offered_time_zones(current))


def _schedule_card(process: Process) -> dict:
    """The schedule card's data. Each session's row is computed here, per page where it can
    be (the labels once, the date and time patterns once per language), as the journal's
    cards are: (id, status, ISO start, "date time" in the viewer's zone, length, status name,
    cancellation reason name or None)."""
    user = _user()
    zone = schedule.zone_of(user)
    today = utcnow().astimezone(zone).date()
    sessions = schedule.sessions_of(process.id)
    locale = str(get_locale())
    date_pattern, time_pattern = _patterns(locale)
    statuses = status_names()
    reasons = reason_names()
    rows = [(s.id, s.status, s.starts_at.isoformat(),
             format_datetime(s.starts_at, date_pattern, tzinfo=zone, locale=locale) + " "
             + format_datetime(s.starts_at, time_pattern, tzinfo=zone, locale=locale),
             ngettext("%(num)d minute", "%(num)d minutes", s.minutes),
             statuses.get(s.status, s.status),
             reasons.get(s.cancel_reason, s.cancel_reason) if s.cancel_reason else None)
            for s in sessions]
    return {"sessions": sessions, "rows": rows,
            "can_manage": schedule.can_manage(user, process),
            "first_day": max(process.starts_on, today) if process.starts_on else today,
            "now": utcnow()}


@bp.app_template_global()
def status_names() -> dict[str, str]:
    """The sessions' statuses' names in the reader's language."""
    return {"planned": _("Planned"), "held": _("Held"), "cancelled": _("Cancelled")}


@bp.app_template_global()
def reason_names() -> dict[str, str]:
    """The cancellation reasons' names in the reader's language."""
    return {"illness": _("Illness"), "conflict": _("A clash in the calendar"),
            "workload": _("Workload or situation at work"),
            "supervisor": _("Cancelled by the supervisor"), "other": _("Other reason")}


@lru_cache(maxsize=8)
def _patterns(locale: str) -> tuple[str, str]:
    """The medium date and short time patterns of a language (as the dateformat and
    timeformat filters use them)."""
    return (str(get_date_format("medium", locale=locale)),
            str(get_time_format("short", locale=locale)))


def _local(when: datetime):
    return when.astimezone(schedule.zone_of(_user()))


@bp.get("/processes/<pid>/sessions/<sid>")
@login_required
def show(pid: str, sid: str):
    """One session for the process's current members (404 for anyone else): when (in the
    viewer's zone), how long, its status; the supervisor's actions; the `.ics` link."""
    from ..home import _when  # (home imports processes, which imports this module)
    path = parse(PageSessionPath, {"pid": pid, "sid": sid})
    user = _user()
    session = schedule.get_session(user, path.sid, path.pid)
    process = process_service.get_process(user, path.pid)
    from ..processes import queries
    readable, named = queries.titles(user.uid, [process.id])
    local = _local(session.starts_at)
    return render_template(
        "sessions/show.html", session=session, process=process,
        title=readable.get(process.id), has_title=process.id in named,
        ends_at=schedule.ends_at(session), local_date=local.date().isoformat(),
        local_time=local.strftime("%H:%M"), can_manage=schedule.can_manage(user, process),
        started=session.starts_at <= utcnow(), reasons=CANCEL_REASONS,
        zone=schedule.zone_name(user), when=_when(), rolled=_rolled(user, session, process),
        kept=_kept(user, session, process),
        overlaps=([(other, schedule.ends_at(other)) for other in schedule.overlaps(user, session)]
                  if process.supervisor_uid == user.uid and session.status != "cancelled"
                  else []),
        summary_written=(session.status == "held" and process.supervisor_uid == user.uid
                         and summaries.of_session(session.id) is not None))


def _rolled(user, session, process):
    """For the supervisor, where a cancelled session's unfinished agenda lines went (None
    when it had none)."""
    if session.status != "cancelled" or process.supervisor_uid != user.uid:
        return None
    carried, target, waiting = rollover.carried_from(session)
    return (carried, target, waiting) if carried or waiting else None


def _kept(user, session, process):
    """For the supervisor of a planned session, its agenda lines that are also on a later
    agenda: (how many, that session). A planned session's lines are copied on only when it
    is cancelled or marked held; undoing that takes the copies back unless their agenda was
    saved since (rollover.take_back), and then both agendas hold them. None otherwise."""
    if session.status != "planned" or process.supervisor_uid != user.uid:
        return None
    carried, target, _waiting = rollover.carried_from(session)
    return (carried, target) if carried and target is not None else None


@bp.get("/processes/<pid>/sessions/<sid>/calendar.ics")
@login_required
def session_ics(pid: str, sid: str):
    """The session as a one-event calendar file, for the process's members."""
    path = parse(PageSessionPath, {"pid": pid, "sid": sid})
    user = _user()
    session = schedule.get_session(user, path.sid, path.pid)
    response = Response(calendar.session_ics(user, session), mimetype="text/calendar",
                        headers=CALENDAR_HEADERS)
    response.headers["Content-Disposition"] = 'attachment; filename="tyonohjaus.ics"'
    return response


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    """The personal calendar feed. No login: the secret in the address is the credential;
    an unknown or revoked one is a 404 that tells nothing."""
    body = calendar.feed(token)
    if body is None:
        return Response("Not found.\n", status=404, mimetype="text/plain",
                        headers=CALENDAR_HEADERS)
    return Response(body, mimetype="text/calendar", headers=CALENDAR_HEADERS)


@bp.post("/account/timezone")
@login_required
def set_timezone():
    """The time zone setting of the account page (a select of IANA zones)."""
    try:
        schedule.set_timezone(_user(), request.form.get("timezone", ""))
    except InvalidInput:
        abort(400)
    flash(_("Time zone saved."))
    return redirect(url_for("account.index") + "#timezone-title")
