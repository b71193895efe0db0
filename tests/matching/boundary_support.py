"""Another city's catalogue records, for tests/test_boundaries.py: a supplier's product, a buyer's
project with its new-equipment lines (the demand items) and a contact between them; `mark` is
planted in their text so that no answer to the home city may carry it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.projects.support import make_enterprise, project_input, scope_for

from huanxin.matching.catalogue import deals, products
from huanxin.projects import service as projects_service
from huanxin.projects.models import ProjectEquipment


def other_city_world(db: Session, city_code: str, mark: str) -> dict[str, int]:
    _, supplier_user = make_enterprise(db, city_code, city_code, f"{mark}供应")
    _, buyer_user = make_enterprise(db, city_code, city_code, f"{mark}需求")
    product = products.save(db, scope_for(db, supplier_user), products.ProductInput(
        code="M-1", category="三相异步电动机", name=f"{mark}电动机 11kW", params={"power_kw": 11},
        efficiency_level="advanced", efficiency_grade=1))
    buyer = scope_for(db, buyer_user)
    project = projects_service.create_project(db, buyer, project_input(city_code, name=f"{mark}项目"))
    line = db.scalar(select(ProjectEquipment).where(ProjectEquipment.project_id == project.id,
                                                    ProjectEquipment.side == "new",
                                                    ProjectEquipment.category == "motor"))
    assert line is not None
    contact = deals.record_contact(db, buyer, line.id, deals.ContactInput(product_id=product.id, note=mark))
    return {"product_id": product.id, "equipment_id": line.id, "contact_id": contact.id}
