"""The sessions API, the schedule card and the session page, the one-off .ics, the calendar
feed over HTTP (parsed with the icalendar library) and the time zone setting."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from webapp.extensions import db
from webapp.models import Item

from .factories import api_register, csrf_from
from .test_views import parse


@pytest.fixture
def people(app):
    sara = api_register(app, "sara@example.fi", display_name="Sara Ohjaaja", is_supervisor=True)
    anna = api_register(app, "anna@example.fi", display_name="Anna Aho")
    mallory = api_register(app, "mallory@example.fi", display_name="Mallory")
    pid = str(uuid.uuid4())
    assert sara.post("/processes", {"id": pid, "form": "crisis"}).status_code == 201
    invite = sara.post(f"/processes/{pid}/invites", {}).get_json()
    assert anna.post(f"/invites/{invite['token']}/accept").status_code == 200
    sara.pid = pid
    return sara, anna, mallory


def _generate(sara, day="2027-03-10", clock="17:00"):
    response = sara.post(f"/processes/{sara.pid}/sessions/generate",
                         {"date": day, "time": clock})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["sessions"]


def test_generate_list_and_read(people):
    sara, anna, mallory = people
    sessions = _generate(sara)
    assert len(sessions) == 3                                   # crisis: 3 sessions, a week apart
    assert [s["starts_at"] for s in sessions] == [
        "2027-03-10T15:00:00Z", "2027-03-17T15:00:00Z", "2027-03-24T15:00:00Z"]
    assert sessions[0]["ends_at"] == "2027-03-10T16:15:00Z" and sessions[0]["minutes"] == 75
    assert set(sessions[0]) == {"id", "process", "starts_at", "ends_at", "minutes", "status",
                                "cancel_reason", "updated_at"}
    listed = anna.get(f"/processes/{sara.pid}/sessions").get_json()["sessions"]
    assert [s["id"] for s in listed] == [s["id"] for s in sessions]
    assert anna.get(f"/sessions/{sessions[0]['id']}").get_json() == sessions[0]
    again = sara.post(f"/processes/{sara.pid}/sessions/generate",
                      {"date": "2027-04-01", "time": "10:00"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "schedule_exists"
    assert mallory.get(f"/processes/{sara.pid}/sessions").status_code == 404
    assert mallory.get(f"/sessions/{sessions[0]['id']}").status_code == 404


def test_patch_move_cancel_uncancel_and_held(people):
    sara, anna, _ = people
    first, second, _third = _generate(sara)
    moved = sara.patch(f"/sessions/{first['id']}", {"date": "2027-03-11", "time": "08:00",
                                                    "minutes": 90,
                                                    "updated_at": first["updated_at"]})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["starts_at"] == "2027-03-11T06:00:00Z"
    assert moved.get_json()["minutes"] == 90
    stale = sara.patch(f"/sessions/{first['id']}", {"status": "cancelled",
                                                    "cancel_reason": "illness",
                                                    "updated_at": first["updated_at"]})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "session_changed"
    cancelled = sara.patch(f"/sessions/{second['id']}", {"status": "cancelled",
                                                         "cancel_reason": "conflict"})
    assert cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["cancel_reason"] == "conflict"
    back = sara.patch(f"/sessions/{second['id']}", {"status": "planned"})
    assert back.get_json()["status"] == "planned" and back.get_json()["cancel_reason"] is None
    early = sara.patch(f"/sessions/{second['id']}", {"status": "held"})
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "not_started"
    refused = anna.patch(f"/sessions/{second['id']}", {"status": "cancelled",
                                                       "cancel_reason": "illness"})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "not_supervisor"
    past = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    added = sara.post(f"/processes/{sara.pid}/sessions", {"date": past, "time": "12:00"})
    assert added.status_code == 201 and added.get_json()["minutes"] == 75
    held = sara.patch(f"/sessions/{added.get_json()['id']}", {"status": "held"})
    assert held.status_code == 200 and held.get_json()["status"] == "held"


@pytest.mark.parametrize("body, code", [
    ({}, "bad_change"),
    ({"date": "2027-03-10"}, "bad_change"),
    ({"status": "cancelled"}, "bad_reason"),
    ({"status": "held", "cancel_reason": "illness"}, "bad_reason"),
    ({"status": "cancelled", "cancel_reason": "because I said so"}, "bad_reason"),
    ({"status": "gone"}, "bad_status"),
    ({"date": "2027-03-10", "time": "25:00"}, "bad_time"),
    ({"date": "2027-02-30", "time": "10:00"}, "bad_date"),
    ({"date": "2027-03-10", "time": "10:00", "timezone": "Mars/Base"}, "bad_timezone"),
    ({"minutes": 5}, "invalid_type"),
    ({"status": "held", "updated_at": "yesterday"}, "bad_updated_at"),
    ({"status": "held", "date": "2027-03-10", "time": "10:00"}, "bad_change"),
    ({"note": "free text"}, "unknown_field"),
])
def test_bad_changes_are_400(people, body, code):
    sara, _, _ = people
    sid = _generate(sara)[0]["id"]
    response = sara.patch(f"/sessions/{sid}", body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["code"] == code


def test_schedule_card_and_session_page(people):
    sara, anna, mallory = people
    page = sara.client.get(f"/processes/{sara.pid}").get_data(as_text=True)
    assert "data-js-session-form" in page and "/sessions/generate" in page
    sessions = _generate(sara)
    sara.patch(f"/sessions/{sessions[1]['id']}", {"status": "cancelled",
                                                  "cancel_reason": "workload"})
    for person in (sara, anna):
        page = person.client.get(f"/processes/{sara.pid}").get_data(as_text=True)
        assert page.count("data-session=") == 3
        assert f'/processes/{sara.pid}/sessions/{sessions[0]["id"]}' in page
        assert 'data-status="cancelled"' in page
        assert "/sessions/generate" not in page
        assert "17.00" in page                      # Helsinki time, Finnish format
    assert "data-js-session-form" not in anna.client.get(
        f"/processes/{sara.pid}").get_data(as_text=True)
    path = f"/processes/{sara.pid}/sessions/{sessions[0]['id']}"
    mine = sara.client.get(path)
    assert mine.status_code == 200
    html = mine.get_data(as_text=True)
    assert "data-move-form" in html and "data-cancel-form" in html and "data-session-links" in html
    assert 'value="2027-03-10"' in html and 'value="17:00"' in html
    theirs = anna.client.get(path).get_data(as_text=True)
    assert "data-move-form" not in theirs and "calendar.ics" in theirs
    assert mallory.client.get(path).status_code == 404
    other = str(uuid.uuid4())
    assert sara.client.get(f"/processes/{other}/sessions/{sessions[0]['id']}").status_code == 404
    assert sara.client.get(f"/processes/{sara.pid}/sessions/{'A' * 22}").status_code == 404
    assert sara.client.get(f"/processes/{sara.pid}/sessions/bad!id").status_code in (400, 404)


def test_times_follow_the_viewers_time_zone(people):
    sara, anna, _ = people
    sid = _generate(sara)[0]["id"]
    form = {"timezone": "Europe/London",
            "csrf_token": csrf_from(anna.client.get("/account/").get_data(as_text=True))}
    response = anna.client.post("/account/timezone", data=form)
    assert response.status_code == 302
    page = anna.client.get(f"/processes/{sara.pid}/sessions/{sid}").get_data(as_text=True)
    assert "15.00" in page and "Europe/London" in page       # 15:00 UTC is 15:00 in London
    account = anna.client.get("/account/").get_data(as_text=True)
    assert '<option value="Europe/London" selected>' in account
    bad = anna.client.post("/account/timezone", data={**form, "timezone": "Nowhere/Land"})
    assert bad.status_code == 400
    assert anna.get("/me").status_code == 200
    # The picker names each place once (no old aliases beside the current names) ...
    assert '<option value="Europe/Kyiv">' in account and '"Europe/Kiev"' not in account
    assert '<option value="Asia/Kolkata">' in account and '"Asia/Calcutta"' not in account
    # ... but an alias stays valid, and shown (chosen) for whoever has it.
    assert anna.client.post("/account/timezone", data={**form, "timezone": "Europe/Kiev"}
                            ).status_code == 302
    account = anna.client.get("/account/").get_data(as_text=True)
    assert '<option value="Europe/Kiev" selected>' in account


def test_one_session_ics_for_members(people):
    sara, anna, mallory = people
    sid = _generate(sara)[0]["id"]
    path = f"/processes/{sara.pid}/sessions/{sid}/calendar.ics"
    response = anna.client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    [event] = Calendar.from_ical(response.data).walk("VEVENT")
    assert str(event["UID"]) == f"{sid}@valitila" and str(event["SUMMARY"]) == "Työnohjaus"
    assert b"Sara" not in response.data and b"Anna" not in response.data
    assert mallory.client.get(path).status_code == 404
    assert sara.client.get(path.replace(sara.pid, str(uuid.uuid4()))).status_code == 404


def test_the_calendar_feed_over_http(app, people):
    sara, anna, mallory = people
    today = datetime.now(UTC).date()
    sessions = _generate(sara, (today + timedelta(days=1)).isoformat())
    created = anna.post("/me/calendar")
    assert created.status_code == 201
    url, token = created.get_json()["url"], created.get_json()["token"]
    assert url.endswith(f"/calendar/{token}.ics")
    client = app.test_client()                                    # no login
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in response.headers
    parsed = Calendar.from_ical(response.data)
    assert parsed.to_ical() == response.data
    assert sorted(str(e["UID"]) for e in parsed.walk("VEVENT")) == sorted(
        f"{s['id']}@valitila" for s in sessions)
    for secret in (b"Sara", b"Anna", sara.pid.encode(), b"crisis"):
        assert secret not in response.data
    # a new address revokes the old; revoking ends it; a guess is 404
    newer = anna.post("/me/calendar").get_json()["token"]
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get(f"/calendar/{newer}.ics").status_code == 200
    assert anna.delete("/me/calendar").status_code == 204
    gone = client.get(f"/calendar/{newer}.ics")
    assert gone.status_code == 404 and "no-store" in gone.headers["Cache-Control"]
    assert client.get("/calendar/guessed.ics").status_code == 404
    # mallory's own feed has none of anna's sessions
    theirs = mallory.post("/me/calendar").get_json()["token"]
    assert Calendar.from_ical(client.get(f"/calendar/{theirs}.ics").data).walk("VEVENT") == []


def test_account_page_has_the_time_zone_and_calendar_cards(people):
    _, anna, _ = people
    html = anna.client.get("/account/").get_data(as_text=True)
    assert 'id="timezone"' in html and "data-js-calendar-feed" in html
    assert '<option value="Europe/Helsinki" selected>' in html
    assert "US/Eastern" not in html


def test_an_ended_process_shows_its_schedule_read_only(people):
    sara, anna, _ = people
    sessions = _generate(sara)
    assert sara.post(f"/processes/{sara.pid}/end").status_code == 200
    for person in (sara, anna):
        page = person.client.get(f"/processes/{sara.pid}").get_data(as_text=True)
        assert page.count("data-session=") == 3 and "data-js-session-form" not in page
        one = person.client.get(f"/processes/{sara.pid}/sessions/{sessions[0]['id']}")
        assert one.status_code == 200
        assert "data-js-session-form" not in one.get_data(as_text=True)
        assert person.get(f"/processes/{sara.pid}/sessions").status_code == 200
    for method, path, body in (
            ("POST", f"/processes/{sara.pid}/sessions/generate", {"date": "2027-05-01",
                                                                  "time": "10:00"}),
            ("POST", f"/processes/{sara.pid}/sessions", {"date": "2027-05-01", "time": "10:00"}),
            ("PATCH", f"/sessions/{sessions[0]['id']}", {"status": "cancelled",
                                                         "cancel_reason": "other"})):
        response = sara.client.open(f"/api/v1{path}", method=method, json=body,
                                    headers={"X-CSRF-Token": sara.csrf})
        assert response.status_code == 409, (path, response.get_json())
        assert response.get_json()["error"]["code"] == "process_ended"


def test_the_session_page_offers_what_the_status_allows(app, people):
    sara, _, _ = people
    past = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    sid = sara.post(f"/processes/{sara.pid}/sessions", {"date": past, "time": "09:00"}
                    ).get_json()["id"]
    path = f"/processes/{sara.pid}/sessions/{sid}"
    html = sara.client.get(path).get_data(as_text=True)
    assert "data-held-form" in html and "data-move-form" in html       # started: held offered
    sara.patch(f"/sessions/{sid}", {"status": "cancelled", "cancel_reason": "supervisor"})
    html = sara.client.get(path).get_data(as_text=True)
    assert "data-uncancel-form" in html and "data-held-form" not in html
    assert 'data-status="cancelled"' in html
    sara.patch(f"/sessions/{sid}", {"status": "planned"})
    sara.patch(f"/sessions/{sid}", {"status": "held"})
    html = sara.client.get(path).get_data(as_text=True)
    # Held: only undoing it is offered, until its summary is written.
    assert 'data-status="held"' in html and "data-unhold-form" in html
    assert html.count("data-js-session-form") == 1 and "data-held-kept" not in html
    with app.app_context():
        db.session.add(Item(id=str(uuid.uuid4()), kind="summary", author_uid=sara.uid, rev=1,
                            h="aA", iv="aA", ct="aA", sig="aA", size=6, process_id=sara.pid,
                            session_id=sid))
        db.session.commit()
    html = sara.client.get(path).get_data(as_text=True)
    assert "data-held-kept" in html and "data-js-session-form" not in html
    future = sara.post(f"/processes/{sara.pid}/sessions", {"date": "2030-01-02",
                                                           "time": "09:00"}).get_json()["id"]
    html = sara.client.get(f"/processes/{sara.pid}/sessions/{future}").get_data(as_text=True)
    assert "data-held-form" not in html and "data-cancel-form" in html


def test_a_cancelled_sessions_page_says_where_its_agenda_went(people):
    """The supervisor cancels a session with an agenda: its page says its unfinished items
    moved to the next session's agenda (or wait for one); a supervisee's page says nothing of
    it, and a cancelled session without an agenda says nothing either."""
    sara, anna, _ = people
    first, second, third = _generate(sara)
    line = str(uuid.uuid4())
    assert sara.put(f"/sessions/{second['id']}/agenda", {"version": 0, "lines": [
        {"id": line, "source": "own", "minutes": 20}]}).status_code == 200
    assert sara.patch(f"/sessions/{second['id']}", {"status": "cancelled",
                                                    "cancel_reason": "illness"}
                      ).status_code == 200
    path = f"/processes/{sara.pid}/sessions/{second['id']}"
    html = sara.client.get(path).get_data(as_text=True)
    assert "data-rolled" in html
    assert "1 keskeneräinen asialistan kohta siirrettiin työnohjauskerran ke 24.3.2027" in html
    assert "data-rolled" not in anna.client.get(path).get_data(as_text=True)
    (carried,) = sara.get(f"/sessions/{third['id']}/agenda").get_json()["lines"]
    assert carried["carried_from"] == line
    # The last session, cancelled: its line waits for a session to be planned.
    assert sara.patch(f"/sessions/{third['id']}", {"status": "cancelled",
                                                   "cancel_reason": "illness"}
                      ).status_code == 200
    html = sara.client.get(f"/processes/{sara.pid}/sessions/{third['id']}"
                           ).get_data(as_text=True)
    assert "1 keskeneräinen asialistan kohta odottaa" in html
    assert sara.patch(f"/sessions/{first['id']}", {"status": "cancelled",
                                                   "cancel_reason": "illness"}
                      ).status_code == 200
    html = sara.client.get(f"/processes/{sara.pid}/sessions/{first['id']}"
                           ).get_data(as_text=True)
    assert "data-rolled" not in html


def test_an_uncancelled_sessions_page_names_the_copies_kept_on_a_later_agenda(people):
    """A cancellation carries the agenda on; the next agenda is then saved (shared, say), so
    undoing the cancellation keeps the copies there (rollover.take_back). The session's page
    tells the supervisor that both agendas now hold them, with a link to the other one; a
    member's page does not, and an undo whose copies went back says nothing."""
    sara, anna, _ = people
    _first, second, third = _generate(sara)
    line = str(uuid.uuid4())
    assert sara.put(f"/sessions/{second['id']}/agenda", {"version": 0, "lines": [
        {"id": line, "source": "own", "minutes": 20}]}).status_code == 200
    path = f"/processes/{sara.pid}/sessions/{second['id']}"

    def cancel_and_undo():
        assert sara.patch(f"/sessions/{second['id']}", {"status": "cancelled",
                                                        "cancel_reason": "illness"}
                          ).status_code == 200
        assert sara.patch(f"/sessions/{second['id']}", {"status": "planned"}
                          ).status_code == 200

    cancel_and_undo()       # nobody touched the copy: it went back
    assert "data-kept-copies" not in sara.client.get(path).get_data(as_text=True)
    assert sara.get(f"/sessions/{third['id']}/agenda").get_json()["lines"] == []

    assert sara.patch(f"/sessions/{second['id']}", {"status": "cancelled",
                                                    "cancel_reason": "illness"}
                      ).status_code == 200
    agenda = sara.get(f"/sessions/{third['id']}/agenda").get_json()
    (copy,) = agenda["lines"]
    assert sara.put(f"/sessions/{third['id']}/agenda", {
        "version": agenda["version"],
        "lines": [{"id": copy["id"], "source": copy["source"], "source_id": copy["source_id"],
                   "minutes": 25}]}).status_code == 200
    assert sara.patch(f"/sessions/{second['id']}", {"status": "planned"}).status_code == 200
    html = sara.client.get(path).get_data(as_text=True)
    assert "data-kept-copies" in html
    assert "1 tämän asialistan kohta on myös työnohjauskerran ke 24.3.2027 asialistalla" in html
    assert f"/processes/{sara.pid}/sessions/{third['id']}/agenda" in html
    assert "data-kept-copies" not in anna.client.get(path).get_data(as_text=True)


def test_a_double_booking_is_pointed_out_to_the_supervisor(people):
    """Two of Sara's sessions at once: her session page names the other, her home marks both
    in the coming sessions; the supervisee sees neither warning."""
    sara, anna, _ = people
    day = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    first = sara.post(f"/processes/{sara.pid}/sessions", {"date": day, "time": "10:00",
                                                          "minutes": 60}).get_json()["id"]
    second = sara.post(f"/processes/{sara.pid}/sessions", {"date": day, "time": "10:30",
                                                           "minutes": 60}).get_json()["id"]
    later = sara.post(f"/processes/{sara.pid}/sessions", {"date": day, "time": "11:30",
                                                          "minutes": 60}).get_json()["id"]
    doc = parse(sara.client.get(f"/processes/{sara.pid}/sessions/{first}").get_data(
        as_text=True))
    [item] = doc.find("div", data_overlaps=True).find_all("li")
    assert item.attrs["data-overlap"] == second and "10.30–11.30" in item.all_text()
    assert item.find("a").attrs["href"] == f"/processes/{sara.pid}/sessions/{second}"
    page = sara.client.get(f"/processes/{sara.pid}/sessions/{later}").get_data(as_text=True)
    assert "data-overlaps" not in page                                     # starts at its end
    page = anna.client.get(f"/processes/{sara.pid}/sessions/{first}").get_data(as_text=True)
    assert "data-overlaps" not in page
    home = parse(sara.client.get("/home/").get_data(as_text=True))
    marked = {li.attrs["data-session"] for li in home.find_all("li", data_session=True)
              if li.find_all("span", data_overlap=True)}
    assert marked == {first, second}
    # each date leads to its session's page
    rows = {li.attrs["data-session"]: li for li in home.find_all("li", data_session=True)}
    assert rows[later].find("a").attrs["href"] == f"/processes/{sara.pid}/sessions/{later}"


def test_the_add_and_move_forms_ask_when_the_supervisor_is_booked(people):
    """GET /schedule/busy: the supervisor's sessions of every process she supervises, for the
    add and move forms' double-booking hint (data-busy-url): not cancelled ones, not the
    session being moved (`exclude`); anyone else is booked nowhere. The supervisee's pages
    have neither form."""
    sara, anna, mallory = people
    other = str(uuid.uuid4())
    assert sara.post("/processes", {"id": other, "form": "individual"}).status_code == 201
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()

    def add(pid, clock, minutes=60):
        answer = sara.post(f"/processes/{pid}/sessions", {"date": day, "time": clock,
                                                          "minutes": minutes})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    mine = add(sara.pid, "10:00")
    elsewhere = add(other, "12:00", 90)
    dropped = add(other, "14:00")
    assert sara.patch(f"/sessions/{dropped['id']}", {
        "status": "cancelled", "cancel_reason": "illness"}).status_code == 200

    def busy(person, query=""):
        answer = person.get(f"/schedule/busy{query}")
        assert answer.status_code == 200, answer.get_json()
        return [(b["starts_at"], b["ends_at"]) for b in answer.get_json()["busy"]]

    def span(session):
        return (session["starts_at"], session["ends_at"])

    assert busy(sara) == [span(mine), span(elsewhere)]
    assert busy(sara, f"?exclude={mine['id']}") == [span(elsewhere)]
    assert busy(anna) == [] and busy(mallory, f"?exclude={mine['id']}") == []
    bad = sara.get("/schedule/busy?exclude=not/an/id")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_id"

    def form_with(path, attribute):
        doc = parse(sara.client.get(path).get_data(as_text=True))
        [form] = [f for f in doc.find_all("form") if attribute in f.attrs]
        return form

    assert form_with(f"/processes/{sara.pid}", "data-busy-url").attrs["data-busy-url"] == (
        "/schedule/busy")
    move = form_with(f"/processes/{sara.pid}/sessions/{mine['id']}", "data-move-form")
    assert move.attrs["data-busy-url"] == f"/schedule/busy?exclude={mine['id']}"
    for path in (f"/processes/{sara.pid}", f"/processes/{sara.pid}/sessions/{mine['id']}"):
        page = anna.client.get(path).get_data(as_text=True)
        assert "data-busy-url" not in page and "data-overlap-hint" not in page


def test_undoing_held_says_which_carried_lines_stayed(people):
    """Marked held by mistake, after the next agenda was saved with the carried line: the
    undo leaves that copy (the supervisor's now) and the session's page says so."""
    sara, _, _ = people
    past = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    coming = (datetime.now(UTC) + timedelta(days=6)).date().isoformat()
    held = sara.post(f"/processes/{sara.pid}/sessions", {"date": past, "time": "09:00"}
                     ).get_json()["id"]
    later = sara.post(f"/processes/{sara.pid}/sessions", {"date": coming, "time": "09:00"}
                      ).get_json()["id"]
    line = str(uuid.uuid4())
    assert sara.put(f"/sessions/{held}/agenda", {"version": 0, "lines": [
        {"id": line, "source": "own", "minutes": 20}]}).status_code == 200
    assert sara.patch(f"/sessions/{held}", {"status": "held"}).status_code == 200
    agenda = sara.get(f"/sessions/{later}/agenda").get_json()
    (carried,) = agenda["lines"]
    assert sara.put(f"/sessions/{later}/agenda", {"version": agenda["version"], "lines": [
        {"id": carried["id"], "source": "own", "minutes": 25}]}).status_code == 200
    assert sara.patch(f"/sessions/{held}", {"status": "planned"}).status_code == 200
    assert [x["id"] for x in sara.get(f"/sessions/{later}/agenda").get_json()["lines"]] == [
        carried["id"]]
    html = sara.client.get(f"/processes/{sara.pid}/sessions/{held}").get_data(as_text=True)
    assert "data-kept-copies" in html and "peruttiin tai merkittiin pidetyksi" in html
