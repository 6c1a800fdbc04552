import re, json
from playwright.sync_api import expect
from .journeys import sign_up, write_entry, open_entry, PASSWORD
from .device import idb_dump, idb_value

def test_scratch(new_context, marker, recorder):
    ctx = new_context()
    page = ctx.new_page()
    page.on("console", lambda m: print("CONSOLE", m.type, m.text))
    page.on("dialog", lambda d: print("DIALOG", d.type, d.message))
    page.clock.install()
    acc = sign_up(page)
    item = write_entry(page, f"T {marker}", f"B {marker}")
    page.goto("/account/")
    page.fill("#lock_minutes", "1")
    page.get_by_role("button", name=re.compile("Save settings|Tallenna")).click()
    page.wait_for_load_state()
    print(page.url, page.locator("meta[name=valitila-lock-minutes]").get_attribute("content"))
    page.goto("/journal/new")
    page.fill("#title", f"Draft {marker}")
    page.fill("#body", f"Draftbody {marker}")
    print("before ff", page.url, page.evaluate("document.body.dataset.lockAfter"))
    page.clock.fast_forward("02:00")
    page.wait_for_url(re.compile(r".*/unlock.*"), timeout=5000)
    print("after", page.url)
    print(json.dumps(idb_dump(page), indent=1)[:3000])
    print(recorder.problems)
