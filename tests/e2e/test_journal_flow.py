"""The foundation journey: sign up → save recovery key → write → reload → read → edit →
log out → log in on a second device → read. With the no-plaintext proof."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .journeys import log_in, open_entry, sign_up, write_entry


def test_write_and_read_on_two_devices(new_context, marker, no_plaintext):
    phone = new_context().new_page()
    account = sign_up(phone)
    expect(phone.get_by_text("Päiväkirjasi on tyhjä").or_(phone.locator(".empty-state"))).to_be_visible()
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

    phone.locator("[data-js-logout] [type=submit]").first.click()
    phone.wait_for_url(re.compile(r".*/login\?signed_out=1$"))

    laptop = new_context().new_page()
    log_in(laptop, account.email, account.password)
    expect(laptop.locator("article[data-state=open] [data-field=title]")).to_have_text(
        f"Otsikko {marker}")
    assert open_entry(laptop, item_id) == (f"Otsikko {marker}", f"Muokattu {marker}.")
