"""The contract of a supervision process (työnohjaussopimus): its revisions and the signed
acceptances that make a draft process active (DESIGN.md; PROTOCOL §6; the schema's docstring in
webapp/models/contracts.py).

A revision is an item of kind "contract" of the process, written by its supervisor through
the ordinary item PUT (PROTOCOL §7): services/items.py calls the hooks here inside the same
transaction, so an item of kind "contract" and its ContractRevision row are made together
or not at all. Revision 1 amends nothing; each later one names the newest as its parent
(links.parent) and may be written only once somebody has accepted the newest (until then its
author edits it instead). An edit is refused once somebody has accepted the revision.

Every read-then-write here holds the row it depends on: an acceptance locks the contract item
(the lock an edit takes in put_item) and then the process (the lock a joining member takes),
so an edit racing an acceptance, and two members accepting at once, come out one way.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam, exists, func, select

from ..extensions import db
from ..models import Envelope, Item, Membership, Process, User
from ..models.contracts import Acceptance, ContractRevision
from ..models.types import utcnow
from . import acceptances as acceptances_service
from . import processes
from .errors import Conflict, Forbidden, InvalidInput, NotFound


@dataclass(frozen=True)
class RevisionView:
    """One revision for one reader: the row, its item, the reader's envelope (None when the
    supervisor's client has not shared it with them yet) and its acceptances (all revs)."""

    revision: ContractRevision
    item: Item
    envelope: Envelope | None
    acceptances: list[Acceptance]

    def accepted_now(self) -> list[Acceptance]:
        """The acceptances of the item's current rev (an edit makes older ones stale)."""
        return [a for a in self.acceptances if a.rev == self.item.rev]


# -- reading -----------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _newest_statement():
    return (select(ContractRevision).where(ContractRevision.process_id == bindparam("pid"))
            .order_by(ContractRevision.number.desc()).limit(1))


def newest(pid: str) -> ContractRevision | None:
    """The newest revision of a process's contract, or None."""
    return db.session.scalar(_newest_statement(), {"pid": pid})


def is_accepted(item_id: str) -> bool:
    """Somebody has accepted some rev of this item."""
    return acceptances_service.is_accepted(item_id)


def revisions(reader: User, pid: str) -> tuple[Process, list[RevisionView]]:
    """The process (404 unless the reader is a current member) and its revisions, newest
    first, each with the reader's live envelope and every acceptance. Three queries."""
    process = processes.get_process(reader, pid)
    rows = db.session.execute(
        select(ContractRevision, Item).join(Item, Item.id == ContractRevision.item_id)
        .where(ContractRevision.process_id == pid)
        .order_by(ContractRevision.number.desc())).all()
    ids = [item.id for _revision, item in rows]
    envelopes = _live_envelopes(reader.uid, ids)
    accepted = acceptances_service.of_items(ids)
    return process, [RevisionView(revision, item, envelopes.get(item.id), accepted[item.id])
                     for revision, item in rows]


def _live_envelopes(uid: str, item_ids: list[str]) -> dict[str, Envelope]:
    if not item_ids:
        return {}
    now = utcnow()
    return {env.item_id: env for env in db.session.scalars(
        select(Envelope).where(Envelope.item_id.in_(item_ids), Envelope.recipient_uid == uid))
        if env.is_live(now)}


def acceptances(reader: User, item_id: str) -> list[Acceptance]:
    """Every acceptance of an item, for a reader of it (404 for anyone without an envelope)."""
    return acceptances_service.of_item(reader, item_id)


# -- hooks of the item PUT (services/items.py) ------------------------------------------------

def before_create(author: User, item: Item, links: dict[str, str] | None) -> int:
    """Check a new revision and return its number. Only the process's supervisor writes the
    contract; her writes to the process queue (processes.queue_supervisor_writes), so two new
    revisions at once get different numbers (and the unique number catches what a lock could
    not)."""
    if item.process_id is None:
        raise InvalidInput("A contract belongs to a supervision process.", "process_required",
                           field="process")
    processes.lock_for_sharing(item.process_id)
    process = db.session.get(Process, item.process_id, populate_existing=True)
    if process is None or process.supervisor_uid != author.uid:
        raise Forbidden("Only the process's supervisor writes its contract.", "not_supervisor",
                        field="process")
    processes.queue_supervisor_writes(process.id, author.uid)
    current = newest(process.id)
    parent = (links or {}).get("parent")
    if current is None:
        if parent is not None:
            raise InvalidInput("The first revision amends nothing.", "bad_links",
                               field="links.parent")
        return 1
    if parent != current.item_id:
        raise Conflict("An amendment names the newest revision as its parent.",
                       "not_newest_revision", field="links.parent", number=current.number)
    if not is_accepted(current.item_id):
        raise Conflict("Nobody has accepted the newest revision yet: edit it instead.",
                       "revision_open", field="links.parent")
    return current.number + 1


def after_create(item: Item, number: int) -> None:
    """The revision row of a new contract item (in the item's transaction)."""
    db.session.flush()
    db.session.add(ContractRevision(item_id=item.id, process_id=item.process_id,
                                    number=number))
    db.session.flush()


def before_update(author: User, item: Item) -> None:
    """A revision is edited only until somebody has accepted it (the item row is locked by
    put_item, the lock an acceptance takes first)."""
    if is_accepted(item.id):
        raise Conflict("Somebody has accepted this revision: amend it with a new revision.",
                       "revision_accepted")


def before_delete(item: Item) -> None:
    """Revisions stay: the history of what was agreed is part of the contract."""
    raise Conflict("A contract revision cannot be deleted; amend it instead.", "contract_kept")


# -- accepting ---------------------------------------------------------------------------------

def accept(user: User, item_id: str, rev: int, sig: str) -> tuple[Acceptance, bool]:
    """Accept a revision: `sig` is the user's Ed25519 signature over
    "valitila/v1/accept|" + item_id + "|" + rev + "|" + b64u(content_hash) (PROTOCOL §6),
    checked against their bundle and the stored item. Returns (acceptance, created); the same
    acceptance again answers with the stored one. When every active member has accepted the
    newest revision's current rev, a draft process becomes active."""
    from .items import get_item
    get_item(user, item_id)                                   # 404 without an envelope
    revision = db.session.get(ContractRevision, item_id)
    if revision is None:
        raise NotFound("This item is not a contract revision.", "not_a_contract")
    item = acceptances_service.locked_item(item_id)
    process = db.session.get(Process, revision.process_id, with_for_update=True,
                             populate_existing=True)
    if item is None or process is None:
        raise NotFound("item not found")
    if not processes.is_current_member(user.uid, process.id):
        raise NotFound("process not found", "process_not_found")
    if process.is_ended:
        raise Conflict("The process has ended; nothing can be accepted.", "process_ended")
    current = newest(process.id)
    if current is None or current.item_id != item_id:
        raise Conflict("A newer revision of the contract exists.", "not_newest_revision",
                       number=current.number if current else 0)
    if rev != item.rev:
        raise Conflict("The revision has changed since you opened it.", "stale_rev",
                       rev=item.rev)
    acceptance, created = acceptances_service.sign(user, item, rev, sig)
    if created:
        activate_if_all_accepted(process, item_id, rev)
    return acceptance, created


def activate_if_all_accepted(process: Process, item_id: str, rev: int) -> None:
    """Draft → active when the process has a supervisee and no active member lacks an
    acceptance of (item, rev): the supervisor accepting her own contract before anyone has
    joined starts nothing (the contract is an agreement between its members). The process
    row is locked by the caller."""
    if process.status != "draft":
        return
    if (acceptances_service.missing(process.id, item_id, rev) == 0
            and _has_supervisee(process.id)):
        process.status, process.activated_at = "active", utcnow()
        db.session.flush()


def _has_supervisee(pid: str) -> bool:
    return bool(db.session.scalar(select(exists().where(
        Membership.process_id == pid, Membership.ended_at.is_(None),
        Membership.role == "supervisee"))))


def summary(pid: str) -> dict:
    """The newest revision's number (0: none), how many active members accepted its current
    rev, how many active members there are, and the number of goals (the process page's
    card; the caller has checked membership). Three small queries, built once."""
    current = newest(pid)
    members, goal_count = db.session.execute(_counts_statement(), {"pid": pid}).one()
    if current is None:
        return {"number": 0, "accepted": 0, "members": members, "goals": goal_count}
    accepted = db.session.scalar(_accepted_statement(),
                                 {"pid": pid, "item": current.item_id}) or 0
    return {"number": current.number, "accepted": accepted, "members": members,
            "goals": goal_count}


@lru_cache(maxsize=1)
def _counts_statement():
    """summary()'s active members and goals, in one query built once."""
    from ..models.contracts import Goal
    pid = bindparam("pid")
    return select(
        select(func.count()).select_from(Membership).where(
            Membership.process_id == pid, Membership.ended_at.is_(None)).scalar_subquery(),
        select(func.count()).select_from(Goal).where(Goal.process_id == pid)
        .scalar_subquery())


@lru_cache(maxsize=1)
def _accepted_statement():
    """summary()'s active members who accepted the current rev of the newest revision."""
    return (select(func.count()).select_from(Acceptance)
            .join(Item, Item.id == Acceptance.item_id)
            .join(Membership, (Membership.user_uid == Acceptance.user_uid)
                  & (Membership.process_id == bindparam("pid"))
                  & Membership.ended_at.is_(None))
            .where(Acceptance.item_id == bindparam("item"), Acceptance.rev == Item.rev))
