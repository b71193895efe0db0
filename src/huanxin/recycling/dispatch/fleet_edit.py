"""Changing the fleet after it is registered: a vehicle's depot, capacity and status (运营, 维修,
已停用), a shift's times, driver and crew, and removing a shift that no plan has used.

Why a planned shift can be changed but not removed: the day's plans (the current one and the
superseded ones kept as the record) point at their shifts. A change to a planned shift leaves the
current plan as it was made, so the caller is told to re-plan; a vehicle taken out of service is
left out of the next plan (day.day_shifts takes active vehicles only). A shift whose current route
has a stop under way keeps its times: the crew is already driving them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, InvalidInput
from huanxin.kit import audit
from huanxin.kit.limits import Schema
from huanxin.orgs.scope import Scope
from huanxin.recycling import repository as repo
from huanxin.recycling.dispatch import fleet
from huanxin.recycling.dispatch.day import UNDER_WAY
from huanxin.recycling.models import Booking, RoutePlan, RouteStop, Shift, Vehicle

VEHICLE_STATUS = {"active": "运营", "repair": "维修", "retired": "已停用"}
REPLAN = "当天已排线，修改后请重新排线。"


class VehicleEdit(Schema):
    depot_site_id: int = 0
    capacity_kg: int = 0
    capacity_m3: float = 0
    status: Literal["active", "repair", "retired"] = "active"


class ShiftEdit(Schema):
    driver_user_id: int | None = None
    starts_at: str = Field(default="", max_length=5)  # HH:MM, China time
    ends_at: str = Field(default="", max_length=5)
    crew: str = Field(default="", max_length=80)


def update_vehicle(session: Session, scope: Scope, vehicle_id: int, data: VehicleEdit) -> Vehicle:
    repo.require_function(session, scope, "dispatcher")
    vehicle = repo.get_vehicle(session, scope, vehicle_id)
    fleet.check_capacity(data.capacity_kg, data.capacity_m3)
    before = {"depot": vehicle.depot_site_id, "kg": vehicle.capacity_weight_g // 1000, "status": vehicle.status}
    vehicle.depot_site_id = fleet.depot_of(session, scope, data.depot_site_id, "depot_site_id")
    vehicle.capacity_weight_g = data.capacity_kg * 1000
    vehicle.capacity_volume_l = max(1, round(data.capacity_m3 * 1000))
    vehicle.status = data.status
    session.flush()
    audit.record(session, actor=scope.username, action="recycling.vehicle.update", entity="recycling_vehicle",
                 entity_id=vehicle.id, city_code=scope.city_code,
                 detail={"plate": vehicle.plate, "before": before, "status": data.status})
    return vehicle


def _stops_under_way(session: Session, shift: Shift) -> int:
    """Stops of the shift's current route whose booking the crew has already started."""
    return len(session.scalars(
        select(RouteStop.id).join(RoutePlan, RoutePlan.id == RouteStop.plan_id)
        .join(Booking, Booking.id == RouteStop.booking_id)
        .where(RouteStop.shift_id == shift.id, RoutePlan.status == "current",
               Booking.status.in_(tuple(UNDER_WAY)))).all())


def is_planned(session: Session, shift: Shift) -> bool:
    return session.scalar(select(RouteStop.id).where(RouteStop.shift_id == shift.id).limit(1)) is not None


def update_shift(session: Session, scope: Scope, shift_id: int, data: ShiftEdit) -> tuple[Shift, str]:
    """The changed shift and what the dispatcher should do next ("" or a request to re-plan)."""
    repo.require_function(session, scope, "dispatcher")
    shift = repo.get_shift(session, scope, shift_id)
    starts = fleet.clock(data.starts_at, shift.work_date, "starts_at", "开始时间")
    ends = fleet.clock(data.ends_at, shift.work_date, "ends_at", "结束时间")
    if ends <= starts:
        raise InvalidInput("结束时间必须晚于开始时间", field="ends_at")
    moved = (starts, ends) != (fleet.aware_at(shift.starts_at), fleet.aware_at(shift.ends_at))
    if moved and _stops_under_way(session, shift):
        raise Conflict("该班次已有站点在执行中，不能修改时间；可修改司机和随车人员", field="starts_at")
    fleet.check_driver(session, scope, data.driver_user_id)
    fleet.check_no_clash(session, shift.vehicle_id, shift.work_date, starts, ends, field="starts_at",
                         plate=repo.get_vehicle(session, scope, shift.vehicle_id).plate, other_than=shift.id)
    shift.starts_at, shift.ends_at = starts, ends
    shift.driver_user_id, shift.crew = data.driver_user_id, data.crew.strip()
    session.flush()
    audit.record(session, actor=scope.username, action="recycling.shift.update", entity="recycling_shift",
                 entity_id=shift.id, city_code=scope.city_code,
                 detail={"starts_at": data.starts_at, "ends_at": data.ends_at})
    return shift, REPLAN if moved and is_planned(session, shift) else ""


def remove_shift(session: Session, scope: Scope, shift_id: int) -> None:
    repo.require_function(session, scope, "dispatcher")
    shift = repo.get_shift(session, scope, shift_id)
    if is_planned(session, shift):
        raise Conflict("该班次已排入当天的线路计划，不能删除；可修改时间、司机，或将车辆设为维修后重新排线",
                       field="shift_id")
    audit.record(session, actor=scope.username, action="recycling.shift.remove", entity="recycling_shift",
                 entity_id=shift.id, city_code=scope.city_code, detail={"day": shift.work_date.isoformat()})
    session.delete(shift)
    session.flush()
