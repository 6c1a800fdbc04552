"""session agendas and their lines, evaluations and their cadence, content-free reminders

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 23:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'agendas',
        sa.Column('session_id', sa.String(length=22), nullable=False),
        sa.Column('process_id', sa.String(length=36), nullable=False),
        sa.Column('item_id', sa.String(length=36), nullable=True),
        sa.Column('shared_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['supervision_sessions.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['process_id'], ['processes.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('session_id'),
    )
    op.create_index('ix_agendas_process_id', 'agendas', ['process_id'])
    op.create_table(
        'agenda_entries',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('session_id', sa.String(length=22), nullable=False),
        sa.Column('process_id', sa.String(length=36), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('source_id', sa.String(length=36), nullable=True),
        sa.Column('carried_from_id', sa.String(length=36), nullable=True),
        sa.Column('done', sa.Boolean(), nullable=False),
        sa.Column('used_minutes', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("source IN ('topic', 'entry', 'response', 'checkin', 'own')",
                           name='ck_agenda_entries_source'),
        sa.CheckConstraint('minutes BETWEEN 0 AND 480', name='ck_agenda_entries_minutes'),
        sa.CheckConstraint('used_minutes IS NULL OR used_minutes BETWEEN 0 AND 480',
                           name='ck_agenda_entries_used_minutes'),
        sa.ForeignKeyConstraint(['session_id'], ['agendas.session_id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['process_id'], ['processes.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['source_id'], ['items.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['carried_from_id'], ['agenda_entries.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_agenda_entries_session_position', 'agenda_entries',
                    ['session_id', 'position'])
    op.create_index('ix_agenda_entries_source_id', 'agenda_entries', ['source_id'])
    op.create_table(
        'evaluations',
        sa.Column('item_id', sa.String(length=36), nullable=False),
        sa.Column('process_id', sa.String(length=36), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('interim', 'final')", name='ck_evaluations_kind'),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['process_id'], ['processes.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('item_id'),
        sa.UniqueConstraint('process_id', 'due_on', name='uq_evaluations_process_due'),
    )
    op.create_table(
        'reminder_settings',
        sa.Column('user_uid', sa.String(length=36), nullable=False),
        sa.Column('assignment_due', sa.Boolean(), nullable=False),
        sa.Column('session_tomorrow', sa.Boolean(), nullable=False),
        sa.Column('agenda_shared', sa.Boolean(), nullable=False),
        sa.Column('evaluation_due', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_uid'], ['users.uid'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_uid'),
    )
    op.create_table(
        'reminders_sent',
        sa.Column('user_uid', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('subject', sa.String(length=64), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('assignment_due', 'session_tomorrow', 'agenda_shared', 'evaluation_due')",
            name='ck_reminders_sent_kind'),
        sa.ForeignKeyConstraint(['user_uid'], ['users.uid'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_uid', 'kind', 'subject'),
    )
    with op.batch_alter_table('processes') as batch:
        batch.add_column(sa.Column('evaluation_months', sa.Integer(), nullable=False,
                                   server_default='6'))


def downgrade():
    with op.batch_alter_table('processes') as batch:
        batch.drop_column('evaluation_months')
    op.drop_table('reminders_sent')
    op.drop_table('reminder_settings')
    op.drop_table('evaluations')
    op.drop_index('ix_agenda_entries_source_id', table_name='agenda_entries')
    op.drop_index('ix_agenda_entries_session_position', table_name='agenda_entries')
    op.drop_table('agenda_entries')
    op.drop_index('ix_agendas_process_id', table_name='agendas')
    op.drop_table('agendas')
