"""The contract on two phones: the supervisor writes it from the Finnish template (sealed on her
device for the member), adds goals, orders them and marks one achieved; the supervisee opens
it, sees the goals, checks the signatures and accepts; the supervisor accepts and the process
becomes active; every acceptance shows "signature verified"; the printable view hides the
navigation and the buttons; a server that alters an acceptance is shown a loud warning.
axe-core on every new page; the no-plaintext proof covers the contract's and goals' words."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from .conftest import run_axe
from .journeys import sign_up
from .test_processes_ui import sign_up_as_supervisor


def call(page: Page, method: str, path: str, body=None) -> dict:
    """An API call from the page, as its scripts make them (session cookie and CSRF)."""
    return page.evaluate("""async ([method, path, body]) => {
        const csrf = document.querySelector('meta[name="csrf-token"]').content;
        const init = {method, credentials: 'same-origin', headers: {'X-CSRF-Token': csrf,
            'Accept': 'application/json'}};
        if (body !== null) { init.body = JSON.stringify(body);
            init.headers['Content-Type'] = 'application/json'; }
        const r = await fetch('/api/v1' + path, init);
        return {status: r.status, body: r.status === 204 ? null : await r.json()};
    }""", [method, path, body])


def no_axe_violations(page: Page, what: str) -> None:
    violations = run_axe(page)
    assert not violations, (what, violations)


def test_both_sides_accept_the_contract_on_phones(new_context, marker, no_plaintext, live_server):
    sara = new_context(bypass_csp=True).new_page()          # bypass: axe is injected
    sign_up_as_supervisor(sara)
    pid = str(uuid.uuid4())
    assert call(sara, "POST", "/processes", {"id": pid, "form": "individual"})["status"] == 201
    token = call(sara, "POST", f"/processes/{pid}/invites", {})["body"]["token"]

    anna = new_context(bypass_csp=True).new_page()
    sign_up(anna, name="Anna Aho")
    assert call(anna, "POST", f"/invites/{token}/accept")["status"] == 200

    # The process page has the contract's card; no contract yet.
    sara.goto(f"/processes/{pid}")
    card = sara.locator("section.contract-card")
    expect(card).to_be_visible()
    card.locator(f"a[href='/processes/{pid}/contract']").click()
    sara.wait_for_url(re.compile(rf".*/processes/{pid}/contract$"))
    no_axe_violations(sara, "contract page, empty")

    # The editor starts from the Finnish template; Swedish is one tap away.
    sara.locator(f"a[href='/processes/{pid}/contract/edit']").click()
    sara.wait_for_url(re.compile(r".*/contract/edit$"))
    expect(sara.locator("#c-confidentiality")).to_have_value(re.compile("vaitiolovelvollisuus"))
    no_axe_violations(sara, "contract editor")
    sara.locator("a[lang=sv]").click()
    expect(sara.locator("#c-confidentiality")).to_have_value(re.compile("tystnadsplikt"))
    sara.locator("a[lang=fi]").click()
    expect(sara.locator("#c-confidentiality")).to_have_value(re.compile("vaitiolovelvollisuus"))
    methods = f"Ratkaisukeskeinen työote {marker}"
    sara.fill("#c-methods", methods)
    sara.fill("#c-place", f"Työnohjaushuone {marker}")
    sara.fill("#c-price", "")
    sara.locator("[data-js-contract-edit] [type=submit]").click()
    sara.wait_for_url(re.compile(rf".*/processes/{pid}/contract$"))
    current = sara.locator(".contract [data-js-contract-revision]")
    expect(current.locator("[data-section=methods] [data-text]")).to_have_text(methods)
    expect(current.locator("[data-field=place]")).to_contain_text(marker)
    expect(current.locator("[data-section=price]")).to_be_hidden()    # left empty
    expect(current.locator("[data-heading=confidentiality]")).to_have_text(
        "Luottamuksellisuus ja vaitiolovelvollisuus")

    # Goals: add two, move the second up, mark one achieved.
    for text in (f"Jaksan paremmin {marker}", f"Rajaan työtäni {marker}"):
        sara.fill("#goal-text", text)
        sara.locator("[data-goal-form] [type=submit]").click()
        expect(sara.locator("[data-goal] [data-goal-text]", has_text=text)).to_be_visible()
    sara.locator("[data-goal]").nth(1).locator("[data-goal-move='-1']").click()
    expect(sara.locator("[data-goal] [data-goal-text]").first).to_have_text(
        f"Rajaan työtäni {marker}")
    sara.locator("[data-goal]").first.locator("[data-goal-status=achieved]").click()
    expect(sara.locator("[data-goal]").first).to_have_attribute("data-status", "achieved")
    # Edit a goal's words.
    sara.locator("[data-goal]").nth(1).locator("[data-goal-edit]").click()
    expect(sara.locator("#goal-text")).to_have_value(f"Jaksan paremmin {marker}")
    sara.fill("#goal-text", f"Jaksan paremmin arjessa {marker}")
    sara.locator("[data-goal-form] [type=submit]").click()
    expect(sara.locator("[data-goal]").nth(1).locator("[data-goal-text]")).to_have_text(
        f"Jaksan paremmin arjessa {marker}")
    no_axe_violations(sara, "contract page with goals")

    # The supervisee reads it, goals included, and accepts.
    anna.goto(f"/processes/{pid}/contract")
    revision = anna.locator(".contract [data-js-contract-revision]")
    expect(revision.locator("[data-section=methods] [data-text]")).to_have_text(methods)
    expect(anna.locator("[data-goal] [data-goal-text]")).to_have_text(
        [f"Rajaan työtäni {marker}", f"Jaksan paremmin arjessa {marker}"])
    assert anna.locator("[data-goal-form]").count() == 0
    no_axe_violations(anna, "contract page, supervisee")
    anna.locator("[data-js-contract-accept] [type=submit]").click()
    badge = anna.locator("[data-verify]").first
    expect(badge).to_have_attribute("data-state", "ok")
    assert call(anna, "GET", f"/processes/{pid}")["body"]["status"] == "draft"
    expect(anna.locator("[data-js-contract-accept]")).to_have_count(0)

    # The supervisor sees the signature verified and accepts: the process is active.
    sara.goto(f"/processes/{pid}/contract")
    expect(sara.locator("[data-verify]")).to_have_count(1)
    expect(sara.locator("[data-verify]")).to_have_attribute("data-state", "ok")
    sara.locator("[data-js-contract-accept] [type=submit]").click()
    expect(sara.locator("[data-verify][data-state=ok]")).to_have_count(2)
    assert call(sara, "GET", f"/processes/{pid}")["body"]["status"] == "active"
    sara.goto(f"/processes/{pid}")
    expect(sara.locator("section.contract-card")).to_contain_text("2")
    anna.reload()
    expect(anna.locator("[data-verify][data-state=ok]")).to_have_count(2)
    expect(anna.locator("[data-process-status]")).not_to_have_text("Luonnos")
    no_axe_violations(anna, "contract page, accepted")

    # Printable: no navigation, no buttons; the text and who accepted stay.
    anna.emulate_media(media="print")
    expect(anna.locator(".site-header")).to_be_hidden()
    expect(anna.locator("[data-js-contract-print]")).to_be_hidden()
    expect(anna.locator(".back-links")).to_be_hidden()
    expect(revision.locator("[data-section=methods] [data-text]")).to_be_visible()
    expect(anna.locator(".acceptance-list")).to_be_visible()
    anna.emulate_media(media="screen")

    # An amendment: a new revision both accept again; the first stays readable.
    sara.goto(f"/processes/{pid}/contract")
    sara.locator(f"a[href='/processes/{pid}/contract/edit']").click()
    expect(sara.locator("#c-methods")).to_have_value(methods)
    sara.fill("#c-methods", f"Myös toiminnalliset menetelmät {marker}")
    sara.locator("[data-js-contract-edit] [type=submit]").click()
    sara.wait_for_url(re.compile(rf".*/processes/{pid}/contract$"))
    anna.goto(f"/processes/{pid}/contract")
    expect(anna.locator(".contract [data-section=methods] [data-text]")).to_have_text(
        f"Myös toiminnalliset menetelmät {marker}")
    anna.locator(".contract-earlier summary").click()
    expect(anna.locator(".contract-earlier [data-section=methods] [data-text]")).to_have_text(
        methods)
    expect(anna.locator(".contract-earlier [data-verify][data-state=ok]")).to_have_count(2)
    expect(anna.locator("[data-js-contract-accept]")).to_have_count(1)
    no_axe_violations(anna, "amended contract with an earlier revision open")


def test_an_acceptance_the_server_altered_is_a_loud_warning(new_context, marker, no_plaintext,
                                                           live_server):
    """The server swaps a stored acceptance's signature: every client shows the warning."""
    sara = new_context().new_page()
    sign_up_as_supervisor(sara, name="Sara Toinen")
    pid = str(uuid.uuid4())
    assert call(sara, "POST", "/processes", {"id": pid, "form": "crisis"})["status"] == 201
    sara.goto(f"/processes/{pid}/contract/edit")
    sara.fill("#c-methods", f"Kriisityö {marker}")
    sara.locator("[data-js-contract-edit] [type=submit]").click()
    sara.wait_for_url(re.compile(rf".*/processes/{pid}/contract$"))
    sara.locator("[data-js-contract-accept] [type=submit]").click()
    expect(sara.locator("[data-verify]")).to_have_attribute("data-state", "ok")
    uid = sara.get_attribute('meta[name="valitila-user"]', "content")
    from sqlalchemy import update

    from webapp.extensions import db
    from webapp.models.contracts import Acceptance
    with live_server.app.app_context():
        db.session.execute(update(Acceptance).where(Acceptance.user_uid == uid)
                           .values(sig="A" * 86))
        db.session.commit()
    sara.reload()
    expect(sara.locator("[data-verify]")).to_have_attribute("data-state", "error")
    alert = sara.locator(".contract [data-status][role=alert]")
    expect(alert).to_be_visible()
    expect(alert).to_have_attribute("data-state", "error")
