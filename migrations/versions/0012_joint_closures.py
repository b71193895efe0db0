"""joint closures (issue 11): no schema change

Each lead unit's part of a jointly-led task is derived from the reports already stored (the latest
one not returned per unit, see huanxin/plans/parts.py), so the rule needs no column; the revision
keeps the chain's ids.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 04:00:00
"""
from __future__ import annotations

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
