"""Enterprises of the city (企业库): registration, changes, lists, each scoped to the caller.

Who may do what, always inside the caller's own city (another city's enterprise answers 404):
- office (专班办公室): registers, changes and reads every enterprise of the city, and may open the
  enterprise's first account in the same step (a temporary password, changed at first sign-in);
- county: registers and changes the enterprises of its own region, reads only those (another
  region's answers 404, as if it did not exist);
- enterprise: reads and changes its own record only (the one whose unit it belongs to); it may not
  move itself to another region, change its credit code or award itself a flag (专精特新 …: those
  are decided by the government);
- leader and department: read the whole city, change nothing. A department reads the city's
  list rather than only the enterprises with projects in its fields: it runs the surveys
  (一表三单) and the supply-demand matching, which start before any project exists;
- every other role: 403.

The contact phone is encrypted at rest (kit.pii) and shown in full only to the enterprise itself and
to the office; everyone else, and every export, sees it masked. Every change is audited, the phone
as "changed", never the number.

The queries live here rather than in projects.repository (the library's): enterprises are their own
use case, and their scope rule differs from the projects' (a department sees the whole list)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from huanxin.kit import audit, pii
from huanxin.kit.clock import now
from huanxin.orgs import accounts
from huanxin.orgs.models import Unit
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import industries, vocab
from huanxin.projects.enterprise_checks import Checked, check, check_unique
from huanxin.projects.enterprise_checks import EnterpriseInput as EnterpriseInput
from huanxin.projects.enterprise_checks import counties as counties
from huanxin.projects.models import Enterprise

UNIT_KIND = "enterprise"
NOT_FOUND = "未找到该企业"
READERS = {Role.OFFICE, Role.LEADER, Role.DEPARTMENT, Role.COUNTY, Role.ENTERPRISE}
PER_PAGE = 50
PER_PAGE_MAX = 500


@dataclass(frozen=True)
class FirstAccount:
    """The enterprise's first account, opened by the office with the registration."""

    username: str
    display_name: str = ""


@dataclass(frozen=True)
class Registered:
    enterprise: Enterprise
    username: str | None = None
    password: str | None = None  # shown once


@dataclass(frozen=True)
class EnterpriseFilters:
    region_code: str | None = None
    industry: str | None = None  # a code at any level: its enterprises and those below it
    flag: str | None = None
    above_scale: bool | None = None
    q: str | None = None  # part of the name, or the credit code
    page: int = 1
    per_page: int = PER_PAGE


@dataclass
class EnterprisePage:
    items: list[Enterprise]
    total: int
    page: int
    per_page: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# ---- who may --------------------------------------------------------------------------------------

def require_reader(scope: Scope, city_code: str) -> None:
    scope.require_city(city_code)
    if scope.role not in READERS:
        raise Forbidden("您的角色无权查看企业库")


def may_register(scope: Scope) -> bool:
    return scope.role == Role.OFFICE or (scope.role == Role.COUNTY and scope.region_code is not None)


def require_registrar(scope: Scope, city_code: str) -> None:
    scope.require_city(city_code)
    if not may_register(scope):
        raise Forbidden("只有专班办公室或县（市、区）可以登记企业")


def own_enterprise(session: Session, scope: Scope) -> Enterprise:
    """The enterprise an enterprise user acts for."""
    if scope.role != Role.ENTERPRISE or scope.unit_id is None:
        raise Forbidden("当前账号不是企业账号")
    found = session.scalar(select(Enterprise).where(Enterprise.unit_id == scope.unit_id,
                                                    Enterprise.city_code == scope.city_code))
    if found is None:
        raise NotFound("当前账号尚未关联企业信息，请联系所在县（市、区）或专班办公室登记")
    return found


def _visible(session: Session, scope: Scope, enterprise: Enterprise) -> bool:
    if enterprise.city_code != scope.city_code or scope.role not in READERS:
        return False
    if scope.role == Role.COUNTY:
        return scope.region_code is not None and enterprise.region_code == scope.region_code
    if scope.role == Role.ENTERPRISE:
        return scope.unit_id is not None and enterprise.unit_id == scope.unit_id
    return True


def may_edit(scope: Scope, enterprise: Enterprise) -> bool:
    if enterprise.city_code != scope.city_code:
        return False
    if scope.role == Role.OFFICE:
        return True
    if scope.role == Role.COUNTY:
        return scope.region_code is not None and enterprise.region_code == scope.region_code
    return scope.role == Role.ENTERPRISE and scope.unit_id is not None and enterprise.unit_id == scope.unit_id


def sees_full_phone(scope: Scope, enterprise: Enterprise) -> bool:
    return scope.role == Role.OFFICE or (scope.role == Role.ENTERPRISE and enterprise.unit_id == scope.unit_id)


def get_enterprise(session: Session, scope: Scope, enterprise_id: int) -> Enterprise:
    """The enterprise, or 404 when it does not exist or lies outside the caller's scope."""
    found = session.get(Enterprise, enterprise_id)
    if found is None or not _visible(session, scope, found):
        if scope.role not in READERS:
            raise Forbidden("您的角色无权查看企业库")
        raise NotFound(NOT_FOUND)
    return found


# ---- reading ---------------------------------------------------------------------------------------

def list_enterprises(session: Session, scope: Scope, city_code: str,
                     filters: EnterpriseFilters | None = None) -> EnterprisePage:
    require_reader(scope, city_code)
    f = filters or EnterpriseFilters()
    per_page = min(max(f.per_page, 1), PER_PAGE_MAX)
    page = max(f.page, 1)
    query = select(Enterprise).where(*_conditions(session, scope, city_code, f))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = list(session.scalars(query.order_by(Enterprise.region_code, Enterprise.name, Enterprise.id)
                                 .offset((page - 1) * per_page).limit(per_page)))
    return EnterprisePage(items=items, total=int(total), page=page, per_page=per_page)


def all_enterprises(session: Session, scope: Scope, city_code: str,
                    filters: EnterpriseFilters | None = None) -> list[Enterprise]:
    """Every enterprise the filters select (an export), in the list's order."""
    require_reader(scope, city_code)
    query = select(Enterprise).where(*_conditions(session, scope, city_code, filters or EnterpriseFilters()))
    return list(session.scalars(query.order_by(Enterprise.region_code, Enterprise.name, Enterprise.id)))


def _conditions(session: Session, scope: Scope, city_code: str, f: EnterpriseFilters) -> list[Any]:
    conditions: list[Any] = [Enterprise.city_code == city_code]
    if scope.role == Role.COUNTY:
        conditions.append(Enterprise.region_code == (scope.region_code or "-"))
    elif scope.role == Role.ENTERPRISE:
        conditions.append(Enterprise.unit_id == (scope.unit_id or -1))
    if f.region_code:
        conditions.append(Enterprise.region_code == f.region_code)
    if f.industry:
        code = industries.normalise(f.industry)
        if code is None or industries.find(code) is None:
            raise InvalidInput(f"行业代码“{f.industry}”不是国民经济行业分类代码", field="industry")
        conditions.append(Enterprise.industry_code.startswith(code, autoescape=True))
    if f.flag:
        if f.flag not in vocab.ENTERPRISE_FLAGS:
            raise InvalidInput(f"企业称号“{f.flag}”无效", field="flag")
        # JSON list of keys: a key is a plain word, so its quoted form matches only that key.
        conditions.append(cast(Enterprise.flags, String).contains(f'"{f.flag}"'))
    if f.above_scale is not None:
        conditions.append(Enterprise.above_scale.is_(f.above_scale))
    if f.q and f.q.strip():
        text = f.q.strip()
        conditions.append(or_(Enterprise.name.contains(text, autoescape=True),
                              Enterprise.credit_code == text.upper()))
    return conditions


def phone_of(enterprise: Enterprise) -> str:
    return pii.decrypt(enterprise.contact_phone_encrypted) if enterprise.contact_phone_encrypted else ""


def shown_phone(scope: Scope, enterprise: Enterprise) -> str:
    phone = phone_of(enterprise)
    return phone if sees_full_phone(scope, enterprise) else pii.mask_phone(phone) if phone else ""


def flag_labels(enterprise: Enterprise) -> list[str]:
    return [vocab.ENTERPRISE_FLAGS[f] for f in enterprise.flags or [] if f in vocab.ENTERPRISE_FLAGS]


# ---- changing --------------------------------------------------------------------------------------

def register(session: Session, scope: Scope, city_code: str, data: EnterpriseInput,
             first_account: FirstAccount | None = None) -> Registered:
    """Registers an enterprise with its unit (kind enterprise), and, for the office, its first account."""
    require_registrar(scope, city_code)
    checked = check(session, city_code, data)
    if scope.role == Role.COUNTY and checked.region_code != scope.region_code:
        raise Forbidden("县（市、区）只能登记本辖区的企业", field="region_code")
    if first_account is not None and not scope.is_office:
        raise Forbidden("只有专班办公室可以在登记时开通企业账号", field="account_username")
    check_unique(session, city_code, checked, None)
    unit = _unit_for(session, city_code, checked.name, checked.region_code)
    stamp = now()
    enterprise = Enterprise(
        city_code=city_code, unit_id=unit.id, credit_code=checked.credit_code, name=checked.name,
        industry_code=checked.industry_code, region_code=checked.region_code, above_scale=data.above_scale,
        flags=checked.flags, contact_name=checked.contact_name,
        contact_phone_encrypted=pii.encrypt(checked.phone) if checked.phone else None,
        address=checked.address, created_at=stamp, updated_at=stamp)
    session.add(enterprise)
    session.flush()
    audit.record(session, actor=scope.username, action="enterprise_register", entity="enterprise",
                 entity_id=enterprise.id, city_code=city_code, detail={
                     "name": enterprise.name, "credit_code": enterprise.credit_code,
                     "industry_code": enterprise.industry_code, "region_code": enterprise.region_code,
                     "above_scale": enterprise.above_scale, "flags": enterprise.flags,
                     "phone": "set" if checked.phone else "none"})
    if first_account is None:
        return Registered(enterprise)
    manager = accounts.manager_for(session, scope, city_code)
    user, password = accounts.create_account(session, manager, accounts.AccountInput(
        username=first_account.username, display_name=first_account.display_name or checked.name,
        role=Role.ENTERPRISE.value, unit_id=unit.id, phone=checked.phone or ""))
    return Registered(enterprise, username=user.username, password=password)


def _unit_for(session: Session, city_code: str, name: str, region_code: str) -> Unit:
    """The enterprise's unit: a new one, or the enterprise unit a plan already named (中车资阳机车 …)
    when no enterprise record holds it yet."""
    existing = session.scalar(select(Unit).where(Unit.city_code == city_code, Unit.name == name))
    if existing is not None:
        if existing.kind != UNIT_KIND:
            raise Conflict(f"名称“{name}”已是本市登记的其他单位（非企业），请核对企业名称", field="name")
        if session.scalar(select(Enterprise.id).where(Enterprise.unit_id == existing.id)) is not None:
            raise Conflict(f"本市已登记名为“{name}”的企业", field="name")
        existing.region_code = existing.region_code or region_code
        return existing
    unit = Unit(city_code=city_code, name=name, kind=UNIT_KIND, region_code=region_code)
    session.add(unit)
    session.flush()
    return unit


def update(session: Session, scope: Scope, enterprise_id: int, data: EnterpriseInput) -> Enterprise:
    """Changes an enterprise's record. The enterprise itself keeps its credit code, region and flags
    (what it sends for them is ignored: they are not its to decide)."""
    enterprise = get_enterprise(session, scope, enterprise_id)
    if not may_edit(scope, enterprise):
        raise Forbidden("您只能查看该企业的信息，不能修改")
    if scope.role == Role.ENTERPRISE:
        data = data.model_copy(update={"credit_code": enterprise.credit_code, "region_code": enterprise.region_code,
                                       "flags": list(enterprise.flags or [])})
    checked = check(session, enterprise.city_code, data)
    if scope.role == Role.COUNTY and checked.region_code != scope.region_code:
        raise Forbidden("县（市、区）不能把企业改到其他辖区", field="region_code")
    check_unique(session, enterprise.city_code, checked, enterprise)
    changed = _apply(session, enterprise, checked, data.above_scale)
    if changed:
        enterprise.updated_at = now()
        session.flush()
        audit.record(session, actor=scope.username, action="enterprise_update", entity="enterprise",
                     entity_id=enterprise.id, city_code=enterprise.city_code, detail=changed)
    return enterprise


def _apply(session: Session, enterprise: Enterprise, checked: Checked, above_scale: bool) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for key, value in (("name", checked.name), ("credit_code", checked.credit_code),
                       ("industry_code", checked.industry_code), ("region_code", checked.region_code),
                       ("above_scale", above_scale), ("flags", checked.flags),
                       ("contact_name", checked.contact_name), ("address", checked.address)):
        before = getattr(enterprise, key)
        if before != value:
            changed[key] = [before, value]
            setattr(enterprise, key, value)
    if checked.phone is not None and checked.phone != phone_of(enterprise):
        changed["phone"] = "changed" if checked.phone else "removed"  # never the number itself
        enterprise.contact_phone_encrypted = pii.encrypt(checked.phone) if checked.phone else None
    if ("name" in changed or "region_code" in changed) and enterprise.unit_id is not None:
        unit = session.get(Unit, enterprise.unit_id)
        if unit is not None:  # the badge and the unit lists keep the enterprise's own name
            unit.name, unit.region_code = checked.name, checked.region_code
    return changed
