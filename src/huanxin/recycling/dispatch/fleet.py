"""The recycler's fleet as its dispatcher manages it: vehicles (plate, capacity, depot) and the day's
shifts (vehicle, driver, start and end). Every input is checked before anything is written, and a
refusal names the field in Chinese; another recycler's vehicle or site reads as unknown (the same
words as one that does not exist, so ids cannot be probed)."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput, NotFound
from huanxin.kit import audit
from huanxin.kit.clock import CHINA, aware
from huanxin.kit.limits import Schema
from huanxin.orgs.models import User
from huanxin.orgs.scope import Scope
from huanxin.recycling import repository as repo
from huanxin.recycling.models import RecyclerStaff, Shift, Vehicle
from huanxin.recycling.vocab import DEPOT_LEVELS

MAX_CAPACITY_KG = 50_000  # a heavy truck; anything above is a typing error
MAX_CAPACITY_M3 = 200
_PLATE = re.compile(r"[\u4e00-\u9fa5][A-Z][A-Z0-9]{5,6}")  # 川A12345, 新能源 川AD12345
_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


class VehicleInput(Schema):
    plate: str = Field(default="", max_length=12)
    depot_site_id: int = 0
    capacity_kg: int = 0
    capacity_m3: float = 0


class ShiftInput(Schema):
    vehicle_id: int = 0
    driver_user_id: int | None = None
    work_date: dt.date
    starts_at: str = Field(default="", max_length=5)  # HH:MM, China time
    ends_at: str = Field(default="", max_length=5)
    crew: str = Field(default="", max_length=80)
    reload_site_ids: list[int] = Field(default_factory=list, max_length=10)


def vehicles_of(session: Session, scope: Scope) -> list[Vehicle]:
    unit_id = repo.recycler_unit(scope)
    return list(session.scalars(select(Vehicle).where(Vehicle.city_code == scope.city_code,
                                                      Vehicle.recycler_unit_id == unit_id).order_by(Vehicle.plate)))


def shifts_of(session: Session, scope: Scope, day: dt.date) -> list[Shift]:
    unit_id = repo.recycler_unit(scope)
    own = select(Vehicle.id).where(Vehicle.city_code == scope.city_code, Vehicle.recycler_unit_id == unit_id)
    return list(session.scalars(select(Shift).where(Shift.city_code == scope.city_code, Shift.work_date == day,
                                                    Shift.vehicle_id.in_(own)).order_by(Shift.starts_at, Shift.id)))


def drivers_of(session: Session, scope: Scope) -> list[User]:
    unit_id = repo.recycler_unit(scope)
    ids = select(RecyclerStaff.user_id).where(RecyclerStaff.unit_id == unit_id, RecyclerStaff.function == "driver")
    return list(session.scalars(select(User).where(User.id.in_(ids)).order_by(User.username)))


def depot_of(session: Session, scope: Scope, site_id: int, field: str) -> int:
    """An operating station or centre of the caller's recycler (where a vehicle starts or unloads)."""
    try:
        site = repo.get_site(session, scope, site_id, own=True)
    except NotFound:
        raise InvalidInput("未找到该场站，请选择本企业的中转站或分拣中心", field=field) from None
    if site.level not in DEPOT_LEVELS or site.status != "operating":
        raise InvalidInput(f"“{site.name}”不是运营中的中转站或分拣中心，不能作为场站", field=field)
    return site.id


def check_capacity(capacity_kg: int, capacity_m3: float) -> None:
    if not 0 < capacity_kg <= MAX_CAPACITY_KG:
        raise InvalidInput(f"载重必须大于0且不超过{MAX_CAPACITY_KG}公斤", field="capacity_kg")
    if not 0 < capacity_m3 <= MAX_CAPACITY_M3:
        raise InvalidInput(f"容积必须大于0且不超过{MAX_CAPACITY_M3}立方米", field="capacity_m3")


def add_vehicle(session: Session, scope: Scope, data: VehicleInput) -> Vehicle:
    unit_id = repo.require_function(session, scope, "dispatcher")
    plate = data.plate.strip().upper().replace(" ", "").replace("·", "")
    if not _PLATE.fullmatch(plate):
        raise InvalidInput("车牌号格式不正确，例如 川A12345", field="plate")
    if session.scalar(select(Vehicle.id).where(Vehicle.city_code == scope.city_code, Vehicle.plate == plate)):
        raise InvalidInput(f"车牌号 {plate} 已登记", field="plate")
    check_capacity(data.capacity_kg, data.capacity_m3)
    depot = depot_of(session, scope, data.depot_site_id, "depot_site_id")
    vehicle = Vehicle(city_code=scope.city_code, recycler_unit_id=unit_id, plate=plate, depot_site_id=depot,
                      capacity_weight_g=data.capacity_kg * 1000,
                      capacity_volume_l=max(1, round(data.capacity_m3 * 1000)), status="active")
    session.add(vehicle)
    session.flush()
    audit.record(session, actor=scope.username, action="recycling.vehicle.add", entity="recycling_vehicle",
                 entity_id=vehicle.id, city_code=scope.city_code, detail={"plate": plate})
    return vehicle


def clock(text: str, day: dt.date, field: str, label: str) -> dt.datetime:
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        raise InvalidInput(f"{label}“{text[:10]}”不是有效时间，请按 08:30 格式填写", field=field)
    return dt.datetime(day.year, day.month, day.day, int(match.group(1)), int(match.group(2)), tzinfo=CHINA)


def aware_at(at: dt.datetime) -> dt.datetime:
    """A stored time as an aware China time, to compare with times read from a form."""
    return aware(at).astimezone(CHINA)


def check_driver(session: Session, scope: Scope, driver_user_id: int | None) -> None:
    if driver_user_id is not None and driver_user_id not in {u.id for u in drivers_of(session, scope)}:
        raise InvalidInput("所选司机不是本企业登记的司机（收运员）", field="driver_user_id")


def check_no_clash(session: Session, vehicle_id: int, day: dt.date, starts: dt.datetime, ends: dt.datetime, *,
                   field: str, plate: str, other_than: int | None = None) -> None:
    """A vehicle works one shift at a time."""
    query = select(Shift.id).where(Shift.vehicle_id == vehicle_id, Shift.work_date == day,
                                   Shift.starts_at < ends, Shift.ends_at > starts)
    if other_than is not None:
        query = query.where(Shift.id != other_than)
    if session.scalar(query.limit(1)):
        raise InvalidInput(f"车辆 {plate} 当天该时段已有班次", field=field)


def add_shift(session: Session, scope: Scope, data: ShiftInput) -> Shift:
    repo.require_function(session, scope, "dispatcher")
    try:
        vehicle = repo.get_vehicle(session, scope, data.vehicle_id)
    except NotFound:
        raise InvalidInput("未找到该车辆，请选择本企业的车辆", field="vehicle_id") from None
    if vehicle.status != "active":
        raise InvalidInput(f"车辆 {vehicle.plate} 不在运营状态，不能排班", field="vehicle_id")
    starts = clock(data.starts_at, data.work_date, "starts_at", "开始时间")
    ends = clock(data.ends_at, data.work_date, "ends_at", "结束时间")
    if ends <= starts:
        raise InvalidInput("结束时间必须晚于开始时间", field="ends_at")
    check_driver(session, scope, data.driver_user_id)
    reloads = [depot_of(session, scope, sid, "reload_site_ids") for sid in dict.fromkeys(data.reload_site_ids)]
    check_no_clash(session, vehicle.id, data.work_date, starts, ends, field="starts_at", plate=vehicle.plate)
    shift = Shift(city_code=scope.city_code, vehicle_id=vehicle.id, work_date=data.work_date, starts_at=starts,
                  ends_at=ends, driver_user_id=data.driver_user_id, crew=data.crew.strip(), reload_site_ids=reloads)
    session.add(shift)
    session.flush()
    audit.record(session, actor=scope.username, action="recycling.shift.add", entity="recycling_shift",
                 entity_id=shift.id, city_code=scope.city_code,
                 detail={"vehicle": vehicle.plate, "day": data.work_date.isoformat()})
    return shift
