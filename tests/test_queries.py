"""Listing pages cost a constant number of SQL queries, whatever the size of the journal."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from webapp.extensions import db

from .factories import api_register
from .helpers import Person


@contextmanager
def count_queries(app):
    """Count the statements the app sends to the database inside the block."""
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith("BEGIN"):  # SQLite's explicit BEGIN (webapp/uow.py)
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def _queries(app, person: Person, path: str, **kw) -> int:
    with count_queries(app) as statements:
        response = person.client.get(path, **kw)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return len(statements)


PATHS = ["/journal/", "/api/v1/items", "/api/v1/items?limit=100", "/api/v1/items?kind=entry"]


def _grow_to(person: Person, count: int, have: int) -> None:
    for n in range(have, count):
        person.write(f"Merkintä {n}", "teksti")


def _counts(app, person: Person) -> dict[str, int]:
    for path in PATHS:                     # warm up: nothing one-off in the counts
        person.client.get(path)
    counts = {path: _queries(app, person, path) for path in PATHS}
    first_page = person.get("/items").get_json()
    if first_page["next"]:
        counts["api page 2"] = _queries(app, person, f"/api/v1/items?before={first_page['next']}")
        counts["htmx page 2"] = _queries(app, person, f"/journal/?before={first_page['next']}",
                                         headers={"HX-Request": "true"})
    return counts


def test_listing_queries_do_not_grow_with_the_journal(app):
    anna = api_register(app, "anna@example.fi")
    bertta = api_register(app, "bertta@example.fi")   # someone else's items in the store too
    _grow_to(bertta, 10, 0)
    _grow_to(anna, 5, 0)
    small = _counts(app, anna)
    _grow_to(anna, 60, 5)
    large = _counts(app, anna)
    for path in PATHS:
        assert large[path] == small[path], (path, small, large)
    # page 2 only exists for the large journal; it costs what page 1 costs
    assert large["api page 2"] == large["/api/v1/items"]
    assert large["htmx page 2"] == large["/journal/"]
    # and the counts are small: the session user, then one query for the page
    assert max(large.values()) <= 3, large


def test_the_counter_counts(app):
    """Control: a request that does touch the database is counted."""
    anna = api_register(app, "anna@example.fi")
    assert _queries(app, anna, "/api/v1/me") >= 1
    with count_queries(app) as statements:
        pass
    assert statements == []


@pytest.mark.parametrize("entries", [1, 25])
def test_item_pages_cost_the_same(app, entries):
    anna = api_register(app, "anna@example.fi")
    ids = [anna.write() for _ in range(entries)]
    counts = {_queries(app, anna, path) for path in (f"/journal/{ids[0]}",
                                                      f"/api/v1/items/{ids[0]}")}
    assert max(counts) <= 3, counts


def _plan(app, query) -> str:
    """The database's own query plan for a Select, as text."""
    from sqlalchemy import text

    with app.app_context():
        dialect = db.engine.dialect
        compiled = query.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if dialect.name == "sqlite" else "EXPLAIN "
        if dialect.name == "postgresql":
            # The question is how the index is searched, not whether a scan of a nearly
            # empty table is cheaper: after many tests' rows were deleted the statistics
            # make PostgreSQL prefer a sequential scan of the (tiny) table.
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
            # Nor a bitmap scan, which a fresh database (a pytest-xdist worker's) may prefer.
            db.session.execute(text("SET LOCAL enable_bitmapscan = off"))
            # Nor sorting what it estimates as one row (free): whether the index gives the
            # order is the question. A plan with no ordered index path still sorts.
            db.session.execute(text("SET LOCAL enable_sort = off"))
        rows = db.session.execute(text(prefix + str(compiled))).all()
        db.session.rollback()
    return "\n".join(" ".join(str(c) for c in row) for row in rows)


@pytest.mark.parametrize("kind, own", [(None, False), ("entry", False), ("entry", True)])
def test_a_deep_page_is_an_index_range_not_a_filter(app, kind, own):
    """The cursor condition must be part of the index search on both databases (a page near
    the end of a long journal then costs what the first page costs): SQLite shows it in the
    SEARCH line, PostgreSQL as an Index Cond on a row comparison."""
    from datetime import UTC, datetime

    from webapp.services.items import page_query

    anna = api_register(app, "anna@example.fi")
    before = (datetime(2026, 1, 1, tzinfo=UTC), "7f7f7f7f-7f7f-4f7f-8f7f-7f7f7f7f7f7f")
    plan = _plan(app, page_query(anna.uid, kind=kind, before=before, own=own))
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "sqlite":
        if own:                                # the journal: own entries, their own index
            assert "ix_envelopes_reader_own_order" in plan, plan
        assert "(item_created_at,item_id)<(?,?)" in plan.replace(" ", ""), plan
        assert "TEMP B-TREE" not in plan, plan                  # no sort either
    else:
        # PostgreSQL chooses among the reader's ordered indexes by its statistics (on a
        # fresh database, a pytest-xdist worker's, any of them; by kind when a kind is
        # asked): each is an index range in the page's order.
        cond = next(line for line in plan.splitlines() if "Index Cond" in line)
        assert "ROW(item_created_at, (item_id)::text) <" in cond, plan
        ordered = ["ix_envelopes_reader_own_order", "ix_envelopes_reader_order"]
        if kind:
            ordered.append("ix_envelopes_reader_kind_order")
        assert any(index in plan for index in ordered), plan
        assert "Sort" not in plan, plan


def test_the_deepest_page_costs_what_the_first_costs(app):
    """Constant cost for every page: the last page of a journal is one query like the first."""
    anna = api_register(app, "anna@example.fi")
    _grow_to(anna, 45, 0)
    cursor, pages, counts = None, 0, []
    while True:
        path = "/api/v1/items?limit=10" + (f"&before={cursor}" if cursor else "")
        counts.append(_queries(app, anna, path))
        cursor = anna.get(path.removeprefix("/api/v1")).get_json()["next"]
        pages += 1
        if cursor is None:
            break
    assert pages == 5 and len(set(counts)) == 1, counts
