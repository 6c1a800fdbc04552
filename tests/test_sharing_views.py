"""The sharing pages (issue 9) per role: an entry's share panel (its author only), "What I
have shared", the supervisor's view of one supervisee (the supervisor and the supervisee
themself; 404 for anyone else), and the readers endpoint used for key rotation. Pages carry
ciphertext and structure only."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime

import protocol

from .factories import api_register, make_process
from .helpers import Person
from .test_views import assert_clean_markup, assert_page, parse, sealed_of

SECRET_TITLE = "Salainen jakotesti"
SECRET_BODY = "Tämän saa lukea vain työnohjaaja"


@pytest.fixture
def sara(app) -> Person:
    return api_register(app, "sara@example.fi", display_name="Sara Ohjaaja", is_supervisor=True)


@pytest.fixture
def anna(app) -> Person:
    return api_register(app, "anna@example.fi", display_name="Anna Aalto")


@pytest.fixture
def bertta(app) -> Person:
    return api_register(app, "bertta@example.fi", display_name="Bertta Berg")


@pytest.fixture
def pid(app, sara, anna, bertta) -> str:
    return make_process(sara.uid, anna.uid, bertta.uid, status="active", app=app)


def share(author: Person, item_id: str, reader: Person, pid: str, **extra) -> None:
    x = protocol.b64u_decode(author.bundle_of(reader.uid)["x25519"], 32)
    envelope = protocol.share_envelope(author.deks[item_id], item_id, reader.uid, x)
    response = author.put(f"/items/{item_id}/envelopes/{reader.uid}",
                          {"envelope": envelope, "process": pid, **extra})
    assert response.status_code == 204, response.get_json()


def soon(days: int = 2) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def test_the_entry_page_loads_the_share_panel_for_its_author_only(anna, sara, pid):
    item_id = anna.write(SECRET_TITLE, SECRET_BODY)
    doc = assert_page(anna.client.get(f"/journal/{item_id}"))
    panel = doc.find("section", id="share-panel")
    assert panel.attrs["hx-get"] == f"/shared/items/{item_id}"
    share(anna, item_id, sara, pid)
    # The reader (the supervisor) opens the entry page, without the panel.
    doc = assert_page(sara.client.get(f"/journal/{item_id}"))
    assert not doc.find_all("section", id="share-panel")


def test_the_share_panel_shows_targets_and_shares(anna, sara, pid):
    item_id = anna.write(SECRET_TITLE, SECRET_BODY)
    response = anna.client.get(f"/shared/items/{item_id}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    doc = assert_clean_markup(html)
    panel = doc.find("section", data_js_share_panel=True)
    assert panel.attrs["data-item"] == item_id and panel.attrs["data-rekey-due"] == "false"
    radio = doc.find("input", name="process")
    assert radio.attrs["value"] == pid and radio.attrs["data-supervisor"] == sara.uid
    assert radio.attrs["data-bring"] == "false"
    assert "checked" not in doc.find("input", id="share-bring").attrs
    assert "interval_days" in radio.attrs["data-frame"]
    assert "Sara Ohjaaja" in html and not doc.find_all(data_revoke=True)
    # Not shared through the process yet: the button shares (the other label waits hidden).
    assert radio.attrs["data-shared"] == "false"
    assert "hidden" not in doc.find("span", data_label_share=True).attrs
    assert "hidden" in doc.find("span", data_label_update=True).attrs
    assert "hidden" in doc.find("div", data_keep_choice=True).attrs
    assert "checked" in doc.find("input", id="share-until-revoked").attrs
    share(anna, item_id, sara, pid, expires_at=soon(), bring=True)
    shared = anna.client.get(f"/shared/items/{item_id}").get_data(as_text=True)
    doc = parse(shared)
    assert doc.find("button", data_revoke=sara.uid)
    assert not re.search(r"\(\s", shared)    # the process's name right after its bracket
    # Sharing again starts from the current share's "bring" (else a re-share drops it).
    assert "checked" in doc.find("input", id="share-bring").attrs
    assert doc.find("input", name="process").attrs["data-bring"] == "true"
    # ... and the button says it changes the share that is there.
    assert doc.find("input", name="process").attrs["data-shared"] == "true"
    assert "hidden" in doc.find("span", data_label_share=True).attrs
    assert "hidden" not in doc.find("span", data_label_update=True).attrs
    # ... and keeps the share's end unless she picks another (never quietly open-ended).
    assert "hidden" not in doc.find("div", data_keep_choice=True).attrs
    assert "checked" in doc.find("input", id="share-keep").attrs
    assert "checked" not in doc.find("input", id="share-until-revoked").attrs
    radio = doc.find("input", name="process")
    assert radio.attrs["data-expires"] and radio.attrs["data-keep-label"].startswith("Ennallaan")
    assert doc.find("time", data_js_localtime=True)
    assert SECRET_TITLE not in html and SECRET_BODY not in html


def test_the_share_panel_is_the_authors_only(anna, sara, bertta, pid):
    item_id = anna.write()
    share(anna, item_id, sara, pid)
    for other in (sara, bertta):
        assert other.client.get(f"/shared/items/{item_id}").status_code == 404
    assert anna.client.get("/shared/items/not-an-id").status_code == 400


def test_what_i_have_shared(anna, sara, bertta, pid):
    empty = assert_page(anna.client.get("/shared"))
    assert empty.find("section", class_="empty-state")
    first, second, private = anna.write(), anna.write(), anna.write(SECRET_TITLE, SECRET_BODY)
    share(anna, first, sara, pid)
    share(anna, second, sara, pid, bring=True, expires_at=soon())
    bertta_item = bertta.write()
    share(bertta, bertta_item, sara, pid)
    response = anna.client.get("/shared")
    doc = assert_page(response)
    rows = doc.find_all("li", data_share=True)
    assert [r.attrs["data-item"] for r in rows] == [second, first]     # marked first
    assert {r.attrs["data-reader"] for r in rows} == {sara.uid}
    for row in rows:                        # the author's own copy, to open the title
        assert sealed_of(row.find("article"))["envelope"]["recipient"] == anna.uid
    assert doc.find("button", data_revoke_all=True)
    assert doc.find("a", href=f"/processes/{pid}/people/{anna.uid}/shared")
    html = response.get_data(as_text=True)
    assert private not in html and bertta_item not in html
    assert SECRET_TITLE not in html and SECRET_BODY not in html


@pytest.mark.parametrize("viewer", ["sara", "anna"])
def test_the_supervisors_view_for_the_supervisor_and_the_supervisee(request, anna, sara,
                                                                    bertta, pid, viewer):
    older, marked = anna.write(), anna.write(SECRET_TITLE, SECRET_BODY)
    share(anna, older, sara, pid)
    share(anna, marked, sara, pid, bring=True)
    anna.write()                                            # not shared
    share(bertta, bertta.write(), sara, pid)
    person = request.getfixturevalue(viewer)
    response = person.client.get(f"/processes/{pid}/people/{anna.uid}/shared")
    doc = assert_page(response)
    cards = [sealed_of(a) for a in doc.find_all("article", data_js_sealed=True)
             if sealed_of(a)["kind"] == "entry"]
    assert [c["id"] for c in cards] == [marked, older]
    assert {c["envelope"]["recipient"] for c in cards} == {person.uid}
    assert person.open(cards[0])["title"] == SECRET_TITLE  # opens with the viewer's keys
    assert doc.find("span", class_="badge")
    html = response.get_data(as_text=True)
    assert SECRET_TITLE not in html and SECRET_BODY not in html


def test_the_supervisors_view_is_404_for_everyone_else(app, anna, sara, bertta, pid):
    share(anna, anna.write(), sara, pid)
    other_supervisor = api_register(app, "olli@example.fi", is_supervisor=True)
    make_process(other_supervisor.uid, bertta.uid, status="active", app=app)
    path = f"/processes/{pid}/people/{anna.uid}/shared"
    for person in (bertta, other_supervisor):
        assert_page(person.client.get(path), 404)
    assert_page(sara.client.get(f"/processes/{pid}/people/{sara.uid}/shared"), 404)
    assert_page(sara.client.get(f"/processes/{pid}/people/not-a-uid/shared"), 400)
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_readers_endpoint_for_the_rotation(anna, sara, bertta, pid):
    item_id = anna.write()
    until = soon(3)
    share(anna, item_id, sara, pid, expires_at=until, bring=True)
    share(anna, item_id, bertta, pid)
    answer = anna.get(f"/items/{item_id}/readers").get_json()
    assert answer["rekey_due"] is False
    assert {(r["recipient"], r["process"], r["bring"]) for r in answer["readers"]} == {
        (sara.uid, pid, True), (bertta.uid, pid, False)}
    revoked = anna.delete(f"/items/{item_id}/envelopes/{bertta.uid}")
    assert revoked.status_code == 204
    assert bertta.get(f"/items/{item_id}").status_code == 404
    answer = anna.get(f"/items/{item_id}/readers").get_json()
    assert answer["rekey_due"] is True and [r["recipient"] for r in answer["readers"]] == [
        sara.uid]
    for other in (sara, bertta):
        assert other.get(f"/items/{item_id}/readers").status_code == 404


def test_settings_lead_to_what_i_have_shared(anna):
    html = anna.client.get("/account/").get_data(as_text=True)
    assert 'href="/shared"' in html


def test_the_journal_lists_only_ones_own_entries(anna, sara, pid):
    """What a supervisee shares appears on the supervisor's per-supervisee page, never in the
    supervisor's own journal (nor in the supervisee's: it is hers already)."""
    shared = anna.write(SECRET_TITLE, SECRET_BODY)
    share(anna, shared, sara, pid)
    own = sara.write("Oma", "Ohjaajan oma merkintä.")

    def listed(person, path="/journal/"):
        doc = assert_page(person.client.get(path))
        return {sealed_of(el)["id"] for el in doc.find_all("article")
                if "data-sealed" in el.attrs}

    assert listed(sara) == {own}
    assert listed(anna) == {shared}
    assert listed(sara, f"/processes/{pid}/people/{anna.uid}/shared") == {shared}


def test_the_supervisors_view_pages_with_show_more(app, anna, sara, pid, monkeypatch):
    """A page of PAGE_SIZE cards, then "Show more" (a plain link, and an htmx fragment that
    replaces it) until every shared item was listed once; a bad cursor is a 400."""
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    shared = []
    for n in range(5):
        item_id = anna.write()
        share(anna, item_id, sara, pid, bring=n == 0)
        shared.append(item_id)
    path = f"/processes/{pid}/people/{anna.uid}/shared"
    doc = assert_page(sara.client.get(path))
    seen = [sealed_of(a)["id"] for a in doc.find_all("article", data_js_sealed=True)
            if sealed_of(a)["kind"] == "entry"]
    more = doc.find("li", id="load-more").find("a").attrs
    pages = 1
    while more is not None:
        assert more["href"] == more["hx-get"] and more["href"].startswith(path + "?before=")
        response = sara.client.get(more["hx-get"], headers={"HX-Request": "true"})
        assert response.status_code == 200
        fragment = parse(response.get_data(as_text=True))
        assert not fragment.find_all("html") and not fragment.find_all("nav")
        seen += [sealed_of(a)["id"] for a in fragment.find_all("article", data_js_sealed=True)]
        pages += 1
        found = fragment.find_all("li", id="load-more")
        more = found[0].find("a").attrs if found else None
    assert pages == 3
    assert seen == [shared[0]] + list(reversed(shared[1:]))
    assert_page(sara.client.get(path + "?before=bm90LWEtY3Vyc29y"), 400)


def test_share_times_are_written_in_the_readers_zone_and_language(anna, sara, pid):
    """The times the pages write before their script runs: the author's panel in her zone
    and language (Babel), the supervisor's list in his zone; never the stored UTC."""
    item_id = anna.write(SECRET_TITLE, SECRET_BODY)
    until = (datetime.now(UTC) + timedelta(days=3)).replace(hour=22, minute=30, second=0,
                                                            microsecond=0)
    share(anna, item_id, sara, pid, expires_at=until.isoformat())
    helsinki = until.astimezone(ZoneInfo("Europe/Helsinki"))
    assert helsinki.date() != until.date()                         # past midnight there
    panel = parse(anna.client.get(f"/shared/items/{item_id}").get_data(as_text=True))
    [time] = [t for t in panel.find_all("time") if t.attrs["datetime"] == until.isoformat()]
    assert time.text == format_datetime(until, "short", tzinfo=ZoneInfo("Europe/Helsinki"),
                                        locale="fi")
    listed = sara.client.get(f"/processes/{pid}/people/{anna.uid}/shared").get_data(as_text=True)
    assert f"{helsinki.day:02d}.{helsinki.month:02d}.{helsinki.year} 0" in listed
    assert until.strftime("%d.%m.%Y %H:%M") not in listed


def test_stopping_a_share_does_not_make_the_entry_read_edited(anna, sara, pid):
    """The key rotation after a revoke is a new rev of the same text: the entry page does not
    say "edited" for it (it said so until 2026-12-03); editing the text does."""
    item_id = anna.write(SECRET_TITLE, SECRET_BODY)
    share(anna, item_id, sara, pid)
    assert anna.delete(f"/items/{item_id}/envelopes/{sara.uid}").status_code == 204
    # The rotation, as the author's client makes it: a new DEK, the owner's envelope only.
    anna.deks.pop(item_id)
    _, body = anna.seal({"title": SECRET_TITLE, "body": SECRET_BODY, "tags": []},
                        item_id=item_id, rev=2, owner_envelope=False)
    body["envelopes"] = [protocol.owner_envelope(anna.account.ak, anna.deks[item_id], item_id,
                                                 anna.uid)]
    assert anna.put(f"/items/{item_id}", body).status_code == 200
    assert anna.get(f"/items/{item_id}/readers").get_json()["rekey_due"] is False

    def meta() -> str:
        doc = assert_page(anna.client.get(f"/journal/{item_id}"))
        return doc.find("p", **{"class": "entry-meta"}).all_text()

    assert "muokattu" not in meta()
    _, body = anna.seal({"title": SECRET_TITLE, "body": "Uusi teksti", "tags": []},
                        item_id=item_id, rev=3)
    assert anna.put(f"/items/{item_id}", body).status_code == 200
    assert "muokattu" in meta()
