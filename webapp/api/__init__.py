"""The JSON API of PROTOCOL §7 under /api/v1."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import auth, items, me, openapi  # noqa: E402, F401  (routes register on import)
