"""Builders for the catalogue tests: a 资阳 library whose first enterprise is the buyer (a project
walked to the office, with a new 11 kW motor line at 先进水平) and whose second is a supplier; a third
supplier; products saved through the service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from tests.projects.support import Library, make_enterprise, scope_for, setup_library, walked_to
from tests.tradein.claims_support import n, user

from huanxin.matching.catalogue import products
from huanxin.matching.catalogue.models import SupplyProduct
from huanxin.orgs.roles import Role
from huanxin.projects.models import Enterprise, Project, ProjectEquipment

SHENZHEN = "440304"  # 深圳市福田区: a supplier from another province


@dataclass
class Matching:
    lib: Library
    project: Project
    motor: ProjectEquipment  # the new motor line: the demand item
    supplier: Enterprise  # lib.other_enterprise, same county as the project
    supplier_user: str
    third: Enterprise
    third_user: str

    @property
    def buyer_user(self) -> str:
        return self.lib.enterprise_user


def setup(db: Session) -> Matching:
    lib = setup_library(db)
    project = walked_to(db, lib, "office")
    motor = next(e for e in db.query(ProjectEquipment).filter_by(project_id=project.id, side="new", category="motor"))
    third, third_user = make_enterprise(db, lib.city_code, lib.other_region_code, "第三电机")
    return Matching(lib, project, motor, lib.other_enterprise, lib.other_enterprise_user, third, third_user)


def product(db: Session, username: str, code: str, **fields: Any) -> SupplyProduct:
    data: dict[str, Any] = {"code": code, "category": "三相异步电动机", "name": f"YE5超高效三相异步电动机 11kW {code}",
                            "params": {"power_kw": 11}, "efficiency_level": "advanced", "efficiency_grade": 1,
                            "price_min_fen": 10_000_00, "price_max_fen": 11_000_00, "delivery_days": 20}
    data.update(fields)
    return products.save(db, scope_for(db, username), products.ProductInput.model_validate(data))


def resident(db: Session, city_code: str = "512000") -> str:
    return user(db, f"res-cat-{n()}", Role.RESIDENT, city_code)
