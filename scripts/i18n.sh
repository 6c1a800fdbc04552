#!/usr/bin/env bash
# Message catalogues (Flask-Babel, domain "messages", languages fi sv en).
#
#   scripts/i18n.sh extract [POT]   collect the msgids from webapp/**.py and the templates
#                                   (babel.cfg) into webapp/translations/messages.pot, or POT
#   scripts/i18n.sh update          merge messages.pot into fi, sv and en messages.po
#                                   (creates missing catalogues; no fuzzy matching; obsolete
#                                   entries dropped; en gets msgstr = msgid)
#   scripts/i18n.sh compile         .po -> .mo (the .mo files are git-ignored)
#   scripts/i18n.sh all             extract + update + compile
#
# After `update`, translate the new empty msgstr entries in fi and sv, then `compile`.
# tests/test_i18n.py runs `extract` into a temporary file and fails when the catalogues are
# behind the source. Locations are left out and the output is sorted so diffs stay small;
# a re-extract that changes nothing but POT-Creation-Date leaves messages.pot untouched.
#
# Python: $PYTHON, default .venv/bin/python (needs Babel and Jinja2).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-.venv/bin/python}
DIR=webapp/translations
POT=$DIR/messages.pot
LANGUAGES=(fi sv en)
SOURCE_LANGUAGE=en
# Keywords: the usual gettext names plus Flask-Babel's lazy ones (webapp/i18n.py).
KEYWORDS=(-k _ -k gettext -k ngettext:1,2 -k lazy_gettext -k _l)

pybabel() {
    "$PYTHON" -m babel.messages.frontend -q "$@"
}

project_version() {
    sed -n 's/^version *= *"\(.*\)"/\1/p' pyproject.toml | head -n 1
}

extract() {
    local out=${1:-$POT} tmp
    mkdir -p "$(dirname "$out")"
    tmp=$(mktemp)
    pybabel extract -F babel.cfg --no-default-keywords "${KEYWORDS[@]}" \
        --no-location --sort-output --project=Välitila --version="$(project_version)" \
        --copyright-holder=Välitila \
        --ignore-dirs=".* _* node_modules instance" -o "$tmp" .
    if [ -f "$out" ] && cmp -s <(grep -v '^"POT-Creation-Date:' "$out") \
                              <(grep -v '^"POT-Creation-Date:' "$tmp"); then
        rm -f "$tmp"
        echo "extract: $out unchanged"
        return
    fi
    cp "$tmp" "$out"
    rm -f "$tmp"
    echo "extract: wrote $out ($(grep -c '^msgid ' "$out") entries incl. header)"
}

update() {
    [ -f "$POT" ] || { echo "update: $POT missing; run '$0 extract' first" >&2; exit 1; }
    local lang
    for lang in "${LANGUAGES[@]}"; do
        pybabel update -i "$POT" -d "$DIR" -l "$lang" --init-missing \
            --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
    done
    fill_source_language "$DIR/$SOURCE_LANGUAGE/LC_MESSAGES/messages.po"
    report
}

# The English catalogue is complete too: every msgstr is its msgid.
fill_source_language() {
    "$PYTHON" - "$1" <<'PY'
import sys
from babel.messages.pofile import read_po, write_po

path = sys.argv[1]
with open(path, "rb") as f:
    catalog = read_po(f)
changed = 0
for message in catalog:
    if not message.id:
        continue
    # Plural entries: msgid, msgid_plural -> msgstr[0], msgstr[1] (English has two forms).
    wanted = tuple(message.id) if isinstance(message.id, (tuple, list)) else message.id
    current = tuple(message.string) if isinstance(message.string, (tuple, list)) else message.string
    if current != wanted or message.fuzzy:
        message.string = wanted
        message.flags.discard("fuzzy")
        changed += 1
if changed:
    with open(path, "wb") as f:
        write_po(f, catalog, omit_header=False)
PY
}

# Untranslated and fuzzy counts per language.
report() {
    "$PYTHON" - "$DIR" "${LANGUAGES[@]}" <<'PY'
import sys
from babel.messages.pofile import read_po

base, *languages = sys.argv[1:]
for lang in languages:
    with open(f"{base}/{lang}/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f)
    messages = [m for m in catalog if m.id]
    untranslated = [m for m in messages
                    if not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    fuzzy = [m for m in messages if m.fuzzy]
    line = f"update: {lang}: {len(messages)} messages"
    if untranslated or fuzzy:
        line += f", {len(untranslated)} untranslated, {len(fuzzy)} fuzzy"
    print(line)
PY
}

compile() {
    pybabel compile -d "$DIR" --statistics
}

case "${1:-}" in
    extract) shift; extract "$@" ;;
    update) update ;;
    compile) compile ;;
    all) extract; update; compile ;;
    *) sed -n '2,10s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
