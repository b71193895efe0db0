"""JSON API of the fleet and the day's plans (/api/v1). A recycler's dispatcher writes; the
recycler's users read their own; another recycler's vehicle or plan answers 404.

    GET  /recycling/vehicles
    POST /recycling/vehicles                {plate, depot_site_id, capacity_kg, capacity_m3}
    PUT  /recycling/vehicles/{id}           {depot_site_id, capacity_kg, capacity_m3, status: active|repair|retired}
    GET  /recycling/shifts?day=
    POST /recycling/shifts                  {vehicle_id, driver_user_id, work_date, starts_at, ends_at, crew,
                                             reload_site_ids}
    PUT  /recycling/shifts/{id}             {driver_user_id, starts_at, ends_at, crew} (next: "" or re-plan)
    DELETE /recycling/shifts/{id}           only a shift no plan has used
    POST /recycling/plans                   {day, seconds}: plan or re-plan the day
    GET  /recycling/plans?day=
    GET  /recycling/plans/{id}
    GET  /recycling/plans/{id}/map.json
    POST /recycling/stops/{booking_id}/progress  {action: depart | arrive | absent} (the driver)"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter

from huanxin.kit.clock import aware, today
from huanxin.kit.limits import Schema
from huanxin.recycling import repository as repo
from huanxin.recycling.bookings import status
from huanxin.recycling.dispatch import crew, fleet, fleet_edit, mapdata
from huanxin.recycling.dispatch import day as planner
from huanxin.recycling.models import Shift, Vehicle
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["再生资源回收"])


class PlanIn(Schema):
    day: dt.date
    seconds: float | None = None


class ProgressIn(Schema):
    action: str


def vehicle_out(v: Vehicle) -> dict[str, Any]:
    return {"id": v.id, "plate": v.plate, "depot_site_id": v.depot_site_id, "capacity_weight_g": v.capacity_weight_g,
            "capacity_volume_l": v.capacity_volume_l, "status": v.status,
            "status_label": fleet_edit.VEHICLE_STATUS.get(v.status)}


def shift_out(s: Shift) -> dict[str, Any]:
    return {"id": s.id, "vehicle_id": s.vehicle_id, "work_date": s.work_date.isoformat(),
            "starts_at": aware(s.starts_at).isoformat(), "ends_at": aware(s.ends_at).isoformat(),
            "driver_user_id": s.driver_user_id, "crew": s.crew, "reload_site_ids": s.reload_site_ids}


@router.get("/recycling/vehicles")
def list_vehicles(db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return {"vehicles": [vehicle_out(v) for v in fleet.vehicles_of(db, scope)]}


@router.post("/recycling/vehicles", status_code=201)
def add_vehicle(body: fleet.VehicleInput, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return vehicle_out(fleet.add_vehicle(db, scope, body))


@router.put("/recycling/vehicles/{vehicle_id}")
def update_vehicle(vehicle_id: int, body: fleet_edit.VehicleEdit, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return vehicle_out(fleet_edit.update_vehicle(db, scope, vehicle_id, body))


@router.get("/recycling/shifts")
def list_shifts(db: DbSession, scope: CurrentScope, day: dt.date | None = None) -> dict[str, Any]:
    return {"shifts": [shift_out(s) for s in fleet.shifts_of(db, scope, day or today())]}


@router.post("/recycling/shifts", status_code=201)
def add_shift(body: fleet.ShiftInput, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return shift_out(fleet.add_shift(db, scope, body))


@router.put("/recycling/shifts/{shift_id}")
def update_shift(shift_id: int, body: fleet_edit.ShiftEdit, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    shift, next_step = fleet_edit.update_shift(db, scope, shift_id, body)
    return shift_out(shift) | {"next": next_step}


@router.delete("/recycling/shifts/{shift_id}", status_code=204)
def remove_shift(shift_id: int, db: DbSession, scope: CurrentScope) -> None:
    fleet_edit.remove_shift(db, scope, shift_id)


@router.post("/recycling/plans", status_code=201)
def plan(body: PlanIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return planner.plan_summary(db, planner.plan_day(db, scope, body.day, body.seconds))


@router.get("/recycling/plans")
def list_plans(db: DbSession, scope: CurrentScope, day: dt.date | None = None) -> dict[str, Any]:
    return {"plans": [{"id": p.id, "version": p.version, "status": p.status, "distance_m": p.distance_m,
                       "unserved": len(p.unserved), "created_at": aware(p.created_at).isoformat()}
                      for p in planner.plans_of_day(db, scope, day or today())]}


@router.get("/recycling/plans/{plan_id}")
def get_plan(plan_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return planner.plan_summary(db, repo.get_plan(db, scope, plan_id))


@router.get("/recycling/plans/{plan_id}/map.json")
def plan_map(plan_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return mapdata.plan_map(db, scope, repo.get_plan(db, scope, plan_id))


@router.post("/recycling/stops/{booking_id}/progress")
def progress(booking_id: int, body: ProgressIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    booking = crew.progress(db, scope, booking_id, body.action)
    return {"booking_id": booking.id, "status": booking.status, "status_label": status.STATUS_LABELS[booking.status]}
