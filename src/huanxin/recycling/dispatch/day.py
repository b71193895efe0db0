"""Planning a recycler's day: the day's open bookings and shifts → a `DispatchProblem` → PyVRP
(solve.plan_routes) → an independent check (check.check_plan) → a saved `RoutePlan` with its stops.

- A shift is the solver's vehicle (a vehicle may work two shifts a day); its depot is the vehicle's
  depot site, its reload depots the shift's reload sites.
- Times are seconds from the day's midnight, China time; a booking's window end is the latest
  arrival (what the resident was promised).
- Re-planning: the stops of the current plan whose bookings are already under way or done
  (on_the_way, arrived, weighed, settled) stay at the head of their shift's route, in their order;
  the current plan is marked superseded (its record kept) and the new one becomes current.
- A plan that fails the check is refused (409) and nothing is written: no plan, no status moved.
- Served bookings move to "assigned" (or are re-assigned when their shift changed) through
  status.move; a booking left out stays or goes back to "booked", and the plan lists it with the
  solver's reason."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.db import is_postgres
from huanxin.errors import Conflict, InvalidInput
from huanxin.kit.clock import CHINA, aware, now
from huanxin.orgs.models import Unit
from huanxin.orgs.scope import Scope
from huanxin.recycling import repository as repo
from huanxin.recycling.bookings import status
from huanxin.recycling.dispatch import problem as p
from huanxin.recycling.dispatch.check import check_plan
from huanxin.recycling.dispatch.solve import plan_routes
from huanxin.recycling.dispatch.travel import Haversine
from huanxin.recycling.models import Booking, BookingItem, RoutePlan, RouteStop, Shift, Site, Vehicle

DEFAULT_SECONDS = 2.0
MAX_SECONDS = 120.0
OPEN = ("booked", "assigned")
UNDER_WAY = frozenset({"on_the_way", "arrived", "weighed", "settled"})
# What a piece weighs and takes up when the resident gave no volume: a typical household unit
# (a planning figure, not a price basis; the scale decides what is paid).
PIECE_WEIGHT_G = {"air_conditioner": 45_000, "refrigerator": 60_000, "washing_machine": 50_000,
                  "television": 20_000, "computer": 10_000, "phone": 200, "furniture": 30_000}
PIECE_VOLUME_L = {"air_conditioner": 300, "refrigerator": 500, "washing_machine": 350, "television": 150,
                  "computer": 60, "phone": 1, "furniture": 600}
LITRES_PER_KG = 3  # loose paper, plastic, textiles: a bag of about 3 litres per kilogram
TRAVEL = Haversine()


@dataclass(frozen=True)
class _Day:
    """What the problem was built from, to turn the solver's ids back into rows."""

    origin: dt.datetime
    shifts: dict[str, Shift]
    vehicles: dict[int, Vehicle]
    bookings: dict[str, Booking]
    fixed: dict[str, tuple[str, ...]]


def origin_of(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=CHINA)


def _seconds(at: dt.datetime, origin: dt.datetime) -> int:
    return int((aware(at) - origin).total_seconds())


def check_seconds(seconds: float | None) -> float:
    if seconds is None:
        return DEFAULT_SECONDS
    if not 0 < seconds <= MAX_SECONDS:
        raise InvalidInput(f"求解时间必须大于0且不超过{MAX_SECONDS:.0f}秒", field="seconds")
    return float(seconds)


def current_plan(session: Session, city_code: str, unit_id: int, day: dt.date) -> RoutePlan | None:
    return session.scalar(select(RoutePlan).where(
        RoutePlan.city_code == city_code, RoutePlan.recycler_unit_id == unit_id, RoutePlan.work_date == day,
        RoutePlan.status == "current").order_by(RoutePlan.version.desc()).limit(1))


def plans_of_day(session: Session, scope: Scope, day: dt.date) -> list[RoutePlan]:
    unit_id = repo.recycler_unit(scope)
    return list(session.scalars(select(RoutePlan).where(
        RoutePlan.city_code == scope.city_code, RoutePlan.recycler_unit_id == unit_id,
        RoutePlan.work_date == day).order_by(RoutePlan.version.desc())))


def stops_of(session: Session, plan: RoutePlan) -> list[RouteStop]:
    return list(session.scalars(select(RouteStop).where(RouteStop.plan_id == plan.id)
                                .order_by(RouteStop.shift_id, RouteStop.seq)))


def day_shifts(session: Session, city_code: str, unit_id: int, day: dt.date) -> list[tuple[Shift, Vehicle]]:
    rows = session.execute(select(Shift, Vehicle).join(Vehicle, Vehicle.id == Shift.vehicle_id).where(
        Shift.city_code == city_code, Shift.work_date == day, Vehicle.recycler_unit_id == unit_id,
        Vehicle.status == "active").order_by(Shift.starts_at, Shift.id))
    return [(s, v) for s, v in rows.tuples()]


def day_bookings(session: Session, city_code: str, unit_id: int, day: dt.date) -> list[Booking]:
    origin = origin_of(day)
    return list(session.scalars(select(Booking).where(
        Booking.city_code == city_code, Booking.recycler_unit_id == unit_id,
        Booking.window_start >= origin, Booking.window_start < origin + dt.timedelta(days=1))
        .order_by(Booking.window_start, Booking.id)))


def _demand(session: Session, booking: Booking) -> tuple[int, int]:
    weight = volume = 0
    for item in session.scalars(select(BookingItem).where(BookingItem.booking_id == booking.id)):
        if item.unit == "piece":
            grams = PIECE_WEIGHT_G.get(item.category, 20_000) * item.estimated_quantity
            litres = item.estimated_volume_l or PIECE_VOLUME_L.get(item.category, 200) * item.estimated_quantity
        else:
            grams = item.estimated_quantity
            litres = item.estimated_volume_l or -(-grams * LITRES_PER_KG // 1000)
        weight, volume = weight + grams, volume + litres
    return weight, volume


def _fixed_prefixes(session: Session, previous: RoutePlan | None) -> dict[str, tuple[str, ...]]:
    """Per shift, the bookings of the current plan already under way or done, in route order."""
    if previous is None:
        return {}
    prefixes: dict[str, list[str]] = {}
    for stop in stops_of(session, previous):
        if stop.kind != "booking" or stop.booking_id is None:
            continue
        booking = session.get(Booking, stop.booking_id)
        if booking is not None and booking.status in UNDER_WAY:
            prefixes.setdefault(f"s{stop.shift_id}", []).append(f"b{booking.id}")
    return {k: tuple(v) for k, v in prefixes.items()}


def build(session: Session, city_code: str, unit_id: int, day: dt.date,
          as_of: dt.datetime | None = None) -> tuple[p.DispatchProblem, _Day]:
    origin = origin_of(day)
    previous = current_plan(session, city_code, unit_id, day)
    shifts = day_shifts(session, city_code, unit_id, day)
    fixed = {k: v for k, v in _fixed_prefixes(session, previous).items() if k in {f"s{s.id}" for s, _ in shifts}}
    pinned = {b for ids in fixed.values() for b in ids}
    bookings = {f"b{b.id}": b for b in day_bookings(session, city_code, unit_id, day)
                if b.status in OPEN or f"b{b.id}" in pinned}
    site_ids = {v.depot_site_id for _, v in shifts} | {r for s, _ in shifts for r in s.reload_site_ids}
    sites = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_(site_ids)))} if site_ids else {}
    depots = tuple(p.Depot(f"site{s.id}", s.lon, s.lat) for s in sites.values())
    stops = []
    for sid, b in bookings.items():
        weight, volume = _demand(session, b)
        stops.append(p.Stop(sid, b.lon, b.lat, max(0, _seconds(b.window_start, origin)),
                            max(0, _seconds(b.window_end, origin)), b.service_minutes * 60, weight, volume))
    # Planning today, a route not yet under way cannot start in the past: it starts now at the
    # earliest (a route with a fixed prefix is walked from its shift start, as the check walks it).
    moment = as_of or now()
    clock = max(0, _seconds(moment, origin)) if origin <= moment < origin + dt.timedelta(days=1) else 0
    vehicles = tuple(p.Vehicle(f"s{s.id}", f"site{v.depot_site_id}", v.capacity_weight_g, v.capacity_volume_l,
                               _seconds(s.starts_at, origin) if f"s{s.id}" in fixed
                               else max(_seconds(s.starts_at, origin), clock), _seconds(s.ends_at, origin),
                               tuple(f"site{r}" for r in s.reload_site_ids if r in sites), fixed.get(f"s{s.id}", ()))
                     for s, v in shifts)
    problem = p.DispatchProblem(depots, tuple(stops), vehicles, TRAVEL)
    return problem, _Day(origin, {f"s{s.id}": s for s, _ in shifts}, {v.id: v for _, v in shifts}, bookings, fixed)


def plan_day(session: Session, scope: Scope, day: dt.date, seconds: float | None = None) -> RoutePlan:
    """The dispatcher plans (or re-plans) their recycler's day."""
    unit_id = repo.require_function(session, scope, "dispatcher")
    return run(session, scope.city_code, unit_id, day, check_seconds(seconds),
               actor_user_id=scope.user_id, actor=scope.username)


def run(session: Session, city_code: str, unit_id: int, day: dt.date, seconds: float, *,
        actor_user_id: int | None, actor: str, as_of: dt.datetime | None = None) -> RoutePlan:
    """Plan a day for a recycler (the dispatcher's request, or the command line's); `as_of`: the
    moment the plan is made (default now; the demo plans today as on the eve of it)."""
    if is_postgres(session):  # two planning runs of one recycler at once would leave two current plans
        session.execute(select(Unit.id).where(Unit.id == unit_id).with_for_update())
    problem, built = build(session, city_code, unit_id, day, as_of)
    if not problem.vehicles and not problem.stops:
        raise InvalidInput(f"{day:%Y年%m月%d日}既没有班次也没有待派预约，无需排线", field="day")
    solved = plan_routes(problem, seconds=seconds)
    faults = check_plan(problem, solved)
    if faults:  # never saved: the dispatcher sees why and plans again
        raise Conflict("线路计划未通过校验，未保存：" + "；".join(faults[:5]), field="day")
    previous = current_plan(session, city_code, unit_id, day)
    if previous is not None:
        previous.status = "superseded"
    plan = RoutePlan(city_code=city_code, recycler_unit_id=unit_id, work_date=day,
                     version=(previous.version + 1) if previous else 1, status="current",
                     distance_m=solved.total_distance, duration_s=solved.total_duration, lateness_s=solved.lateness,
                     unserved=[{"booking_id": built.bookings[u.stop_id].id,
                                "booking_no": status.booking_no(built.bookings[u.stop_id]), "reason": u.reason}
                               for u in solved.unserved],
                     solver={"seconds": seconds, "seed": 1, "travel": "直线距离×1.3，时速25公里",
                             "replaces": previous.id if previous else None},
                     created_by_user_id=actor_user_id, created_at=now())
    session.add(plan)
    session.flush()
    served = _save_stops(session, plan, solved, built)
    _move_bookings(session, built, served, {u.stop_id: u.reason for u in solved.unserved}, previous,
                   actor_user_id=actor_user_id, actor=actor)
    return plan


def _save_stops(session: Session, plan: RoutePlan, solved: p.DispatchPlan, built: _Day) -> dict[str, Shift]:
    at = built.origin
    served: dict[str, Shift] = {}
    for route in solved.routes:
        shift = built.shifts[route.vehicle_id]
        vehicle = built.vehicles[shift.vehicle_id]
        fixed = built.fixed.get(route.vehicle_id, ())
        for seq, visit in enumerate(route.visits, start=1):
            booking = built.bookings.get(visit.ref) if visit.kind == "stop" else None
            session.add(RouteStop(
                plan_id=plan.id, vehicle_id=vehicle.id, shift_id=shift.id, seq=seq,
                kind="booking" if booking else "reload", booking_id=booking.id if booking else None,
                site_id=None if booking else int(visit.ref.removeprefix("site")),
                arrive_at=at + dt.timedelta(seconds=visit.arrival), start_at=at + dt.timedelta(seconds=visit.start),
                depart_at=at + dt.timedelta(seconds=visit.departure), load_weight_g=visit.load_weight_g,
                load_volume_l=visit.load_volume_l, fixed=seq <= len(fixed)))
            if booking is not None:
                served[visit.ref] = shift
        end = at + dt.timedelta(seconds=route.end)
        session.add(RouteStop(plan_id=plan.id, vehicle_id=vehicle.id, shift_id=shift.id, seq=len(route.visits) + 1,
                              kind="end", site_id=vehicle.depot_site_id, arrive_at=end, start_at=end, depart_at=end,
                              load_weight_g=0, load_volume_l=0, fixed=False))
    session.flush()
    return served


def _move_bookings(session: Session, built: _Day, served: dict[str, Shift], reasons: dict[str, str],
                   previous: RoutePlan | None, *, actor_user_id: int | None, actor: str) -> None:
    before = {s.booking_id: s.shift_id for s in stops_of(session, previous) if s.booking_id} if previous else {}
    for sid, booking in built.bookings.items():
        if booking.status not in OPEN:
            continue  # a fixed stop: already under way, its status is the crew's
        shift = served.get(sid)
        if shift is not None:
            plate = built.vehicles[shift.vehicle_id].plate
            if booking.status == "booked":
                status.move(session, booking, "assigned", actor_user_id=actor_user_id, actor=actor,
                            note=f"派给车辆 {plate}")
            elif before.get(booking.id) != shift.id:
                status.move(session, booking, "assigned", actor_user_id=actor_user_id, actor=actor,
                            note=f"改派车辆 {plate}")
        elif booking.status == "assigned":
            status.move(session, booking, "booked", actor_user_id=actor_user_id, actor=actor,
                        note=f"重新排线未能派单：{reasons.get(sid, '')}")


def plan_summary(session: Session, plan: RoutePlan) -> dict[str, Any]:
    """The plan as the API, the pages and the command line show it: routes in order, loads, times."""
    stops = stops_of(session, plan)
    shifts = {s.id: s for s in session.scalars(select(Shift).where(Shift.id.in_({x.shift_id for x in stops})))}
    vehicles = {v.id: v for v in session.scalars(select(Vehicle).where(Vehicle.id.in_({x.vehicle_id for x in stops})))}
    ids = {x.booking_id for x in stops if x.booking_id} | {u["booking_id"] for u in plan.unserved}
    bookings = {b.id: b for b in session.scalars(select(Booking).where(Booking.id.in_(ids)))} if ids else {}
    site_ids = {x.site_id for x in stops if x.site_id}
    sites = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_(site_ids)))} if site_ids else {}
    routes: list[dict[str, Any]] = []
    for shift_id in dict.fromkeys(x.shift_id for x in stops):
        own = [x for x in stops if x.shift_id == shift_id]
        shift, vehicle = shifts[shift_id], vehicles[own[0].vehicle_id]
        routes.append({"shift_id": shift_id, "vehicle_id": vehicle.id, "plate": vehicle.plate,
                       "driver_user_id": shift.driver_user_id,
                       "starts_at": aware(shift.starts_at).isoformat(), "ends_at": aware(shift.ends_at).isoformat(),
                       "capacity_weight_g": vehicle.capacity_weight_g, "capacity_volume_l": vehicle.capacity_volume_l,
                       "max_load_weight_g": max((x.load_weight_g for x in own), default=0),
                       "max_load_volume_l": max((x.load_volume_l for x in own), default=0),
                       "stops": [_stop_out(x, bookings, sites) for x in own]})
    return {"id": plan.id, "work_date": plan.work_date.isoformat(), "version": plan.version, "status": plan.status,
            "status_label": "当前" if plan.status == "current" else "已被替代", "distance_m": plan.distance_m,
            "duration_s": plan.duration_s, "lateness_s": plan.lateness_s, "solver": plan.solver,
            "routes": routes, "unserved": plan.unserved}


def _stop_out(stop: RouteStop, bookings: dict[int, Booking], sites: dict[int, Site]) -> dict[str, Any]:
    booking = bookings.get(stop.booking_id) if stop.booking_id else None
    site = sites.get(stop.site_id) if stop.site_id else None
    out: dict[str, Any] = {"seq": stop.seq, "kind": stop.kind,
                           "kind_label": {"booking": "上门", "reload": "卸货", "end": "返回场站"}[stop.kind],
                           "arrive_at": aware(stop.arrive_at).isoformat(), "start_at": aware(stop.start_at).isoformat(),
                           "depart_at": aware(stop.depart_at).isoformat(), "load_weight_g": stop.load_weight_g,
                           "load_volume_l": stop.load_volume_l, "fixed": stop.fixed,
                           "site_name": site.name if site else None}
    if booking is not None:
        out |= {"booking_id": booking.id, "booking_no": status.booking_no(booking),
                "window": status.window_text(booking), "booking_status": booking.status,
                "booking_status_label": status.STATUS_LABELS[booking.status], "address": booking.address_masked}
    return out
