"""Outgoing email over SMTP (Python's smtplib and email.message), configured by environment.

MAIL_SERVER     host of the SMTP server; unset: messages are written to the log instead of
                being sent (development, `make run`)
MAIL_PORT       port (default 587 with MAIL_USE_TLS, else 25)
MAIL_USE_TLS    "1": STARTTLS after connecting (default "1" when a server is set)
MAIL_USE_SSL    "1": implicit TLS from the start (port 465)
MAIL_USERNAME   login name, if the server wants one; MAIL_PASSWORD its password
MAIL_FROM       the sender's address (default "Välitila <noreply@localhost>")
MAIL_TIMEOUT    seconds to wait for the server (default 10)

Each value may also be set in the app's config (tests do); the environment is read otherwise.
What goes out is never sealed content: an invitation carries a link and a display name.
"""
from __future__ import annotations

import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app


def _log() -> logging.Logger:
    """This module's logger, looked up when used: a logger made at import time would be
    switched off by Alembic's fileConfig when migrations run in the same process (tests)."""
    return logging.getLogger(__name__)

DEFAULT_FROM = "Välitila <noreply@localhost>"


class MailError(Exception):
    """The message could not be handed to the SMTP server."""


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    use_tls: bool
    use_ssl: bool
    username: str
    password: str
    sender: str
    timeout: float

    @property
    def configured(self) -> bool:
        return bool(self.server)


def _setting(name: str, default: str = "") -> str:
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(name, default)
    return str(value)


def _flag(name: str, default: bool) -> bool:
    value = _setting(name, "1" if default else "0").strip().lower()
    return value in ("1", "true", "yes", "on")


def settings() -> MailSettings:
    """The SMTP settings of the running app (config first, then the environment)."""
    server = _setting("MAIL_SERVER").strip()
    use_ssl = _flag("MAIL_USE_SSL", False)
    use_tls = not use_ssl and _flag("MAIL_USE_TLS", bool(server))
    port = int(_setting("MAIL_PORT", "465" if use_ssl else "587" if use_tls else "25"))
    return MailSettings(server=server, port=port, use_tls=use_tls, use_ssl=use_ssl,
                        username=_setting("MAIL_USERNAME"), password=_setting("MAIL_PASSWORD"),
                        sender=_setting("MAIL_FROM", DEFAULT_FROM) or DEFAULT_FROM,
                        timeout=float(_setting("MAIL_TIMEOUT", "10")))


def build_message(*, to: str, subject: str, body: str, sender: str,
                  language: str = "fi") -> EmailMessage:
    """A plain-text UTF-8 message with the usual headers."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    message["Content-Language"] = language     # after set_content, which clears Content-*
    return message


def send(to: str, subject: str, body: str, *, language: str = "fi") -> EmailMessage:
    """Send one message (or, with no MAIL_SERVER, write it to the log). Returns the message.
    Raises MailError when the server cannot be reached or refuses it."""
    config = settings()
    message = build_message(to=to, subject=subject, body=body, sender=config.sender,
                            language=language)
    if not config.configured:
        _log().info("MAIL_SERVER is not set; this message was not sent:\n%s", message.as_string())
        return message
    try:
        if config.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(config.server, config.port,
                                                  timeout=config.timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(config.server, config.port, timeout=config.timeout)
        with smtp:
            if config.use_tls:
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException, UnicodeError) as exc:
        # The address is personal data: the log names the failure, not the recipient.
        _log().warning("sending mail failed: %s", type(exc).__name__)
        raise MailError(str(exc)) from exc
    return message
