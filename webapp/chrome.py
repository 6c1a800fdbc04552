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

Opt-in per view (journal.index, home.index, processes.show, sharing.supervisee_shared): the
view's template must keep everything that depends on the view's own variables, and its
imports and `set`s, inside its content block (a template that sets or imports anything
outside its blocks is not cached).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import (
    before_render_template,
    current_app,
    render_template,
    request,
    template_rendered,
)
from flask_login import current_user
from markupsafe import escape

from . import assets, guards, security

_MARK = "vtchromehole"
_HOLE = "\x00" + _MARK + "-{}\x00"
_SPLIT = re.compile("\x00" + _MARK + r"-([a-z_]+)\x00")
_HOLES = ("csrf", "return_path", "uid", "lock_minutes", "timezone", "content")
_MAX_ENTRIES = 256


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

    __slots__ = ("parts", "manifest", "catalogue")

    def __init__(self, parts: list[str], manifest: object, catalogue: object) -> None:
        self.parts = parts
        self.manifest = manifest  # the build and the catalogue it was rendered with: a new
        self.catalogue = catalogue  # build or a reloaded catalogue renders it again


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


def _fill(parts: list[str], content: str) -> str:
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
    return "".join(out)


def render_page(template_name: str, **view_context: Any) -> str:
    """render_template(template_name, **view_context), with base.html's chrome from the
    cache (see the module's docstring); the same text either way."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache: dict = app.extensions.setdefault("valitila_chrome", {})
    context = dict(view_context)
    app.update_template_context(context)
    key = _key(template_name, context)
    if key is None:
        return render_template(template_name, **view_context)
    template = app.jinja_env.get_template(template_name)
    manifest = assets.build_manifest()
    catalogue = context.get("babel_catalogue")
    entry = cache.get(key)
    if entry is None or entry.manifest is not manifest or entry.catalogue is not catalogue:
        parts = _render_chrome(template, context, view_context.keys())
        if len(cache) >= _MAX_ENTRIES:
            cache.clear()
        entry = cache[key] = _Chrome(parts or [], manifest, catalogue)
    if not entry.parts:
        return render_template(template_name, **view_context)
    before_render_template.send(app, _async_wrapper=app.ensure_sync, template=template,
                                context=context)
    content = "".join(template.blocks["content"](template.new_context(context)))
    text = _fill(entry.parts, content)
    template_rendered.send(app, _async_wrapper=app.ensure_sync, template=template,
                           context=context)
    return text
