"""The demo supervisor's processes (issue 9): `make run` on an empty database shows the product.

The demo supervisor has an individual process with each demo supervisee: named, with an
accepted contract and its goals, a schedule from the frame (two sessions held, the next in a
few days), a private note on the first session, a few entries the supervisee shared with the
supervisor, one marked for the next session, and what happened between the sessions: a done
assignment with its answer shared, an open one, check-ins on two goals, two proposed topics,
and the next session's agenda built from them and shared. Everything goes through the
services the API uses, and every text is sealed by the protocol code as a browser seals it.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import select, update

import protocol

from ..extensions import db
from ..models import Envelope, Item, SupervisionSession, User
from ..models.types import utcnow
from ..schemas import parse
from ..schemas.items import EnvelopeWrite, ItemWrite
from ..schemas.processes import ProcessCreate
from . import items, processes, schedule


@dataclass
class Keys:
    """A demo person and the keys their unlocked device would hold."""

    user: User
    keys: protocol.UnlockedAccount
    deks: dict[str, bytes] = field(default_factory=dict)

    @property
    def uid(self) -> str:
        return self.user.uid

    def x25519(self) -> bytes:
        return protocol.b64u_decode(self.user.bundle["x25519"], 32)


def seal(author: Keys, kind: str, payload: dict[str, Any], *, process: str | None = None,
         readers: tuple[Keys, ...] = (), links: dict[str, str] | None = None,
         item_id: str | None = None) -> Item:
    """Seal a new item (rev 1) as the browser does and store it through the items service:
    the author's own envelope, and one through `process` for each of `readers`."""
    item_id = item_id or str(uuid.uuid4())
    dek = os.urandom(32)
    author.deks[item_id] = dek
    sealed = protocol.seal_item(item_id, kind, 1, author.uid, payload, dek,
                                author.keys.ed25519_private)
    envelopes = [protocol.owner_envelope(author.keys.ak, dek, item_id, author.uid)]
    envelopes += [protocol.share_envelope(dek, item_id, r.uid, r.x25519()) for r in readers]
    body: dict[str, Any] = {"kind": kind, "rev": 1, "sealed": sealed["sealed"],
                            "sig": sealed["sig"], "envelopes": envelopes}
    if process:
        body["process"] = process
    if links:
        body["links"] = links
    item, _ = items.put_item(author.user, item_id, parse(ItemWrite, body))
    return item


def share(author: Keys, item_id: str, reader: Keys, pid: str, *, bring: bool = False) -> None:
    """Share one of the author's items with `reader` through the process (PROTOCOL §5)."""
    envelope = protocol.share_envelope(author.deks[item_id], item_id, reader.uid,
                                       reader.x25519())
    items.put_envelope(author.user, item_id, reader.uid, parse(EnvelopeWrite, {
        "envelope": envelope, "process": pid, "bring": bring}))


def backdate(item_id: str, days: float) -> None:
    when = utcnow() - timedelta(days=days)
    db.session.execute(update(Item).where(Item.id == item_id)
                       .values(created_at=when, updated_at=when))
    db.session.execute(update(Envelope).where(Envelope.item_id == item_id)
                       .values(item_created_at=when))


def start_process(supervisor: Keys, supervisee: Keys, name: str) -> str:
    """An individual process, its sealed name, and the supervisee in it through a real
    invite (made by the supervisor, accepted by the supervisee). Returns its id."""
    pid = str(uuid.uuid4())
    processes.create_process(supervisor.user, parse(ProcessCreate, {
        "id": pid, "form": "individual", "session_minutes": 60, "interval_days": 21,
        "session_count": 12, "mode": "in_person",
        "starts_on": (date.today() - timedelta(days=45)).isoformat(),
        "ends_on": (date.today() + timedelta(days=320)).isoformat()}))
    _, token = processes.create_invite(supervisor.user, pid)
    processes.accept_invite(supervisee.user, token)
    seal(supervisor, "title", {"title": name}, process=pid, readers=(supervisee,))
    return pid


def plan_sessions(supervisor: Keys, pid: str, at: time = time(14, 0)
                  ) -> list[SupervisionSession]:
    """The schedule from the frame with its first session 38 days ago at `at` local time:
    the first two held, the third in four days."""
    first = date.today() - timedelta(days=38)
    sessions = schedule.generate_schedule(supervisor.user, pid, first, at)
    for held in sessions[:2]:
        schedule.mark_held(supervisor.user, held.id)
    return sessions


def share_entries(supervisee: Keys, supervisor: Keys, pid: str, entry_ids: list[str]) -> None:
    """The supervisee shares their newest entries with the supervisor; the newest is marked
    "bring to the next session"."""
    for n, item_id in enumerate(entry_ids):
        share(supervisee, item_id, supervisor, pid, bring=n == 0)


def private_note(supervisor: Keys, pid: str, session_id: str, text: str) -> None:
    seal(supervisor, "note", {"title": "", "body": text}, process=pid,
         links={"session": session_id})


def held_session(pid: str) -> SupervisionSession | None:
    """The first held session of the process."""
    return db.session.scalar(select(SupervisionSession).where(
        SupervisionSession.process_id == pid, SupervisionSession.status == "held")
        .order_by(SupervisionSession.starts_at).limit(1))


def _library_words(key: str) -> dict[str, Any]:
    """A built-in assignment's payload in Finnish, as the give form seals it."""
    from ..assignments.library import LIBRARY
    words = next(a for a in LIBRARY if a.key == key).in_language("fi")
    return {"title": words["title"], "instructions": words["instructions"],
            "minutes": words["minutes"], "tags": words["tags"], "lang": "fi", "source": key}


def give_assignment(supervisor: Keys, supervisee: Keys, pid: str, key: str,
                    session: SupervisionSession) -> str:
    """The supervisor gives a library assignment in `session`; due before the next one."""
    from ..schemas.items import ItemWrite as Write
    from . import assignments
    item_id = str(uuid.uuid4())
    dek = os.urandom(32)
    supervisor.deks[item_id] = dek
    sealed = protocol.seal_item(item_id, "assignment", 1, supervisor.uid, _library_words(key),
                                dek, supervisor.keys.ed25519_private)
    body = {"kind": "assignment", "rev": 1, "sealed": sealed["sealed"], "sig": sealed["sig"],
            "process": pid, "links": {"session": session.id},
            "envelopes": [protocol.owner_envelope(supervisor.keys.ak, dek, item_id,
                                                  supervisor.uid),
                          protocol.share_envelope(dek, item_id, supervisee.uid,
                                                  supervisee.x25519())]}
    assignments.give(supervisor.user, item_id, parse(Write, body))
    return item_id


ANSWER = (
    "Kirjoitin joka ilta yhden onnistumisen. Huomasin, että onnistumiset liittyivät usein "
    "siihen, että pysähdyin kuuntelemaan ennen kuin ehdotin ratkaisua. Kolmena päivänä "
    "onnistuminen oli se, että lähdin ajoissa kotiin."
)

TOPICS = [
    "Miten sanon ei uudelle projektille, kun tiimi odottaa minun tarttuvan siihen?",
    "Haastavan asiakastilanteen jälkipurku: mikä auttoi ja mikä jäi kesken.",
]

#: The supervisee's check-ins (0–10, a note) on the first two goals, one around each of the
#: two held sessions and one now, before the next (days ago).
CHECKINS = [
    [(38, 3, "Venytän päiviä liikaa."), (17, 5, "Pidin kaksi iltaa vapaana."),
     (2, 6, "Askel ylöspäin: kalenteriin suojattua aikaa.")],
    [(38, 4, "Palaverit ajautuvat ongelmapuheeksi."), (17, 4, ""),
     (2, 6, "Kokeilin skaalakysymystä tiimissä.")],
]


def between_sessions(supervisor: Keys, supervisee: Keys, pid: str,
                     sessions: list[SupervisionSession], goal_ids: list[str]) -> dict:
    """What happened between the sessions (issue 10): a done assignment from the second
    session with its answer shared, an open one due before the next, check-ins on two goals
    shared with the supervisor, and two topics proposed for the next session. Returns the ids
    the agenda gathers: {"topics": [...], "response": ...}."""
    from . import assignments, checkins
    done = give_assignment(supervisor, supervisee, pid, "success_a_day", sessions[1])
    backdate(done, 17)
    answer = seal(supervisee, "response", {"body": ANSWER}, process=pid,
                  readers=(supervisor,), links={"parent": done}).id
    backdate(answer, 5)
    assignments.set_status(supervisee.user, done, "done")
    backdate(give_assignment(supervisor, supervisee, pid, "resource_map", sessions[1]), 17)
    for goal_id, points in zip(goal_ids, CHECKINS, strict=False):
        checkins.set_sharing(supervisee.user, pid, goal_id, True)
        for days, value, note in points:
            backdate(seal(supervisee, "checkin", {"value": value, "note": note}, process=pid,
                          readers=(supervisor,), links={"goal": goal_id}).id, days)
    topics = []
    for days, text in enumerate(TOPICS, start=1):
        topics.append(seal(supervisee, "topic", {"text": text}, process=pid,
                           readers=(supervisor,)).id)
        backdate(topics[-1], days)
    return {"topics": topics, "response": answer}


def agenda(supervisor: Keys, supervisee: Keys, pid: str, session: SupervisionSession,
           gathered: dict) -> None:
    """The supervisor's agenda for the next session, built from what was gathered (the two
    topics, the shared answer) and her own lines, time-boxed to the session and shared."""
    from . import agendas
    lines = [("own", None, 5, "Kuulumiset ja tämän kerran tavoite"),
             ("topic", gathered["topics"][0], 20, TOPICS[0]),
             ("response", gathered["response"], 10, "Välitehtävä: yksi onnistuminen päivässä"),
             ("topic", gathered["topics"][1], 15, TOPICS[1]),
             ("own", None, 10, "Tavoitteiden skaalat ja seuraava välitehtävä")]
    ids = [str(uuid.uuid4()) for _ in lines]
    words = {line_id: {"title": title, "note": ""}
             for line_id, (_, _, _, title) in zip(ids, lines, strict=True)}
    item = seal(supervisor, "agenda", {"lines": words}, process=pid, readers=(supervisee,),
                links={"session": session.id})
    agendas.save(supervisor.user, session.id, 0, [
        agendas.LineInput(id=line_id, source=source, source_id=source_id, minutes=minutes)
        for line_id, (source, source_id, minutes, _) in zip(ids, lines, strict=True)],
        item_id=item.id)
    agendas.share(supervisor.user, session.id)


def contract(supervisor: Keys, supervisee: Keys, pid: str, place: str) -> Item:
    """Revision 1 of the contract from the Finnish template, sealed to both."""
    from ..contracts.templates_text import default_sections
    return seal(supervisor, "contract", {"sections": default_sections("fi"), "place": place,
                                         "lang": "fi"}, process=pid, readers=(supervisee,))


def accept(person: Keys, item: Item) -> None:
    """The person signs the revision as their browser would (PROTOCOL §6)."""
    from . import contracts
    content_hash = protocol.b64u_encode(protocol.content_hash(item.sealed))
    sig = protocol.sign_acceptance(person.keys.ed25519_private, item.id, item.rev, content_hash)
    contracts.accept(person.user, item.id, item.rev, sig)


GOALS = [
    "Tunnistan oman jaksamiseni rajat ja pidän niistä kiinni.",
    "Vahvistan ratkaisukeskeistä otetta tiimin palavereissa.",
    "Jäsennän vaikeat asiakastilanteet ja niiden jälkipurun.",
]

NOTES = [
    "Ensimmäinen tapaaminen: sopimus käyty läpi, tavoitteet tarkennettu. Seuraavalla kerralla "
    "palataan jaksamisen skaalaan.",
]


def seed_process(supervisor: Keys, supervisee: Keys, name: str, place: str,
                 entry_ids: list[str], at: time = time(14, 0)) -> str:
    """One demo process, whole: name, contract accepted by both (so it is active), goals,
    a schedule with the first session held and the next in four days, a private note on the
    held session, and the supervisee's newest entries shared with the supervisor."""
    pid = start_process(supervisor, supervisee, name)
    revision = contract(supervisor, supervisee, pid, place)
    goal_ids = [seal(supervisor, "goal", {"text": text}, process=pid,
                     readers=(supervisee,)).id for text in GOALS]
    accept(supervisee, revision)
    accept(supervisor, revision)
    sessions = plan_sessions(supervisor, pid, at)
    for text in NOTES:
        private_note(supervisor, pid, sessions[0].id, text)
    share_entries(supervisee, supervisor, pid, entry_ids)
    gathered = between_sessions(supervisor, supervisee, pid, sessions, goal_ids[:2])
    agenda(supervisor, supervisee, pid, sessions[2], gathered)
    return pid
