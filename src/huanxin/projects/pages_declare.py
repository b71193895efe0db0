"""Declaring on the pages for an enterprise (代企业填报): the office for any enterprise of its city,
a county for the enterprises registered in its own county, as the API allows (service.create_project
with `enterprise_id`). The form offers the enterprises the caller may declare for in a list, and a
box for the unified social credit code when the enterprise is not among the first ones listed.

A choice outside the caller's reach (another county's enterprise, another city's, a number that is
no enterprise) is one error beside the enterprise input, the same for all of them, so the form tells
nothing about enterprises the caller may not see."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huanxin.errors import DomainError, InvalidInput
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import enterprises as enterprises_service
from huanxin.projects import pages_views as views
from huanxin.projects.models import Enterprise

FOR_OTHERS = (Role.COUNTY, Role.OFFICE)  # who declares for an enterprise (service.DECLARING_ROLES)
DECLARING = (Role.ENTERPRISE, *FOR_OTHERS)
OPTIONS = 500  # enterprises listed on the form; past it, the credit code finds the others
FIELD = "enterprise_id"
CODE_FIELD = "enterprise_code"
REACH = {Role.COUNTY: "本县（市、区）企业库", Role.OFFICE: "本市企业库"}
HINT = {Role.COUNTY: "县（市、区）只能为本县区登记的企业代为申报", Role.OFFICE: "请先在企业库登记该企业"}


def _out_of_reach(scope: Scope, what: str) -> str:
    return f"{what}不在{REACH.get(scope.role, '企业库')}中，{HINT.get(scope.role, '请核对')}"


def declares_for_others(scope: Scope) -> bool:
    return scope.role in FOR_OTHERS


def options(session: Session, scope: Scope) -> tuple[list[Enterprise], bool]:
    """The enterprises the form lists (a county: its own county's), and whether there are more."""
    found = enterprises_service.list_enterprises(session, scope, scope.city_code,
                                                 enterprises_service.EnterpriseFilters(per_page=OPTIONS))
    return list(found.items), found.total > len(found.items)


def regions(session: Session, scope: Scope) -> dict[str, str]:
    """Where the project may be built: a county declares only for its own county."""
    names = views.regions(session, scope.city_code)
    if scope.role == Role.COUNTY:
        return {k: v for k, v in names.items() if k == scope.region_code}
    return names


def chosen(session: Session, scope: Scope, picked: str, credit_code: str) -> Enterprise:
    """The enterprise the form names: by its credit code when one is typed, else the one picked."""
    code = credit_code.strip().upper()
    if code:
        return _by_credit_code(session, scope, code)
    value = picked.strip()
    if not value:
        raise InvalidInput("请选择项目所属企业", field=FIELD)
    if not value.isdigit() or len(value) > 18:
        raise InvalidInput("所选企业无效，请从列表中选择", field=FIELD)
    try:
        return enterprises_service.get_enterprise(session, scope, int(value))
    except DomainError:
        raise InvalidInput(_out_of_reach(scope, "所选企业"), field=FIELD) from None


def _by_credit_code(session: Session, scope: Scope, code: str) -> Enterprise:
    if len(code) != 18:
        raise InvalidInput(f"统一社会信用代码“{code[:20]}”应为18位", field=CODE_FIELD)
    found = enterprises_service.list_enterprises(session, scope, scope.city_code,
                                                 enterprises_service.EnterpriseFilters(q=code, per_page=5))
    match = [e for e in found.items if e.credit_code == code]
    if not match:
        raise InvalidInput(_out_of_reach(scope, f"统一社会信用代码为“{code}”的企业"), field=CODE_FIELD)
    return match[0]
