"""Ending an ended process's retention early by agreement, in two browsers: Anna writes a
journal entry (sealed, with the marker); Sara ends their process in her browser; the
process page shows the retention card; Sara proposes deleting now on the retention page
(axe-core on it), Anna sees the proposal, what will be deleted and what stays, the link to
the export in Settings, and agrees (axe-core again); both see everyone agreed, the retention
ends today, and `flask apply-retention` (CliRunner against the live server's app) deletes the
process while Anna's entry stays hers. The no-plaintext proof runs after the test."""
from __future__ import annotations

from playwright.sync_api import expect

from webapp.extensions import db
from webapp.models import Item, Process
from webapp.services import retention

from ..factories import make_process
from ..test_invite_email import MAIL_KEYS, smtp_server
from .journeys import sign_up, write_entry
from .test_assignments import no_axe_violations, uid_of


def test_the_members_agree_to_delete_an_ended_process_now(new_context, live_server, marker,
                                                          no_plaintext):
    anna = new_context(bypass_csp=True).new_page()     # bypass: axe is injected as a script
    sign_up(anna, name="Anna Ohjattava")
    entry = write_entry(anna, f"Oma {marker}", f"Pohdinta {marker}")
    sara = new_context(bypass_csp=True).new_page()
    sign_up(sara, name="Sara Ohjaaja", supervisor=True)
    pid = make_process(uid_of(sara), uid_of(anna), status="active", app=live_server.app)

    # Sara ends the process in her browser (the API call the end button makes).
    sara.goto(f"/processes/{pid}")
    status = sara.evaluate("""async (pid) => {
        const csrf = document.querySelector('meta[name="csrf-token"]').content;
        const r = await fetch(`/api/v1/processes/${pid}/end`, {method: 'POST',
            headers: {'X-CSRF-Token': csrf}});
        return r.status; }""", pid)
    assert status == 200
    sara.reload()
    card = sara.locator("[data-retention-card]")
    expect(card).to_be_visible()
    card.locator("[data-retention-link]").click()
    sara.wait_for_url(f"**/processes/{pid}/retention")
    no_axe_violations(sara)
    sara.locator("[data-propose-button]").click()
    sara.wait_for_url(f"**/processes/{pid}/retention")
    expect(sara.locator("[data-flash]")).to_be_visible()
    expect(sara.locator(f'[data-member="{uid_of(sara)}"]')).to_have_attribute(
        "data-agreed", "yes")

    # Anna sees the proposal, what goes and what stays, the export, and agrees.
    anna.goto(f"/processes/{pid}")
    anna.locator("[data-retention-link]").click()
    anna.wait_for_url(f"**/processes/{pid}/retention")
    expect(anna.locator("[data-proposed]")).to_be_visible()
    expect(anna.locator("[data-export-link]")).to_have_attribute("href", "/account/#export")
    expect(anna.locator(f'[data-member="{uid_of(anna)}"]')).to_have_attribute(
        "data-agreed", "no")
    no_axe_violations(anna)
    anna.locator("[data-agree-button]").click()
    anna.wait_for_url(f"**/processes/{pid}/retention")
    expect(anna.locator("[data-all-agreed]")).to_be_visible()
    no_axe_violations(anna)
    sara.reload()
    expect(sara.locator("[data-all-agreed]")).to_be_visible()
    with live_server.app.app_context():
        assert db.session.get(Process, pid).retention_until == retention.local_day()

    # The next run of the command deletes the process; Anna's entry stays hers.
    config = live_server.app.config
    saved = {key: config.get(key) for key in (*MAIL_KEYS, "PUBLIC_URL")}
    try:
        with smtp_server() as (inbox, port):
            config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), MAIL_USE_TLS="0",
                          PUBLIC_URL=live_server.url)
            result = live_server.app.test_cli_runner().invoke(args=["apply-retention"])
            assert result.exit_code == 0, result.output
            assert "purged 1 ended processes" in result.output
            assert inbox.received == []              # everyone agreed: no notice needed
    finally:
        for key, value in saved.items():
            if value is None:
                config.pop(key, None)
            else:
                config[key] = value
    with live_server.app.app_context():
        assert db.session.get(Process, pid).purged_at is not None
        assert db.session.get(Item, entry) is not None
        db.session.remove()
    assert anna.goto(f"/processes/{pid}/retention").status == 409    # nothing left to agree
