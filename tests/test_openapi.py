"""The OpenAPI document at /api/v1/openapi.json: generated from the schemas and the routes.

Its paths and methods are exactly the app's /api/v1 routes, every operation is declared, its
rules come from the code that enforces them, and real answers of the API (successes and
errors) validate against the response schemas it gives for their status."""
from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import protocol
from webapp.api.openapi import to_openapi_path
from webapp.config import Config
from webapp.schemas.accounts import DISPLAY_NAME, LOCK_RANGE
from webapp.schemas.items import KINDS, MAX_LIMIT

from .factories import api_login, api_register, b64u, fast_account, new_secrets

PREFIX = "/api/v1"
METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture
def doc(client) -> dict[str, Any]:
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def app_operations(app) -> set[tuple[str, str]]:
    return {(to_openapi_path(rule.rule), method.lower())
            for rule in app.url_map.iter_rules() if rule.rule.startswith(PREFIX + "/")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def operations(doc) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in doc["paths"].items()
            for method, op in item.items() if method in METHODS]


def test_is_openapi_3_1(doc):
    assert re.fullmatch(r"3\.1\.\d+", doc["openapi"])
    assert doc["info"]["title"] and doc["info"]["version"]
    assert doc["servers"] == [{"url": PREFIX}]


def test_paths_and_methods_are_exactly_the_api_routes(app, doc):
    assert {(path, method) for path, method, _ in operations(doc)} == app_operations(app)
    for item in doc["paths"].values():          # no stray keys that are not operations
        assert set(item) <= METHODS | {"parameters", "summary", "description"}


def test_every_operation_is_declared(doc):
    """A view without @operation (webapp/api/spec.py) still appears, marked: not allowed."""
    undeclared = [f"{method.upper()} {path}" for path, method, op in operations(doc)
                  if op.get("x-undeclared")]
    assert undeclared == []
    names = [op["operationId"] for _, _, op in operations(doc)]
    assert len(names) == len(set(names))


TOKEN_PARAMETERS = {"token", "invite_id", "sid"}


def test_path_parameters_are_declared(doc):
    for path, method, op in operations(doc):
        names = set(re.findall(r"{([^}]+)}", path))
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert declared == names, f"{method.upper()} {path}: {declared} != {names}"
        for p in op.get("parameters", []):
            if p["in"] == "path":
                assert p["required"] is True
                if p["name"] in TOKEN_PARAMETERS:       # random tokens, not UUIDs
                    assert p["schema"]["type"] == "string" and p["schema"]["maxLength"]
                else:
                    assert p["schema"]["format"] == "uuid"


def test_every_operation_has_responses(doc):
    for path, method, op in operations(doc):
        responses = op["responses"]
        assert [code for code in responses if code.startswith("2")], f"{method} {path}"
        for code, response in responses.items():
            assert re.fullmatch(r"[1-5]\d\d", code)
            assert response.get("description") or "$ref" in response
        assert op.get("summary")
        if "requestBody" in op:
            assert {"400", "413", "415"} <= set(responses), f"{method} {path}"
        if path != "/openapi.json":
            assert "503" in responses, f"{method} {path}"
        assert "500" not in responses


def test_security_follows_the_guards(app, doc):
    """Login-required views document the session and 401; CSRF-checked ones the header and
    403; the credential endpoints are public and rate limited (429)."""
    schemes = doc["components"]["securitySchemes"]
    assert schemes["csrf"] == {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                               "description": schemes["csrf"]["description"]}
    assert schemes["session"]["in"] == "cookie"
    assert schemes["session"]["name"] == app.config["SESSION_COOKIE_NAME"]
    for path, method, op in operations(doc):
        for requirement in op["security"]:
            assert set(requirement) <= set(schemes), f"{method.upper()} {path}"
        uses = {name for requirement in op["security"] for name in requirement}
        if "csrf" in uses:
            assert "403" in op["responses"], f"{method.upper()} {path}"
        if method != "get" and path.startswith(("/me", "/items", "/processes", "/invites")):
            assert op["security"] == [{"session": [], "csrf": []}], f"{method} {path}"
    public = {path for path, method, op in operations(doc) if op["security"] == []}
    assert public == {"/auth/prelogin", "/auth/register", "/auth/login", "/auth/recover",
                      "/openapi.json", "/invites/{token}"}
    assert doc["paths"]["/invites/{token}"]["get"]["security"] == []   # anyone with the link
    for path in public - {"/openapi.json", "/invites/{token}"}:
        assert "429" in doc["paths"][path]["post"]["responses"]
        assert "401" not in doc["paths"][path]["post"]["responses"] or path in {
            "/auth/login", "/auth/recover"}
    assert doc["paths"]["/me"]["get"]["security"] == [{"session": []}]
    assert "401" in doc["paths"]["/me"]["get"]["responses"]
    assert doc["paths"]["/auth/password"]["post"]["security"] == [
        {}, {"session": [], "csrf": []}]


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


def test_every_ref_resolves_and_every_schema_is_used(doc):
    refs = list(_refs(doc))
    assert len(refs) > 20
    for where, ref in refs:
        assert isinstance(_resolve(doc, ref), dict), f"{where}: {ref}"
    used = {ref.rsplit("/", 1)[1] for _, ref in refs if ref.startswith("#/components/schemas/")}
    assert set(doc["components"]["schemas"]) <= used


def test_every_schema_is_valid_json_schema_2020_12(doc):
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for _, _, op in operations(doc):
        for parameter in op.get("parameters", []):
            Draft202012Validator.check_schema(parameter["schema"])


def test_the_rules_in_the_document_are_the_codes(doc):
    """Ranges, lengths and allowed values come from the constants that validate requests."""
    schemas = doc["components"]["schemas"]
    kdf = schemas["Kdf"]["properties"]
    assert kdf["m"]["minimum"] == protocol.KDF_FLOOR["m"] and kdf["alg"]["const"] == "argon2id"
    assert kdf["t"]["maximum"] == protocol.KDF_MAX["t"]
    assert schemas["ItemWrite"]["properties"]["kind"]["enum"] == list(KINDS)
    register = schemas["RegisterRequest"]["properties"]
    assert register["locale"]["enum"] == list(Config.LANGUAGES)
    assert register["display_name"]["maxLength"] == DISPLAY_NAME[1]
    assert register["uid"]["pattern"] == "^" + protocol._UUID4_RE.pattern + "$"
    assert register["salt_seed"]["minLength"] == register["salt_seed"]["maxLength"] == 22
    settings = schemas["SettingsRequest"]["properties"]
    assert (settings["lock_minutes"]["minimum"], settings["lock_minutes"]["maximum"]) == \
        LOCK_RANGE
    assert "default" not in settings["lock_minutes"]       # optional, but never null
    limit = next(p for p in doc["paths"]["/items"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == MAX_LIMIT and limit["required"] is False


def test_the_route_conversion_itself():
    """Controls for the helpers above."""
    assert to_openapi_path("/api/v1/items/<item_id>/envelopes/<uid>") == \
        "/items/{item_id}/envelopes/{uid}"
    assert to_openapi_path("/api/v1/users/<string:uid>/bundle") == "/users/{uid}/bundle"
    with pytest.raises(AssertionError):
        _resolve({"a": {}}, "#/a/b")


# -- real answers against the document -----------------------------------------------------------

class Checker:
    """Validates a real response against the document's schema for its path, method and
    status; remembers which operations and statuses were seen."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.seen: set[tuple[str, str, str]] = set()

    def __call__(self, template: str, method: str, response) -> Any:
        op = self.doc["paths"][template][method]
        status = str(response.status_code)
        assert status in op["responses"], (method, template, status, response.get_data()[:300])
        declared = op["responses"][status]
        if "$ref" in declared:
            declared = _resolve(self.doc, declared["$ref"])
        content = declared.get("content")
        if content is None:
            assert response.get_data() == b"", (method, template, status)
        else:
            assert response.mimetype == "application/json"
            schema = content["application/json"]["schema"]
            validator = Draft202012Validator({"components": self.doc["components"],
                                              "allOf": [schema]})
            errors = sorted(validator.iter_errors(response.get_json()), key=str)
            assert not errors, (method, template, status, errors[0].message)
        for name in declared.get("headers", {}):
            assert name in response.headers, (method, template, status, name)
        self.seen.add((template, method, status))
        return response


def test_real_answers_validate_against_the_document(app, doc):
    check = Checker(doc)
    anon = app.test_client()
    keys = fast_account()
    email = f"anna-{uuid.uuid4().hex[:6]}@example.fi"
    check("/auth/prelogin", "post", anon.post(f"{PREFIX}/auth/prelogin",
                                              json={"email": email}))
    check("/auth/prelogin", "post", anon.post(f"{PREFIX}/auth/prelogin", json={"email": 5}))
    check("/auth/prelogin", "post", anon.post(f"{PREFIX}/auth/prelogin", data="x",
                                              content_type="text/plain"))
    check("/auth/register", "post", anon.post(f"{PREFIX}/auth/register", json=keys.registration(
        email, "Anna", is_supervisor=True)))
    anna = api_login(app, _person(app, email, keys))
    check("/auth/register", "post", anon.post(f"{PREFIX}/auth/register",
                                              json=keys.registration(email, "Anna")))  # 409
    check("/auth/login", "post", anon.post(f"{PREFIX}/auth/login", json={
        "email": email, "auth_key": b64u(keys.auth_key)}))
    check("/auth/login", "post", anon.post(f"{PREFIX}/auth/login", json={
        "email": email, "auth_key": b64u(bytes(32))}))                        # 401
    check("/auth/recover", "post", anon.post(f"{PREFIX}/auth/recover", json={
        "email": email, "recovery_auth_key": b64u(keys.recovery_auth_key)}))
    check("/me", "get", anna.get("/me"))
    check("/me", "get", anon.get(f"{PREFIX}/me"))                             # 401
    check("/me", "patch", anna.patch("/me", {"display_name": "Anna V.", "lock_minutes": 5}))
    check("/me", "patch", anna.patch("/me", {"lock_minutes": 0}))            # 400
    check("/me", "patch", anna.client.patch(f"{PREFIX}/me", json={}))       # 403 csrf
    check("/me/keys", "get", anna.get("/me/keys"))
    check("/me/recovery/confirmed", "post", anna.post("/me/recovery/confirmed", {
        "recovery_auth_key": b64u(keys.recovery_auth_key)}))                  # 204
    recovery = protocol.new_recovery(anna.uid, anna.account.ak)[0]
    check("/me/recovery", "post", anna.post("/me/recovery", {
        "proof": {"auth_key": b64u(bytes(32))}, "recovery": recovery}))        # 401
    check("/me/recovery", "post", anna.post("/me/recovery", {
        "proof": {"auth_key": b64u(keys.auth_key)}, "recovery": recovery}))    # 204
    check("/me/recovery/confirmed", "post", anna.post("/me/recovery/confirmed", {
        "recovery_auth_key": b64u(keys.recovery_auth_key)}))                  # 409
    check("/users/{uid}/bundle", "get", anna.get(f"/users/{anna.uid}/bundle"))
    check("/users/{uid}/bundle", "get", anna.get(f"/users/{uuid.uuid4()}/bundle"))  # 404
    check("/users/{uid}/bundle", "get", anna.get("/users/nope/bundle"))             # 400

    first = anna.write("Otsikko", "Teksti")
    item_id, body = anna.seal({"title": "Toinen", "body": "x", "tags": []})
    check("/items/{item_id}", "put", anna.put(f"/items/{item_id}", body))    # 201
    check("/items/{item_id}", "put", anna.put(f"/items/{item_id}", body))    # 200 (retry)
    check("/items/{item_id}", "put", anna.put(f"/items/{item_id}", body | {"rev": 3}))  # 409
    check("/items/{item_id}", "get", anna.get(f"/items/{item_id}"))
    check("/items/{item_id}", "get", anna.get(f"/items/{uuid.uuid4()}"))     # 404
    # An item with one link: the others are absent from the answer, not null.
    linked, body = anna.seal({"title": "Jatko", "body": "x", "tags": []})
    check("/items/{item_id}", "put", anna.put(f"/items/{linked}", body | {
        "links": {"parent": first}}))                                            # 201
    answered = anna.get(f"/items/{linked}")
    check("/items/{item_id}", "get", answered)
    assert answered.get_json()["links"] == {"parent": first}
    check("/items", "get", anna.get("/items?limit=1"))
    page = anna.get("/items?limit=1").get_json()
    check("/items", "get", anna.get(f"/items?before={page['next']}&kind=entry"))
    check("/items", "get", anna.get("/items?limit=0"))                       # 400
    bertta = api_register(app)
    x = protocol.b64u_decode(bertta.account.registration["bundle"]["x25519"], 32)
    envelope = protocol.share_envelope(anna.deks[first], first, bertta.uid, x)
    pid = _processes_and_invites(check, anna, bertta, anon)
    _contracts_and_goals(check, anna, bertta, pid)
    _sessions_and_calendar(check, anna, bertta, pid)
    _assignments(check, app, anna, bertta, pid)
    from .test_evaluations_api import check_evaluation_answers
    check_evaluation_answers(check, app, anna, bertta, pid)
    from .test_agendas import check_agenda_answers
    check_agenda_answers(check, app, anna, bertta, pid)
    fp = b64u(protocol.fingerprint(bertta.account.registration["bundle"]))
    pin = {"fp": fp, "verified": True, "sig": protocol.sign_pin(
        anna.account.ed25519_private, anna.uid, bertta.uid, fp, True)}
    check("/pins/{uid}", "put", anna.put(f"/pins/{bertta.uid}", pin))           # 201
    check("/pins/{uid}", "put", anna.put(f"/pins/{bertta.uid}", pin))           # 200
    check("/pins/{uid}", "put", anna.put(f"/pins/{bertta.uid}", pin | {"verified": False}))
    check("/pins/{uid}", "put", anna.put(f"/pins/{uuid.uuid4()}", pin))         # 404
    check("/pins", "get", anna.get("/pins"))
    check("/items/{item_id}/envelopes/{uid}", "put", anna.put(
        f"/items/{first}/envelopes/{bertta.uid}",
        {"envelope": envelope, "process": str(uuid.uuid4())}))               # 403: no process
    check("/items/{item_id}/envelopes/{uid}", "put", anna.put(
        f"/items/{first}/envelopes/{bertta.uid}", {"envelope": envelope, "process": pid}))  # 204
    check("/items", "get", bertta.get(f"/items?process={pid}"))
    check("/items/{item_id}", "get", bertta.get(f"/items/{first}"))         # a reader's view
    check("/items/{item_id}/envelopes/{uid}", "delete", anna.delete(
        f"/items/{first}/envelopes/{bertta.uid}"))                          # 204
    check("/items/{item_id}/envelopes/{uid}", "delete", anna.delete(
        f"/items/{first}/envelopes/{bertta.uid}"))                          # 404
    check("/items/{item_id}/readers", "get", anna.get(f"/items/{first}/readers"))  # rekey_due
    check("/items/{item_id}/readers", "get", bertta.get(f"/items/{first}/readers"))  # 404
    check("/processes/{pid}/members/{uid}", "delete", anna.delete(
        f"/processes/{pid}/members/{anna.uid}"))                             # 400
    check("/processes/{pid}/members/{uid}", "delete", bertta.delete(
        f"/processes/{pid}/members/{bertta.uid}"))                           # 204: leaves
    check("/processes/{pid}/members/{uid}", "delete", anna.delete(
        f"/processes/{pid}/members/{bertta.uid}"))                           # 404
    check("/processes/{pid}/end", "post", bertta.post(f"/processes/{pid}/end"))   # 404
    check("/processes/{pid}/end", "post", anna.post(f"/processes/{pid}/end"))     # 200
    check("/processes/{pid}", "patch", anna.patch(f"/processes/{pid}",
                                                  {"session_count": 4}))      # 409
    check("/processes/{pid}/invites", "post", anna.post(f"/processes/{pid}/invites", {}))  # 409
    check("/items/{item_id}", "delete", anna.delete(f"/items/{item_id}"))   # 204
    check("/items/{item_id}", "put", anna.put(f"/items/{item_id}", body))   # 410
    check("/items/{item_id}", "put", anna.client.put(
        f"{PREFIX}/items/{item_id}", data="{}", content_type="text/plain",
        headers=anna.headers()))                                            # 415

    new, _, _ = new_secrets(anna.uid, anna.account.ak)
    check("/auth/password", "post", anna.post("/auth/password", {
        "proof": {"auth_key": b64u(keys.auth_key)}, "new": new}))           # 204
    check("/auth/password", "post", anon.post(f"{PREFIX}/auth/password", json={
        "proof": {"auth_key": b64u(keys.auth_key)}, "new": new}))           # 401
    check("/me/erase", "post", bertta.post("/me/erase", {"auth_key": b64u(bytes(32))}))  # 401
    leaving = api_register(app)
    check("/me/erase", "post", leaving.post("/me/erase", {
        "auth_key": b64u(leaving.auth_key)}))                               # 204
    check("/auth/logout-everywhere", "post", bertta.post("/auth/logout-everywhere"))
    check("/auth/logout", "post", anna.post("/auth/logout"))
    check("/openapi.json", "get", anon.get(f"{PREFIX}/openapi.json"))

    statuses = {status for _, _, status in check.seen}
    assert {"200", "201", "204", "400", "401", "403", "404", "409", "410", "415"} <= statuses
    assert {(path, method) for path, method, _ in check.seen} == app_operations(app)


def _processes_and_invites(check: Checker, anna, bertta, anon) -> str:
    """Every process and invite operation, successes and errors; returns the process that
    anna supervises and bertta has joined."""
    pid = str(uuid.uuid4())
    check("/processes", "post", bertta.post("/processes", {"id": pid, "form": "group"}))  # 403
    check("/processes", "post", anna.post("/processes", {"id": pid, "form": "group"}))   # 201
    check("/processes", "post", anna.post("/processes", {"id": pid, "form": "group"}))   # 200
    check("/processes", "post", anna.post("/processes", {"id": pid, "form": "crisis"}))  # 409
    check("/processes", "post", anna.post("/processes", {"id": pid, "form": "x"}))       # 400
    check("/processes", "get", anna.get("/processes"))
    check("/processes", "get", anon.get(f"{PREFIX}/processes"))                          # 401
    check("/processes/{pid}", "get", anna.get(f"/processes/{pid}"))
    check("/processes/{pid}", "get", bertta.get(f"/processes/{pid}"))                    # 404
    check("/processes/{pid}", "get", anna.get("/processes/nope"))                        # 400
    check("/processes/{pid}", "patch", anna.patch(f"/processes/{pid}", {
        "session_minutes": 75, "starts_on": "2027-01-04", "mode": "hybrid"}))
    check("/processes/{pid}", "patch", anna.patch(f"/processes/{pid}", {"mode": "x"}))   # 400
    check("/processes/{pid}/invites", "post", anna.post(f"/processes/{pid}/invites", {}))
    check("/processes/{pid}/invites", "post", anna.post(f"/processes/{pid}/invites", {
        "expires_at": "2000-01-01T00:00:00Z"}))                                         # 400
    check("/processes/{pid}/invites", "post", bertta.post(f"/processes/{pid}/invites", {}))
    first = anna.post(f"/processes/{pid}/invites", {}).get_json()
    second = check("/processes/{pid}/invites", "post",
                   anna.post(f"/processes/{pid}/invites", {})).get_json()
    check("/processes/{pid}/invites", "get", anna.get(f"/processes/{pid}/invites"))
    check("/processes/{pid}/invites", "get", bertta.get(f"/processes/{pid}/invites"))  # 404
    email = "/processes/{pid}/invites/{invite_id}/email"
    link = (f"http://localhost/join/{second['token']}"
            f"#fp={protocol.fp16(anna.account.registration['bundle'])}")
    check(email, "post", anna.post(f"/processes/{pid}/invites/{second['id']}/email", {
        "email": "kutsuttu@example.fi", "link": link}))       # 200 (logged: no MAIL_SERVER)
    check(email, "post", anna.post(f"/processes/{pid}/invites/{second['id']}/email", {
        "email": "kutsuttu@example.fi", "link": link + "x"}))                         # 400
    check("/invites/{token}", "get", anon.get(f"{PREFIX}/invites/{first['token']}"))
    check("/invites/{token}", "get", anon.get(f"{PREFIX}/invites/unknown"))            # 404
    check("/invites/{token}/accept", "post", anna.post(f"/invites/{first['token']}/accept"))
    check("/invites/{token}/accept", "post", bertta.post(f"/invites/{first['token']}/accept"))
    check("/invites/{token}/accept", "post", bertta.post(f"/invites/{first['token']}/accept"))
    check("/processes/{pid}", "patch", bertta.patch(f"/processes/{pid}",
                                                    {"session_count": 3}))             # 403
    check("/processes/{pid}/invites/{invite_id}", "delete", anna.delete(
        f"/processes/{pid}/invites/{second['id']}"))                                   # 204
    check("/processes/{pid}/invites/{invite_id}", "delete", anna.delete(
        f"/processes/{pid}/invites/{first['id']}"))                                    # 409
    check("/processes/{pid}/invites/{invite_id}", "delete", anna.delete(
        f"/processes/{pid}/invites/nope"))                                             # 404
    check("/processes/{pid}", "get", bertta.get(f"/processes/{pid}"))
    return pid


def _person(app, email, keys):
    """The Person of an account registered above (for api_login)."""
    from .helpers import Person
    person = Person(email, "", keys.account, app.test_client())
    person.auth_key = keys.auth_key  # type: ignore[attr-defined]
    person.recovery_auth_key = keys.recovery_auth_key  # type: ignore[attr-defined]
    return person


def test_the_checker_can_fail(app, doc):
    """Control: an answer that does not fit the document is caught."""
    check = Checker(doc)
    anon = app.test_client()
    response = anon.get(f"{PREFIX}/me")
    response.set_data(b'{"error": {"message": "no code"}}')
    with pytest.raises(AssertionError):
        check("/me", "get", response)
    with pytest.raises(AssertionError):            # a status the document does not give
        check("/openapi.json", "get", anon.get(f"{PREFIX}/me"))


def _contracts_and_goals(check: Checker, anna, bertta, pid: str) -> None:
    """The contract's and the goals' operations: anna supervises `pid`, bertta is in it."""
    x = protocol.b64u_decode(bertta.account.registration["bundle"]["x25519"], 32)

    def sealed(kind: str, payload: dict) -> str:
        item_id, body = anna.seal(payload, kind=kind)
        body["process"] = pid
        body["envelopes"].append(protocol.share_envelope(anna.deks[item_id], item_id,
                                                         bertta.uid, x))
        assert anna.put(f"/items/{item_id}", body).status_code == 201
        return item_id

    contract = sealed("contract", {"sections": {"methods": "m"}, "place": "p", "lang": "fi"})
    goals = [sealed("goal", {"text": "t"}) for _ in range(2)]
    item = bertta.get(f"/items/{contract}").get_json()
    ch = b64u(protocol.content_hash(item["sealed"]))
    sig = protocol.sign_text(bertta.account.ed25519_private,
                             protocol.accept_message(contract, item["rev"], ch))
    path = "/items/{item_id}/acceptances"
    check(path, "post", bertta.post(f"/items/{contract}/acceptances",
                                    {"rev": item["rev"], "sig": sig}))        # 201
    check(path, "post", bertta.post(f"/items/{contract}/acceptances",
                                    {"rev": item["rev"], "sig": sig}))        # 200
    check(path, "post", anna.post(f"/items/{contract}/acceptances",
                                  {"rev": item["rev"], "sig": sig}))          # 400
    check(path, "post", bertta.post(f"/items/{contract}/acceptances",
                                    {"rev": item["rev"] + 1, "sig": sig}))    # 409
    check(path, "get", bertta.get(f"/items/{contract}/acceptances"))
    check(path, "get", bertta.get(f"/items/{uuid.uuid4()}/acceptances"))    # 404
    check("/processes/{pid}/contract", "get", bertta.get(f"/processes/{pid}/contract"))
    check("/processes/{pid}/contract", "get", anna.get(f"/processes/{uuid.uuid4()}/contract"))
    status = "/processes/{pid}/goals/{goal_id}"
    check(status, "patch", anna.patch(f"/processes/{pid}/goals/{goals[0]}",
                                      {"status": "achieved"}))
    check(status, "patch", bertta.patch(f"/processes/{pid}/goals/{goals[0]}",
                                        {"status": "open"}))                 # 403
    check(status, "patch", anna.patch(f"/processes/{pid}/goals/{contract}",
                                      {"status": "open"}))                   # 404
    order = "/processes/{pid}/goals/order"
    check(order, "put", anna.put(f"/processes/{pid}/goals/order",
                                 {"items": list(reversed(goals))}))
    check(order, "put", anna.put(f"/processes/{pid}/goals/order", {"items": goals[:1]}))  # 400
    sharing = "/processes/{pid}/goals/{goal_id}/checkin-sharing"
    check(sharing, "put", bertta.put(f"/processes/{pid}/goals/{goals[0]}/checkin-sharing",
                                     {"shared": True}))
    check(sharing, "put", anna.put(f"/processes/{pid}/goals/{goals[0]}/checkin-sharing",
                                   {"shared": True}))                        # 403
    check(sharing, "put", bertta.put(f"/processes/{pid}/goals/{goals[0]}/checkin-sharing",
                                     {"shared": "yes"}))                     # 400
    check(sharing, "get", bertta.get(f"/processes/{pid}/goals/{goals[0]}/checkin-sharing"))
    check(sharing, "get", bertta.get(f"/processes/{pid}/goals/{contract}/checkin-sharing"))



def _assignments(check: Checker, app, anna, bertta, pid: str) -> None:
    """The interim assignments' operations: anna supervises `pid`, bertta is in it."""
    from .test_assignments_api import assignment_put
    library = "/assignment-library"
    check(library, "get", bertta.get("/assignment-library?lang=sv"))
    check(library, "get", bertta.get("/assignment-library?lang=xx"))             # 400
    give, one = "/assignments/{item_id}", "/assignments/{item_id}"
    item_id, body = assignment_put(app, anna, pid, [bertta.uid])
    check(give, "put", anna.put(f"/assignments/{item_id}", body))                # 201
    wrong, wrong_body = assignment_put(app, bertta, pid, [anna.uid])
    check(give, "put", bertta.put(f"/assignments/{wrong}", wrong_body))          # 403
    _, edit = anna.seal({"title": "x"}, item_id=item_id, rev=2, kind="assignment")
    check(give, "put", anna.put(f"/assignments/{item_id}", {
        "item": edit, "due_at": "2030-01-01T10:00:00Z"}))                          # 200
    check(give, "put", anna.put(f"/assignments/{item_id}", {"item": edit}))      # 409
    check(give, "put", anna.put(f"/assignments/{item_id}", {"item": edit,
                                                            "due_at": "soon"}))   # 400
    check(one, "get", bertta.get(f"/assignments/{item_id}"))
    check(one, "get", bertta.get(f"/assignments/{uuid.uuid4()}"))                # 404
    check("/processes/{pid}/assignments", "get", anna.get(f"/processes/{pid}/assignments"))
    check("/processes/{pid}/assignments", "get", anna.get(
        f"/processes/{uuid.uuid4()}/assignments"))                                  # 404
    status = "/assignments/{item_id}/status"
    check(status, "post", bertta.post(f"/assignments/{item_id}/status", {"status": "done"}))
    check(status, "post", bertta.post(f"/assignments/{item_id}/status",
                                      {"status": "skipped"}))                      # 409
    check(status, "post", bertta.post(f"/assignments/{item_id}/status", {"status": "x"}))
    check(status, "post", anna.post(f"/assignments/{item_id}/status", {"status": "done"}))

def _sessions_and_calendar(check: Checker, anna, bertta, pid: str) -> None:
    """The schedule's and the calendar feed's operations: anna supervises `pid`, bertta is
    in it."""
    sessions = "/processes/{pid}/sessions"
    generate = "/processes/{pid}/sessions/generate"
    one = "/sessions/{sid}"
    start = {"date": "2027-03-10", "time": "17:00"}
    check(generate, "post", bertta.post(f"/processes/{pid}/sessions/generate", start))  # 403
    made = check(generate, "post", anna.post(f"/processes/{pid}/sessions/generate",
                                              start)).get_json()["sessions"]       # 201
    check(generate, "post", anna.post(f"/processes/{pid}/sessions/generate", start))  # 409
    check(generate, "post", anna.post(f"/processes/{pid}/sessions/generate",
                                      {"date": "2027-03-10", "time": "7pm"}))      # 400
    check(generate, "post", anna.post(f"/processes/{uuid.uuid4()}/sessions/generate",
                                      start))                                      # 404
    check(sessions, "get", bertta.get(f"/processes/{pid}/sessions"))
    check(sessions, "get", bertta.get(f"/processes/{uuid.uuid4()}/sessions"))       # 404
    check(sessions, "post", anna.post(f"/processes/{pid}/sessions",
                                      {**start, "minutes": 90}))                   # 201
    check(sessions, "post", anna.post(f"/processes/{pid}/sessions",
                                      {**start, "minutes": 9}))                    # 400
    check(sessions, "post", bertta.post(f"/processes/{pid}/sessions", start))       # 403
    sid = made[0]["id"]
    check(one, "get", bertta.get(f"/sessions/{sid}"))
    check(one, "get", bertta.get(f"/sessions/{'A' * 22}"))                          # 404
    check(one, "patch", anna.patch(f"/sessions/{sid}", {"date": "2027-03-11",
                                                        "time": "08:00"}))        # 200
    check(one, "patch", anna.patch(f"/sessions/{sid}", {"status": "held"}))         # 409
    check(one, "patch", anna.patch(f"/sessions/{sid}", {"status": "cancelled"}))    # 400
    check(one, "patch", bertta.patch(f"/sessions/{sid}", {"status": "cancelled",
                                                          "cancel_reason": "other"}))  # 403
    check(one, "patch", bertta.patch(f"/sessions/{'A' * 22}", {"status": "planned"}))  # 404
    check("/schedule/busy", "get", anna.get(f"/schedule/busy?exclude={sid}"))
    check("/schedule/busy", "get", anna.get("/schedule/busy?exclude=no!"))          # 400
    check("/me/calendar", "post", bertta.post("/me/calendar"))                      # 201
    check("/me/calendar", "delete", bertta.delete("/me/calendar"))                  # 204
