"""Read models of the scrapped-vehicle registry shared by the pages, the API and the export: the
owner masked (the registry's readers never need the full identity), labels instead of codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from huanxin.kit.clock import CHINA, aware
from huanxin.kit.excel import append_row, list_sheet_bytes
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope
from huanxin.recycling import repository as recycling_repo
from huanxin.recycling.scrapped import repository as repo
from huanxin.recycling.scrapped import service
from huanxin.recycling.scrapped.models import ScrapCertificate, ScrappedVehicle

COLUMNS = ("登记编号", "车辆识别代号（VIN）", "号牌号码", "机动车所有人", "身份证件号码", "初次登记日期", "燃料种类",
           "排放标准", "回收日期", "回收拆解企业", "所在区县", "报废机动车回收证明编号", "出具日期",
           "机动车注销证明编号", "注销日期", "关联补贴申请", "申请提交日期")
WIDTHS = (10, 22, 12, 12, 22, 12, 10, 10, 12, 26, 12, 24, 12, 24, 12, 12, 14)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def vehicle_out(vehicle: ScrappedVehicle, cert: ScrapCertificate, names: dict[int, str],
                counties: dict[str, str]) -> dict[str, Any]:
    owner_name, owner_id = service.owner_masked(vehicle)
    submitted = aware(cert.claim_submitted_at).astimezone(CHINA).date() if cert.claim_submitted_at else None
    return {
        "id": vehicle.id, "vin": vehicle.vin, "plate": vehicle.plate, "owner_name": owner_name, "owner_id": owner_id,
        "first_registered_on": _day(vehicle.first_registered_on), "fuel": vehicle.fuel,
        "fuel_label": service.FUELS.get(vehicle.fuel, ""), "emission_standard": vehicle.emission_standard,
        "received_on": _day(vehicle.received_on), "recycler_unit_id": vehicle.unit_id,
        "recycler_name": names.get(vehicle.unit_id, ""), "region_code": vehicle.region_code,
        "county_name": counties.get(vehicle.region_code, ""),
        "certificate": {"number": cert.number, "issued_on": _day(cert.issued_on),
                        "deregistration_no": cert.deregistration_no or "",
                        "deregistered_on": _day(cert.deregistered_on),
                        "claim_id": cert.claim_id, "claim_submitted_on": _day(submitted)},
    }


def names_of(session: Session, scope: Scope) -> tuple[dict[int, str], dict[str, str]]:
    units = {u.id: u.name for u in recycling_repo.recyclers_of_city(session, scope.city_code)}
    counties = {r.code: r.name for r in orgs_service.child_regions(session, scope.city_code)}
    counties.setdefault(scope.city_code, orgs_service.region_name(session, scope.city_code))
    return units, counties


def rows_out(session: Session, scope: Scope, *, month: dt.date | None = None,
             county: str | None = None) -> list[dict[str, Any]]:
    rows = repo.listed(session, scope, month=month, county=county)
    units, counties = names_of(session, scope)
    return [vehicle_out(v, c, units, counties) for v, c in rows]


def one_out(session: Session, scope: Scope, vehicle_id: int) -> dict[str, Any]:
    vehicle, cert = repo.get(session, scope, vehicle_id)
    units, counties = names_of(session, scope)
    return vehicle_out(vehicle, cert, units, counties)


def sheet(session: Session, scope: Scope, *, month: dt.date | None, county: str | None) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = f"{month:%Y年%m月}报废机动车" if month else "报废机动车回收登记"
    append_row(ws, COLUMNS)
    for row in rows_out(session, scope, month=month, county=county):
        cert = row["certificate"]
        append_row(ws, [row["id"], row["vin"], row["plate"], row["owner_name"], row["owner_id"],
                        row["first_registered_on"], row["fuel_label"], row["emission_standard"], row["received_on"],
                        row["recycler_name"], row["county_name"], cert["number"], cert["issued_on"],
                        cert["deregistration_no"], cert["deregistered_on"],
                        f"#{cert['claim_id']}" if cert["claim_id"] else "", cert["claim_submitted_on"]])
    return list_sheet_bytes(book, ws, WIDTHS)
