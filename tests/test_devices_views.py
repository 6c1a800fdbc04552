"""Sessions that really end (API and pages): logout kills a copied cookie, the settings list
the signed-in devices, and a device can be signed out only by its owner."""
from __future__ import annotations

import re

from sqlalchemy import select

from webapp.extensions import db
from webapp.models.accounts import DeviceSession

from .factories import api_login, api_register, b64u, new_secrets
from .helpers import Person

COOKIE = "valitila_session"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"
PHONE = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/124.0.0.0 Mobile Safari/537.36")


def _copy(app, person: Person) -> Person:
    """Another client carrying a copy of the person's session cookie (a stolen cookie)."""
    client = app.test_client()
    client.set_cookie(COOKIE, person.client.get_cookie(COOKIE).value)
    return Person(person.email, "", person.account, client, person.csrf, person.deks)


def _device_ids(app, person: Person) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(DeviceSession.id)
                                       .where(DeviceSession.user_uid == person.uid)))


def _login_as(app, person: Person, user_agent: str) -> Person:
    client = app.test_client()
    response = client.post("/api/v1/auth/login", headers={"User-Agent": user_agent},
                           json={"email": person.email, "auth_key": b64u(person.auth_key)})
    assert response.status_code == 200, response.get_json()
    return Person(person.email, "", person.account, client, response.get_json()["csrf_token"],
                  person.deks)


def test_a_copied_cookie_stops_working_after_logout(app):
    anna = api_register(app, "anna@example.fi")
    item = anna.write("Oma", "teksti")
    thief = _copy(app, anna)
    assert thief.get("/me").status_code == 200          # the copy works while signed in
    assert anna.post("/auth/logout").status_code == 204
    _, body = anna.seal({"title": "x", "body": "y", "tags": []}, item_id=item, rev=2)
    for who in (anna, thief):
        assert who.get("/me").status_code == 401
        response = who.put(f"/items/{item}", body)
        assert response.status_code == 401, response.get_json()
    assert _device_ids(app, anna) == []


def test_a_copied_cookie_stops_working_after_the_html_logout(app):
    anna = api_register(app, "anna@example.fi")
    thief = _copy(app, anna)
    response = anna.client.post("/logout", data={"csrf_token": anna.csrf})
    assert response.status_code == 302
    assert thief.get("/me").status_code == 401
    assert thief.client.get("/journal/").status_code == 302


def test_logout_ends_only_this_device(app):
    anna = api_register(app, "anna@example.fi")
    phone = api_login(app, anna)
    assert phone.post("/auth/logout").status_code == 204
    assert anna.get("/me").status_code == 200 and phone.get("/me").status_code == 401


def test_password_change_keeps_this_device_and_ends_copies_and_others(app):
    anna = api_register(app, "anna@example.fi")
    phone = api_login(app, anna)
    copy = _copy(app, phone)
    new, _, _ = new_secrets(anna.uid, anna.account.ak, recovery=False)
    response = anna.post("/auth/password", {"proof": {"auth_key": b64u(anna.auth_key)},
                                            "new": new})
    assert response.status_code == 204, response.get_json()
    assert anna.get("/me").status_code == 200
    assert phone.get("/me").status_code == 401 and copy.get("/me").status_code == 401
    assert len(_device_ids(app, anna)) == 1


def test_an_old_epoch_cookie_is_not_accepted(app):
    """Cookies from before device sessions ("uid:epoch") sign nobody in."""
    anna = api_register(app, "anna@example.fi")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{anna.uid}:1"
        session["_fresh"] = True
    assert client.get("/api/v1/me").status_code == 401


# -- settings: "Your devices" ------------------------------------------------------------------

def test_settings_list_the_devices(app):
    anna = api_register(app, "anna@example.fi")
    laptop = _login_as(app, anna, FIREFOX)
    _login_as(app, anna, PHONE)
    bertta = api_register(app, "bertta@example.fi")
    _login_as(app, bertta, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
                           "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 "
                           "Safari/604.1")
    page = laptop.client.get("/account/").get_data(as_text=True)
    assert "Laitteesi" in page
    assert "Firefox · Windows" in page and "Chrome · Android" in page
    assert "Tuntematon laite" in page                  # the test client's own registration
    assert "Safari · iPhone" not in page               # Bertta's device is not listed
    assert page.count("Tämä laite") == 1
    this = re.search(r'<li class="device" aria-current="true">(.*?)</li>', page, re.S).group(1)
    assert "Firefox · Windows" in this and 'form="logout-form"' in this
    assert re.search(r'<form [^>]*id="logout-form"[^>]*data-js-logout', page)
    (this_id,) = _device_ids_of_client(app, laptop)
    for device_id in set(_device_ids(app, anna)) - {this_id}:
        assert f"/account/devices/{device_id}/sign-out" in page   # a form per other device
    for device_id in _device_ids(app, bertta):
        assert device_id not in page


def test_settings_dates_follow_the_language(app):
    anna = api_register(app, "anna@example.fi")
    fi = anna.client.get("/account/").get_data(as_text=True)
    anna.client.post("/language", data={"locale": "en", "next": "/account/",
                                        "csrf_token": anna.csrf})
    en = anna.client.get("/account/").get_data(as_text=True)
    assert "Your devices" in en and "This device" in en and "Signed in" in en
    month_fi = re.search(r"Kirjauduttu sisään (\d+)\.(\d+)\.(\d{4})", fi)
    month_en = re.search(r"Signed in ([A-Z][a-z]{2}) (\d+), (\d{4})", en)
    assert month_fi and month_en, (fi, en)
    # To the minute, no seconds ("2.12.2026 12.08", "Dec 2, 2026 12:08 PM").
    assert re.search(r"Kirjauduttu sisään \d+\.\d+\.\d{4} \d+\.\d\d\b(?!\.\d)", fi), fi
    assert re.search(r"Signed in [A-Z][a-z]{2} \d+, \d{4} \d+:\d\d\s[AP]M", en), en


def test_sign_out_another_own_device(app):
    anna = api_register(app, "anna@example.fi")
    phone = _login_as(app, anna, PHONE)
    phone_id = next(d for d in _device_ids(app, anna)
                    if d not in _device_ids_of_client(app, anna))
    response = anna.client.post(f"/account/devices/{phone_id}/sign-out",
                                data={"csrf_token": anna.csrf})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/")
    assert phone.get("/me").status_code == 401 and anna.get("/me").status_code == 200
    assert "Laite on kirjattu ulos." in anna.client.get("/account/").get_data(as_text=True)


def _device_ids_of_client(app, person: Person) -> list[str]:
    """The id of the device this client is signed in through (from its cookie)."""
    with person.client.session_transaction() as session:
        return [session["_user_id"].partition(".")[0]]


def test_sign_out_this_device_from_the_list(app):
    anna = api_register(app, "anna@example.fi")
    (this_id,) = _device_ids_of_client(app, anna)
    response = anna.client.post(f"/account/devices/{this_id}/sign-out",
                                data={"csrf_token": anna.csrf})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert anna.get("/me").status_code == 401


def test_another_users_device_id_is_404_and_touches_nothing(app):
    anna = api_register(app, "anna@example.fi")
    mallory = api_register(app, "mallory@example.fi")
    (anna_id,) = _device_ids(app, anna)
    for device_id in (anna_id, "unknown", "x" * 200):
        response = mallory.client.post(f"/account/devices/{device_id}/sign-out",
                                       data={"csrf_token": mallory.csrf})
        assert response.status_code == 404
    assert anna.get("/me").status_code == 200 and mallory.get("/me").status_code == 200
    assert _device_ids(app, anna) == [anna_id]


def test_device_sign_out_needs_csrf_and_a_login(app):
    anna = api_register(app, "anna@example.fi")
    (anna_id,) = _device_ids(app, anna)
    assert anna.client.post(f"/account/devices/{anna_id}/sign-out").status_code in (400, 403)
    response = app.test_client().post(f"/account/devices/{anna_id}/sign-out")
    assert response.status_code in (302, 400, 403)
    assert anna.get("/me").status_code == 200


def test_sign_out_everywhere_from_the_settings(app):
    anna = api_register(app, "anna@example.fi")
    phone = api_login(app, anna)
    copy = _copy(app, anna)
    response = anna.client.post("/account/logout-everywhere", data={"csrf_token": anna.csrf})
    assert response.status_code == 302
    assert [p.get("/me").status_code for p in (anna, phone, copy)] == [401] * 3
    assert _device_ids(app, anna) == []
