"""items.edited_at: when the author last changed an item's content (a key rotation is not an
edit); items written before it that have a later rev count as edited then

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 04:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('items') as batch:
        batch.add_column(sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))
    # What is known of the past: a later rev was an edit or a rotation; say edited (as the
    # pages did until now) rather than hide an edit.
    op.execute("UPDATE items SET edited_at = updated_at WHERE rev > 1")


def downgrade():
    with op.batch_alter_table('items') as batch:
        batch.drop_column('edited_at')
