"""contracts (revisions, acceptances, goals), supervision sessions, each user's time zone and
calendar feed secret

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 20:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

REASONS = "('illness', 'conflict', 'workload', 'supervisor', 'other')"


def upgrade():
    op.create_table(
        'contract_revisions',
        sa.Column('item_id', sa.String(length=36), nullable=False),
        sa.Column('process_id', sa.String(length=36), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['process_id'], ['processes.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('item_id'),
        sa.UniqueConstraint('process_id', 'number', name='uq_contract_revisions_number'),
    )
    op.create_table(
        'acceptances',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.String(length=36), nullable=False),
        sa.Column('rev', sa.Integer(), nullable=False),
        sa.Column('user_uid', sa.String(length=36), nullable=False),
        sa.Column('content_hash', sa.String(length=43), nullable=False),
        sa.Column('sig', sa.String(length=86), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_uid'], ['users.uid'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('item_id', 'rev', 'user_uid', name='uq_acceptances_item_rev_user'),
    )
    op.create_index('ix_acceptances_user_uid', 'acceptances', ['user_uid'])
    op.create_table(
        'goals',
        sa.Column('item_id', sa.String(length=36), nullable=False),
        sa.Column('process_id', sa.String(length=36), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('open', 'achieved', 'dropped')", name='ck_goals_status'),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['process_id'], ['processes.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('item_id'),
    )
    op.create_index('ix_goals_process_position', 'goals', ['process_id', 'position'])
    op.create_table(
        'supervision_sessions',
        sa.Column('id', sa.String(length=22), nullable=False),
        sa.Column('process_id', sa.String(length=36), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=9), nullable=False),
        sa.Column('cancel_reason', sa.String(length=10), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('planned', 'held', 'cancelled')",
                           name='ck_supervision_sessions_status'),
        sa.CheckConstraint(f"cancel_reason IS NULL OR cancel_reason IN {REASONS}",
                           name='ck_supervision_sessions_reason'),
        sa.CheckConstraint("(status = 'cancelled') = (cancel_reason IS NOT NULL)",
                           name='ck_supervision_sessions_reason_iff_cancelled'),
        sa.CheckConstraint("minutes BETWEEN 15 AND 480", name='ck_supervision_sessions_minutes'),
        sa.ForeignKeyConstraint(['process_id'], ['processes.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_supervision_sessions_process_start', 'supervision_sessions',
                    ['process_id', 'starts_at'])
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('timezone', sa.String(length=64), nullable=False,
                                   server_default='Europe/Helsinki'))
        batch.add_column(sa.Column('calendar_token_hash', sa.LargeBinary(length=32),
                                   nullable=True))
        batch.create_unique_constraint('uq_users_calendar_token_hash', ['calendar_token_hash'])


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_constraint('uq_users_calendar_token_hash', type_='unique')
        batch.drop_column('calendar_token_hash')
        batch.drop_column('timezone')
    op.drop_index('ix_supervision_sessions_process_start', table_name='supervision_sessions')
    op.drop_table('supervision_sessions')
    op.drop_index('ix_goals_process_position', table_name='goals')
    op.drop_table('goals')
    op.drop_index('ix_acceptances_user_uid', table_name='acceptances')
    op.drop_table('acceptances')
    op.drop_table('contract_revisions')
