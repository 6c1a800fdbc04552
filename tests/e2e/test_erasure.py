"""Deleting one's account from Settings (issue 11): the page says what happens and offers
the export first, refuses without the confirmation or with a wrong password (nothing sent
or nothing changed), then erases: this device is wiped as sign-out wipes it, the browser
lands on the goodbye page, and the account is gone (its entry, its sign-in). Axe on the new
pages; with the no-plaintext proof."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import run_axe
from .device import js_string
from .journeys import sign_up, write_entry
from .test_logout_wipes_device import expect_wiped


def _erase_calls(recorder, since: int) -> list[str]:
    return [s.url for s in recorder.sent[since:] if s.url.endswith("/api/v1/me/erase")]


def test_delete_my_account_from_settings(new_context, recorder, marker, no_plaintext):
    page = new_context(bypass_csp=True).new_page()      # bypass: axe is injected as a script
    account = sign_up(page)
    item_id = write_entry(page, f"Poistuva {marker}", f"Tämä {marker} katoaa.")

    page.goto("/account/")
    page.locator("a[href='/account/delete']").click()
    page.wait_for_url(re.compile(r".*/account/delete$"))
    root = page.locator("[data-js-erase-account]")
    expect(root.locator("a[href='/account/export']")).to_be_visible()
    form = page.locator("[data-erase-form]")
    expect(form.locator("[type=submit]")).to_be_enabled()
    assert run_axe(page) == []

    # Without the confirmation: said next to the box, nothing sent.
    before = len(recorder.sent)
    page.fill("#erase-password", account.password)
    form.locator("[type=submit]").click()
    expect(page.locator("#erase-confirm-error")).to_have_text(
        js_string(page, "eraseConfirmNeeded"))
    assert not _erase_calls(recorder, before)

    # A wrong password: named next to its field, the account stays.
    page.check("#erase-confirm")
    page.fill("#erase-password", "väärä-salasana-joka-ei-käy-42")
    form.locator("[type=submit]").click()
    expect(page.locator("#erase-password-error")).to_have_text(
        js_string(page, "passwordWrong"), timeout=30_000)
    expect(form.locator("[type=submit]")).to_be_enabled()
    assert page.request.get(f"/api/v1/items/{item_id}").status == 200

    # The real thing.
    page.fill("#erase-password", account.password)
    form.locator("[type=submit]").click()
    page.wait_for_url(re.compile(r".*/goodbye$"), timeout=60_000)
    expect(page.locator("h1")).to_be_visible()
    assert run_axe(page) == []
    expect_wiped(page, account.email, marker)
    assert page.request.get("/api/v1/me").status == 401
    page.goto("/account/")
    page.wait_for_url(re.compile(r".*/login\?.*"))

    # The account is gone: signing in again fails with the generic message.
    page.fill("#email", account.email)
    page.fill("#password", account.password)
    page.locator("[data-login-form] [type=submit]").click()
    expect(page.locator("#login-error")).to_be_visible(timeout=30_000)


def test_the_supervisors_view_updates_when_a_supervisee_deletes_her_account(
        new_context, live_server, marker, no_plaintext):
    from ..factories import make_process
    from .test_sharing import share_from_entry, uid_of

    anna = new_context().new_page()
    account = sign_up(anna, name="Anna Ohjattava")
    sara = new_context().new_page()
    sign_up(sara, name="Sara Ohjaaja", supervisor=True)
    anna_uid, sara_uid = uid_of(anna), uid_of(sara)
    pid = make_process(sara_uid, anna_uid, status="active", app=live_server.app)
    first = write_entry(anna, f"Jaettu {marker}", f"Ohjaajalle {marker}.")
    share_from_entry(anna, first)
    shared_page = f"/processes/{pid}/people/{anna_uid}/shared"
    sara.goto(shared_page)
    expect(sara.locator("article[data-state=open] [data-field=title]")).to_have_text(
        f"Jaettu {marker}")

    anna.goto("/account/delete")
    anna.check("#erase-confirm")
    anna.fill("#erase-password", account.password)
    anna.locator("[data-erase-form] [type=submit]").click()
    anna.wait_for_url(re.compile(r".*/goodbye$"), timeout=60_000)

    # At once: the supervisor's API answers 404, the shared page is gone, and the process
    # no longer lists her.
    assert sara.request.get(f"/api/v1/items/{first}").status == 404
    assert sara.goto(shared_page).status == 404
    members = sara.request.get(f"/api/v1/processes/{pid}").json()["members"]
    assert [m["uid"] for m in members] == [sara_uid]
    sara.goto(f"/processes/{pid}")
    expect(sara.locator("main")).not_to_contain_text("Anna Ohjattava")
