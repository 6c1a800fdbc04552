"""A process's name on a page that lists many processes, built once per process in Python
(the same markup as the sealed_name macro of templates/processes/_labels.html), so that a
list of thirty processes does not call a macro and encode a JSON value per row, or twice
when a process appears in two lists of the page."""
from __future__ import annotations

import json
from functools import partial

from flask_babel import gettext
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

#: JSON with no spaces, safe inside a single-quoted HTML attribute (as journal.sealed_json).
_compact_json = partial(htmlsafe_json_dumps,
                        dumps=json.JSONEncoder(separators=(",", ":")).encode)


def sealed_wire_json(wire: dict) -> Markup:
    """An item already in the API's wire form, for a `data-sealed='…'` attribute."""
    return _compact_json(wire)


class NameMarkup:
    """Builds `<span class="process-name" …>` for each process of one page, with the three
    texts translated once: the ciphertext for the "process-name" behaviour to open, the
    waiting text (a name not shared with the reader yet) or "Unnamed process"."""

    def __init__(self, waiting_text: str | None = None, tag: str = "span") -> None:
        opening = str(escape(gettext("Opening…")))
        waiting = escape(waiting_text or gettext("Name not shared with you yet"))
        self._sealed = (f'<{tag} class="process-name" data-js-process-name data-sealed=\'',
                        '\' aria-busy="true" data-field="title">' + opening + f"</{tag}>")
        self._waiting = Markup(f'<{tag} class="process-name" data-state="waiting">{waiting}'
                               f"</{tag}>")
        self._unnamed = Markup(f'<{tag} class="process-name" data-state="unnamed">'
                               f"{escape(gettext('Unnamed process'))}</{tag}>")

    def __call__(self, wire: dict | Markup | None, has_title: bool) -> Markup:
        """The name of a process for this reader: `wire` is its title item in the API's
        wire form with the reader's envelope, or that already as `data-sealed` JSON
        (queries.readable_titles); None: the reader holds none."""
        if wire is not None:
            text = wire if isinstance(wire, Markup) else sealed_wire_json(wire)
            return Markup(self._sealed[0] + str(text) + self._sealed[1])
        return self._waiting if has_title else self._unnamed
