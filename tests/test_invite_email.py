"""Sending an invite by email: a real SMTP server (aiosmtpd on a free local port) receives
what POST /processes/{pid}/invites/{id}/email sends — headers, the link with its #fp=
fragment, the supervisor's display name, the recipient's language — and nothing sealed.
Without MAIL_SERVER the message goes to the log; a server that is down is a 503; the
endpoint is rate limited per account."""
from __future__ import annotations

import logging
import socket
from contextlib import contextmanager
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

import protocol
from webapp.services import mail

from .factories import api_register
from .test_processes_api import join, make_invite, start
from .test_processes_views import name_process

MAIL_KEYS = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_USERNAME",
             "MAIL_PASSWORD", "MAIL_FROM", "RATELIMIT_INVITE_EMAIL")


class Inbox:
    """aiosmtpd handler: keeps every message it is given (envelope and parsed message)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], object]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.original_content or envelope.content,
                                     policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(**kwargs):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture
def mail_config(app):
    saved = {key: app.config.get(key) for key in MAIL_KEYS}
    yield app.config
    for key, value in saved.items():
        if value is None:
            app.config.pop(key, None)
        else:
            app.config[key] = value


@pytest.fixture
def inbox(mail_config):
    with smtp_server() as (box, port):
        mail_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), MAIL_USE_TLS="0",
                           MAIL_FROM="Välitila <kutsut@valitila.example>")
        yield box


def world(app, supervisee_locale: str | None = None):
    sara = api_register(app, display_name="Sara Ohjaaja", is_supervisor=True)
    pid = start(sara)["id"]
    name_process(sara, pid, "Salainen Työpaikka Oy")
    invite = make_invite(sara, pid)
    fp = protocol.fp16(sara.account.registration["bundle"])
    link = f"http://localhost/join/{invite['token']}#fp={fp}"
    return sara, pid, invite, link


def send(sara, pid, invite, **body):
    return sara.post(f"/processes/{pid}/invites/{invite['id']}/email", body)


def test_the_invitee_receives_the_link_and_the_supervisors_name(app, inbox):
    sara, pid, invite, link = world(app)
    response = send(sara, pid, invite, email="Kutsuttu@Example.fi", link=link)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"email": "kutsuttu@example.fi", "language": "fi"}
    assert len(inbox.received) == 1
    sender, recipients, message = inbox.received[0]
    assert recipients == ["kutsuttu@example.fi"] and sender == "kutsut@valitila.example"
    assert message["To"] == "kutsuttu@example.fi"
    assert message["From"] == "Välitila <kutsut@valitila.example>"
    assert "Sara Ohjaaja" in message["Subject"]
    assert message["Content-Language"] == "fi" and message["Message-ID"] and message["Date"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"
    body = message.get_content()
    assert link in body and "#fp=" in body                # the fragment goes with it
    assert "Sara Ohjaaja" in body
    assert "Salainen" not in body and "Salainen" not in str(message)


def test_the_message_is_in_the_recipients_language_when_known(app, inbox):
    sara, pid, invite, link = world(app)
    api_register(app, "sven@example.fi", locale="sv")
    response = send(sara, pid, invite, email="sven@example.fi", link=link)
    assert response.status_code == 200 and response.get_json()["language"] == "sv"
    assert inbox.received[-1][2]["Content-Language"] == "sv"
    # the supervisor may choose the language instead
    response = send(sara, pid, invite, email="sven@example.fi", link=link, language="en")
    assert response.get_json()["language"] == "en"
    message = inbox.received[-1][2]
    assert message["Content-Language"] == "en"
    assert "invites you" in message["Subject"]


def test_the_server_logs_in_when_a_username_is_set(app, mail_config):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"valitila" \
            and auth_data.password == b"salasana"
        logins.append(ok)
        return AuthResult(success=ok)

    with smtp_server(authenticator=authenticator, auth_require_tls=False) as (box, port):
        mail_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), MAIL_USE_TLS="0",
                           MAIL_USERNAME="valitila", MAIL_PASSWORD="salasana")
        sara, pid, invite, link = world(app)
        assert send(sara, pid, invite, email="a@example.fi", link=link).status_code == 200
        assert logins == [True] and len(box.received) == 1
        mail_config["MAIL_PASSWORD"] = "väärä"
        response = send(sara, pid, invite, email="a@example.fi", link=link)
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "mail_unavailable"
        assert len(box.received) == 1


def test_a_mail_server_that_is_down_is_a_503(app, mail_config):
    sara, pid, invite, link = world(app)
    mail_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(free_port()), MAIL_USE_TLS="0")
    response = send(sara, pid, invite, email="a@example.fi", link=link)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "mail_unavailable"


def test_without_a_mail_server_the_message_goes_to_the_log(app, mail_config, caplog):
    mail_config["MAIL_SERVER"] = ""
    sara, pid, invite, link = world(app)
    with caplog.at_level(logging.INFO, logger=mail.__name__):
        response = send(sara, pid, invite, email="a@example.fi", link=link)
    assert response.status_code == 200
    assert "MAIL_SERVER is not set" in caplog.text and "To: a@example.fi" in caplog.text


def test_the_endpoint_is_rate_limited_per_account(app, inbox, mail_config):
    mail_config["RATELIMIT_INVITE_EMAIL"] = "2 per minute"
    sara, pid, invite, link = world(app)
    for _ in range(2):
        assert send(sara, pid, invite, email="a@example.fi", link=link).status_code == 200
    response = send(sara, pid, invite, email="a@example.fi", link=link)
    assert response.status_code == 429
    assert len(inbox.received) == 2
    # another supervisor has a limit of their own
    other, other_pid, other_invite, other_link = world(app)
    assert send(other, other_pid, other_invite, email="b@example.fi",
                link=other_link).status_code == 200


def test_only_the_supervisor_and_only_an_open_invite(app, inbox):
    sara, pid, invite, link = world(app)
    anna = api_register(app)
    join(anna, sara, pid)
    response = anna.post(f"/processes/{pid}/invites/{invite['id']}/email",
                         {"email": "a@example.fi", "link": link})
    assert response.status_code == 403
    assert sara.delete(f"/processes/{pid}/invites/{invite['id']}").status_code == 204
    response = send(sara, pid, invite, email="a@example.fi", link=link)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == \
        "invite_not_open"
    assert inbox.received == []


def test_a_link_with_another_key_or_token_is_refused(app, inbox):
    """The server knows the supervisor's key and the invite's token hash: a link that would
    send the invitee to another key or another invite is not mailed."""
    sara, pid, invite, link = world(app)
    other = make_invite(sara, pid)
    mallory = api_register(app, is_supervisor=True)
    wrong_fp = link.split("#")[0] + "#fp=" + protocol.fp16(
        mallory.account.registration["bundle"])
    for bad in (wrong_fp, link.replace(invite["token"], other["token"])):
        response = send(sara, pid, invite, email="a@example.fi", link=bad)
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_link"
    assert inbox.received == []


def test_build_message_headers():
    message = mail.build_message(to="a@example.fi", subject="Ä subject", body="rivi\n",
                                 sender="Välitila <x@valitila.example>", language="sv")
    assert message["Content-Language"] == "sv"
    assert message["Message-ID"].endswith("@valitila.example>")
    assert message.get_content() == "rivi\n"
