"""reverse invoicing (反向开票): recyclers' qualifications, sellers, invoices and their lines

One row per natural person (recycling_invoice_person) is what the quota check locks; a weighing is
billed by at most one standing invoice (recycling_invoiced_weighing). See recycling/invoice_models.py.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-03 13:21:58.351003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0019'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recycling_invoice_person',
    sa.Column('person_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('person_key', name=op.f('pk_recycling_invoice_person'))
    )
    op.create_table('recycling_invoice_seller',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('recycler_unit_id', sa.Integer(), nullable=False),
    sa.Column('person_key', sa.String(length=64), nullable=False),
    sa.Column('id_enc', sa.Text(), nullable=False),
    sa.Column('id_masked', sa.String(length=24), nullable=False),
    sa.Column('name_enc', sa.Text(), nullable=False),
    sa.Column('name_masked', sa.String(length=40), nullable=False),
    sa.Column('phone_enc', sa.Text(), nullable=False),
    sa.Column('phone_masked', sa.String(length=16), nullable=False),
    sa.Column('bank_card_enc', sa.Text(), nullable=False),
    sa.Column('bank_card_masked', sa.String(length=24), nullable=False),
    sa.Column('bank_name', sa.String(length=60), nullable=False),
    sa.Column('authorised_on', sa.Date(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['app_user.id'], name=op.f('fk_recycling_invoice_seller_created_by_user_id_app_user')),
    sa.ForeignKeyConstraint(['person_key'], ['recycling_invoice_person.person_key'], name=op.f('fk_recycling_invoice_seller_person_key_recycling_invoice_person')),
    sa.ForeignKeyConstraint(['recycler_unit_id'], ['unit.id'], name=op.f('fk_recycling_invoice_seller_recycler_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recycling_invoice_seller')),
    sa.UniqueConstraint('recycler_unit_id', 'person_key', name='uq_recycling_seller_person')
    )
    with op.batch_alter_table('recycling_invoice_seller', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recycling_invoice_seller_city_code'), ['city_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_recycling_invoice_seller_person_key'), ['person_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_recycling_invoice_seller_recycler_unit_id'), ['recycler_unit_id'], unique=False)

    op.create_table('recycling_qualification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('document_name', sa.String(length=200), nullable=False),
    sa.Column('document_type', sa.String(length=100), nullable=False),
    sa.Column('document', sa.LargeBinary(), nullable=False),
    sa.Column('recorded_by_user_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verified_by_user_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by_user_id'], ['app_user.id'], name=op.f('fk_recycling_qualification_recorded_by_user_id_app_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_recycling_qualification_unit_id_unit')),
    sa.ForeignKeyConstraint(['verified_by_user_id'], ['app_user.id'], name=op.f('fk_recycling_qualification_verified_by_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recycling_qualification'))
    )
    with op.batch_alter_table('recycling_qualification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recycling_qualification_city_code'), ['city_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_recycling_qualification_unit_id'), ['unit_id'], unique=False)

    op.create_table('recycling_reverse_invoice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('recycler_unit_id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('person_key', sa.String(length=64), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('vat_rate_permille', sa.Integer(), nullable=False),
    sa.Column('vat_fen', sa.BigInteger(), nullable=False),
    sa.Column('iit_rate_permille', sa.Integer(), nullable=False),
    sa.Column('iit_fen', sa.BigInteger(), nullable=False),
    sa.Column('tax_note', sa.Text(), nullable=False),
    sa.Column('quota_month', sa.Date(), nullable=True),
    sa.Column('confirm_code_hash', sa.String(length=64), nullable=False),
    sa.Column('confirm_attempts', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('payment_ref', sa.String(length=60), nullable=False),
    sa.Column('payment_key', sa.String(length=80), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['app_user.id'], name=op.f('fk_recycling_reverse_invoice_created_by_user_id_app_user')),
    sa.ForeignKeyConstraint(['recycler_unit_id'], ['unit.id'], name=op.f('fk_recycling_reverse_invoice_recycler_unit_id_unit')),
    sa.ForeignKeyConstraint(['reverses_id'], ['recycling_reverse_invoice.id'], name=op.f('fk_recycling_reverse_invoice_reverses_id_recycling_reverse_invoice')),
    sa.ForeignKeyConstraint(['seller_id'], ['recycling_invoice_seller.id'], name=op.f('fk_recycling_reverse_invoice_seller_id_recycling_invoice_seller')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recycling_reverse_invoice')),
    sa.UniqueConstraint('city_code', 'idempotency_key', name='uq_recycling_invoice_key'),
    sa.UniqueConstraint('number', name=op.f('uq_recycling_reverse_invoice_number')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_recycling_reverse_invoice_reverses_id'))
    )
    with op.batch_alter_table('recycling_reverse_invoice', schema=None) as batch_op:
        batch_op.create_index('ix_recycling_invoice_quota', ['person_key', 'status', 'quota_month'], unique=False)
        batch_op.create_index(batch_op.f('ix_recycling_reverse_invoice_city_code'), ['city_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_recycling_reverse_invoice_recycler_unit_id'), ['recycler_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recycling_reverse_invoice_seller_id'), ['seller_id'], unique=False)

    op.create_table('recycling_seller_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['recycling_reverse_invoice.id'], name=op.f('fk_recycling_seller_message_invoice_id_recycling_reverse_invoice')),
    sa.ForeignKeyConstraint(['seller_id'], ['recycling_invoice_seller.id'], name=op.f('fk_recycling_seller_message_seller_id_recycling_invoice_seller')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recycling_seller_message'))
    )
    with op.batch_alter_table('recycling_seller_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recycling_seller_message_seller_id'), ['seller_id'], unique=False)

    op.create_table('recycling_invoiced_weighing',
    sa.Column('weighing_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['recycling_reverse_invoice.id'], name=op.f('fk_recycling_invoiced_weighing_invoice_id_recycling_reverse_invoice'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['weighing_id'], ['recycling_weighing.id'], name=op.f('fk_recycling_invoiced_weighing_weighing_id_recycling_weighing')),
    sa.PrimaryKeyConstraint('weighing_id', name=op.f('pk_recycling_invoiced_weighing'))
    )
    with op.batch_alter_table('recycling_invoiced_weighing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recycling_invoiced_weighing_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('recycling_reverse_invoice_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('tax_code', sa.String(length=19), nullable=False),
    sa.Column('unit', sa.String(length=6), nullable=False),
    sa.Column('quantity_milli', sa.BigInteger(), nullable=False),
    sa.Column('unit_price_fen', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('weighing_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['invoice_id'], ['recycling_reverse_invoice.id'], name=op.f('fk_recycling_reverse_invoice_line_invoice_id_recycling_reverse_invoice'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['weighing_id'], ['recycling_weighing.id'], name=op.f('fk_recycling_reverse_invoice_line_weighing_id_recycling_weighing')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recycling_reverse_invoice_line'))
    )
    with op.batch_alter_table('recycling_reverse_invoice_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recycling_reverse_invoice_line_invoice_id'), ['invoice_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('recycling_reverse_invoice_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recycling_reverse_invoice_line_invoice_id'))

    op.drop_table('recycling_reverse_invoice_line')
    with op.batch_alter_table('recycling_invoiced_weighing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recycling_invoiced_weighing_invoice_id'))

    op.drop_table('recycling_invoiced_weighing')
    with op.batch_alter_table('recycling_seller_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recycling_seller_message_seller_id'))

    op.drop_table('recycling_seller_message')
    with op.batch_alter_table('recycling_reverse_invoice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recycling_reverse_invoice_seller_id'))
        batch_op.drop_index(batch_op.f('ix_recycling_reverse_invoice_recycler_unit_id'))
        batch_op.drop_index(batch_op.f('ix_recycling_reverse_invoice_city_code'))
        batch_op.drop_index('ix_recycling_invoice_quota')

    op.drop_table('recycling_reverse_invoice')
    with op.batch_alter_table('recycling_qualification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recycling_qualification_unit_id'))
        batch_op.drop_index(batch_op.f('ix_recycling_qualification_city_code'))

    op.drop_table('recycling_qualification')
    with op.batch_alter_table('recycling_invoice_seller', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recycling_invoice_seller_recycler_unit_id'))
        batch_op.drop_index(batch_op.f('ix_recycling_invoice_seller_person_key'))
        batch_op.drop_index(batch_op.f('ix_recycling_invoice_seller_city_code'))

    op.drop_table('recycling_invoice_seller')
    op.drop_table('recycling_invoice_person')
