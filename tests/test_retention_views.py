"""The retention card on an ended process's page and the retention page (webapp/retention,
templates/retention/): until when the data is kept, what goes and what stays, the export
link, the supervisor's proposal and each member's agreement by CSRF-protected form POSTs;
404 to anyone who was not in the process at its end, 409 while it runs or once purged."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from webapp.extensions import db
from webapp.models import Process
from webapp.services import retention

from .factories import api_register, csrf_from, end_membership_row, make_process, snapshot


def cast(app):
    sara = api_register(app, "sara@example.fi", display_name="Sara Ohjaaja",
                        is_supervisor=True)
    anna = api_register(app, "anna@example.fi", display_name="Anna Aalto")
    fiia = api_register(app, "fiia@example.fi", display_name="Fiia Poissa")
    pid = make_process(sara.uid, anna.uid, fiia.uid, form="group", status="active", app=app)
    end_membership_row(pid, fiia.uid, app)
    assert sara.post(f"/processes/{pid}/end").status_code == 200
    return sara, anna, fiia, pid


def post(person, path: str, csrf: str | None = None):
    page = person.client.get("/account/").get_data(as_text=True)
    return person.client.post(path, data={"csrf_token": csrf_from(page) if csrf is None
                                          else csrf})


def until(app, pid: str):
    with app.app_context():
        return db.session.get(Process, pid).retention_until


def test_the_ended_process_page_has_the_card(app):
    sara, anna, _fiia, pid = cast(app)
    day = until(app, pid)
    html = anna.client.get(f"/processes/{pid}").get_data(as_text=True)
    assert "data-retention-card" in html and f'href="/processes/{pid}/retention"' in html
    assert str(day.year) in html
    running = make_process(sara.uid, anna.uid, status="active", app=app)
    assert "data-retention-card" not in anna.client.get(
        f"/processes/{running}").get_data(as_text=True)


def test_agreeing_page_by_page(app):
    sara, anna, _fiia, pid = cast(app)
    page = anna.client.get(f"/processes/{pid}/retention")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'href="/account/#export"' in html and "data-export-link" in html
    assert "data-agree-button" not in html and "data-propose-button" not in html
    assert "Fiia" not in html                           # left before the end: not asked
    # a member cannot agree to what was not proposed, nor propose
    assert post(anna, f"/processes/{pid}/retention/agree").status_code == 409
    assert post(anna, f"/processes/{pid}/retention/propose").status_code == 403
    assert "data-propose-button" in sara.client.get(f"/processes/{pid}/retention").get_data(
        as_text=True)
    response = post(sara, f"/processes/{pid}/retention/propose")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/processes/{pid}/retention")
    html = anna.client.get(f"/processes/{pid}/retention").get_data(as_text=True)
    assert "data-proposed" in html and "data-agree-button" in html
    assert 'data-agreed="yes"' in html and 'data-agreed="no"' in html
    before = until(app, pid)
    assert before > retention.local_day()
    assert post(anna, f"/processes/{pid}/retention/agree").status_code == 302
    html = anna.client.get(f"/processes/{pid}/retention").get_data(as_text=True)
    assert "data-all-agreed" in html and 'data-agreed="no"' not in html
    assert "data-flash" in html
    assert until(app, pid) == retention.local_day()


def test_who_may_not(app):
    sara, anna, fiia, pid = cast(app)
    olli = api_register(app, "olli@example.fi", is_supervisor=True)
    before = snapshot(app)
    for person in (fiia, olli):
        assert person.client.get(f"/processes/{pid}/retention").status_code == 404
        for action in ("propose", "agree"):
            assert post(person, f"/processes/{pid}/retention/{action}").status_code == 404
    assert anna.client.get("/processes/not-a-uuid/retention").status_code in (400, 404)
    # without the CSRF token: refused
    assert anna.client.post(f"/processes/{pid}/retention/agree").status_code == 403
    assert post(sara, f"/processes/{pid}/retention/propose", csrf="x").status_code == 403
    assert snapshot(app) == before
    running = make_process(sara.uid, anna.uid, status="active", app=app)
    assert anna.client.get(f"/processes/{running}/retention").status_code == 409
    assert post(sara, f"/processes/{running}/retention/propose").status_code == 409


def test_a_purged_process(app):
    sara, anna, _fiia, pid = cast(app)
    with app.app_context():
        db.session.execute(update(Process).where(Process.id == pid).values(
            retention_until=retention.local_day(), retention_notice_at=datetime.now(UTC)))
        db.session.commit()
        assert retention.purge(pid, retention.local_day()) is not None
        db.session.commit()
    assert anna.client.get(f"/processes/{pid}/retention").status_code == 409
    page = anna.client.get(f"/processes/{pid}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "data-retention-card" not in html and "data-retention-purged" in html


# -- every route of the area, by role ----------------------------------------------------------

#: (rule, method) -> {role: expected status}, checked against app.url_map. The supervisor and
#: a supervisee at the end reach everything (a supervisee learns 403 proposing; agreeing
#: before a proposal is 409); a member who left before the end, another supervisor and a
#: stranger 404; an anonymous visitor is sent to the login page.
RETENTION_ROUTES: dict[tuple[str, str], dict[str, int]] = {
    ("/processes/<pid>/retention", "GET"): dict(
        supervisor=200, supervisee=200, former=404, stranger=404, anonymous=302),
    ("/processes/<pid>/retention/propose", "POST"): dict(
        supervisor=302, supervisee=403, former=404, stranger=404, anonymous=302),
    ("/processes/<pid>/retention/agree", "POST"): dict(
        supervisor=302, supervisee=409, former=404, stranger=404, anonymous=302),
}


def test_every_retention_route_has_a_row(app):
    from .test_authorization import app_routes
    assert {r for r in app_routes(app) if "/retention" in r[0]} == set(RETENTION_ROUTES)


@pytest.mark.parametrize("route", sorted(RETENTION_ROUTES), ids=lambda r: f"{r[1]} {r[0]}")
@pytest.mark.parametrize("role", ["supervisor", "supervisee", "former", "stranger",
                                  "anonymous"])
def test_retention_routes_by_role(app, route, role):
    sara, anna, fiia, pid = cast(app)
    people = {"supervisor": sara, "supervisee": anna, "former": fiia,
              "stranger": api_register(app, "olli@example.fi", is_supervisor=True)}
    rule, method = route
    path = rule.replace("<pid>", pid)
    expected = RETENTION_ROUTES[route][role]
    if role == "anonymous":
        client = app.test_client()
        csrf = csrf_from(client.get("/login").get_data(as_text=True))
        response = (client.get(path) if method == "GET"
                    else client.post(path, data={"csrf_token": csrf}))
        assert response.status_code == expected
        assert "/login" in response.headers["Location"]
        return
    before = snapshot(app)
    response = (people[role].client.get(path) if method == "GET"
                else post(people[role], path))
    assert response.status_code == expected, (role, path)
    if expected >= 400:
        assert snapshot(app) == before


@pytest.mark.parametrize("pid", ["not-a-uuid", "%00", "x" * 5000,
                                 "00000000-0000-4000-8000-000000000000"])
def test_bad_process_ids_are_a_clear_4xx(app, pid):
    sara, _anna, _fiia, _pid = cast(app)
    before = snapshot(app)
    assert sara.client.get(f"/processes/{pid}/retention").status_code in (400, 404)
    for action in ("propose", "agree"):
        response = post(sara, f"/processes/{pid}/retention/{action}")
        assert response.status_code in (400, 404), response.status_code
        assert "text/html" in response.content_type
    assert snapshot(app) == before
