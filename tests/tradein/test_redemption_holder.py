"""Issue 10, finding 1: a qualification is redeemed only when presented with its holder's ID
number, over the API as on the retailer's page; a retailer reads only what was presented to it."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.tradein.claims_support import City, id_number, resident, setup_city

from huanxin.tradein.models import Claim, Qualification
from huanxin.tradein.residents import identity

CLAIMS = "/api/v1/tradein/claims"


def _qualified(client: TestClient, db: Session, city: City) -> tuple[int, str]:
    username, person = resident(db, city)
    r = client.post("/api/v1/tradein/qualifications",
                    headers={**api_token(client, username), "Idempotency-Key": uuid.uuid4().hex},
                    json={"programme_id": city.programmes["appliance-2025"].id, "category": "refrigerator"})
    assert r.status_code == 201, r.text
    return int(r.json()["id"]), identity.person_id_number(person)


def _purchase(qid: int, serial: str, **change: Any) -> dict[str, Any]:
    return {"qualification_id": qid, "category": "refrigerator", "price_fen": 4999_00, "invoice_no": f"F-{serial}",
            "invoice_date": "2025-06-01", "efficiency_grade": 1, "serial": serial, **change}


def _state(db: Session, qid: int) -> tuple[str, int]:
    db.expire_all()
    q = db.get(Qualification, qid)
    assert q is not None
    claims = db.scalar(select(func.count()).select_from(Claim).where(Claim.qualification_id == qid))
    return q.status, int(claims or 0)


def test_a_qualification_number_alone_redeems_nothing(client: TestClient, db: Session) -> None:
    city = setup_city(db)
    qid, holder = _qualified(client, db, city)
    shop = api_token(client, city.retailer_user)
    for body in [_purchase(qid, "SN-H-1"), _purchase(qid, "SN-H-2", id_number=""),
                 _purchase(qid, "SN-H-3", id_number=id_number())]:
        r = client.post(CLAIMS, headers={**shop, "Idempotency-Key": uuid.uuid4().hex}, json=body)
        assert r.status_code == 422, r.text
        assert r.json()["field"] == "id_number", r.text
    assert _state(db, qid) == ("active", 0)  # still the resident's, nothing written
    r = client.post(CLAIMS, headers={**shop, "Idempotency-Key": uuid.uuid4().hex},
                    json=_purchase(qid, "SN-H-4", id_number=holder))
    assert r.status_code == 201, r.text
    assert _state(db, qid) == ("used", 1)


def test_a_retailer_reads_only_the_qualifications_presented_to_it(client: TestClient, db: Session) -> None:
    city = setup_city(db)
    qid, holder = _qualified(client, db, city)
    shop = api_token(client, city.retailer_user)
    assert client.get(f"/api/v1/tradein/qualifications/{qid}", headers=shop).status_code == 404
    wrong = client.post("/api/v1/tradein/qualifications/presented", headers=shop,
                        json={"qualification_id": qid, "id_number": id_number()})
    assert wrong.status_code == 422 and wrong.json()["field"] == "id_number"
    shown = client.post("/api/v1/tradein/qualifications/presented", headers=shop,
                        json={"qualification_id": qid, "id_number": holder})
    assert shown.status_code == 200 and shown.json()["id"] == qid and shown.json()["status"] == "active"
    assert _state(db, qid) == ("active", 0)  # presenting writes nothing
    redeemed = client.post(CLAIMS, headers={**shop, "Idempotency-Key": uuid.uuid4().hex},
                           json=_purchase(qid, "SN-H-5", id_number=holder))
    assert redeemed.status_code == 201, redeemed.text
    # once redeemed, the retailer sees it (its own claim's qualification)
    assert client.get(f"/api/v1/tradein/qualifications/{qid}", headers=shop).status_code == 200
    # and the list of the city's qualifications stays closed to retailers
    assert client.get("/api/v1/tradein/qualifications", headers=shop).status_code == 403


def test_the_remembered_request_keeps_no_id_number(client: TestClient, db: Session) -> None:
    """The idempotency record hashes the request; the ID number goes into it only as its keyed hash,
    so a replay is recognised without the raw number being what was hashed."""
    city = setup_city(db)
    qid, holder = _qualified(client, db, city)
    shop = api_token(client, city.retailer_user)
    body = _purchase(qid, "SN-H-6", id_number=holder)
    first = client.post(CLAIMS, headers={**shop, "Idempotency-Key": "holder-replay"}, json=body)
    replay = client.post(CLAIMS, headers={**shop, "Idempotency-Key": "holder-replay"}, json=body)
    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == first.json()


def test_an_invoice_dated_year_one_is_refused(client: TestClient, db: Session) -> None:
    city = setup_city(db)
    qid, holder = _qualified(client, db, city)
    shop = api_token(client, city.retailer_user)
    r = client.post(CLAIMS, headers={**shop, "Idempotency-Key": uuid.uuid4().hex},
                    json=_purchase(qid, "SN-H-7", id_number=holder, invoice_date="0001-01-01"))
    assert r.status_code == 422 and r.json()["field"] == "invoice_date", r.text
    assert _state(db, qid) == ("active", 0)
