"""The recycling network: sites written by their own recycler (or the city office) only, the .xlsx
import all-or-nothing with the row and the column named, the export re-imported, the coverage page
ranking the worst gap first, the map's JSON and the monthly flows."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.recycling import weighing_support as ws
from tests.tradein.claims_support import user

from huanxin.errors import Forbidden, InvalidInput, NotFound
from huanxin.orgs.roles import Role
from huanxin.recycling import coords
from huanxin.recycling.models import ServiceArea, Site
from huanxin.recycling.network import excel
from huanxin.recycling.network import service as network
from huanxin.recycling.network.service import FlowInput, SiteInput

FAR_CITY = "510400"


def _point(name: str = "", **extra: object) -> SiteInput:
    values: dict[str, object] = {"level": "point", "name": name or f"测试回收点{ws.tag()}", "address": "测试路2号",
                                 "lat": 30.121, "lon": 104.641, "capacity_kg": {"paper": 500}}
    values.update(extra)
    return SiteInput(**values)  # type: ignore[arg-type]


def _office(db: Session, city: str = ws.CITY) -> str:
    return user(db, f"rc-off-{ws.tag()}", Role.OFFICE, city)


def _book(sheet_name: str, rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_name
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _count(db: Session, model: type[Site] | type[ServiceArea]) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


# ---- sites ---------------------------------------------------------------------------------------

def test_a_recycler_creates_and_edits_its_own_site_only(db: Session) -> None:
    mine, other = ws.recycler(db), ws.recycler(db)
    site = network.create_site(db, mine.scope(db, "dispatcher"), _point(opening_hours="8:00-18:00"))
    assert site.operator_unit_id == mine.unit_id and site.capacity_kg == {"paper": 500}
    changed = network.update_site(db, mine.scope(db, "dispatcher"), site.id,
                                  _point("改名后的回收点", status="suspended"))
    assert changed.name == "改名后的回收点" and changed.status == "suspended"
    with pytest.raises(NotFound):
        network.update_site(db, other.scope(db, "dispatcher"), site.id, _point("别人的"))
    far = ws.scope_of(db, _office(db, FAR_CITY))
    with pytest.raises(NotFound):
        network.update_site(db, far, site.id, _point("外市"))
    resident = ws.scope_of(db, ws.resident(db))
    with pytest.raises(Forbidden):
        network.create_site(db, resident, _point())
    assert db.get(Site, site.id).name == "改名后的回收点"  # type: ignore[union-attr]


def test_the_office_registers_a_site_for_a_recycler_of_its_city(db: Session) -> None:
    rc = ws.recycler(db)
    office = ws.scope_of(db, _office(db))
    with pytest.raises(InvalidInput) as missing:
        network.create_site(db, office, _point())
    assert missing.value.field == "operator_unit_id"
    site = network.create_site(db, office, _point(operator_unit_id=rc.unit_id))
    assert site.operator_unit_id == rc.unit_id


@pytest.mark.parametrize(("extra", "field"), [
    ({"level": "shop"}, "level"), ({"name": " "}, "name"), ({"lat": 104.6, "lon": 30.1}, "lat"),
    ({"coord_system": "bd09"}, "coord_system"), ({"capacity_kg": {"gold": 5}}, "capacity_kg"),
    ({"area_m2": -1}, "area_m2"), ({"status": "open"}, "status")])
def test_bad_site_input_names_the_field_and_writes_nothing(db: Session, extra: dict[str, object], field: str) -> None:
    rc = ws.recycler(db)
    before = _count(db, Site)
    with pytest.raises(InvalidInput) as refused:
        network.create_site(db, rc.scope(db, "dispatcher"), _point(**extra))
    assert refused.value.field == field
    assert _count(db, Site) == before


def test_a_gcj02_position_is_stored_in_wgs84_and_shown_as_entered(db: Session) -> None:
    rc = ws.recycler(db)
    site = network.create_site(db, rc.scope(db, "dispatcher"), _point(lat=30.12, lon=104.64, coord_system="gcj02"))
    assert abs(site.lat - 30.12) > 1e-4  # converted: GCJ-02 is offset by a few hundred metres
    lat, lon = coords.as_entered(site.lat, site.lon, "gcj02")
    assert abs(lat - 30.12) < 1e-6 and abs(lon - 104.64) < 1e-6


# ---- sites as .xlsx ------------------------------------------------------------------------------

HEADER = [h for _, h, _ in excel.SITE_COLUMNS]


def test_a_good_file_creates_the_sites(db: Session) -> None:
    rc = ws.recycler(db)
    name = f"导入回收点{ws.tag()}"
    data = _book(excel.SITE_SHEET, [HEADER, ["", "社区回收点", name, "幸福路8号", 30.13, 104.65, "WGS-84", "8:00-17:00",
                                             10, "废纸:300；废金属:100", "运营中", "512002", ""]])
    result = excel.import_sites(db, rc.scope(db, "dispatcher"), data, "sites.xlsx")
    assert result.created == 1
    site = db.scalar(select(Site).where(Site.name == name))
    assert site is not None and site.capacity_kg == {"paper": 300, "metal": 100} and site.region_code == "512002"


def test_a_bad_file_names_the_row_and_the_column_and_writes_nothing(db: Session) -> None:
    rc = ws.recycler(db)
    before = _count(db, Site)
    tail = ["WGS-84", "", 10, "", "", "", ""]
    data = _book(excel.SITE_SHEET, [HEADER, ["", "社区回收点", "好的一行", "路1号", 30.13, 104.65, *tail],
                                    ["", "小卖部", "坏的一行", "路2号", "三十", 104.65, *tail]])
    with pytest.raises(excel.ImportRejected) as refused:
        excel.import_sites(db, rc.scope(db, "dispatcher"), data, "sites.xlsx")
    messages = [e["message"] for e in refused.value.errors]
    assert any("第3行“层级”" in m and "小卖部" in m for m in messages)
    assert any("第3行“纬度”" in m for m in messages)
    assert "未写入任何数据" in refused.value.message
    assert _count(db, Site) == before


def test_another_recyclers_site_number_in_the_file_is_refused(db: Session) -> None:
    mine, other = ws.recycler(db), ws.recycler(db)
    data = _book(excel.SITE_SHEET, [HEADER, [other.site_id, "街道中转站", "抢过来", "路3号", 30.1, 104.6, "WGS-84",
                                             "", 600, "", "运营中", "", ""]])
    with pytest.raises(excel.ImportRejected) as refused:
        excel.import_sites(db, mine.scope(db, "dispatcher"), data, "sites.xlsx")
    assert "第2行“站点编号”" in refused.value.errors[0]["message"]
    assert db.get(Site, other.site_id).name != "抢过来"  # type: ignore[union-attr]


def test_the_export_reimports_unchanged(db: Session) -> None:
    rc = ws.recycler(db)
    scope = rc.scope(db, "dispatcher")
    network.create_site(db, scope, _point("=HYPERLINK(\"x\")", coord_system="gcj02", lat=30.2, lon=104.7))
    exported = excel.export_sites(db, scope)
    cells = [c.value for row in load_workbook(io.BytesIO(exported)).active.iter_rows() for c in row]  # type: ignore[union-attr]
    assert "'=HYPERLINK(\"x\")" in cells  # neutralised
    own = [s for s in network.sites_of_city(db, scope) if s.operator_unit_id == rc.unit_id]
    before = {s.id: (s.name, round(s.lat, 6), round(s.lon, 6), s.capacity_kg, s.coord_system) for s in own}
    # the recycler re-imports only its own rows (the others are other recyclers'): keep those
    book = load_workbook(io.BytesIO(exported))
    sheet = book.active
    assert sheet is not None
    for row in list(sheet.iter_rows(min_row=2)):
        if row[0].value not in before:
            sheet.delete_rows(row[0].row)
    out = io.BytesIO()
    book.save(out)
    result = excel.import_sites(db, scope, out.getvalue(), "sites.xlsx")
    assert result.updated == len(before) and result.created == 0
    for s in own:
        db.refresh(s)
    assert {s.id: (s.name, round(s.lat, 6), round(s.lon, 6), s.capacity_kg, s.coord_system) for s in own} == before


# ---- areas and coverage --------------------------------------------------------------------------

AREA_HEADER = [h for _, h, _ in excel.AREA_COLUMNS]


def _areas(db: Session, office: str, street: str) -> None:
    data = _book(excel.AREA_SHEET, [
        AREA_HEADER,
        [street, f"{street}甲社区", "512002", 900, "城镇", 30.121, 104.641],  # beside the recycler's point
        [street, f"{street}乙社区", "512002", 9000, "城镇", 30.300, 104.900],  # far away: the worst gap
        [street, f"{street}丙社区", "512002", 1200, "乡村", 30.200, 104.720]])
    result = excel.import_areas(db, ws.scope_of(db, office), data, "areas.xlsx")
    assert result.communities == 3


def test_a_bad_area_file_is_refused_whole_and_only_the_city_imports(db: Session) -> None:
    office = _office(db)
    before = _count(db, ServiceArea)
    data = _book(excel.AREA_SHEET, [AREA_HEADER, ["某街道", "甲社区", "512002", 100, "城镇", 30.1, 104.6],
                                    ["某街道", "乙社区", "5120", "很多", "城镇", 30.1, 104.6]])
    with pytest.raises(excel.ImportRejected) as refused:
        excel.import_areas(db, ws.scope_of(db, office), data, "areas.xlsx")
    messages = " ".join(e["message"] for e in refused.value.errors)
    assert "第3行“所在区县代码”" in messages and "第3行“户数”" in messages
    assert _count(db, ServiceArea) == before
    with pytest.raises(Forbidden):
        excel.import_areas(db, ws.recycler(db).scope(db, "dispatcher"), data, "areas.xlsx")


def test_coverage_page_ranks_the_worst_gap_first_with_the_norm_and_its_source(client: TestClient, db: Session) -> None:
    rc = ws.recycler(db)
    office = _office(db)
    street = f"测试街道{ws.tag()}"
    network.create_site(db, rc.scope(db, "dispatcher"), _point())
    _areas(db, office, street)
    login_browser(client, office)
    page = client.get("/recycling/network/coverage")
    assert page.status_code == 200
    gaps = page.text.split('data-testid="gaps"')[1].split("</table>")[0]
    first_row = gaps.split("<tr>")[2]
    assert f"{street}乙社区" in first_row and "<td>1</td>" in first_row
    assert f"{street}甲社区" not in gaps  # served by the point beside it
    assert "SB/T 10719-2012" in page.text and 'value="1000"' in page.text
    assert 'class="rc-map"' in page.text
    wider = client.get("/recycling/network/coverage", params={"radius_m": "20000"})
    assert f"{street}丙社区" not in wider.text.split('data-testid="gaps"')[1].split("</table>")[0]


def test_map_json_has_the_shape_the_map_script_reads(client: TestClient, db: Session) -> None:
    rc = ws.recycler(db)
    office = _office(db)
    street = f"测试街道{ws.tag()}"
    network.create_site(db, rc.scope(db, "dispatcher"), _point())
    _areas(db, office, street)
    data = client.get("/api/v1/recycling/coverage/map.json", headers=api_token(client, office)).json()
    assert set(data) == {"boundary", "sites", "points", "routes", "gaps"}
    assert data["boundary"]["type"] == "FeatureCollection"  # the city's counties: tests/recycling/test_boundary.py
    assert {"name", "level", "lat", "lon"} <= set(data["sites"][0])
    assert {"name", "lat", "lon", "kind", "label"} <= set(data["points"][0])
    assert data["gaps"][0]["name"] == f"{street}乙社区" and "缺口第1位" in data["gaps"][0]["label"]
    resident = client.get("/api/v1/recycling/coverage/map.json", headers=api_token(client, ws.resident(db)))
    assert resident.status_code == 403


# ---- flows ---------------------------------------------------------------------------------------

def test_flows_sum_by_month_and_category_and_a_second_report_corrects(db: Session) -> None:
    rc = ws.recycler(db)
    scope = rc.scope(db, "dispatcher")
    point = network.create_site(db, scope, _point())
    month = dt.date(2026, 3, 1)
    network.record_flow(db, scope, FlowInput(point.id, rc.site_id, month, "paper", 100_000))
    network.record_flow(db, scope, FlowInput(point.id, rc.site_id, dt.date(2026, 3, 15), "paper", 120_000))  # corrected
    network.record_flow(db, scope, FlowInput(point.id, rc.site_id, month, "metal", 30_000))
    network.record_flow(db, scope, FlowInput(rc.site_id, None, dt.date(2026, 4, 1), "paper", 50_000))
    rows = {r.month: r for r in network.monthly_table(db, network.flows_visible(db, scope))}
    march = rows[month]
    assert march.by_category == {"paper": 120_000, "metal": 30_000} and march.total_g == 150_000
    assert {network.leg_label(k): v for k, v in march.by_leg.items()} == {"社区回收点→街道中转站": 150_000}
    assert rows[dt.date(2026, 4, 1)].total_g == 50_000
    other = ws.recycler(db)
    with pytest.raises(NotFound):
        network.record_flow(db, other.scope(db, "dispatcher"), FlowInput(point.id, None, month, "paper", 1))
    with pytest.raises(InvalidInput) as bad:
        network.record_flow(db, scope, FlowInput(point.id, None, month, "paper", 0))
    assert bad.value.field == "weight_g"
    with pytest.raises(InvalidInput) as downward:
        network.record_flow(db, scope, FlowInput(rc.site_id, point.id, month, "paper", 1_000))
    assert downward.value.field == "to_site_id" and "上一级" in downward.value.message
    assert point.id not in {f.from_site_id for f in network.flows_visible(db, other.scope(db, "dispatcher"))}


# ---- the API and the pages ---------------------------------------------------------------------

def test_the_api_creates_reads_and_refuses_another_recyclers_site(client: TestClient, db: Session) -> None:
    mine, other = ws.recycler(db), ws.recycler(db)
    headers = api_token(client, mine.dispatcher)
    body = {"level": "cabinet", "name": "智能柜一号", "address": "路5号", "lat": 30.12, "lon": 104.64,
            "coord_system": "wgs84", "capacity_kg": {"plastic": 80}}
    made = client.post("/api/v1/recycling/sites", headers=headers, json=body)
    assert made.status_code == 201 and made.json()["level_label"] == "智能回收柜"
    site_id = made.json()["id"]
    assert client.get(f"/api/v1/recycling/sites/{site_id}", headers=headers).json()["name"] == "智能柜一号"
    theirs = client.post(f"/api/v1/recycling/sites/{site_id}", headers=api_token(client, other.dispatcher), json=body)
    assert theirs.status_code == 404
    bad = client.post("/api/v1/recycling/sites", headers=headers, json={**body, "lon": 200})
    assert bad.status_code == 422 and "经度" in bad.text
    far = client.get(f"/api/v1/recycling/sites/{site_id}", headers=api_token(client, _office(db, FAR_CITY)))
    assert far.status_code == 404
    exported = client.get("/api/v1/recycling/sites.xlsx", headers=headers)
    assert exported.status_code == 200 and exported.content[:2] == b"PK"


def test_the_site_form_shows_the_error_beside_the_field_and_saves(client: TestClient, db: Session) -> None:
    rc = ws.recycler(db)
    csrf = login_browser(client, rc.dispatcher)
    form = {"csrf_token": csrf, "level": "point", "name": "表单回收点", "address": "路6号", "lat": "abc",
            "lon": "104.64", "coord_system": "wgs84", "status": "operating", "cap_paper": "200"}
    refused = client.post("/recycling/network/sites/new", data=form)
    assert refused.status_code == 422 and "纬度应为数字" in refused.text and 'value="表单回收点"' in refused.text
    done = client.post("/recycling/network/sites/new", data={**form, "lat": "30.12"}, follow_redirects=True)
    assert "已登记站点" in done.text and "表单回收点" in done.text and "废纸:200" in done.text
    other = ws.recycler(db)
    assert client.get(f"/recycling/network/sites/{other.site_id}").status_code == 404


def test_the_flows_page_shows_the_monthly_table(client: TestClient, db: Session) -> None:
    rc = ws.recycler(db)
    csrf = login_browser(client, rc.dispatcher)
    bad = client.post("/recycling/network/flows", data={"csrf_token": csrf, "from_site_id": str(rc.site_id),
                                                        "month": "2026-02", "category": "paper", "weight_kg": "x"})
    assert bad.status_code == 422 and "重量" in bad.text
    done = client.post("/recycling/network/flows", follow_redirects=True, data={
        "csrf_token": csrf, "from_site_id": str(rc.site_id), "month": "2026-02", "category": "paper",
        "weight_kg": "1234.5"})
    assert "已登记流向" in done.text and "2026年02月" in done.text and "1,234.5" in done.text


def test_the_network_page_lists_sites_and_shows_a_bad_files_rows(client: TestClient, db: Session) -> None:
    rc = ws.recycler(db)
    csrf = login_browser(client, rc.dispatcher)
    page = client.get("/recycling/network")
    assert page.status_code == 200 and "街道中转站" in page.text and "station" not in page.text.split("<main")[-1]
    row = ["", "社区回收点", "缺经度", "路7号", 30.1, "", "WGS-84", "", "", "", "", "", ""]
    bad = _book(excel.SITE_SHEET, [HEADER, row])
    shown = client.post("/recycling/network/sites/import", data={"csrf_token": csrf},
                        files={"file": ("sites.xlsx", bad, excel.XLSX)})
    assert shown.status_code == 422 and "第2行“经度”未填写" in shown.text
    assert "缺经度" not in client.get("/recycling/network").text
    script = client.get("/recycling/network/echarts.min.js")
    assert script.status_code == 200 and "echarts" in script.text[:2000]
