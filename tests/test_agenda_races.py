"""Races of the agenda: the supervisor's devices (or two tabs) save its structure at the same
moment from the same version. Each round releases one thread per device through a barrier
(tests/test_races.race). Run on SQLite (the default) and on PostgreSQL
(`scripts/with-postgres.sh`). Run with `-s` for the figures."""
from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models.agendas import Agenda, AgendaEntry
from webapp.models.types import utcnow

from .factories import add_session, api_login, api_register, make_process
from .test_races import ROUNDS, _status, db_name, race

DEVICES = 4


@pytest.fixture
def devices(app):
    sara = api_register(app, is_supervisor=True)
    return [sara] + [api_login(app, sara) for _ in range(DEVICES - 1)]


def _stored(app, sid: str) -> tuple[int, list[str]]:
    with app.app_context():
        version = db.session.scalar(select(Agenda.version).where(Agenda.session_id == sid))
        lines = list(db.session.scalars(select(AgendaEntry.id).where(
            AgendaEntry.session_id == sid).order_by(AgendaEntry.position)))
        return version, lines


def test_saves_from_one_version_have_one_winner(app, devices):
    """Every device saves a different agenda from the same version at once (the first save,
    version 0, then from each stored version): one 200, the rest 409 agenda_changed with the
    stored version, and the agenda is exactly the winner's lines."""
    sara = devices[0]
    vilma = api_register(app)
    pid = make_process(sara.uid, vilma.uid, status="active", app=app)
    sid = add_session(pid, utcnow() + timedelta(days=3), app=app)
    totals: Counter[int] = Counter()
    for version in range(ROUNDS):
        bodies = [{"version": version, "lines": [
            {"id": str(uuid.uuid4()), "source": "own", "minutes": 5 + n} for _ in range(3)]}
            for n in range(DEVICES)]
        answers = race([lambda d=d, b=b: d.put(f"/sessions/{sid}/agenda", b)
                        for d, b in zip(devices, bodies, strict=True)])
        statuses = [_status(a) for a in answers]
        totals.update(statuses)
        assert statuses.count(200) == 1 and statuses.count(409) == DEVICES - 1, statuses
        winner = bodies[statuses.index(200)]
        for answer in answers:
            if answer.status_code == 409:
                error = answer.get_json()["error"]
                assert error["code"] == "agenda_changed" and error["version"] == version + 1
        assert _stored(app, sid) == (version + 1, [line["id"] for line in winner["lines"]])
    print(f"\nrace agenda saves [{db_name(app)}]: {ROUNDS} rounds × {DEVICES} devices: "
          f"{dict(totals)}")
