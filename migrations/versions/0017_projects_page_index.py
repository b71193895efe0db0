"""project library: indexes for the library page at 50,000 projects per city

The library's list takes the ids of a page first (projects.repository.list_page); with ix_project_city_id
PostgreSQL reads them by an index-only scan of the city's own entries instead of walking the
primary key backwards through the newer rows of every other city (docs/performance.md, "The key
project library at 50,000 projects per city"). The overview's totals by status, field and region
(one GROUP BY of the three) read ix_project_city_overview alone, already in the grouping's order,
instead of every row of the city. The (city, status | field | region) indexes gain the id last.

Revision ID: 0017
Revises: 0018 (0018_project_loan_fields was written at the same time on 0016: one chain)
"""
from __future__ import annotations

from alembic import op

revision = '0017'
down_revision = '0018'
branch_labels = None
depends_on = None


# The single-filter indexes of 0013 gain the id, so a filtered page's ids are read backwards from
# them too (PostgreSQL otherwise walks the primary key: 218 ms for 资阳's approved projects).
FILTERED = {"ix_project_city_status": "status", "ix_project_city_field": "field",
            "ix_project_city_region": "region_code"}
OVERVIEW = ['city_code', 'status', 'field', 'region_code', 'total_investment_fen', 'equipment_investment_fen']


def upgrade() -> None:
    with op.batch_alter_table('project', schema=None) as batch_op:
        for name, column in FILTERED.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, ['city_code', column, 'id'], unique=False)
        batch_op.create_index('ix_project_city_id', ['city_code', 'id'], unique=False)
        batch_op.create_index('ix_project_city_overview', OVERVIEW, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index('ix_project_city_overview')
        batch_op.drop_index('ix_project_city_id')
        for name, column in FILTERED.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, ['city_code', column], unique=False)
