"""Flask extensions as bare instances; bound to the app in create_app()."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every model."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()


class MaskedCSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF check on masked tokens (guards.mask_token): pages and JSON answers
    carry a freshly masked token, and what the client sends back is unmasked before the
    usual check against the session. An unmasked or tampered value fails (403 csrf)."""

    def init_app(self, app):
        from .guards import csrf_token

        super().init_app(app)
        # Replaces Flask-WTF's own template global; the context processor registered after
        # Flask-WTF's wins over it (a render_template argument still wins over both).
        app.jinja_env.globals["csrf_token"] = csrf_token
        app.jinja_env.globals.pop("csrf_meta_tag", None)
        app.context_processor(lambda: {"csrf_token": csrf_token, "csrf_meta_tag": None})

    def _get_csrf_token(self):
        from .guards import unmask_token

        return unmask_token(super()._get_csrf_token())


csrf = MaskedCSRFProtect()
limiter = Limiter(key_func=get_remote_address)
babel = Babel()
