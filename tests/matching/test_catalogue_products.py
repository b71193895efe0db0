"""A supplier's own products: added, changed by 产品编号, withdrawn; nobody else edits them; bad input
named by field; a resident is refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.matching.catalogue_support import product, resident, setup
from tests.projects.support import OTHER_CITY_OFFICE, make_enterprise, scope_for

from huanxin.errors import NotFound
from huanxin.matching.catalogue import products, repository


def test_a_supplier_lists_and_edits_only_its_own_products(db: Session, client: TestClient) -> None:
    m = setup(db)
    mine = product(db, m.supplier_user, "A-1")
    theirs = product(db, m.third_user, "B-1")
    headers = api_token(client, m.supplier_user)
    listed = client.get("/api/v1/matching/products", headers=headers).json()["products"]
    assert [p["code"] for p in listed] == ["A-1"]
    assert listed[0]["category_name"] == "三相异步电动机" and listed[0]["price_text"] == "10,000 元 – 11,000 元"
    assert client.post(f"/api/v1/matching/products/{theirs.id}/withdraw", headers=headers).status_code == 404
    assert theirs.on_sale
    answer = client.post(f"/api/v1/matching/products/{mine.id}/withdraw", headers=headers)
    assert answer.status_code == 200 and answer.json()["status_label"] == "已停售"
    with pytest.raises(NotFound):
        repository.own_product(db, scope_for(db, m.third_user), mine.id)


def test_the_same_code_changes_the_product_rather_than_adding_one(db: Session) -> None:
    m = setup(db)
    first = product(db, m.supplier_user, "A-1")
    again = product(db, m.supplier_user, "A-1", name="YE5电动机 11kW 新款", price_min_fen=9_000_00)
    assert again.id == first.id and again.name == "YE5电动机 11kW 新款"
    assert len(repository.own_products(db, scope_for(db, m.supplier_user))) == 1


def test_bad_input_names_the_field(db: Session, client: TestClient) -> None:
    m = setup(db)
    headers = api_token(client, m.supplier_user)
    body = {"code": "X", "category": "飞行器", "name": "无人机"}
    answer = client.post("/api/v1/matching/products", json=body, headers=headers)
    assert answer.status_code == 422 and "设备类别" in answer.json()["error"]
    body = {"code": "X", "category": "三相异步电动机", "name": "电机", "region_code": "深圳"}
    assert "行政区划代码" in client.post("/api/v1/matching/products", json=body, headers=headers).json()["error"]
    body = {"code": "X", "category": "三相异步电动机", "name": "电机", "price_min_fen": 20, "price_max_fen": 10}
    assert "最低价" in client.post("/api/v1/matching/products", json=body, headers=headers).json()["error"]
    assert repository.own_products(db, scope_for(db, m.supplier_user)) == []


def test_the_form_shows_a_price_error_beside_the_field_and_keeps_the_typing(db: Session, client: TestClient) -> None:
    m = setup(db)
    csrf = login_browser(client, m.supplier_user)
    page = client.post("/matching/products", data={
        "csrf_token": csrf, "code": "F-1", "category": "motor_induction", "name": "表单电机 11kW",
        "price_min": "面议"})
    assert page.status_code == 422
    assert "最低价应为金额（元），“面议”不是数字" in page.text and 'value="表单电机 11kW"' in page.text
    ok = client.post("/matching/products", data={
        "csrf_token": csrf, "code": "F-1", "category": "motor_induction", "name": "表单电机 11kW",
        "price_min": "12000.5", "credentials_text": "首台(套)至2027-06-30、专精特新"}, follow_redirects=True)
    assert "已保存产品" in ok.text and "12,000.5 元" in ok.text and "首台(套)（至 2027-06-30）" in ok.text


def test_who_is_not_a_supplier_is_refused(db: Session, client: TestClient) -> None:
    setup(db)
    assert client.get("/api/v1/matching/products", headers=api_token(client, resident(db))).status_code == 403
    office = api_token(client, OTHER_CITY_OFFICE)
    assert client.post("/api/v1/matching/products", json={"code": "X", "category": "变频器", "name": "变频器"},
                       headers=office).status_code == 403


def test_another_citys_supplier_gets_404_for_a_product(db: Session, client: TestClient) -> None:
    m = setup(db)
    mine = product(db, m.supplier_user, "A-1")
    _, foreign_user = make_enterprise(db, "370784", "370784", "安丘电机")
    answer = client.post(f"/api/v1/matching/products/{mine.id}/withdraw", headers=api_token(client, foreign_user))
    assert answer.status_code == 404
    assert products.as_record(mine).for_sale


def test_the_list_filters_by_class_and_status(db: Session, client: TestClient) -> None:
    m = setup(db)
    product(db, m.supplier_user, "A-1")
    product(db, m.supplier_user, "V-1", category="变频器", name="通用变频器 11kW", efficiency_level=None,
            efficiency_grade=None)
    gone = product(db, m.supplier_user, "A-2")
    products.withdraw(db, scope_for(db, m.supplier_user), gone.id)
    headers = api_token(client, m.supplier_user)

    def codes(query: str) -> list[str]:
        return [p["code"] for p in client.get(f"/api/v1/matching/products?{query}", headers=headers).json()["products"]]

    assert codes("category=变频器") == ["V-1"]
    assert codes("category=motor_induction&status=on_sale") == ["A-1"]
    assert codes("status=withdrawn") == ["A-2"]
    bad = client.get("/api/v1/matching/products?category=飞行器", headers=headers)
    assert bad.status_code == 422 and "飞行器" in bad.json()["error"]
