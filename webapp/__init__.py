"""Välitila: end-to-end encrypted work supervision between sessions."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from .config import INSTANCE, Config
from .uow import App


def create_app(config: type[Config] | dict[str, Any] | None = None) -> Flask:
    """Application factory. `config` is a Config class or a dict of overrides."""
    app = App(__name__, instance_path=str(INSTANCE))
    if isinstance(config, type):
        app.config.from_mapping(config.load())
    else:
        app.config.from_mapping(Config.load())
        if config:
            app.config.from_mapping(config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:"):
        INSTANCE.mkdir(parents=True, exist_ok=True)
        # A file on this machine does not go away while the server runs: a ping before every
        # request would only cost a round trip through the pool (PostgreSQL keeps it).
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            key: value for key, value in app.config["SQLALCHEMY_ENGINE_OPTIONS"].items()
            if key != "pool_pre_ping"}
    from . import static_files

    static_files.init_app(app)  # WhiteNoise answers /static/... before Flask does
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind one reverse proxy that sets X-Forwarded-For/-Proto (HTTPS → HSTS, cookies).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    register_extensions(app)
    register_blueprints(app)
    register_errors(app)
    register_cli(app)
    logging.basicConfig(level=logging.INFO)
    return app


def register_extensions(app: Flask) -> None:
    from . import assets, compression, guards, i18n, preload, security
    from .extensions import babel, csrf, db, limiter, login_manager, migrate
    from .models import User

    # First, so that its after_request hook runs last, on the finished response.
    compression.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    guards.init_app(app)  # before the CSRF check: 401 comes first
    csrf.init_app(app)
    limiter.init_app(app)
    from .api.util import only_marked_views
    only_marked_views()
    babel.init_app(app, locale_selector=i18n.request_locale,
                   timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        # The cookie names a DeviceSession row; a missing, expired or foreign one is refused.
        from .services import devices
        return devices.load(session_id)

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import redirect, request, url_for

        from .errors import error_response, wants_json
        if wants_json() or request.headers.get("HX-Request"):
            return error_response(401, "login_required", "Sign in first.")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    security.init_app(app)
    assets.init_app(app)
    preload.init_app(app)  # after compression: its hook runs first
    from .services import policy
    app.jinja_env.globals.update(can_read=policy.can_read, can_edit=policy.can_edit,
                                 can_share=policy.can_share)
    i18n.init_app(app)
    with app.app_context():
        _tune_sqlite(db)


def _tune_sqlite(db) -> None:
    """WAL and foreign keys for SQLite connections, and transactions that take the write
    lock up front when the unit of work will write (BEGIN IMMEDIATE): a deferred transaction
    that read first and writes second fails with "database is locked" when another writer
    committed in between, and cannot be retried by waiting."""
    from sqlalchemy import event

    from .uow import wants_write_lock

    engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # pysqlite's own BEGIN off: _on_begin says which
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")  # deleted rows zeroed (erasure, issue 11)
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Straight to the driver: this runs at the start of every request that reads, and
        # exec_driver_sql would take it through the whole execution machinery and its events.
        conn.connection.driver_connection.execute(
            "BEGIN IMMEDIATE" if wants_write_lock() else "BEGIN")


def register_blueprints(app: Flask) -> None:
    from .account import bp as account_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .journal import bp as journal_bp
    from .main import bp as main_bp
    from .processes import bp as processes_bp
    from .pwa import bp as pwa_bp

    for bp in (main_bp, auth_bp, journal_bp, account_bp, api_bp, pwa_bp, processes_bp):
        app.register_blueprint(bp)
    from .people import bp as people_bp  # /join (invite links) and /people (safety numbers)
    app.register_blueprint(people_bp)
    from .sharing import bp as sharing_bp  # /shared and what a supervisee shares (issue 9)
    app.register_blueprint(sharing_bp)
    from .sessions import bp as sessions_bp  # sessions, calendar feed, time zone (issue 9)
    app.register_blueprint(sessions_bp)
    from .contracts import bp as contracts_bp  # a process's contract and goals (issue 9)
    app.register_blueprint(contracts_bp)
    from .home import bp as home_bp  # the homes and the supervisor's private notes (issue 9)
    app.register_blueprint(home_bp)
    from .assignments import bp as assignments_bp  # interim assignments (issue 10)
    app.register_blueprint(assignments_bp)
    from .checkins import bp as checkins_bp  # goal check-ins and topics (issue 10)
    app.register_blueprint(checkins_bp)
    from .held import bp as held_bp  # after the session: summary, roll-over (issue 10)
    app.register_blueprint(held_bp)
    from .evaluations import bp as evaluations_bp  # evaluations (issue 10)
    app.register_blueprint(evaluations_bp)
    from .reminders import bp as reminders_bp  # the email reminders' opt-in (issue 10)
    app.register_blueprint(reminders_bp)
    from .agendas import bp as agendas_bp  # the session agenda (issue 10)
    app.register_blueprint(agendas_bp)
    from .export import bp as export_bp  # "Download everything" (issue 11)
    app.register_blueprint(export_bp)
    from .retention import bp as retention_bp  # an ended process's retention (issue 11)
    app.register_blueprint(retention_bp)
    from .erasure import bp as erasure_bp  # deleting one's account (issue 11)
    app.register_blueprint(erasure_bp)


def register_errors(app: Flask) -> None:
    from .errors import init_app

    init_app(app)


def register_cli(app: Flask) -> None:
    from .cli import init_app

    init_app(app)
