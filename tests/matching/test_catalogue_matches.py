"""The buyer's ranked suppliers with the breakdown, the excluded ones with the reason, contacts and
deals; the supplier's 我为企业找订单 without the project's money; scopes (404 / 403); the office's
statistics with the local share."""

from __future__ import annotations

import datetime as dt
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.matching.catalogue_support import SHENZHEN, product, resident, setup
from tests.projects.support import OTHER_CITY_OFFICE

from huanxin.kit.clock import today


def test_the_buyer_sees_ranked_suppliers_with_the_breakdown_and_the_excluded_with_reason(
        db: Session, client: TestClient) -> None:
    m = setup(db)
    local = product(db, m.supplier_user, "L-1")
    far = product(db, m.third_user, "F-1", region_code=SHENZHEN, price_min_fen=8_000_00)
    product(db, m.third_user, "W-1", on_sale=False)
    product(db, m.third_user, "S-1", efficiency_level="below", efficiency_grade=None)
    csrf = login_browser(client, m.buyer_user)
    assert csrf
    page = client.get(f"/matching/demands/{m.motor.id}")
    assert page.status_code == 200
    text = page.text
    assert text.index(f'data-testid="match-{local.id}"') < text.index(f'data-testid="match-{far.id}"')
    assert "同类设备 +40，额定功率11kW符合需求 +25，本县（区）企业 +25，能效一级 +15" in text
    assert "该型号已不允许销售" in text and "能效低于准入水平" in text
    assert "因硬性条件排除的同类产品（2）" in text
    assert "匹配要求：额定功率 11–13.2kW" in text
    answer = client.get(f"/api/v1/matching/demands/{m.motor.id}", headers=api_token(client, m.buyer_user)).json()
    assert [x["product"]["code"] for x in answer["matches"]] == ["L-1", "F-1"]
    assert answer["matches"][1]["explanation"].startswith("同类设备 +40，额定功率11kW符合需求 +25，能效一级 +15")


def test_a_contact_and_a_deal_are_recorded_once(db: Session, client: TestClient) -> None:
    m = setup(db)
    local = product(db, m.supplier_user, "L-1")
    csrf = login_browser(client, m.buyer_user)
    page = client.post(f"/matching/demands/{m.motor.id}/contacts",
                       data={"csrf_token": csrf, "product_id": str(local.id), "note": "请报价"}, follow_redirects=True)
    assert "已记录联系" in page.text and 'data-testid="contacts"' in page.text
    headers = api_token(client, m.buyer_user)
    contact = client.post(f"/api/v1/matching/demands/{m.motor.id}/contacts", json={"product_id": local.id},
                          headers=headers).json()
    assert contact["explanation"].startswith("同类设备 +40")
    bad = client.post(f"/api/v1/matching/contacts/{contact['id']}/deal",
                      json={"amount_fen": 0, "signed_on": today().isoformat()}, headers=headers)
    assert bad.status_code == 422 and "成交金额" in bad.json()["error"]
    late = (today() + dt.timedelta(days=3)).isoformat()
    assert client.post(f"/api/v1/matching/contacts/{contact['id']}/deal", json={"amount_fen": 100, "signed_on": late},
                       headers=headers).status_code == 422
    deal = client.post(f"/api/v1/matching/contacts/{contact['id']}/deal",
                       json={"amount_fen": 120_000_00, "signed_on": today().isoformat()}, headers=headers)
    assert deal.status_code == 201 and deal.json()["locality_label"] == "本县（区）企业" and deal.json()["local"]
    again = client.post(f"/api/v1/matching/contacts/{contact['id']}/deal",
                        json={"amount_fen": 1, "signed_on": today().isoformat()}, headers=headers)
    assert again.status_code == 409
    # the supplier cannot record the buyer's deal
    assert client.post(f"/api/v1/matching/contacts/{contact['id']}/deal",
                       json={"amount_fen": 1, "signed_on": today().isoformat()},
                       headers=api_token(client, m.supplier_user)).status_code == 404


def test_the_supplier_sees_the_demand_but_never_the_projects_money(db: Session, client: TestClient) -> None:
    m = setup(db)
    product(db, m.supplier_user, "L-1")
    login_browser(client, m.supplier_user)
    page = client.get("/matching/orders")
    assert page.status_code == 200
    row = page.text[page.text.index(f'data-testid="order-{m.motor.id}"'):]
    row = row[:row.index("</tr>")]
    assert m.lib.enterprise.name in row and "三相异步电动机" in row and "高效电动机 YE4-160M-4" in row
    assert "本县（区）企业 +25" in row and "预算" not in row  # the buyer's budget cannot be probed
    api = client.get("/api/v1/matching/orders", headers=api_token(client, m.supplier_user)).json()["orders"]
    mine = next(o for o in api if o["equipment_id"] == m.motor.id)
    assert set(mine) == {"equipment_id", "category", "spec", "quantity", "region", "buyer", "best_product", "score",
                         "explanation"}
    for figure in ("50000000", "5,000", "5000万", "2000万", "20000000", "12000", "12,000", "工商银行", "贷款", "投资"):
        assert figure not in page.text and figure not in str(api), figure


def test_scopes_another_city_404_a_resident_403(db: Session, client: TestClient) -> None:
    m = setup(db)
    local = product(db, m.supplier_user, "L-1")
    foreign = api_token(client, OTHER_CITY_OFFICE)
    assert client.get(f"/api/v1/matching/demands/{m.motor.id}", headers=foreign).status_code == 404
    assert client.post(f"/api/v1/matching/products/{local.id}/withdraw", headers=foreign).status_code == 403
    folk = api_token(client, resident(db))
    assert client.get(f"/api/v1/matching/demands/{m.motor.id}", headers=folk).status_code == 403
    assert client.get("/api/v1/matching/orders", headers=folk).status_code == 403
    assert client.get("/api/v1/matching/stats", headers=folk).status_code == 403
    # a supplier is not the buyer: it may not contact on the buyer's behalf (the project is not its own)
    assert client.post(f"/api/v1/matching/demands/{m.motor.id}/contacts", json={"product_id": local.id},
                       headers=api_token(client, m.supplier_user)).status_code == 404
    # the retired line is not a demand
    assert client.get(f"/api/v1/matching/demands/{m.motor.id - 1}",
                      headers=api_token(client, m.buyer_user)).status_code == 404


def test_the_office_reads_the_local_share_by_county_and_field(db: Session, client: TestClient) -> None:
    m = setup(db)
    local = product(db, m.supplier_user, "L-1")
    far = product(db, m.third_user, "F-1", region_code=SHENZHEN)
    headers = api_token(client, m.buyer_user)
    for item in (local, far):
        contact = client.post(f"/api/v1/matching/demands/{m.motor.id}/contacts", json={"product_id": item.id},
                              headers=headers).json()
        client.post(f"/api/v1/matching/contacts/{contact['id']}/deal",
                    json={"amount_fen": 100_000_00, "signed_on": today().isoformat()}, headers=headers)
    client.post(f"/api/v1/matching/demands/{m.motor.id}/contacts", json={"product_id": far.id}, headers=headers)
    office = api_token(client, m.lib.office_user)
    stats = client.get("/api/v1/matching/stats", headers=office).json()
    row = next(r for r in stats["rows"] if r["region_code"] == m.lib.region_code and r["field"] == "industry")
    assert (row["contacts"], row["deals"], row["local_deals"], row["local_share_text"]) == (3, 2, 1, "50.0%")
    assert row["field_name"] == "工业"
    assert client.get("/api/v1/matching/stats", headers=headers).status_code == 403
    login_browser(client, m.lib.office_user)
    assert "本地企业成交占比" in client.get("/matching/stats").text
    book = load_workbook(io.BytesIO(client.get("/matching/stats.xlsx").content))
    ws = book.active
    assert ws is not None
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[0][0] == "县（市、区）" and values[-1][0] == "全市合计"
    assert any(v[1] == "工业" and v[3] == 2 and v[6] == "50.0%" for v in values[1:])


def test_the_supplier_filters_and_exports_its_orders(db: Session, client: TestClient) -> None:
    m = setup(db)
    product(db, m.supplier_user, "L-1")
    product(db, m.supplier_user, "C-1", category="加工中心", name="立式加工中心 VMC850 X轴行程850mm",
            params={"travel_mm": 850}, efficiency_level=None, efficiency_grade=None)
    headers = api_token(client, m.supplier_user)
    every = client.get("/api/v1/matching/orders", headers=headers).json()["orders"]
    assert {"三相异步电动机", "数控金属切削机床"} <= {o["category"] for o in every}
    motors = client.get("/api/v1/matching/orders?category=三相异步电动机", headers=headers).json()["orders"]
    assert motors and {o["category"] for o in motors} == {"三相异步电动机"}
    book = load_workbook(io.BytesIO(client.get("/api/v1/matching/orders.xlsx?category=三相异步电动机",
                                               headers=headers).content))
    ws = book.active
    assert ws is not None
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][:5] == ["设备类别", "规格要求", "数量", "所在地区", "需求企业"]
    assert any(r[4] == m.lib.enterprise.name for r in rows[1:])
    assert not any("投资" in str(v) or "贷款" in str(v) for r in rows for v in r)


def test_the_office_reads_a_demand_item_but_only_the_buyer_contacts(db: Session, client: TestClient) -> None:
    m = setup(db)
    local = product(db, m.supplier_user, "L-1")
    office = api_token(client, m.lib.office_user)
    answer = client.get(f"/api/v1/matching/demands/{m.motor.id}", headers=office)
    assert answer.status_code == 200 and answer.json()["matches"][0]["product"]["code"] == "L-1"
    assert client.post(f"/api/v1/matching/demands/{m.motor.id}/contacts", json={"product_id": local.id},
                       headers=office).status_code == 403
    login_browser(client, m.lib.county_user)
    page = client.get(f"/matching/demands/{m.motor.id}")
    assert page.status_code == 200 and "联系供应商</button>" not in page.text
