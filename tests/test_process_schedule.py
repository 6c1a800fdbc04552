"""The process page shows the sessions around now (the latest that has begun, then the
next ones: five in all) with a link to the whole schedule; ?sessions=all shows every
session (webapp/processes/schedule.py)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from webapp.processes.schedule import SHOWN, window

from .factories import add_session, api_register, make_process
from .test_views import parse


def test_the_window_is_the_latest_begun_then_the_next():
    now = datetime(2027, 1, 10, tzinfo=UTC)
    starts = [now + timedelta(days=14 * n, hours=1) for n in range(-4, 8)]  # 4 past, 8 ahead
    assert window(starts, now) == (3, 3 + SHOWN)                     # the 4th past first
    assert window(starts[:2], now) == (0, 2)                          # all past: all shown
    assert window(starts[4:], now) == (0, SHOWN)                      # none begun yet
    assert window(starts, now + timedelta(days=400)) == (12 - SHOWN, 12)  # after the last
    assert window([], now) == (0, 0)


def test_the_process_page_links_to_every_session(app):
    sara = api_register(app, "sara@example.fi", display_name="Sara", is_supervisor=True)
    anna = api_register(app, "anna@example.fi", display_name="Anna")
    pid = make_process(sara.uid, anna.uid, status="active", app=app)
    now = datetime.now(UTC).replace(microsecond=0)
    sids = [add_session(pid, now + timedelta(days=14 * n, hours=1), app=app)
            for n in range(-3, 9)]
    for person in (sara, anna):
        card = _card(person, f"/processes/{pid}")
        assert _sessions(card) == sids[2:2 + SHOWN]  # the latest that has begun, then next
        link = card.find("p", data_all_sessions=True).find("a")
        assert link.attrs["href"] == f"/processes/{pid}?sessions=all#schedule-title"
        assert "12" in link.all_text()
        card = _card(person, link.attrs["href"].split("#")[0])
        assert _sessions(card) == sids
        assert not card.find_all(data_all_sessions=True)


def _card(person, path: str):
    response = person.client.get(path)
    assert response.status_code == 200
    return parse(response.get_data(as_text=True)).find("section", data_schedule=True)


def _sessions(card) -> list[str]:
    return [li.attrs["data-session"] for li in card.find_all("li", data_session=True)]
