"""Changing the fleet: a vehicle's depot, capacity and status; a shift's times, driver and crew; a
shift removed only while no plan uses it; the route map on the dispatcher's page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.recycling import day_support as ds

from huanxin.errors import Conflict, InvalidInput, NotFound
from huanxin.recycling.dispatch import day as planner
from huanxin.recycling.dispatch import fleet, fleet_edit
from huanxin.recycling.models import Shift


def test_a_vehicle_in_repair_is_left_out_of_the_next_plan(db: Session) -> None:
    f, _ = ds.day_of_eight(db)
    boss = f.rc.scope(db, "dispatcher")
    repaired = fleet_edit.update_vehicle(db, boss, f.vehicles[1].id, fleet_edit.VehicleEdit(
        depot_site_id=f.rc.site_id, capacity_kg=1_500, capacity_m3=6, status="repair"))
    assert repaired.capacity_weight_g == 1_500_000 and repaired.capacity_volume_l == 6_000
    plan = planner.plan_day(db, boss, f.day, 1)
    used = {s.vehicle_id for s in planner.stops_of(db, plan)}
    assert used and f.vehicles[1].id not in used


@pytest.mark.parametrize(("data", "field"), [
    ({"capacity_kg": 0, "capacity_m3": 5}, "capacity_kg"),
    ({"capacity_kg": 900, "capacity_m3": 0}, "capacity_m3"),
    ({"capacity_kg": 900, "capacity_m3": 5, "depot_site_id": 999_999_999}, "depot_site_id"),
])
def test_bad_vehicle_changes_name_the_field_and_change_nothing(db: Session, data: dict[str, int], field: str) -> None:
    f = ds.fleet_of(db)
    boss = f.rc.scope(db, "dispatcher")
    with pytest.raises(InvalidInput) as refused:
        fleet_edit.update_vehicle(db, boss, f.vehicles[0].id,
                                  fleet_edit.VehicleEdit(**({"depot_site_id": f.rc.site_id} | data)))
    assert refused.value.field == field
    db.refresh(f.vehicles[0])
    assert f.vehicles[0].capacity_weight_g == 1_000_000


def test_a_planned_shift_can_be_moved_with_a_request_to_replan_but_not_removed(db: Session) -> None:
    f, _ = ds.day_of_eight(db)
    boss = f.rc.scope(db, "dispatcher")
    planner.plan_day(db, boss, f.day, 1)
    shift, next_step = fleet_edit.update_shift(db, boss, f.shifts[0].id, fleet_edit.ShiftEdit(
        starts_at="09:00", ends_at="17:00", crew="三人组"))
    assert next_step == fleet_edit.REPLAN and shift.crew == "三人组"
    assert fleet.aware_at(shift.starts_at).hour == 9
    with pytest.raises(Conflict) as refused:
        fleet_edit.remove_shift(db, boss, f.shifts[0].id)
    assert "不能删除" in refused.value.message


def test_shift_changes_refuse_a_clash_and_reversed_times(db: Session) -> None:
    f = ds.fleet_of(db)
    boss = f.rc.scope(db, "dispatcher")
    second = fleet.add_shift(db, boss, fleet.ShiftInput(vehicle_id=f.vehicles[0].id, work_date=f.day,
                                                        starts_at="18:30", ends_at="20:00"))
    with pytest.raises(InvalidInput, match="已有班次"):
        fleet_edit.update_shift(db, boss, second.id, fleet_edit.ShiftEdit(starts_at="17:00", ends_at="20:00"))
    with pytest.raises(InvalidInput) as reversed_times:
        fleet_edit.update_shift(db, boss, second.id, fleet_edit.ShiftEdit(starts_at="20:00", ends_at="19:00"))
    assert reversed_times.value.field == "ends_at"
    fleet_edit.remove_shift(db, boss, second.id)
    assert db.get(Shift, second.id) is None


def test_another_recyclers_dispatcher_cannot_change_the_fleet(db: Session) -> None:
    f = ds.fleet_of(db)
    other = ds.fleet_of(db).rc.scope(db, "dispatcher")
    with pytest.raises(NotFound):
        fleet_edit.update_shift(db, other, f.shifts[0].id, fleet_edit.ShiftEdit(starts_at="08:00", ends_at="12:00"))
    with pytest.raises(NotFound):
        fleet_edit.update_vehicle(db, other, f.vehicles[0].id, fleet_edit.VehicleEdit(
            depot_site_id=f.rc.site_id, capacity_kg=500, capacity_m3=2))


def test_the_api_changes_a_vehicle_and_a_shift(client: TestClient, db: Session) -> None:
    f = ds.fleet_of(db)
    headers = api_token(client, f.rc.dispatcher)
    moved = client.put(f"/api/v1/recycling/vehicles/{f.vehicles[0].id}", headers=headers, json={
        "depot_site_id": f.rc.site_id, "capacity_kg": 2_000, "capacity_m3": 8, "status": "retired"})
    assert moved.status_code == 200 and moved.json()["status_label"] == "已停用"
    shift = client.put(f"/api/v1/recycling/shifts/{f.shifts[1].id}", headers=headers,
                       json={"starts_at": "07:30", "ends_at": "16:00"})
    assert shift.status_code == 200 and shift.json()["next"] == ""
    bad = client.put(f"/api/v1/recycling/shifts/{f.shifts[1].id}", headers=headers,
                     json={"starts_at": "25:00", "ends_at": "16:00"})
    assert bad.status_code == 422 and "开始时间" in bad.text
    assert client.delete(f"/api/v1/recycling/shifts/{f.shifts[1].id}", headers=headers).status_code == 204


def test_the_dispatcher_page_edits_the_fleet_and_shows_the_route_map(client: TestClient, db: Session) -> None:
    f, _ = ds.day_of_eight(db)
    csrf = login_browser(client, f.rc.dispatcher)
    day = f.day.isoformat()
    bad = client.post(f"/recycling/dispatch/vehicles/{f.vehicles[0].id}", data={
        "csrf_token": csrf, "day": day, "depot_site_id": str(f.rc.site_id), "capacity_kg": "0",
        "capacity_m3": "5", "status": "active"})
    assert bad.status_code == 422 and "载重必须大于0" in bad.text and 'value="0"' in bad.text
    client.post("/recycling/dispatch/plan", data={"csrf_token": csrf, "day": day, "seconds": "1"})
    page = client.post(f"/recycling/dispatch/shifts/{f.shifts[0].id}", data={
        "csrf_token": csrf, "day": day, "starts_at": "08:30", "ends_at": "18:00", "crew": "二人组",
        "action": "save"}, follow_redirects=True)
    assert page.status_code == 200 and "请重新排线" in page.text
    assert 'data-testid="route-map"' in page.text and "/recycling/network/echarts.min.js" in page.text
    removed = client.post(f"/recycling/dispatch/shifts/{f.shifts[0].id}", data={
        "csrf_token": csrf, "day": day, "action": "remove"})
    assert removed.status_code == 409 and "不能删除" in removed.text
