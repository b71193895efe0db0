"""Retailer and dealer admission (经营主体准入): admit, suspend, reinstate, expel, with history.

Only an admitted retailer may redeem (核销) claims, and only for the programme kinds it was
admitted for. Every change of status is a `RetailerStatusChange` row (the history reviewers read)
and an audit record; a reason is always required; expulsion (清退) is final.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from huanxin.kit import audit
from huanxin.kit.clock import aware, now, today
from huanxin.kit.identifiers import validate_credit_code
from huanxin.orgs import service as orgs_service
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein.models import Retailer, RetailerStatusChange

ADMITTED = "admitted"
SUSPENDED = "suspended"
EXPELLED = "expelled"

STATUS_LABELS = {ADMITTED: "已准入", SUSPENDED: "暂停", EXPELLED: "已清退"}

PROGRAMME_KINDS = {
    "car_scrap": "汽车报废更新",
    "car_replace": "汽车置换更新",
    "appliance": "家电",
    "digital": "数码产品",
    "ebike": "电动自行车",
    "home_decor": "家装厨卫",
}

# Who may admit, suspend, reinstate or expel: the task-force office and the commerce reviewers.
MANAGING_ROLES = {Role.OFFICE, Role.REVIEWER}
# Who may read the list and the history: the managers and the city's leaders.
READING_ROLES = MANAGING_ROLES | {Role.LEADER}

UNIT_KIND = "retailer"


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    allowed_from: frozenset[str]
    to_status: str


SUSPEND = Transition("suspend", "暂停", frozenset({ADMITTED}), SUSPENDED)
REINSTATE = Transition("reinstate", "恢复", frozenset({SUSPENDED}), ADMITTED)
EXPEL = Transition("expel", "清退", frozenset({ADMITTED, SUSPENDED}), EXPELLED)


# ---- permissions ------------------------------------------------------------------------------

def require_manager(scope: Scope, city_code: str) -> None:
    """Another city's retailers answer 404 (their existence is not ours to reveal); a role that
    may not manage retailers gets 403."""
    scope.require_city(city_code)
    if scope.role not in MANAGING_ROLES:
        raise Forbidden("只有专班办公室或商务局审核员可以管理经营主体准入")


def require_reader(scope: Scope, city_code: str) -> None:
    scope.require_city(city_code)
    if scope.role not in READING_ROLES:
        raise Forbidden("您的角色无权查看经营主体名录")


# ---- validation -------------------------------------------------------------------------------

def _required_text(value: str | None, field: str, label: str, max_len: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{label}不能为空", field=field)
    if len(text) > max_len:
        raise InvalidInput(f"{label}不能超过{max_len}个字", field=field)
    return text


def _clean_kinds(kinds: list[str] | tuple[str, ...]) -> list[str]:
    cleaned: list[str] = []
    for kind in kinds:
        value = str(kind).strip()
        if value not in PROGRAMME_KINDS:
            allowed = "、".join(f"{k}（{v}）" for k, v in PROGRAMME_KINDS.items())
            raise InvalidInput(f"经营品类“{value}”无效，须为 {allowed} 之一", field="kinds")
        if value not in cleaned:
            cleaned.append(value)
    if not cleaned:
        raise InvalidInput("经营品类（kinds）至少选择一项", field="kinds")
    return cleaned


def _check_region(session: Session, city_code: str, region_code: str) -> str:
    code = (region_code or "").strip()
    in_city = {city_code} | {r.code for r in orgs_service.child_regions(session, city_code)}
    if code not in in_city:
        raise InvalidInput(f"所在区县（region_code）“{code}”不属于本市", field="region_code")
    return code


# ---- use cases --------------------------------------------------------------------------------

def admit(
    session: Session, scope: Scope, *, city_code: str, name: str, credit_code: str, region_code: str,
    kinds: list[str], actor: str, reason: str | None = None,
) -> Retailer:
    """Admits a retailer to the city's programmes: its account unit (kind retailer) is created or
    reused, and the first history row and an audit record are written."""
    require_manager(scope, city_code)
    clean_name = _required_text(name, "name", "经营主体名称", 80)
    code = validate_credit_code(credit_code or "", field="credit_code")
    region = _check_region(session, city_code, region_code)
    clean_kinds = _clean_kinds(kinds)
    note = (reason or "").strip() or "准入"
    existing = session.scalar(select(Retailer).where(Retailer.credit_code == code))
    if existing is not None:
        raise Conflict(f"统一社会信用代码 {code} 已登记为经营主体“{existing.name}”，不能重复准入",
                       field="credit_code")
    unit = orgs_service.ensure_unit(session, city_code=city_code, name=clean_name, kind=UNIT_KIND,
                                    aliases=[], region_code=region)
    if unit.kind != UNIT_KIND:
        raise Conflict(f"名称“{clean_name}”已是本市登记的其他单位，请核对经营主体名称", field="name")
    if session.scalar(select(Retailer.id).where(Retailer.unit_id == unit.id)) is not None:
        raise Conflict(f"经营主体“{clean_name}”已准入", field="name")
    retailer = Retailer(city_code=city_code, unit_id=unit.id, name=clean_name, credit_code=code,
                        region_code=region, kinds=clean_kinds, status=ADMITTED, admitted_on=today())
    session.add(retailer)
    session.flush()
    _record_change(session, retailer, None, ADMITTED, note, actor, "retailer_admit",
                   {"name": clean_name, "credit_code": code, "kinds": clean_kinds, "region_code": region})
    return retailer


def suspend(session: Session, scope: Scope, retailer_id: int, *, reason: str, actor: str) -> Retailer:
    """暂停: the retailer may not redeem until reinstated."""
    return _transition(session, scope, retailer_id, SUSPEND, reason, actor)


def reinstate(session: Session, scope: Scope, retailer_id: int, *, reason: str, actor: str) -> Retailer:
    """恢复: a suspended retailer may redeem again."""
    return _transition(session, scope, retailer_id, REINSTATE, reason, actor)


def expel(session: Session, scope: Scope, retailer_id: int, *, reason: str, actor: str) -> Retailer:
    """清退: final; an expelled retailer is never reinstated (a new admission under the same credit
    code is refused too)."""
    return _transition(session, scope, retailer_id, EXPEL, reason, actor)


def _transition(session: Session, scope: Scope, retailer_id: int, change: Transition,
                reason: str, actor: str) -> Retailer:
    # Row lock on PostgreSQL: two reviewers acting at once cannot both pass the status check.
    retailer = session.get(Retailer, retailer_id, with_for_update=True)
    if retailer is None:
        raise NotFound("未找到该经营主体")
    require_manager(scope, retailer.city_code)
    note = _required_text(reason, "reason", f"{change.label}原因（reason）", 2000)
    if retailer.status == EXPELLED:
        raise Conflict(f"经营主体“{retailer.name}”已清退，清退为最终决定，不能{change.label}", field="status")
    if retailer.status not in change.allowed_from:
        raise Conflict(f"经营主体“{retailer.name}”当前状态为“{STATUS_LABELS.get(retailer.status, retailer.status)}”，"
                       f"不能{change.label}", field="status")
    before = retailer.status
    retailer.status = change.to_status
    _record_change(session, retailer, before, change.to_status, note, actor, f"retailer_{change.action}", {})
    return retailer


def _record_change(session: Session, retailer: Retailer, before: str | None, after: str, reason: str,
                   actor: str, action: str, detail: dict[str, Any]) -> None:
    session.add(RetailerStatusChange(retailer_id=retailer.id, from_status=before, to_status=after,
                                     reason=reason, at=now(), actor=actor[:60]))
    audit.record(session, actor=actor, action=action, entity="tradein_retailer", entity_id=retailer.id,
                 city_code=retailer.city_code,
                 detail={"from": before, "to": after, "reason": reason, **detail})
    session.flush()


# ---- checks used by the claims service --------------------------------------------------------

def require_admitted(session: Session, retailer_id: int, programme_kind: str) -> Retailer:
    """The redemption gate: raises Forbidden unless the retailer is admitted (not suspended or
    expelled) and admitted for this programme kind."""
    retailer = session.get(Retailer, retailer_id)
    if retailer is None:
        raise Forbidden("该经营主体未准入以旧换新活动，不能核销", field="retailer_id")
    if retailer.status == SUSPENDED:
        raise Forbidden(f"经营主体“{retailer.name}”已被暂停参与以旧换新活动，暂不能核销", field="retailer_id")
    if retailer.status == EXPELLED:
        raise Forbidden(f"经营主体“{retailer.name}”已被清退，不能核销", field="retailer_id")
    if retailer.status != ADMITTED:
        raise Forbidden(f"经营主体“{retailer.name}”未准入，不能核销", field="retailer_id")
    if programme_kind not in (retailer.kinds or []):
        label = PROGRAMME_KINDS.get(programme_kind, programme_kind)
        raise Forbidden(f"经营主体“{retailer.name}”未准入“{label}”类以旧换新，不能核销该类补贴",
                        field="retailer_id")
    return retailer


def retailer_for_user(session: Session, scope: Scope) -> Retailer:
    """The retailer a retailer user acts for (whatever its status: a suspended retailer still sees
    its claims and payments)."""
    if scope.role != Role.RETAILER or scope.unit_id is None:
        raise Forbidden("当前账号不是经营主体账号")
    retailer = session.scalar(select(Retailer).where(Retailer.unit_id == scope.unit_id))
    if retailer is None or retailer.city_code != scope.city_code:
        raise Forbidden("当前账号未关联已准入的经营主体")
    return retailer


# ---- reading ----------------------------------------------------------------------------------

def get_retailer(session: Session, scope: Scope, retailer_id: int) -> Retailer:
    retailer = session.get(Retailer, retailer_id)
    if retailer is None:
        raise NotFound("未找到该经营主体")
    require_reader(scope, retailer.city_code)
    return retailer


def list_retailers(session: Session, scope: Scope, city_code: str, status: str | None = None) -> list[Retailer]:
    require_reader(scope, city_code)
    query = select(Retailer).where(Retailer.city_code == city_code)
    if status:
        if status not in STATUS_LABELS:
            raise InvalidInput(f"状态（status）“{status}”无效，须为 admitted、suspended、expelled 之一",
                               field="status")
        query = query.where(Retailer.status == status)
    return list(session.scalars(query.order_by(Retailer.name)))


def retailer_history(session: Session, retailer_id: int) -> list[RetailerStatusChange]:
    """Every status change of a retailer, oldest first (for the reviewer's page)."""
    return list(session.scalars(
        select(RetailerStatusChange).where(RetailerStatusChange.retailer_id == retailer_id)
        .order_by(RetailerStatusChange.at, RetailerStatusChange.id)
    ))


def histories(session: Session, retailer_ids: list[int]) -> dict[int, list[RetailerStatusChange]]:
    """The histories of many retailers in one query (for the list)."""
    result: dict[int, list[RetailerStatusChange]] = {rid: [] for rid in retailer_ids}
    if not retailer_ids:
        return result
    rows = session.scalars(
        select(RetailerStatusChange).where(RetailerStatusChange.retailer_id.in_(retailer_ids))
        .order_by(RetailerStatusChange.at, RetailerStatusChange.id)
    )
    for row in rows:
        result[row.retailer_id].append(row)
    return result


def change_at(change: RetailerStatusChange) -> dt.datetime:
    return aware(change.at)
