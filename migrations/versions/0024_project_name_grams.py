"""the project library's text search index: the two-character pieces of each project's name

See projects/models.ProjectNameGram and projects/search.py. Existing projects are indexed here.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 17:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

CHUNK = 20_000


def _grams(text: str) -> set[str]:
    # The same pieces as projects.models.grams (a migration keeps its own copy: the code moves on,
    # the migration must not).
    folded = text.casefold()
    return {folded[i:i + 2] for i in range(len(folded) - 1)}


def upgrade() -> None:
    table = op.create_table(
        'project_name_gram',
        sa.Column('gram', sa.String(length=2), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_name_gram_project_id_project'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('gram', 'project_id', name=op.f('pk_project_name_gram')),
    )
    with op.batch_alter_table('project_name_gram', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_name_gram_project_id'), ['project_id'], unique=False)
    bind = op.get_bind()
    rows: list[dict[str, object]] = []
    for pid, name in bind.execute(sa.text("SELECT id, name FROM project")).all():
        rows += [{"gram": g, "project_id": pid} for g in sorted(_grams(name or ""))]
        if len(rows) >= CHUNK:
            op.bulk_insert(table, rows)
            rows = []
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table('project_name_gram', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_name_gram_project_id'))
    op.drop_table('project_name_gram')
