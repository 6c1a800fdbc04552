"""Server-rendered pages: landmarks, sealed data attributes, fragments, forms, language,
security headers, cookies and the no-inline-code rule of the CSP."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import protocol

from .factories import api_register, csrf_from, fast_account
from .helpers import Person

# A copy on purpose: weakening the policy in webapp/security.py must fail a test.
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
HSTS = "max-age=63072000; includeSubDomains"


# -- a small DOM from html.parser ----------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def matches(self, tag: str | None, attrs: dict) -> bool:
        """attrs: data_js_x=True (present), class_="a" (one of the classes), name=value."""
        if tag is not None and self.tag != tag:
            return False
        for key, want in attrs.items():
            name = key[:-1] if key.endswith("_") else key.replace("_", "-")
            if name not in self.attrs:
                return False
            value = self.attrs[name]
            if want is True:
                continue
            if name == "class" and want in (value or "").split():
                continue
            if value != want:
                return False
        return True

    def find_all(self, tag: str | None = None, **attrs) -> list[Element]:
        found = []
        for child in self.children:
            if child.matches(tag, attrs):
                found.append(child)
            found.extend(child.find_all(tag, **attrs))
        return found

    def find(self, tag: str | None = None, **attrs) -> Element:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag or '*'} {attrs}>"
        return found[0]

    def by_id(self, ident: str) -> Element:
        return self.find(id=ident)

    def all_text(self) -> str:
        return self.text + "".join(c.all_text() for c in self.children)


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].text += data


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def assert_clean_markup(html: str) -> Element:
    """No inline script bodies, <style> blocks, style= attributes or on*= handlers; every
    script and stylesheet from this origin with an integrity hash."""
    doc = parse(html)
    everything = doc.find_all()
    for element in everything:
        for name in element.attrs:
            assert name != "style", f"style= on <{element.tag}>"
            assert not name.startswith("on"), f"{name}= on <{element.tag}>"
        for name in ("href", "src", "action", "formaction"):
            value = (element.attrs.get(name) or "").strip().lower()
            assert not value.startswith("javascript:"), f"{name}={value} on <{element.tag}>"
    for script in doc.find_all("script"):
        assert script.attrs.get("src"), "a <script> without src"
        assert not script.all_text().strip(), "an inline <script> body"
        assert urlsplit(script.attrs["src"]).netloc == "", "a third-party script"
        assert (script.attrs.get("integrity") or "").startswith("sha384-")
    assert not doc.find_all("style"), "a <style> block"
    for link in doc.find_all("link", rel="stylesheet"):
        assert (link.attrs.get("integrity") or "").startswith("sha384-")
    return doc


def assert_page(response, status: int = 200) -> Element:
    assert response.status_code == status, (response.status_code,
                                            response.get_data(as_text=True)[:300])
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    doc = assert_clean_markup(html)
    assert html.lstrip().lower().startswith("<!doctype html>")
    html_el = doc.find("html")
    assert html_el.attrs.get("lang") in ("fi", "sv", "en")
    assert doc.find("title").all_text().strip()
    assert doc.find("main", id="main")
    return doc


def sealed_of(element: Element) -> dict:
    return json.loads(element.attrs["data-sealed"])


# -- fixtures ------------------------------------------------------------------------------------

@pytest.fixture
def anna(app) -> Person:
    return api_register(app, "anna@example.fi", display_name="Anna Aalto")


PLAIN_TITLE = "Ihan salainen otsikko"
PLAIN_BODY = "Tätä tekstiä palvelin ei saa koskaan nähdä"


# -- pages render ----------------------------------------------------------------------------------

def test_landing_page(client):
    doc = assert_page(client.get("/"))
    hrefs = {a.attrs.get("href") for a in doc.find_all("a")}
    assert {"/signup", "/login"} <= hrefs
    assert doc.find("meta", name="csrf-token").attrs["content"]
    assert not doc.find_all("meta", name="valitila-user")


def test_landing_redirects_a_signed_in_user_to_the_journal(anna):
    response = anna.client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/journal/"


@pytest.mark.parametrize("path, hook, form", [
    ("/login", "data-js-login", "data-login-form"),
    ("/signup", "data-js-signup", "data-signup-form"),
    ("/recover", "data-js-recover", "data-recover-form"),
])
def test_auth_pages(client, path, hook, form):
    doc = assert_page(client.get(path))
    section = doc.find(**{hook.replace("-", "_"): True})
    assert section.find("form", **{form.replace("-", "_"): True})
    assert doc.find("input", id="email")
    assert_secrets_never_submit(doc)


def assert_secrets_never_submit(doc: Element) -> None:
    """Password and recovery-key fields have no name: a native submit cannot send them."""
    secret = doc.find_all("input", type="password") + doc.find_all("input", id="recovery_key")
    for field_ in secret:
        assert "name" not in field_.attrs, field_.attrs


def test_login_page_keeps_a_local_next(client):
    doc = assert_page(client.get("/login?next=/journal/new"))
    assert doc.find(data_js_login=True).attrs["data-next"] == "/journal/new"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil.example",
                                    "/\t/evil.example", "/\n/evil.example"])
def test_login_page_refuses_a_foreign_next(client, target):
    """The sign-in behaviour navigates to data-next after signing in."""
    doc = assert_page(client.get("/login", query_string={"next": target}))
    seen = _browser_target(doc.find(data_js_login=True).attrs["data-next"])
    assert urlsplit(seen).netloc == "" and seen.startswith("/") and not seen.startswith("//"), \
        f"{target!r} → {seen!r}"


def test_signup_redirects_a_signed_in_user(anna):
    assert anna.client.get("/signup").status_code == 302


def test_unlock_page(anna):
    doc = assert_page(anna.client.get("/unlock"))
    assert doc.find(data_js_unlock=True).attrs["data-email"] == "anna@example.fi"
    assert_secrets_never_submit(doc)
    body = doc.find("body")
    assert "data-js-idle-lock" not in body.attrs       # the lock page does not lock itself


def test_journal_empty_state(anna):
    doc = assert_page(anna.client.get("/journal/"))
    assert doc.find("section", class_="empty-state")
    assert not doc.find_all("ol", id="entry-list")
    assert not doc.find_all(data_sealed=True)
    assert doc.find("meta", name="valitila-user").attrs["content"] == anna.uid
    assert "data-js-idle-lock" in doc.find("body").attrs
    assert doc.find("body").attrs.get("hx-history") == "false"


def test_journal_lists_sealed_entries_only_as_ciphertext(anna):
    ids = [anna.write(f"{PLAIN_TITLE} {n}", PLAIN_BODY) for n in range(3)]
    response = anna.client.get("/journal/")
    html = response.get_data(as_text=True)
    doc = assert_page(response)
    assert not doc.find_all("section", class_="empty-state")
    cards = doc.find("ol", id="entry-list").find_all("li", class_="entry-card")
    assert len(cards) == 3
    sealed = [sealed_of(card.find("article", data_js_sealed=True)) for card in cards]
    assert [s["id"] for s in sealed] == list(reversed(ids))       # newest first
    for data in sealed:
        from_api = anna.get(f"/items/{data['id']}").get_json()
        assert data == from_api                       # exactly the API's item for this reader
        assert data["envelope"]["recipient"] == anna.uid
        assert anna.open(data)["body"] == PLAIN_BODY  # and it opens with the reader's keys
    assert PLAIN_TITLE not in html and PLAIN_BODY not in html


def test_journal_pages_with_htmx_fragments(app, anna):
    page_size = app.config["PAGE_SIZE"]
    ids = [anna.write() for _ in range(page_size + 5)]
    response = anna.client.get("/journal/")
    assert "HX-Request" in response.headers.get("Vary", "")
    doc = assert_page(response)
    assert len(doc.find_all("li", class_="entry-card")) == page_size
    more = doc.find("li", id="load-more").find("a")
    cursor_url = more.attrs["hx-get"]
    assert more.attrs["href"] == cursor_url and "before=" in cursor_url

    fragment = anna.client.get(cursor_url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and "<body" not in text and "<head" not in text
    frag = parse(text)
    cards = frag.find_all("li", class_="entry-card")
    assert len(cards) == 5 and not frag.find_all("li", id="load-more")
    seen = [sealed_of(c.find("article"))["id"] for c in doc.find_all("li", class_="entry-card")]
    seen += [sealed_of(c.find("article"))["id"] for c in cards]
    assert sorted(seen) == sorted(ids) and len(set(seen)) == len(ids)
    assert_clean_markup(text)

    full = anna.client.get(cursor_url)                 # the same URL without htmx: a page
    doc = assert_page(full)
    assert len(doc.find_all("li", class_="entry-card")) == 5


def test_journal_bad_cursor_is_a_400_page(anna):
    assert_page(anna.client.get("/journal/?before=%21%21"), 400)


def test_journal_show_edit_and_new(anna):
    item_id = anna.write(PLAIN_TITLE, PLAIN_BODY)
    from_api = anna.get(f"/items/{item_id}").get_json()
    show = anna.client.get(f"/journal/{item_id}")
    doc = assert_page(show)
    article = doc.find("article", data_js_sealed=True)
    assert "data-full" in article.attrs and sealed_of(article) == from_api
    assert doc.find("a", href=f"/journal/{item_id}/edit")
    assert doc.find(data_js_delete=item_id)

    doc = assert_page(anna.client.get(f"/journal/{item_id}/edit"))
    compose = doc.find("section", data_js_compose=True)
    assert sealed_of(compose) == from_api

    doc = assert_page(anna.client.get("/journal/new"))
    compose = doc.find("section", data_js_compose=True)
    assert "data-sealed" not in compose.attrs
    for page in (show, anna.client.get(f"/journal/{item_id}/edit")):
        html = page.get_data(as_text=True)
        assert PLAIN_TITLE not in html and PLAIN_BODY not in html


@pytest.mark.parametrize("path", ["/journal/not-a-uuid", "/journal/NOT-A-UUID/edit"])
def test_journal_bad_ids_are_400_pages(anna, path):
    assert_page(anna.client.get(path), 400)


def test_journal_unknown_id_is_a_404_page(anna):
    assert_page(anna.client.get("/journal/6f1c0d5e-34b4-4f83-9c55-3c8f1f0b6a11"), 404)


def app_client_anonymous_redirects(person, path: str) -> bool:
    response = person.client.application.test_client().get(path)
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_offline_shells_hold_nothing_personal(anna):
    for path, hook in (("/journal/local", "data_js_local_journal"),
                       ("/offline", "data_js_offline"), ("/unsent", "data_js_unsent")):
        response = anna.client.get(path)
        doc = assert_page(response)
        assert doc.find(**{hook: True})
        assert not doc.find_all(data_sealed=True)
    # The journal shell is a signed-in page (the worker keeps it only while signed in).
    assert app_client_anonymous_redirects(anna, "/journal/local")
    assert app_client_anonymous_redirects(anna, "/unsent")
    offline = anna.client.get("/offline").get_data(as_text=True)
    assert anna.uid not in offline and anna.email not in offline
    assert parse(offline).find("meta", name="csrf-token").attrs["content"] == ""


def test_account_page(anna):
    doc = assert_page(anna.client.get("/account/"))
    form = doc.find("form", action="/account/settings")
    assert form.attrs["method"] == "post"
    assert form.find("input", name="csrf_token").attrs["value"]
    assert form.find("input", id="display_name").attrs["value"] == "Anna Aalto"
    assert form.find("input", id="lock_minutes").attrs["value"] == "30"
    assert doc.find("form", action="/account/logout-everywhere")
    assert doc.find(data_js_change_password=True)
    assert_secrets_never_submit(doc)
    assert doc.find_all("input", type="password")
    assert "anna@example.fi" in doc.all_text()


# -- the settings form ---------------------------------------------------------------------------

def _settings(person: Person, **form):
    return person.client.post("/account/settings", data=dict(form, csrf_token=person.csrf))


def test_settings_saved(anna):
    response = _settings(anna, display_name="  Anna A.  ", lock_minutes="15")
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    me = anna.get("/me").get_json()
    assert (me["display_name"], me["lock_minutes"]) == ("Anna A.", 15)
    doc = assert_page(anna.client.get("/account/"))
    assert doc.find("p", class_="notice", role="status").all_text().strip()   # the flash
    assert doc.find("input", id="lock_minutes").attrs["value"] == "15"


@pytest.mark.parametrize("lock", ["0", "1441", "-5", "abc", "", "1.5", "99999999999999999999"])
def test_settings_bad_lock_minutes(anna, lock):
    doc = assert_page(_settings(anna, display_name="Uusi nimi", lock_minutes=lock), 400)
    field = doc.by_id("lock_minutes")
    assert field.attrs.get("aria-invalid") == "true"
    assert field.attrs["value"] == lock                       # what was typed comes back
    error = doc.by_id("lock_minutes-error")
    assert "hidden" not in error.attrs and error.all_text().strip()
    assert "aria-invalid" not in doc.by_id("display_name").attrs
    me = anna.get("/me").get_json()
    assert (me["display_name"], me["lock_minutes"]) == ("Anna Aalto", 30)   # nothing saved


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_settings_bad_name(anna, name):
    doc = assert_page(_settings(anna, display_name=name, lock_minutes="10"), 400)
    field = doc.by_id("display_name")
    assert field.attrs.get("aria-invalid") == "true"
    error = doc.by_id("display_name-error")
    assert "hidden" not in error.attrs and error.all_text().strip()
    assert "hidden" in doc.by_id("lock_minutes-error").attrs
    me = anna.get("/me").get_json()
    assert (me["display_name"], me["lock_minutes"]) == ("Anna Aalto", 30)


def test_settings_shows_every_error_at_once_in_the_users_language(anna):
    """Both fields wrong: both errors next to their fields (not only the first), in Finnish,
    with what was typed kept; the form has novalidate so the browser adds no bubbles."""
    doc = assert_page(_settings(anna, display_name="   ", lock_minutes="0"), 400)
    assert "novalidate" in doc.find("form", action="/account/settings").attrs
    for name, message in (("display_name", "Kirjoita nimesi (1–100 merkkiä)."),
                          ("lock_minutes", "Anna minuuttimäärä väliltä 1–1440.")):
        assert doc.by_id(name).attrs.get("aria-invalid") == "true", name
        assert f"{name}-error" in doc.by_id(name).attrs["aria-describedby"]
        error = doc.by_id(f"{name}-error")
        assert "hidden" not in error.attrs and error.all_text().strip() == message
    assert doc.by_id("lock_minutes").attrs["value"] == "0"
    assert doc.by_id("display_name").attrs["value"] == "   "


# -- language --------------------------------------------------------------------------------------

def _lang(response) -> str:
    return parse(response.get_data(as_text=True)).find("html").attrs["lang"]


@pytest.mark.parametrize("header, lang", [
    (None, "fi"), ("sv", "sv"), ("sv-FI,sv;q=0.9,en;q=0.5", "sv"), ("en-GB", "en"),
    ("de", "fi"), ("de, sv;q=0.1", "sv"),
])
def test_accept_language(client, header, lang):
    headers = {"Accept-Language": header} if header else {}
    response = client.get("/login", headers=headers)
    assert _lang(response) == lang
    selected = [o for o in parse(response.get_data(as_text=True)).find(
        "select", id="language-select").find_all("option") if "selected" in o.attrs]
    assert [o.attrs["value"] for o in selected] == [lang]


def test_swedish_and_finnish_pages_are_translated(client):
    root = Path(__file__).resolve().parents[1]
    if not list((root / "webapp/translations").glob("*/LC_MESSAGES/messages.mo")):
        pytest.fail("translations not compiled: run `make setup` (make test does it)")
    titles = {lang: parse(client.get("/login", headers={"Accept-Language": lang}).get_data(
        as_text=True)).find("h1").all_text().strip() for lang in ("fi", "sv", "en")}
    assert len(set(titles.values())) == 3, titles


def test_language_switch_for_a_visitor(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/language", data={"locale": "sv", "next": "/recover",
                                              "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/recover"
    assert _lang(client.get("/login")) == "sv"
    assert _lang(client.get("/login", headers={"Accept-Language": "en"})) == "sv"  # session wins


def test_language_switch_is_saved_for_a_user(app, anna):
    response = anna.client.post("/language", data={"locale": "en", "next": "/account/",
                                                   "csrf_token": anna.csrf})
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    assert anna.get("/me").get_json()["locale"] == "en"
    other_device = app.test_client()
    other_device.post("/api/v1/auth/login", json={
        "email": anna.email, "auth_key": protocol.b64u_encode(anna.auth_key)})
    assert _lang(other_device.get("/journal/", headers={"Accept-Language": "sv"})) == "en"


@pytest.mark.parametrize("locale", ["de", "", "FI", "fi-FI"])
def test_language_switch_refuses_an_unknown_locale(anna, locale):
    response = anna.client.post("/language", data={"locale": locale, "next": "/",
                                                   "csrf_token": anna.csrf})
    assert_page(response, 400)
    assert anna.get("/me").get_json()["locale"] == "fi"


def _browser_target(location: str) -> str:
    """What a browser makes of a Location value (WHATWG URL: leading/trailing C0 controls
    and spaces dropped, tabs and newlines removed, backslashes as slashes)."""
    location = location.strip("".join(map(chr, range(0x21))))
    location = re.sub(r"[\t\n\r]", "", location)
    return location.replace("\\", "/")


@pytest.mark.parametrize("target", [
    "//evil.example", "///evil.example", "https://evil.example/", "http:evil.example",
    "https:/evil.example", "/\\evil.example", "\\\\evil.example", " //evil.example",
    "javascript:alert(1)", "/\t/evil.example", "/\r\n/evil.example", "\t//evil.example",
])
def test_language_switch_refuses_open_redirects(anna, target):
    response = anna.client.post("/language", data={"locale": "sv", "next": target,
                                                   "csrf_token": anna.csrf})
    assert response.status_code == 302
    seen = _browser_target(response.headers["Location"])
    parts = urlsplit(seen)
    assert parts.scheme == "" and parts.netloc == "", f"{target!r} → {seen!r}"
    assert seen.startswith("/") and not seen.startswith("//"), f"{target!r} → {seen!r}"


def test_language_switch_keeps_a_local_next(anna):
    response = anna.client.post("/language", data={
        "locale": "sv", "next": "/journal/?before=abc", "csrf_token": anna.csrf})
    assert response.headers["Location"] == "/journal/?before=abc"


# -- headers and cookies ---------------------------------------------------------------------------

ANON_PAGES = ["/", "/login", "/signup", "/recover", "/offline", "/journal/local", "/healthz",
              "/manifest.webmanifest", "/sw.js", "/api/v1/openapi.json", "/journal/",
              "/no-such-page", "/api/v1/me", "/api/v1/no-such-endpoint"]
USER_PAGES = ["/journal/", "/journal/new", "/account/", "/unlock", "/journal/{item}",
              "/journal/{item}/edit", "/journal/?before=!!", "/api/v1/me", "/api/v1/me/keys",
              "/api/v1/items", "/api/v1/items/{item}", "/api/v1/items/nope",
              "/api/v1/users/{uid}/bundle"]


def assert_security_headers(response, *, https: bool = False) -> None:
    headers = response.headers
    where = f"{response.request.path} ({response.status_code})"
    assert headers.get("Content-Security-Policy") == CSP, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "no-referrer", where
    assert headers.get("Permissions-Policy"), where
    assert "camera=()" in headers["Permissions-Policy"], where
    assert headers.get("X-Frame-Options") == "DENY", where
    if https:
        assert headers.get("Strict-Transport-Security") == HSTS, where
    else:
        assert "Strict-Transport-Security" not in headers, where


def test_security_policy_constant_is_the_tested_one():
    from webapp import security
    assert security.CSP == CSP


def _user_paths(anna: Person) -> list[str]:
    item = anna.write()
    return [p.format(item=item, uid=anna.uid) for p in USER_PAGES]


def test_security_headers_on_every_page_and_api_response(app, anna):
    anon = app.test_client()
    responses = [anon.get(path) for path in ANON_PAGES]
    responses += [anna.client.get(path) for path in _user_paths(anna)]
    responses += [anon.post("/api/v1/auth/prelogin", json={"email": "x@example.fi"}),
                  anon.post("/api/v1/auth/login", json={}),
                  anon.post("/api/v1/auth/login", data="x", content_type="text/plain"),
                  anna.patch("/me", {"lock_minutes": 0}), anna.delete("/items/nope"),
                  anna.client.post("/language", data={"locale": "de"})]
    statuses = {r.status_code for r in responses}
    assert {200, 302, 400, 401, 404, 415} <= statuses
    for response in responses:
        assert_security_headers(response)


def test_hsts_over_https(app):
    client = app.test_client()
    for path in ("/", "/login", "/api/v1/openapi.json", "/api/v1/me", "/no-such-page"):
        response = client.get(path, base_url="https://localhost")
        assert_security_headers(response, https=True)


def test_pages_are_not_cached_but_static_files_may_be(app, anna):
    for path in ("/journal/", "/account/", "/api/v1/me"):
        assert anna.client.get(path).headers.get("Cache-Control") == "no-store"
    response = app.test_client().get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    response.close()


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie")
               if c.startswith("valitila_session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def _flags(cookie: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]} | {
        part.strip().lower() for part in cookie.split(";")[1:]}


@pytest.mark.parametrize("https", [False, True])
def test_session_cookie_flags(app, https):
    base = "https://localhost" if https else "http://localhost"
    client = app.test_client()
    page = client.get("/login", base_url=base)            # the CSRF token makes a session
    flags = _flags(_session_cookie(page))
    assert "httponly" in flags and "samesite=lax" in flags and ("secure" in flags) is https
    token = csrf_from(page.get_data(as_text=True))
    response = client.post("/language", data={"locale": "sv", "next": "/",
                                              "csrf_token": token}, base_url=base)
    flags = _flags(_session_cookie(response))
    assert "httponly" in flags and "samesite=lax" in flags and ("secure" in flags) is https


def test_session_cookie_flags_after_sign_in(app):
    response = app.test_client().post("/api/v1/auth/register",
                                      json=fast_account().registration("cookie@example.fi"))
    assert response.status_code == 201
    flags = _flags(_session_cookie(response))
    assert {"httponly", "samesite=lax", "path=/"} <= flags and "secure" not in flags


# -- every rendered page is free of inline code ----------------------------------------------------

def test_no_inline_code_on_any_page(app, anna):
    pages = [app.test_client().get(p) for p in ("/", "/login", "/signup", "/recover",
                                                "/offline", "/no-such-page")]
    pages += [anna.client.get(p) for p in _user_paths(anna)
              if not p.startswith("/api/")]
    pages.append(_settings(anna, display_name="", lock_minutes="0"))
    checked = 0
    for response in pages:
        if response.mimetype == "text/html":
            assert_clean_markup(response.get_data(as_text=True))
            checked += 1
    assert checked >= 14


def test_the_markup_checker_catches_inline_code():
    """Controls: the checker itself fails on each forbidden construct."""
    for bad in ['<script>alert(1)</script>', '<p style="color:red">x</p>',
                '<button onclick="x()">x</button>', '<style>p{}</style>',
                '<a href="javascript:alert(1)">x</a>',
                '<script src="https://cdn.example/x.js" integrity="sha384-x"></script>',
                '<script src="/static/x.js"></script>']:
        with pytest.raises(AssertionError):
            assert_clean_markup(f"<!doctype html><html><body>{bad}</body></html>")


# -- the language cookie: a choice made while signed out outlives the session -------------------

def _language_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie")
               if c.startswith("valitila_lang=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


@pytest.mark.parametrize("https", [False, True])
def test_language_switch_sets_a_year_long_lax_cookie(app, https):
    base = "https://localhost" if https else "http://localhost"
    client = app.test_client()
    token = csrf_from(client.get("/login", base_url=base).get_data(as_text=True))
    response = client.post("/language", data={"locale": "sv", "next": "/",
                                              "csrf_token": token}, base_url=base)
    cookie = _language_cookie(response)
    flags = _flags(cookie)
    assert cookie.startswith("valitila_lang=sv;")
    assert "samesite=lax" in flags and "path=/" in flags and ("secure" in flags) is https
    assert f"max-age={365 * 24 * 3600}" in flags


def test_language_chosen_signed_out_survives_sign_out(app, anna):
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/language", data={"locale": "sv", "next": "/", "csrf_token": token})
    with client.session_transaction() as session:
        session.clear()                                  # what signing out does
    assert _lang(client.get("/login", headers={"Accept-Language": "en"})) == "sv"
    # The account's own setting wins once signed in; then the session's choice; the cookie
    # only decides when neither is there.
    anna.client.set_cookie("valitila_lang", "en")
    assert _lang(anna.client.get("/journal/")) == "fi"


@pytest.mark.parametrize("cookie, header, lang", [
    ("sv", "en", "sv"), ("en", None, "en"), ("de", "sv", "sv"), ("", None, "fi"),
    ("FI", "en", "en"),
])
def test_locale_selector_reads_the_cookie_before_accept_language(client, cookie, header, lang):
    client.set_cookie("valitila_lang", cookie)
    headers = {"Accept-Language": header} if header else {}
    assert _lang(client.get("/login", headers=headers)) == lang


def test_session_choice_wins_over_the_cookie(client):
    client.set_cookie("valitila_lang", "en")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/language", data={"locale": "sv", "next": "/", "csrf_token": token})
    client.set_cookie("valitila_lang", "en")             # e.g. set in another tab earlier
    assert _lang(client.get("/login")) == "sv"


def test_signup_page_has_one_language_selector(client):
    page = parse(client.get("/signup").get_data(as_text=True))
    assert len(page.find_all("select")) == 1
    assert page.find("select", id="language-select") is not None
