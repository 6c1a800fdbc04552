"""POST /processes/{pid}/invites/{invite_id}/email: send an invite link by email."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .types import Email, Locale, Schema, Str, omitted


class InviteEmail(Schema):
    """`link` is the whole invite link as the supervisor's client made it, fragment included
    (`…/join/{token}#fp={fp16}`): the server checks that it is this invite's link on this
    site and that the fragment names the supervisor's own key, and sends it as it is.
    `language` of the message: default the recipient's own if they have an account here,
    else Finnish."""

    email: Email
    link: Annotated[Str, Field(min_length=1, max_length=500)]
    language: Locale = omitted()


class InviteEmailSent(Schema):
    """The address the message went to (normalised) and its language."""

    email: str
    language: str
