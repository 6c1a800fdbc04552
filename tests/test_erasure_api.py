"""POST /api/v1/me/erase (PROTOCOL §7) at the edge: bad input, the rate limit, the pages."""
from __future__ import annotations

from .factories import api_login, api_register, b64u, snapshot
from .test_authorization import strict_limit


def erasure_cases():
    """Bad input to POST /me/erase: every one a 4xx that changes nothing (the world's anna
    stays; a good key would erase her, so no case carries it)."""
    from .test_api_bad_input import WRONG_TYPES, Case, P, _b64_variants, rnd

    path = "/me/erase"
    yield P("missing", Case("POST", path, {}, status=400))
    yield P("extra", Case("POST", path, {"auth_key": b64u(rnd(32)), "x": 1}, status=400))
    for label, value in _b64_variants(rnd(32)) + WRONG_TYPES:
        yield P(f"auth_key-{label}", Case("POST", path, {"auth_key": value}, status=400))
    yield P("wrong-key", Case("POST", path, {"auth_key": b64u(rnd(32))}, status=401,
                              code="bad_credentials"))
    yield P("other-users-key", Case("POST", path, lambda w: {
        "auth_key": b64u(w.bertta.auth_key)}, status=401, code="bad_credentials"))
    yield P("recovery-key", Case("POST", path, lambda w: {
        "auth_key": b64u(w.anna.recovery_auth_key)}, status=401, code="bad_credentials"))
    yield P("anon", Case("POST", path, {"auth_key": b64u(rnd(32))}, who="anon", csrf=None,
                         status=401, code="login_required"))
    yield P("no-csrf", Case("POST", path, lambda w: {"auth_key": b64u(w.anna.auth_key)},
                            csrf=None, status=403, code="csrf"))
    yield P("bad-csrf", Case("POST", path, lambda w: {"auth_key": b64u(w.anna.auth_key)},
                             csrf="forged", status=403, code="csrf"))
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        yield P(f"erase-{method}", Case(method, path, status=405))


def test_erasing_is_rate_limited_like_the_credential_endpoints(app):
    anna = api_register(app)
    with strict_limit(app):
        statuses = [anna.post("/me/erase", {"auth_key": b64u(bytes(32))}).status_code
                    for _ in range(4)]
    assert statuses[:3] == [401] * 3 and statuses[3] == 429
    assert anna.get("/me").status_code == 200


def test_wrong_keys_in_a_row_cool_the_account_down_as_sign_in_does(app):
    anna = api_register(app)
    old = app.config.get("LOGIN_BACKOFF_FREE")
    app.config["LOGIN_BACKOFF_FREE"] = 2
    try:
        for _ in range(2):
            assert anna.post("/me/erase", {"auth_key": b64u(bytes(32))}).status_code == 401
        before = snapshot(app)
        response = anna.post("/me/erase", {"auth_key": b64u(anna.auth_key)})
        assert response.status_code == 429, response.get_json()
        assert response.get_json()["error"]["code"] == "rate_limited"
        assert "Retry-After" in response.headers
        assert snapshot(app) == before
    finally:
        app.config["LOGIN_BACKOFF_FREE"] = old


def test_every_session_ends_and_the_pages_answer(app):
    anna = api_register(app)
    phone = api_login(app, anna)
    page = anna.client.get("/account/delete")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "data-js-erase-account" in html and "/account/export" in html
    settings = anna.client.get("/account/").get_data(as_text=True)
    assert "/account/delete" in settings
    assert anna.post("/me/erase", {"auth_key": b64u(anna.auth_key)}).status_code == 204
    assert anna.get("/me").status_code == 401 and phone.get("/me").status_code == 401
    assert anna.client.get("/account/delete").status_code == 302        # to the sign-in page
    assert app.test_client().get("/goodbye").status_code == 200


def test_the_erase_endpoint_changes_nothing_for_a_stranger(app):
    anna, bert = api_register(app), api_register(app)
    before = snapshot(app)
    assert bert.post("/me/erase", {"auth_key": b64u(anna.auth_key)}).status_code == 401
    assert snapshot(app) == before


def test_the_page_tells_a_supervisor_that_her_processes_end(app):
    from .factories import make_process
    sirpa, anna = api_register(app, is_supervisor=True), api_register(app)
    line = "Ohjaamasi työnohjausprosessit päättyvät"   # "The supervision processes you run end"
    assert line not in sirpa.client.get("/account/delete").get_data(as_text=True)
    make_process(sirpa.uid, anna.uid, app=app)
    assert line in sirpa.client.get("/account/delete").get_data(as_text=True)
    assert line not in anna.client.get("/account/delete").get_data(as_text=True)
