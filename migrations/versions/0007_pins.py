"""pins: keys a user pinned (PROTOCOL §2), as records the owner signed

One row per (owner, subject): the b64u fingerprint of the subject's bundle as the owner's
client pinned it, whether the owner verified it by safety number (and when), and the owner's
Ed25519 signature over "valitila/v1/pin|" + owner + "|" + subject + "|" + fp + "|" + verified.
A new device of the owner takes these only when the signature verifies with its own key.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pins',
        sa.Column('owner_uid', sa.String(length=36), nullable=False),
        sa.Column('subject_uid', sa.String(length=36), nullable=False),
        sa.Column('fp', sa.String(length=43), nullable=False),
        sa.Column('verified', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sig', sa.String(length=86), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['owner_uid'], ['users.uid'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['subject_uid'], ['users.uid'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('owner_uid', 'subject_uid'),
    )
    op.create_index('ix_pins_subject_uid', 'pins', ['subject_uid'])


def downgrade():
    op.drop_index('ix_pins_subject_uid', table_name='pins')
    op.drop_table('pins')
