"""Sign-up, sign-in, unlock and recovery pages. The work is done in the browser (keys are
derived and made there) against the JSON API; these views only render the forms."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from ..main import safe_next
from ..services import devices

bp = Blueprint("auth", __name__)


@bp.get("/signup")
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("journal.index"))
    return render_template("auth/signup.html")


@bp.get("/login")
def login():
    # Without a next: where signing in leads (the home for supervisors and members of a
    # process, else the journal), decided after the sign-in by /home/start.
    target = request.args.get("next")
    return render_template("auth/login.html",
                           next_url=safe_next(target) if target else url_for("home.start"))


@bp.get("/unlock")
def unlock():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("auth/unlock.html", next_url=safe_next(request.args.get("next")))


@bp.get("/recover")
def recover():
    return render_template("auth/recover.html")


@bp.post("/logout")
def logout():
    """Server side of signing out; the page's behaviour has already wiped this device."""
    if current_user.is_authenticated:
        devices.end_session(devices.current(current_user._get_current_object()))
    logout_user()
    session.clear()
    return redirect(url_for("auth.login", signed_out=1))
