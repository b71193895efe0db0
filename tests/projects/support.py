"""Shared fixtures of the projects tests: a city with two enterprises (each with its user), a county
user of the first enterprise's region and one of another region, the industry department (it
reviews the field "industry") and a department that does not, the office, the leader, and another
city's office. Every name carries a fresh tag, so a test may set up the city more than once.

    lib = setup_library(db)                       # 资阳 (512000) by default
    data = project_input(lib.region_code)         # a valid declaration (ProjectInput)
    body = project_body(lib.region_code)          # the same as a JSON body for the API
    project = declared(db, lib)                   # created by the enterprise, a draft
    project = walked_to(db, lib, "office")        # submitted and approved up to that status
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.tradein.claims_support import credit_code, n, user

from huanxin.kit.clock import now, today
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import User
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import reviewers, service
from huanxin.projects.models import Enterprise, FieldReviewer, Project
from huanxin.projects.schemas import ProjectInput

# Digits only in every name and user name a page may show: screens must carry no latin codes
# (tests/web/test_screen_words.py), and a hex tag once spelled "eded".
RUN = str(uuid.uuid4().int % 10**6).zfill(6)
OTHER_CITY = "370784"  # 安丘: its office must never see 资阳's projects
OTHER_CITY_OFFICE = "anqiu-office"  # made by bootstrap for every seed city
# County-level regions of the seed cities (src/huanxin/data/regions.yaml).
REGIONS = {"512000": ("512002", "512021"), "510400": ("510402", "510403"), "430500": ("430502", "430503"),
           "140300": ("140302", "140303"), "370784": ("370784", "370784")}


@dataclass
class Library:
    city_code: str
    region_code: str  # where the enterprise is and builds
    other_region_code: str
    enterprise: Enterprise
    enterprise_user: str
    other_enterprise: Enterprise
    other_enterprise_user: str
    county_user: str  # of region_code
    other_county_user: str  # of other_region_code
    department_user: str  # of the unit that reviews "industry"
    department_unit_id: int
    other_department_user: str  # of a department that reviews no field
    other_department_unit_id: int
    office_user: str
    leader_user: str
    foreign_office_user: str = OTHER_CITY_OFFICE

    def scope(self, session: Session, username: str) -> Scope:
        return scope_for(session, username)


def scope_for(session: Session, username: str) -> Scope:
    found = session.scalar(select(User).where(User.username == username))
    assert found is not None, username
    return orgs_service.scope_of(found)


def _unit(session: Session, city_code: str, name: str, kind: str, region_code: str | None) -> int:
    return orgs_service.ensure_unit(session, city_code=city_code, name=name, kind=kind, aliases=[],
                                    region_code=region_code).id


def make_enterprise(session: Session, city_code: str, region_code: str, name: str) -> tuple[Enterprise, str]:
    """An enterprise of the city with its unit (kind enterprise) and one user."""
    tag = f"{RUN}{n()}"
    unit_id = _unit(session, city_code, f"{name}{tag}有限公司", "enterprise", region_code)
    at = now()
    enterprise = Enterprise(city_code=city_code, unit_id=unit_id, credit_code=credit_code(uuid.uuid4().int % 10**9),
                            name=f"{name}{tag}有限公司", industry_code="C3411", region_code=region_code,
                            above_scale=True, flags=[], created_at=at, updated_at=at)
    session.add(enterprise)
    session.flush()
    return enterprise, user(session, f"ent-{tag}", Role.ENTERPRISE, city_code, unit_id)


def _industry_department(session: Session, city_code: str, tag: str) -> int:
    """The unit that reviews "industry": the city's default (its 经信局), or one made for the test."""
    reviewers.ensure_field_reviewers(session, city_code)
    row = session.scalar(select(FieldReviewer).where(FieldReviewer.city_code == city_code,
                                                     FieldReviewer.field == "industry"))
    if row is not None:
        return row.unit_id
    unit_id = _unit(session, city_code, f"测试经济和信息化局{tag}", "department", None)
    session.add(FieldReviewer(city_code=city_code, field="industry", unit_id=unit_id))
    session.flush()
    return unit_id


def setup_library(session: Session, city_code: str = "512000") -> Library:
    tag = f"{RUN}{n()}"
    region, other_region = REGIONS[city_code]
    enterprise, enterprise_user = make_enterprise(session, city_code, region, "测试机械")
    other, other_user = make_enterprise(session, city_code, region, "另一电器")
    county = _unit(session, city_code, f"测试县区{region}{tag}", "county", region)
    other_county = _unit(session, city_code, f"测试县区{other_region}{tag}", "county", other_region)
    department = _industry_department(session, city_code, tag)
    bystander = _unit(session, city_code, f"测试档案局{tag}", "department", None)
    return Library(
        city_code=city_code, region_code=region, other_region_code=other_region,
        enterprise=enterprise, enterprise_user=enterprise_user,
        other_enterprise=other, other_enterprise_user=other_user,
        county_user=user(session, f"cty-{tag}", Role.COUNTY, city_code, county),
        other_county_user=user(session, f"cty2-{tag}", Role.COUNTY, city_code, other_county),
        department_user=user(session, f"dep-{tag}", Role.DEPARTMENT, city_code, department),
        department_unit_id=department,
        other_department_user=user(session, f"dep2-{tag}", Role.DEPARTMENT, city_code, bystander),
        other_department_unit_id=bystander,
        office_user=user(session, f"off-{tag}", Role.OFFICE, city_code),
        leader_user=user(session, f"ldr-{tag}", Role.LEADER, city_code),
    )


def equipment_lines() -> list[dict[str, Any]]:
    return [
        {"side": "retired", "category": "motor", "name": "Y系列电动机", "model": "Y160M-4", "quantity": 10,
         "year": 2008, "original_value_fen": 600_000_00, "fully_depreciated": True, "rated_power_kw": 11.0,
         "poles": 4, "efficiency_pct": 87.5},
        {"side": "new", "category": "motor", "name": "高效电动机", "model": "YE4-160M-4", "quantity": 10,
         "unit_price_fen": 12_000_00, "rated_power_kw": 11.0, "poles": 4, "efficiency_pct": 93.0,
         "supplier": "某电机有限公司"},
        {"side": "new", "category": "machine_tool", "name": "数控加工中心", "model": "VMC850", "quantity": 2,
         "unit_price_fen": 800_000_00},
    ]


def project_body(region_code: str, /, **overrides: Any) -> dict[str, Any]:
    """A valid declaration as the API takes it: 5,000万元 in total, 3,000万元 of equipment."""
    body: dict[str, Any] = {
        "name": "年产10万台电机生产线智能化改造项目", "field": "industry",
        "directions": ["energy_saving", "intelligent"],
        "region_code": region_code, "summary": "更换高效电机，新增数控加工中心",
        "total_investment_fen": 5_000_0000_00, "fixed_asset_fen": 4_500_0000_00,
        "equipment_investment_fen": 3_000_0000_00, "start_on": "2025-03-01", "finish_on": "2026-06-30",
        "construction": "under_construction", "invested_permille": 400, "documents": ["approval", "energy_review"],
        "instruments": ["special_bond", "relending"], "loan_need_fen": 2_000_0000_00, "loan_term_months": 36,
        "intended_banks": ["中国工商银行资阳分行"], "equipment": equipment_lines(),
    }
    body.update(overrides)
    return body


def project_input(region_code: str, /, **overrides: Any) -> ProjectInput:
    return ProjectInput.model_validate(project_body(region_code, **overrides))


def declared(session: Session, lib: Library, **overrides: Any) -> Project:
    return service.create_project(session, lib.scope(session, lib.enterprise_user),
                                  project_input(lib.region_code, **overrides))


WALK = ("county", "department", "office", "approved")


def walked_to(session: Session, lib: Library, status: str, **overrides: Any) -> Project:
    """A project of the enterprise, submitted and approved level by level until it is in `status`."""
    project = declared(session, lib, **overrides)
    if status == "draft":
        return project
    service.submit_project(session, lib.scope(session, lib.enterprise_user), project.id)
    reviewer = {"county": lib.county_user, "department": lib.department_user, "office": lib.office_user}
    current = "county"
    while current != status:
        service.approve_project(session, lib.scope(session, reviewer[current]), project.id, "同意")
        current = WALK[WALK.index(current) + 1]
    return project


def future(days: int) -> str:
    return (today() + dt.timedelta(days=days)).isoformat()
