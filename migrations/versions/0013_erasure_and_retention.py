"""erasure list (uid and time only) and the retention of ended processes (until when, the
notice, the purge, the members' agreement to end it early)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 00:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'erasures',
        sa.Column('uid', sa.String(length=36), nullable=False),
        sa.Column('erased_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('uid'),
    )
    op.create_table(
        'retention_consents',
        sa.Column('process_id', sa.String(length=36), nullable=False),
        sa.Column('user_uid', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['process_id'], ['processes.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_uid'], ['users.uid'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('process_id', 'user_uid'),
    )
    with op.batch_alter_table('processes') as batch:
        batch.add_column(sa.Column('retention_until', sa.Date(), nullable=True))
        batch.add_column(sa.Column('retention_notice_at', sa.DateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('processes') as batch:
        batch.drop_column('purged_at')
        batch.drop_column('retention_notice_at')
        batch.drop_column('retention_until')
    op.drop_table('retention_consents')
    op.drop_table('erasures')
