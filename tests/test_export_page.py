"""The export page and what it serves (issue 11, "Download everything"): reached from Settings,
signed-in only; the offline reader and its format description served as they are in the
repository (the zip carries them); the zip library built into the export behaviour's chunk
alone, so that no other page loads it."""
from __future__ import annotations

import json
import re
from pathlib import Path

from webapp import assets

ROOT = Path(__file__).resolve().parents[1]
#: Strings only fflate's code holds (its error messages).
FFLATE = ("invalid zip data", "extra field too long", "invalid block type")


def test_settings_link_to_the_export_page(proto):
    person = proto.register()
    settings = person.client.get("/account/").get_data(as_text=True)
    assert re.search(r'<section class="card" id="export"[^>]*>', settings)
    assert 'href="/account/export"' in settings
    response = person.client.get("/account/export")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "data-js-export-download" in page
    for field in ('name="password"', 'name="passphrase"', 'name="passphrase2"',
                  'name="include_shared"', 'name="include_group"', "data-export-progress"):
        assert field in page, field
    # Both boxes of other people's words are off by default.
    assert not re.search(r'name="include_(shared|group)"[^>]*checked', page)
    assert "<script>" not in page and "style=" not in page


def test_the_reader_and_its_format_are_served_as_in_the_repository(proto):
    person = proto.register()
    tool = person.client.get("/account/export/valitila_open.py")
    assert tool.status_code == 200 and tool.mimetype == "text/x-python"
    assert tool.get_data() == (ROOT / "tools" / "valitila_open.py").read_bytes()
    fmt = person.client.get("/account/export/export-format.md")
    assert fmt.status_code == 200 and fmt.mimetype == "text/markdown"
    assert fmt.get_data() == (ROOT / "docs" / "export.md").read_bytes()


def test_signed_out_nothing_is_served(client):
    for path in ("/account/export", "/account/export/valitila_open.py",
                 "/account/export/export-format.md"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_the_zip_library_is_only_in_the_export_chunk():
    manifest = assets.build_manifest()
    build = assets.STATIC
    with_fflate = {str(path.relative_to(build)) for path in (build / "build").glob("*.js")
                   if any(s in path.read_text(encoding="utf-8") for s in FFLATE)}
    export_chunk = manifest["behaviors"]["export-download"][0]
    assert with_fflate == {export_chunk}
    for hook, files in manifest["behaviors"].items():
        if hook != "export-download":
            assert export_chunk not in files, hook
    app_files = json.dumps(manifest["imports"])
    assert export_chunk not in app_files
