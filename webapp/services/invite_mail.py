"""Send a supervision invite by email.

The invite link carries the supervisor's key fingerprint in its fragment (`#fp=`), which a
browser never sends to a server. To email the link the supervisor's client hands the whole
link to the server, fragment included: the fingerprint is not secret (it names a public key),
but a server that sends the email could change both the key it serves and the fingerprint in
the message. Copying the link, a QR code on the screen or reading it out in person keep the
server out of that check; the UI says so.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from babel.dates import format_date
from flask import request
from flask_babel import force_locale, gettext
from sqlalchemy import select

import protocol

from ..extensions import db
from ..models import Invite, User
from . import mail
from . import processes as process_service
from .errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound


class MailUnavailable(DomainError):
    """The SMTP server could not take the message: try again later."""

    status = 503
    code = "mail_unavailable"

_FRAGMENT = re.compile(r"fp=([A-Za-z0-9_-]{22})")
_JOIN_PATH = re.compile(r"/join/([A-Za-z0-9_-]{1,100})")


def _check_link(link: str, invite: Invite, supervisor: User) -> None:
    """The link must be this invite's link on this site, with the supervisor's own fp16."""
    parts = urlsplit(link)
    site = urlsplit(request.host_url)
    path = _JOIN_PATH.fullmatch(parts.path)
    fragment = _FRAGMENT.fullmatch(parts.fragment)
    if (parts.scheme, parts.netloc) != (site.scheme, site.netloc) or path is None \
            or parts.query or fragment is None:
        raise InvalidInput("link must be this site's /join/{token}#fp={fp16}", "bad_link",
                           field="link")
    if process_service._token_hash(path.group(1)) != invite.token_hash:
        raise InvalidInput("the link is not this invite's", "bad_link", field="link")
    if fragment.group(1) != protocol.fp16(supervisor.bundle):
        raise InvalidInput("the link's fingerprint is not the supervisor's key", "bad_link",
                           field="link")


def _language(email: str, chosen: str | None) -> str:
    if chosen:
        return chosen
    known = db.session.scalar(select(User.locale).where(User.email == email))
    return known or "fi"


def invite_message(supervisor_name: str, link: str, expires: str, language: str
                   ) -> tuple[str, str]:
    """(subject, body) of an invitation in `language`: the link and the supervisor's display
    name, nothing sealed."""
    with force_locale(language):
        subject = gettext("%(name)s invites you to supervision in Välitila",
                          name=supervisor_name)
        body = "\n\n".join([
            gettext("Hello,"),
            gettext("%(name)s invites you to a work supervision process in Välitila, a "
                    "journal for the time between supervision sessions. What you write there "
                    "is encrypted on your own device; you choose what your supervisor may "
                    "read.", name=supervisor_name),
            gettext("Open this link to sign up or sign in and join:"),
            link,
            gettext("The link works once and until %(date)s.", date=expires),
            gettext("When you join, Välitila checks the supervisor's key against the end of "
                    "the link. For the strongest check, compare the link with the one your "
                    "supervisor shows you in person."),
            gettext("If you did not expect this message, you can ignore it."),
        ])
    return subject, body + "\n"


def email_invite(supervisor: User, pid: str, invite_id: str, email: str, link: str,
                 language: str | None = None) -> str:
    """Send invite `invite_id` of process `pid` to `email`. Only the process's supervisor,
    only an open invite. Returns the message's language. Raises MailUnavailable (503) when
    the SMTP server cannot take it."""
    process = process_service.get_process(supervisor, pid)           # 404 for outsiders
    if process.supervisor_uid != supervisor.uid:
        raise Forbidden("Only the process's supervisor can do this.", "not_supervisor")
    if process.is_ended:
        raise Conflict("The process has ended.", "process_ended")
    invite = db.session.scalar(select(Invite).where(Invite.id == invite_id,
                                                    Invite.process_id == pid))
    if invite is None:
        raise NotFound("invite not found", "invite_not_found")
    if invite.state() != "open":
        raise Conflict("The invite is no longer open.", "invite_not_open")
    _check_link(link, invite, supervisor)
    language = _language(email, language)
    expires = format_date(invite.expires_at.date(), "long", locale=language)
    subject, body = invite_message(supervisor.display_name, link, expires, language)
    try:
        mail.send(email, subject, body, language=language)
    except mail.MailError:
        raise MailUnavailable("The email could not be sent now; try again later.") from None
    return language
