""""Download everything" (issue 11): the export page. The zip is built in the browser
(static/js/export.js, behaviors/export/export-download.js) from what the items API already
answers; the server only serves this page and the reads. The archive format is
docs/export.md; tools/valitila_open.py opens an archive offline."""
from __future__ import annotations

from flask import Blueprint, render_template

from ..guards import login_required

bp = Blueprint("export", __name__, url_prefix="/account")


@bp.get("/export")
@login_required
def index():
    return render_template("export/index.html")
