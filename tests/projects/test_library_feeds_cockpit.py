"""The office's approval enters a project into the library, and the cockpit's equipment investment
(a computed observation) moves at once, by the project's equipment investment."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.projects.support import setup_library, walked_to

from huanxin.indicators.models import Observation
from huanxin.projects import service


def _equipment_investment(session: Session, city_code: str, year: int) -> float:
    rows = session.scalars(select(Observation).where(
        Observation.city_code == city_code, Observation.indicator_code == "equipment_investment",
        Observation.region_code == city_code, Observation.year == year, Observation.source == "computed",
    ).order_by(Observation.month.desc())).all()
    return rows[0].value if rows else 0.0


def test_the_office_approval_moves_the_equipment_investment_figure(db: Session) -> None:
    lib = setup_library(db)
    project = walked_to(db, lib, "office")
    year = project.start_on.year
    before = _equipment_investment(db, lib.city_code, year)
    service.approve_project(db, lib.scope(db, lib.office_user), project.id)
    after = _equipment_investment(db, lib.city_code, year)
    assert round(after - before, 4) == round(project.equipment_investment_fen / 10**10, 4)  # 亿元


def test_a_project_still_in_review_does_not_count(db: Session) -> None:
    lib = setup_library(db)
    project = walked_to(db, lib, "office")
    assert _equipment_investment(db, lib.city_code, project.start_on.year) == 0.0
