"""Every scoped query of second-hand trade. A dealer (a recycler or a retailer, by its unit) reads
and writes its own devices; the city's supervisors (office, leaders, departments, the commerce
bureau's reviewers) read the city's; another city's device, or another dealer's, answers 404 so
that ids cannot be probed; any other role (a resident …) answers 403."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from huanxin.errors import Forbidden, NotFound
from huanxin.kit.clock import CHINA
from huanxin.orgs.roles import CITY_WIDE_READERS, Role
from huanxin.orgs.scope import Scope
from huanxin.secondhand.models import DealerComplaint, SecondhandDevice, WipeRecord, WipeRefusal

DEALER_ROLES = {Role.RECYCLER, Role.RETAILER}
SUPERVISORS = CITY_WIDE_READERS | {Role.REVIEWER, Role.DEPARTMENT}
NOT_FOUND = "未找到该设备"


def is_dealer(scope: Scope) -> bool:
    return scope.role in DEALER_ROLES and scope.unit_id is not None


def is_supervisor(scope: Scope) -> bool:
    return scope.role in SUPERVISORS


def dealer_unit(scope: Scope) -> int:
    """The dealer the caller works for, or 403."""
    if not is_dealer(scope) or scope.unit_id is None:
        raise Forbidden("只有回收企业或经营主体（二手经营者）的人员可以执行此操作")
    return scope.unit_id


def require_reader(scope: Scope) -> None:
    if not (is_dealer(scope) or is_supervisor(scope)):
        raise Forbidden("您的角色无权查看二手电子产品登记")


def devices_visible(scope: Scope) -> Select[Any]:
    """The devices the caller may read, as a query to narrow further (never widen)."""
    require_reader(scope)
    stmt = select(SecondhandDevice).where(SecondhandDevice.city_code == scope.city_code)
    if is_dealer(scope):
        return stmt.where(SecondhandDevice.dealer_unit_id == scope.unit_id)
    return stmt


def get_device(session: Session, scope: Scope, device_id: int) -> SecondhandDevice:
    found: SecondhandDevice | None = session.scalar(devices_visible(scope).where(SecondhandDevice.id == device_id))
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def get_own_device(session: Session, scope: Scope, device_id: int) -> SecondhandDevice:
    """A device the caller's dealer owns, for a change: a supervisor reads only (403)."""
    unit_id = dealer_unit(scope)
    found = session.get(SecondhandDevice, device_id)
    if found is None or found.city_code != scope.city_code or found.dealer_unit_id != unit_id:
        raise NotFound(NOT_FOUND)
    return found


def wipes_of(session: Session, device_id: int) -> list[WipeRecord]:
    return list(session.scalars(select(WipeRecord).where(WipeRecord.device_id == device_id)
                                .order_by(WipeRecord.id.desc())))


def latest_verified_wipe(session: Session, device_id: int) -> WipeRecord | None:
    return session.scalar(select(WipeRecord).where(WipeRecord.device_id == device_id, WipeRecord.verified.is_(True))
                          .order_by(WipeRecord.id.desc()).limit(1))


def counts_since(session: Session, city_code: str, since: dt.date) -> dict[int, dict[str, int]]:
    """Per dealer of the city: complaints received, failed verifications and refused wipe records
    since `since` (the credit score's inputs)."""
    start = dt.datetime.combine(since, dt.time.min, tzinfo=CHINA)
    queries = {
        "complaints": select(DealerComplaint.dealer_unit_id, func.count()).where(
            DealerComplaint.city_code == city_code, DealerComplaint.received_on >= since),
        "failed_verifications": select(WipeRecord.dealer_unit_id, func.count()).where(
            WipeRecord.city_code == city_code, WipeRecord.verified.is_(False), WipeRecord.wiped_at >= start),
        "refusals": select(WipeRefusal.dealer_unit_id, func.count()).where(
            WipeRefusal.city_code == city_code, WipeRefusal.refused_at >= start),
    }
    found: dict[int, dict[str, int]] = {}
    for name, stmt in queries.items():
        column = stmt.selected_columns[0]
        for unit_id, count in session.execute(stmt.group_by(column)):
            found.setdefault(int(unit_id), {})[name] = int(count)
    return found


def dealer_ids_with_devices(session: Session, city_code: str) -> list[int]:
    return list(session.scalars(select(SecondhandDevice.dealer_unit_id).where(
        SecondhandDevice.city_code == city_code).distinct()))
