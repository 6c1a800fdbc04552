"""supervision processes, memberships and invites; envelopes remember their process

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 17:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

FORMS = "('individual', 'group', 'community', 'management', 'crisis')"


def upgrade():
    op.create_table(
        'processes',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('form', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('supervisor_uid', sa.String(length=36), nullable=False),
        sa.Column('session_minutes', sa.Integer(), nullable=False),
        sa.Column('interval_days', sa.Integer(), nullable=False),
        sa.Column('session_count', sa.Integer(), nullable=False),
        sa.Column('mode', sa.String(length=10), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=True),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('roster_epoch', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"form IN {FORMS}", name='ck_processes_form'),
        sa.CheckConstraint("status IN ('draft', 'active', 'ended')", name='ck_processes_status'),
        sa.CheckConstraint("mode IN ('in_person', 'remote', 'hybrid')",
                           name='ck_processes_mode'),
        sa.ForeignKeyConstraint(['supervisor_uid'], ['users.uid'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_processes_supervisor_uid', 'processes', ['supervisor_uid'])
    op.create_table(
        'memberships',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('process_id', sa.String(length=36), nullable=False),
        sa.Column('user_uid', sa.String(length=36), nullable=False),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('supervisor', 'supervisee')", name='ck_memberships_role'),
        sa.ForeignKeyConstraint(['process_id'], ['processes.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_uid'], ['users.uid'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('process_id', 'user_uid', name='uq_memberships_process_user'),
    )
    op.create_index('ix_memberships_user', 'memberships', ['user_uid', 'process_id'])
    op.create_table(
        'invites',
        sa.Column('id', sa.String(length=22), nullable=False),
        sa.Column('process_id', sa.String(length=36), nullable=False),
        sa.Column('token_hash', sa.LargeBinary(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('used_by', sa.String(length=36), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['process_id'], ['processes.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['used_by'], ['users.uid'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_invites_process_id', 'invites', ['process_id'])
    # No item or envelope names a process yet (the API refused `process` until now).
    with op.batch_alter_table('items') as batch:
        batch.create_foreign_key('fk_items_process_id_processes', 'processes', ['process_id'],
                                 ['id'], ondelete='RESTRICT')
    with op.batch_alter_table('envelopes') as batch:
        batch.add_column(sa.Column('process_id', sa.String(length=36), nullable=True))
        batch.create_foreign_key('fk_envelopes_process_id_processes', 'processes',
                                 ['process_id'], ['id'], ondelete='CASCADE')
        batch.create_index('ix_envelopes_process_recipient', ['process_id', 'recipient_uid'])


def downgrade():
    # The processes go: an item's process id would point at nothing (and stop a later
    # upgrade from adding the foreign key again).
    op.execute(sa.text('UPDATE items SET process_id = NULL WHERE process_id IS NOT NULL'))
    with op.batch_alter_table('envelopes') as batch:
        batch.drop_index('ix_envelopes_process_recipient')
        batch.drop_constraint('fk_envelopes_process_id_processes', type_='foreignkey')
        batch.drop_column('process_id')
    with op.batch_alter_table('items') as batch:
        batch.drop_constraint('fk_items_process_id_processes', type_='foreignkey')
    op.drop_index('ix_invites_process_id', table_name='invites')
    op.drop_table('invites')
    op.drop_index('ix_memberships_user', table_name='memberships')
    op.drop_table('memberships')
    op.drop_index('ix_processes_supervisor_uid', table_name='processes')
    op.drop_table('processes')
