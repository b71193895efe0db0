"""Hammering "one VIN, one certificate, once" through the real app with committed data and a session
per request (file-based SQLite by default, PostgreSQL with the suite's PostgreSQL switch), in cities
of their own so that nothing collides with other tests: 8 dismantler clients registering the same
VIN, and 8 residents claiming the car subsidy on one certificate. Exactly one wins each race; the
others are refused with the winner named."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.recycling.scrapped import support as s
from tests.tradein.claims_support import resident, setup_city, vin
from tests.tradein.test_hammer import call, race

from huanxin.recycling.scrapped.models import ScrapCertificate, ScrappedVehicle
from huanxin.web.app import create_app

THREADS = 8
INVOICE_DATE = "2025-06-01"  # inside the 2025 car programme, which the test city keeps open
_city_no = iter(range(990701, 990799))


@pytest.fixture()
def app(engine: Engine):  # type: ignore[no-untyped-def]  # the real app: commit per request
    return create_app()


def test_eight_clients_registering_one_vin_exactly_one_wins(app: Any, engine: Engine) -> None:
    city = str(next(_city_no))
    with Session(engine, expire_on_commit=False) as session:
        rcs = [s.dismantler(session, city) for _ in range(2)]
        session.commit()
    client = TestClient(app)
    tokens = [api_token(client, rc.dispatcher) for rc in rcs]
    same = vin()
    bodies = [s.api_body(s.car(vin=same)) for _ in range(THREADS)]

    responses = race(lambda i: call(app, "POST", "/api/v1/recycling/scrapped", tokens[i % 2], json=bodies[i]),
                     THREADS)
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * (THREADS - 1), [r.text for r in responses]
    winner = next(r.json() for r in responses if r.status_code == 201)
    assert all(winner["certificate"]["number"] in r.json()["error"] for r in responses if r.status_code == 409)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(ScrappedVehicle).where(ScrappedVehicle.vin == same)) == 1
        assert session.scalar(select(func.count()).select_from(ScrapCertificate).where(
            ScrapCertificate.city_code == city)) == 1  # the losers' certificates were not half-written


def _claim_body(programme_id: int, old_vin: str, certificate_no: str) -> dict[str, Any]:
    return {"programme_id": programme_id, "price_fen": 150_000_00, "invoice_no": f"H-{uuid.uuid4().hex[:10]}",
            "invoice_date": INVOICE_DATE, "brand": "比亚迪", "model": "秦PLUS", "new_vin": vin(),
            "new_vehicle_fuel": "nev", "old_vin": old_vin, "old_vehicle_fuel": "petrol",
            "old_vehicle_registered_on": "2010-05-01", "old_vehicle_owned_since": "2015-01-01",
            "old_emission_standard": "国三",
            "proofs": {"scrap_cert": certificate_no, "deregistration": f"ZX-{uuid.uuid4().hex[:8]}"}}


def test_eight_claims_on_one_certificate_exactly_one_links(app: Any, engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        city = setup_city(session, city_code=str(next(_city_no)))
        rc = s.dismantler(session, city.code)
        car = s.record(session, rc)
        residents = [resident(session, city)[0] for _ in range(THREADS)]
        session.commit()
    client = TestClient(app)
    tokens = [api_token(client, who) for who in residents]
    programme_id = city.programmes["car-scrap-2025"].id

    def claim(i: int) -> Any:
        headers = {**tokens[i], "Idempotency-Key": uuid.uuid4().hex}
        return call(app, "POST", "/api/v1/tradein/car-claims", headers,
                    json=_claim_body(programme_id, car.vin, car.certificate_no))

    responses = race(claim, THREADS)
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * (THREADS - 1), [r.text for r in responses]
    winner = next(r.json() for r in responses if r.status_code == 201)
    assert winner["status"] in ("approved", "review"), winner
    assert all(f"补贴申请 #{winner['id']}" in r.json()["error"] and r.json()["field"] == "proofs"
               for r in responses if r.status_code == 409), [r.text for r in responses]
    with Session(engine) as session:
        linked = session.scalar(select(ScrapCertificate.claim_id).where(ScrapCertificate.number == car.certificate_no))
        assert linked == winner["id"]
