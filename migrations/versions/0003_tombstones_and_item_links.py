"""tombstones, and item links as real columns

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 15:10:00

"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tombstones',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('author_uid', sa.String(length=36), nullable=False),
        sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_uid'], ['users.uid'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_tombstones_author_uid', 'tombstones', ['author_uid'])
    with op.batch_alter_table('items') as batch:
        batch.add_column(sa.Column('parent_id', sa.String(length=36), nullable=True))
        batch.add_column(sa.Column('session_id', sa.String(length=36), nullable=True))
        batch.add_column(sa.Column('goal_id', sa.String(length=36), nullable=True))
        batch.create_foreign_key('fk_items_parent_id_items', 'items', ['parent_id'], ['id'],
                                 ondelete='SET NULL')
        batch.create_foreign_key('fk_items_goal_id_items', 'items', ['goal_id'], ['id'],
                                 ondelete='SET NULL')
        batch.create_index('ix_items_parent_id', ['parent_id'])
        batch.create_index('ix_items_session_id', ['session_id'])
        batch.create_index('ix_items_goal_id', ['goal_id'])
    # Copy the JSON links into the columns; a link to an item that is gone is dropped.
    conn = op.get_bind()
    items = sa.table('items', sa.column('id', sa.String), sa.column('links', sa.JSON),
                     sa.column('parent_id', sa.String), sa.column('session_id', sa.String),
                     sa.column('goal_id', sa.String))
    existing = {row.id for row in conn.execute(sa.select(items.c.id))}
    for row in conn.execute(sa.select(items.c.id, items.c.links)
                            .where(items.c.links.isnot(None))).all():
        links = row.links if isinstance(row.links, dict) else json.loads(row.links or 'null')
        if not links:
            continue
        conn.execute(items.update().where(items.c.id == row.id).values(
            parent_id=links.get('parent') if links.get('parent') in existing else None,
            session_id=links.get('session'),
            goal_id=links.get('goal') if links.get('goal') in existing else None))
    with op.batch_alter_table('items') as batch:
        batch.drop_column('links')


def downgrade():
    with op.batch_alter_table('items') as batch:
        batch.add_column(sa.Column('links', sa.JSON(none_as_null=True), nullable=True))
    conn = op.get_bind()
    items = sa.table('items', sa.column('id', sa.String), sa.column('links', sa.JSON),
                     sa.column('parent_id', sa.String), sa.column('session_id', sa.String),
                     sa.column('goal_id', sa.String))
    for row in conn.execute(sa.select(items.c.id, items.c.parent_id, items.c.session_id,
                                      items.c.goal_id)).all():
        links = {k: v for k, v in (('parent', row.parent_id), ('session', row.session_id),
                                   ('goal', row.goal_id)) if v}
        if links:
            conn.execute(items.update().where(items.c.id == row.id).values(links=links))
    with op.batch_alter_table('items') as batch:
        batch.drop_index('ix_items_goal_id')
        batch.drop_index('ix_items_session_id')
        batch.drop_index('ix_items_parent_id')
        batch.drop_constraint('fk_items_goal_id_items', type_='foreignkey')
        batch.drop_constraint('fk_items_parent_id_items', type_='foreignkey')
        batch.drop_column('goal_id')
        batch.drop_column('session_id')
        batch.drop_column('parent_id')
    op.drop_index('ix_tombstones_author_uid', table_name='tombstones')
    op.drop_table('tombstones')
