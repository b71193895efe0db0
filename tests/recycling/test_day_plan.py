"""The dispatcher's day and the driver's route: a real solve of a small day, every booking either
routed (and moved to 已派单) or reported with a reason, re-planning that keeps what is under way,
the driver's own stops only, and bad fleet inputs refused by field with nothing written."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.recycling import day_support as ds
from tests.recycling import weighing_support as ws
from typer.testing import CliRunner

from huanxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from huanxin.kit.clock import aware
from huanxin.recycling import cli
from huanxin.recycling import repository as repo
from huanxin.recycling.bookings import status
from huanxin.recycling.dispatch import crew, fleet
from huanxin.recycling.dispatch import day as planner
from huanxin.recycling.dispatch.check import check_plan
from huanxin.recycling.dispatch.solve import REASON_WEIGHT, plan_routes
from huanxin.recycling.models import BookingEvent, RoutePlan, RouteStop, Shift, Vehicle


def _booking_stops(db: Session, plan: RoutePlan) -> list[RouteStop]:
    return [s for s in planner.stops_of(db, plan) if s.kind == "booking"]


def test_a_day_is_planned_every_booking_routed_or_reported_and_the_windows_kept(db: Session) -> None:
    f, bookings = ds.day_of_eight(db)
    heavy = ds.booking(db, f, 9, 0.1, 0.1, "paper", 2_000_000)  # two tonnes: no vehicle carries it
    problem, _ = planner.build(db, f.rc.city_code, f.rc.unit_id, f.day)
    assert check_plan(problem, plan_routes(problem, seconds=1)) == []  # the core check on the same day
    plan = planner.plan_day(db, f.rc.scope(db, "dispatcher"), f.day, seconds=1)
    routed = {s.booking_id for s in _booking_stops(db, plan)}
    assert routed == {b.id for b in bookings}
    assert plan.unserved == [{"booking_id": heavy.id, "booking_no": status.booking_no(heavy), "reason": REASON_WEIGHT}]
    assert {b.status for b in bookings} == {"assigned"} and heavy.status == "booked"
    for stop in _booking_stops(db, plan):
        booking = next(b for b in bookings if b.id == stop.booking_id)
        assert aware(stop.arrive_at) <= aware(booking.window_end)
        assert stop.load_weight_g <= f.vehicles[0].capacity_weight_g
    assert plan.distance_m > 0 and plan.status == "current" and plan.version == 1
    note = db.scalar(select(BookingEvent.note).where(BookingEvent.booking_id == bookings[0].id,
                                                     BookingEvent.to_status == "assigned"))
    assert note is not None and "派给车辆 川A" in note


def test_replanning_keeps_the_stops_under_way_and_supersedes_the_old_plan(db: Session) -> None:
    f, bookings = ds.day_of_eight(db)
    boss = f.rc.scope(db, "dispatcher")
    first = planner.plan_day(db, boss, f.day, seconds=1)
    shift_id = _booking_stops(db, first)[0].shift_id
    head = [s for s in _booking_stops(db, first) if s.shift_id == shift_id][:2]
    driver = f.rc.scope(db) if f.shifts[0].id == shift_id else ws.scope_of(db, f.driver2)
    for stop in head:  # the crew is at the first door and on its way to the second
        crew.progress(db, driver, stop.booking_id or 0, "depart")
    crew.progress(db, driver, head[0].booking_id or 0, "arrive")
    late = ds.booking(db, f, 16, 0.2, -0.2, "paper", 5_000)  # booked after the first plan
    second = planner.plan_day(db, boss, f.day, seconds=1)
    assert first.status == "superseded" and second.status == "current" and second.version == 2
    assert db.get(RoutePlan, first.id) is not None and second.solver["replaces"] == first.id
    kept = [s for s in _booking_stops(db, second) if s.shift_id == shift_id][:2]
    assert [s.booking_id for s in kept] == [s.booking_id for s in head] and all(s.fixed for s in kept)
    assert late.id in {s.booking_id for s in _booking_stops(db, second)} and late.status == "assigned"
    assert {s.booking_id for s in _booking_stops(db, second)} == {b.id for b in bookings} | {late.id}


def test_a_day_without_enough_fleet_reports_the_left_out_bookings(db: Session) -> None:
    f = ds.fleet_of(db, vehicles=1, capacity_kg=80)
    res = ws.resident(db, f.rc.city_code)
    made = [ds.booking(db, f, 9, 0.1 * n, 0.1, "refrigerator", 1, resident=res) for n in range(3)]
    plan = planner.plan_day(db, f.rc.scope(db, "dispatcher"), f.day, seconds=1)
    assert len(_booking_stops(db, plan)) == 1  # one 60 kg fridge fits an 80 kg van, and there is no reload
    assert len(plan.unserved) == 2 and all(u["reason"] for u in plan.unserved)
    assert sorted(b.status for b in made) == ["assigned", "booked", "booked"]


def test_the_driver_sees_only_their_stops_and_moves_them(db: Session) -> None:
    f, bookings = ds.day_of_eight(db)
    plan = planner.plan_day(db, f.rc.scope(db, "dispatcher"), f.day, seconds=1)
    mine = {s.booking_id for s in _booking_stops(db, plan) if s.shift_id == f.shifts[0].id}
    theirs = {s.booking_id for s in _booking_stops(db, plan)} - mine
    driver = f.rc.scope(db)
    routes = crew.driver_day(db, driver, f.day)
    shown = {c.booking.id for r in routes for c in r.stops if c.booking}
    assert shown == mine
    first = next(c for r in routes for c in r.stops if c.booking)
    assert first.address == "雁江区幸福路8号3栋2单元" and first.phone == "138****5678" and first.action == "depart"
    if theirs:
        with pytest.raises(NotFound):
            crew.progress(db, driver, next(iter(theirs)) or 0, "depart")
    booking = first.booking
    assert booking is not None
    with pytest.raises(InvalidInput) as early:
        crew.progress(db, driver, booking.id, "absent")
    assert early.value.field == "action"
    for action, to in (("depart", "on_the_way"), ("arrive", "arrived"), ("absent", "no_show")):
        assert crew.progress(db, driver, booking.id, action).status == to
    assert booking.no_show_party == "resident"


def test_another_recyclers_plan_and_vehicle_are_not_found_and_a_driver_cannot_plan(db: Session) -> None:
    f, _ = ds.day_of_eight(db)
    plan = planner.plan_day(db, f.rc.scope(db, "dispatcher"), f.day, seconds=1)
    other = ws.recycler(db)
    with pytest.raises(NotFound):
        repo.get_plan(db, other.scope(db, "dispatcher"), plan.id)
    with pytest.raises(InvalidInput) as caught:
        fleet.add_shift(db, other.scope(db, "dispatcher"), fleet.ShiftInput(
            vehicle_id=f.vehicles[0].id, work_date=f.day, starts_at="08:00", ends_at="12:00"))
    assert caught.value.field == "vehicle_id"
    with pytest.raises(Forbidden):
        planner.plan_day(db, f.rc.scope(db), f.day, seconds=1)


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"capacity_kg": 0}, "capacity_kg", "载重必须大于0"),
    ({"capacity_m3": 0}, "capacity_m3", "容积必须大于0"),
    ({"plate": "ABC"}, "plate", "车牌号格式不正确"),
    ({"depot_site_id": 0}, "depot_site_id", "未找到该场站"),
])
def test_bad_vehicles_are_refused_by_field_and_nothing_is_written(db: Session, data: dict[str, object], field: str,
                                                                 words: str) -> None:
    rc = ws.recycler(db)
    good: dict[str, object] = {"plate": ds.plate(), "depot_site_id": rc.site_id, "capacity_kg": 800, "capacity_m3": 4}
    with pytest.raises(InvalidInput) as caught:
        fleet.add_vehicle(db, rc.scope(db, "dispatcher"), fleet.VehicleInput.model_validate(good | data))
    assert caught.value.field == field and words in caught.value.message
    assert db.scalar(select(func.count()).select_from(Vehicle).where(Vehicle.recycler_unit_id == rc.unit_id)) == 0


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"starts_at": "12:00", "ends_at": "09:00"}, "ends_at", "结束时间必须晚于开始时间"),
    ({"vehicle_id": 0}, "vehicle_id", "未找到该车辆"),
    ({"starts_at": "25:00"}, "starts_at", "不是有效时间"),
    ({"driver_user_id": 1}, "driver_user_id", "不是本企业登记的司机"),
    ({"starts_at": "09:00", "ends_at": "10:00"}, "starts_at", "已有班次"),
])
def test_bad_shifts_are_refused_by_field_and_nothing_is_written(db: Session, data: dict[str, object], field: str,
                                                               words: str) -> None:
    f = ds.fleet_of(db, vehicles=1)
    good: dict[str, object] = {"vehicle_id": f.vehicles[0].id, "work_date": f.day, "starts_at": "19:00",
                               "ends_at": "21:00"}
    with pytest.raises(InvalidInput) as caught:
        fleet.add_shift(db, f.rc.scope(db, "dispatcher"), fleet.ShiftInput.model_validate(good | data))
    assert caught.value.field == field and words in caught.value.message
    assert db.scalar(select(func.count()).select_from(Shift).where(Shift.vehicle_id == f.vehicles[0].id)) == 1


def test_the_api_plans_a_day_and_answers_its_map(client: TestClient, db: Session) -> None:
    f, bookings = ds.day_of_eight(db)
    headers = api_token(client, f.rc.dispatcher)
    bad = client.post("/api/v1/recycling/plans", headers=headers, json={"day": f.day.isoformat(), "seconds": 0})
    assert bad.status_code == 422 and bad.json()["field"] == "seconds"
    sent = client.post("/api/v1/recycling/plans", headers=headers, json={"day": f.day.isoformat(), "seconds": 1})
    assert sent.status_code == 201, sent.text
    plan = sent.json()
    assert sum(1 for r in plan["routes"] for s in r["stops"] if s["kind"] == "booking") == len(bookings)
    listed = client.get(f"/api/v1/recycling/plans?day={f.day.isoformat()}", headers=headers).json()["plans"]
    assert [p["id"] for p in listed] == [plan["id"]]
    shown = client.get(f"/api/v1/recycling/plans/{plan['id']}/map.json", headers=headers).json()
    assert set(shown) == {"boundary", "sites", "points", "routes", "gaps"} and len(shown["points"]) == len(bookings)
    assert all(len(r["path"]) >= 3 and r["color"] for r in shown["routes"])
    vehicles = client.get("/api/v1/recycling/vehicles", headers=headers).json()["vehicles"]
    assert {v["plate"] for v in vehicles} == {v.plate for v in f.vehicles}
    refused = client.post("/api/v1/recycling/shifts", headers=headers, json={
        "vehicle_id": f.vehicles[0].id, "work_date": f.day.isoformat(), "starts_at": "12:00", "ends_at": "11:00"})
    assert refused.status_code == 422 and refused.json()["field"] == "ends_at"
    other = ws.recycler(db)
    stranger = api_token(client, other.dispatcher)
    assert client.get(f"/api/v1/recycling/plans/{plan['id']}", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/recycling/plans/{plan['id']}/map.json", headers=stranger).status_code == 404
    driver = api_token(client, f.rc.driver)
    assert client.post("/api/v1/recycling/plans", headers=driver,
                       json={"day": f.day.isoformat(), "seconds": 1}).status_code == 403


def test_the_pages_show_the_day_and_the_drivers_route(client: TestClient, db: Session) -> None:
    f, bookings = ds.day_of_eight(db)
    csrf = login_browser(client, f.rc.dispatcher)
    day = f.day.isoformat()
    page = client.get(f"/recycling/dispatch?day={day}")
    assert page.status_code == 200 and "尚未排线" in page.text and status.booking_no(bookings[0]) in page.text
    planned = client.post("/recycling/dispatch/plan", data={"csrf_token": csrf, "day": day, "seconds": "1"},
                          follow_redirects=True)
    assert planned.status_code == 200 and "第1版" in planned.text and "预计到达" in planned.text
    assert "assigned" not in planned.text and "已派单" in planned.text
    bad = client.post("/recycling/dispatch/shifts", data={"csrf_token": csrf, "vehicle_id": str(f.vehicles[0].id),
                                                          "work_date": day, "starts_at": "12:00", "ends_at": "11:00"})
    assert bad.status_code == 422 and "结束时间必须晚于开始时间" in bad.text
    client.cookies.clear()
    csrf = login_browser(client, f.rc.driver)
    route = client.get(f"/recycling/driver?day={day}")
    assert route.status_code == 200 and "今日线路" in route.text and "138****5678" in route.text
    plan = planner.current_plan(db, f.rc.city_code, f.rc.unit_id, f.day)
    assert plan is not None
    mine = [s for s in _booking_stops(db, plan) if s.shift_id == f.shifts[0].id]
    others = [s for s in _booking_stops(db, plan) if s.shift_id != f.shifts[0].id]
    for stop in others:
        booking = db.get(type(bookings[0]), stop.booking_id)
        assert booking is not None and status.booking_no(booking) not in route.text
    target = mine[0].booking_id
    for action in ("depart", "arrive"):
        moved = client.post(f"/recycling/driver/stops/{target}", data={"csrf_token": csrf, "action": action,
                                                                     "day": day}, follow_redirects=True)
        assert moved.status_code == 200, moved.text
    assert f"/recycling/bookings/{target}/weigh" in moved.text


def test_the_command_line_plans_and_prints_the_day(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    f, bookings = ds.day_of_eight(db)
    ds.booking(db, f, 9, 0.1, 0.1, "paper", 2_000_000)
    import huanxin.db as db_module

    @contextmanager
    def same_session():  # type: ignore[no-untyped-def]
        yield db
        db.flush()

    monkeypatch.setattr(db_module, "transaction", same_session)
    result = CliRunner().invoke(cli.app, ["plan-day", "--city", f.rc.city_code, "--recycler", str(f.rc.unit_id),
                                          "--date", f.day.isoformat(), "--seconds", "1"])
    assert result.exit_code == 0, result.output
    assert "线路计划第1版" in result.output and f.vehicles[0].plate in result.output
    assert "未派单" in result.output and REASON_WEIGHT in result.output and "预计到达" in result.output
    assert all(b.status == "assigned" for b in bookings)
    wrong = CliRunner().invoke(cli.app, ["plan-day", "--city", f.rc.city_code, "--recycler", "0",
                                         "--date", f.day.isoformat()])
    assert wrong.exit_code == 2 and "没有编号为 0 的回收企业" in wrong.output
    bad_date = CliRunner().invoke(cli.app, ["plan-day", "--city", f.rc.city_code, "--recycler", str(f.rc.unit_id),
                                            "--date", "明天"])
    assert bad_date.exit_code == 1 and "不是有效日期" in bad_date.output


def test_a_plan_that_fails_the_check_is_refused_and_nothing_is_written(db: Session,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    f, bookings = ds.day_of_eight(db)
    monkeypatch.setattr(planner, "check_plan", lambda problem, plan: ["车辆 s1 到达预约 b1 晚于时间窗 60 秒"])
    with pytest.raises(Conflict) as caught:
        planner.plan_day(db, f.rc.scope(db, "dispatcher"), f.day, seconds=1)
    assert "未通过校验" in caught.value.message and "晚于时间窗" in caught.value.message
    assert planner.current_plan(db, f.rc.city_code, f.rc.unit_id, f.day) is None
    assert {b.status for b in bookings} == {"booked"}
