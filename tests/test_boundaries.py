"""Issue 10: every route of the app (pages and API, generated from the app itself so that a new
route cannot be forgotten), walked as every role of one city with the objects of another city and
of another unit, for reads and writes. None may answer 2xx or 3xx with someone else's object, none
may answer 5xx, no answer may carry the other city's data, and the other city's records are the
same after the walk as before it.

A route whose body is required needs a sample below (`SAMPLES`): without one a request would be
refused by validation before the route ever resolved an object, and the walk would prove nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import Table, select, text
from sqlalchemy.orm import Session
from tests.conftest import PASSWORD, api_token
from tests.plans.support import plan_of
from tests.tradein.claims_support import City, holder, id_number, resident, setup_city, vin

from huanxin.db import Base
from huanxin.kit.clock import now, today
from huanxin.orgs.models import User
from huanxin.orgs.roles import Role
from huanxin.orgs.service import scope_of
from huanxin.plans import service as plans_service
from huanxin.plans.models import Closure, Plan, Report, RoundItem, Task, TaskUnit
from huanxin.tradein.claims import appeals, redemption
from huanxin.tradein.claims.lifecycle import Purchase
from huanxin.tradein.models import Claim, Qualification
from huanxin.tradein.programmes import reference_prices
from huanxin.tradein.qualifications import lifecycle as qualification
from huanxin.tradein.residents import identity

HOME, OTHER = "512000", "370784"  # 资阳 walks; 安丘's objects are the targets
MARK = "BCITYMARK"  # planted in the other city's records: no answer to the home city may carry it
# Routes that exist to be public: the budget page of any city (公开预算页, no sign-in).
PUBLIC = {("GET", "/budget/{city_code}"), ("GET", "/api/v1/cities/{city_code}/budget")}
# Not walked: signing in and out changes the walker's own session, not anyone's records.
SKIP = re.compile(r"/(login|logout)$|/auth/")


@dataclass
class World:
    """The other city's objects, by the path parameter that names them, and what the bodies use."""

    ids: dict[str, Any] = field(default_factory=dict)
    holder_id: str = ""


def _walk_routes(routes: list[Any]) -> Iterator[Any]:
    """Every endpoint route, through included routers (FastAPI ≥ 0.165 nests them)."""
    for route in routes:
        if hasattr(route, "effective_candidates"):
            yield from _walk_routes(route.effective_candidates())
        elif hasattr(route, "dependant") and hasattr(route, "methods"):
            yield route


def app_routes(app: FastAPI) -> list[tuple[str, str, Any]]:
    found = {(method, route.path): route for route in _walk_routes(app.routes) for method in route.methods
             if method != "HEAD" and not SKIP.search(route.path)}
    return [(method, path, found[(method, path)]) for method, path in sorted(found, key=lambda k: (k[1], k[0]))]


# ---- the other city's world ----------------------------------------------------------------------

def _price_sheet() -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["品类", "品牌", "型号", "价格（元）", "日期"])
    ws.append(["空调", "格力", "KFR-35GW", 1, dt.date(2024, 6, 1)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _scope(db: Session, username: str) -> Any:
    found = db.scalar(select(User).where(User.username == username))
    assert found is not None
    return scope_of(found)


def _plans_world(db: Session, world: World) -> None:
    plan = plan_of(db, "anqiu-2024")
    office = _scope(db, "anqiu-office")
    task, unit_id = db.execute(select(Task, TaskUnit.unit_id).join(TaskUnit, TaskUnit.task_id == Task.id)
                               .where(Task.plan_id == plan.id, Task.is_leaf, TaskUnit.role == "lead")
                               .order_by(Task.path)).first()  # type: ignore[misc]
    rnd = plans_service.open_round(db, office, plan, title=f"{MARK}调度", period="2026-11",
                                   due_on=today() + dt.timedelta(days=5), task_ids=[task.id])
    item = db.scalar(select(RoundItem).where(RoundItem.round_id == rnd.id, RoundItem.unit_id == unit_id))
    assert item is not None
    lead = _scope(db, db.scalar(select(User.username).where(User.unit_id == unit_id)) or "")
    report = plans_service.submit_report(
        db, lead, item, plans_service.ReportInput(progress_pct=100, task_status="completed",
                                                  narrative=f"{MARK} 安丘的报告", figures=[]),
        uploads=[plans_service.Upload(f"{MARK}.txt", "text/plain", f"{MARK} 附件".encode())])
    closure = plans_service.request_closure(db, lead, task, f"{MARK} 销号材料", [])
    attachment = db.execute(text("SELECT id FROM attachment WHERE report_id = :r"), {"r": report.id}).scalar()
    world.ids.update(plan_id=plan.id, task_id=task.id, round_id=rnd.id, item_id=item.id, report_id=report.id,
                     closure_id=closure.id, attachment_id=attachment, unit_id=unit_id)


def _tradein_world(db: Session, world: World) -> City:
    city = setup_city(db, OTHER)
    _, person = resident(db, city, name="安丘居民")
    world.holder_id = identity.person_id_number(person)
    programme = city.programmes["appliance-2025"]
    active = qualification.claim_qualification(db, programme=programme, person=person, category="refrigerator",
                                               actor="t")
    _, other = resident(db, city, name="安丘另一居民")
    used = qualification.claim_qualification(db, programme=programme, person=other, category="tv", actor="t")
    shop = city.scope(db, city.retailer_user)
    claim = redemption.redeem(db, shop, used.id, Purchase(
        category="tv", price_fen=3000_00, invoice_no=f"{MARK}-INV", invoice_date=today(), brand="海信",
        model="65E3", efficiency_grade=3, serial=f"{MARK}-SN"), holder_id_hash=holder(db, used))
    appeal = appeals.file_appeal(db, city.scope(db, _username(db, other.user_id)), claim, f"{MARK} 申诉")
    reference_prices.freeze_reference_prices(db, OTHER, [("空调", "格力", "KFR-35GW", 3000_00, dt.date(2024, 6, 1))],
                                             dt.date(2024, 5, 1), dt.date(2024, 7, 31))
    lapsed = qualification.claim_qualification(db, programme=programme, person=other, category="refrigerator",
                                               actor="t")
    lapsed.expires_at = now() - dt.timedelta(hours=1)  # an office's expiry run must not touch it
    retailer_login = db.scalar(select(User.id).where(User.username == city.retailer_user))
    pool = db.execute(text("SELECT id FROM ledger_pool WHERE city_code = :c ORDER BY id"), {"c": OTHER}).scalar()
    world.ids.update(qualification_id=active.id, claim_id=claim.id, appeal_id=appeal.id, retailer_id=city.retailer.id,
                     user_id=retailer_login, pool_id=pool, programme_id=programme.id,
                     car_programme_id=city.programmes["car-scrap-2025"].id)
    db.flush()
    return city


def _username(db: Session, user_id: int | None) -> str:
    return db.scalar(select(User.username).where(User.id == user_id)) or ""


def _enterprise_world(db: Session, world: World) -> None:
    """An enterprise of the other city (issue 12): its list, page and record must stay its own."""
    from huanxin.projects import credit_code, enterprises

    body = "MA7" + uuid.uuid4().hex[:5].upper().translate(str.maketrans("IOZSV", "12345"))
    code = credit_code.complete("91370784" + body + credit_code.organisation_check_char(body))
    item = enterprises.register(db, _scope(db, "anqiu-office"), OTHER, enterprises.EnterpriseInput(
        name=f"{MARK}安丘企业", credit_code=code, industry_code="3812", region_code=OTHER,
        contact_phone="13800138000")).enterprise
    world.ids["enterprise_id"] = item.id


def _projects_world(db: Session, world: World) -> None:
    """A project of the other city waiting at its county, and an open batch (issue 12, the library)."""
    from tests.projects.support import make_enterprise, project_input

    from huanxin.projects import batches as project_batches
    from huanxin.projects import service as projects_service

    office = _scope(db, "anqiu-office")
    enterprise, _ = make_enterprise(db, OTHER, OTHER, MARK)
    project = projects_service.create_project(db, office, project_input(OTHER, name=f"{MARK}安丘项目"),
                                              enterprise_id=enterprise.id)
    projects_service.submit_project(db, office, project.id)
    batch = project_batches.create_batch(db, office, f"{MARK}批次", "special_bond", today() + dt.timedelta(days=9))
    world.ids.update(project_id=project.id, project_batch_id=batch.id)


def _project_body() -> dict[str, Any]:
    from tests.projects.support import project_body

    return {"json": project_body(OTHER, name="越权项目")}


def _recycling_world(db: Session, world: World) -> None:
    """The other city's recycler (its staff, a site, a price list) and a pickup waiting at the door."""
    from tests.recycling import weighing_support as rc

    from huanxin.kit.clock import CHINA
    from huanxin.recycling.dispatch import day as planner
    from huanxin.recycling.models import Shift, Vehicle

    other = rc.recycler(db, OTHER)
    rc.price(db, other, "paper", 1_20)
    person = rc.resident(db, OTHER)
    booking = rc.booking(db, other, person, [("paper", 5000, 1_20)], status="arrived")
    booking.address_masked = f"{MARK}地址"
    world.ids.update(booking_id=booking.id, site_id=other.site_id, recycler_unit_id=other.unit_id)
    vehicle = Vehicle(city_code=OTHER, recycler_unit_id=other.unit_id, plate=f"鲁GB{uuid.uuid4().int % 9000 + 1000}",
                      depot_site_id=other.site_id, capacity_weight_g=1_000_000, capacity_volume_l=5_000,
                      status="active")
    db.add(vehicle)
    db.flush()
    day = today()
    shift = Shift(city_code=OTHER, vehicle_id=vehicle.id, work_date=day,
                  starts_at=dt.datetime(day.year, day.month, day.day, 0, 0, tzinfo=CHINA),
                  ends_at=dt.datetime(day.year, day.month, day.day, 23, 59, tzinfo=CHINA))
    db.add(shift)
    db.flush()
    plan = planner.run(db, OTHER, other.unit_id, day, 1.0, actor_user_id=None, actor="test")
    world.ids.update(vehicle_id=vehicle.id, shift_id=shift.id, plan_id=plan.id)
    _invoicing_world(db, world, other)
    from tests.secondhand.support import other_city_world
    world.ids.update(other_city_world(db, OTHER, MARK))
    from tests.matching.boundary_support import other_city_world as matching_world
    world.ids.update(matching_world(db, OTHER, MARK))
    from tests.recycling.scrapped.boundary_support import other_city_world as scrapped_world
    world.ids.update(scrapped_world(db, OTHER, MARK))


def _invoicing_world(db: Session, world: World, other: Any) -> None:
    """The other city's qualification (unverified), seller (MARK in the bank's name) and pre-invoice."""
    from tests.recycling import invoicing_support as inv

    world.ids["qualification_id"] = inv.qualify(db, other, verified=False)
    inv.qualify(db, other)
    seller = inv.seller(db, other, bank_name=f"{MARK}银行")
    world.ids.update(seller_id=seller.id, invoice_id=inv.pre_invoice(db, other, seller, 100).id)


def _import_world(client: TestClient, world: World) -> None:
    plan_text = (f"{MARK}安丘市推动大规模设备更新和消费品以旧换新实施方案\n一、主要目标\n"
                 "到2027年，设备投资较2023年增长25%以上。\n二、重点任务\n（一）推进设备更新。（市发展改革局牵头）\n").encode()
    r = client.post(f"/api/v1/cities/{OTHER}/plan-imports", headers=api_token(client, "anqiu-office"),
                    files={"file": ("方案.txt", plan_text, "text/plain")})
    assert r.status_code in (200, 201), r.text
    world.ids["import_id"] = r.json()["id"]
    world.ids["proposal"] = r.json().get("proposal", {})


# ---- the requests ----------------------------------------------------------------------------------

Sample = Callable[[World], dict[str, Any]]


def _purchase(world: World) -> dict[str, Any]:
    return {"category": "refrigerator", "price_fen": 4000_00, "invoice_no": f"W-{uuid.uuid4().hex[:8]}",
            "invoice_date": today().isoformat(), "efficiency_grade": 1, "serial": f"W-{uuid.uuid4().hex[:8]}"}


def _car(world: World) -> dict[str, Any]:
    return {"programme_id": world.ids["car_programme_id"], "price_fen": 100_000_00, "invoice_no": "C-W",
            "invoice_date": today().isoformat(), "new_vin": "LSVAU2180N2183294", "new_vehicle_fuel": "nev",
            "old_vehicle_fuel": "petrol", "old_vehicle_registered_on": "2010-01-01",
            "proofs": {"scrap_cert": "S-W", "deregistration": "D-W"}}


def _files(name: str, data: bytes, kind: str) -> dict[str, Any]:
    return {"files": {"file": (name, data, kind)}}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _enterprise_body() -> dict[str, Any]:
    return {"name": "越权企业", "credit_code": "91350100M000100Y43", "industry_code": "3812", "region_code": OTHER}


def _site_body(world: World) -> dict[str, Any]:
    return {"level": "point", "name": "越权回收点", "address": "越权路2号", "lat": 36.47, "lon": 119.22,
            "coord_system": "wgs84", "opening_hours": "8:00-18:00", "area_m2": 10, "capacity_kg": {"paper": 500},
            "status": "operating", "operator_unit_id": world.ids["recycler_unit_id"]}


def _empty_xlsx() -> bytes:
    book = Workbook()
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


SAMPLES: dict[tuple[str, str], Sample] = {
    ("POST", "/api/v1/tradein/qualifications"): lambda w: {"json": {
        "programme_id": w.ids["programme_id"], "category": "refrigerator", "id_number": id_number(),
        "name": "资阳居民"}},
    ("POST", "/api/v1/tradein/qualifications/presented"): lambda w: {"json": {
        "qualification_id": w.ids["qualification_id"], "id_number": w.holder_id}},
    ("PUT", "/api/v1/tradein/me/bank-card"): lambda w: {"json": {"card_number": "6222020000000000001",
                                                                 "holder_name": "资阳居民"}},
    ("POST", "/api/v1/tradein/claims"): lambda w: {"json": {
        "qualification_id": w.ids["qualification_id"], "id_number": w.holder_id, **_purchase(w)}},
    ("POST", "/api/v1/tradein/car-claims"): lambda w: {"json": _car(w)},
    ("POST", "/api/v1/tradein/claims/{claim_id}/resubmit"): lambda w: {"json": _purchase(w)},
    ("POST", "/api/v1/tradein/claims/{claim_id}/approve"): lambda w: {"json": {"note": "同意"}},
    ("POST", "/api/v1/tradein/claims/{claim_id}/reject"): lambda w: {"json": {"reasons": ["不符合"]}},
    ("POST", "/api/v1/tradein/claims/{claim_id}/request-correction"): lambda w: {"json": {"what": "补发票"}},
    ("POST", "/api/v1/tradein/claims/{claim_id}/appeal"): lambda w: {"json": {"reason": "不服"}},
    ("POST", "/api/v1/tradein/appeals/{appeal_id}/decision"): lambda w: {"json": {"overturn": True, "note": "改判"}},
    ("POST", "/api/v1/tradein/payout-batches"): lambda w: {"json": {"claim_ids": [w.ids["claim_id"]]}},
    ("POST", "/api/v1/tradein/payout-batches/{batch_id}/result"): lambda w: _files("回单.csv", b"claim_id,status\n",
                                                                                  "text/csv"),
    ("POST", "/api/v1/cities/{city_code}/retailers"): lambda w: {"json": {
        "name": "资阳新商行", "credit_code": "91512000MA62345678", "region_code": OTHER, "kinds": ["appliance"]}},
    ("POST", "/api/v1/reference-prices/import"): lambda w: {
        **_files("价格.xlsx", _price_sheet(), XLSX),
        "data": {"window_start": "2024-05-01", "window_end": "2024-07-31"}},
    ("POST", "/api/v1/tradein/what-if"): lambda w: {"json": {"programme": "appliance-2025", "overrides": {}}},
    ("POST", "/api/v1/plans/{plan_id}/rounds"): lambda w: {"json": {
        "title": "越权调度", "period": "2026-12", "due_on": (today() + dt.timedelta(days=9)).isoformat()}},
    ("POST", "/api/v1/round-items/{item_id}/reports"): lambda w: {"json": {
        "progress_pct": 100, "task_status": "completed", "narrative": "越权报送"}},
    ("POST", "/api/v1/reports/{report_id}/review"): lambda w: {"json": {"decision": "accept"}},
    ("POST", "/api/v1/tasks/{task_id}/closures"): lambda w: {"json": {"evidence": "越权销号"}},
    ("POST", "/api/v1/closures/{closure_id}/decision"): lambda w: {"json": {"approve": True}},
    ("POST", "/api/v1/cities/{city_code}/observations"): lambda w: {"json": {
        "indicator_code": "equipment_investment_growth", "year": 2025, "value": 1}},
    ("POST", "/api/v1/cities/{city_code}/baselines"): lambda w: {"json": {
        "indicator_code": "equipment_investment_growth", "value": 1}},
    ("POST", "/api/v1/cities/{city_code}/plan-imports"): lambda w: _files("方案.txt", "方案".encode(), "text/plain"),
    ("PUT", "/api/v1/cities/{city_code}/plan-imports/{import_id}"): lambda w: {"json": w.ids["proposal"]},
    ("POST", "/api/v1/ledger/pools/{pool_id}/fund"): lambda w: {"json": {"amount_fen": 100, "memo": "越权注资"}},
    ("POST", "/plans/{plan_id}/ledger/import"): lambda w: _files("台账.xlsx", b"PK", XLSX),
    ("POST", "/api/v1/plans/{plan_id}/ledger/import"): lambda w: _files("台账.xlsx", b"PK", XLSX),
    ("POST", "/cities/{city_code}/plans/import"): lambda w: _files("方案.txt", "方案".encode(), "text/plain"),
    ("POST", "/cities/{city_code}/observations/import"): lambda w: _files("指标.xlsx", b"PK", XLSX),
    ("POST", "/api/v1/cities/{city_code}/project-lists/import"): lambda w: _files("清单.xlsx", b"PK", XLSX),
    ("POST", "/tradein/review/batches/{batch_id}/result"): lambda w: _files("回单.csv", b"claim_id,status\n",
                                                                           "text/csv"),
    ("POST", "/api/v1/retailers/{retailer_id}/suspend"): lambda w: {"json": {"reason": "越权暂停"}},
    ("POST", "/api/v1/retailers/{retailer_id}/reinstate"): lambda w: {"json": {"reason": "越权恢复"}},
    ("POST", "/api/v1/retailers/{retailer_id}/expel"): lambda w: {"json": {"reason": "越权清退"}},
    ("POST", "/api/v1/tradein/me/identity/reclaim"): lambda w: {"json": {"id_number": w.holder_id, "name": "冒名者"}},
    ("POST", "/closures/{closure_id}/decide"): lambda w: {"data": {"decision": "approve"}},
    ("POST", "/plans/{plan_id}/rounds"): lambda w: {"data": {
        "title": "越权调度", "period": "2026-12", "due_on": (today() + dt.timedelta(days=9)).isoformat()}},
    ("POST", "/reports/{report_id}/review"): lambda w: {"data": {"decision": "accept"}},
    ("POST", "/round-items/{item_id}/report"): lambda w: {"data": {
        "progress_pct": "100", "task_status": "completed", "narrative": "越权报送"}},
    ("POST", "/tasks/{task_id}/milestones"): lambda w: {"data": {
        "title": "越权节点", "due_on": (today() + dt.timedelta(days=9)).isoformat()}},
    ("POST", "/tradein/me/qualifications"): lambda w: {"data": {"programme_id": str(w.ids["programme_id"]),
                                                                "category": "refrigerator"}},
    ("POST", "/tradein/retailer/verify"): lambda w: {"data": {"qualification_no": str(w.ids["qualification_id"]),
                                                              "id_number": w.holder_id}},
    ("POST", "/tradein/retailer/redeem"): lambda w: {"data": {
        "qualification_no": str(w.ids["qualification_id"]), "id_number": w.holder_id, "price": "4000",
        "invoice_no": "W-P", "invoice_date": today().isoformat(), "efficiency_grade": "1", "serial": "W-P",
        "idempotency_key": uuid.uuid4().hex}},
    ("POST", "/tradein/review/batches"): lambda w: {"data": {"claim_ids": str(w.ids["claim_id"])}},
    ("POST", "/tradein/retailer/car"): lambda w: {"data": {"programme_id": str(w.ids["car_programme_id"])}},
    ("POST", "/tradein/me/car"): lambda w: {"data": {"programme_id": str(w.ids["car_programme_id"])}},
    # accounts (issue 11): a new account in the other city's unit; a password change with a wrong
    # current password (the walker's own sessions must survive the walk)
    ("POST", "/api/v1/cities/{city_code}/accounts"): lambda w: {"json": {
        "username": "walker-new", "display_name": "越权账号", "role": "department", "unit_id": w.ids["unit_id"]}},
    ("PATCH", "/api/v1/cities/{city_code}/accounts/{user_id}"): lambda w: {"json": {"display_name": "越权改名"}},
    ("PUT", "/api/v1/cities/{city_code}/units/{unit_id}/manages-own-accounts"): lambda w: {"json": {"allowed": True}},
    ("POST", "/api/v1/me/password"): lambda w: {"json": {"current_password": "not-the-password",
                                                         "new_password": "walker-pass-2025"}},
    ("POST", "/cities/{city_code}/accounts"): lambda w: {"data": {
        "username": "walker-new", "display_name": "越权账号", "role": "department", "unit_id": str(w.ids["unit_id"])}},
    ("POST", "/cities/{city_code}/accounts/{user_id}"): lambda w: {"data": {"display_name": "越权改名",
                                                                         "role": "retailer"}},
    ("POST", "/cities/{city_code}/units/{unit_id}/manages-own-accounts"): lambda w: {"data": {"allowed": "yes"}},
    # the project library's pages (issue 12): a batch of the walker's own city
    ("POST", "/projects/batches"): lambda w: {"data": {
        "name": "越权批次", "instrument": "special_bond", "deadline": (today() + dt.timedelta(days=9)).isoformat(),
        "idempotency_key": uuid.uuid4().hex}},
    # the enterprise list (issue 12)
    ("POST", "/api/v1/cities/{city_code}/enterprises"): lambda w: {"json": _enterprise_body()},
    ("PUT", "/api/v1/cities/{city_code}/enterprises/{enterprise_id}"): lambda w: {"json": _enterprise_body()},
    ("PUT", "/api/v1/me/enterprise"): lambda w: {"json": _enterprise_body()},
    ("POST", "/api/v1/cities/{city_code}/enterprises/import"): lambda w: _files("企业名录.xlsx", b"PK", XLSX),
    # the key project library's API (issue 12)
    ("POST", "/api/v1/cities/{city_code}/projects"): lambda w: _project_body(),
    ("PUT", "/api/v1/cities/{city_code}/projects/{project_id}"): lambda w: _project_body(),
    ("POST", "/api/v1/cities/{city_code}/projects/{project_id}/approve"): lambda w: {"json": {"comment": "越权"}},
    ("POST", "/api/v1/cities/{city_code}/projects/{project_id}/return"): lambda w: {"json": {"comment": "越权"}},
    ("POST", "/api/v1/cities/{city_code}/project-batches"): lambda w: {"json": {
        "name": "越权批次", "instrument": "special_bond", "deadline": (today() + dt.timedelta(days=9)).isoformat()}},
    ("POST", "/api/v1/cities/{city_code}/project-batches/{project_batch_id}/projects"): lambda w: {"json": {
        "project_ids": [w.ids["project_id"]]}},
    ("POST", "/api/v1/cities/{city_code}/project-batches/{project_batch_id}/projects/remove"): lambda w: {"json": {
        "project_ids": [w.ids["project_id"]]}},
    ("PUT", "/api/v1/cities/{city_code}/project-field-reviewers"): lambda w: {"json": {
        "field": "industry", "unit_id": w.ids["unit_id"]}},
    ("POST", "/api/v1/recycling/prices"): lambda w: {"json": {
        "category": "paper", "unit": "kg", "price_fen": 1_00, "effective_from": today().isoformat(), "note": "越权"}},
    ("POST", "/api/v1/recycling/bookings/{booking_id}/weighings"): lambda w: {"json": {
        "readings": [{"category": "paper", "gross_g": 6000, "tare_g": 500}]}},
    ("POST", "/api/v1/recycling/bookings"): lambda w: {"json": {
        "address": "越权路8号", "lat": 36.47, "lon": 119.22, "coord_system": "wgs84",
        "day": (today() + dt.timedelta(days=1)).isoformat(), "window": "11-13", "phone": "13900139000",
        "items": [{"category": "paper", "estimated_g": 5000}], "recycler_unit_id": w.ids["recycler_unit_id"]}},
    ("POST", "/api/v1/recycling/bookings/{booking_id}/cancel"): lambda w: {"json": {"reason": "越权"}},
    ("POST", "/api/v1/recycling/bookings/{booking_id}/reschedule"): lambda w: {"json": {
        "day": (today() + dt.timedelta(days=1)).isoformat(), "window": "16-18"}},
    ("POST", "/api/v1/recycling/bookings/{booking_id}/no-show"): lambda w: {"json": {
        "reason": "越权", "party": "collector"}},
    ("POST", "/api/v1/recycling/sites"): lambda w: {"json": _site_body(w)},
    ("POST", "/api/v1/recycling/sites/{site_id}"): lambda w: {"json": _site_body(w)},
    ("POST", "/api/v1/recycling/sites/import"): lambda w: _files("sites.xlsx", _empty_xlsx(), XLSX),
    ("POST", "/api/v1/recycling/areas/import"): lambda w: _files("areas.xlsx", _empty_xlsx(), XLSX),
    ("POST", "/api/v1/recycling/flows"): lambda w: {"json": {
        "from_site_id": w.ids["site_id"], "to_site_id": None, "month": "2026-03-01", "category": "paper",
        "weight_g": 100000}},
    ("POST", "/api/v1/recycling/vehicles"): lambda w: {"json": {
        "plate": "川A12345", "depot_site_id": w.ids["site_id"], "capacity_kg": 1000, "capacity_m3": 5}},
    ("POST", "/api/v1/recycling/shifts"): lambda w: {"json": {
        "vehicle_id": w.ids["vehicle_id"], "driver_user_id": None, "work_date": today().isoformat(),
        "starts_at": "08:00", "ends_at": "17:00", "crew": "", "reload_site_ids": []}},
    ("PUT", "/api/v1/recycling/vehicles/{vehicle_id}"): lambda w: {"json": {
        "depot_site_id": w.ids["site_id"], "capacity_kg": 1000, "capacity_m3": 5, "status": "repair"}},
    ("PUT", "/api/v1/recycling/shifts/{shift_id}"): lambda w: {"json": {
        "driver_user_id": None, "starts_at": "08:00", "ends_at": "17:00", "crew": ""}},
    ("POST", "/recycling/dispatch/vehicles/{vehicle_id}"): lambda w: {"data": {
        "depot_site_id": str(w.ids["site_id"]), "capacity_kg": "1000", "capacity_m3": "5", "status": "repair",
        "day": today().isoformat()}},
    ("POST", "/recycling/dispatch/shifts/{shift_id}"): lambda w: {"data": {
        "starts_at": "08:00", "ends_at": "17:00", "action": "remove", "day": today().isoformat()}},
    ("POST", "/api/v1/recycling/plans"): lambda w: {"json": {"day": today().isoformat(), "seconds": 1}},
    ("POST", "/api/v1/secondhand/devices"): lambda w: {"json": {
        "device_type": "phone", "brand": "越权", "model": "X1", "imei": "490154203237518", "media_type": "flash"}},
    ("POST", "/api/v1/secondhand/complaints"): lambda w: {"json": {
        "dealer_unit_id": w.ids["dealer_unit_id"], "received_on": today().isoformat(), "summary": "越权投诉"}},
    ("POST", "/api/v1/secondhand/cars"): lambda w: {"json": {
        "vin": vin(), "plate": "川A12345", "first_registered_on": "2019-05-20",
        "inspection_summary": "越权登记"}},
    ("POST", "/api/v1/recycling/sellers"): lambda w: {"json": {
        "name": "越权者", "id_number": id_number(), "phone": "13900002222", "bank_card": "6222020200112233441",
        "bank_name": "越权银行", "authorised": True}},
    ("POST", "/api/v1/recycling/invoices"): lambda w: {"json": {
        "seller_id": w.ids["seller_id"], "lines": [{"category": "paper", "tax_code": "1" * 19, "weight_g": 1000,
                                                    "unit_price_fen": 100}]}},
    ("POST", "/api/v1/recycling/invoices/{invoice_id}/confirm"): lambda w: {"json": {"code": "123456"}},
    ("POST", "/api/v1/recycling/invoices/{invoice_id}/payment"): lambda w: {"json": {"payment_ref": "越权流水1234"}},
    ("POST", "/api/v1/recycling/invoices/{invoice_id}/reverse"): lambda w: {"json": {"reason": "越权红冲"}},
    ("POST", "/recycling/invoicing"): lambda w: {"data": {
        "seller_id": str(w.ids["seller_id"]), "idempotency_key": "walk", "line-0-category": "paper",
        "line-0-tax_code": "1" * 19, "line-0-quantity": "1", "line-0-price": "1"}},
    ("POST", "/api/v1/recycling/stops/{booking_id}/progress"): lambda w: {"json": {"action": "depart"}},
    ("POST", "/api/v1/recycling/bookings/{booking_id}/answer"): lambda w: {"json": {"accept": True}},
    ("POST", "/api/v1/recycling/bookings/{booking_id}/settlement"): lambda w: {"json": {"method": "cash"}},
    ("POST", "/api/v1/matching/products"): lambda w: {"json": {
        "code": "越权-1", "category": "三相异步电动机", "name": "越权电动机 11kW"}},
    ("POST", "/matching/products"): lambda w: {"data": {
        "code": "越权-1", "category": "motor_induction", "name": "越权电动机 11kW", "price_min": "1"}},
    ("POST", "/api/v1/matching/products/import"): lambda w: _files("供给清单.xlsx", b"PK", XLSX),
    ("POST", "/matching/products/import"): lambda w: _files("供给清单.xlsx", b"PK", XLSX),
    ("POST", "/api/v1/matching/demands/{equipment_id}/contacts"): lambda w: {"json": {
        "product_id": w.ids["product_id"], "note": "越权联系"}},
    ("POST", "/matching/demands/{equipment_id}/contacts"): lambda w: {"data": {
        "product_id": str(w.ids["product_id"]), "note": "越权联系"}},
    ("POST", "/api/v1/matching/contacts/{contact_id}/deal"): lambda w: {"json": {
        "amount_fen": 100, "signed_on": today().isoformat()}},
    ("POST", "/matching/contacts/{contact_id}/deal"): lambda w: {"data": {
        "amount": "1", "signed_on": today().isoformat()}},
    ("POST", "/api/v1/financing/needs"): lambda w: {"json": {
        "project_id": w.ids["project_id"], "amount_fen": 10_000_000, "term_months": 36, "bank_unit_ids": []}},
    ("POST", "/api/v1/financing/needs/{need_id}/push"): lambda w: {"json": {"bank_unit_ids": []}},
    ("POST", "/api/v1/financing/needs/{need_id}/answers"): lambda w: {"json": {"answer": "interested"}},
    ("POST", "/api/v1/financing/needs/{need_id}/loans"): lambda w: {"json": {
        "principal_fen": 10_000_000, "annual_rate_bp": 310, "term_months": 36, "contract_on": "2025-01-10",
        "tranches": [{"amount_fen": 5_000_000, "disbursed_on": "2025-01-10"}]}},
    ("POST", "/api/v1/financing/loans/{loan_id}/tranches"): lambda w: {"json": {
        "amount_fen": 100, "disbursed_on": "2025-02-01"}},
    ("POST", "/api/v1/financing/loans/{loan_id}/early-repayment"): lambda w: {"json": {"repaid_on": "2025-06-30"}},
    ("POST", "/api/v1/financing/subsidy/fund"): lambda w: {"json": {"amount_fen": 100}},
    ("POST", "/api/v1/financing/loans/{loan_id}/subsidy/{quarter}/preallocate"): lambda w: {"json": {}},
    ("POST", "/api/v1/financing/loans/{loan_id}/subsidy/{quarter}/settle"): lambda w: {"json": {}},
    ("POST", "/api/v1/financing/loans/{loan_id}/subsidy/{quarter}/correct"): lambda w: {"json": {"memo": "越权"}},
    ("POST", "/api/v1/financing/products"): lambda w: {"json": {"name": "越权产品"}},
    ("POST", "/api/v1/financing/events"): lambda w: {"json": {"title": "越权活动", "held_on": "2026-12-20"}},
    ("POST", "/financing/needs"): lambda w: {"data": {
        "project_id": str(w.ids["project_id"]), "amount": "100", "term_months": "12"}},
    ("POST", "/financing/needs/{need_id}/answer"): lambda w: {"data": {"answer": "interested"}},
    ("POST", "/financing/needs/{need_id}/loans"): lambda w: {"data": {
        "principal": "1000", "rate": "3.1", "term_months": "12", "contract_on": "2025-01-10",
        "tranche_amount": ["100"], "tranche_on": ["2025-01-10"]}},
    ("POST", "/financing/loans/{loan_id}/tranches"): lambda w: {"data": {"amount": "1", "disbursed_on": "2025-02-01"}},
    ("POST", "/financing/loans/{loan_id}/repayment"): lambda w: {"data": {"repaid_on": "2025-06-30"}},
    ("POST", "/financing/loans/{loan_id}/subsidy/{quarter}/preallocate"): lambda w: {"data": {"idempotency_key": "w"}},
    ("POST", "/financing/loans/{loan_id}/subsidy/{quarter}/settle"): lambda w: {"data": {"idempotency_key": "w"}},
    ("PUT", "/api/v1/matching/weights"): lambda w: {"json": {"county": 30, "city": 20}},
    ("POST", "/matching/weights"): lambda w: {"data": {"county": "30", "city": "20"}},
    ("POST", "/api/v1/recycling/scrapped"): lambda w: {"json": {
        "vin": vin(), "plate": "川A12345", "owner_name": "越权", "owner_id_number": id_number(),
        "first_registered_on": "2010-05-01", "fuel": "petrol", "emission_standard": "国三",
        "received_on": today().isoformat(), "certificate_no": f"W-{uuid.uuid4().hex[:10]}",
        "certificate_issued_on": today().isoformat()}},
    ("POST", "/api/v1/recycling/scrapped/{scrapped_id}/deregistration"): lambda w: {"json": {
        "number": "ZX-W-1", "deregistered_on": today().isoformat()}},
    ("POST", "/me/password"): lambda w: {"data": {"current_password": "not-the-password",
                                                  "new_password": "walker-pass-2025",
                                                  "confirm_password": "walker-pass-2025"}},
}


def _path(template: str, world: World) -> str:
    values = {**world.ids, "city_code": OTHER, "batch_id": world.ids.get("batch_id", 0), "action": "suspend",
              "indicator_code": "equipment_investment_growth"}
    return re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), template)


def _needs_sample(route: Any) -> bool:
    return route.body_field is not None and route.body_field.field_info.is_required()


def _refers_to_other(method: str, template: str, route: Any) -> bool:
    """Whether the request names one of the other city's objects (in its path or its sample body)."""
    return "{" in template or (method, template) in BODY_REFERS


# Samples whose body names the other city's objects (the rest carry only the caller's own data).
BODY_REFERS = {key for key in SAMPLES if key[1].startswith(("/tradein/me/qualifications", "/tradein/retailer/",
                                                            "/tradein/review/batches", "/tradein/me/car"))
               } | {("POST", "/api/v1/tradein/qualifications"), ("POST", "/api/v1/tradein/qualifications/presented"),
                    ("POST", "/api/v1/tradein/claims"), ("POST", "/api/v1/tradein/car-claims"),
                    ("POST", "/api/v1/tradein/payout-batches"), ("POST", "/api/v1/tradein/me/identity/reclaim"),
                    ("POST", "/api/v1/recycling/bookings"),  # a pickup by the other city's recycler
                    # a vehicle at the other city's depot, a shift on its vehicle
                    ("POST", "/api/v1/recycling/vehicles"), ("POST", "/api/v1/recycling/shifts"),
                    # a flow from the other city's site (a recycler's new site is its own: the
                    # operator in the body counts only for the office, and must be of its city)
                    ("POST", "/api/v1/recycling/flows"),
                    # a pre-invoice for the other city's seller
                    ("POST", "/api/v1/recycling/invoices"), ("POST", "/recycling/invoicing"),
                    # a financing need for the other city's project
                    ("POST", "/api/v1/financing/needs"), ("POST", "/financing/needs"),
                    # a complaint against the other city's dealer
                    ("POST", "/api/v1/secondhand/complaints"),
                    # a new account in the other city's unit
                    ("POST", "/api/v1/cities/{city_code}/accounts"), ("POST", "/cities/{city_code}/accounts")}


# ---- the other city's records, before and after ------------------------------------------------

def _city_tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if "city_code" in t.c]


def _snapshot(db: Session, world: World) -> dict[str, str]:
    """A digest of every row of the other city: its rows in each table with a city_code, and the
    rows of its plan (tasks, items, reports, closures), which carry the city through the plan."""
    db.expire_all()
    digests = {}
    for table in _city_tables():
        rows = db.execute(select(table).where(table.c.city_code == OTHER).order_by(*table.primary_key.columns)).all()
        digests[table.name] = _digest(rows)
    plan_id = world.ids["plan_id"]
    for model, where in [(Task, Task.plan_id == plan_id), (Report, Report.task_id.in_(select(Task.id).where(
            Task.plan_id == plan_id))), (Closure, Closure.task_id.in_(select(Task.id).where(Task.plan_id == plan_id))),
                         (Qualification, Qualification.city_code == OTHER), (Claim, Claim.city_code == OTHER),
                         (Plan, Plan.city_code == OTHER)]:
        table = model.__table__  # type: ignore[attr-defined]
        digests[f"{table.name}*"] = _digest(db.execute(select(table).where(where).order_by(
            *table.primary_key.columns)).all())
    return digests


def _digest(rows: Any) -> str:
    return hashlib.sha256(json.dumps([list(r) for r in rows], default=str).encode()).hexdigest()


# ---- the walk -------------------------------------------------------------------------------------

def _actors(db: Session, client: TestClient) -> dict[str, dict[str, str]]:
    """Every role of the home city, as an API client (bearer tokens need no CSRF token)."""
    home = setup_city(db, HOME)
    _, person = resident(db, home, name="资阳居民")
    names = {"office": "ziyang-office", "leader": "ziyang-leader", "reviewer": "ziyang-commerce",
             "department": "ziyang-dept01", "retailer": home.retailer_user, "resident": _username(db, person.user_id),
             "county": db.scalar(select(User.username).where(User.city_code == HOME, User.role == Role.COUNTY)) or ""}
    from tests.recycling import weighing_support as rc

    recycler = rc.recycler(db, HOME)  # its driver, station staff and dispatcher walk too
    names.update(driver=recycler.driver, station=recycler.station, dispatcher=recycler.dispatcher)
    db.flush()
    return {role: api_token(client, username, PASSWORD) for role, username in names.items()}


def test_every_route_refuses_another_citys_objects(client: TestClient, app: FastAPI, db: Session) -> None:
    world = World()
    _plans_world(db, world)
    other = _tradein_world(db, world)
    _import_world(client, world)
    _enterprise_world(db, world)
    _projects_world(db, world)
    _recycling_world(db, world)
    from tests.financing.boundary_world import financing_world
    world.ids.update(financing_world(db, MARK))
    batch = client.post("/api/v1/tradein/payout-batches", headers={
        **api_token(client, other.reviewer_user), "Idempotency-Key": uuid.uuid4().hex}, json={})
    world.ids["batch_id"] = batch.json().get("id", 0) if batch.status_code == 201 else 0
    actors = _actors(db, client)
    routes = app_routes(app)
    missing = [f"{m} {p}" for m, p, r in routes if _needs_sample(r) and (m, p) not in SAMPLES]
    assert not missing, f"add a sample body for these routes to SAMPLES: {missing}"

    before = _snapshot(db, world)
    problems: list[str] = []
    for method, template, route in routes:
        path = _path(template, world)
        for role, headers in actors.items():
            sample = SAMPLES.get((method, template), lambda w: {})(world)
            r = client.request(method, path, headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
                               follow_redirects=False, **sample)
            where = f"{role} {method} {template} → {r.status_code}"
            if r.status_code >= 500:
                problems.append(f"{where}: server error")
            elif (_refers_to_other(method, template, route) and r.status_code < 400
                  and (method, template) not in PUBLIC):
                problems.append(f"{where}: another city's object was served or changed")
            elif MARK in r.text:
                problems.append(f"{where}: the answer carries another city's data")
    after = _snapshot(db, world)
    changed = [name for name in before if before[name] != after[name]]
    assert not problems, "\n".join(problems)
    assert not changed, f"the other city's records changed: {changed}"


@pytest.mark.parametrize("who", ["resident", "retailer"])
def test_another_units_tradein_objects_are_refused(client: TestClient, db: Session, who: str) -> None:
    """Inside one city: a resident never reads or acts on another resident's qualification or claim,
    a retailer never on another retailer's claim."""
    city = setup_city(db, HOME)
    world = World()
    _, owner = resident(db, city, name="本市居民甲")
    mine = qualification.claim_qualification(db, programme=city.programmes["appliance-2025"], person=owner,
                                             category="tv", actor="t")
    claim = redemption.redeem(db, city.scope(db, city.retailer_user), mine.id, Purchase(
        category="tv", price_fen=3000_00, invoice_no=f"{MARK}-U", invoice_date=today(), efficiency_grade=3,
        serial=f"{MARK}-U"), holder_id_hash=holder(db, mine))
    active = qualification.claim_qualification(db, programme=city.programmes["appliance-2025"], person=owner,
                                               category="refrigerator", actor="t")
    world.ids.update(claim_id=claim.id, qualification_id=active.id)
    if who == "resident":
        username, _ = resident(db, city, name="本市居民乙")
    else:
        other_city_shop = setup_city(db, HOME)  # a second retailer of the same city
        username = other_city_shop.retailer_user
    headers = api_token(client, username)
    paths = [("GET", f"/api/v1/tradein/claims/{claim.id}"), ("GET", f"/api/v1/tradein/qualifications/{active.id}"),
             ("POST", f"/api/v1/tradein/qualifications/{active.id}/cancel"),
             ("POST", f"/api/v1/tradein/claims/{claim.id}/appeal"), ("GET", f"/tradein/me/claims/{claim.id}"),
             ("GET", f"/tradein/retailer/claims/{claim.id}"),
             ("POST", f"/api/v1/tradein/claims/{claim.id}/resubmit")]
    for method, path in paths:
        body = {"reason": "越权"} if path.endswith("appeal") else _purchase(world) if "resubmit" in path else None
        r = client.request(method, path, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}, json=body,
                           follow_redirects=False)
        assert 400 <= r.status_code < 500, f"{who} {method} {path} → {r.status_code}"
        assert MARK not in r.text
    db.expire_all()
    assert db.get(Qualification, active.id).status == "active"  # type: ignore[union-attr]
