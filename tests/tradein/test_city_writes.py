"""Issue 10, finding 4: a city's writes change its own city's records only: reference prices
frozen by one city's commerce bureau, and the expiry of qualifications run by one city's office."""

from __future__ import annotations

import datetime as dt
import io

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.tradein.claims_support import resident, setup_city

from huanxin.kit.clock import now
from huanxin.tradein.programmes import reference_prices
from huanxin.tradein.qualifications import lifecycle as qualification

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIYANG, ANQIU = "512000", "370784"


def _price_sheet(price_yuan: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["品类", "品牌", "型号", "价格（元）", "日期"])
    ws.append(["空调", "格力", "KFR-35GW", price_yuan, dt.date(2024, 6, 1)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _import(client: TestClient, username: str, price_yuan: int) -> int:
    return client.post("/api/v1/reference-prices/import", headers=api_token(client, username),
                       files={"file": ("价格.xlsx", _price_sheet(price_yuan), XLSX)},
                       data={"window_start": "2024-05-01", "window_end": "2024-07-31"}).status_code


def test_a_city_freezes_its_own_reference_prices_only(client: TestClient, db: Session) -> None:
    ziyang, anqiu = setup_city(db, ZIYANG), setup_city(db, ANQIU)
    assert _import(client, ziyang.reviewer_user, 3000) == 201
    assert _import(client, anqiu.reviewer_user, 1) == 201  # another city's bureau, the same model at 1 yuan
    own = reference_prices.lookup(db, ZIYANG, "空调", "格力", "KFR-35GW")
    theirs = reference_prices.lookup(db, ANQIU, "空调", "格力", "KFR-35GW")
    assert own is not None and own.price_fen == 3000_00
    assert theirs is not None and theirs.price_fen == 1_00
    listed = client.get("/api/v1/reference-prices", headers=api_token(client, ziyang.reviewer_user)).json()
    assert [r["price_fen"] for r in listed if r["model"] == "KFR-35GW"] == [3000_00]


def test_a_city_office_expires_its_own_qualifications_only(client: TestClient, db: Session) -> None:
    ziyang, anqiu = setup_city(db, ZIYANG), setup_city(db, ANQIU)
    lapsed = []
    for city in (ziyang, anqiu):
        _, person = resident(db, city)
        q = qualification.claim_qualification(db, programme=city.programmes["appliance-2025"], person=person,
                                              category="refrigerator", actor="t")
        q.expires_at = now() - dt.timedelta(hours=1)
        lapsed.append(q)
    db.flush()
    r = client.post("/api/v1/tradein/expire", headers=api_token(client, anqiu.office_user))
    assert r.status_code == 200 and r.json()["expired"] == 1, r.text
    db.expire_all()
    assert [q.status for q in lapsed] == ["active", "expired"]  # 资阳's is untouched by 安丘's office
    r = client.post("/api/v1/tradein/expire", headers=api_token(client, ziyang.office_user))
    assert r.status_code == 200 and r.json()["expired"] == 1
    db.expire_all()
    assert [q.status for q in lapsed] == ["expired", "expired"]
