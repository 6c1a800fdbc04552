"""Every page describes itself for search engines and link previews (<meta name="description">,
Lighthouse's SEO audit): a default from base.html, in the page's language; the landing page
has its own."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest


class Descriptions(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "meta" and values.get("name") == "description":
            self.found.append(values.get("content") or "")


def description(html: str) -> str:
    parser = Descriptions()
    parser.feed(html)
    assert len(parser.found) == 1, parser.found
    return parser.found[0]


@pytest.mark.parametrize("path", ["/login", "/signup", "/recover", "/offline", "/tietosuoja",
                                  "/saavutettavuus"])
def test_pages_have_the_default_description(client, path):
    text = description(client.get(path).get_data(as_text=True))
    assert "Välitila" in text and 50 <= len(text) <= 160, text


def test_landing_page_has_its_own_description(client):
    landing = description(client.get("/").get_data(as_text=True))
    default = description(client.get("/login").get_data(as_text=True))
    assert landing != default and 50 <= len(landing) <= 200, landing


def test_signed_in_pages_and_errors_have_one(proto, client):
    person = proto.register()
    assert description(person.client.get("/journal/").get_data(as_text=True))
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert description(missing.get_data(as_text=True))
