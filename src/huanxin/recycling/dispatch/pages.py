"""Pages of dispatch: the dispatcher's day (/recycling/dispatch?day=: the day's bookings, the fleet
and its shifts with their forms, the plan button, each route's stops in order with the ETA and the
window, and what was left out with the reason) and the driver's 今日线路 (/recycling/driver?day=:
only their own shifts' stops, with 出发 / 到达 / 未遇到居民, and the weighing page once arrived)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from huanxin.errors import InvalidInput
from huanxin.kit.clock import CHINA, aware, parse_date, today
from huanxin.orgs.scope import Scope
from huanxin.recycling import repository as repo
from huanxin.recycling.bookings import status
from huanxin.recycling.dispatch import crew, fleet, fleet_edit
from huanxin.recycling.dispatch import day as planner
from huanxin.recycling.models import Site
from huanxin.recycling.vocab import DEPOT_LEVELS, SITE_LEVELS
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]
FLASH = {"planned": "已完成排线，派单结果已通知居民。", "vehicle": "已登记车辆。", "shift": "已添加班次。",
         "vehicle_saved": "已保存车辆。", "shift_saved": "已保存班次。",
         "shift_replan": "已保存班次。" + fleet_edit.REPLAN, "shift_removed": "已删除班次。",
         "depart": "已出发。", "arrive": "已到达，请称重。", "absent": "已登记未遇到居民。"}


def _day(text: str, field: str = "day") -> dt.date:
    return parse_date(text, "日期", name=field) if text.strip() else today()


def _int(text: str, field: str, label: str) -> int:
    cleaned = text.strip()
    if not re.fullmatch(r"\d{1,9}", cleaned):
        raise InvalidInput(f"{label}“{cleaned[:12]}”不是有效的整数", field=field)
    return int(cleaned)


def _number(text: str, field: str, label: str) -> float:
    cleaned = text.strip()
    if not re.fullmatch(r"\d{1,6}(\.\d{1,3})?", cleaned):
        raise InvalidInput(f"{label}“{cleaned[:12]}”不是有效数字", field=field)
    return float(cleaned)


def hm(at: dt.datetime) -> str:
    return f"{aware(at).astimezone(CHINA):%H:%M}"


def _depots(db: DbSession, scope: Scope) -> list[Site]:
    unit_id = repo.recycler_unit(scope)
    return list(db.scalars(select(Site).where(Site.city_code == scope.city_code, Site.operator_unit_id == unit_id,
                                              Site.level.in_(DEPOT_LEVELS), Site.status == "operating")
                           .order_by(Site.name)))


# ---- the dispatcher's day -------------------------------------------------------------------

def _dispatch_page(request: Request, db: DbSession, scope: Scope, day: dt.date, done: str = "") -> Response:
    request.state.scope = scope
    unit_id = repo.require_function(db, scope, "dispatcher")
    plan = planner.current_plan(db, scope.city_code, unit_id, day)
    summary = planner.plan_summary(db, plan) if plan else None
    reasons = {u["booking_id"]: u["reason"] for u in plan.unserved} if plan else {}
    vehicles = fleet.vehicles_of(db, scope)
    drivers = fleet.drivers_of(db, scope)
    return render(request, "recycling/dispatch/day.html", day=day, done=FLASH.get(done),
                  bookings=planner.day_bookings(db, scope.city_code, unit_id, day), reasons=reasons,
                  labels=status.STATUS_LABELS, window_text=status.window_text, booking_no=status.booking_no,
                  shifts=fleet.shifts_of(db, scope, day), vehicles=vehicles, plates={v.id: v.plate for v in vehicles},
                  drivers=drivers, driver_names={u.id: u.display_name for u in drivers}, depots=_depots(db, scope),
                  site_levels=SITE_LEVELS, vehicle_status=fleet_edit.VEHICLE_STATUS, plan=plan, summary=summary, hm=hm,
                  iso_hm=lambda text: dt.datetime.fromisoformat(text).strftime("%H:%M"),
                  versions=planner.plans_of_day(db, scope, day), default_seconds=planner.DEFAULT_SECONDS)


@router.get("/recycling/dispatch", response_class=HTMLResponse)
def dispatch_page(request: Request, db: DbSession, scope: CurrentScope, day: str = "", done: str = "") -> Response:
    return _dispatch_page(request, db, scope, _day(day), done)


def _back(call: FormCall) -> Response:
    text = str(call.args.get("day") or call.args.get("work_date") or "")
    try:
        day = _day(text)
    except InvalidInput:
        day = today()
    return _dispatch_page(call.request, call.db, call.scope, day)


@router.post("/recycling/dispatch/plan", response_class=HTMLResponse)
@form_page(_back, form="plan")
def plan_submit(db: DbSession, scope: CurrentScope, day: Text = "", seconds: Text = "") -> Response:
    when = _day(day)
    planner.plan_day(db, scope, when, _number(seconds, "seconds", "求解时间") if seconds.strip() else None)
    return RedirectResponse(f"/recycling/dispatch?day={when.isoformat()}&done=planned", status_code=303)


@router.post("/recycling/dispatch/vehicles", response_class=HTMLResponse)
@form_page(_back, form="vehicle")
def vehicle_submit(db: DbSession, scope: CurrentScope, plate: Text = "", depot_site_id: Text = "",
                   capacity_kg: Text = "", capacity_m3: Text = "", day: Text = "") -> Response:
    fleet.add_vehicle(db, scope, fleet.VehicleInput(
        plate=plate[:12], depot_site_id=_int(depot_site_id, "depot_site_id", "场站"),
        capacity_kg=_int(capacity_kg, "capacity_kg", "载重"), capacity_m3=_number(capacity_m3, "capacity_m3", "容积")))
    return RedirectResponse(f"/recycling/dispatch?day={_day(day).isoformat()}&done=vehicle", status_code=303)


@router.post("/recycling/dispatch/shifts", response_class=HTMLResponse)
@form_page(_back, form="shift")
def shift_submit(db: DbSession, scope: CurrentScope, vehicle_id: Text = "", driver_user_id: Text = "",
                 work_date: Text = "", starts_at: Text = "", ends_at: Text = "", crew: Text = "") -> Response:
    when = parse_date(work_date, "日期", name="work_date")
    fleet.add_shift(db, scope, fleet.ShiftInput(
        vehicle_id=_int(vehicle_id, "vehicle_id", "车辆"), work_date=when, starts_at=starts_at[:5], ends_at=ends_at[:5],
        driver_user_id=_int(driver_user_id, "driver_user_id", "司机") if driver_user_id.strip() else None,
        crew=crew[:80]))
    return RedirectResponse(f"/recycling/dispatch?day={when.isoformat()}&done=shift", status_code=303)


@router.post("/recycling/dispatch/vehicles/{vehicle_id}", response_class=HTMLResponse)
@form_page(_back, form="vehicle-{vehicle_id}")
def vehicle_edit_submit(vehicle_id: int, db: DbSession, scope: CurrentScope, depot_site_id: Text = "",
                        capacity_kg: Text = "", capacity_m3: Text = "", status: Text = "", day: Text = "") -> Response:
    if status not in fleet_edit.VEHICLE_STATUS:
        raise InvalidInput("请选择车辆状态", field="status")
    fleet_edit.update_vehicle(db, scope, vehicle_id, fleet_edit.VehicleEdit(
        depot_site_id=_int(depot_site_id, "depot_site_id", "场站"),
        capacity_kg=_int(capacity_kg, "capacity_kg", "载重"),
        capacity_m3=_number(capacity_m3, "capacity_m3", "容积"), status=status))
    return RedirectResponse(f"/recycling/dispatch?day={_day(day).isoformat()}&done=vehicle_saved", status_code=303)


@router.post("/recycling/dispatch/shifts/{shift_id}", response_class=HTMLResponse)
@form_page(_back, form="shift-{shift_id}")
def shift_edit_submit(shift_id: int, db: DbSession, scope: CurrentScope, driver_user_id: Text = "",
                      starts_at: Text = "", ends_at: Text = "", crew: Text = "", day: Text = "",
                      action: Text = "save") -> Response:
    if action == "remove":
        fleet_edit.remove_shift(db, scope, shift_id)
        return RedirectResponse(f"/recycling/dispatch?day={_day(day).isoformat()}&done=shift_removed", status_code=303)
    shift, next_step = fleet_edit.update_shift(db, scope, shift_id, fleet_edit.ShiftEdit(
        driver_user_id=_int(driver_user_id, "driver_user_id", "司机") if driver_user_id.strip() else None,
        starts_at=starts_at[:5], ends_at=ends_at[:5], crew=crew[:80]))
    done = "shift_replan" if next_step else "shift_saved"
    return RedirectResponse(f"/recycling/dispatch?day={shift.work_date.isoformat()}&done={done}", status_code=303)


# ---- the driver's route -----------------------------------------------------------------------

def _driver_page(request: Request, db: DbSession, scope: Scope, day: dt.date, done: str = "") -> Response:
    request.state.scope = scope
    routes = crew.driver_day(db, scope, day)
    return render(request, "recycling/dispatch/driver.html", day=day, routes=routes, done=FLASH.get(done),
                  actions=crew.ACTIONS, labels=status.STATUS_LABELS, window_text=status.window_text,
                  booking_no=status.booking_no, hm=hm)


@router.get("/recycling/driver", response_class=HTMLResponse)
def driver_page(request: Request, db: DbSession, scope: CurrentScope, day: str = "", done: str = "") -> Response:
    return _driver_page(request, db, scope, _day(day), done)


def _on_stop(call: FormCall) -> Response:
    try:
        day = _day(str(call.args.get("day") or ""))
    except InvalidInput:
        day = today()
    return _driver_page(call.request, call.db, call.scope, day)


@router.post("/recycling/driver/stops/{booking_id}", response_class=HTMLResponse)
@form_page(_on_stop, form="stop-{booking_id}")
def stop_submit(booking_id: int, db: DbSession, scope: CurrentScope, action: Text = "", day: Text = "") -> Response:
    crew.progress(db, scope, booking_id, action)
    return RedirectResponse(f"/recycling/driver?day={_day(day).isoformat()}&done={action}", status_code=303)


