"""signin throttle (issue 10, hardening): wrong passwords and the lockouts they cause

Five wrong passwords for an account within the window (twenty from one address) lock it for a
while; the failures are kept for the window only, the lockouts as their record.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 03:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'signin_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('username', sa.String(length=60), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signin_failure')),
    )
    op.create_index(op.f('ix_signin_failure_at'), 'signin_failure', ['at'], unique=False)
    op.create_index(op.f('ix_signin_failure_username'), 'signin_failure', ['username'], unique=False)
    op.create_index(op.f('ix_signin_failure_address'), 'signin_failure', ['address'], unique=False)
    op.create_table(
        'signin_lockout',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('since', sa.DateTime(timezone=True), nullable=False),
        sa.Column('until', sa.DateTime(timezone=True), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signin_lockout')),
    )
    op.create_index('ix_signin_lockout_kind_key_until', 'signin_lockout', ['kind', 'key', 'until'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_signin_lockout_kind_key_until', table_name='signin_lockout')
    op.drop_table('signin_lockout')
    op.drop_index(op.f('ix_signin_failure_address'), table_name='signin_failure')
    op.drop_index(op.f('ix_signin_failure_username'), table_name='signin_failure')
    op.drop_index(op.f('ix_signin_failure_at'), table_name='signin_failure')
    op.drop_table('signin_failure')
