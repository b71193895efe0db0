"""a payout line per payment attempt: a failed attempt stays in its batch

A retried payment used to move the claim's one line into the new batch, so the batch in which the
bank had refused it lost that line (its reason and bank reference) and no longer added up to its
count and total. Now each attempt is a line; at most one line of a claim is not failed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 04:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

LIVE = sa.text("status <> 'failed'")


def upgrade() -> None:
    with op.batch_alter_table('tradein_payout_line', schema=None) as batch_op:
        batch_op.drop_constraint('uq_tradein_payout_line_claim_id', type_='unique')
        batch_op.create_index('ix_tradein_payout_line_claim_id', ['claim_id'], unique=False)
    op.create_index('uq_tradein_payout_line_live_claim', 'tradein_payout_line', ['claim_id'], unique=True,
                    postgresql_where=LIVE, sqlite_where=LIVE)


def downgrade() -> None:
    op.drop_index('uq_tradein_payout_line_live_claim', table_name='tradein_payout_line')
    with op.batch_alter_table('tradein_payout_line', schema=None) as batch_op:
        batch_op.drop_index('ix_tradein_payout_line_claim_id')
        batch_op.create_unique_constraint('uq_tradein_payout_line_claim_id', ['claim_id'])
