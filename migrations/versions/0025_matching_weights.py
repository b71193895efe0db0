"""a city's matching score weights; an index for the supply catalogue's cache stamp

See matching/catalogue/models.MatchingWeights: one row per city with the weights its office changed
(the rest are the engine's defaults); supply_product (city_code, updated_at) serves the stamp's max.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 17:55:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('matching_weights',
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('updated_by_user_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_user_id'], ['app_user.id'],
                            name=op.f('fk_matching_weights_updated_by_user_id_app_user')),
    sa.PrimaryKeyConstraint('city_code', name=op.f('pk_matching_weights')),
    )
    # The supply catalogue's cache stamp reads max(updated_at) of a city on every buyer's page.
    with op.batch_alter_table('supply_product', schema=None) as batch_op:
        batch_op.create_index('ix_supply_product_city_updated', ['city_code', 'updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('supply_product', schema=None) as batch_op:
        batch_op.drop_index('ix_supply_product_city_updated')
    op.drop_table('matching_weights')
