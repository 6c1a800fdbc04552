"""users.recovery_confirmed_at: whether the account's recovery key was confirmed

Accounts made before this revision are treated as confirmed (they were made before the rule
that asks again until the key is confirmed); new registrations start unconfirmed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 15:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('recovery_confirmed_at', sa.DateTime(timezone=True),
                                   nullable=True))
    users = sa.table('users', sa.column('recovery_confirmed_at', sa.DateTime(timezone=True)),
                     sa.column('created_at', sa.DateTime(timezone=True)))
    op.get_bind().execute(users.update().values(recovery_confirmed_at=users.c.created_at))


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('recovery_confirmed_at')
