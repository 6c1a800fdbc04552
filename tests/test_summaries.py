"""A held session's shared summary (kind "summary", webapp/services/summaries.py) through the
item PUT, and the pages that show it (webapp/held/): who may write one (the process's
supervisor, for a held session of the process, one per session, to members only), who reads
it (the members it was sealed to, in their browsers), and what nobody else learns (404)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from webapp.extensions import db
from webapp.home import queries
from webapp.models import Envelope, User
from webapp.models.types import utcnow

from .factories import (
    add_session,
    api_register,
    end_membership_row,
    make_process,
    share_body,
)
from .test_agendas import _agenda_item
from .test_rollover_races import _agenda

SECRET = "Sovimme, että Anna kokeilee uutta vuorolistaa."


class Cast:
    """sara supervises a group `pid` with anna and bertta (and former member fiia): `held`
    (marked held an hour after it began), `coming` (planned, next week); olli supervises
    `other` with stranger-to-sara ulla; ville is in nothing."""

    def __init__(self, app) -> None:
        self.app = app
        self.sara = api_register(app, is_supervisor=True)
        self.anna, self.bertta, self.fiia = (api_register(app) for _ in range(3))
        self.olli, self.ulla = api_register(app, is_supervisor=True), api_register(app)
        self.ville = api_register(app)
        self.pid = make_process(self.sara.uid, self.anna.uid, self.bertta.uid, self.fiia.uid,
                                form="group", status="active", app=app)
        end_membership_row(self.pid, self.fiia.uid, app)
        self.other = make_process(self.olli.uid, self.ulla.uid, status="active", app=app)
        now = utcnow()
        self.held = add_session(self.pid, now - timedelta(hours=2), app=app)
        self.coming = add_session(self.pid, now + timedelta(days=7), app=app)
        self.theirs = add_session(self.other, now - timedelta(hours=2), app=app)
        for who, sid in ((self.sara, self.held), (self.olli, self.theirs)):
            assert who.patch(f"/sessions/{sid}", {"status": "held"}).status_code == 200

    def body(self, author, text=SECRET, *, readers=None, session=None, pid=None,
             item_id=None, rev=1):
        """A PUT body of a summary by `author` ({body} sealed), for `readers` (default: the
        process's active supervisees)."""
        item_id, body = author.seal({"body": text}, kind="summary", item_id=item_id, rev=rev)
        body["process"] = pid or self.pid
        body["links"] = {"session": session or self.held}
        if rev == 1:
            for reader in (self.anna, self.bertta) if readers is None else readers:
                body["envelopes"].append(share_body(author, item_id, reader.uid, self.app))
        return item_id, body


@pytest.fixture
def cast(app):
    return Cast(app)


def write(cast, author=None, **kw):
    author = author or cast.sara
    item_id, body = cast.body(author, **kw)
    return item_id, author.put(f"/items/{item_id}", body)


def error(response) -> str:
    return response.get_json()["error"]["code"]


# -- writing ---------------------------------------------------------------------------------

def test_the_supervisor_writes_a_summary_every_member_opens(cast):
    item_id, response = write(cast)
    assert response.status_code == 201, response.get_json()
    for member in (cast.anna, cast.bertta):
        got = member.get(f"/items/{item_id}")
        assert got.status_code == 200
        item = got.get_json()
        assert item["kind"] == "summary" and item["links"] == {"session": cast.held}
        assert member.open(item) == {"body": SECRET}
    assert SECRET not in response.get_data(as_text=True)


def test_a_supervisee_may_not_write_one(cast):
    item_id, body = cast.body(cast.anna, readers=[cast.sara])
    response = cast.anna.put(f"/items/{item_id}", body)
    assert (response.status_code, error(response)) == (403, "not_supervisor")


def test_only_for_a_held_session(cast):
    _, response = write(cast, session=cast.coming)
    assert (response.status_code, error(response)) == (409, "session_not_held")


def test_a_summary_names_its_session(cast):
    item_id, body = cast.body(cast.sara)
    del body["links"]
    response = cast.sara.put(f"/items/{item_id}", body)
    assert (response.status_code, error(response)) == (400, "session_required")


def test_the_session_must_be_the_processs_own(cast):
    _, response = write(cast, session=cast.theirs)
    assert response.status_code == 404 and error(response) == "session_not_found"


def test_one_summary_per_session(cast):
    first, response = write(cast)
    assert response.status_code == 201
    _, again = write(cast, text="Toinen")
    assert (again.status_code, error(again)) == (409, "summary_exists")
    assert again.get_json()["error"]["item"] == first
    # Its author edits the one there is instead.
    _, edit = cast.body(cast.sara, text="Korjattu", item_id=first, rev=2)
    assert cast.sara.put(f"/items/{first}", edit).status_code == 200
    # Deleted, a new one may be written.
    assert cast.sara.delete(f"/items/{first}").status_code == 204
    assert write(cast)[1].status_code == 201


def test_a_summary_keeps_its_session(cast):
    """An edit may not move it to another session, nor drop the link; links left out keep
    it."""
    item_id, response = write(cast)
    assert response.status_code == 201
    other = add_session(cast.pid, utcnow() - timedelta(hours=30), status="held", app=cast.app)
    for links in ({"session": other}, None):
        _, edit = cast.body(cast.sara, text="Siirretty", item_id=item_id, rev=2)
        edit["links"] = links
        moved = cast.sara.put(f"/items/{item_id}", edit)
        assert (moved.status_code, error(moved)) == (400, "session_immutable")
    _, edit = cast.body(cast.sara, text="Korjattu", item_id=item_id, rev=2)
    del edit["links"]
    assert cast.sara.put(f"/items/{item_id}", edit).status_code == 200
    assert cast.anna.get(f"/items/{item_id}").get_json()["links"] == {"session": cast.held}


@pytest.mark.parametrize("outsider", ["ville", "ulla", "fiia"])
def test_members_only(cast, outsider):
    """Nobody outside the process, nor a former member, gets an envelope of it."""
    person = getattr(cast, outsider)
    item_id, response = write(cast, readers=[cast.anna, person])
    assert response.status_code == 403, response.get_json()
    assert error(response) in {"not_shared_process", "not_member"}
    assert cast.anna.get(f"/items/{item_id}").status_code == 404       # nothing was made
    # Nor later, one reader at a time.
    item_id, response = write(cast)
    assert response.status_code == 201
    share = {"envelope": share_body(cast.sara, item_id, person.uid, cast.app),
             "process": cast.pid}
    later = cast.sara.put(f"/items/{item_id}/envelopes/{person.uid}", share)
    assert later.status_code == 403
    assert person.get(f"/items/{item_id}").status_code == 404


def test_a_member_it_was_not_sealed_to_cannot_read_it(cast):
    item_id, response = write(cast, readers=[cast.anna])
    assert response.status_code == 201
    assert cast.bertta.get(f"/items/{item_id}").status_code == 404
    page = cast.bertta.client.get(f"/processes/{cast.pid}/sessions/{cast.held}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "data-summary-not-shared" in html and item_id not in html


def test_a_supervisor_of_another_process_cannot_write_one_here(cast):
    _, response = write(cast, author=cast.olli, readers=[])
    assert response.status_code == 404 and error(response) == "process_not_found"


def test_a_summary_of_an_ended_process_stays_as_it_was(cast):
    item_id, response = write(cast)
    assert response.status_code == 201
    assert cast.sara.post(f"/processes/{cast.pid}/end").status_code == 200
    _, edit = cast.body(cast.sara, text="Myöhemmin", item_id=item_id, rev=2)
    assert cast.sara.put(f"/items/{item_id}", edit).status_code == 409
    assert cast.anna.open(cast.anna.get(f"/items/{item_id}").get_json()) == {"body": SECRET}


# -- pages -----------------------------------------------------------------------------------

def page(person, path):
    return person.client.get(path)


def test_the_session_page_shows_the_summary_to_its_members(cast):
    item_id, _ = write(cast)
    for member in (cast.sara, cast.anna, cast.bertta):
        html = page(member, f"/processes/{cast.pid}/sessions/{cast.held}").get_data(
            as_text=True)
        assert "data-js-summary" in html and item_id in html
        assert SECRET not in html
        assert ("data-after-link" in html) == (member is cast.sara)


def test_before_a_summary_the_session_page_says_so(cast):
    html = page(cast.anna, f"/processes/{cast.pid}/sessions/{cast.held}").get_data(
        as_text=True)
    assert "data-no-summary" in html and "data-after-link" not in html
    coming = page(cast.sara, f"/processes/{cast.pid}/sessions/{cast.coming}").get_data(
        as_text=True)
    assert "data-session-summary" not in coming and "data-after-help" in coming


def test_the_after_page_for_the_supervisor(cast):
    undone = _agenda(cast.app, cast.coming, cast.pid, 1, done=0)
    assert undone
    response = page(cast.sara, f"/processes/{cast.pid}/sessions/{cast.held}/after")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "data-summary-form" in html
    assert f'data-members="{" ".join(sorted([cast.anna.uid, cast.bertta.uid]))}"' in html
    assert cast.fiia.uid not in html                       # a former member gets nothing
    assert f'data-session="{cast.held}"' in html and "data-notes-link" in html
    assert "data-assign-link" in html and "data-rolled" in html
    item_id, _ = write(cast)
    html = page(cast.sara, f"/processes/{cast.pid}/sessions/{cast.held}/after").get_data(
        as_text=True)
    assert f'"id":"{item_id}"' in html and SECRET not in html      # edited, not written anew


def test_the_after_page_for_a_member_reads_only(cast):
    item_id, _ = write(cast)
    html = page(cast.anna, f"/processes/{cast.pid}/sessions/{cast.held}/after").get_data(
        as_text=True)
    assert "data-summary-form" not in html and "data-js-summary " in html and item_id in html
    assert "data-notes-link" not in html and "data-after-next" not in html


def test_the_after_page_of_a_planned_session(cast):
    html = page(cast.sara, f"/processes/{cast.pid}/sessions/{cast.coming}/after").get_data(
        as_text=True)
    assert "data-not-held" in html and "data-summary-form" not in html


@pytest.mark.parametrize("outsider", ["ville", "ulla", "fiia", "olli"])
def test_foreign_users_get_404(cast, outsider):
    write(cast)
    person = getattr(cast, outsider)
    for path in (f"/processes/{cast.pid}/sessions/{cast.held}/after",
                 f"/processes/{cast.pid}/sessions/{cast.held}"):
        assert page(person, path).status_code == 404


def test_a_session_of_another_process_under_this_ones_address_is_404(cast):
    path = f"/processes/{cast.pid}/sessions/{cast.theirs}/after"
    assert page(cast.sara, path).status_code == 404
    assert page(cast.sara, f"/processes/{cast.pid}/sessions/nope/after").status_code == 404


# -- bad input (gathered by tests/test_api_bad_input.py) ----------------------------------------

def summary_cases():
    """Summaries written through PUT /items/{id} wrongly. The bad-input world: anna
    supervises `pid` (bertta a supervisee; no sessions) and an ended process."""
    from .test_api_bad_input import Case, P

    def body(process="pid", session="random22", who="anna"):
        def make(w):
            author = w.anna if who == "anna" else w.bertta
            made = author.seal({"body": "x"}, item_id=w.new, kind="summary")[1]
            if process:
                made["process"] = getattr(w, process)
            if session:
                made["links"] = {"session": "A" * 22}
            return made
        return make

    path = "/items/{new}"
    yield P("no-process", Case("PUT", path, body(process=None, session=None), status=400,
                               code="process_required"))
    yield P("no-session", Case("PUT", path, body(session=None), status=400,
                               code="session_required"))
    yield P("unknown-session", Case("PUT", path, body(), status=404, code="session_not_found"))
    yield P("by-a-supervisee", Case("PUT", path, body(session=None, who="bertta"),
                                    who="bertta", status=403, code="not_supervisor"))
    yield P("ended-process", Case("PUT", path, body(process="ended"), status=409,
                                  code="process_ended"))


# -- the supervisee's home -------------------------------------------------------------------

def _home_row(cast, person):
    with cast.app.app_context():
        home = queries.home(db.session.get(User, person.uid))
        return next(row for row in home.supervised if row.process.id == cast.pid)


def test_the_home_shows_the_last_sessions_summary_and_the_next_agenda(cast):
    anna, bertta = cast.anna, cast.bertta
    row = _home_row(cast, anna)
    assert row.last_held.id == cast.held and row.next_session.id == cast.coming
    assert not row.summary_readable and not row.agenda_shared
    page = anna.client.get("/home/").get_data(as_text=True)
    assert "data-last-summary" not in page and "data-next-agenda" not in page
    # A summary sealed to Anna only: she has one to read, Bertta not.
    item_id, response = write(cast, readers=[anna])
    assert response.status_code == 201
    assert _home_row(cast, anna).summary_readable
    assert not _home_row(cast, bertta).summary_readable
    page = anna.client.get("/home/").get_data(as_text=True)
    after = f"/processes/{cast.pid}/sessions/{cast.held}/after"
    assert "data-last-summary" in page and after in page and SECRET not in page
    assert "data-last-summary" not in bertta.client.get("/home/").get_data(as_text=True)
    # The next session's agenda, once shared with both.
    agenda = _agenda_item(cast.sara, cast.pid, cast.coming, {}, readers=(anna.uid, bertta.uid),
                          app=cast.app)
    assert cast.sara.put(f"/sessions/{cast.coming}/agenda",
                         {"version": 0, "item": agenda, "lines": []}).status_code == 200
    assert not _home_row(cast, anna).agenda_shared            # saved, not shared yet
    assert cast.sara.post(f"/sessions/{cast.coming}/agenda/share").status_code == 200
    assert _home_row(cast, anna).agenda_shared and _home_row(cast, bertta).agenda_shared
    page = bertta.client.get("/home/").get_data(as_text=True)
    assert "data-next-agenda" in page
    assert f"/processes/{cast.pid}/sessions/{cast.coming}/agenda" in page
    # A share that ran out is not there to read.
    with cast.app.app_context():
        db.session.execute(update(Envelope).where(Envelope.item_id == item_id,
                                                  Envelope.recipient_uid == anna.uid)
                           .values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    assert not _home_row(cast, anna).summary_readable
