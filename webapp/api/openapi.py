"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json.

Generated, never written by hand: the paths and methods are the app's own routes under
/api/v1 (a route without a declared operation is an error), the schemas are the Pydantic
models that validate the requests (`model_json_schema`, JSON Schema 2020-12 as OpenAPI 3.1
uses), and the security of each operation comes from the same guards that enforce it
(`needs_login` from webapp/guards.py, Flask-WTF's CSRF exemptions)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any

from flask import Flask, current_app, jsonify
from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import GenerateJsonSchema, models_json_schema
from werkzeug.routing import Rule

from ..extensions import csrf
from ..schemas.errors import ErrorResponse
from . import bp
from .spec import SESSION, SESSION_CSRF, Operation, operation, operation_of

PREFIX = "/api/v1"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REF = "#/components/schemas/{model}"


class OpenAPISchema(GenerateJsonSchema):
    """Pydantic's JSON Schema, without the `default: null` of optional keys whose type does
    not allow null (`omitted()` in webapp/schemas/types.py)."""

    def default_schema(self, schema: Any) -> dict[str, Any]:
        if schema.get("default", ...) is None:
            inner = self.generate_inner(schema["schema"])
            if not _nullable(inner):
                return inner
        return super().default_schema(schema)


def _nullable(schema: dict[str, Any]) -> bool:
    kinds = schema.get("type")
    return (kinds == "null" or (isinstance(kinds, list) and "null" in kinds)
            or any(_nullable(s) for s in schema.get("anyOf", []) + schema.get("oneOf", [])))


# -- the generic error answers -------------------------------------------------------------------

RETRY_AFTER = {"description": "Seconds to wait before trying again",
               "schema": {"type": "integer", "minimum": 0}}
ERRORS: dict[int, tuple[str, str]] = {   # status → (component name, description)
    400: ("BadRequest", "Bad input: broken JSON, a wrong shape, type, length or format "
                        "(`field` names the input)"),
    401: ("Unauthorized", "Not signed in (`login_required`), or the proof was wrong"),
    403: ("Forbidden", "Missing or wrong X-CSRF-Token (`csrf`), or not allowed"),
    404: ("NotFound", "Not found, or not visible to the caller"),
    405: ("MethodNotAllowed", "The path does not allow this method (see the Allow header)"),
    409: ("Conflict", "Conflict with the stored state"),
    410: ("Gone", "Deleted for good"),
    413: ("TooLarge", "The body is larger than the server accepts"),
    415: ("UnsupportedMediaType", "The body is not JSON (Content-Type: application/json)"),
    429: ("RateLimited", "Too many attempts; wait as Retry-After says"),
    503: ("Unavailable", "The database cannot be reached for a moment; retry as Retry-After "
                        "says"),
}
HEADERS = {405: {"Allow": {"description": "The methods the path allows",
                           "schema": {"type": "string"}}},
           429: {"Retry-After": RETRY_AFTER}, 503: {"Retry-After": RETRY_AFTER}}


def _error_components() -> dict[str, Any]:
    responses = {}
    for status, (name, description) in ERRORS.items():
        response: dict[str, Any] = {"description": description, "content": {
            "application/json": {"schema": {"$ref": REF.format(model="ErrorResponse")}}}}
        if status in HEADERS:
            response["headers"] = HEADERS[status]
        responses[name] = response
    return responses


# -- operations from the url map -----------------------------------------------------------------

def to_openapi_path(rule: str) -> str:
    """/api/v1/items/<item_id> → /items/{item_id} (converters dropped)."""
    parts = []
    for part in rule.removeprefix(PREFIX).split("/"):
        if part.startswith("<") and part.endswith(">"):
            part = "{" + part[1:-1].split(":")[-1] + "}"
        parts.append(part)
    return "/".join(parts)


def api_rules(app: Flask) -> Iterator[tuple[Rule, str, Callable]]:
    """(rule, method, view) of every operation under /api/v1."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.rule.startswith(PREFIX + "/"):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield rule, method, app.view_functions[rule.endpoint]


def _csrf_exempt(view: Callable) -> bool:
    return f"{view.__module__}.{view.__name__}" in csrf._exempt_views


def _security(spec: Operation, method: str, view: Callable) -> list[dict[str, list[str]]]:
    if spec.security is not None:
        return spec.security
    if method in UNSAFE and not _csrf_exempt(view):
        return [SESSION_CSRF]
    return [SESSION] if getattr(view, "needs_login", False) else []


def _error_statuses(spec: Operation, method: str, view: Callable,
                    security: list[dict[str, list[str]]]) -> set[int]:
    statuses = set(spec.errors)
    if spec.body or spec.query or spec.path:
        statuses.add(400)
    if getattr(view, "needs_login", False):
        statuses.add(401)
    if any("csrf" in requirement for requirement in security):
        statuses.add(403)
    if spec.body:
        statuses |= {413, 415}
    if spec.rate_limited:
        statuses.add(429)
    if spec.database:
        statuses.add(503)
    return statuses


def _parameters(model: type[BaseModel] | None, where: str) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema(ref_template=REF, schema_generator=OpenAPISchema)
    required = set(schema.get("required", []))
    return [{"name": name, "in": where, "required": where == "path" or name in required,
             "schema": {k: v for k, v in prop.items() if k != "title"},
             **({"description": prop["description"]} if "description" in prop else {})}
            for name, prop in schema["properties"].items()]


def _operation(spec: Operation, method: str, view: Callable, name: str,
               refs: dict[tuple[type[BaseModel], str], dict[str, Any]]) -> dict[str, Any]:
    security = _security(spec, method, view)
    responses: dict[str, Any] = {}
    for status, model in sorted(spec.responses.items()):
        response: dict[str, Any] = {"description": HTTPStatus(status).phrase}
        if model is not None:
            response["content"] = {"application/json": {
                "schema": refs[(model, "serialization")]}}
        responses[str(status)] = response
    for status in sorted(_error_statuses(spec, method, view, security)):
        component, description = ERRORS[status]
        if status in spec.errors:
            responses[str(status)] = {"description": spec.errors[status], "content": {
                "application/json": {"schema": {"$ref": REF.format(model="ErrorResponse")}}},
                **({"headers": HEADERS[status]} if status in HEADERS else {})}
        else:
            responses[str(status)] = {"$ref": f"#/components/responses/{component}"}
    op: dict[str, Any] = {"operationId": name, "summary": spec.summary,
                          "security": security, "responses": responses}
    if spec.description:
        op["description"] = spec.description
    parameters = _parameters(spec.path, "path") + _parameters(spec.query, "query")
    if parameters:
        op["parameters"] = parameters
    if spec.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": refs[(spec.body, "validation")]}}}
    return op


def document(app: Flask) -> dict[str, Any]:
    """The whole document, built from the app's routes and their declared operations."""
    found, undeclared = [], []
    for rule, method, view in api_rules(app):
        spec = operation_of(view)
        if spec is None:       # tests/test_openapi.py fails on these; the document still works
            undeclared.append((rule, method, view))
        else:
            found.append((rule, method, view, spec))
    models: set[tuple[type[BaseModel], str]] = {(ErrorResponse, "serialization")}
    for _, _, _, spec in found:
        if spec.body is not None:
            models.add((spec.body, "validation"))
        models |= {(model, "serialization") for model in spec.responses.values() if model}
    ordered = sorted(models, key=lambda pair: (pair[0].__name__, pair[1]))
    refs, top = models_json_schema(ordered, ref_template=REF, schema_generator=OpenAPISchema)
    paths: dict[str, dict[str, Any]] = {}
    for rule, method, view, spec in found:
        name = rule.endpoint.removeprefix("api.")
        if len(rule.methods - {"HEAD", "OPTIONS"}) > 1:
            name = f"{name}_{method.lower()}"
        paths.setdefault(to_openapi_path(rule.rule), {})[method.lower()] = _operation(
            spec, method, view, name, refs)
    for rule, method, view in undeclared:
        paths.setdefault(to_openapi_path(rule.rule), {})[method.lower()] = {
            "operationId": rule.endpoint, "summary": (view.__doc__ or rule.endpoint).strip(),
            "x-undeclared": True, "responses": {"default": {"description": "Undeclared"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Välitila API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": PREFIX}],
        "paths": paths,
        "components": {
            "schemas": top.get("$defs", {}),
            "responses": _error_components(),
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie",
                            "name": app.config["SESSION_COOKIE_NAME"],
                            "description": "The session cookie set by register and login"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                         "description": "The csrf_token from register, login or GET /me"}},
        },
    }


DESCRIPTION = """Sealed items and zero-knowledge accounts (PROTOCOL.md §7).

JSON bodies only (415 otherwise). Every error is `{"error": {"code", "message", ...}}` with a
4xx status (503 while the database cannot be reached). Unsafe requests of a signed-in client
need the X-CSRF-Token header; a call that needs a login and has none gets 401 before any CSRF
check. A method a path does not allow gets 405 with an Allow header.
This document is generated from the schemas that validate the requests."""


class OpenAPIDocument(BaseModel):
    """An OpenAPI 3.1 document (this one)."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]


@bp.get("/openapi.json")
@operation("This document (OpenAPI 3.1)", responses={200: OpenAPIDocument}, database=False)
def openapi_json():
    cache = current_app.extensions.setdefault("valitila.openapi", {})
    if "document" not in cache:
        cache["document"] = document(current_app)
    return jsonify(cache["document"])
