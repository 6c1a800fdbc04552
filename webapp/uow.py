"""One transaction per use case: services only flush; this module commits, once per request
(or per CLI command), and rolls back on any error, so a use case is all-or-nothing."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, Response, request

from .extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_writing: ContextVar[bool] = ContextVar("valitila_uow_writing", default=False)


def wants_write_lock() -> bool:
    """True inside a unit of work that writes: SQLite then begins with BEGIN IMMEDIATE."""
    return _writing.get()


@contextmanager
def unit_of_work(*, write: bool = True) -> Iterator[None]:
    """Commit what the block did, or roll all of it back if it raises."""
    token = _writing.set(write)
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _writing.reset(token)


class App(Flask):
    """Flask with the request's unit of work around the view.

    The view runs, its answer becomes a response, and then the session commits if the answer
    is a success (< 400) and rolls back otherwise (a view that caught a domain error and
    rendered a form with messages must not keep a half-done write). A failing commit raises
    here, inside the request, so the error handlers turn it into a clear answer."""

    def full_dispatch_request(self) -> Response:
        # Decided before anything reads the database (the user loader runs early), so that
        # on SQLite the whole request is one transaction of the right kind.
        token = _writing.set(request.method not in SAFE_METHODS)
        try:
            return super().full_dispatch_request()
        finally:
            _writing.reset(token)

    def dispatch_request(self) -> Response:  # type: ignore[override]
        try:
            response = self.make_response(super().dispatch_request())
        except BaseException:
            db.session.rollback()
            raise
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response
