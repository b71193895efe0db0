"""reference prices per city: a city's commerce bureau freezes its own prices, never another's

Reference prices had no city: one city's import re-froze every city's prices (issue 10, finding 4).
Each existing price is copied to every city that runs a programme (they all used it until now), then
the table is keyed by (city_code, category, brand, model).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 04:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

COLUMNS = "category, brand, model, price_fen, \"window\", samples"


def upgrade() -> None:
    with op.batch_alter_table('tradein_reference_price', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city_code', sa.String(length=6), nullable=True))
        batch_op.drop_constraint('uq_tradein_reference_price_category_brand_model', type_='unique')
    op.execute(f"INSERT INTO tradein_reference_price (city_code, {COLUMNS}) "
               f"SELECT c.city_code, {', '.join('r.' + c.strip() for c in COLUMNS.split(','))} "
               "FROM tradein_reference_price r CROSS JOIN (SELECT DISTINCT city_code FROM tradein_programme) c "
               "WHERE r.city_code IS NULL")
    op.execute("DELETE FROM tradein_reference_price WHERE city_code IS NULL")
    with op.batch_alter_table('tradein_reference_price', schema=None) as batch_op:
        batch_op.alter_column('city_code', existing_type=sa.String(length=6), nullable=False)
        batch_op.create_unique_constraint('uq_tradein_reference_price_city_code_category_brand_model',
                                          ['city_code', 'category', 'brand', 'model'])


def downgrade() -> None:
    # Back to one price per model: the lowest city's row of each model is kept.
    op.execute("DELETE FROM tradein_reference_price WHERE id NOT IN (SELECT MIN(id) FROM tradein_reference_price "
               "GROUP BY category, brand, model)")
    with op.batch_alter_table('tradein_reference_price', schema=None) as batch_op:
        batch_op.drop_constraint('uq_tradein_reference_price_city_code_category_brand_model', type_='unique')
        batch_op.create_unique_constraint('uq_tradein_reference_price_category_brand_model',
                                          ['category', 'brand', 'model'])
        batch_op.drop_column('city_code')
