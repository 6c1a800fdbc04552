"""envelopes.bring, items.rekey_due and an index for the purge (sharing with the supervisor)

- envelopes.bring: the "bring to the next session" mark of a share, a plaintext boolean
  (structure, no content); the supervisor's list shows marked items first. The expiry of
  "until the end of the next session" is computed by the client from the process's frame and
  stored in the existing expires_at.
- items.rekey_due: a reader lost access (revoked, expired and purged, membership ended), so
  the author's client, on any of the author's devices, rotates the item's key on its next
  open (PROTOCOL §5); a replaced envelope set clears it.
- ix_envelopes_expires_at lets the scheduled purge find expired envelopes without reading
  them all.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('envelopes') as batch:
        batch.add_column(sa.Column('bring', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.create_index('ix_envelopes_expires_at', ['expires_at'])
    with op.batch_alter_table('items') as batch:
        batch.add_column(sa.Column('rekey_due', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('items') as batch:
        batch.drop_column('rekey_due')
    with op.batch_alter_table('envelopes') as batch:
        batch.drop_index('ix_envelopes_expires_at')
        batch.drop_column('bring')
