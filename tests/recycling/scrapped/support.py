"""Builders for the scrapped-vehicle tests: a dismantler with its verified qualification, a car's
input, and a car-scrapping claim naming a certificate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session
from tests.recycling import invoicing_support as inv
from tests.recycling import weighing_support as ws
from tests.tradein.claims_support import City, T, id_number, resident, vin

from huanxin.kit.clock import today
from huanxin.recycling.scrapped import service
from huanxin.tradein.claims import lifecycle as claims
from huanxin.tradein.claims.lifecycle import Purchase
from huanxin.tradein.models import Claim

YEAR = dt.timedelta(days=365)


def dismantler(session: Session, city_code: str = ws.CITY, **over: Any) -> ws.Recycler:
    rc = ws.recycler(session, city_code)
    inv.qualify(session, rc, kind="vehicle_dismantling", valid_until=over.pop("valid_until", today() + YEAR), **over)
    return rc


def car(**over: Any) -> service.VehicleInput:
    values: dict[str, Any] = {
        "vin": vin(), "plate": "川M12345", "owner_name": "王五", "owner_id_number": id_number(),
        "first_registered_on": dt.date(2010, 5, 1), "fuel": "petrol", "emission_standard": "国三",
        "received_on": today() - dt.timedelta(days=3), "certificate_no": f"BF{ws.tag()}".upper(),
        "certificate_issued_on": today() - dt.timedelta(days=2)}
    values.update(over)
    return service.VehicleInput(**values)


def api_body(data: service.VehicleInput) -> dict[str, Any]:
    return data.model_dump(mode="json")


def record(session: Session, rc: ws.Recycler, **over: Any) -> service.VehicleInput:
    data = car(**over)
    service.record(session, rc.scope(session, "dispatcher"), data)
    return data


def purchase(old_vin: str | None, certificate_no: str) -> Purchase:
    return Purchase(category="car", price_fen=150_000_00, invoice_no=f"CAR-{ws.tag()}", invoice_date=T.date(),
                    brand="比亚迪", model="秦PLUS", new_vin=vin(), new_vehicle_fuel="nev", old_vin=old_vin,
                    old_vehicle_fuel="petrol", old_vehicle_registered_on=dt.date(2010, 5, 1),
                    old_vehicle_owned_since=dt.date(2015, 1, 1), old_emission_standard="国三",
                    proofs={"scrap_cert": certificate_no, "deregistration": f"ZX{ws.tag()}"})


def car_claim(session: Session, city: City, old_vin: str | None, certificate_no: str) -> Claim:
    username, person = resident(session, city)
    return claims.apply_car(session, city.scope(session, username), city.programmes["car-scrap-2025"], person,
                            purchase(old_vin, certificate_no), at=T)
