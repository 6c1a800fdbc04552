"""The journal list and deleting: the empty state invites the first reflection; delete asks
for confirmation in a dialog (Cancel keeps the entry, Delete removes it everywhere and its URL
becomes the 404 page); 25 entries are listed 20 at a time, "Show older" (htmx) appends the
rest, all decrypted and newest first. With the no-plaintext proof."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .device import seed_entries
from .journeys import open_entry, sign_up, write_entry

CARDS = "#entry-list > li.entry-card"


def expect_empty_state(page: Page) -> None:
    empty = page.locator(".empty-state")
    expect(empty).to_be_visible()
    expect(empty.locator("h2")).not_to_be_empty()
    expect(empty.locator("a[href='/journal/new']")).to_be_visible()
    expect(page.locator(CARDS)).to_have_count(0)


def test_empty_state_and_delete(new_context, marker, no_plaintext):
    page = new_context().new_page()
    sign_up(page)                                   # lands on the empty journal
    expect_empty_state(page)
    page.locator(".empty-state a[href='/journal/new']").click()
    page.wait_for_url(re.compile(r"/journal/new$"))
    expect(page.locator("#body")).to_be_focused()

    title, body = f"Poistettava {marker}", f"Tämä {marker} poistetaan."
    item_id = write_entry(page, title, body)
    page.goto("/journal/")
    expect(page.locator(CARDS)).to_have_count(1)
    expect(page.locator(f"{CARDS} article[data-state=open] [data-field=title]")).to_have_text(
        title)

    page.goto(f"/journal/{item_id}")
    dialog = page.locator("dialog#delete-dialog")
    delete = page.locator(f"[data-js-delete='{item_id}']")
    expect(dialog).to_be_hidden()

    # Cancel keeps it.
    delete.click()
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("open", "")
    dialog.locator("[data-cancel]").click()
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(rf"/journal/{item_id}$"))
    assert open_entry(page, item_id) == (title, body)          # still on the server

    # Delete removes it.
    delete.click()
    expect(dialog).to_be_visible()
    dialog.locator("[data-confirm]").click()
    page.wait_for_url(re.compile(r"^[^?]*/journal/$"))
    expect_empty_state(page)
    expect(page.locator(f"a[href='/journal/{item_id}']")).to_have_count(0)

    response = page.goto(f"/journal/{item_id}")
    assert response.status == 404
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main")).to_contain_text("404")
    expect(page.locator("[data-js-sealed]")).to_have_count(0)


def test_pagination_newest_first(new_context, marker, no_plaintext):
    page = new_context().new_page()
    sign_up(page)
    entries = [(f"Merkintä {n:02d} {marker}", f"Päivän {n} pohdinta {marker}.")
               for n in range(1, 26)]                # oldest first
    ids = seed_entries(page, entries)
    assert len(set(ids)) == 25
    newest_first = [title for title, _ in reversed(entries)]

    page.goto("/journal/")
    cards = page.locator(CARDS)
    titles = page.locator(f"{CARDS} [data-field=title]")
    expect(cards).to_have_count(20)
    expect(page.locator(f"{CARDS} article[data-state=open]")).to_have_count(20)
    expect(titles).to_have_text(newest_first[:20])
    expect(page.locator(f"{CARDS} [data-field=excerpt]").first).to_have_text(entries[-1][1])

    more = page.locator("#load-more a")
    expect(more).to_be_visible()
    with page.expect_request(lambda r: "before=" in r.url) as request:
        more.click()
    assert request.value.headers.get("hx-request") == "true", "not an htmx request"
    expect(cards).to_have_count(25)
    expect(page.locator(f"{CARDS} article[data-state=open]")).to_have_count(25)
    expect(titles).to_have_text(newest_first)
    expect(page.locator("#load-more")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"^[^?]*/journal/$"))         # appended, not navigated

    # Without htmx the same link is a plain page of the older entries.
    page.goto("/journal/")
    href = page.locator("#load-more a").get_attribute("href")
    page.goto(href)
    expect(titles).to_have_text(newest_first[20:])


def test_a_tap_before_the_behaviour_has_loaded_is_not_lost(new_context, marker, no_plaintext):
    """Behaviours load per hook after the page: a tap on "Delete" while its module is still
    on its way is held and replayed once it is attached (it used to do nothing at all).
    The service worker is blocked so that the module comes from the (slowed) network."""
    context = new_context(service_workers="block")
    page = context.new_page()
    sign_up(page)
    item_id = write_entry(page, f"Hidas {marker}", "teksti")
    released = []

    def slow_delete_module(route):
        released.append(route)            # answered only after the tap below

    context.route(re.compile(r"/static/build/delete-[A-Z2-7]{8}\.js$"),
                  slow_delete_module)
    page.goto(f"/journal/{item_id}")
    expect(page.locator("[data-js-delete]")).to_be_visible()
    page.wait_for_function("() => performance.getEntriesByType('resource').some("
                           "(e) => e.name.includes('/app'))")
    page.locator("[data-js-delete]").click()          # before the module has arrived
    assert released, "the delete behaviour was not requested"
    expect(page.locator("#delete-dialog")).not_to_be_visible()
    released[0].continue_()
    expect(page.locator("#delete-dialog")).to_be_visible()
    page.locator("#delete-dialog [data-cancel]").click()
