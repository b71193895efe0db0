"""accounts (issue 11): disabled, temporary-password, last sign-in and phone of a user; whether a
unit manages its own staff accounts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 04:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('last_signin_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('phone_encrypted', sa.String(length=255), nullable=True))
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manages_own_accounts', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('manages_own_accounts')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('phone_encrypted')
        batch_op.drop_column('last_signin_at')
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('disabled_at')
