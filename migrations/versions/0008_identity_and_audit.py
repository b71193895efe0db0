"""identity and audit (issue 10, hardening): the population register of the real-name check, and
the point where the audit chain became keyed

`tradein_identity_register` is what the local real-name check (tradein.residents.realname) reads: keyed
hashes of each resident's ID number, name, bank card and the phone the bank holds.

`audit_chain_switch` records where the audit chain switched from plain SHA-256 to HMAC-SHA256:
the id of the newest record at the time of this upgrade. The old records are not re-chained
(that would sign whatever they say now, tampered or not, with the new key); verification
accepts their plain hash up to this id, and the first keyed record seals the last of them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 03:00:00
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'tradein_identity_register',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('name_hash', sa.String(length=64), nullable=False),
        sa.Column('bank_card_hash', sa.String(length=64), nullable=True),
        sa.Column('phone_hash', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tradein_identity_register')),
        sa.UniqueConstraint('id_hash', name=op.f('uq_tradein_identity_register_id_hash')),
    )
    switch = op.create_table(
        'audit_chain_switch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('legacy_through', sa.Integer(), nullable=False),
        sa.Column('switched_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_switch')),
    )
    newest = op.get_bind().execute(sa.text("SELECT MAX(id) FROM audit_record")).scalar()
    op.bulk_insert(switch, [{"id": 1, "legacy_through": int(newest or 0), "switched_at": dt.datetime.now(dt.UTC)}])


def downgrade() -> None:
    op.drop_table('audit_chain_switch')
    op.drop_table('tradein_identity_register')
