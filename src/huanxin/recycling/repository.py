"""Every scoped query of recycling: which bookings, sites, vehicles, shifts and plans the signed-in
user may see or change. Another city's object answers 404 (its existence is not ours to reveal);
an object of the caller's city that the caller's unit does not own answers 404 as well, so that
ids cannot be probed; a role that may not act at all answers 403.

Who sees what:
- a resident: the bookings they made;
- a retailer: the 送新收旧 bookings its own users made;
- a recycler (role recycler, unit = the recycler): its own bookings, sites, fleet, shifts, plans,
  price list; `RecyclerStaff` says which of its users dispatch, drive or staff a station;
- the supervisors (office, city leaders, the commerce bureau's reviewers, departments): the
  whole city, read only (personal data masked)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from huanxin.db import is_postgres
from huanxin.errors import Forbidden, NotFound
from huanxin.orgs.models import Unit, User
from huanxin.orgs.roles import CITY_WIDE_READERS, Role
from huanxin.orgs.scope import Scope
from huanxin.recycling.models import Booking, RecyclerStaff, RoutePlan, Shift, Site, Vehicle

SUPERVISORS = CITY_WIDE_READERS | {Role.REVIEWER, Role.DEPARTMENT}
STAFF_FUNCTIONS = {"dispatcher": "调度员", "driver": "司机（收运员）", "station": "站点人员"}


def _lock(session: Session, stmt: Select[Any]) -> Select[Any]:
    return stmt.with_for_update() if is_postgres(session) else stmt


def is_supervisor(scope: Scope) -> bool:
    return scope.role in SUPERVISORS


def recycler_unit(scope: Scope) -> int:
    """The recycler the caller works for, or 403."""
    if scope.role != Role.RECYCLER or scope.unit_id is None:
        raise Forbidden("只有回收企业的人员可以执行此操作")
    return scope.unit_id


def staff_functions(session: Session, scope: Scope) -> set[str]:
    if scope.role != Role.RECYCLER or scope.unit_id is None:
        return set()
    return set(session.scalars(select(RecyclerStaff.function).where(
        RecyclerStaff.user_id == scope.user_id, RecyclerStaff.unit_id == scope.unit_id)))


def require_function(session: Session, scope: Scope, function: str) -> int:
    """The caller's recycler, when the caller holds `function` there (dispatcher, driver, station)."""
    unit_id = recycler_unit(scope)
    if function not in staff_functions(session, scope):
        raise Forbidden(f"只有回收企业的{STAFF_FUNCTIONS[function]}可以执行此操作")
    return unit_id


# ---- bookings -----------------------------------------------------------------------------------

def bookings_visible(scope: Scope) -> Select[Any]:
    """The bookings the caller may read, as a query to narrow further (never widen)."""
    stmt = select(Booking).where(Booking.city_code == scope.city_code)
    if scope.role == Role.RESIDENT:
        return stmt.where(Booking.booked_by_user_id == scope.user_id)
    if scope.role == Role.RETAILER and scope.unit_id is not None:
        own_users = select(User.id).where(User.unit_id == scope.unit_id)
        return stmt.where(Booking.source == "trade_in", Booking.booked_by_user_id.in_(own_users))
    if scope.role == Role.RECYCLER and scope.unit_id is not None:
        return stmt.where(Booking.recycler_unit_id == scope.unit_id)
    if is_supervisor(scope):
        return stmt
    raise Forbidden("您的角色无权查看上门回收预约")


def get_booking(session: Session, scope: Scope, booking_id: int, *, lock: bool = False) -> Booking:
    stmt = bookings_visible(scope).where(Booking.id == booking_id)
    booking: Booking | None = session.scalar(_lock(session, stmt) if lock else stmt)
    if booking is None:
        raise NotFound("未找到该预约")
    return booking


# ---- recyclers and their staff (weighing, prices) -------------------------------------------------

def recyclers_of_city(session: Session, city_code: str) -> list[Unit]:
    return list(session.scalars(select(Unit).where(Unit.city_code == city_code, Unit.kind == "recycler")
                                .order_by(Unit.name)))


def get_recycler(session: Session, scope: Scope, unit_id: int) -> Unit:
    """A recycler of the caller's city (its price list is read by the city's supervisors)."""
    unit = session.get(Unit, unit_id)
    if unit is None or unit.city_code != scope.city_code or unit.kind != "recycler":
        raise NotFound("未找到该回收企业")
    return unit


def station_site_of(session: Session, scope: Scope) -> int | None:
    """The site of the caller's station staff row (where a station weighing takes place)."""
    return session.scalar(select(RecyclerStaff.site_id).where(
        RecyclerStaff.user_id == scope.user_id, RecyclerStaff.function == "station").limit(1))


# ---- network and fleet --------------------------------------------------------------------------

def get_site(session: Session, scope: Scope, site_id: int, *, own: bool = False) -> Site:
    """A site of the caller's city (the network is public within the city); `own`: one the
    caller's recycler operates (what it may change)."""
    site = session.get(Site, site_id)
    if site is None or site.city_code != scope.city_code:
        raise NotFound("未找到该回收站点")
    if own and site.operator_unit_id != recycler_unit(scope):
        raise NotFound("未找到该回收站点")
    return site


def get_vehicle(session: Session, scope: Scope, vehicle_id: int) -> Vehicle:
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None or vehicle.city_code != scope.city_code or not _owns(scope, vehicle.recycler_unit_id):
        raise NotFound("未找到该车辆")
    return vehicle


def get_shift(session: Session, scope: Scope, shift_id: int) -> Shift:
    shift = session.get(Shift, shift_id)
    if shift is None or shift.city_code != scope.city_code:
        raise NotFound("未找到该班次")
    get_vehicle(session, scope, shift.vehicle_id)
    return shift


def get_plan(session: Session, scope: Scope, plan_id: int) -> RoutePlan:
    plan = session.get(RoutePlan, plan_id)
    if plan is None or plan.city_code != scope.city_code or not _owns(scope, plan.recycler_unit_id):
        raise NotFound("未找到该线路计划")
    return plan


def _owns(scope: Scope, recycler_unit_id: int) -> bool:
    """The recycler itself, or a supervisor of its city (read only: writes check recycler_unit)."""
    if scope.role == Role.RECYCLER:
        return scope.unit_id == recycler_unit_id
    return is_supervisor(scope)
