"""projects: the loan contract date and relending batch, and transformer losses on equipment lines

The interest subsidy's window is a window for signing the loan contract (财金〔2024〕54号), so the
contract date is kept beside the disbursement date; the relending batch says which candidate list
(备选项目清单) the project is on; an equipment line of a power transformer carries its rated
capacity and measured no-load and load losses, which GB 20052 grades by. All nullable: existing
rows simply do not know them yet.

Also: county-level units (county, zone, town) of a county-level city running its own programme
(安丘市 370784) had no region code, so their users' scope named no region; they get the city's own
code, as orgs.service.ensure_unit now gives new ones.

Revision ID: 0018
Revises: 0016
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('loan_signed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('relending_batch', sa.Integer(), nullable=True))
    with op.batch_alter_table('project_equipment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rated_capacity_kva', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('no_load_loss_w', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('load_loss_w', sa.Float(), nullable=True))
    op.execute("UPDATE unit SET region_code = city_code WHERE region_code IS NULL"
               " AND kind IN ('county', 'zone', 'town')"
               " AND city_code IN (SELECT code FROM region WHERE level = 'county')")


def downgrade() -> None:
    # The units' region codes stay: they are right, and nothing older depends on their absence.
    with op.batch_alter_table('project_equipment', schema=None) as batch_op:
        batch_op.drop_column('load_loss_w')
        batch_op.drop_column('no_load_loss_w')
        batch_op.drop_column('rated_capacity_kva')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_column('relending_batch')
        batch_op.drop_column('loan_signed_on')
