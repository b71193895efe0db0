"""redemption codes (issue 11): the one-time code (核销码) a resident shows at the till

One row per qualification: the keyed hash of its live code, when it was issued, when it expires and
when it was used (a new code replaces the row).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 04:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'tradein_redemption_code',
        sa.Column('qualification_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['qualification_id'], ['tradein_qualification.id'],
                                name=op.f('fk_tradein_redemption_code_qualification_id_tradein_qualification')),
        sa.PrimaryKeyConstraint('qualification_id', name=op.f('pk_tradein_redemption_code')),
    )


def downgrade() -> None:
    op.drop_table('tradein_redemption_code')
