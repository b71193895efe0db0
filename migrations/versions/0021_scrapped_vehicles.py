"""scrapped vehicles (报废机动车回收证明) and their trail to the car claim

See recycling/scrapped/models.py: the VIN, the certificate number, the vehicle of a certificate and
the claim of a certificate are each unique, so that races are decided by the database.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 17:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def _indexes(table: str, columns: list[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)


def upgrade() -> None:
    op.create_table('recycling_scrapped_vehicle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('vin', sa.String(length=17), nullable=False),
    sa.Column('plate', sa.String(length=10), nullable=False),
    sa.Column('owner_name_enc', sa.Text(), nullable=False),
    sa.Column('owner_id_enc', sa.Text(), nullable=False),
    sa.Column('owner_id_hash', sa.String(length=64), nullable=False),
    sa.Column('first_registered_on', sa.Date(), nullable=False),
    sa.Column('fuel', sa.String(length=16), nullable=False),
    sa.Column('emission_standard', sa.String(length=8), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_user_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_recycling_scrapped_vehicle_unit_id_unit')),
    sa.ForeignKeyConstraint(['recorded_by_user_id'], ['app_user.id'],
                            name=op.f('fk_recycling_scrapped_vehicle_recorded_by_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recycling_scrapped_vehicle')),
    sa.UniqueConstraint('vin', name=op.f('uq_recycling_scrapped_vehicle_vin'))
    )
    _indexes('recycling_scrapped_vehicle', ['city_code', 'region_code', 'unit_id', 'owner_id_hash'])

    op.create_table('recycling_scrap_certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('deregistration_no', sa.String(length=40), nullable=True),
    sa.Column('deregistered_on', sa.Date(), nullable=True),
    sa.Column('claim_id', sa.Integer(), nullable=True),
    sa.Column('claim_submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_recycling_scrap_certificate_unit_id_unit')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['recycling_scrapped_vehicle.id'],
                            name=op.f('fk_recycling_scrap_certificate_vehicle_id_recycling_scrapped_vehicle')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recycling_scrap_certificate')),
    sa.UniqueConstraint('vehicle_id', name=op.f('uq_recycling_scrap_certificate_vehicle_id')),
    sa.UniqueConstraint('number', name=op.f('uq_recycling_scrap_certificate_number')),
    sa.UniqueConstraint('claim_id', name=op.f('uq_recycling_scrap_certificate_claim_id'))
    )
    _indexes('recycling_scrap_certificate', ['city_code', 'unit_id', 'issued_on'])


def downgrade() -> None:
    op.drop_table('recycling_scrap_certificate')
    op.drop_table('recycling_scrapped_vehicle')
