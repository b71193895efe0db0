"""supply catalogue, match contacts and deals

See matching/catalogue/models.py: supply products of the library's enterprises, the contacts a buyer
made from a ranked list, and the deals signed after them.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 17:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def _indexes(table: str, columns: list[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'))


def upgrade() -> None:
    op.create_table('supply_product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('spec', sa.Text(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('efficiency_level', sa.String(length=12), nullable=True),
    sa.Column('efficiency_grade', sa.Integer(), nullable=True),
    sa.Column('price_min_fen', sa.BigInteger(), nullable=True),
    sa.Column('price_max_fen', sa.BigInteger(), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('delivery_days', sa.Integer(), nullable=True),
    sa.Column('credentials', sa.JSON(), nullable=False),
    sa.Column('on_sale', sa.Boolean(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    _fk('supply_product', 'enterprise_id', 'enterprise'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supply_product')),
    sa.UniqueConstraint('enterprise_id', 'code', name='uq_supply_product_code')
    )
    _indexes('supply_product', ['city_code', 'enterprise_id', 'category'])

    op.create_table('match_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('equipment_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('buyer_enterprise_id', sa.Integer(), nullable=False),
    sa.Column('supplier_enterprise_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('field', sa.String(length=30), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    _fk('match_contact', 'project_id', 'project'),
    _fk('match_contact', 'equipment_id', 'project_equipment'),
    _fk('match_contact', 'product_id', 'supply_product'),
    _fk('match_contact', 'buyer_enterprise_id', 'enterprise'),
    _fk('match_contact', 'supplier_enterprise_id', 'enterprise'),
    _fk('match_contact', 'created_by_user_id', 'app_user'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_contact'))
    )
    _indexes('match_contact', ['city_code', 'project_id', 'equipment_id', 'product_id', 'supplier_enterprise_id'])

    op.create_table('match_deal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('field', sa.String(length=30), nullable=False),
    sa.Column('locality', sa.String(length=10), nullable=False),
    sa.Column('local', sa.Boolean(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    _fk('match_deal', 'contact_id', 'match_contact'),
    _fk('match_deal', 'created_by_user_id', 'app_user'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_deal')),
    sa.UniqueConstraint('contact_id', name=op.f('uq_match_deal_contact_id'))
    )
    _indexes('match_deal', ['city_code'])


def downgrade() -> None:
    op.drop_table('match_deal')
    op.drop_table('match_contact')
    op.drop_table('supply_product')
