"""JSON API of the scrapped-vehicle registry (/api/v1). A qualified dismantler records and reads its
own cars; the city's supervisors read the city's; another city's or another recycler's car answers
404, a resident 403.

    GET  /recycling/scrapped?month=YYYY-MM&county=CODE    list
    POST /recycling/scrapped                              {vin, plate, owner_name, owner_id_number,
                                                           first_registered_on, fuel, emission_standard,
                                                           received_on, certificate_no, certificate_issued_on}
    GET  /recycling/scrapped/{id}                         one car with its certificate and linked claim
    POST /recycling/scrapped/{id}/deregistration          {number, deregistered_on}"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from huanxin.recycling.invoicing.api import parse_month
from huanxin.recycling.scrapped import service, views
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["报废机动车回收"])


@router.get("/recycling/scrapped")
def scrapped_list(db: DbSession, scope: CurrentScope, month: str = "", county: str = "") -> dict[str, Any]:
    return {"vehicles": views.rows_out(db, scope, month=parse_month(month), county=county.strip() or None)}


@router.post("/recycling/scrapped", status_code=201)
def scrapped_add(body: service.VehicleInput, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    vehicle, _ = service.record(db, scope, body)
    return views.one_out(db, scope, vehicle.id)


@router.get("/recycling/scrapped/{scrapped_id}")
def scrapped_get(scrapped_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return views.one_out(db, scope, scrapped_id)


@router.post("/recycling/scrapped/{scrapped_id}/deregistration")
def scrapped_deregister(scrapped_id: int, body: service.DeregistrationInput, db: DbSession,
                        scope: CurrentScope) -> dict[str, Any]:
    service.deregister(db, scope, scrapped_id, body)
    return views.one_out(db, scope, scrapped_id)
