"""Each API view declares its operation once: the schemas of its path, query and body, its
answers and the errors it may give. The decorator parses the request into those schemas (the
view gets typed values), and webapp/api/openapi.py builds the OpenAPI document from the same
declarations, so the document and the validation cannot disagree.

    @bp.put("/items/<item_id>")
    @api_login_required
    @operation("Create or update an item", path=ItemPath, body=ItemWrite,
               responses={200: Item, 201: Item}, errors={404: "...", 409: "..."})
    def put_item(item_id: str, body: ItemWrite): ...
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Response, current_app, request
from pydantic import BaseModel

from ..schemas import parse, parse_query
from .util import json_body

#: The OpenAPI security requirements a view may declare instead of the derived ones.
PUBLIC: list[dict[str, list[str]]] = []
SESSION = {"session": []}
SESSION_CSRF = {"session": [], "csrf": []}


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says about one view (for every method of its rule)."""

    summary: str
    responses: Mapping[int, type[BaseModel] | None]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    path: type[BaseModel] | None = None
    errors: Mapping[int, str] = field(default_factory=dict)
    description: str | None = None
    security: list[dict[str, list[str]]] | None = None   # None: derived from the guards
    rate_limited: bool = False
    database: bool = True
    parse_body: bool = True


def operation(summary: str, *, responses: Mapping[int, type[BaseModel] | None],
              body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
              path: type[BaseModel] | None = None, errors: Mapping[int, str] | None = None,
              description: str | None = None,
              security: list[dict[str, list[str]]] | None = None,
              rate_limited: bool = False, database: bool = True,
              parse_body: bool = True) -> Callable:
    """Declare a view's operation and parse its input: path arguments become the `path`
    schema's typed values, the query string a `query` argument, the JSON body a `body`
    argument. Bad input is InvalidInput (400), before the view runs. With
    `parse_body=False` the view parses `body` itself (after checks that must come first)."""
    spec = Operation(summary, dict(responses), body, query, path, dict(errors or {}),
                     description, security, rate_limited, database, parse_body)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def parsed(**kwargs: Any) -> Any:
            if path is not None:
                kwargs = dict(parse(path, kwargs))
            if query is not None:
                kwargs["query"] = parse_query(query, request.args)
            if body is not None and parse_body:
                kwargs["body"] = parse(body, json_body())
            return view(**kwargs)
        parsed.openapi = spec  # type: ignore[attr-defined]
        return parsed
    return decorate


def operation_of(view: Callable) -> Operation | None:
    """The operation declared on a view, through any decorators that wrap it."""
    while view is not None:
        spec = getattr(view, "openapi", None)
        if isinstance(spec, Operation):
            return spec
        view = getattr(view, "__wrapped__", None)
    return None


def answer(model: BaseModel, status: int = 200) -> Response:
    """A schema instance as the JSON answer."""
    return current_app.response_class(model.model_dump_json(), status=status,
                                      mimetype="application/json")
