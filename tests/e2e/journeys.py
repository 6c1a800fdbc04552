"""Steps a person takes in the browser, shared by the end-to-end tests."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from playwright.sync_api import Page, expect

PASSWORD = "kaunis-kesäinen-aamu-2026"


@dataclass
class Account:
    email: str
    password: str
    recovery_key: str


#: Where signing in or up leads (/home/start): a supervisor or a member of a process that has
#: not ended to the home, anyone else to the journal.
LANDING = re.compile(r"^[^?]*/(journal|home)/$")  # the path, not a ?next=/journal/ in the query


def sign_up(page: Page, email: str | None = None, password: str = PASSWORD,
            name: str = "Aino Testi", *, supervisor: bool = False) -> Account:
    """Sign up ("I am a supervisor" ticked with `supervisor`), save the recovery key (type
    back the asked group) and land: a supervisor on their home, anyone else in the journal."""
    email = email or f"e2e-{uuid.uuid4().hex[:10]}@example.fi"
    page.goto("/signup")
    if supervisor:
        page.check("#is_supervisor")
    page.fill("#email", email)
    page.fill("#display_name", name)
    page.fill("#password", password)
    page.fill("#password2", password)
    page.locator("[data-signup-form] [type=submit]").click()
    section = page.locator("[data-recovery]")
    expect(section).to_be_visible(timeout=30_000)
    key = page.text_content("[data-recovery-key]").strip()
    label = page.text_content("[data-recovery-label]")
    group = int(re.search(r"\d+", label).group())  # "type group 5 of your recovery key"
    page.fill("#recovery-check", key.split("-")[group - 1])
    page.locator("[data-recovery-confirm] [type=submit]").click()
    page.wait_for_url(re.compile(r"^[^?]*/home/$") if supervisor else LANDING)
    return Account(email, password, key)


def log_in(page: Page, email: str, password: str, landing: re.Pattern[str] = LANDING) -> None:
    """Sign in and land (LANDING: the home or the journal, as /home/start decides)."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("[data-login-form] [type=submit]").click()
    page.wait_for_url(landing)


def write_entry(page: Page, title: str, body: str, tags: str = "") -> str:
    """Write a reflection from the journal; returns its id once saved and shown."""
    page.goto("/journal/")
    page.locator("a[href='/journal/new']").first.click()
    page.fill("#title", title)
    page.fill("#body", body)
    if tags:
        page.fill("#tags", tags)
    page.locator("[data-compose-form] [type=submit]").click()
    page.wait_for_url(re.compile(r".*/journal/[0-9a-f-]{36}$"))
    expect(page.locator("article[data-state=open] [data-field=title]")).to_have_text(title)
    return page.url.rsplit("/", 1)[1]


def open_entry(page: Page, item_id: str) -> tuple[str, str]:
    page.goto(f"/journal/{item_id}")
    expect(page.locator("article[data-state=open]")).to_be_visible()
    return (page.text_content("[data-field=title]"), page.text_content("[data-field=body]"))


SIGN_OUT = "#logout-form [type=submit]"   # in Settings, not in the header (issue 7, point 9)


def log_out(page: Page) -> None:
    """Sign out in Settings (the behaviour wipes the device first)."""
    if not page.url.endswith("/account/"):
        page.goto("/account/")
    page.locator(SIGN_OUT).click()
    page.wait_for_url(re.compile(r".*/login\?signed_out=1$"))


def open_editor(page: Page, path: str) -> None:
    """Open a compose page (/journal/new or /journal/<id>/edit) and wait until the keys are
    open, any text is filled in and the save button is enabled."""
    page.goto(path)
    expect(page.locator("[data-compose-form] [type=submit]")).to_be_enabled()


def save_compose(page: Page, item_id: str | None = None) -> str:
    """Press Save on an open compose page; returns the id of the entry shown afterwards."""
    page.locator("[data-compose-form] [type=submit]").click()
    target = item_id or "[0-9a-f-]{36}"
    page.wait_for_url(re.compile(rf".*/journal/{target}$"))
    expect(page.locator("article[data-state=open]")).to_be_visible()
    return page.url.rsplit("/", 1)[1]

