"""`make run`'s demo data (issues 9): on an empty database the demo supervisor has an active
individual process with each demo supervisee, and everything in it opens with the protocol
code as each person's browser would open it: the name, the contract accepted by both (the
signatures verify), the goals, the schedule (one session held, the next in a few days), the
supervisor's private note (hers alone) and the entries shared with her."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

import protocol
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.services import demo

from .test_migrations import scratch_url  # noqa: F401 - the fixture


@pytest.fixture
def demo_app(scratch_url: str, monkeypatch) -> Iterator[Flask]:  # noqa: F811
    """An app on an empty scratch database, with the demo data seeded as `make run` does."""
    monkeypatch.setenv("TEST_DATABASE_URL", scratch_url)
    app = create_app(TestConfig)
    with app.app_context():
        upgrade()
        assert demo.seed_initial() == demo.PEOPLE
        assert demo.seed_initial() == []          # only on an empty database
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class Device:
    """A demo person signed in through the API, with their keys unlocked."""

    def __init__(self, app: Flask, email: str) -> None:
        self.client: FlaskClient = app.test_client()
        pre = self.client.post("/api/v1/auth/prelogin", json={"email": email}).get_json()
        secrets = protocol.derive_account_secrets(
            email, demo.DEMO_PASSWORD, protocol.b64u_decode(pre["salt_seed"]), pre["kdf"])
        answer = self.client.post("/api/v1/auth/login", json={
            "email": email, "auth_key": protocol.b64u_encode(secrets.auth_key)}).get_json()
        self.keys = protocol.unlock_account(email, demo.DEMO_PASSWORD, answer["keys"])
        self.uid = answer["uid"]

    def get(self, path: str) -> Any:
        response = self.client.get(f"/api/v1{path}")
        assert response.status_code == 200, (path, response.get_json())
        return response.get_json()

    def open(self, item: dict) -> dict:
        env = item["envelope"]
        if env["type"] == "ak":
            dek = protocol.open_owner_envelope(self.keys.ak, env, item["id"], self.uid)
        else:
            dek = protocol.open_share_envelope(self.keys.x25519_private, env, item["id"],
                                              self.uid)
        author = self.get(f"/users/{item['author']}/bundle")
        return protocol.open_item(item, dek, protocol.b64u_decode(author["ed25519"], 32))

    def items(self, **query: str) -> list[dict]:
        args = "&".join(f"{k}={v}" for k, v in query.items())
        return self.get(f"/items?{args}&limit=100")["items"]


def test_the_demo_shows_the_product(demo_app):
    supervisor = Device(demo_app, demo.PEOPLE[0]["email"])
    processes = supervisor.get("/processes")["processes"]
    assert len(processes) == len(demo.PEOPLE) - 1
    emails = {p["display_name"]: p["email"] for p in demo.PEOPLE}
    for process in processes:
        pid = process["id"]
        full = supervisor.get(f"/processes/{pid}")
        assert full["status"] == "active" and full["form"] == "individual"
        (supervisee,) = [m for m in full["members"] if m["role"] == "supervisee"]
        member_uid = supervisee["uid"]
        member = Device(demo_app, emails[supervisee["display_name"]])

        # The name, the contract and the goals open for both.
        for device in (supervisor, member):
            kinds = {}
            for item in device.items(process=pid):
                kinds.setdefault(item["kind"], []).append(device.open(item))
            assert kinds["title"][0]["title"].endswith("yksilötyönohjaus")
            assert kinds["contract"][0]["sections"] and kinds["contract"][0]["lang"] == "fi"
            assert len(kinds["goal"]) == 3
            assert ("note" in kinds) == (device is supervisor)   # hers alone

        # Both accepted revision 1, and each signature verifies with the signer's key.
        contract = supervisor.get(f"/processes/{pid}/contract")
        (revision,) = contract["revisions"]
        assert revision["accepted_by_all"] and len(revision["acceptances"]) == 2
        item = supervisor.get(f"/items/{revision['item']}")
        for acceptance in revision["acceptances"]:
            bundle = supervisor.get(f"/users/{acceptance['user']}/bundle")
            assert protocol.verify_acceptance(bundle["ed25519"], acceptance["sig"],
                                              item["id"], item["rev"], item["sealed"])
        assert len(contract["goals"]) == 3

        # The schedule: two sessions held, the next planned within a week.
        sessions = member.get(f"/processes/{pid}/sessions")["sessions"]
        assert [s["status"] for s in sessions[:3]] == ["held", "held", "planned"]
        starts = datetime.fromisoformat(sessions[2]["starts_at"])
        assert timedelta(0) < starts - datetime.now(UTC) < timedelta(days=7)

        # Between the sessions: a done assignment with its answer shared, an open one due
        # before the next session; both open for the supervisee, the answer for the supervisor.
        given = supervisor.get(f"/processes/{pid}/assignments")["assignments"]
        statuses = sorted(a["assignees"][0]["status"] for a in given)
        assert statuses == ["done", "open"]
        for a in given:
            assert member.open(member.get(f"/items/{a['item']}"))["title"]
            (row,) = a["assignees"]
            if row["status"] == "done":
                assert supervisor.open(supervisor.get(f"/items/{row['response']}"))["body"]
            else:
                assert row["response"] is None
                assert datetime.fromisoformat(row["due_at"]) <= starts

        # Check-ins on two goals at three points, shared; two topics for the next session.
        checkins = [supervisor.open(i) for i in supervisor.items(kind="checkin", process=pid)]
        assert len(checkins) == 6 and all(0 <= c["value"] <= 10 for c in checkins)
        goals = {i["links"]["goal"] for i in supervisor.items(kind="checkin", process=pid)}
        assert len(goals) == 2
        topics = [supervisor.open(i) for i in supervisor.items(kind="topic", process=pid)]
        assert len(topics) == 2 and all(t["text"] for t in topics)

        # The next session's agenda: built from the two topics and the shared answer, with
        # the supervisor's own lines, within the session's length, shared: the supervisee
        # reads every line's words.
        agenda = member.get(f"/sessions/{sessions[2]['id']}/agenda")
        assert agenda["shared_at"] and not agenda["over"]
        sources = [line["source"] for line in agenda["lines"]]
        assert sources == ["own", "topic", "response", "topic", "own"]
        words = member.open(agenda["item"])["lines"]
        assert {words[line["id"]]["title"] for line in agenda["lines"]
                if line["source"] == "topic"} == {t["text"] for t in topics}
        assert all(words[line["id"]]["title"] for line in agenda["lines"])

        # What the supervisee shares: the supervisor reads it, one marked for the session.
        shared = [i for i in supervisor.items(kind="entry", process=pid)
                  if i["author"] == member_uid]
        assert len(shared) == 2
        assert all(supervisor.open(i)["body"] for i in shared)
        marks = [next(r["bring"] for r in member.get(f"/items/{i['id']}/readers")["readers"]
                      if r["recipient"] == supervisor.uid) for i in shared]
        assert sorted(marks) == [False, True]
