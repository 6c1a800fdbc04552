"""The foundation journey: sign up → save recovery key → write → reload → read → edit →
log out → log in on a second device → read. With the no-plaintext proof."""
from __future__ import annotations

import re

from playwright.sync_api import expect

import protocol

from .journeys import log_in, log_out, open_entry, sign_up, write_entry


def test_write_and_read_on_two_devices(new_context, marker, no_plaintext):
    phone = new_context().new_page()
    account = sign_up(phone)
    empty = phone.get_by_text("Päiväkirjasi on tyhjä").or_(phone.locator(".empty-state"))
    expect(empty).to_be_visible()
    item_id = write_entry(phone, f"Otsikko {marker}", f"Tänään {marker} onnistui.", "tiimi, rajat")
    phone.reload()
    assert open_entry(phone, item_id) == (f"Otsikko {marker}", f"Tänään {marker} onnistui.")
    expect(phone.locator(".tag")).to_have_count(2)

    phone.goto(f"/journal/{item_id}/edit")
    expect(phone.locator("#body")).to_have_value(f"Tänään {marker} onnistui.")
    phone.fill("#body", f"Muokattu {marker}.")
    phone.locator("[data-compose-form] [type=submit]").click()
    phone.wait_for_url(re.compile(rf".*/journal/{item_id}$"))
    assert open_entry(phone, item_id)[1] == f"Muokattu {marker}."

    log_out(phone)

    laptop = new_context().new_page()
    log_in(laptop, account.email, account.password)
    expect(laptop.locator("article[data-state=open] [data-field=title]")).to_have_text(
        f"Otsikko {marker}")
    assert open_entry(laptop, item_id) == (f"Otsikko {marker}", f"Muokattu {marker}.")


def test_python_client_reads_what_the_browser_wrote(new_context, live_server, marker,
                                                    no_plaintext):
    """A second client built from PROTOCOL.md (tests/helpers.py on protocol.py) logs in with
    the password and opens the entry the browser sealed."""
    page = new_context().new_page()
    account = sign_up(page)
    item_id = write_entry(page, f"Selaimesta {marker}", f"Kirjoitettu selaimessa {marker}.")

    client = live_server.app.test_client()
    pre = client.post("/api/v1/auth/prelogin", json={"email": account.email}).get_json()
    secrets = protocol.derive_account_secrets(account.email, account.password,
                                             protocol.b64u_decode(pre["salt_seed"]), pre["kdf"])
    login = client.post("/api/v1/auth/login", json={
        "email": account.email, "auth_key": protocol.b64u_encode(secrets.auth_key)}).get_json()
    keys = protocol.unlock_account(account.email, account.password, login["keys"])
    item = client.get(f"/api/v1/items/{item_id}").get_json()
    dek = protocol.open_owner_envelope(keys.ak, item["envelope"], item_id, keys.uid)
    author = protocol.b64u_decode(login["keys"]["bundle"]["ed25519"], 32)
    payload = protocol.open_item(item, dek, author)
    assert payload["title"] == f"Selaimesta {marker}"
    assert payload["body"] == f"Kirjoitettu selaimessa {marker}."


def test_browser_reads_what_the_python_client_wrote(new_context, live_server):
    """Entries sealed by the Python protocol client open in the browser."""
    from ..helpers import PASSWORD, Protocol

    person = Protocol(live_server.app).register()
    item_id = person.write("Pythonista", "Sinetöity Pythonissa.", ["protokolla"])
    page = new_context().new_page()
    log_in(page, person.email, PASSWORD)
    assert open_entry(page, item_id) == ("Pythonista", "Sinetöity Pythonissa.")
    expect(page.locator(".tag")).to_have_text(["protokolla"])
