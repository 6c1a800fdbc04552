"""The journal page's chrome is rendered once per kind of page and kept (webapp/chrome.py):
the page is the same text render_template makes, and nothing of one person or one request
reaches another: each page carries its own reader's uid and lock delay, its own freshly
masked CSRF tokens (each unmasks to that session's token), its own way back, its reader's
language and role; pages that read anything else are not cached."""
from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import render_template
from flask_login import login_user
from jinja2 import ChoiceLoader, DictLoader

from webapp import chrome
from webapp import journal as journal_views
from webapp.extensions import db
from webapp.guards import unmask_token
from webapp.models import User

from .factories import api_register
from .test_views import assert_page, parse, sealed_of

TOKENS = re.compile(r'(<meta name="csrf-token" content="|name="csrf_token" value=")([^"]+)')
HOOK = "data-js-process-sync"


def _confirm(app, person, **changes) -> None:
    """The recovery key counted as saved (else the prompt makes the page uncacheable), and
    any other column changes."""
    with app.app_context():
        user = db.session.get(User, person.uid)
        user.recovery_confirmed_at = datetime.now(UTC)
        for name, value in changes.items():
            setattr(user, name, value)
        db.session.commit()


def _with_preloads(html: str) -> str:
    """The page as preload.add_preloads finishes it (in a request context)."""
    from webapp import preload

    body = html.encode()
    head_end = body.find(preload.HEAD_END)
    links = preload.preload_links(preload.page_hooks(body, head_end))
    return (body[:head_end] + links + body[head_end:]).decode()


def _cache(app) -> dict:
    return app.extensions.setdefault("valitila_chrome", {})


def _tokens(html: str) -> list[str]:
    return [unescape(m.group(2)) for m in TOKENS.finditer(html)]


def _masked(html: str) -> str:
    return TOKENS.sub(r"\1TOKEN", html)


def _raw(masked: str) -> str:
    """The session token inside a masked page token (unmasked, then the signed value's
    payload: Flask-WTF signs the session's token with a timestamp)."""
    payload = unmask_token(masked).split(".")[0]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _session_token(person) -> str:
    with person.client.session_transaction() as session:
        return session["csrf_token"]


@pytest.fixture(autouse=True)
def _empty_cache(app):
    _cache(app).clear()
    yield
    _cache(app).clear()


@pytest.fixture
def anna(app):
    person = api_register(app, "anna@example.fi", display_name="Anna Aalto")
    _confirm(app, person, lock_minutes=7)
    return person


@pytest.fixture
def bertta(app):
    person = api_register(app, "bertta@example.fi", display_name="Bertta Berg",
                          is_supervisor=True)
    _confirm(app, person, lock_minutes=45)
    return person


def test_the_page_is_what_render_template_makes(app, anna, monkeypatch):
    for n in range(3):
        anna.write(f"Otsikko {n}", "Teksti")
    renders = []
    real = chrome._render_chrome
    monkeypatch.setattr(chrome, "_render_chrome", lambda *a: renders.append(1) or real(*a))
    cached = [anna.client.get("/journal/").get_data(as_text=True) for _ in range(3)]
    assert len(_cache(app)) == 1 and all(e.parts for e in _cache(app).values())
    assert len(renders) == 1  # rendered once, then reused
    _plain(monkeypatch)
    plain = anna.client.get("/journal/").get_data(as_text=True)
    assert _masked(cached[0]) == _masked(plain) == _masked(cached[1])
    assert_page(anna.client.get("/journal/?next=/account/"))


@pytest.fixture
def cecilia(app):
    person = api_register(app, "cecilia@example.fi", display_name="Cecilia Corander")
    _confirm(app, person, lock_minutes=12, timezone="Europe/Stockholm")
    return person


def test_each_reader_gets_their_own_uid_lock_delay_and_role(app, anna, bertta, cecilia):
    for person in (anna, bertta, cecilia):
        person.write("Otsikko", "Teksti")
    pages = {}
    for person in (anna, cecilia, bertta, anna, cecilia, bertta):
        pages[person.uid] = person.client.get("/journal/").get_data(as_text=True)
    for person, minutes in ((anna, 7), (bertta, 45), (cecilia, 12)):
        page = pages[person.uid]
        assert f'<meta name="valitila-user" content="{person.uid}">' in page
        assert f'<meta name="valitila-lock-minutes" content="{minutes}">' in page
        zone = "Europe/Stockholm" if person is cecilia else "Europe/Helsinki"
        assert f'<meta name="valitila-zone" content="{zone}">' in page    # scripts' times
        others = [p for p in (anna, bertta, cecilia) if p is not person]
        assert not any(other.uid in page for other in others)
        assert [sealed_of(card)["envelope"]["recipient"] for card in assert_page_cards(page)
                ] == [person.uid]
    assert HOOK in pages[bertta.uid]  # the supervisor's nav, not cached for the others
    assert HOOK not in pages[anna.uid] and HOOK not in pages[cecilia.uid]
    assert len(_cache(app)) == 2  # one chrome per role, none per person


def assert_page_cards(html: str):
    from .test_views import parse

    return parse(html).find("ol", id="entry-list").find_all("article", data_js_sealed=True)


def test_every_response_masks_each_csrf_token_anew(app, anna, bertta):
    pages = [anna.client.get("/journal/").get_data(as_text=True) for _ in range(3)]
    tokens = [t for page in pages for t in _tokens(page)]
    assert len(tokens) == 6 and len(set(tokens)) == 6  # meta + language form, per response
    assert {_raw(t) for t in tokens} == {_session_token(anna)}
    other = _tokens(bertta.client.get("/journal/").get_data(as_text=True))
    assert {_raw(t) for t in other} == {_session_token(bertta)} != {
        _session_token(anna)}
    # and a token from the page works for a form post of this session
    response = anna.client.post("/language", data={"csrf_token": tokens[-1], "locale": "en",
                                                   "next": "/journal/"})
    assert response.status_code == 302


def test_the_language_form_returns_to_this_request_escaped(app, anna):
    first = anna.client.get("/journal/").get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/journal/">' in first
    second = anna.client.get("/journal/?next=/account/").get_data(as_text=True)
    assert ('<input type="hidden" name="next" value="/journal/?next=%2Faccount%2F">'
            in second)
    hostile = anna.client.get('/journal/?next=/"><script>').get_data(as_text=True)
    assert "<script>" not in hostile.split("<body", 1)[1]
    assert '<input type="hidden" name="next" value="/journal/">' in hostile
    assert len(_cache(app)) == 1


@pytest.mark.parametrize("locale, word", [("fi", "Päiväkirja"), ("sv", "Dagbok"),
                                          ("en", "Journal")])
def test_the_language_is_the_readers(app, anna, bertta, locale, word):
    _confirm(app, anna, locale=locale)
    _confirm(app, bertta, locale="fi" if locale != "fi" else "sv")
    for _ in range(2):
        a = anna.client.get("/journal/").get_data(as_text=True)
        b = bertta.client.get("/journal/").get_data(as_text=True)
        assert f'<html lang="{locale}">' in a and f'<html lang="{locale}">' not in b
        assert f"<title>{word} · Välitila</title>" in a


def test_the_recovery_prompt_page_is_rendered_in_full(app, anna):
    _confirm(app, anna, recovery_confirmed_at=None)
    html = anna.client.get("/journal/?next=/account/").get_data(as_text=True)
    assert "data-recovery-prompt" in html
    link = unescape(re.search(r'<a class="button button-primary" href="(/account/[^"]+)"',
                              html).group(1))
    assert parse_qs(urlsplit(link).query)["next"] == ["/journal/?next=%2Faccount%2F"]
    assert not _cache(app)


def test_a_shell_fetch_has_its_own_chrome(app, anna):
    page = anna.client.get("/journal/").get_data(as_text=True)
    shell = anna.client.get("/journal/", headers={"X-Valitila-Shell": "1"}
                            ).get_data(as_text=True)
    assert len(_cache(app)) == 2
    assert _masked(page) == _masked(shell)  # signed in: the header changes nothing here


LEAKY = {
    "leaky/email.html": '{% extends "base.html" %}{% block title %}{{ current_user.email }}'
                        "{% endblock %}{% block content %}x{% endblock %}",
    "leaky/view.html": '{% extends "base.html" %}{% block title %}{{ secret }}{% endblock %}'
                       "{% block content %}x{% endblock %}",
    "leaky/args.html": '{% extends "base.html" %}{% block title %}{{ request.args.q }}'
                       "{% endblock %}{% block content %}x{% endblock %}",
    "leaky/quoted.html": '{% extends "base.html" %}{% block title %}'
                         "{{ return_path()|urlencode }}{% endblock %}"
                         "{% block content %}x{% endblock %}",
    "plain/ok.html": '{% extends "base.html" %}{% block title %}Ok{% endblock %}'
                     "{% block content %}{{ secret }}{% endblock %}",
}


@pytest.fixture
def leaky_templates(app):
    original = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader(LEAKY), original])
    app.jinja_env.cache.clear()
    yield
    app.jinja_env.loader = original
    app.jinja_env.cache.clear()


@pytest.mark.parametrize("name", ["leaky/email.html", "leaky/view.html", "leaky/args.html",
                                  "leaky/quoted.html"])
def test_a_chrome_that_reads_anything_else_is_never_cached(app, anna, bertta,
                                                           leaky_templates, name):
    for person, secret in ((anna, "anna-secret"), (bertta, "bertta-secret")):
        with app.test_request_context("/journal/?q=" + secret):
            login_user(db.session.get(User, person.uid))
            html = chrome.render_page(name, secret=secret)
            assert _masked(html) == _masked(render_template(name, secret=secret))
            assert "vtchromehole" not in html
            other = "bertta" if secret.startswith("anna") else "anna"
            assert f"{other}@example.fi" not in html and f"{other}-secret" not in html
    assert _cache(app) and all(not entry.parts for entry in _cache(app).values())  # remembered


def test_the_content_block_is_rendered_per_request(app, anna, leaky_templates):
    for secret in ("first<&>", "second"):
        with app.test_request_context("/journal/"):
            login_user(db.session.get(User, anna.uid))
            html = chrome.render_page("plain/ok.html", secret=secret)
            plain = render_template("plain/ok.html", secret=secret)
            # the response hook would add the preloads: the cached page has them already
            assert _masked(html) == _masked(_with_preloads(plain))
            assert "modulepreload" in html and "modulepreload" not in plain
            assert ("first&lt;&amp;&gt;" if secret.startswith("first") else secret) in html
    assert len(_cache(app)) == 1 and next(iter(_cache(app).values())).parts


# -- the supervisor's pages (issue 9): the home, a process page, a supervisee's shared list --

@pytest.fixture
def supervision(app, anna, bertta):
    """Bertta supervises Anna in a named process with a year of sessions; Anna shares two
    entries with her through it. Returns the pages of both sides."""
    from datetime import timedelta

    from .factories import add_session, make_process
    from .test_home_views import share
    from .test_processes_views import name_process, share_name

    pid = make_process(bertta.uid, anna.uid, status="active", app=app)
    share_name(bertta, name_process(bertta, pid, "Salainen Työpaikka Oy"), anna, pid)
    start = datetime.now(UTC).replace(microsecond=0)
    for n in range(-3, 9):
        add_session(pid, start + timedelta(days=14 * n, hours=1), app=app)
    for n in range(2):
        share(anna, anna.write(f"Jaettu {n}", "Teksti"), bertta, pid)
    return ["/home/", f"/processes/{pid}", f"/processes/{pid}?sessions=all",
            f"/processes/{pid}/people/{anna.uid}/shared"]


def _plain(monkeypatch):
    """Every view renders through render_template, as before the cache."""
    from webapp import home, processes, sharing

    for module in (home, processes, sharing):
        monkeypatch.setattr(module, "render_page", render_template)
    for module in (journal_views, sharing, home, processes):
        monkeypatch.setattr(module, "render_memo_page",
                            lambda name, _memo, build, until=None: render_template(
                                name, **build()))


@pytest.mark.parametrize("who", ["supervisor", "supervisee"])
def test_the_supervision_pages_are_what_render_template_makes(app, anna, bertta, supervision,
                                                              monkeypatch, who):
    person = bertta if who == "supervisor" else anna
    cached = {path: [person.client.get(path).get_data(as_text=True) for _ in range(2)]
              for path in supervision}
    endpoints = {key[4] for key, entry in _cache(app).items() if entry.parts}
    assert endpoints == {"home.index", "processes.show", "sharing.supervisee_shared"}
    assert len(_cache(app)) == 3  # one chrome per page kind (?sessions=all shares one)
    _plain(monkeypatch)
    for path, pages in cached.items():
        plain = person.client.get(path).get_data(as_text=True)
        assert _masked(pages[0]) == _masked(plain) == _masked(pages[1]), path
        assert "vtchromehole" not in plain
        assert_page(person.client.get(path))


def test_the_supervision_pages_carry_their_own_reader_and_tokens(app, anna, bertta,
                                                                 supervision):
    for _ in range(2):
        for person, minutes in ((anna, 7), (bertta, 45)):
            for path in supervision:
                page = person.client.get(path).get_data(as_text=True)
                head = page.split("<body", 1)[0]
                assert f'<meta name="valitila-user" content="{person.uid}">' in head, path
                assert f'<meta name="valitila-lock-minutes" content="{minutes}">' in head
                other = bertta if person is anna else anna
                assert other.uid not in head
                tokens = _tokens(page)
                assert len(tokens) == 2 and len(set(tokens)) == 2
                assert {_raw(t) for t in tokens} == {_session_token(person)}
                assert (HOOK in page) == (person is bertta)  # the supervisor's nav only
                assert f'<input type="hidden" name="next" value="{path.split("?")[0]}">' in page


def test_a_template_that_imports_outside_its_blocks_is_not_cached(app, anna, leaky_templates):
    name = "plain/imports.html"
    LEAKY[name] = ('{% extends "base.html" %}{% from "processes/_labels.html" import '
                   'status_name %}{% block title %}Ok{% endblock %}'
                   '{% block content %}{{ status_name("active") }}{% endblock %}')
    app.jinja_env.cache.clear()
    try:
        with app.test_request_context("/journal/"):
            login_user(db.session.get(User, anna.uid))
            html = chrome.render_page(name)
            assert _masked(html) == _masked(render_template(name))
            assert "Aktiivinen" in html or "Active" in html
        assert _cache(app) and all(not entry.parts for entry in _cache(app).values())
    finally:
        LEAKY.pop(name)


# -- the journal's content kept per the rows it read (chrome.render_memo_page) ------------------

def _memo(app):
    store = app.extensions.get("valitila_memo")
    return store.entries if store is not None else {}


@pytest.fixture
def builds(monkeypatch):
    """How many times the journal built its cards (a memo miss)."""
    calls = []
    real = journal_views._cards
    monkeypatch.setattr(journal_views, "_cards", lambda page: calls.append(1) or real(page))
    return calls


def test_an_unchanged_journal_page_is_not_built_again_and_is_the_same_page(app, anna, builds,
                                                                           monkeypatch):
    _memo(app).clear()
    for n in range(3):
        anna.write(f"Otsikko {n}", "Teksti")
    pages = [anna.client.get("/journal/").get_data(as_text=True) for _ in range(3)]
    assert len(builds) == 1 and len(_memo(app)) == 1
    _plain(monkeypatch)
    plain = anna.client.get("/journal/").get_data(as_text=True)
    assert _masked(pages[0]) == _masked(pages[2]) == _masked(plain)
    assert pages[1].count("data-js-sealed ") == 3


def test_any_change_to_the_page_builds_it_anew(app, anna, builds):
    """Writing, editing (a new rev: new ciphertext), deleting: each changes the rows the page
    reads, so the next page is built from them; the memo is never asked whether it is stale."""
    first = anna.write("Eka", "Teksti")
    seen = []

    def page():
        html = anna.client.get("/journal/").get_data(as_text=True)
        seen.append([(c["id"], c["rev"], c["sealed"]["ct"]) for c in map(
            sealed_of, assert_page_cards(html))])
        return seen[-1]

    assert [card[0] for card in page()] == [first]
    second = anna.write("Toka", "Teksti")
    assert [card[0] for card in page()] == [second, first]
    item_id, body = anna.seal({"title": "Eka muokattu", "body": "Uusi", "tags": []},
                              item_id=first, rev=2)
    assert anna.put(f"/items/{first}", body).status_code == 200
    edited = page()
    assert edited[1][:2] == (first, 2) and edited[1][2] != seen[-2][1][2]
    assert anna.delete(f"/items/{second}").status_code in (200, 204)
    assert [card[0] for card in page()] == [first]
    assert len(builds) == 4 and page() == seen[-2] and len(builds) == 4


def test_the_memo_keys_on_language_zone_and_reader(app, anna, cecilia, builds):
    anna.write("Otsikko", "Teksti")
    cecilia.write("Rubrik", "Text")
    fi = anna.client.get("/journal/").get_data(as_text=True)
    anna.client.post("/language", data={"locale": "sv", "csrf_token": _tokens(fi)[0],
                                        "next": "/journal/"})
    sv = anna.client.get("/journal/").get_data(as_text=True)
    assert "Merkintä " in fi and "Anteckning " in sv and len(builds) == 2
    cecilia_page = cecilia.client.get("/journal/").get_data(as_text=True)
    assert anna.uid not in cecilia_page and len(builds) == 3
    _confirm(app, anna, timezone="America/New_York")
    anna.client.get("/journal/")
    assert len(builds) == 4  # the same rows in another zone: dated anew


def test_the_memo_is_bounded_and_can_be_turned_off(app, anna, builds):
    anna.write("Otsikko", "Teksti")
    old = app.config["PAGE_MEMO_ENTRIES"]
    try:
        app.config["PAGE_MEMO_ENTRIES"] = 0
        for _ in range(2):
            anna.client.get("/journal/")
        assert len(builds) == 2
        app.config["PAGE_MEMO_ENTRIES"] = 2
        for n in range(4):
            anna.write(f"Lisää {n}", "Teksti")
            anna.client.get("/journal/")
        assert len(_memo(app)) == 2
    finally:
        app.config["PAGE_MEMO_ENTRIES"] = old


# -- a supervisee's shared list, kept the same way ---------------------------------------------

def test_the_shared_list_is_built_again_whenever_what_it_shows_changes(app, anna, bertta,
                                                                       monkeypatch):
    """The supervisor's view of what Anna shares is kept per the rows it read, the process's
    name and whose side the reader is on: sharing, changing a share's mark, renaming the
    process and revoking each build it anew; Anna's own view of it is a page of its own."""
    from webapp import sharing as sharing_views

    from .factories import make_process
    from .test_home_views import share
    from .test_processes_views import name_process, sealed_attrs

    calls = []
    real = sharing_views._shared_cards
    monkeypatch.setattr(sharing_views, "_shared_cards",
                        lambda view: calls.append(1) or real(view))
    _memo(app).clear()
    pid = make_process(bertta.uid, anna.uid, status="active", app=app)
    path = f"/processes/{pid}/people/{anna.uid}/shared"
    first = anna.write("Eka", "Teksti")
    share(anna, first, bertta, pid)

    def page(person=bertta):
        html = person.client.get(path).get_data(as_text=True)
        cards = parse(html).find("ol", class_="entry-list").find_all("article",
                                                                      data_js_sealed=True)
        return html, [sealed_of(card)["id"] for card in cards]

    assert page()[1] == [first] and page()[1] == [first] and len(calls) == 1
    second = anna.write("Toka", "Teksti")
    share(anna, second, bertta, pid)
    assert page()[1] == [second, first] and len(calls) == 2
    share(anna, first, bertta, pid, bring=True)            # marked: first in the list
    assert page()[1] == [first, second] and len(calls) == 3
    html, _ = page()
    assert len(calls) == 3 and "data-sealed" not in html.split("<ol", 1)[0].split("<h1", 1)[1]
    name_process(bertta, pid, "Salainen Työpaikka Oy")    # her own: she holds its key
    named, _ = page()
    assert len(calls) == 4 and named.count("data-sealed") == 3   # the name and two cards
    own, ids = page(anna)
    assert ids == [first, second] and len(calls) == 5 and own != named
    assert anna.delete(f"/items/{second}/envelopes/{bertta.uid}").status_code == 204
    assert page()[1] == [first] and len(calls) == 6
    # an edit of a shared entry (an item of no process) changes what the supervisor opens
    _, body = anna.seal({"title": "Eka muokattu", "body": "Uusi", "tags": []},
                        item_id=first, rev=2)
    assert anna.put(f"/items/{first}", body).status_code == 200
    edited, _ = page()
    assert len(calls) == 7 and sealed_attrs(edited)[-1]["rev"] == 2
    _plain(monkeypatch)
    plain, _ = page()
    assert _masked(plain) == _masked(bertta.client.get(path).get_data(as_text=True))
