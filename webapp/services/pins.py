"""Pinned keys (PROTOCOL §2): the server keeps each user's pins for their other devices, as
records the owner signed. It checks the signature on write (with the owner's own bundle), so
a record it hands out is one the owner's client made; clients check it again on read."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import protocol

from ..extensions import db
from ..models import PinnedKey, User
from ..models.types import utcnow
from .errors import InvalidInput, NotFound
from .policy import shares_process


def list_pins(owner: User) -> list[PinnedKey]:
    """The owner's pins, by subject."""
    return list(db.session.scalars(select(PinnedKey).where(PinnedKey.owner_uid == owner.uid)
                                   .order_by(PinnedKey.subject_uid)))


def put_pin(owner: User, subject_uid: str, fp: str, verified: bool, sig: str
            ) -> tuple[PinnedKey, bool]:
    """Store the owner's signed pin of `subject_uid` (created: True) or replace it. Only for
    someone else who shares a process with the owner (404 otherwise, as for their bundle);
    400 `bad_signature` unless `sig` verifies with the owner's own key."""
    if subject_uid == owner.uid or db.session.get(User, subject_uid) is None \
            or not shares_process(owner.uid, subject_uid):
        raise NotFound("user not found")
    if not protocol.verify_pin(owner.bundle["ed25519"], sig, owner.uid, subject_uid, fp,
                               verified):
        raise InvalidInput("The signature does not verify with your key.", "bad_signature",
                           field="sig")
    now = utcnow()
    pin = db.session.get(PinnedKey, (owner.uid, subject_uid), with_for_update=True)
    created = pin is None
    if created:
        pin = PinnedKey(owner_uid=owner.uid, subject_uid=subject_uid, fp=fp, verified=verified,
                        verified_at=now if verified else None, sig=sig, created_at=now,
                        updated_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(pin)
        except IntegrityError:   # another device of the owner pinned them at the same moment
            pin = db.session.get(PinnedKey, (owner.uid, subject_uid), with_for_update=True,
                                 populate_existing=True)
            created = False
            if pin is None:
                raise
    if not created:
        if verified and not (pin.verified and pin.fp == fp):
            pin.verified_at = now
        elif not verified:
            pin.verified_at = None
        pin.fp, pin.verified, pin.sig, pin.updated_at = fp, verified, sig, now
    db.session.flush()
    return pin, created
