"""municipal renewal registers: pipes, elevators, sewage plants, public-service equipment, and their progress rounds

PLACEHOLDER: filled in by the work on issue 14.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 19:10:00
"""
from __future__ import annotations

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
