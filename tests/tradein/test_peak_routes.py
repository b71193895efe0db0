"""The peak-load submissions served straight from ASGI (web.peak): once a till's sign-in is
cached, its redemptions skip FastAPI's routing and get exactly the answers they would have had
through it; anything unusual (an unknown sender, a browser's cookie, a body that does not
validate) still goes through FastAPI, with its checks and its error wording."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.tradein.claims_support import City, resident, setup_city

from huanxin.errors import Conflict
from huanxin.tradein import api as tradein_api
from huanxin.tradein.residents import identity
from huanxin.web import peak

CLAIMS = "/api/v1/tradein/claims"


@pytest.fixture()
def straight(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the submissions web.peak served itself."""
    served: list[str] = []

    async def spy(submission: tradein_api.PeakSubmission, *args: Any) -> Any:
        served.append("claims" if submission is tradein_api.REDEEM else "qualifications")
        return await tradein_api.submit(submission, *args)

    monkeypatch.setattr(peak, "submit", spy)
    return served


HOLDERS: dict[int, str] = {}  # qualification id → its holder's ID number, shown with it at the till


def qualification(client: TestClient, db: Session, city: City) -> int:
    username, person = resident(db, city)
    token = api_token(client, username)
    r = client.post("/api/v1/tradein/qualifications", headers={**token, "Idempotency-Key": uuid.uuid4().hex},
                    json={"programme_id": city.programmes["appliance-2025"].id, "category": "refrigerator"})
    assert r.status_code == 201, r.text
    HOLDERS[int(r.json()["id"])] = identity.person_id_number(person)
    return int(r.json()["id"])


def fridge(qualification_id: int, serial: str, **change: Any) -> dict[str, Any]:
    return {"qualification_id": qualification_id, "id_number": HOLDERS.get(qualification_id, ""),
            "category": "refrigerator", "price_fen": 4999_00,
            "invoice_no": f"F-{serial}", "invoice_date": "2025-06-01", "efficiency_grade": 1, "serial": serial,
            **change}


def test_a_signed_in_till_is_served_straight_with_the_same_answers(
        client: TestClient, db: Session, straight: list[str]) -> None:
    city = setup_city(db)
    q1, q2, q3 = (qualification(client, db, city) for _ in range(3))
    shop = api_token(client, city.retailer_user)
    straight.clear()
    first = client.post(CLAIMS, headers={**shop, "Idempotency-Key": "peak-1"}, json=fridge(q1, "SN-PEAK-1"))
    assert straight == []  # an unknown sign-in: FastAPI signs the till in (and caches it)
    second = client.post(CLAIMS, headers={**shop, "Idempotency-Key": "peak-2"}, json=fridge(q2, "SN-PEAK-2"))
    assert straight == ["claims"]
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    assert set(first.json()) == set(second.json()) and second.json()["qualification_id"] == q2
    for answer in (first, second):
        assert answer.headers["X-Frame-Options"] == "DENY" and answer.headers["Server-Timing"].startswith("app;dur=")
        assert answer.headers["content-type"] == "application/json"

    replay = client.post(CLAIMS, headers={**shop, "Idempotency-Key": "peak-2"}, json=fridge(q2, "SN-PEAK-2"))
    assert replay.json() == second.json() and replay.headers["Idempotent-Replayed"] == "true"
    clash = client.post(CLAIMS, headers={**shop, "Idempotency-Key": "peak-2"}, json=fridge(q2, "SN-PEAK-9"))
    assert clash.status_code == 409 and "幂等键" in clash.json()["error"]
    keyless = client.post(CLAIMS, headers=shop, json=fridge(q3, "SN-PEAK-3"))
    assert keyless.status_code == 422 and keyless.json()["field"] == "Idempotency-Key"
    refused = client.post(CLAIMS, headers={**shop, "Idempotency-Key": "peak-3"}, json=fridge(q3, "SN-PEAK-3",
                                                                                          price_fen=0))
    assert refused.status_code == 422 and refused.json()["field"] == "price_fen" and "大于0" in refused.json()["error"]
    assert straight == ["claims"] * 5


def test_a_body_that_does_not_validate_gets_fastapis_answer(
        client: TestClient, db: Session, straight: list[str]) -> None:
    city = setup_city(db)
    q = qualification(client, db, city)
    shop = api_token(client, city.retailer_user)
    client.post(CLAIMS, headers={**shop, "Idempotency-Key": uuid.uuid4().hex}, json={})  # signs the till in
    straight.clear()
    r = client.post(CLAIMS, headers={**shop, "Idempotency-Key": uuid.uuid4().hex},
                    json=fridge(q, "SN-PEAK-X", price_fen="四千九"))
    assert r.status_code == 422 and r.json()["field"] == "price_fen" and "输入有误" in r.json()["error"], r.text
    r = client.post(CLAIMS, headers={**shop, "Idempotency-Key": uuid.uuid4().hex, "Content-Type": "text/plain"},
                    content=b"qualification_id=1")
    assert r.status_code == 422
    assert straight == []  # both went the long way, the body given back to FastAPI whole
    ok = client.post(CLAIMS, headers={**shop, "Idempotency-Key": uuid.uuid4().hex}, json=fridge(q, "SN-PEAK-Y"))
    assert ok.status_code == 201 and straight == ["claims"]


def test_a_browser_cookie_still_needs_its_csrf_token(client: TestClient, db: Session, straight: list[str]) -> None:
    city = setup_city(db)
    q = qualification(client, db, city)
    csrf = login_browser(client, city.retailer_user)
    refused = client.post(CLAIMS, headers={"Idempotency-Key": uuid.uuid4().hex}, json=fridge(q, "SN-PEAK-C"))
    assert refused.status_code == 403 and refused.json()["field"] == "csrf_token"
    ok = client.post(CLAIMS, headers={"Idempotency-Key": uuid.uuid4().hex, "X-CSRF-Token": csrf},
                     json=fridge(q, "SN-PEAK-C"))
    assert ok.status_code == 201, ok.text
    assert straight == []  # a browser is never served straight


def test_a_refusal_raised_while_writing_alone_is_answered_not_a_500(
        client: TestClient, db: Session, straight: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch written alone raises the refusal it meets (a serial number taken by a concurrent
    transaction, say) instead of handing it back: the straight path answers it as FastAPI does."""
    city = setup_city(db)
    q = qualification(client, db, city)
    shop = api_token(client, city.retailer_user)
    client.post(CLAIMS, headers={**shop, "Idempotency-Key": uuid.uuid4().hex}, json={})  # signs the till in

    async def taken(_submission: Any) -> Any:
        raise Conflict("该产品序列号（SN/IMEI）（SN-PEAK-R）已用于其他补贴申请，每个只能享受一次补贴", field="serial")

    monkeypatch.setattr(tradein_api.REDEEM.batcher, "submit", taken)
    r = client.post(CLAIMS, headers={**shop, "Idempotency-Key": uuid.uuid4().hex}, json=fridge(q, "SN-PEAK-R"))
    assert r.status_code == 409 and r.json()["field"] == "serial" and "已用于其他补贴申请" in r.json()["error"]
    assert straight == ["claims"]
