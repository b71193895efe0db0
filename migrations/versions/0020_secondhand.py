"""second-hand trade: traded devices, data-wiping records, refusals, dealer complaints, used cars

See secondhand/models.py. Wipe records are kept at least 3 years (GB 46864—2025): no route deletes one.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 13:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def _indexes(table: str, columns: list[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)


def upgrade() -> None:
    op.create_table('secondhand_device',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('dealer_unit_id', sa.Integer(), nullable=False),
    sa.Column('device_type', sa.String(length=16), nullable=False),
    sa.Column('brand', sa.String(length=60), nullable=False),
    sa.Column('model', sa.String(length=100), nullable=False),
    sa.Column('imei', sa.String(length=15), nullable=True),
    sa.Column('serial_number', sa.String(length=60), nullable=True),
    sa.Column('media_type', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('registered_by_user_id', sa.Integer(), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('listed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sold_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['dealer_unit_id'], ['unit.id'], name=op.f('fk_secondhand_device_dealer_unit_id_unit')),
    sa.ForeignKeyConstraint(['registered_by_user_id'], ['app_user.id'],
                            name=op.f('fk_secondhand_device_registered_by_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_secondhand_device'))
    )
    _indexes('secondhand_device', ['city_code', 'dealer_unit_id'])

    op.create_table('secondhand_complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('dealer_unit_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('recorded_by_user_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dealer_unit_id'], ['unit.id'], name=op.f('fk_secondhand_complaint_dealer_unit_id_unit')),
    sa.ForeignKeyConstraint(['recorded_by_user_id'], ['app_user.id'],
                            name=op.f('fk_secondhand_complaint_recorded_by_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_secondhand_complaint'))
    )
    _indexes('secondhand_complaint', ['city_code', 'dealer_unit_id'])

    op.create_table('secondhand_wipe_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('dealer_unit_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('passes', sa.Integer(), nullable=False),
    sa.Column('includes_random_pass', sa.Boolean(), nullable=False),
    sa.Column('media_type', sa.String(length=16), nullable=False),
    sa.Column('tool_name', sa.String(length=100), nullable=False),
    sa.Column('tool_version', sa.String(length=40), nullable=False),
    sa.Column('operator', sa.String(length=60), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('verification_method', sa.String(length=200), nullable=False),
    sa.Column('evidence_name', sa.String(length=200), nullable=True),
    sa.Column('evidence_type', sa.String(length=100), nullable=True),
    sa.Column('evidence', sa.LargeBinary(), nullable=True),
    sa.Column('wiped_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('keep_until', sa.Date(), nullable=False),
    sa.Column('certificate_number', sa.String(length=32), nullable=True),
    sa.Column('recorded_by_user_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dealer_unit_id'], ['unit.id'],
                            name=op.f('fk_secondhand_wipe_record_dealer_unit_id_unit')),
    sa.ForeignKeyConstraint(['device_id'], ['secondhand_device.id'],
                            name=op.f('fk_secondhand_wipe_record_device_id_secondhand_device')),
    sa.ForeignKeyConstraint(['recorded_by_user_id'], ['app_user.id'],
                            name=op.f('fk_secondhand_wipe_record_recorded_by_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_secondhand_wipe_record')),
    sa.UniqueConstraint('certificate_number', name=op.f('uq_secondhand_wipe_record_certificate_number'))
    )
    _indexes('secondhand_wipe_record', ['city_code', 'dealer_unit_id', 'device_id'])

    op.create_table('secondhand_wipe_refusal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('dealer_unit_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('refused_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dealer_unit_id'], ['unit.id'],
                            name=op.f('fk_secondhand_wipe_refusal_dealer_unit_id_unit')),
    sa.ForeignKeyConstraint(['device_id'], ['secondhand_device.id'],
                            name=op.f('fk_secondhand_wipe_refusal_device_id_secondhand_device')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_secondhand_wipe_refusal'))
    )
    _indexes('secondhand_wipe_refusal', ['city_code', 'dealer_unit_id', 'device_id'])

    op.create_table('secondhand_used_car',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('dealer_unit_id', sa.Integer(), nullable=False),
    sa.Column('vin', sa.String(length=17), nullable=False),
    sa.Column('plate', sa.String(length=10), nullable=False),
    sa.Column('first_registered_on', sa.Date(), nullable=False),
    sa.Column('grade', sa.String(length=8), nullable=True),
    sa.Column('inspection_summary', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('registered_by_user_id', sa.Integer(), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sold_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['dealer_unit_id'], ['unit.id'],
                            name=op.f('fk_secondhand_used_car_dealer_unit_id_unit')),
    sa.ForeignKeyConstraint(['registered_by_user_id'], ['app_user.id'],
                            name=op.f('fk_secondhand_used_car_registered_by_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_secondhand_used_car'))
    )
    _indexes('secondhand_used_car', ['city_code', 'dealer_unit_id', 'vin'])


def downgrade() -> None:
    for table, columns in (('secondhand_used_car', ['city_code', 'dealer_unit_id', 'vin']),
                           ('secondhand_wipe_refusal', ['city_code', 'dealer_unit_id', 'device_id']),
                           ('secondhand_wipe_record', ['city_code', 'dealer_unit_id', 'device_id']),
                           ('secondhand_complaint', ['city_code', 'dealer_unit_id']),
                           ('secondhand_device', ['city_code', 'dealer_unit_id'])):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))
        op.drop_table(table)
