"""The office's monthly figures of second-hand trade and reverse invoicing by county (issue 17,
item 4): what a sale or an invoice adds, who may read which county, the sheet, and the indicators
the same counts feed."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.recycling import invoicing_support as inv
from tests.recycling import weighing_support as ws
from tests.recycling.scrapped import support as scrapped
from tests.secondhand.support import imei, resident
from tests.tradein.claims_support import user, vin

from huanxin.indicators import service as indicators_service
from huanxin.kit.clock import now, today
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import Unit
from huanxin.orgs.roles import Role
from huanxin.recycling.statistics import indicator_feed
from huanxin.secondhand import cars, devices, wipes

CITY, COUNTY, OTHER_COUNTY = "512000", "512002", "512022"


def _county_recycler(db: Session, region: str = COUNTY) -> ws.Recycler:
    rc = ws.recycler(db, CITY)
    unit = db.get(Unit, rc.unit_id)
    assert unit is not None
    unit.region_code = region
    db.flush()
    return rc


def _sell_phone(db: Session, rc: ws.Recycler) -> None:
    scope = rc.scope(db)
    phone = devices.register(db, scope, devices.DeviceInput(device_type="phone", brand="华为", model="Mate 40",
                                                           imei=imei(), media_type="flash"))
    wipes.record(db, scope, phone.id, wipes.WipeInput(
        method="block_erase", passes=0, includes_random_pass=False, media_type="flash", tool_name="清除大师",
        tool_version="3.2", operator="张师傅", verified=True, verification_method="全盘读取校验", wiped_at=now(),
        evidence_name="report.txt", evidence_type="text/plain", evidence=b"ok"))
    devices.list_for_resale(db, scope, phone.id)
    devices.mark_sold(db, scope, phone.id)


def _sell_car(db: Session, rc: ws.Recycler) -> None:
    scope = rc.scope(db)
    car = cars.register(db, scope, cars.CarInput(vin=vin(), plate="川M12345", first_registered_on=today().replace(
        year=today().year - 5), grade="grade_2", inspection_summary="车况良好，发动机与变速箱正常"))
    cars.mark_sold(db, scope, car.id)


def _world(db: Session) -> tuple[ws.Recycler, ws.Recycler]:
    here, there = _county_recycler(db), _county_recycler(db, OTHER_COUNTY)
    _sell_phone(db, here)
    _sell_phone(db, here)
    _sell_car(db, here)
    _sell_car(db, there)
    inv.qualify(db, there)
    seller = inv.seller(db, there)
    blue = inv.issued(db, there, seller, 30_000)
    inv.issued(db, there, seller, 20_000)
    from huanxin.recycling.invoicing import service as invoicing

    invoicing.reverse(db, there.scope(db, "dispatcher"), blue.id, "出售方信息有误")
    dismantler = scrapped.dismantler(db, CITY)
    unit = db.get(Unit, dismantler.unit_id)
    assert unit is not None
    unit.region_code = COUNTY
    scrapped.record(db, dismantler, received_on=today(), certificate_issued_on=today())
    return here, there


def _row(rows: list[dict[str, object]], region_name: str) -> dict[str, float]:
    month = f"{today():%Y-%m}"
    found = [r for r in rows if r["month"] == month and r["region_name"] == region_name]
    assert found, f"no row for {region_name} in {month}"
    values = found[0]["values"]
    assert isinstance(values, dict)
    return values


def test_the_office_sees_this_months_sales_and_net_invoices_by_county(client: TestClient, db: Session) -> None:
    before = client.get("/api/v1/recycling/statistics?months=3",
                        headers=api_token(client, user(db, f"st-off-{ws.tag()}", Role.OFFICE, CITY))).json()
    _world(db)
    headers = api_token(client, user(db, f"st-off-{ws.tag()}", Role.OFFICE, CITY))
    body = client.get("/api/v1/recycling/statistics?months=3", headers=headers).json()
    assert [m["code"] for m in body["measures"]] == ["scrapped_cars", "used_cars", "electronics", "reverse_invoiced"]
    yanjiang, lezhi = _row(body["rows"], "雁江区"), _row(body["rows"], "乐至县")
    assert yanjiang["electronics"] >= 2 and yanjiang["used_cars"] >= 1
    assert lezhi["used_cars"] >= 1
    # 30,000 + 20,000 yuan issued, the first reversed by a red-letter invoice: 20,000 yuan = 2.00 万元 net.
    assert lezhi["reverse_invoiced"] >= 2.0
    city_now, city_before = _row(body["rows"], "全市合计"), _row(before["rows"], "全市合计")
    assert city_now["electronics"] - city_before["electronics"] == 2
    assert city_now["used_cars"] - city_before["used_cars"] == 2
    assert city_now["scrapped_cars"] - city_before["scrapped_cars"] == 1 and yanjiang["scrapped_cars"] >= 1
    assert round(city_now["reverse_invoiced"] - city_before["reverse_invoiced"], 2) == 2.0


def test_the_page_and_the_sheet_show_the_same_figures_in_chinese(client: TestClient, db: Session) -> None:
    _world(db)
    headers = api_token(client, user(db, f"st-off-{ws.tag()}", Role.OFFICE, CITY))
    page = client.get("/recycling/statistics", headers=headers)
    assert page.status_code == 200
    assert "二手电子产品交易（经核验清除）" in page.text and "雁江区" in page.text and "全市合计" in page.text
    assert "reverse_invoiced" not in page.text  # codes never reach the screen
    sheet = client.get("/recycling/statistics.xlsx?months=3", headers=headers)
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("月份", "地区", "报废机动车回收（出具回收证明）（辆）", "二手车交易（辆）")
    assert any(r[1] == "乐至县" and r[0] == f"{today():%Y-%m}" for r in rows[1:])


def test_a_county_reads_its_own_county_and_a_resident_or_a_recycler_is_refused(client: TestClient,
                                                                               db: Session) -> None:
    here, _there = _world(db)
    unit = orgs_service.ensure_unit(db, city_code=CITY, name=f"雁江区人民政府{ws.tag()}", kind="county", aliases=[],
                                    region_code=COUNTY)
    county = api_token(client, user(db, f"st-cty-{ws.tag()}", Role.COUNTY, CITY, unit.id))
    rows = client.get("/api/v1/recycling/statistics", headers=county).json()["rows"]
    assert {r["region_name"] for r in rows} == {"雁江区合计"}
    assert _row(rows, "雁江区合计")["reverse_invoiced"] == 0  # 乐至's invoices are not 雁江's
    assert _row(rows, "雁江区合计")["electronics"] >= 2
    assert client.get("/api/v1/recycling/statistics", headers=api_token(client, resident(db))).status_code == 403
    assert client.get("/api/v1/recycling/statistics", headers=api_token(client, here.driver)).status_code == 403
    assert client.get("/recycling/statistics.xlsx", headers=api_token(client, resident(db))).status_code == 403


def test_the_same_counts_feed_the_indicators_year_to_date(db: Session) -> None:
    _world(db)
    result = indicator_feed.feed_indicators(db, CITY, today().year, today().month)
    assert result.written["secondhand_electronics_traded"] >= 2
    assert result.written["used_car_transactions"] >= 2 or "used_car_transactions" in result.skipped
    assert result.written["reverse_invoiced_amount"] >= 2.0
    observations = indicators_service.list_observations(
        db, indicator_feed.computed.feed_scope(CITY, "t", "t"), CITY, year=today().year)
    fed = [o for o in observations if o.indicator_code == "secondhand_electronics_traded" and o.source == "computed"]
    assert fed and "经核验数据清除后售出" in (fed[0].note or "")
