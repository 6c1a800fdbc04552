""""Download everything" (issue 11) in a real browser: a supervisee with a reflection and a
proposed topic, and a goal her supervisor shared with her, exports from Settings. The zip is
downloaded through Playwright's download API and unzipped: the readable files hold her own
words (decrypted, grouped, dated in Finnish), the manifest's hashes match every file, and
archive.json opens with nothing but the export passphrase in the offline tool the zip
carries (tools/valitila_open.py, beside docs/export.md), giving back the same words. The
default export holds none of the supervisor's words anywhere; ticking "what others shared"
adds them, labelled with her name. Making an export sends nothing but reads to the server
(request methods), and the no-plaintext proof covers every word typed. axe-core on the
export page."""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

from playwright.sync_api import Page, expect

from ..factories import add_goal, api_register, make_process
from .conftest import run_axe
from .journeys import PASSWORD, sign_up, write_entry

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "valitila_open.py"
PASSPHRASE = "vientisalasana kesällä 2026"
READS = {"GET", "HEAD"}


def uid_of(page: Page) -> str:
    return page.locator('meta[name="valitila-user"]').get_attribute("content")


def export(page: Page, recorder, *, shared: bool = False, group: bool = False
           ) -> dict[str, bytes]:
    """Make an export on the page and download it; the zip's files. Asserts that only reads
    reached the server meanwhile."""
    page.goto("/account/")
    page.locator("#export a[href='/account/export']").click()
    page.wait_for_url("**/account/export")
    form = page.locator("[data-export-form]")
    expect(form.locator("[type=submit]")).to_be_enabled()
    form.locator("#export-password").fill(PASSWORD)
    form.locator("#export-passphrase").fill(PASSPHRASE)
    form.locator("#export-passphrase2").fill(PASSPHRASE)
    if shared:
        form.locator("#export-include-shared").check()
    if group:
        form.locator("#export-include-group").check()
    before = len(recorder.sent)
    with page.expect_download(timeout=90_000) as info:
        form.locator("[type=submit]").click()
    download = info.value
    assert re.fullmatch(r"valitila-\d{4}-\d\d-\d\d\.zip", download.suggested_filename)
    expect(form.locator("[data-status]")).to_have_attribute("data-state", "ok")
    expect(page.locator("[data-export-progress]")).to_have_attribute("value", "100")
    methods = {sent.method for sent in recorder.sent[before:]}
    assert methods <= READS, [s.label() for s in recorder.sent[before:]
                              if s.method not in READS]
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as zipped:
        return {name: zipped.read(name) for name in zipped.namelist()}


def check_manifest(files: dict[str, bytes]) -> None:
    manifest = json.loads(files["manifest.json"])
    assert manifest["algorithm"] == "SHA-256"
    assert set(manifest["files"]) == set(files) - {"manifest.json"}
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(files[name]).hexdigest() == digest, name


def test_export_opens_offline_and_keeps_others_words_out(new_context, live_server, recorder,
                                                          marker, no_plaintext, tmp_path):
    anna = new_context(bypass_csp=True).new_page()     # bypass: axe is injected as a script
    sign_up(anna, name="Anna Ohjattava")
    anna_uid = uid_of(anna)
    sara = api_register(live_server.app, display_name="Sara Ohjaaja", is_supervisor=True)
    pid = make_process(sara.uid, anna_uid, status="active", app=live_server.app)
    saras_words = f"Saran tavoite {uuid.uuid4().hex}"
    add_goal(sara, pid, saras_words, readers=(anna_uid,), app=live_server.app)

    write_entry(anna, f"Pohdinta {marker}", f"Oma teksti {marker}")
    anna.goto(f"/processes/{pid}/topics")
    anna.locator("#topic-text").fill(f"Aihe {marker}")
    anna.locator("[data-topic-form] [type=submit]").click()
    expect(anna.locator("[data-topic-text]")).to_have_text(f"Aihe {marker}")

    anna.goto("/account/export")
    assert run_axe(anna) == []

    files = export(anna, recorder)
    names = set(files)
    assert {"README.txt", "archive.json", "manifest.json", "readable/index.html",
            "readable/01-journal.md", "readable/02-topics.md", "valitila_open.py",
            "export-format.md"} == names
    assert files["valitila_open.py"] == TOOL.read_bytes()
    assert files["export-format.md"] == (ROOT / "docs" / "export.md").read_bytes()
    check_manifest(files)
    journal = files["readable/01-journal.md"].decode()
    assert f"Pohdinta {marker}" in journal and f"Oma teksti {marker}" in journal
    assert re.search(r"\d+\. \w+kuuta \d{4}", journal), journal   # dated in Finnish
    assert f"Aihe {marker}" in files["readable/02-topics.md"].decode()
    page = files["readable/index.html"].decode()
    assert f"Oma teksti {marker}" in page and "<script" not in page and "src=" not in page
    assert "valitila_open.py" in files["README.txt"].decode()
    # The default export holds none of the supervisor's words, anywhere.
    for name, data in files.items():
        assert saras_words.encode() not in data, name
    archive = json.loads(files["archive.json"])
    assert {item["author"] for item in archive["items"]} == {anna_uid}
    assert marker not in files["archive.json"].decode()         # sealed, as stored

    # The offline tool the zip carries opens archive.json with nothing but the passphrase.
    for name in ("archive.json", "valitila_open.py"):
        (tmp_path / name).write_bytes(files[name])
    tool = tmp_path / "valitila_open.py"
    result = subprocess.run(
        [sys.executable, str(tool), str(tmp_path / "archive.json"), str(tmp_path / "out")],
        env={**os.environ, "VALITILA_PASSPHRASE": PASSPHRASE}, capture_output=True, text=True,
        check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    opened = json.loads((tmp_path / "out" / "items.json").read_text(encoding="utf-8"))
    texts = json.dumps(opened, ensure_ascii=False)
    assert f"Oma teksti {marker}" in texts and f"Aihe {marker}" in texts
    assert {item["signature"] for item in opened} == {"valid"}
    wrong = subprocess.run(
        [sys.executable, str(tool), str(tmp_path / "archive.json"), str(tmp_path / "no")],
        env={**os.environ, "VALITILA_PASSPHRASE": PASSPHRASE + "!"}, capture_output=True,
        text=True, check=False, timeout=120)
    assert wrong.returncode == 1 and "wrong passphrase" in wrong.stderr

    # Ticked, what the supervisor shared comes along, labelled with her name.
    files = export(anna, recorder, shared=True)
    check_manifest(files)
    contracts = files["readable/03-contracts.md"].decode()
    assert saras_words in contracts and "Sara Ohjaaja" in contracts
    archive = json.loads(files["archive.json"])
    assert {item["author"] for item in archive["items"]} == {anna_uid, sara.uid}
    assert set(archive["bundles"]) == {anna_uid, sara.uid}


def test_the_supervisees_acceptance_without_the_supervisors_words(new_context, live_server,
                                                                  recorder, marker,
                                                                  no_plaintext, tmp_path):
    """The supervisor's contract is hers: by default the supervisee's export shows only that
    she accepted it (which revision, when), not a word of it; ticked, the text comes too."""
    from .test_contract_ui import call
    from .test_processes_ui import sign_up_as_supervisor

    sara = new_context().new_page()
    sign_up_as_supervisor(sara)
    pid = str(uuid.uuid4())
    assert call(sara, "POST", "/processes", {"id": pid, "form": "individual"})["status"] == 201
    token = call(sara, "POST", f"/processes/{pid}/invites", {})["body"]["token"]
    anna = new_context(bypass_csp=True).new_page()
    sign_up(anna, name="Anna Aho")
    assert call(anna, "POST", f"/invites/{token}/accept")["status"] == 200

    methods = f"Ratkaisukeskeinen työote {marker}"
    sara.goto(f"/processes/{pid}/contract/edit")
    sara.fill("#c-methods", methods)
    sara.locator("[data-js-contract-edit] [type=submit]").click()
    sara.wait_for_url(re.compile(rf".*/processes/{pid}/contract$"))
    anna.goto(f"/processes/{pid}/contract")
    expect(anna.locator(".contract [data-section=methods] [data-text]")).to_have_text(methods)
    anna.locator("[data-js-contract-accept] [type=submit]").click()
    expect(anna.locator("[data-verify]").first).to_have_attribute("data-state", "ok")

    files = export(anna, recorder)
    check_manifest(files)
    assert set(files) == {"README.txt", "archive.json", "manifest.json", "readable/index.html",
                          "readable/01-contracts.md", "valitila_open.py", "export-format.md"}
    contracts = files["readable/01-contracts.md"].decode()
    assert re.search(r"^- Anna Aho: .* 1, ", contracts, re.M), contracts
    for name, data in files.items():
        assert marker.encode() not in data, name
    archive = json.loads(files["archive.json"])
    assert archive["items"] == []
    [(contract_id, [accepted])] = archive["acceptances"].items()
    assert accepted["user"] == uid_of(anna) and accepted["rev"] == 1
    assert run_axe(anna) == []      # the page after an export: status, bar and link shown

    files = export(anna, recorder, shared=True)
    contracts = files["readable/01-contracts.md"].decode()
    assert methods in contracts and re.search(r"^- Anna Aho: ", contracts, re.M)
    archive = json.loads(files["archive.json"])
    assert [item["id"] for item in archive["items"]] == [contract_id]
    # Offline, her acceptance of the contract verifies against the text it names.
    for name in ("archive.json", "valitila_open.py"):
        (tmp_path / name).write_bytes(files[name])
    result = subprocess.run(
        [sys.executable, str(tmp_path / "valitila_open.py"), str(tmp_path / "archive.json"),
         str(tmp_path / "out")], env={**os.environ, "VALITILA_PASSPHRASE": PASSPHRASE},
        capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    [opened] = json.loads((tmp_path / "out" / "items.json").read_text(encoding="utf-8"))
    assert methods in json.dumps(opened["payload"], ensure_ascii=False)
    assert [(a["name"], a["signature"]) for a in opened["acceptances"]] == [("Anna Aho", "valid")]


def test_group_material_only_when_ticked(new_context, live_server, recorder, marker,
                                         no_plaintext):
    """In a group, what another member shared with the user is group material: not in the
    default export, not with "what others shared" alone, only with its own box."""
    from ..factories import share_body

    anna = new_context().new_page()
    sign_up(anna, name="Anna Aho")
    anna_uid = uid_of(anna)
    sara = api_register(live_server.app, display_name="Sara Ohjaaja", is_supervisor=True)
    bert = api_register(live_server.app, display_name="Bertta Bäck")
    pid = make_process(sara.uid, anna_uid, bert.uid, form="group", status="active",
                       app=live_server.app)
    berts_words = f"Bertan pohdinta {uuid.uuid4().hex}"
    item_id, body = bert.seal({"title": "Ryhmälle", "body": berts_words, "tags": []})
    assert bert.put(f"/items/{item_id}", body).status_code == 201
    envelope = share_body(bert, item_id, anna_uid, live_server.app)
    shared = bert.put(f"/items/{item_id}/envelopes/{anna_uid}",
                      {"envelope": envelope, "process": pid})
    assert shared.status_code == 204, shared.get_json()
    write_entry(anna, f"Oma {marker}", f"Oma teksti {marker}")

    for include in ({}, {"shared": True}):
        files = export(anna, recorder, **include)
        for name, data in files.items():
            assert berts_words.encode() not in data, (include, name)
        assert f"Oma teksti {marker}" in files["readable/01-journal.md"].decode()

    files = export(anna, recorder, group=True)
    journal = files["readable/01-journal.md"].decode()
    assert berts_words in journal and "Bertta Bäck" in journal
    archive = json.loads(files["archive.json"])
    assert {item["author"] for item in archive["items"]} == {anna_uid, bert.uid}
