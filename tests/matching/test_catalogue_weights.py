"""A city's score weights (本地企业优先 set by the city): the office changes them on its page or by the
API and the buyer's ranking, the supplier's 我为企业找订单 and a contact's kept score follow; a bad
weight is refused naming it, with nothing saved; a non-office may not change them; another city
never sees them."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.matching.catalogue_support import SHENZHEN, Matching, product, setup
from tests.projects.support import OTHER_CITY_OFFICE

from huanxin.matching.catalogue.models import SupplyProduct

HONOURS = [{"kind": "specialised", "valid_until": None}, {"kind": "green", "valid_until": None}]


def _two(db: Session, m: Matching) -> tuple[SupplyProduct, SupplyProduct]:
    """A local product and a non-local one that is as good but holds two credentials (+10)."""
    local = product(db, m.supplier_user, "L-1")
    far = product(db, m.third_user, "F-1", region_code=SHENZHEN, credentials=HONOURS)
    return local, far


def _order(client: TestClient, headers: dict[str, str], m: Matching) -> list[str]:
    answer = client.get(f"/api/v1/matching/demands/{m.motor.id}", headers=headers)
    assert answer.status_code == 200
    return [x["product"]["code"] for x in answer.json()["matches"]]


def _value(rows: list[dict[str, object]], key: str) -> object:
    return next(r["value"] for r in rows if r["key"] == key)


def test_the_offices_local_weight_decides_whether_the_local_product_ranks_first(
        db: Session, client: TestClient) -> None:
    m = setup(db)
    _two(db, m)
    buyer = api_token(client, m.buyer_user)
    office = api_token(client, m.lib.office_user)
    assert _order(client, buyer, m) == ["L-1", "F-1"]  # 本县（区）企业 +25 beats the credentials' +10
    put = client.put("/api/v1/matching/weights", json={"county": 0, "city": 0, "province": 0}, headers=office)
    assert put.status_code == 200 and _value(put.json()["weights"], "county") == 0
    assert _order(client, buyer, m) == ["F-1", "L-1"]
    explanation = client.get(f"/api/v1/matching/demands/{m.motor.id}", headers=buyer).json()["matches"][1]
    assert "本县（区）企业" not in explanation["explanation"]
    # a stronger local preference: the local product first again, with the city's points shown
    client.put("/api/v1/matching/weights", json={"county": 40}, headers=office)
    assert _order(client, buyer, m) == ["L-1", "F-1"]
    contact = client.post(f"/api/v1/matching/demands/{m.motor.id}/contacts",
                          json={"product_id": db.query(SupplyProduct).filter_by(code="L-1").one().id}, headers=buyer)
    assert "本县（区）企业 +40" in contact.json()["explanation"]
    orders = client.get("/api/v1/matching/orders", headers=api_token(client, m.supplier_user)).json()["orders"]
    assert "本县（区）企业 +40" in next(o for o in orders if o["equipment_id"] == m.motor.id)["explanation"]


def test_the_office_page_shows_the_defaults_saves_and_resets(db: Session, client: TestClient) -> None:
    m = setup(db)
    _two(db, m)
    csrf = login_browser(client, m.lib.office_user)
    page = client.get("/matching/weights")
    assert page.status_code == 200 and "本县（区）企业" in page.text and "全部恢复默认权重" in page.text
    row = re.search(r'data-testid="weight-county".*?</tr>', page.text, re.S)
    assert row and "<td>25</td>" in row.group(0) and 'value="25"' in row.group(0)
    saved = client.post("/matching/weights", data={"csrf_token": csrf, "county": "0", "city": "0", "province": "0"},
                        follow_redirects=True)
    assert "已保存评分权重" in saved.text and "（已调整）" in saved.text
    assert _order(client, api_token(client, m.buyer_user), m) == ["F-1", "L-1"]
    reset = client.post("/matching/weights/reset", data={"csrf_token": csrf}, follow_redirects=True)
    assert "已恢复默认权重" in reset.text and "（已调整）" not in reset.text
    assert _order(client, api_token(client, m.buyer_user), m) == ["L-1", "F-1"]


def test_a_bad_weight_is_refused_naming_the_field_and_nothing_is_saved(db: Session, client: TestClient) -> None:
    m = setup(db)
    office = api_token(client, m.lib.office_user)
    for body, field, words in (({"county": -5}, "county", "本县（区）企业"), ({"city": "很多"}, "city", "本市企业"),
                               ({"price_over": 10}, "price_over", "价格超出预算"), ({"county": True}, "county", "本县"),
                               ({"county": 1e9}, "county", "本县"), ({"local": 5}, "local", "不是评分项"),
                               ({"province": 5, "exact": -1}, "exact", "同类设备")):
        bad = client.put("/api/v1/matching/weights", json=body, headers=office)
        assert bad.status_code == 422, body
        assert bad.json()["field"] == field and words in bad.json()["error"], bad.json()
    rows = client.get("/api/v1/matching/weights", headers=office).json()["weights"]
    assert _value(rows, "province") == 10 and not any(r["changed"] for r in rows)  # the good one was not kept
    csrf = login_browser(client, m.lib.office_user)
    page = client.post("/matching/weights", data={"csrf_token": csrf, "county": "二十", "city": "15"})
    assert page.status_code == 422
    row = re.search(r'data-testid="weight-county".*?</tr>', page.text, re.S)
    assert row and "“本县（区）企业”应为数字" in row.group(0) and 'value="二十"' in row.group(0)
    assert "（已调整）" not in client.get("/matching/weights").text


def test_only_the_office_changes_them_and_another_city_never_sees_them(db: Session, client: TestClient) -> None:
    m = setup(db)
    _two(db, m)
    for username in (m.buyer_user, m.supplier_user, m.lib.county_user, m.lib.leader_user):
        refused = client.put("/api/v1/matching/weights", json={"county": 0}, headers=api_token(client, username))
        assert refused.status_code == 403, username
    assert client.get("/api/v1/matching/weights", headers=api_token(client, m.buyer_user)).status_code == 403
    leader = client.get("/api/v1/matching/weights", headers=api_token(client, m.lib.leader_user))
    assert leader.status_code == 200
    csrf = login_browser(client, m.supplier_user)
    assert client.post("/matching/weights", data={"csrf_token": csrf, "county": "0"}).status_code == 403
    office = api_token(client, m.lib.office_user)
    client.put("/api/v1/matching/weights", json={"county": 0, "city": 0, "province": 0}, headers=office)
    foreign = api_token(client, OTHER_CITY_OFFICE)
    theirs = client.get("/api/v1/matching/weights", headers=foreign).json()["weights"]
    assert _value(theirs, "county") == 25 and not any(r["changed"] for r in theirs)
    # another city's change leaves this city's ranking alone
    client.put("/api/v1/matching/weights", json={"county": 100}, headers=foreign)
    assert _order(client, api_token(client, m.buyer_user), m) == ["F-1", "L-1"]
    assert _value(client.get("/api/v1/matching/weights", headers=office).json()["weights"], "county") == 0
