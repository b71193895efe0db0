"""Who may read and who may enter which figures of a city, and the city context both questions need."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from huanxin.errors import Forbidden
from huanxin.indicators.catalogue import catalogue
from huanxin.indicators.owners import UnitRef, owners_of_city
from huanxin.orgs import service as orgs_service
from huanxin.orgs.roles import LEDGER_ROLES, Role
from huanxin.orgs.scope import Scope

READ_ONLY = "您的角色只能查看指标，不能录入"


@dataclass
class CityContext:
    """What validation needs to know of a city, read once per entry or import."""

    city_code: str
    city_name: str
    regions: dict[str, str]  # the city's own code and its counties
    owners: dict[str, UnitRef | None]

    def owner_name(self, code: str) -> str | None:
        owner = self.owners.get(code)
        return owner.name if owner else None


def city_context(session: Session, city_code: str) -> CityContext:
    regions = {city_code: orgs_service.region_name(session, city_code)}
    regions.update({r.code: r.name for r in orgs_service.child_regions(session, city_code)})
    units = [
        UnitRef(id=u.id, name=u.name, kind=u.kind) for u in orgs_service.units_of_city(session, city_code)
    ]
    return CityContext(
        city_code=city_code,
        city_name=regions[city_code],
        regions=regions,
        owners=owners_of_city(units, catalogue()),
    )


def require_reader(scope: Scope, city_code: str) -> None:
    """Another city answers 404; roles without government work (enterprises, residents …) 403."""
    scope.require_city(city_code)
    if scope.role not in LEDGER_ROLES:
        raise Forbidden("您的角色无权查看指标监测")


def require_cockpit(scope: Scope, city_code: str) -> None:
    scope.require_city(city_code)
    if not scope.city_wide:
        raise Forbidden("驾驶舱仅对专班办公室和市政府领导开放")


def may_enter(scope: Scope, ctx: CityContext, indicator_code: str, region_code: str) -> str | None:
    """Why this user may not enter this figure, or None if they may.

    The office enters anything; a department the indicators its unit owns (owners.py); a county
    the figures of its own region. The leader only reads."""
    if scope.is_office:
        return None
    if scope.role == Role.DEPARTMENT and scope.unit_id is not None:
        owner = ctx.owners.get(indicator_code)
        if owner is not None and owner.id == scope.unit_id:
            return None
        owner_name = ctx.owner_name(indicator_code) or "专班办公室"
        return f"指标“{indicator_code}”由{owner_name}负责填报，本单位无权录入"
    if scope.role == Role.COUNTY and scope.region_code:
        if region_code == scope.region_code:
            return None
        return f"只能录入本县（市、区）（地区代码 {scope.region_code}）的数据"
    return READ_ONLY


def can_enter_any(scope: Scope) -> bool:
    return scope.is_office or (scope.reports and scope.role in (Role.DEPARTMENT, Role.COUNTY))


def enterable_codes(scope: Scope, ctx: CityContext) -> list[str]:
    """The indicator codes this user's entry form offers."""
    if scope.is_office or scope.role == Role.COUNTY:
        return list(catalogue())
    return [code for code, owner in ctx.owners.items() if owner is not None and owner.id == scope.unit_id]
