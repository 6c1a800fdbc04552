"""The pages of joining and of safety numbers: /join/<token> (the invite link's page, signed in
or out) and /people/<uid>/safety. The server renders no key and no name on the join page: the
page's behaviour fetches the invite and checks the supervisor's key against the link's #fp=
before it shows anything (tests/e2e/test_join.py drives it)."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from flask import render_template_string
from sqlalchemy import update

from webapp.extensions import db
from webapp.models import Invite
from webapp.models.types import utcnow

from .factories import api_register, end_membership_row, make_process
from .helpers import Person


@pytest.fixture
def sara(app) -> Person:
    sara = api_register(app, display_name="Sara Supervisor", is_supervisor=True)
    sara.pid = str(uuid.uuid4())
    assert sara.post("/processes", {"id": sara.pid, "form": "group"}).status_code == 201
    return sara


def invite(sara: Person) -> dict:
    response = sara.post(f"/processes/{sara.pid}/invites", {})
    assert response.status_code == 201
    return response.get_json()


def test_the_join_page_signed_out(app, sara):
    token = invite(sara)["token"]
    response = app.test_client().get(f"/join/{token}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "data-js-join" in html and f'data-token="{token}"' in html
    assert 'data-signed-in="false"' in html
    assert f'href="/signup?invite={token}"' in html
    assert f'href="/login?next=/join/{token}"' in html
    assert "data-join-accept" not in html
    # nothing about the supervisor until the browser has checked the key
    assert "Sara Supervisor" not in html and sara.account.registration["bundle"]["ed25519"] \
        not in html
    for refusal in ("mismatch", "no_fp", "changed", "error"):
        assert f'data-join-refused="{refusal}" hidden' in html
    assert 'hx-history="false"' in html


def test_the_join_page_signed_in(app, sara):
    token = invite(sara)["token"]
    anna = api_register(app, display_name="Anna")
    html = anna.client.get(f"/join/{token}").get_data(as_text=True)
    assert 'data-signed-in="true"' in html and "data-join-accept" in html
    assert "/signup?invite=" not in html


@pytest.mark.parametrize("state", ["used", "revoked", "expired", "unknown", "malformed",
                                   "ended"])
def test_an_invite_that_cannot_be_used_is_a_plain_404(app, sara, state):
    made = invite(sara)
    token = made["token"]
    if state == "used":
        assert api_register(app).post(f"/invites/{token}/accept").status_code == 200
    elif state == "revoked":
        assert sara.delete(f"/processes/{sara.pid}/invites/{made['id']}").status_code == 204
    elif state == "expired":
        with app.app_context():
            db.session.execute(update(Invite).where(Invite.id == made["id"])
                               .values(expires_at=utcnow() - timedelta(minutes=1)))
            db.session.commit()
    elif state == "unknown":
        token = "x" * 32
    elif state == "malformed":
        token = "not a token!"
    elif state == "ended":
        assert sara.post(f"/processes/{sara.pid}/end").status_code == 200
    response = app.test_client().get(f"/join/{token}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "data-js-join" not in html and "Sara Supervisor" not in html
    assert "<h1>" in html


def test_the_safety_page_for_someone_who_shares_a_process(app):
    sara = api_register(app, display_name="Sara Supervisor", is_supervisor=True)
    anna = api_register(app, display_name="Anna Ohjattava")
    make_process(sara.uid, anna.uid, app=app)
    response = anna.client.get(f"/people/{sara.uid}/safety")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'data-uid="{sara.uid}"' in html and "Sara Supervisor" in html
    assert "data-js-safety" in html and "data-safety-verify" in html
    assert sara.client.get(f"/people/{anna.uid}/safety").status_code == 200


def test_the_safety_page_is_404_for_anyone_else(app):
    sara = api_register(app, display_name="Sara Supervisor", is_supervisor=True)
    anna = api_register(app, display_name="Anna Ohjattava")
    mallory = api_register(app, display_name="Mallory")
    pid = make_process(sara.uid, anna.uid, app=app)
    for viewer, uid in [(mallory, sara.uid), (anna, anna.uid), (anna, str(uuid.uuid4())),
                        (anna, "nope"), (anna, sara.uid.upper())]:
        response = viewer.client.get(f"/people/{uid}/safety")
        assert response.status_code == 404, (uid, response.status_code)
        assert "Sara Supervisor" not in response.get_data(as_text=True)
    end_membership_row(pid, anna.uid, app=app)
    assert anna.client.get(f"/people/{sara.uid}/safety").status_code == 404
    assert sara.client.get(f"/people/{anna.uid}/safety").status_code == 404


def test_the_safety_page_needs_a_login(app):
    response = app.test_client().get(f"/people/{uuid.uuid4()}/safety")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_safety_link_include(app):
    uid = str(uuid.uuid4())
    with app.test_request_context():
        html = render_template_string(
            '{% with person_uid=uid %}{% include "people/_safety_link.html" %}{% endwith %}',
            uid=uid)
    assert f'href="/people/{uid}/safety"' in html
