"""Translations: complete fi/sv/en catalogues, in step with the source, placeholders intact,
and the pages and browser strings actually come out translated.

When a test here fails after a UI string changed: scripts/i18n.sh extract && scripts/i18n.sh
update, translate the new empty msgstr entries in fi and sv, then scripts/i18n.sh compile."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale

from webapp.extensions import babel
from webapp.i18n import JS_PLURALS, JS_STRINGS

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "webapp" / "translations"
LANGUAGES = ("fi", "sv", "en")
SOURCE_LANGUAGE = "en"

# %-directives as Python's % operator sees them: %(name)d, %s, %5.2f, %% ...
PERCENT_DIRECTIVE = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?"
                               r"[hlL]?(?P<type>[diouxXeEfFgGcrsa%])")


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def load(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def messages(catalog) -> list:
    """The catalogue's messages without the header entry."""
    return [m for m in catalog if m.id]


def msgids(catalog) -> set:
    return {m.id for m in messages(catalog)}


def forms(value) -> list[str]:
    """msgid/msgstr as a list: one item, or one per plural form."""
    return list(value) if isinstance(value, (list, tuple)) else [value]


def directives(text: str) -> list[tuple[str | None, str]]:
    return sorted((m["name"], m["type"]) for m in PERCENT_DIRECTIVE.finditer(text or ""))


@pytest.fixture(scope="module")
def catalogs() -> dict:
    return {lang: load(po_path(lang)) for lang in LANGUAGES}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """A fresh extraction from the source, done by the same script and babel.cfg."""
    if shutil.which("bash") is None:
        pytest.fail("bash is needed for scripts/i18n.sh")
    out = tmp_path_factory.mktemp("i18n") / "messages.pot"
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "i18n.sh"), "extract", str(out)],
        cwd=ROOT, env={**os.environ, "PYTHON": sys.executable},
        capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return load(out)


@pytest.fixture(scope="module")
def compiled(app):
    """Compile the .po files whose .mo is missing or older (as `make translations` would),
    and drop the translations Flask-Babel has cached so the pages use the current ones."""
    for lang in LANGUAGES:
        po = po_path(lang)
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with mo.open("wb") as f:
                write_mo(f, load(po))
    with app.app_context():
        babel.domain_instance.cache.clear()
    yield
    with app.app_context():
        babel.domain_instance.cache.clear()


# (a) complete catalogues ---------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_is_complete(catalogs, lang):
    catalog = catalogs[lang]
    assert messages(catalog), f"{lang}: empty catalogue"
    untranslated = [m.id for m in messages(catalog) if not all(forms(m.string))]
    fuzzy = [m.id for m in messages(catalog) if m.fuzzy]
    assert not untranslated, f"{lang}: untranslated: {untranslated}"
    assert not fuzzy, f"{lang}: fuzzy: {fuzzy}"


def test_source_language_catalog_repeats_the_msgids(catalogs):
    different = [m.id for m in messages(catalogs[SOURCE_LANGUAGE])
                 if forms(m.string) != forms(m.id)]
    assert not different, f"{SOURCE_LANGUAGE}: msgstr differs from msgid: {different}"


# (b) catalogues in step with the source ------------------------------------------------

def test_template_is_up_to_date(extracted):
    committed = load(TRANSLATIONS / "messages.pot")
    assert msgids(extracted), "nothing extracted: check babel.cfg"
    missing = msgids(extracted) - msgids(committed)
    stale = msgids(committed) - msgids(extracted)
    assert not missing and not stale, (
        f"messages.pot is out of date (scripts/i18n.sh extract): "
        f"new {sorted(missing, key=str)}, gone {sorted(stale, key=str)}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_matches_source(extracted, catalogs, lang):
    missing = msgids(extracted) - msgids(catalogs[lang])
    stale = msgids(catalogs[lang]) - msgids(extracted)
    assert not missing and not stale, (
        f"{lang}: catalogue out of date (scripts/i18n.sh extract && scripts/i18n.sh update): "
        f"new {sorted(missing, key=str)}, gone {sorted(stale, key=str)}")


def test_js_strings_are_extracted(extracted):
    ids = msgids(extracted)
    missing = {key: value._args[0] for key, value in JS_STRINGS.items()
               if value._args[0] not in ids}
    assert not missing, f"JS_STRINGS not found by the extraction: {missing}"


# (c) placeholders ----------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_match(catalogs, lang):
    # Templates format every string with % (Flask-Babel's new-style gettext), so even a
    # message without python-format must not gain or lose a % directive.
    wrong = []
    for message in messages(catalogs[lang]):
        expected = directives(forms(message.id)[0])
        for string in forms(message.string):
            if directives(string) != expected:
                wrong.append((message.id, string))
    assert not wrong, f"{lang}: placeholders differ: {wrong}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_python_format_flags(catalogs, lang):
    """Strings with %(name)s placeholders carry the python-format flag, so tools check them."""
    missing = [m.id for m in messages(catalogs[lang])
               if directives(forms(m.id)[0]) and not m.python_format]
    assert not missing, missing


def test_formatted_message_renders(app, compiled):
    from flask_babel import gettext
    with app.test_request_context():
        for lang, expected in (("fi", "1–1440"), ("sv", "1 och 1440"), ("en", "1 to 1440")):
            with force_locale(lang):
                text = gettext("Give a number of minutes from %(low)d to %(high)d.",
                               low=1, high=1440)
            assert expected in text, (lang, text)


# (d) pages -----------------------------------------------------------------------------

class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.html_lang = None
        self.title = ""
        self.body_i18n = None
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "body":
            self.body_i18n = attrs.get("data-i18n")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def fetch(client, path: str, accept_language: str) -> _PageParser:
    response = client.get(path, headers={"Accept-Language": accept_language})
    assert response.status_code == 200, response.status_code
    parser = _PageParser()
    parser.feed(response.get_data(as_text=True))
    return parser


@pytest.mark.parametrize(("accept_language", "lang", "title"), [
    ("fi", "fi", "Kirjaudu sisään"),
    ("sv", "sv", "Logga in"),
    ("en", "en", "Sign in"),
    ("sv-FI,sv;q=0.9,fi;q=0.8,en;q=0.5", "sv", "Logga in"),
    ("en-GB,en;q=0.9", "en", "Sign in"),
    ("de-DE,de;q=0.9", "fi", "Kirjaudu sisään"),
])
def test_login_page_language(client, compiled, accept_language, lang, title):
    page = fetch(client, "/login", accept_language)
    assert page.html_lang == lang
    assert page.title.strip() == f"{title} · Välitila"


# (e) browser strings -------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_js_strings_translated(app, compiled, lang):
    with app.test_request_context(), force_locale(lang):
        translated = {key: str(value) for key, value in JS_STRINGS.items()}
    untranslated = [key for key, value in JS_STRINGS.items()
                    if not translated[key].strip() or translated[key] == value._args[0]]
    assert not untranslated, f"{lang}: JS strings not translated: {untranslated}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_js_strings_rendered_into_page(client, compiled, lang):
    page = fetch(client, "/login", lang)
    assert page.body_i18n, "no <body data-i18n>"
    rendered = json.loads(page.body_i18n)
    plural_keys = {f"{key}_{form}" for key in JS_PLURALS for form in ("one", "other")}
    assert set(rendered) == set(JS_STRINGS) | plural_keys
    for key in plural_keys:                                  # each form carries the count
        assert "{n}" in rendered[key], (lang, key)
    for key, value in JS_STRINGS.items():
        source = value._args[0]
        if lang == SOURCE_LANGUAGE:
            assert rendered[key] == source, key
        else:
            assert rendered[key] and rendered[key] != source, (lang, key, rendered[key])
