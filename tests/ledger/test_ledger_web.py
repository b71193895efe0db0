"""The public budget page and JSON (no login: a resident checks them), and the office's funding API."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import api_token

from huanxin.ledger import service
from huanxin.ledger.models import Pool

MakePool = Callable[..., Pool]


def spend(db: Session, pool: Pool, *, reserved: int, paid: int) -> None:
    if paid:
        pending = service.reserve(db, pool, paid, key=f"w:pay:{pool.id}", ref="claim:1")
        service.post(db, pending, key=f"w:post:{pool.id}")
    if reserved:
        service.reserve(db, pool, reserved, key=f"w:hold:{pool.id}", ref="claim:2")


def test_public_budget_page_needs_no_login_and_shows_yuan_with_a_bar(
    client: TestClient, db: Session, make_pool: MakePool,
) -> None:
    central = make_pool("appliance-2025", source="central", funded=900_000_000, name="家电以旧换新·中央资金")
    local = make_pool("appliance-2025", source="city", funded=100_000_000, name="家电以旧换新·市级配套")
    spend(db, central, reserved=12_345, paid=300_000_000)
    make_pool("car-2025", funded=5_000, name="汽车以旧换新")
    spend(db, service.pools_of(db, "512000", "car-2025")[0], reserved=0, paid=5_000)

    page = client.get("/budget/512000")
    assert page.status_code == 200
    html = page.text
    assert '<meta http-equiv="refresh" content="30">' in html
    assert "资阳市" in html and "以旧换新补贴资金余额" in html
    assert "<h2>家电以旧换新</h2>" in html  # the programme by the name its pools share, no code for the public
    # available = 9,000,000.00 − 3,000,000.00 − 123.45 yuan in the central pool
    row = re.search(rf'<tr data-pool="{central.id}">(.*?)</tr>', html, re.S)
    assert row, html
    assert "5,999,876.55" in row.group(1) and "123.45" in row.group(1) and "3,000,000.00" in row.group(1)
    assert "budget-bar" in row.group(1) and "剩余 66.7%" in row.group(1) and "<td>资阳市</td>" in row.group(1)
    assert f'data-pool="{local.id}"' in html and "1,000,000.00" in html and "市级资金" in html
    # The programme whose money is gone says so: new qualifications queue.
    car = re.search(r'data-programme="car-2025">(.*?)</section>', html, re.S)
    assert car and "已用完" in car.group(1)


def test_public_budget_json(client: TestClient, db: Session, make_pool: MakePool) -> None:
    pool = make_pool("digital-2025", funded=50_000, name="数码产品购新补贴")
    spend(db, pool, reserved=1_001, paid=2_000)
    body = client.get("/api/v1/cities/512000/budget").json()
    assert body["city_code"] == "512000" and body["city_name"] == "资阳市"
    programme = next(p for p in body["programmes"] if p["programme_code"] == "digital-2025")
    shown = next(p for p in programme["pools"] if p["id"] == pool.id)
    assert shown["balance"] == {
        "funded_fen": 50_000, "available_fen": 46_999, "reserved_fen": 1_001, "paid_fen": 2_000,
        "funded_yuan": "500.00", "available_yuan": "469.99", "reserved_yuan": "10.01", "paid_yuan": "20.00",
    }
    assert shown["fund_source_label"] == "中央资金"
    assert programme["title"] == "数码产品购新补贴"


def test_unknown_city_is_404_on_page_and_json(client: TestClient) -> None:
    assert client.get("/api/v1/cities/000001/budget").status_code == 404
    page = client.get("/budget/000001")
    assert page.status_code == 404 and "未找到" in page.text


def test_known_city_without_pools_says_so(client: TestClient) -> None:
    page = client.get("/budget/510400")  # 攀枝花: a known city, no pools in this test
    assert page.status_code == 200 and "尚未设立" in page.text


def test_office_funds_a_pool_with_an_idempotency_key(client: TestClient, db: Session, make_pool: MakePool) -> None:
    pool = make_pool(name="家电·中央资金")
    office = api_token(client, "ziyang-office")
    url = f"/api/v1/ledger/pools/{pool.id}/fund"

    missing = client.post(url, json={"amount_fen": 100}, headers=office)
    assert missing.status_code == 422 and "Idempotency-Key" in missing.json()["error"]
    assert service.pool_balance(db, pool).funded == 0

    first = client.post(url, json={"amount_fen": 1_000_000, "memo": "第二批资金"},
                        headers={**office, "Idempotency-Key": "fund-2025-2"})
    assert first.status_code == 201, first.text
    assert first.json()["pool"]["balance"]["available_fen"] == 1_000_000
    assert first.json()["transfer"]["kind"] == "fund"

    replay = client.post(url, json={"amount_fen": 1_000_000, "memo": "第二批资金"},
                         headers={**office, "Idempotency-Key": "fund-2025-2"})
    assert replay.status_code == 201 and replay.json() == first.json()
    assert service.pool_balance(db, pool).available == 1_000_000

    changed = client.post(url, json={"amount_fen": 2_000_000, "memo": "第二批资金"},
                          headers={**office, "Idempotency-Key": "fund-2025-2"})
    assert changed.status_code == 409
    bad = client.post(url, json={"amount_fen": 0}, headers={**office, "Idempotency-Key": "zero"})
    assert bad.status_code == 422 and "大于零" in bad.json()["error"]
    assert service.pool_balance(db, pool).available == 1_000_000

    listed = client.get("/api/v1/ledger/pools", headers=office).json()
    assert any(p["id"] == pool.id and p["balance"]["available_fen"] == 1_000_000 for p in listed)


def test_only_the_office_of_the_pools_city_funds_it(client: TestClient, make_pool: MakePool) -> None:
    pool = make_pool()
    url = f"/api/v1/ledger/pools/{pool.id}/fund"
    body = {"amount_fen": 100}
    assert client.post(url, json=body, headers={"Idempotency-Key": "k"}).status_code == 401
    leader = client.post(url, json=body, headers={**api_token(client, "ziyang-leader"), "Idempotency-Key": "k"})
    assert leader.status_code == 403
    other = client.post(url, json=body, headers={**api_token(client, "anqiu-office"), "Idempotency-Key": "k"})
    assert other.status_code == 404
    missing = client.post("/api/v1/ledger/pools/999999/fund", json=body,
                          headers={**api_token(client, "ziyang-office"), "Idempotency-Key": "k"})
    assert missing.status_code == 404
