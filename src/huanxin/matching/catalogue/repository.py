"""Every scoped query of the supply catalogue, its contacts and deals (one place to check a scope).

- A supplier is an enterprise user (role `enterprise`) whose unit is an enterprise of the library: it
  reads and changes its own products only; another supplier's product, or another city's, answers 404.
- A demand item is a new-equipment line of a project: who may see the project (projects.repository:
  its enterprise, its county, the reviewing department, the office) may see the ranked suppliers; only
  the buyer (the project's own enterprise) records contacts and deals.
- The office and the city's leaders read the city's catalogue and its statistics; any other role
  (a resident, a bank …) answers 403."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from huanxin.errors import Forbidden, NotFound
from huanxin.matching.catalogue.models import MatchContact, MatchDeal, SupplyProduct
from huanxin.orgs.roles import CITY_WIDE_READERS, Role
from huanxin.orgs.scope import Scope
from huanxin.projects import repository as projects_repo
from huanxin.projects.models import Enterprise, Project, ProjectEquipment

NOT_FOUND = "未找到该产品"
NO_DEMAND = "未找到该需求设备"
NO_CONTACT = "未找到该对接记录"
# Projects whose demands suppliers see: declared (submitted) and not sent back for correction.
OPEN_STATUSES = ("county", "department", "office", "approved", "batched", "reported")
DEMANDS_SHOWN = 2000  # the newest demand lines a supplier's page ranks


def supplier(session: Session, scope: Scope) -> Enterprise:
    """The enterprise the caller lists products for, or 403."""
    if scope.role != Role.ENTERPRISE:
        raise Forbidden("只有企业账号可以管理供给产品、查看“我为企业找订单”")
    found = projects_repo.enterprise_of_unit(session, scope)
    if found is None:
        raise Forbidden("当前账号尚未关联企业信息，请联系所在县（市、区）或专班办公室登记")
    return found


def require_office(scope: Scope) -> None:
    if scope.role not in CITY_WIDE_READERS:
        raise Forbidden("只有专班办公室或市领导可以查看供需对接统计")


def own_products(session: Session, scope: Scope, category: str = "",
                 on_sale: bool | None = None) -> list[SupplyProduct]:
    """The caller's products, optionally of one class (taxonomy key) or only on sale / withdrawn."""
    owner = supplier(session, scope)
    stmt = select(SupplyProduct).where(SupplyProduct.city_code == scope.city_code,
                                       SupplyProduct.enterprise_id == owner.id)
    if category:
        stmt = stmt.where(SupplyProduct.category == category)
    if on_sale is not None:
        stmt = stmt.where(SupplyProduct.on_sale.is_(on_sale))
    return list(session.scalars(stmt.order_by(SupplyProduct.id)))


def own_product(session: Session, scope: Scope, product_id: int) -> SupplyProduct:
    owner = supplier(session, scope)
    found = session.get(SupplyProduct, product_id)
    if found is None or found.city_code != scope.city_code or found.enterprise_id != owner.id:
        raise NotFound(NOT_FOUND)
    return found


def own_by_code(session: Session, enterprise_id: int) -> dict[str, SupplyProduct]:
    stmt = select(SupplyProduct).where(SupplyProduct.enterprise_id == enterprise_id)
    return {p.code: p for p in session.scalars(stmt)}


# What the engine reads of a product (products.as_record): loading these columns as plain rows, not
# whole ORM objects, took a 100,000-product city's load from about 9 s to a third of it (bench).
ENGINE_COLUMNS = (SupplyProduct.id, SupplyProduct.enterprise_id, SupplyProduct.category, SupplyProduct.name,
                  SupplyProduct.spec, SupplyProduct.params, SupplyProduct.efficiency_level,
                  SupplyProduct.efficiency_grade, SupplyProduct.price_min_fen, SupplyProduct.price_max_fen,
                  SupplyProduct.region_code, SupplyProduct.delivery_days, SupplyProduct.credentials,
                  SupplyProduct.on_sale)


def city_products(session: Session, city_code: str) -> list[Row[Any]]:
    """The city's whole catalogue (ENGINE_COLUMNS), withdrawn products included (the engine says why
    they are out)."""
    return list(session.execute(select(*ENGINE_COLUMNS).where(SupplyProduct.city_code == city_code)
                                .order_by(SupplyProduct.id)).all())


def catalogue_stamp(session: Session, city_code: str) -> tuple[Any, ...]:
    """What changes whenever the city's catalogue does: the cached index is rebuilt then."""
    row = session.execute(select(func.count(), func.max(SupplyProduct.id), func.max(SupplyProduct.updated_at))
                          .where(SupplyProduct.city_code == city_code)).one()
    return (city_code, *row)


def demand_item(session: Session, scope: Scope, equipment_id: int) -> tuple[ProjectEquipment, Project]:
    """A new-equipment line of a project the caller may see; 404 otherwise (another city's too)."""
    projects_repo.require_reader(scope)
    row = session.get(ProjectEquipment, equipment_id)
    if row is None or row.side != "new":
        raise NotFound(NO_DEMAND)
    try:
        project = projects_repo.visible_project(session, scope, row.project_id)
    except NotFound:
        raise NotFound(NO_DEMAND) from None
    return row, project


def buyer_demand_item(session: Session, scope: Scope, equipment_id: int) -> tuple[ProjectEquipment, Project]:
    """A demand item of the caller's own enterprise (to record a contact): others read only (403)."""
    row, project = demand_item(session, scope, equipment_id)
    if scope.role != Role.ENTERPRISE:
        raise Forbidden("只有需求企业可以联系供应商")
    return row, project


def products_by_id(session: Session, ids: list[int]) -> dict[int, SupplyProduct]:
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(SupplyProduct).where(SupplyProduct.id.in_(ids)))}


def enterprise_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids))).tuples().all())


def contacts_of_item(session: Session, equipment_id: int) -> list[MatchContact]:
    return list(session.scalars(select(MatchContact).where(MatchContact.equipment_id == equipment_id)
                                .order_by(MatchContact.id)))


def deals_of(session: Session, contact_ids: list[int]) -> dict[int, MatchDeal]:
    if not contact_ids:
        return {}
    return {d.contact_id: d for d in session.scalars(select(MatchDeal).where(MatchDeal.contact_id.in_(contact_ids)))}


def buyer_contact(session: Session, scope: Scope, contact_id: int) -> MatchContact:
    """A contact the caller's enterprise made (to record its deal); anything else answers 404."""
    if scope.role != Role.ENTERPRISE:
        raise Forbidden("只有需求企业可以登记成交")
    owner = projects_repo.enterprise_of_unit(session, scope)
    found = session.get(MatchContact, contact_id)
    if found is None or owner is None or found.city_code != scope.city_code or found.buyer_enterprise_id != owner.id:
        raise NotFound(NO_CONTACT)
    return found


def open_demand_lines(session: Session, city_code: str) -> list[tuple[ProjectEquipment, Project]]:
    """The city's declared new-equipment lines, newest first (what 我为企业找订单 ranks)."""
    stmt = (select(ProjectEquipment, Project).join(Project, Project.id == ProjectEquipment.project_id)
                         .where(Project.city_code == city_code, Project.status.in_(OPEN_STATUSES),
                                ProjectEquipment.side == "new")
                         .order_by(ProjectEquipment.id.desc()).limit(DEMANDS_SHOWN))
    return [(row, project) for row, project in session.execute(stmt).tuples()]


def contact_counts(session: Session, city_code: str) -> list[tuple[str, str, int]]:
    """(county, field, contacts) of the city."""
    stmt = (select(MatchContact.region_code, MatchContact.field, func.count())
            .where(MatchContact.city_code == city_code).group_by(MatchContact.region_code, MatchContact.field))
    return [(r, f, int(n)) for r, f, n in session.execute(stmt).tuples()]


def deal_sums(session: Session, city_code: str, signed: tuple[dt.date, dt.date] | None = None,
              ) -> list[tuple[str, str, bool, int, int]]:
    """(county, field, local, deals, amount fen) of the city; of the deals signed in [start, end)
    when `signed` is given."""
    stmt = (select(MatchDeal.region_code, MatchDeal.field, MatchDeal.local, func.count(),
                   func.sum(MatchDeal.amount_fen))
            .where(MatchDeal.city_code == city_code)
            .group_by(MatchDeal.region_code, MatchDeal.field, MatchDeal.local))
    if signed is not None:
        stmt = stmt.where(MatchDeal.signed_on >= signed[0], MatchDeal.signed_on < signed[1])
    return [(r, f, bool(loc), int(n), int(s or 0)) for r, f, loc, n, s in session.execute(stmt).tuples()]


def visible_demand_lines(session: Session, scope: Scope, limit: int = 500) -> list[tuple[ProjectEquipment, Project]]:
    """The new-equipment lines of the projects the caller may see (a buyer: its own), newest first."""
    stmt = (select(ProjectEquipment, Project).join(Project, Project.id == ProjectEquipment.project_id)
                         .where(projects_repo.scope_condition(session, scope), ProjectEquipment.side == "new")
                         .order_by(ProjectEquipment.id.desc()).limit(limit))
    return [(row, project) for row, project in session.execute(stmt).tuples()]
