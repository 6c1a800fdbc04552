"""Process versions (models.ProcessVersion, migration 0015): the database raises a process's
counter with every insert, update and delete of its rows and of what hangs on them, in the
same transaction, and the pages that key what they built on it (the homes, the process page)
read nothing else, so no write can leave one of them showing what was.

Everything runs on the demo world (`make run`'s data: a process per supervisee with its
contract, goals, sessions, assignments, check-ins, topics, agenda, notes and shares)."""
from __future__ import annotations

import importlib.util
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, insert, select, text, update

from webapp import chrome
from webapp.extensions import db
from webapp.models import Evaluation, Membership, ProcessVersion, RetentionConsent, User
from webapp.services import demo

from .test_chrome_cache import _masked
from .test_demo import Device

_spec = importlib.util.spec_from_file_location(
    "migration_0015",
    Path(__file__).resolve().parent.parent / "migrations/versions/0015_process_versions.py")
migration = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(migration)

#: What a page keyed on versions may read besides the versioned tables: the signed-in
#: device (the sign-in check), the versions themselves, and users (a member's row raises
#: their processes' versions).
ALSO_READ = {"device_sessions", "process_versions", "users"}
VERSIONED = {table for table, _kind, _column in migration.SOURCES}


@pytest.fixture
def world(app):
    """The demo world, its people's recovery keys counted as saved (else their pages carry
    the prompt and are never kept), with an evaluation and a retention consent added (the
    demo has neither)."""
    with app.app_context():
        assert demo.seed_initial() == demo.PEOPLE
        db.session.execute(update(User).values(recovery_confirmed_at=datetime.now(UTC)))
        pid, uid, item = db.session.execute(text(
            "SELECT m.process_id, m.user_uid, i.id FROM memberships m JOIN items i ON "
            "i.process_id = m.process_id AND i.kind = 'goal' WHERE m.role = 'supervisee' "
            "LIMIT 1")).one()
        db.session.add(Evaluation(item_id=item, process_id=pid, due_on=date.today(),
                                  kind="interim"))
        db.session.add(RetentionConsent(process_id=pid, user_uid=uid))
        db.session.commit()
        db.session.remove()
    return app


def _versions(app) -> dict[str, int]:
    with app.app_context():
        found = dict(db.session.execute(select(ProcessVersion.process_id,
                                               ProcessVersion.version)).all())
        db.session.remove()
    return found


def _linked_row(table, kind: str, column: str) -> tuple[dict, str] | None:
    """A row of `table` that belongs to a process, and that process's id."""
    if kind == "process":
        query = select(table, table.c[column].label("_pid")).where(
            table.c[column].is_not(None))
    elif kind == "shared":  # an item of no process, shared through one
        envelopes = db.metadata.tables["envelopes"]
        query = (select(table, envelopes.c.process_id.label("_pid"))
                 .join(envelopes, envelopes.c.item_id == table.c[column])
                 .where(envelopes.c.process_id.is_not(None), table.c.process_id.is_(None)))
    else:
        items = db.metadata.tables["items"]
        query = (select(table, items.c.process_id.label("_pid"))
                 .join(items, items.c.id == table.c[column])
                 .where(items.c.process_id.is_not(None)))
    row = db.session.execute(query.limit(1)).mappings().first()
    if row is None:
        return None
    values = {column.key: row[column.key] for column in table.c}
    return values, row["_pid"]


ROW_SOURCES = [(t, k, c) for t, k, c in migration.SOURCES if t not in ("users", "processes")]


@pytest.mark.parametrize(("table_name", "kind", "column"), ROW_SOURCES,
                         ids=[f"{t}.{c}" for t, _k, c in ROW_SOURCES])
def test_every_change_of_a_process_row_raises_its_version(world, table_name, kind, column):
    """An update (even of nothing), a delete and an insert of a row that belongs to a
    process, each in a transaction of its own, each raise the process's version."""
    app = world
    table = db.metadata.tables[table_name]
    with app.app_context():
        found = _linked_row(table, kind, column)
        db.session.remove()
    assert found is not None, f"the demo has no {table_name} of a process"
    values, pid = found
    key = {c.name: values[c.name] for c in table.primary_key.columns}
    where = [table.c[name] == value for name, value in key.items()]

    def raised(statement) -> bool:
        before = _versions(app)[pid]
        with app.app_context():
            db.session.execute(statement)
            db.session.commit()
            db.session.remove()
        return _versions(app)[pid] > before

    same = {column: table.c[column]}
    assert raised(update(table).where(*where).values(same)), "update"
    assert raised(table.delete().where(*where)), "delete"
    if kind != "shared":  # (an item shared through a process is no longer one when new)
        assert raised(insert(table).values(values)), "insert"


def test_a_new_process_has_a_version_and_its_own_changes_raise_it(world):
    app = world
    with app.app_context():
        pid = db.session.scalar(text("SELECT id FROM processes LIMIT 1"))
        db.session.remove()
    before = _versions(app)
    with app.app_context():
        db.session.execute(text("UPDATE processes SET status = status WHERE id = :p"),
                           {"p": pid})
        db.session.commit()
    after = _versions(app)
    assert after[pid] > before[pid]
    assert {p: v for p, v in after.items() if p != pid} == \
        {p: v for p, v in before.items() if p != pid}


def test_a_members_name_raises_the_versions_of_their_processes_only(world):
    app = world
    with app.app_context():
        aino = db.session.scalar(select(User.uid).where(
            User.email == demo.PEOPLE[1]["email"]))
        hers = set(db.session.scalars(select(Membership.process_id).where(
            Membership.user_uid == aino)))
        db.session.remove()
    before = _versions(app)
    with app.app_context():
        db.session.execute(update(User).where(User.uid == aino).values(display_name="Aino V."))
        db.session.commit()
    after = _versions(app)
    assert hers and {p for p in after if after[p] > before[p]} == hers


def test_a_rolled_back_change_raises_nothing(world):
    app = world
    before = _versions(app)
    with app.app_context():
        db.session.execute(text("UPDATE supervision_sessions SET minutes = minutes + 1"))
        db.session.rollback()
    assert _versions(app) == before


def _tables_read(app, client, path: str) -> set[str]:
    statements: list[str] = []

    def capture(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert response.status_code == 200, path
    found: set[str] = set()
    for statement in statements:
        found |= set(re.findall(r"(?:FROM|JOIN)\s+\"?(\w+)", statement, re.IGNORECASE))
    return found


def test_the_pages_kept_on_versions_read_nothing_else(world):
    """What the homes and the process page read, built anew (nothing kept), for the
    supervisor and a supervisee: only versioned tables, the sign-in and the versions. A page
    that starts to read another table must make it raise the versions first (migration)."""
    app = world
    app.extensions.pop("valitila_memo", None)
    for person in demo.PEOPLE[:2]:
        device = Device(app, person["email"])
        pid = device.get("/processes")["processes"][0]["id"]
        for path in ("/home/", f"/processes/{pid}", f"/processes/{pid}?sessions=all"):
            app.extensions.pop("valitila_memo", None)
            read = _tables_read(app, device.client, path)
            assert read - VERSIONED - ALSO_READ == set(), (person["email"], path)
            assert "process_versions" in read


def _home(device) -> str:
    response = device.client.get("/home/")
    assert response.status_code == 200
    return _masked(response.get_data(as_text=True))


@pytest.fixture
def builds(monkeypatch):
    """The pages built (not kept), by template."""
    calls: list[str] = []
    real = chrome.render_memo_page

    def counting(name, memo, build, until=None):
        def counted():
            calls.append(name)
            return build()
        return real(name, memo, counted, until)

    from webapp import home, processes
    monkeypatch.setattr(home, "render_memo_page", counting)
    monkeypatch.setattr(processes, "render_memo_page", counting)
    return calls


def test_an_unchanged_home_is_kept_and_any_change_builds_it_anew(world, builds):
    app = world
    supervisor = Device(app, demo.PEOPLE[0]["email"])
    first = _home(supervisor)
    assert _home(supervisor) == first and builds == ["home/index.html"]
    pid = supervisor.get("/processes")["processes"][0]["id"]
    with app.app_context():  # a supervisee's new name, written behind the app's back
        uid = db.session.scalar(select(Membership.user_uid).where(
            Membership.process_id == pid, Membership.role == "supervisee"))
        db.session.execute(update(User).where(User.uid == uid).values(
            display_name="Uusi Nimi"))
        db.session.commit()
    renamed = _home(supervisor)
    assert len(builds) == 2 and "Uusi Nimi" in renamed
    with app.app_context():  # a session moved into the coming fortnight
        db.session.execute(text(
            "UPDATE supervision_sessions SET starts_at = :at WHERE id = (SELECT id FROM "
            "supervision_sessions WHERE process_id = :p AND status = 'planned' "
            "ORDER BY starts_at DESC LIMIT 1)"),
            {"at": (datetime.now(UTC) + timedelta(hours=30)).replace(tzinfo=None)
             if db.engine.dialect.name == "sqlite" else datetime.now(UTC)
             + timedelta(hours=30), "p": pid})
        db.session.commit()
    moved = _home(supervisor)
    assert len(builds) == 3 and moved.count("data-session=") == renamed.count(
        "data-session=") + 1
    assert _home(supervisor) == moved and len(builds) == 3


def test_a_kept_home_lasts_until_the_clock_changes_it(world, builds, monkeypatch):
    app = world
    supervisor = Device(app, demo.PEOPLE[0]["email"])
    _home(supervisor)
    _home(supervisor)
    assert len(builds) == 1
    later = datetime.now(UTC) + timedelta(minutes=1, seconds=1)
    monkeypatch.setattr(chrome, "utcnow", lambda: later)
    _home(supervisor)
    assert len(builds) == 2


def test_a_share_that_ends_leaves_the_supervisees_home_when_it_ends(world, builds,
                                                                    monkeypatch):
    """The home counts the entries marked "bring to the next session": one that is shared
    until a moment stops counting at that moment, though the page is kept and its minute
    has not ended."""
    import webapp.home
    from webapp.home import queries

    app = world
    aino = Device(app, demo.PEOPLE[1]["email"])
    clock = [datetime.now(UTC).replace(second=10, microsecond=0)]
    for module in (webapp.home, queries, chrome):
        monkeypatch.setattr(module, "utcnow", lambda: clock[0])
    ends = clock[0] + timedelta(seconds=20)
    with app.app_context():
        marked = db.session.execute(text(
            "SELECT e.item_id, e.recipient_uid FROM envelopes e JOIN items i ON i.id = "
            "e.item_id WHERE i.author_uid = :u AND e.recipient_uid <> :u AND "
            "e.process_id IS NOT NULL AND e.bring"), {"u": aino.uid}).first()
        assert marked is not None
        db.session.execute(text(
            "UPDATE envelopes SET expires_at = :at WHERE item_id = :i AND recipient_uid = :r"),
            {"at": ends.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else ends,
             "i": marked[0], "r": marked[1]})
        db.session.commit()

    def bring() -> str:
        return re.search(r"data-bring>\s*<a[^>]*>([^<]*)<", _home(aino)).group(1)

    counted = bring()
    clock[0] = ends - timedelta(seconds=1)
    assert bring() == counted and len(builds) == 1
    clock[0] = ends + timedelta(seconds=1)          # the same minute
    assert bring() != counted and len(builds) == 2


def test_an_unchanged_process_page_is_kept_and_any_change_builds_it_anew(world, builds):
    app = world
    supervisor = Device(app, demo.PEOPLE[0]["email"])
    pid = supervisor.get("/processes")["processes"][0]["id"]
    path = f"/processes/{pid}"
    first = _masked(supervisor.client.get(path).get_data(as_text=True))
    assert _masked(supervisor.client.get(path).get_data(as_text=True)) == first
    assert builds == ["processes/show.html"]
    assert supervisor.client.get(path + "?sessions=all").status_code == 200
    assert len(builds) == 2                    # another page
    made = supervisor.client.post(f"/api/v1/processes/{pid}/invites", json={},
                                  headers={"X-CSRF-Token": _token(supervisor)})
    assert made.status_code == 201, made.get_json()
    after = supervisor.client.get(path).get_data(as_text=True)
    assert len(builds) == 3 and after.count("data-invite=") == first.count("data-invite=") + 1


def _token(device) -> str:
    html = device.client.get("/account/").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def test_a_former_member_gets_404_not_a_kept_page(world, builds):
    """Aino leaves: her kept process page and her shared list, and her supervisor's kept
    view of that list, answer 404 at once."""
    app = world
    aino = Device(app, demo.PEOPLE[1]["email"])
    leena = Device(app, demo.PEOPLE[0]["email"])
    pid = aino.get("/processes")["processes"][0]["id"]
    shared = f"/processes/{pid}/people/{aino.uid}/shared"
    for device, path in ((aino, f"/processes/{pid}"), (aino, shared), (leena, shared)):
        for _ in range(2):
            assert device.client.get(path).status_code == 200
    with app.app_context():
        db.session.execute(update(Membership).where(
            Membership.process_id == pid, Membership.user_uid == aino.uid).values(
            ended_at=datetime.now(UTC)))
        db.session.commit()
    assert aino.client.get(f"/processes/{pid}").status_code == 404
    assert aino.client.get(shared).status_code == 404
    assert leena.client.get(shared).status_code == 404
    assert f'data-process="{pid}"' not in _home(aino)


def test_a_kept_page_reads_the_sign_in_and_the_versions_only(world):
    """Kept, the homes, the process page and the shared list cost what the journal's
    sign-in costs and one query for the versions, however much they show."""
    from .test_queries import count_queries

    app = world
    for person in demo.PEOPLE[:2]:
        device = Device(app, person["email"])
        pid = device.get("/processes")["processes"][0]["id"]
        with app.app_context():
            member = db.session.scalar(select(Membership.user_uid).where(
                Membership.process_id == pid, Membership.role == "supervisee"))
        for path in ("/home/", f"/processes/{pid}",
                     f"/processes/{pid}/people/{member}/shared"):
            device.client.get(path)
            with count_queries(app) as statements:
                assert device.client.get(path).status_code == 200
            with count_queries(app) as base:
                assert device.client.get("/api/v1/me").status_code == 200
            assert len(statements) <= len(base) + 1, (path, statements)
