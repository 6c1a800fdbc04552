"""The homes' and the notes' reads at the service layer (webapp/home/queries.py,
webapp/services/notes.py): what each person's home holds, where signing in leads, and who
may read a process's notes."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from webapp.extensions import db
from webapp.home import queries
from webapp.models import User
from webapp.services import notes
from webapp.services.errors import NotFound

from .factories import (
    add_goal,
    add_session,
    api_register,
    end_membership_row,
    make_process,
    note_body,
)


def user(person) -> User:
    return db.session.get(User, person.uid)


def in_app(app):
    """The services run in an application context of their own (the setup goes through the
    API, whose requests push theirs)."""
    return app.app_context()


@pytest.fixture
def people(app):
    return {"sara": api_register(app, display_name="Sara", is_supervisor=True),
            "anna": api_register(app, display_name="Anna"),
            "bertta": api_register(app, display_name="Bertta")}


def test_a_home_holds_both_sides(app, people):
    sara, anna, bertta = people["sara"], people["anna"], people["bertta"]
    now = datetime.now(UTC)
    pid = make_process(sara.uid, anna.uid, bertta.uid, status="active", app=app)
    draft = make_process(sara.uid, anna.uid, app=app)
    supervising_anna = make_process(anna.uid, bertta.uid, app=app)   # Anna supervises too
    soon = add_session(pid, now + timedelta(days=1), app=app)
    add_session(draft, now + timedelta(days=20), app=app)
    goal = add_goal(sara, pid, "tavoite", readers=(anna.uid,), position=1, app=app)
    stranger = api_register(app)
    with in_app(app):
        _check_homes(people, now, pid, draft, supervising_anna, soon, goal, stranger)


def _check_homes(people, now, pid, draft, supervising_anna, soon, goal, stranger):
    anna, sara = people["anna"], people["sara"]
    home = queries.home(user(anna), now)
    assert [row.process.id for row in home.supervised] == [pid, draft]
    assert [row.process.id for row in home.supervising] == [supervising_anna]
    first = home.supervised[0]
    assert first.next_session.id == soon and first.role == "supervisee"
    assert [(g.goal.item_id, g.sealed[1].recipient_uid) for g in first.goals] == [
        (goal, anna.uid)]
    assert home.supervised[1].next_session is not None and home.coming == []
    home = queries.home(user(sara), now)
    assert [c.session.id for c in home.coming] == [soon]            # 20 days is too far
    assert home.supervising[0].supervisees == ["Anna", "Bertta"]
    assert queries.home(user(stranger), now).empty


def test_where_signing_in_leads(app, people):
    sara, anna, bertta = people["sara"], people["anna"], people["bertta"]
    pid = make_process(sara.uid, anna.uid, bertta.uid, status="active", app=app)
    end_membership_row(pid, bertta.uid, app=app)
    make_process(sara.uid, bertta.uid, status="ended", app=app)
    with in_app(app):
        assert queries.lands_on_home(user(sara))                    # a supervisor, always
        assert queries.lands_on_home(user(anna))
        assert not queries.lands_on_home(user(bertta))   # a former member, an ended process


def test_the_notes_view_is_the_supervisors(app, people):
    sara, anna = people["sara"], people["anna"]
    stranger = api_register(app)
    pid = make_process(sara.uid, anna.uid, status="active", app=app)
    session = add_session(pid, datetime.now(UTC) + timedelta(days=2), app=app)
    item_id, body = note_body(sara, pid, "muistiinpano", session=session)
    assert sara.put(f"/items/{item_id}", body).status_code == 201
    with in_app(app):
        view = notes.notes_view(user(sara), pid)
        assert [g.session.id for g in view.groups] == [session] and view.count == 1
        assert not view.read_only and [s.id for s in view.sessions] == [session]
        for person in (anna, stranger):
            with pytest.raises(NotFound):
                notes.notes_view(user(person), pid)
