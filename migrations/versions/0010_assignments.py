"""interim assignments per assignee, check-in sharing per goal, and the remembered choice of
sharing answers per membership

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 21:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'assignment_assignees',
        sa.Column('assignment_id', sa.String(length=36), nullable=False),
        sa.Column('user_uid', sa.String(length=36), nullable=False),
        sa.Column('process_id', sa.String(length=36), nullable=False),
        sa.Column('session_id', sa.String(length=22), nullable=True),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('response_id', sa.String(length=36), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('open', 'done', 'skipped')",
                           name='ck_assignment_assignees_status'),
        sa.ForeignKeyConstraint(['assignment_id'], ['items.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_uid'], ['users.uid'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['process_id'], ['processes.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['session_id'], ['supervision_sessions.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['response_id'], ['items.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('assignment_id', 'user_uid'),
    )
    op.create_index('ix_assignment_assignees_user_status_due', 'assignment_assignees',
                    ['user_uid', 'status', 'due_at'])
    op.create_index('ix_assignment_assignees_process', 'assignment_assignees',
                    ['process_id', 'created_at'])
    op.create_table(
        'checkin_sharing',
        sa.Column('goal_id', sa.String(length=36), nullable=False),
        sa.Column('user_uid', sa.String(length=36), nullable=False),
        sa.Column('shared', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['goal_id'], ['items.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_uid'], ['users.uid'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('goal_id', 'user_uid'),
    )
    with op.batch_alter_table('memberships') as batch:
        batch.add_column(sa.Column('share_responses', sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table('memberships') as batch:
        batch.drop_column('share_responses')
    op.drop_table('checkin_sharing')
    op.drop_index('ix_assignment_assignees_process', table_name='assignment_assignees')
    op.drop_index('ix_assignment_assignees_user_status_due', table_name='assignment_assignees')
    op.drop_table('assignment_assignees')
