"""an index for the reader's own items by kind, newest first (the journal lists only the
user's own entries now that others share theirs)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 19:05:00

"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_envelopes_reader_own_order', 'envelopes',
                    ['recipient_uid', 'type', 'item_kind', 'item_created_at', 'item_id'])


def downgrade():
    op.drop_index('ix_envelopes_reader_own_order', table_name='envelopes')
