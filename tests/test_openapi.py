"""The OpenAPI document at /api/v1/openapi.json matches the API's routes exactly."""
from __future__ import annotations

import re
from typing import Any

import pytest

PREFIX = "/api/v1"
PARAM_NAMES = {"item_id": "id", "uid": "uid"}   # Flask's <converter names> → OpenAPI {names}
METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture
def doc(client) -> dict[str, Any]:
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def to_openapi(rule: str) -> str:
    def name(match: re.Match) -> str:
        flask_name = match.group(1).split(":")[-1]
        assert flask_name in PARAM_NAMES, f"no OpenAPI name for <{flask_name}> in {rule}"
        return "{" + PARAM_NAMES[flask_name] + "}"
    return re.sub(r"<([^>]+)>", name, rule.removeprefix(PREFIX))


def app_operations(app) -> set[tuple[str, str]]:
    return {(to_openapi(rule.rule), method.lower())
            for rule in app.url_map.iter_rules() if rule.rule.startswith(PREFIX + "/")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def doc_operations(doc) -> set[tuple[str, str]]:
    return {(path, method) for path, item in doc["paths"].items()
            for method in item if method in METHODS}


def test_is_openapi_3_1(doc):
    assert re.fullmatch(r"3\.1\.\d+", doc["openapi"])
    assert doc["info"]["title"] and doc["info"]["version"]
    assert doc["servers"] == [{"url": PREFIX}]


def test_paths_and_methods_are_exactly_the_api_routes(app, doc):
    assert doc_operations(doc) == app_operations(app)
    for item in doc["paths"].values():          # no stray keys that are not operations
        assert set(item) <= METHODS | {"parameters", "summary", "description"}


def test_path_parameters_are_declared(doc):
    for path, item in doc["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method, op in item.items():
            declared = {p["name"] for p in op.get("parameters", []) + item.get("parameters", [])
                        if p["in"] == "path"}
            assert declared == names, f"{method.upper()} {path}: {declared} != {names}"
            for p in op.get("parameters", []):
                if p["in"] == "path":
                    assert p["required"] is True


def test_every_operation_has_responses(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            responses = op.get("responses")
            assert responses, f"{method.upper()} {path} has no responses"
            success = [code for code in responses if code.startswith("2")]
            assert success, f"{method.upper()} {path} has no 2xx response"
            for code, response in responses.items():
                assert re.fullmatch(r"[1-5]\d\d|[1-5]XX|default", code)
                assert response.get("description") or "$ref" in response
            assert op.get("summary")
            if method in {"put", "post", "patch"} and "requestBody" in op:
                assert "415" in responses and "400" in responses


def _refs(node: Any, where: str = "#"):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield where, value
            else:
                yield from _refs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _refs(value, f"{where}/{index}")


def _resolve(doc: dict, ref: str) -> Any:
    assert ref.startswith("#/"), f"external $ref {ref}"
    node: Any = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"unresolved $ref {ref}"
        node = node[part]
    return node


def test_every_ref_resolves(doc):
    refs = list(_refs(doc))
    assert len(refs) > 20                          # the document does use references
    for where, ref in refs:
        target = _resolve(doc, ref)
        assert isinstance(target, dict), f"{where}: {ref}"


def test_every_schema_is_used(doc):
    used = {ref.rsplit("/", 1)[1] for _, ref in _refs(doc)
            if ref.startswith("#/components/schemas/")}
    assert set(doc["components"]["schemas"]) <= used


def test_security_schemes_are_defined(doc):
    schemes = doc["components"]["securitySchemes"]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for requirement in op.get("security", []):
                assert set(requirement) <= set(schemes), f"{method.upper()} {path}"
    assert schemes["csrf"] == {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"}


def test_the_route_conversion_itself():
    """Controls for the helpers above."""
    assert to_openapi("/api/v1/items/<item_id>/envelopes/<uid>") == "/items/{id}/envelopes/{uid}"
    assert to_openapi("/api/v1/users/<string:uid>/bundle") == "/users/{uid}/bundle"
    with pytest.raises(AssertionError):
        _resolve({"a": {}}, "#/a/b")
