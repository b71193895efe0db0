"""The demo's scrapped-vehicle generator: qualified dismantlers, a few hundred cars that the
service's own rules accept (VIN check digits, one certificate each, deregistration after the
certificate), the city's existing car-scrapping claims linked to their certificates."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.recycling import weighing_support as ws
from tests.recycling.scrapped import support as s
from tests.tradein.claims_support import setup_city, vin

from huanxin.kit.identifiers import validate_vin
from huanxin.recycling.scrapped import demo, service
from huanxin.recycling.scrapped import repository as repo
from huanxin.recycling.scrapped.models import ScrapCertificate, ScrappedVehicle

CITY = "511300"  # no other test keeps a registry here


def test_seed_writes_cars_the_rules_accept_and_links_the_claims(db: Session) -> None:
    city = setup_city(db, CITY)
    claim = s.car_claim(db, city, vin(), f"bf-{city.tag}")  # filed before the city kept a registry
    rcs = [ws.recycler(db, CITY) for _ in range(2)]
    written = demo.seed(db, CITY, random.Random(7))
    assert written == demo.CARS_PER_CITY
    rows = list(db.execute(select(ScrappedVehicle, ScrapCertificate).join(
        ScrapCertificate, ScrapCertificate.vehicle_id == ScrappedVehicle.id).where(ScrappedVehicle.city_code == CITY)))
    assert len(rows) == written and {v.unit_id for v, _ in rows} == {rc.unit_id for rc in rcs}
    for vehicle, cert in rows:
        assert validate_vin(vehicle.vin) == vehicle.vin
        assert cert.deregistered_on is None or cert.deregistered_on >= cert.issued_on
        assert vehicle.received_on <= cert.issued_on
    linked = repo.certificate_by_number(db, f"BF-{city.tag}".upper())
    assert linked is not None and linked[1].claim_id == claim.id
    for rc in rcs:  # the dismantlers may record through the service
        assert service.require_dismantler(db, rc.scope(db, "dispatcher")) == rc.unit_id
    assert repo.certificate_by_number(db, demo.walkthrough_certificate(CITY)) is not None
