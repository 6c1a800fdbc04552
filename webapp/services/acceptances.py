"""Signed acceptances of a sealed item revision (PROTOCOL §6): what accepting a contract
revision and accepting an evaluation have in common.

An acceptance is a member's Ed25519 signature over
"valitila/v1/accept|" + item_id + "|" + rev + "|" + b64u(content_hash), checked here against
their bundle and the stored item, and kept once per (item, rev, member) in `acceptances`.
Each kind decides who may accept what and what follows (services/contracts.py: a draft
process becomes active; services/evaluations.py: the evaluation is accepted by everyone).
The caller holds the item row (and the process row) locked, so that an edit racing an
acceptance and two acceptances at once come out one way.
"""
from __future__ import annotations

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError

import protocol

from ..extensions import db
from ..models import Item, Membership, Process, User
from ..models.contracts import Acceptance
from ..models.types import utcnow
from .errors import InvalidInput, NotFound


def is_accepted(item_id: str) -> bool:
    """Somebody has accepted some rev of this item."""
    return bool(db.session.scalar(select(exists().where(Acceptance.item_id == item_id))))


def of_item(reader: User, item_id: str) -> list[Acceptance]:
    """Every acceptance of an item, for a reader of it (404 for anyone without an envelope)."""
    from .items import get_item
    get_item(reader, item_id)
    return list(db.session.scalars(select(Acceptance).where(Acceptance.item_id == item_id)
                                   .order_by(Acceptance.created_at, Acceptance.id)))


def of_items(item_ids: list[str]) -> dict[str, list[Acceptance]]:
    """The acceptances of several items (every rev), oldest first, in one query."""
    accepted: dict[str, list[Acceptance]] = {item_id: [] for item_id in item_ids}
    if item_ids:
        for acceptance in db.session.scalars(
                select(Acceptance).where(Acceptance.item_id.in_(item_ids))
                .order_by(Acceptance.created_at, Acceptance.id)):
            accepted[acceptance.item_id].append(acceptance)
    return accepted


def locked_item(item_id: str) -> Item | None:
    """The item, its row locked (PostgreSQL `FOR UPDATE`: the lock an edit takes in
    put_item) and read as it is now. The lock is taken by a plain statement and the row then
    read with populate_existing: an Item already in the session (read before the lock, at an
    older rev) is refreshed, where a locked ORM read would stop at the version mismatch."""
    db.session.execute(select(Item.id).where(Item.id == item_id).with_for_update())
    return db.session.get(Item, item_id, populate_existing=True)


def sign(user: User, item: Item, rev: int, sig: str) -> tuple[Acceptance, bool]:
    """Keep `user`'s acceptance of the locked `item` at `rev` (the caller checked that rev
    is the item's current one and that the user may accept it). The signature must verify
    with the user's bundle over the stored content (`400 bad_signature`). Returns
    (acceptance, created); the same acceptance again answers with the stored one."""
    content_hash = protocol.b64u_encode(protocol.content_hash(item.sealed))
    try:
        good = protocol.verify_acceptance(user.bundle["ed25519"], sig, item.id, rev,
                                          item.sealed)
    except protocol.ProtocolError as exc:
        raise InvalidInput(str(exc), exc.code, field="sig") from None
    if not good:
        raise InvalidInput("The signature does not verify with your key.", "bad_signature",
                           field="sig")
    stored = _stored(item.id, rev, user.uid)
    if stored is not None:
        return stored, False
    acceptance = Acceptance(item_id=item.id, rev=rev, user_uid=user.uid,
                            content_hash=content_hash, sig=sig)
    try:
        with db.session.begin_nested():
            db.session.add(acceptance)
    except IntegrityError:
        stored = _stored(item.id, rev, user.uid)
        if stored is None:
            raise
        return stored, False
    return acceptance, True


def _stored(item_id: str, rev: int, uid: str) -> Acceptance | None:
    return db.session.scalar(select(Acceptance).where(
        Acceptance.item_id == item_id, Acceptance.rev == rev, Acceptance.user_uid == uid))


def missing(process_id: str, item_id: str, rev: int) -> int:
    """How many active members of the process have not accepted (item, rev)."""
    return db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.process_id == process_id, Membership.ended_at.is_(None),
        ~exists().where(Acceptance.item_id == item_id, Acceptance.rev == rev,
                        Acceptance.user_uid == Membership.user_uid))) or 0


def accept(user: User, item_id: str, rev: int, sig: str) -> tuple[Acceptance, bool]:
    """POST /items/{id}/acceptances: accept a contract revision or an evaluation, by the
    item's kind (404 `not_a_contract` for an item of any other kind the user can read)."""
    from . import contracts, evaluations
    from .items import _envelope_of
    # The kind from the reader's envelope: no Item is loaded (and held) here, so the kind's
    # own locked read of the item (SELECT ... FOR UPDATE) gets the row as it is then.
    envelope = _envelope_of(item_id, user.uid)
    if envelope is None:
        raise NotFound("item not found")
    kind = envelope.item_kind
    if kind == "evaluation":
        return evaluations.accept(user, item_id, rev, sig)
    if kind != "contract":
        raise NotFound("This item is not a contract revision or an evaluation.",
                       "not_a_contract")
    return contracts.accept(user, item_id, rev, sig)


def settle(process: Process) -> None:
    """After a member has left (the process row locked by the caller): what everyone still
    in it had already accepted counts now — a draft whose newest contract revision every
    remaining member accepted becomes active, and so is each evaluation accepted. Not when
    the supervisor is left alone: what she accepted by herself settles nothing."""
    from ..models.evaluations import Evaluation
    from . import contracts
    members = db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.process_id == process.id, Membership.ended_at.is_(None))) or 0
    if members < 2:
        return
    current = contracts.newest(process.id)
    if current is not None:
        rev = db.session.scalar(select(Item.rev).where(Item.id == current.item_id))
        contracts.activate_if_all_accepted(process, current.item_id, rev)
    waiting = db.session.execute(
        select(Evaluation.item_id, Item.rev).join(Item, Item.id == Evaluation.item_id)
        .where(Evaluation.process_id == process.id, Evaluation.accepted_at.is_(None))).all()
    done = [item_id for item_id, rev in waiting if missing(process.id, item_id, rev) == 0]
    if done:
        db.session.execute(update(Evaluation).where(Evaluation.item_id.in_(done),
                                                    Evaluation.accepted_at.is_(None))
                           .values(accepted_at=utcnow())
                           .execution_options(synchronize_session=False))
