"""Start page and the language switch."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
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
    return render_template("main/landing.html")


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


@bp.get("/healthz")
def healthz():
    """Liveness probe (and the benchmarks' trivial route): no database, no session."""
    return {"status": "ok"}
