"""Plural forms: ngettext on the server, and for the scripts each JS_PLURALS key rendered as
`<key>_one` and `<key>_other` (webapp/i18n.py). That pair is enough only while every
catalogue's rule is n != 1; a new language with other rules must fail here first."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from webapp.i18n import JS_PLURALS, js_strings

CATALOGUES = Path(__file__).resolve().parents[1] / "webapp" / "translations"


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_catalogue_has_the_two_form_rule(lang):
    with open(CATALOGUES / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    assert catalog.plural_forms == "nplurals=2; plural=(n != 1);"


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_plural_entries_are_translated_with_both_forms(lang):
    with open(CATALOGUES / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    plural = [m for m in catalog if m.id and isinstance(m.id, tuple)]
    assert plural, "no plural entries"
    for message in plural:
        assert len(message.string) == 2 and all(message.string), message.id
        # The JS plurals count with {n}; the server's with %(num)d (ngettext's own).
        marker = "{n}" if "{n}" in message.id[0] else "%(num)d"
        for form in message.string:
            assert form.count(marker) == 1, (message.id, form)


@pytest.mark.parametrize("lang, key, one, other", [
    ("fi", "waitingChanges", "{n} muutos odottaa lähetystä", "{n} muutosta odottaa lähetystä"),
    ("fi", "searchCount", "{n} osuma tällä laitteella", "{n} osumaa tällä laitteella"),
    ("sv", "waitingChanges", "{n} ändring väntar på att skickas",
     "{n} ändringar väntar på att skickas"),
    ("en", "waitingChanges", "{n} change waiting to be sent", "{n} changes waiting to be sent"),
])
def test_js_strings_carry_both_forms(app, lang, key, one, other):
    with app.test_request_context("/"), force_locale(lang):
        strings = js_strings()
    assert (strings[f"{key}_one"], strings[f"{key}_other"]) == (one, other)
    assert key not in strings, "a plural key must not also exist in one form"


def test_every_plural_key_renders_two_forms_in_every_language(app):
    for lang in ("fi", "sv", "en"):
        with app.test_request_context("/"), force_locale(lang):
            strings = js_strings()
        for key in JS_PLURALS:
            assert "{n}" in strings[f"{key}_one"] and "{n}" in strings[f"{key}_other"], (lang, key)


def test_finnish_one_is_not_the_plural_form(app):
    """The bug this fixes: "1 muutosta odottaa" (partitive) for one change."""
    with app.test_request_context("/"), force_locale("fi"):
        strings = js_strings()
    assert strings["waitingChanges_one"].replace("{n}", "1") == "1 muutos odottaa lähetystä"
