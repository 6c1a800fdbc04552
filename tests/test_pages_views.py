"""The public pages a Finnish service is expected to have (landing, privacy statement,
accessibility statement) with the operator's details from the configuration, the footer links
on every page, sign-out and install in Settings (not in the header and footer), one write
button on an empty journal, and entry links named by their title (issue 7, points 9, 12-14)."""
from __future__ import annotations

import re

import pytest

from .factories import api_register
from .test_views import assert_page, parse

OPERATOR = {"OPERATOR_NAME": "Työnohjaus Esimerkki Oy", "OPERATOR_EMAIL": "tietosuoja@esimerkki.fi",
            "OPERATOR_ADDRESS": "Esimerkkikatu 1, 00100 Helsinki"}


@pytest.fixture
def operator(app):
    before = {key: app.config.get(key) for key in OPERATOR}
    app.config.update(OPERATOR)
    yield OPERATOR
    app.config.update(before)


TITLES = {  # (page, language) -> the <h1>
    ("/tietosuoja", "fi"): "Tietosuojaseloste",
    ("/tietosuoja", "sv"): "Dataskyddsbeskrivning",
    ("/tietosuoja", "en"): "Privacy statement",
    ("/saavutettavuus", "fi"): "Saavutettavuusseloste",
    ("/saavutettavuus", "sv"): "Tillgänglighetsutlåtande",
    ("/saavutettavuus", "en"): "Accessibility statement",
}


@pytest.mark.parametrize(("path", "lang"), list(TITLES))
def test_statements_in_each_language_with_the_operator(client, operator, path, lang):
    doc = assert_page(client.get(path, headers={"Accept-Language": lang}))
    assert doc.find("html").attrs["lang"] == lang
    assert doc.find("h1").all_text().strip() == TITLES[(path, lang)]
    text = doc.find("main").all_text()
    for value in OPERATOR.values():
        assert value in text
    assert doc.find("a", href=f"mailto:{OPERATOR['OPERATOR_EMAIL']}")


def test_privacy_statement_says_what_is_plain_what_is_sealed_and_the_rights(client, app):
    html = client.get("/tietosuoja").get_data(as_text=True)
    for needle in ("Sähköpostiosoitteesi", "256 tavuun", "”Firefox · Windows”", "lokiinsa",
                   "Tietoturvatapahtumat", "salataan selaimessasi",
                   f"{int(app.config['SESSION_IDLE_DAYS'])} päivän",
                   f"{int(app.config['SESSION_MAX_DAYS'])} päivää",
                   "Oikeus tietojen poistamiseen", "Oikeus siirtää tiedot",
                   "Oikeus tietojen oikaisemiseen", "tietosuojavaltuutetulle", "tietosuoja@om.fi"):
        assert needle in html, needle


def test_accessibility_statement_names_conformance_gaps_and_the_authority(client):
    html = client.get("/saavutettavuus").get_data(as_text=True)
    for needle in ("täyttää WCAG 2.1\u00a0-kriteeristön AA-tason vaatimukset osittain",
                   "Tunnetut puutteet", "14 päivän", "Liikenne- ja viestintävirasto Traficom",
                   "saavutettavuusvaatimukset.fi", "1. joulukuuta 2026"):
        assert needle in html, needle


def test_without_operator_details_the_pages_say_so(client):
    for path in ("/", "/tietosuoja", "/saavutettavuus"):
        html = client.get(path).get_data(as_text=True)
        assert "ei ole vielä lisännyt nimeään ja yhteystietojaan" in html, path


def test_landing_page_explains_the_service_and_links_the_statements(client, operator):
    doc = assert_page(client.get("/"))
    main = doc.find("main")
    text = main.all_text()
    for needle in ("Ei terapiaa", "Ei potilas- eikä asiakasrekisteri", "Työnohjattavalle",
                   "Työnohjaajalle", "Mikä pysyy yksityisenä ja miksi",
                   OPERATOR["OPERATOR_NAME"]):
        assert needle in text, needle
    assert len(main.find_all("ol", class_="steps")) == 2
    assert all(len(ol.find_all("li")) == 3 for ol in main.find_all("ol", class_="steps"))
    assert main.find("a", href="/tietosuoja") and main.find("a", href="/saavutettavuus")


def test_landing_headline_may_break_only_at_soft_hyphens(client):
    """The long compound of the headline carries a soft hyphen in fi and sv (browsers without
    a hyphenation dictionary would otherwise break it anywhere)."""
    for lang, word in (("fi", "työnohjaus\u00adkertojen"), ("sv", "handlednings\u00adtillfällena")):
        html = client.get("/", headers={"Accept-Language": lang}).get_data(as_text=True)
        assert word in parse(html).find("h1").all_text(), lang


@pytest.mark.parametrize("path", ["/", "/login", "/signup", "/tietosuoja", "/saavutettavuus",
                                  "/offline"])
def test_every_public_page_links_the_statements_in_its_footer(client, path):
    footer = parse(client.get(path).get_data(as_text=True)).find("footer")
    assert footer.find("a", href="/tietosuoja") and footer.find("a", href="/saavutettavuus")
    assert not footer.find_all(data_pwa_install=True), "install belongs in Settings"


def test_signed_in_pages_sign_out_and_install_only_in_settings(app):
    anna = api_register(app)
    journal = parse(anna.client.get("/journal/").get_data(as_text=True))
    assert not journal.find("header").find_all(data_js_logout=True)
    assert not journal.find_all(data_pwa_install=True)
    footer = journal.find("footer")
    assert footer.find("a", href="/tietosuoja") and footer.find_all(data_js_pwa=True)

    settings = parse(anna.client.get("/account/").get_data(as_text=True))
    assert not settings.find("header").find_all(data_js_logout=True)
    form = settings.find("form", id="logout-form")
    assert "data-js-logout" in form.attrs and form.attrs["action"] == "/logout"
    assert form.find("button", type="submit").all_text().strip() == "Kirjaudu ulos tältä laitteelta"
    assert settings.find("main").find_all(data_pwa_install=True)


def test_empty_journal_has_one_write_button(app):
    anna = api_register(app)
    main = parse(anna.client.get("/journal/").get_data(as_text=True)).find("main")
    assert len(main.find_all("a", href="/journal/new")) == 1


def test_entry_link_is_the_title_with_a_dated_fallback(app):
    anna = api_register(app)
    item_id, body = anna.seal({"title": "x", "body": "y"})
    assert anna.put(f"/items/{item_id}", body).status_code in (200, 201)
    main = parse(anna.client.get("/journal/").get_data(as_text=True)).find("main")
    card = main.find("li", class_="entry-card")
    link = card.find("a", href=f"/journal/{item_id}")
    assert not link.find_all("article"), "a link around an <article> has no name in Chromium"
    assert re.fullmatch(r"Merkintä \d{1,2}\.\d{1,2}\.\d{4}", link.all_text().strip())
    assert link.attrs.get("data-field") == "title"


def test_an_entrys_dates_are_the_readers_day(app):
    """An entry written at 22:30 UTC is on the next day in Helsinki: the card's label and its
    <time> (shown until the browser localises it) both say that day."""
    from datetime import UTC, datetime

    from sqlalchemy import update

    from webapp.extensions import db
    from webapp.models import Item
    anna = api_register(app)
    item_id, body = anna.seal({"title": "x", "body": "y"})
    assert anna.put(f"/items/{item_id}", body).status_code in (200, 201)
    with app.app_context():
        db.session.execute(update(Item).where(Item.id == item_id).values(
            created_at=datetime(2026, 12, 1, 22, 30, tzinfo=UTC)))
        db.session.commit()
    card = parse(anna.client.get("/journal/").get_data(as_text=True)).find(
        "li", class_="entry-card")
    assert card.find("a", href=f"/journal/{item_id}").all_text().strip() == "Merkintä 2.12.2026"
    time_ = card.find("time")
    assert time_.all_text().strip() == "02.12.2026"
    assert time_.attrs["datetime"] == "2026-12-01T22:30:00+00:00"
