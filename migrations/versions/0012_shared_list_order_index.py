"""an index in the order of a supervisee's shared list (envelopes of one reader through one
process, marked first, then newest), replacing the (process, recipient) index it extends

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 23:25:00

"""
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # The supervisor's list of what one supervisee shares through a process reads a page of
    # 20 in this order; without it every share through the process was read and sorted.
    # Its first two columns are the old index's, so every query that used that one uses this.
    op.create_index('ix_envelopes_process_recipient_order', 'envelopes',
                    ['process_id', 'recipient_uid', 'bring', 'item_created_at', 'item_id'])
    op.drop_index('ix_envelopes_process_recipient', table_name='envelopes')


def downgrade():
    op.create_index('ix_envelopes_process_recipient', 'envelopes',
                    ['process_id', 'recipient_uid'])
    op.drop_index('ix_envelopes_process_recipient_order', table_name='envelopes')
