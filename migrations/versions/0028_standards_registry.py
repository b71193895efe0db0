"""standards registry: key enterprises (标准化重点企业培育库) and their standards work

PLACEHOLDER: filled in by the work on issue 14.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 19:10:00
"""
from __future__ import annotations

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
