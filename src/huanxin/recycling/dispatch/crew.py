"""The driver's day (今日线路): only the stops of the driver's own shifts in the current plan, in
order, with the resident's address in full (the assigned crew on the day is the one reader of it)
and the phone masked; and the three moves the crew makes at the door: 出发, 到达, 未遇到居民."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput, NotFound
from huanxin.kit import pii
from huanxin.kit.clock import CHINA, aware
from huanxin.orgs.scope import Scope
from huanxin.recycling import repository as repo
from huanxin.recycling.bookings import status
from huanxin.recycling.dispatch.day import current_plan
from huanxin.recycling.models import Booking, RouteStop, Shift, Vehicle

ACTIONS: dict[str, tuple[str, str]] = {  # action → (status it moves to, the button's words)
    "depart": ("on_the_way", "出发"),
    "arrive": ("arrived", "到达"),
    "absent": ("no_show", "未遇到居民"),
}
# Which button a stop shows, by its booking's status.
NEXT_ACTION = {"assigned": "depart", "on_the_way": "arrive", "arrived": "absent"}


@dataclass(frozen=True)
class CrewStop:
    stop: RouteStop
    booking: Booking | None
    address: str
    phone: str
    action: str | None


@dataclass(frozen=True)
class CrewRoute:
    shift: Shift
    vehicle: Vehicle
    stops: list[CrewStop]


def _reveal(token: str | None, fallback: str, mask: bool = False) -> str:
    if not token:
        return fallback
    try:
        text = pii.decrypt(token)
    except Exception:  # noqa: BLE001 — a row written without the key (old demo data): show the mask
        return fallback
    return pii.mask_phone(text) if mask else text


def _own_shifts(session: Session, scope: Scope, unit_id: int, day: dt.date) -> list[Shift]:
    own = select(Vehicle.id).where(Vehicle.recycler_unit_id == unit_id)
    return list(session.scalars(select(Shift).where(Shift.city_code == scope.city_code, Shift.work_date == day,
                                                    Shift.driver_user_id == scope.user_id,
                                                    Shift.vehicle_id.in_(own)).order_by(Shift.starts_at)))


def driver_day(session: Session, scope: Scope, day: dt.date) -> list[CrewRoute]:
    unit_id = repo.require_function(session, scope, "driver")
    plan = current_plan(session, scope.city_code, unit_id, day)
    routes = []
    for shift in _own_shifts(session, scope, unit_id, day):
        vehicle = repo.get_vehicle(session, scope, shift.vehicle_id)
        stops = [] if plan is None else list(session.scalars(select(RouteStop).where(
            RouteStop.plan_id == plan.id, RouteStop.shift_id == shift.id).order_by(RouteStop.seq)))
        shown = []
        for stop in stops:
            booking = repo.get_booking(session, scope, stop.booking_id) if stop.booking_id else None
            address = _reveal(booking.address_enc, booking.address_masked) if booking else ""
            shown.append(CrewStop(stop, booking, address, _reveal(booking.phone_enc, "", mask=True) if booking else "",
                                  NEXT_ACTION.get(booking.status) if booking else None))
        routes.append(CrewRoute(shift, vehicle, shown))
    return routes


def progress(session: Session, scope: Scope, booking_id: int, action: str) -> Booking:
    """The driver moves a stop of their own route in the current plan; anyone else's reads 404."""
    unit_id = repo.require_function(session, scope, "driver")
    if action not in ACTIONS:
        raise InvalidInput("请选择出发、到达或未遇到居民", field="action")
    booking = repo.get_booking(session, scope, booking_id, lock=True)
    day = aware(booking.window_start).astimezone(CHINA).date()
    plan = current_plan(session, scope.city_code, unit_id, day)
    shifts = {s.id for s in _own_shifts(session, scope, unit_id, day)}
    mine = plan is not None and shifts and session.scalar(select(RouteStop.id).where(
        RouteStop.plan_id == plan.id, RouteStop.booking_id == booking.id, RouteStop.shift_id.in_(shifts)))
    if not mine:
        raise NotFound("未找到该预约")
    to, words = ACTIONS[action]
    if action == "absent":
        if booking.status != "arrived":
            raise InvalidInput("到达后才能登记未遇到居民", field="action")
        booking.no_show_party = "resident"
    status.move(session, booking, to, actor_user_id=scope.user_id, actor=scope.username, note=f"收运员：{words}")
    return booking
