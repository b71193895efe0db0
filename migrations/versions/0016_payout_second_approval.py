"""trade-in payouts: a batch is checked by a second person before its bank file exists

A payout batch is made by one member of staff and approved by another (四眼原则: the one who
makes a payment instruction does not release it); the bank file and the bank's result are
refused until then. Batches made before this revision count as approved by their maker.

Revision ID: 0016
Revises: 0015
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tradein_payout_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_by', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE tradein_payout_batch SET approved_by = created_by, approved_at = created_at")
    op.execute("UPDATE tradein_payout_batch SET status = 'approved' WHERE status = 'created'")


def downgrade() -> None:
    op.execute("UPDATE tradein_payout_batch SET status = 'created' WHERE status = 'approved'")
    with op.batch_alter_table('tradein_payout_batch', schema=None) as batch_op:
        batch_op.drop_column('approved_at')
        batch_op.drop_column('approved_by')
