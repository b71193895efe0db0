"""financing needs, bank answers, loans, tranches, interest-subsidy schedule

See financing/models.py: a project's financing need, the office's pushes to banks, the banks'
answers, signed loans and their tranches, the 贴息 schedule rows, the quarterly subsidy payments
(their money is in the ledger), the city's financial products and 政银企 events.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 17:00:00
"""
# ruff: noqa: E501  (the tables as Alembic rendered them from financing/models.py)
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('financing_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financing_event'))
    )
    op.create_index(op.f('ix_financing_event_city_code'), 'financing_event', ['city_code'], unique=False)
    op.create_table('financing_product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('bank_unit_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('max_amount_fen', sa.BigInteger(), nullable=True),
    sa.Column('term_months', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_unit_id'], ['unit.id'], name=op.f('fk_financing_product_bank_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financing_product'))
    )
    op.create_index(op.f('ix_financing_product_city_code'), 'financing_product', ['city_code'], unique=False)
    op.create_table('financing_need',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('project_name', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('field', sa.String(length=30), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('bank_unit_ids', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_financing_need_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_financing_need_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financing_need')),
    sa.UniqueConstraint('project_id', name='uq_financing_need_project')
    )
    op.create_index(op.f('ix_financing_need_city_code'), 'financing_need', ['city_code'], unique=False)
    op.create_index(op.f('ix_financing_need_enterprise_id'), 'financing_need', ['enterprise_id'], unique=False)
    op.create_table('financing_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('bank_unit_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answered_by'], ['app_user.id'], name=op.f('fk_financing_answer_answered_by_app_user')),
    sa.ForeignKeyConstraint(['bank_unit_id'], ['unit.id'], name=op.f('fk_financing_answer_bank_unit_id_unit')),
    sa.ForeignKeyConstraint(['need_id'], ['financing_need.id'], name=op.f('fk_financing_answer_need_id_financing_need')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financing_answer'))
    )
    op.create_index(op.f('ix_financing_answer_bank_unit_id'), 'financing_answer', ['bank_unit_id'], unique=False)
    op.create_index(op.f('ix_financing_answer_city_code'), 'financing_answer', ['city_code'], unique=False)
    op.create_index(op.f('ix_financing_answer_need_id'), 'financing_answer', ['need_id'], unique=False)
    op.create_table('financing_loan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('bank_unit_id', sa.Integer(), nullable=False),
    sa.Column('principal_fen', sa.BigInteger(), nullable=False),
    sa.Column('annual_rate_bp', sa.Integer(), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('contract_on', sa.Date(), nullable=False),
    sa.Column('repaid_early_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_unit_id'], ['unit.id'], name=op.f('fk_financing_loan_bank_unit_id_unit')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_financing_loan_created_by_app_user')),
    sa.ForeignKeyConstraint(['need_id'], ['financing_need.id'], name=op.f('fk_financing_loan_need_id_financing_need')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financing_loan'))
    )
    op.create_index(op.f('ix_financing_loan_bank_unit_id'), 'financing_loan', ['bank_unit_id'], unique=False)
    op.create_index(op.f('ix_financing_loan_city_code'), 'financing_loan', ['city_code'], unique=False)
    op.create_index(op.f('ix_financing_loan_need_id'), 'financing_loan', ['need_id'], unique=False)
    op.create_table('financing_push',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('bank_unit_id', sa.Integer(), nullable=False),
    sa.Column('pushed_by', sa.Integer(), nullable=True),
    sa.Column('pushed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_unit_id'], ['unit.id'], name=op.f('fk_financing_push_bank_unit_id_unit')),
    sa.ForeignKeyConstraint(['need_id'], ['financing_need.id'], name=op.f('fk_financing_push_need_id_financing_need')),
    sa.ForeignKeyConstraint(['pushed_by'], ['app_user.id'], name=op.f('fk_financing_push_pushed_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financing_push')),
    sa.UniqueConstraint('need_id', 'bank_unit_id', name='uq_financing_push')
    )
    op.create_index(op.f('ix_financing_push_bank_unit_id'), 'financing_push', ['bank_unit_id'], unique=False)
    op.create_index(op.f('ix_financing_push_city_code'), 'financing_push', ['city_code'], unique=False)
    op.create_index(op.f('ix_financing_push_need_id'), 'financing_push', ['need_id'], unique=False)
    op.create_table('financing_subsidy_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('bank_unit_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('planned_fen', sa.BigInteger(), nullable=False),
    sa.Column('actual_fen', sa.BigInteger(), nullable=True),
    sa.Column('reserve_key', sa.String(length=160), nullable=False),
    sa.Column('post_key', sa.String(length=160), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_unit_id'], ['unit.id'], name=op.f('fk_financing_subsidy_payment_bank_unit_id_unit')),
    sa.ForeignKeyConstraint(['loan_id'], ['financing_loan.id'], name=op.f('fk_financing_subsidy_payment_loan_id_financing_loan')),
    sa.ForeignKeyConstraint(['pool_id'], ['ledger_pool.id'], name=op.f('fk_financing_subsidy_payment_pool_id_ledger_pool')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financing_subsidy_payment')),
    sa.UniqueConstraint('loan_id', 'quarter', name='uq_financing_subsidy_payment')
    )
    op.create_index(op.f('ix_financing_subsidy_payment_city_code'), 'financing_subsidy_payment', ['city_code'], unique=False)
    op.create_index(op.f('ix_financing_subsidy_payment_loan_id'), 'financing_subsidy_payment', ['loan_id'], unique=False)
    op.create_table('financing_tranche',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('disbursed_on', sa.Date(), nullable=False),
    sa.Column('reached_supplier_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['loan_id'], ['financing_loan.id'], name=op.f('fk_financing_tranche_loan_id_financing_loan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financing_tranche'))
    )
    op.create_index(op.f('ix_financing_tranche_city_code'), 'financing_tranche', ['city_code'], unique=False)
    op.create_index(op.f('ix_financing_tranche_loan_id'), 'financing_tranche', ['loan_id'], unique=False)
    op.create_table('financing_subsidy_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('tranche_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('base_fen', sa.BigInteger(), nullable=False),
    sa.Column('rate_bp', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['financing_loan.id'], name=op.f('fk_financing_subsidy_row_loan_id_financing_loan')),
    sa.ForeignKeyConstraint(['tranche_id'], ['financing_tranche.id'], name=op.f('fk_financing_subsidy_row_tranche_id_financing_tranche')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financing_subsidy_row'))
    )
    op.create_index(op.f('ix_financing_subsidy_row_city_code'), 'financing_subsidy_row', ['city_code'], unique=False)
    op.create_index(op.f('ix_financing_subsidy_row_loan_id'), 'financing_subsidy_row', ['loan_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_financing_subsidy_row_loan_id'), table_name='financing_subsidy_row')
    op.drop_index(op.f('ix_financing_subsidy_row_city_code'), table_name='financing_subsidy_row')
    op.drop_table('financing_subsidy_row')
    op.drop_index(op.f('ix_financing_tranche_loan_id'), table_name='financing_tranche')
    op.drop_index(op.f('ix_financing_tranche_city_code'), table_name='financing_tranche')
    op.drop_table('financing_tranche')
    op.drop_index(op.f('ix_financing_subsidy_payment_loan_id'), table_name='financing_subsidy_payment')
    op.drop_index(op.f('ix_financing_subsidy_payment_city_code'), table_name='financing_subsidy_payment')
    op.drop_table('financing_subsidy_payment')
    op.drop_index(op.f('ix_financing_push_need_id'), table_name='financing_push')
    op.drop_index(op.f('ix_financing_push_city_code'), table_name='financing_push')
    op.drop_index(op.f('ix_financing_push_bank_unit_id'), table_name='financing_push')
    op.drop_table('financing_push')
    op.drop_index(op.f('ix_financing_loan_need_id'), table_name='financing_loan')
    op.drop_index(op.f('ix_financing_loan_city_code'), table_name='financing_loan')
    op.drop_index(op.f('ix_financing_loan_bank_unit_id'), table_name='financing_loan')
    op.drop_table('financing_loan')
    op.drop_index(op.f('ix_financing_answer_need_id'), table_name='financing_answer')
    op.drop_index(op.f('ix_financing_answer_city_code'), table_name='financing_answer')
    op.drop_index(op.f('ix_financing_answer_bank_unit_id'), table_name='financing_answer')
    op.drop_table('financing_answer')
    op.drop_index(op.f('ix_financing_need_enterprise_id'), table_name='financing_need')
    op.drop_index(op.f('ix_financing_need_city_code'), table_name='financing_need')
    op.drop_table('financing_need')
    op.drop_index(op.f('ix_financing_product_city_code'), table_name='financing_product')
    op.drop_table('financing_product')
    op.drop_index(op.f('ix_financing_event_city_code'), table_name='financing_event')
    op.drop_table('financing_event')
