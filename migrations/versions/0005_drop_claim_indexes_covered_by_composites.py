"""drop the claim indexes that composite indexes already cover (city_code, retailer_id)

Every claim row is written into each of its table's indexes, and at peak load claims are
inserted and then updated many times a second. `city_code` leads ix_tradein_claim_city_status_programme
and `retailer_id` leads four composite indexes, so their single-column indexes only cost writes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 22:58:00
"""
from __future__ import annotations

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tradein_claim', schema=None) as batch_op:
        batch_op.drop_index('ix_tradein_claim_city_code')
        batch_op.drop_index('ix_tradein_claim_retailer_id')


def downgrade() -> None:
    with op.batch_alter_table('tradein_claim', schema=None) as batch_op:
        batch_op.create_index('ix_tradein_claim_retailer_id', ['retailer_id'], unique=False)
        batch_op.create_index('ix_tradein_claim_city_code', ['city_code'], unique=False)
