"""The library's text search (the `q` of every project list): part of a project's name, or of its
code. A name is found through its two-character pieces (models.ProjectNameGram), then checked
with LIKE ignoring case, so the answer is exactly that LIKE's and only the time changes: 资阳's 50,000 projects were a
scan of every name per query (bench/projects_library.py, `q=恒达`). Codes are ASCII (SB-512000-…):
a text with a Chinese character cannot be part of one, so only an ASCII text, or a one-character
text (no piece to look up), is still matched by LIKE alone over name and code."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from huanxin.projects.models import Project, ProjectNameGram, gram_rows, grams


def _like(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def condition(q: str) -> ColumnElement[bool]:
    """The projects whose name or code contains `q` (already stripped, not empty)."""
    pattern = _like(q)
    pieces = grams(q)
    if q.isascii() or not pieces:
        return or_(Project.name.ilike(pattern, escape="\\"), Project.code.ilike(pattern, escape="\\"))
    holding = (select(ProjectNameGram.project_id).where(ProjectNameGram.gram.in_(sorted(pieces)))
               .group_by(ProjectNameGram.project_id)
               .having(func.count(ProjectNameGram.gram) == len(pieces)))
    # The pieces are case-folded; a candidate is re-checked against the name itself, ignoring case on
    # both databases (ILIKE on PostgreSQL, lower() LIKE lower() on SQLite), so that 5g finds 5G.
    return and_(Project.id.in_(holding), Project.name.ilike(pattern, escape="\\"))


def index_rows(session: Session, projects: Iterable[tuple[int, str]], chunk: int = 20_000) -> None:
    """Writes the pieces of projects inserted in bulk (Core inserts bypass the ORM events that
    write them for every project flushed: projects.models)."""
    rows = gram_rows(projects)
    for start in range(0, len(rows), chunk):
        session.execute(insert(ProjectNameGram), rows[start:start + chunk])
