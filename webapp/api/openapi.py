"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json.
A test checks that its paths and methods are exactly the API's routes."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from . import bp

B64U = {"type": "string", "pattern": "^[A-Za-z0-9_-]*$", "description": "base64url, no padding"}
UUID = {"type": "string", "format": "uuid", "pattern": "^[0-9a-f-]{36}$"}
BOX = {"type": "object", "required": ["iv", "ct"], "additionalProperties": False,
       "properties": {"iv": B64U, "ct": B64U}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: list[str], props: dict[str, Any], extra: bool = False) -> dict[str, Any]:
    return {"type": "object", "required": required, "additionalProperties": extra,
            "properties": props}


SCHEMAS: dict[str, Any] = {
    "Error": _obj(["error"], {"error": _obj(["code", "message"], {
        "code": {"type": "string"}, "message": {"type": "string"},
        "field": {"type": "string"}, "rev": {"type": "integer"}}, extra=True)}),
    "Box": BOX,
    "Kdf": _obj(["alg", "m", "t", "p"], {"alg": {"const": "argon2id"},
                                         "m": {"type": "integer", "minimum": 65536},
                                         "t": {"type": "integer", "minimum": 3},
                                         "p": {"type": "integer", "minimum": 1}}),
    "Bundle": _obj(["uid", "v", "x25519", "ed25519", "sig"], {
        "uid": UUID, "v": {"const": 1}, "x25519": B64U, "ed25519": B64U, "sig": B64U}),
    "Recovery": _obj(["wrapped_ak", "auth_key"], {"wrapped_ak": _ref("Box"), "auth_key": B64U}),
    "Keys": _obj(["uid", "salt_seed", "kdf", "wrapped_ak", "wrapped_x25519", "wrapped_ed25519",
                  "bundle"], {
        "uid": UUID, "salt_seed": B64U, "kdf": _ref("Kdf"), "wrapped_ak": _ref("Box"),
        "wrapped_x25519": _ref("Box"), "wrapped_ed25519": _ref("Box"),
        "bundle": _ref("Bundle")}),
    "NewSecrets": _obj(["salt_seed", "kdf", "auth_key", "wrapped_ak"], {
        "salt_seed": B64U, "kdf": _ref("Kdf"), "auth_key": B64U, "wrapped_ak": _ref("Box"),
        "recovery": _ref("Recovery")}),
    "Register": _obj(["email", "display_name", "uid", "salt_seed", "kdf", "auth_key",
                      "wrapped_ak", "recovery", "bundle", "wrapped_x25519", "wrapped_ed25519"], {
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "display_name": {"type": "string", "minLength": 1, "maxLength": 100},
        "uid": UUID, "salt_seed": B64U, "kdf": _ref("Kdf"), "auth_key": B64U,
        "wrapped_ak": _ref("Box"), "recovery": _ref("Recovery"), "bundle": _ref("Bundle"),
        "wrapped_x25519": _ref("Box"), "wrapped_ed25519": _ref("Box"),
        "locale": {"enum": ["fi", "sv", "en"]}, "invite": {"type": ["string", "null"]},
        "is_supervisor": {"type": "boolean"}}),
    "Me": _obj(["uid", "email", "display_name", "locale", "bundle"], {
        "uid": UUID, "email": {"type": "string"}, "display_name": {"type": "string"},
        "locale": {"enum": ["fi", "sv", "en"]}, "is_supervisor": {"type": "boolean"},
        "lock_minutes": {"type": "integer"}, "bundle": _ref("Bundle"),
        "csrf_token": {"type": "string"}}),
    "Sealed": _obj(["h", "iv", "ct"], {"h": B64U, "iv": B64U, "ct": B64U}),
    "Envelope": _obj(["recipient", "type", "iv", "ct"], {
        "recipient": UUID, "type": {"enum": ["ak", "x25519"]}, "epk": B64U,
        "iv": B64U, "ct": B64U}),
    "Links": _obj([], {"parent": UUID, "session": UUID, "goal": UUID}),
    "ItemWrite": _obj(["kind", "rev", "sealed", "sig"], {
        "kind": {"enum": ["entry", "response", "topic", "note", "contract", "goal", "checkin",
                          "assignment", "template", "agenda", "evaluation", "comment",
                          "title"]},
        "rev": {"type": "integer", "minimum": 1}, "sealed": _ref("Sealed"), "sig": B64U,
        "envelopes": {"type": "array", "items": _ref("Envelope")},
        "process": {"type": ["string", "null"]},
        "links": {"oneOf": [_ref("Links"), {"type": "null"}]}}),
    "Item": _obj(["id", "kind", "author", "rev", "sealed", "sig", "envelope", "created_at",
                  "updated_at"], {
        "id": UUID, "kind": {"type": "string"}, "author": UUID, "rev": {"type": "integer"},
        "sealed": _ref("Sealed"), "sig": B64U, "envelope": _ref("Envelope"),
        "process": {"type": ["string", "null"]},
        "links": {"oneOf": [_ref("Links"), {"type": "null"}]},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"}}),
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, **_json(_ref("Error"))}


def _op(summary: str, responses: dict[str, Any], body: dict[str, Any] | None = None,
        *, public: bool = False, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {
        **responses, "400": _error("Bad input"), "429": _error("Rate limited")}}
    if body is not None:
        op["requestBody"] = {"required": True, **_json(body)}
        op["responses"]["415"] = _error("Not JSON")
        op["responses"]["413"] = _error("Too large")
    if not public:
        op["responses"]["401"] = _error("Not signed in")
        op["security"] = [{"session": [], "csrf": []}]
    else:
        op["security"] = []
    if params:
        op["parameters"] = params
    return op


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": UUID}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


NO_CONTENT = {"204": {"description": "Done"}}
ITEM = {"description": "The item with the caller's envelope", **_json(_ref("Item"))}
ID, UID = _path_param("id"), _path_param("uid")

PATHS: dict[str, Any] = {
    "/auth/prelogin": {"post": _op(
        "Salt seed and KDF parameters for an email (a stable fake for unknown emails)",
        {"200": {"description": "KDF input", **_json(_obj(["salt_seed", "kdf"], {
            "salt_seed": B64U, "kdf": _ref("Kdf")}))}},
        _obj(["email"], {"email": {"type": "string"}}), public=True)},
    "/auth/register": {"post": _op(
        "Create an account from key material made by the client",
        {"201": {"description": "Signed in", **_json(_obj(["uid", "csrf_token"], {
            "uid": UUID, "csrf_token": {"type": "string"}}))},
         "409": _error("Email or uid taken")}, _ref("Register"), public=True)},
    "/auth/login": {"post": _op(
        "Sign in with the auth key derived from the password",
        {"200": {"description": "Signed in", **_json(_obj(["uid", "csrf_token", "keys"], {
            "uid": UUID, "csrf_token": {"type": "string"}, "keys": _ref("Keys")}))},
         "401": _error("Wrong email or password (one generic answer)")},
        _obj(["email", "auth_key"], {"email": {"type": "string"}, "auth_key": B64U}),
        public=True)},
    "/auth/logout": {"post": _op("Sign out this client", NO_CONTENT)},
    "/auth/logout-everywhere": {"post": _op("End every session of the account", NO_CONTENT)},
    "/auth/recover": {"post": _op(
        "Prove the recovery key; returns the recovery-wrapped account key",
        {"200": {"description": "Recovery material", **_json(_obj(["uid", "recovery", "keys"], {
            "uid": UUID, "recovery": _obj(["wrapped_ak"], {"wrapped_ak": _ref("Box")}),
            "keys": _ref("Keys")}))},
         "401": _error("Wrong email or recovery key")},
        _obj(["email", "recovery_auth_key"], {"email": {"type": "string"},
                                              "recovery_auth_key": B64U}), public=True)},
    "/auth/password": {"post": _op(
        "Set new password secrets, proven by the current auth key (signed in, CSRF) or by "
        "the recovery key (then a new recovery is required); other sessions end",
        {**NO_CONTENT, "401": _error("Proof rejected")},
        _obj(["proof", "new"], {"proof": {"oneOf": [
            _obj(["auth_key"], {"auth_key": B64U}),
            _obj(["email", "recovery_auth_key"], {"email": {"type": "string"},
                                                  "recovery_auth_key": B64U})]},
            "new": _ref("NewSecrets")}), public=True)},
    "/me": {
        "get": _op("The signed-in user and this session's CSRF token",
                   {"200": {"description": "Me", **_json(_ref("Me"))}}),
        "patch": _op("Change display name, language or inactivity lock",
                     {"200": {"description": "Me", **_json(_ref("Me"))}},
                     _obj([], {"display_name": {"type": "string"},
                               "locale": {"enum": ["fi", "sv", "en"]},
                               "lock_minutes": {"type": "integer", "minimum": 1,
                                                "maximum": 1440}}))},
    "/me/keys": {"get": _op("The wrapped keys of the signed-in account",
                            {"200": {"description": "Keys", **_json(_ref("Keys"))}})},
    "/users/{uid}/bundle": {"get": _op(
        "A public key bundle (yourself or someone sharing a process with you)",
        {"200": {"description": "Bundle", **_json(_ref("Bundle"))},
         "404": _error("Unknown or not visible")}, params=[UID])},
    "/items": {"get": _op(
        "Items the caller holds an envelope for, newest first",
        {"200": {"description": "A page", **_json(_obj(["items", "next"], {
            "items": {"type": "array", "items": _ref("Item")},
            "next": {"type": ["string", "null"]}}))}},
        params=[_query("kind", {"type": "string"}), _query("process", UUID),
                _query("before", {"type": "string"}),
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 100})])},
    "/items/{id}": {
        "get": _op("One item with the caller's envelope",
                   {"200": ITEM, "404": _error("Not found or no envelope")}, params=[ID]),
        "put": _op("Create (rev 1) or update (stored rev + 1); retries are idempotent",
                   {"200": ITEM, "201": ITEM, "403": _error("Not the author / not shareable"),
                    "404": _error("Not found"), "409": _error("Stale rev (stored rev given)")},
                   _ref("ItemWrite"), params=[ID]),
        "delete": _op("Delete (author only)", {**NO_CONTENT, "403": _error("Not the author"),
                                               "404": _error("Not found")}, params=[ID])},
    "/items/{id}/envelopes/{uid}": {
        "put": _op("Share: add or replace one reader's envelope (author only)",
                   {**NO_CONTENT, "403": _error("Not the author / no common process"),
                    "404": _error("Not found")},
                   _obj(["envelope"], {"envelope": _ref("Envelope"),
                                       "expires_at": {"type": ["string", "null"],
                                                      "format": "date-time"}}),
                   params=[ID, UID]),
        "delete": _op("Revoke one reader's envelope (author only)",
                      {**NO_CONTENT, "403": _error("Not the author"),
                       "404": _error("Not found")}, params=[ID, UID])},
    "/openapi.json": {"get": _op("This document", {"200": {"description": "OpenAPI 3.1"}},
                                 public=True)},
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Välitila API", "version": "1",
                 "description": "Sealed items and zero-knowledge accounts; see PROTOCOL.md. "
                                "Unsafe requests after sign-in need the X-CSRF-Token header."},
        "servers": [{"url": "/api/v1"}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": "valitila_session"},
            "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"}}},
    }


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())
