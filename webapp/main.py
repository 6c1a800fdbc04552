"""Start page, the privacy and accessibility statements, and the language switch."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from .i18n import remember_language
from .schemas import parse_form
from .schemas.accounts import LanguageForm
from .services import accounts

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("journal.index"))
    return render_template("main/landing.html", operator=operator())


def safe_next(target: str | None) -> str:
    r"""Only local paths, never another origin: browsers drop tabs and newlines and read
    backslashes as slashes, so "/\t/evil.example" would become "//evil.example"."""
    if (not target or not target.startswith("/") or target.startswith("//")
            or any(ch == "\\" or ord(ch) < 0x21 or ord(ch) == 0x7F for ch in target)):
        return url_for("journal.index")
    return target


@bp.post("/language")
def set_language():
    form = parse_form(LanguageForm, request.form)
    session["locale"] = form.locale
    if current_user.is_authenticated:
        accounts.update_settings(current_user._get_current_object(), locale=form.locale)
    return remember_language(redirect(safe_next(form.next)), form.locale)


#: When the accessibility statement was last reviewed (update it with the statement).
STATEMENT_PREPARED = date(2026, 12, 1)


def operator() -> dict[str, str]:
    """Who runs this service (OPERATOR_* in the configuration); empty values stay empty and
    the pages then say that the details have not been filled in."""
    config = current_app.config
    return {key: config.get(f"OPERATOR_{key.upper()}") or ""
            for key in ("name", "email", "address")}


@bp.get("/tietosuoja")
def privacy():
    """The privacy statement (tietosuojaseloste), in the reader's language; public."""
    return render_template("main/privacy.html", operator=operator(),
                           idle_days=current_app.config["SESSION_IDLE_DAYS"],
                           max_days=current_app.config["SESSION_MAX_DAYS"])


@bp.get("/saavutettavuus")
def accessibility():
    """The accessibility statement (saavutettavuusseloste), in the reader's language; public."""
    return render_template("main/accessibility.html", operator=operator(),
                           prepared=STATEMENT_PREPARED)


@bp.get("/healthz")
def healthz():
    """Liveness probe (and the benchmarks' trivial route): no database, no session."""
    return {"status": "ok"}
