"""The JSON API of PROTOCOL §7 under /api/v1."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Each area's API routes register on `bp` when imported; /api/v1 gathers them.
from ..account import api as _account_api  # noqa: E402, F401
from ..agendas import api as _agendas_api  # noqa: E402, F401
from ..assignments import api as _assignments_api  # noqa: E402, F401
from ..auth import api as _auth_api  # noqa: E402, F401
from ..checkins import api as _checkins_api  # noqa: E402, F401
from ..contracts import api as _contracts_api  # noqa: E402, F401
from ..erasure import api as _erasure_api  # noqa: E402, F401
from ..evaluations import api as _evaluations_api  # noqa: E402, F401
from ..items import api as _items_api  # noqa: E402, F401
from ..people import api as _people_api  # noqa: E402, F401
from ..processes import api as _processes_api  # noqa: E402, F401
from ..sessions import api as _sessions_api  # noqa: E402, F401
from ..sharing import api as _sharing_api  # noqa: E402, F401
from . import openapi  # noqa: E402, F401
