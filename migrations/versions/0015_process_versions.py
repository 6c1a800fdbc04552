"""process_versions: a counter per process that triggers raise with every change of the
process's rows and of what hangs on them, in the same transaction (pages key what they built
on it)

Which changes count (each table's insert, update and delete):
- the process's own row, and every row with its `process_id`: memberships, invites,
  supervision_sessions, items, envelopes, contract_revisions, goals, assignment_assignees,
  agendas, agenda_entries, evaluations, retention_consents;
- rows that name one of its items: envelopes (an owner envelope may have no process_id),
  acceptances, checkin_sharing (goal_id);
- an item shared through it (a supervisee's entry, which belongs to no process, shared with
  the supervisor through an envelope of the process): its edits and key rotations;
- a member's user row (their display name is on the process's pages).

PostgreSQL runs the triggers at commit (deferred constraint triggers): the counter's row is
locked from then until the commit only, so two transactions that change two processes in
opposite orders do not hold one each while waiting for the other. SQLite has one writer at a
time. A later migration that rebuilds one of these tables on SQLite (batch_alter_table) drops
its triggers and must create them again (tests/test_process_versions.py checks every one).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

#: table → (what its column names, the column)
PROCESS_TABLES = ("memberships", "invites", "supervision_sessions", "items", "envelopes",
                  "contract_revisions", "goals", "assignment_assignees", "agendas",
                  "agenda_entries", "evaluations", "retention_consents")
SOURCES = ([(table, "process", "process_id") for table in PROCESS_TABLES]
           + [("envelopes", "item", "item_id"), ("acceptances", "item", "item_id"),
              ("checkin_sharing", "item", "goal_id"), ("items", "shared", "id"),
              ("users", "member", "uid"),
              ("processes", "process", "id")])

_BUMP = "UPDATE process_versions SET version = version + 1 WHERE process_id "
_TARGETS = {
    "process": "= {ref}.{column}",
    "item": "IN (SELECT process_id FROM items WHERE id = {ref}.{column})",
    "member": "IN (SELECT process_id FROM memberships WHERE user_uid = {ref}.{column})",
    "shared": "IN (SELECT process_id FROM envelopes WHERE item_id = {ref}.{column})",
}


def _name(table: str, kind: str, op_name: str = "") -> str:
    return f"tr_{table}_{kind}_version{op_name}"


def _sqlite_upgrade() -> None:
    op.execute("CREATE TRIGGER tr_processes_version_row AFTER INSERT ON processes "
               "BEGIN INSERT INTO process_versions (process_id, version) "
               "VALUES (NEW.id, 0); END")
    for table, kind, column in SOURCES:
        target = _TARGETS[kind]
        operations = (("UPDATE",) if table == "processes"
                      else ("INSERT", "UPDATE", "DELETE"))
        for operation in operations:
            refs = {"INSERT": ("NEW",), "UPDATE": ("NEW", "OLD"), "DELETE": ("OLD",)}
            body = "; ".join(_BUMP + target.format(ref=ref, column=column)
                             for ref in refs[operation][:1 if table == "processes" else 2])
            op.execute(f"CREATE TRIGGER {_name(table, kind, '_' + operation.lower())} "
                       f"AFTER {operation} ON {table} BEGIN {body}; END")


_PG_FUNCTION = """
CREATE FUNCTION valitila_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids text[] := ARRAY[]::text[];
BEGIN
  IF TG_OP <> 'DELETE' THEN
    ids := ids || (to_jsonb(NEW) ->> TG_ARGV[1]);
  END IF;
  IF TG_OP <> 'INSERT' THEN
    ids := ids || (to_jsonb(OLD) ->> TG_ARGV[1]);
  END IF;
  IF TG_ARGV[0] = 'process' THEN
    UPDATE process_versions SET version = version + 1 WHERE process_id = ANY(ids);
  ELSIF TG_ARGV[0] = 'item' THEN
    UPDATE process_versions SET version = version + 1
     WHERE process_id IN (SELECT process_id FROM items WHERE id = ANY(ids));
  ELSIF TG_ARGV[0] = 'shared' THEN
    UPDATE process_versions SET version = version + 1
     WHERE process_id IN (SELECT process_id FROM envelopes WHERE item_id = ANY(ids));
  ELSE
    UPDATE process_versions SET version = version + 1
     WHERE process_id IN (SELECT process_id FROM memberships WHERE user_uid = ANY(ids));
  END IF;
  RETURN NULL;
END $$
"""

_PG_ROW_FUNCTION = """
CREATE FUNCTION valitila_version_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO process_versions (process_id, version) VALUES (NEW.id, 0);
  RETURN NULL;
END $$
"""


def _postgresql_upgrade() -> None:
    op.execute(_PG_FUNCTION)
    op.execute(_PG_ROW_FUNCTION)
    op.execute("CREATE TRIGGER tr_processes_version_row AFTER INSERT ON processes "
               "FOR EACH ROW EXECUTE FUNCTION valitila_version_row()")
    for table, kind, column in SOURCES:
        operations = "UPDATE" if table == "processes" else "INSERT OR UPDATE OR DELETE"
        op.execute(f"CREATE CONSTRAINT TRIGGER {_name(table, kind)} AFTER {operations} "
                   f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                   f"EXECUTE FUNCTION valitila_bump_version('{kind}', '{column}')")


def upgrade():
    op.create_table(
        'process_versions',
        sa.Column('process_id', sa.String(length=36), nullable=False),
        sa.Column('version', sa.Integer(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['process_id'], ['processes.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('process_id'),
    )
    op.execute("INSERT INTO process_versions (process_id, version) SELECT id, 0 FROM processes")
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, kind, _column in SOURCES:
            op.execute(f"DROP TRIGGER IF EXISTS {_name(table, kind)} ON {table}")
        op.execute("DROP TRIGGER IF EXISTS tr_processes_version_row ON processes")
        op.execute("DROP FUNCTION IF EXISTS valitila_bump_version()")
        op.execute("DROP FUNCTION IF EXISTS valitila_version_row()")
    else:
        op.execute("DROP TRIGGER IF EXISTS tr_processes_version_row")
        for table, kind, _column in SOURCES:
            for operation in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {_name(table, kind, '_' + operation)}")
    op.drop_table('process_versions')
