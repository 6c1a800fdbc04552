"""A page's chrome (base.html around the content block: head, header, nav, footer, language
form) rendered once per kind of page and kept as text with holes, instead of on every request.

The chrome depends on the page's template, the language and its catalogue, whether someone is
signed in and a supervisor, the endpoint and blueprint (aria-current, the unlock and offline
pages), whether the service worker fetched it as a shell, the script root and the front-end
build. Those make the cache key; they hold nothing personal. What differs per request or per
person is left as a hole and filled in on every response, escaped exactly as Jinja's `{{ }}`
escapes it:

- `csrf_token()`: masked anew for each hole of each response (BREACH, guards.mask_token);
- `return_path()`: this request's path;
- `current_user.uid`, `current_user.lock_minutes` and `current_user.timezone`;
- the content block, rendered per request with the full context, as render_template would.

The chrome is rendered with stand-ins, so that it cannot take in anything else of the request
or the person: a user that answers only the flags in the key (any other attribute refuses),
a request that answers only endpoint, blueprint and the shell header, and every variable the
view passes refusing to be read. A refusal, or a hole that did not come through unchanged
(inside a URL, say), makes that kind of page uncacheable: it is then rendered by
render_template on every request, as before. So is a page for someone whose recovery key is
not confirmed (the prompt carries the return path inside a link).

A page whose content is a pure function of what its view read can also keep that content
(render_memo_page), keyed on exactly what it depends on: the journal on the one page of rows
it read; the homes, a process page, a supervisee's shared list and the agenda builder on the
versions of their processes (models.ProcessVersion: raised by database triggers with every
change), the reader and their time zone. It is never asked whether it is stale; what the
clock alone changes is kept until then at most (`until`, memo_expires). Such a page is sent
as gzip put together from pieces compressed ahead (compression.use_pieces): the chrome's
text parts, the module preloads and the kept content, with the holes as stored blocks.
memo_text keeps an answer that is all text (the agenda's candidates) the same way.

Opt-in per view (journal.index, home.index, processes.show, sharing.supervisee_shared,
agendas.agenda for its builder): the
view's template must keep everything that depends on the view's own variables, and its
imports and `set`s, inside its content block (a template that sets or imports anything
outside its blocks is not cached).
"""
from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta
from functools import lru_cache
from threading import Lock
from typing import Any, NamedTuple, TypeVar

from flask import (
    before_render_template,
    current_app,
    g,
    has_request_context,
    render_template,
    request,
    template_rendered,
)
from flask_babel import get_locale, get_translations
from flask_login import current_user
from markupsafe import escape

from . import assets, compression, guards, preload, security
from .models.types import utcnow

_T = TypeVar("_T")
_MARK = "vtchromehole"
_HOLE = "\x00" + _MARK + "-{}\x00"
_SPLIT = re.compile("\x00" + _MARK + r"-([a-z_]+)\x00")
_HOLES = ("csrf", "return_path", "uid", "lock_minutes", "timezone", "content")
_MAX_ENTRIES = 256
#: zlib level of a kept content's piece (compressed once per change of the page: 6 is about
#: 0.5 ms for a journal page's 45 KB, and as small as 9 on ciphertext).
_CONTENT_LEVEL = 6


class Uncacheable(Exception):
    """The chrome read something that is not in the cache key (raised while rendering it).
    Not an AttributeError, which Jinja would turn into an undefined value silently."""


def _hole(name: str) -> str:
    return _HOLE.format(name)


class _Refuses:
    """Any use (attribute, item, call, text, truth) raises Uncacheable."""

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def _refuse(self, *_a, **_kw):
        raise Uncacheable(object.__getattribute__(self, "_name"))

    __getattr__ = __getitem__ = __call__ = __str__ = __html__ = __iter__ = _refuse
    __bool__ = __len__ = __eq__ = __contains__ = _refuse
    __hash__ = None  # type: ignore[assignment]


class _ChromeUser:
    """current_user while the chrome renders: the flags in the key, holes for the uid, the
    lock delay and the time zone, and nothing else."""

    def __init__(self, authenticated: bool, supervisor: bool) -> None:
        self.is_authenticated = authenticated
        self.is_anonymous = not authenticated
        self.is_active = authenticated
        self.is_supervisor = supervisor
        self.recovery_confirmed_at = True  # pages with the recovery prompt are not cached
        self.uid = _hole("uid")
        self.lock_minutes = _hole("lock_minutes")
        self.timezone = _hole("timezone")

    def __getattr__(self, name: str):
        raise Uncacheable(f"current_user.{name}")


class _ChromeHeaders:
    def __init__(self, shell: bool) -> None:
        self._shell = shell

    def get(self, name: str, default: Any = None) -> Any:
        if name.lower() == security.SHELL_FETCH_HEADER.lower():
            return "1" if self._shell else default
        raise Uncacheable(f"request.headers[{name!r}]")


class _ChromeRequest:
    """The request while the chrome renders: endpoint, blueprint and the shell header."""

    def __init__(self, endpoint: str | None, blueprint: str | None, shell: bool) -> None:
        self.endpoint = endpoint
        self.blueprint = blueprint
        self.headers = _ChromeHeaders(shell)

    def __getattr__(self, name: str):
        raise Uncacheable(f"request.{name}")


class _Chrome:
    """One cached chrome: text parts, every odd one the name of a hole."""

    __slots__ = ("parts", "manifest", "catalogue", "head", "hooks", "pieces")

    def __init__(self, parts: list[str], manifest: object, catalogue: object) -> None:
        self.parts = parts
        self.manifest = manifest  # the build and the catalogue it was rendered with: a new
        self.catalogue = catalogue  # build or a reloaded catalogue renders it again
        # Which text part holds </head>, and the data-js-* hooks of the chrome's body: with
        # the content's own, they name the page's module preloads (preload.py), put in here
        # instead of by scanning the finished page.
        self.head: int | None = None
        self.hooks: frozenset[str] = frozenset()
        for index in range(0, len(parts), 2):
            at = parts[index].find(preload.HEAD_END_TEXT)
            if at >= 0:
                self.head = index
                self.hooks = preload.text_hooks(parts[index][at:]
                                                + "".join(parts[index + 2::2]))
                break
        # Its text parts compressed ahead, made when a page first needs them (_pieces).
        self.pieces: list[list[tuple[bytes, bytes]]] | None = None

    def static_pieces(self) -> list[list[tuple[bytes, bytes]]]:
        """Per text part, its (raw, DEFLATE piece) pairs: one, or two for the part holding
        </head> (split there: the module preloads go in between)."""
        if self.pieces is None:
            pieces = []
            for index in range(0, len(self.parts), 2):
                text = self.parts[index]
                if index == self.head:
                    at = text.find(preload.HEAD_END_TEXT)
                    halves = [text[:at], text[at:]]
                else:
                    halves = [text]
                pieces.append([_piece(half.encode()) for half in halves])
            self.pieces = pieces
        return self.pieces


def _piece(raw: bytes, level: int = 9) -> tuple[bytes, bytes]:
    return raw, compression.deflated(raw, level)


@lru_cache(maxsize=256)
def _links_piece(links: str) -> tuple[bytes, bytes]:
    return _piece(links.encode())


def _pieces(entry: _Chrome, out: list[str], links: str,
            content: tuple[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    """The page `out` (the filled parts) as (raw, DEFLATE piece) pairs for
    compression.use_pieces: the chrome's text parts and the preloads compressed ahead, the
    content as kept, the per-request holes as stored blocks."""
    static = entry.static_pieces()
    pieces: list[tuple[bytes, bytes]] = []
    for index, text in enumerate(out):
        if index % 2 == 0:
            halves = static[index // 2]
            pieces.append(halves[0])
            if len(halves) == 2:
                if links:
                    pieces.append(_links_piece(links))
                pieces.append(halves[1])
        elif entry.parts[index] == "content":
            pieces.append(content)
        else:
            raw = text.encode()
            pieces.append((raw, compression.stored(raw)))
    return pieces


def _key(template: str, context: dict[str, Any]) -> tuple | None:
    user = current_user
    authenticated = bool(user.is_authenticated)
    if authenticated and user.recovery_confirmed_at is None:
        return None
    return (template, context.get("current_locale"), authenticated,
            authenticated and bool(user.is_supervisor), request.endpoint, request.blueprint,
            bool(request.headers.get(security.SHELL_FETCH_HEADER)), request.script_root)


def _render_chrome(template, context: dict[str, Any], view_names) -> list[str] | None:
    """The chrome of `template` with holes, or None when it is not cacheable."""
    shell = bool(request.headers.get(security.SHELL_FETCH_HEADER))
    stand_ins: dict[str, Any] = {name: _Refuses(name) for name in view_names}
    stand_ins.update({
        "current_user": _ChromeUser(bool(current_user.is_authenticated),
                                    bool(current_user.is_authenticated
                                         and current_user.is_supervisor)),
        "request": _ChromeRequest(request.endpoint, request.blueprint, shell),
        "session": _Refuses("session"),
        "g": _Refuses("g"),
        "get_flashed_messages": _Refuses("get_flashed_messages"),
        "csrf_token": lambda: _hole("csrf"),
        "return_path": lambda: _hole("return_path"),
    })
    values = {**context, **stand_ins}
    jinja_context = template.new_context(values)
    jinja_context.blocks["content"] = [lambda _ctx: iter((_hole("content"),))]
    try:
        text = "".join(template.root_render_func(jinja_context))
    except Uncacheable:
        return None
    if jinja_context.vars:
        # the template sets or imports names outside its blocks: the content block, rendered
        # alone on every request, would not have them (import them inside the block)
        return None
    parts = _SPLIT.split(text)
    names = parts[1::2]
    if (any(_MARK in part.lower() for part in parts[0::2])
            or not set(names) <= set(_HOLES) or names.count("content") != 1):
        return None  # a hole changed on its way (quoted, filtered): not cacheable
    return parts


def _fill(parts: list[str], content: str, head: int | None = None, links: str = ""
          ) -> list[str]:
    """The chrome's parts with each hole filled (and the preloads before </head>)."""
    fillers: dict[str, Callable[[], str]] = {
        "csrf": lambda: str(escape(guards.csrf_token())),
        "return_path": lambda: str(escape(security.return_path())),
        "uid": lambda: str(escape(current_user.uid)),
        "lock_minutes": lambda: str(escape(current_user.lock_minutes)),
        "timezone": lambda: str(escape(current_user.timezone)),
        "content": lambda: content,
    }
    out = parts[:]
    for index in range(1, len(out), 2):
        out[index] = fillers[out[index]]()
    if head is not None and links:
        out[head] = out[head].replace(preload.HEAD_END_TEXT, links + preload.HEAD_END_TEXT, 1)
    return out


def render_page(template_name: str, **view_context: Any) -> str:
    """render_template(template_name, **view_context), with base.html's chrome from the
    cache (see the module's docstring); the same text either way."""
    return _render_page(template_name, view_context, None, None)


def _render_page(template_name: str, view_context: dict[str, Any], content: str | None,
                 build: Callable[[], dict[str, Any]] | None,
                 content_hooks: frozenset[str] | None = None,
                 content_piece: tuple[bytes, bytes] | None = None) -> str | bytes:
    """render_page, with the content block's text given (`content`, and its data-js-* hooks
    where they are known) or rendered here. Where the chrome is not cached, the page is
    render_template's, with the view's variables from `build` when they are not given."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache: dict = app.extensions.setdefault("valitila_chrome", {})
    context = dict(view_context)
    # With the content given, the template context is needed only where the chrome is
    # rendered anew: the key needs the language and the catalogue alone (i18n_context's).
    full = content is None
    if full:
        app.update_template_context(context)
    else:
        context["current_locale"] = str(get_locale())
        context["babel_catalogue"] = get_translations()
    key = _key(template_name, context)
    if key is None:
        return render_template(template_name, **(build() if build else view_context))
    template = app.jinja_env.get_template(template_name)
    manifest = assets.build_manifest()
    catalogue = context.get("babel_catalogue")
    entry = cache.get(key)
    if entry is None or entry.manifest is not manifest or entry.catalogue is not catalogue:
        if not full:
            app.update_template_context(context)
        parts = _render_chrome(template, context, view_context.keys())
        if len(cache) >= _MAX_ENTRIES:
            cache.clear()
        entry = cache[key] = _Chrome(parts or [], manifest, catalogue)
    if not entry.parts:
        return render_template(template_name, **(build() if build else view_context))
    before_render_template.send(app, _async_wrapper=app.ensure_sync, template=template,
                                context=context)
    if content is None:
        content = "".join(template.blocks["content"](template.new_context(context)))
    links = ""
    if entry.head is not None:
        if content_hooks is None:
            content_hooks = preload.text_hooks(content)
        links = preload.preload_links(entry.hooks | content_hooks).decode()
        preload.mark_preloaded()
    out = _fill(entry.parts, content, entry.head, links)
    if content_piece is not None:
        # The page as the bytes of its pieces: the kept content is not encoded again (a
        # builder's 200 KB took longer to encode per request than the rest of its page).
        pieces = _pieces(entry, out, links, content_piece)
        body = b"".join(raw for raw, _ in pieces)
        compression.use_pieces(pieces, body)
        template_rendered.send(app, _async_wrapper=app.ensure_sync, template=template,
                               context=context)
        return body
    text = "".join(out)
    template_rendered.send(app, _async_wrapper=app.ensure_sync, template=template,
                           context=context)
    return text


class _Kept(NamedTuple):
    """A kept content block: its text, its data-js-* hooks and its compressed piece; what it
    was rendered with (a new template, build or catalogue renders it again); and the view's
    variable names (what the chrome's stand-ins need when the chrome is rendered anew)."""

    template: object
    manifest: object
    catalogue: object
    names: tuple[str, ...]
    content: str
    hooks: frozenset[str]
    piece: tuple[bytes, bytes]
    until: datetime | None  # built anew from then on (what it shows depends on the time)


class _Memo:
    """Kept content blocks per memo key, least recently used first out."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, _Kept] = OrderedDict()
        self.lock = Lock()  # the development server and the tests serve from threads

    def get(self, key: Hashable) -> _Kept | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key: Hashable, entry: _Kept) -> None:
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


class _KeptText(NamedTuple):
    """A kept answer (memo_text): its text, its compressed piece, until when."""

    text: str
    piece: tuple[bytes, bytes]
    until: datetime | None


def _memo_store(app) -> _Memo | None:
    size = app.config.get("PAGE_MEMO_ENTRIES", 0)
    if not size:
        return None
    store = app.extensions.get("valitila_memo")
    if store is None or store.size != size:
        store = app.extensions["valitila_memo"] = _Memo(size)
    return store


def memo_text(memo: Hashable, build: Callable[[], str], until: datetime | None = None
              ) -> str:
    """build(), kept per `memo` as render_memo_page keeps a page's content (the same
    store, rules and memo_expires), for an answer that is all text (a JSON answer): sent
    as gzip from its piece, compressed once when it is kept (compression.use_pieces)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = _memo_store(app)
    if store is None:
        return build()
    key = ("text", memo)
    kept = store.get(key)
    if not isinstance(kept, _KeptText) or (kept.until is not None and utcnow() >= kept.until):
        text, until = _made_until(build, until)
        kept = _KeptText(text, _piece(text.encode(), _CONTENT_LEVEL), until)
        store.put(key, kept)  # type: ignore[arg-type]
    compression.use_pieces([kept.piece])
    return kept.text


def _made_until(make: Callable[[], _T], until: datetime | None
                ) -> tuple[_T, datetime | None]:
    """make(), and until when what it made may be kept: `until`, or sooner where it called
    memo_expires."""
    g.pop("valitila_memo_until", None)
    made = make()
    found = g.pop("valitila_memo_until", None)
    if found is not None and (until is None or found < until):
        until = found
    return made, until


def next_minute(now: datetime | None = None) -> datetime:
    """The start of the minute after `now`: how long a page that shows countdowns, or what
    falls due today, is kept at most (render_memo_page's `until`)."""
    return (now or utcnow()).replace(second=0, microsecond=0) + timedelta(minutes=1)


def memo_kept() -> bool:
    """Whether render_memo_page can keep a page for this request: it is turned on, and the
    chrome can be cached for the signed-in person (not while their recovery key is not
    confirmed: the prompt carries the way back). A view whose memo key costs a query of its
    own asks this first."""
    if not current_app.config.get("PAGE_MEMO_ENTRIES", 0):
        return False
    return not (current_user.is_authenticated and current_user.recovery_confirmed_at is None)


def memo_expires(moment: datetime) -> None:
    """While a kept page is built (render_memo_page's build or its template): what it shows
    changes at `moment` by the clock alone (an invite expires, a share ends), so it is kept
    until then at most."""
    if has_request_context():
        current = g.get("valitila_memo_until")
        if current is None or moment < current:
            g.valitila_memo_until = moment


def render_memo_page(template_name: str, memo: Hashable,
                     build: Callable[[], dict[str, Any]],
                     until: datetime | None = None) -> str | bytes:
    """render_page(template_name, **build()), where the content block's text is kept per
    `memo` and build() runs only when it is not kept: a page that is a pure function of what
    it read (the rows of one page of a list, in the reader's language and time zone) keys
    its content on exactly that, and an unchanged page is answered without building its
    cards again. The memo must name everything the content block depends on besides the
    language, the template, the front-end build and the catalogue (which this adds); the
    block must not read the request, the session or the person (the view's test holds it to
    that by comparing with render_page). The same text as render_page either way.
    PAGE_MEMO_ENTRIES pages per process (0: off). A page that shows the time (a countdown)
    is kept `until` then at most, or until what its build gave memo_expires. A kept page
    is its UTF-8 bytes (the view answers with them as they are), else the text."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = _memo_store(app)
    if store is None:
        return render_page(template_name, **build())
    template = app.jinja_env.get_template(template_name)
    key = (template_name, str(get_locale()), memo)
    manifest = assets.build_manifest()
    catalogue = get_translations()
    kept = store.get(key)
    if (kept is not None and kept.template is template and kept.manifest is manifest
            and kept.catalogue is catalogue
            and (kept.until is None or utcnow() < kept.until)):
        return _render_page(template_name, dict.fromkeys(kept.names), kept.content, build,
                            kept.hooks, kept.piece)
    def make() -> tuple[dict[str, Any], str]:
        view_context = build()
        context = dict(view_context)
        app.update_template_context(context)
        return view_context, "".join(template.blocks["content"](template.new_context(context)))

    (view_context, content), until = _made_until(make, until)
    kept = _Kept(template, manifest, catalogue, tuple(view_context), content,
                 preload.text_hooks(content), _piece(content.encode(), _CONTENT_LEVEL), until)
    store.put(key, kept)
    return _render_page(template_name, view_context, content, None, kept.hooks, kept.piece)
