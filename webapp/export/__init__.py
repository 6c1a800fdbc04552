""""Download everything" (issue 11): the export page. The zip is built in the browser
(static/js/export.js, behaviors/export/export-download.js) from what the items API already
answers; the server only serves this page, the reads, and the two files the zip carries so
that it opens without Välitila: the offline reader tools/valitila_open.py and its format,
docs/export.md."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_file

from ..guards import login_required

bp = Blueprint("export", __name__, url_prefix="/account")

#: The files an export carries beside the data: name in the zip → path in the repository.
CARRIED = {"valitila_open.py": ("tools/valitila_open.py", "text/x-python"),
           "export-format.md": ("docs/export.md", "text/markdown")}


@bp.get("/export")
@login_required
def index():
    return render_template("export/index.html")


def _carried(name: str):
    """One of the CARRIED files as it is in this release (a deployment without it: 404; the
    export is then made without it)."""
    relative, mimetype = CARRIED[name]
    path = Path(current_app.root_path).parent / relative
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=mimetype, download_name=name, max_age=0)


@bp.get("/export/valitila_open.py")
@login_required
def tool():
    return _carried("valitila_open.py")


@bp.get("/export/export-format.md")
@login_required
def format_description():
    return _carried("export-format.md")
