"""accounts and sealed items

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 23:20:47.772558

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('users',
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('is_supervisor', sa.Boolean(), nullable=False),
    sa.Column('lock_minutes', sa.Integer(), nullable=False),
    sa.Column('salt_seed', sa.String(length=22), nullable=False),
    sa.Column('kdf', sa.JSON(), nullable=False),
    sa.Column('auth_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('wrapped_ak', sa.JSON(), nullable=False),
    sa.Column('recovery_auth_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('recovery_wrapped_ak', sa.JSON(), nullable=False),
    sa.Column('wrapped_x25519', sa.JSON(), nullable=False),
    sa.Column('wrapped_ed25519', sa.JSON(), nullable=False),
    sa.Column('bundle', sa.JSON(), nullable=False),
    sa.Column('session_epoch', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('uid'),
    sa.UniqueConstraint('email')
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_uid', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.JSON(none_as_null=True), nullable=True),
    sa.ForeignKeyConstraint(['user_uid'], ['users.uid'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_user_uid'), ['user_uid'], unique=False)

    op.create_table('items',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('author_uid', sa.String(length=36), nullable=False),
    sa.Column('rev', sa.Integer(), nullable=False),
    sa.Column('h', sa.Text(), nullable=False),
    sa.Column('iv', sa.String(length=16), nullable=False),
    sa.Column('ct', sa.Text(), nullable=False),
    sa.Column('sig', sa.String(length=86), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.String(length=36), nullable=True),
    sa.Column('links', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_uid'], ['users.uid'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_items_author_uid'), ['author_uid'], unique=False)
        batch_op.create_index('ix_items_created_id', ['created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_items_process_id'), ['process_id'], unique=False)

    op.create_table('envelopes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=36), nullable=False),
    sa.Column('recipient_uid', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.Column('epk', sa.String(length=43), nullable=True),
    sa.Column('iv', sa.String(length=16), nullable=False),
    sa.Column('ct', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('item_kind', sa.String(length=20), nullable=False),
    sa.Column('item_created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_uid'], ['users.uid'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_id', 'recipient_uid', name='uq_envelopes_item_recipient')
    )
    with op.batch_alter_table('envelopes', schema=None) as batch_op:
        batch_op.create_index('ix_envelopes_reader_kind_order', ['recipient_uid', 'item_kind', 'item_created_at', 'item_id'], unique=False)
        batch_op.create_index('ix_envelopes_reader_order', ['recipient_uid', 'item_created_at', 'item_id'], unique=False)




def downgrade():

    with op.batch_alter_table('envelopes', schema=None) as batch_op:
        batch_op.drop_index('ix_envelopes_reader_order')
        batch_op.drop_index('ix_envelopes_reader_kind_order')

    op.drop_table('envelopes')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_items_process_id'))
        batch_op.drop_index('ix_items_created_id')
        batch_op.drop_index(batch_op.f('ix_items_author_uid'))

    op.drop_table('items')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_user_uid'))

    op.drop_table('audit_events')
    op.drop_table('users')

