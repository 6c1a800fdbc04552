"""Demo data made through the real protocol code: a newcomer signs in and reads a real,
decryptable journal. Also seeds many entries for the benchmarks."""
from __future__ import annotations

import uuid
from datetime import time, timedelta

from sqlalchemy import select, update

import protocol

from ..extensions import db
from ..models import Envelope, Item, User
from ..models.types import utcnow
from ..schemas import parse
from ..schemas.accounts import RegisterRequest
from . import accounts

DEMO_PASSWORD = "Välitila-demo-2026"

PEOPLE = [
    {"email": "leena.laaksonen@demo.valitila.fi", "display_name": "Leena Laaksonen",
     "supervisor": True, "role": "työnohjaaja / supervisor"},
    {"email": "aino.virtanen@demo.valitila.fi", "display_name": "Aino Virtanen",
     "supervisor": False, "role": "työnohjattava / supervisee"},
    {"email": "mikko.korhonen@demo.valitila.fi", "display_name": "Mikko Korhonen",
     "supervisor": False, "role": "työnohjattava / supervisee"},
]

ENTRIES = [
    ("Palaverin jälkeen", "Huomasin, että kun kysyin ensin tiimiltä, mikä toimii, keskustelu "
     "kääntyi ratkaisuihin. Kokeilen samaa ensi viikolla.", ["tiimi", "onnistuminen"]),
    ("Vaikea asiakastilanne", "Asiakas suuttui ja jäin miettimään omaa reaktiotani. Pysyin "
     "rauhallisena, mutta illalla asia pyöri mielessä. Haluan ottaa tämän esiin "
     "työnohjauksessa.", ["asiakastyö", "tunteet"]),
    ("Välitehtävä: vahvuuteni", "Kolme vahvuutta tällä viikolla: kuuntelin loppuun asti, "
     "pyysin apua ajoissa ja sanoin ei yhdelle ylimääräiselle tehtävälle.", ["välitehtävä"]),
    ("Skaalakysymys", "Jaksaminen asteikolla 0–10: tänään 6. Viime kuussa 4. Ero syntyi "
     "siitä, että pidän taukoni.", ["jaksaminen"]),
    ("Ajatus rajoista", "Työpäivän rajat pitävät paremmin, kun suljen sähköpostin klo 16. "
     "Mitä tarvitsen, että tämä jatkuu?", ["rajat"]),
]


def _create_account(email: str, display_name: str, password: str, supervisor: bool
                    ) -> tuple[User, protocol.UnlockedAccount]:
    uid = str(uuid.uuid4())
    new = protocol.create_account(uid, email, password)
    data = dict(new.registration, email=email, display_name=display_name, locale="fi",
                is_supervisor=supervisor)
    user = accounts.register(parse(RegisterRequest, data))
    return user, _unlock(user, password)


def _unlock(user: User, password: str) -> protocol.UnlockedAccount:
    return protocol.unlock_account(user.email, password, user.keys())


def write_entry(user: User, keys: protocol.UnlockedAccount, title: str, body: str,
                tags: list[str]) -> Item:
    """Seal and store one journal entry exactly as the browser would."""
    from . import demo_processes
    return demo_processes.seal(demo_processes.Keys(user, keys), "entry",
                               {"title": title, "body": body, "tags": tags})


def _backdate(item: Item, days: float) -> None:
    when = utcnow() - timedelta(days=days)
    db.session.execute(update(Item).where(Item.id == item.id)
                       .values(created_at=when, updated_at=when))
    db.session.execute(update(Envelope).where(Envelope.item_id == item.id)
                       .values(item_created_at=when))


def seed_initial() -> list[dict]:
    """Create the demo accounts with Finnish journals, and the demo supervisor's process with
    each demo supervisee (demo_processes.seed_process), only on an empty database."""
    from . import demo_processes

    if db.session.scalar(select(User.uid).limit(1)) is not None:
        return []
    people = []
    for index, person in enumerate(PEOPLE):
        user, keys = _create_account(person["email"], person["display_name"], DEMO_PASSWORD,
                                     person["supervisor"])
        me = demo_processes.Keys(user, keys)
        chosen = ENTRIES[index % 2:] if not person["supervisor"] else ENTRIES[:3]
        written = []
        for age, (title, body, tags) in enumerate(reversed(chosen)):
            item = demo_processes.seal(me, "entry", {"title": title, "body": body,
                                                     "tags": tags})
            _backdate(item, (len(chosen) - age) * 3.5)
            written.append(item.id)
        db.session.commit()
        db.session.expire_all()               # the backdated times, not the cached ones
        people.append((person, me, written))
    supervisor = people[0][1]
    for n, (person, me, written) in enumerate(people[1:]):
        first_name = person["display_name"].split()[0]
        demo_processes.seed_process(
            supervisor, me, f"{person['display_name']} – yksilötyönohjaus",
            f"Leenan vastaanotto, Hämeenkatu 12, Tampere ({first_name})",
            list(reversed(written[-2:])), at=time(14 + 2 * n, 0))  # one after the other
        db.session.commit()
    return PEOPLE


def seed_entries(email: str, count: int, password: str) -> int:
    """Seed `count` sealed entries for one account, creating it if missing."""
    user = accounts.user_by_email(email)
    if user is None:
        name = email.split("@")[0].replace(".", " ").title()
        user, keys = _create_account(email, name, password, False)
    else:
        keys = _unlock(user, password)
    for n in range(count):
        title, body, tags = ENTRIES[n % len(ENTRIES)]
        write_entry(user, keys, f"{title} #{n + 1}", body, tags)
    return count
