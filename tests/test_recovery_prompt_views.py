"""The recovery-key prompt: on every signed-in page while the account's recovery key is not
confirmed (a region with a heading, leading to the new-key page with the way back), gone once
it is; Settings always offers a new key; the new-key page itself."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from .factories import api_register, b64u

PROMPT = "data-recovery-prompt"
PAGES = ["/journal/", "/journal/new", "/account/", "/journal/local"]


def _html(person, path: str, **kw) -> str:
    response = person.client.get(path, **kw)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _prompt_link(html: str) -> str:
    section = re.search(rf"<section[^>]*{PROMPT}.*?</section>", html, re.S)
    assert section, "no recovery prompt on the page"
    assert 'aria-labelledby="recovery-prompt-title"' in section.group(0)
    assert re.search(r'<h2 id="recovery-prompt-title">', section.group(0))
    assert "<dialog" not in section.group(0)
    return unescape(re.search(r'href="([^"]+)"', section.group(0)).group(1))


@pytest.fixture
def anna(app):
    return api_register(app, display_name="Anna")


@pytest.mark.parametrize("path", PAGES)
def test_the_prompt_is_on_every_signed_in_page_until_confirmed(app, anna, path):
    link = urlsplit(_prompt_link(_html(anna, path)))
    assert link.path == "/account/recovery-key"
    assert parse_qs(link.query)["next"] == [path]      # back where the person was

    response = anna.post("/me/recovery/confirmed",
                         {"recovery_auth_key": b64u(anna.recovery_auth_key)})
    assert response.status_code == 204
    assert PROMPT not in _html(anna, path)


def test_the_prompt_returns_to_the_page_without_its_query(app, anna):
    # The page's path only: an attacker's query string is not echoed next to the page's
    # secrets (BREACH; security.return_path).
    link = urlsplit(_prompt_link(_html(anna, "/journal/?q=x")))
    assert parse_qs(link.query)["next"] == ["/journal/"]


def test_not_on_the_new_key_page_the_unlock_page_or_kept_shells(app, anna, client):
    assert PROMPT not in _html(anna, "/account/recovery-key")
    assert PROMPT not in _html(anna, "/unlock")
    # the pages the service worker keeps for offline use carry no prompt that would go stale
    assert PROMPT not in _html(anna, "/journal/new", headers={"X-Valitila-Shell": "1"})
    for path in ("/", "/login", "/signup", "/recover"):          # signed out: nothing
        assert PROMPT not in client.get(path).get_data(as_text=True)


def test_the_new_key_page(app, anna):
    html = _html(anna, "/account/recovery-key?next=/journal/new")
    assert "data-js-new-recovery" in html and 'data-next="/journal/new"' in html
    assert 'id="current_password"' in html and 'autocomplete="current-password"' in html
    assert "data-recovery-confirm" in html                     # the key step, hidden
    # no way out to another origin
    html = _html(anna, "/account/recovery-key?next=//evil.example/")
    assert 'data-next="/journal/"' in html
    assert 'data-next="/account/"' in _html(anna, "/account/recovery-key")


def test_settings_always_offers_a_new_key(app, anna):
    html = _html(anna, "/account/")
    assert 'href="/account/recovery-key"' in html and "data-new-recovery-link" in html
    assert "not been saved yet" in html or "ei ole vielä tallennettu" in html
    anna.post("/me/recovery/confirmed", {"recovery_auth_key": b64u(anna.recovery_auth_key)})
    html = _html(anna, "/account/")
    assert 'href="/account/recovery-key"' in html and PROMPT not in html
    assert "ei ole vielä tallennettu" not in html and "not been saved yet" not in html
