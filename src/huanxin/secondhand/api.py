"""JSON API of second-hand trade (/api/v1). A dealer (recycler or retailer) reads and writes its own
devices; the city's supervisors read the city's; another city's or another dealer's device answers
404, a resident 403.

    GET  /secondhand/devices                       list
    POST /secondhand/devices                       {device_type, brand, model, imei | serial_number, media_type}
    GET  /secondhand/devices/{id}                  with its wipe records
    POST /secondhand/devices/{id}/wipes            multipart: method, passes, includes_random_pass, media_type,
                                                   tool_name, tool_version, operator, verified,
                                                   verification_method, wiped_at, evidence (file)
    POST /secondhand/devices/{id}/list             list for resale: 409 without a verified wipe that passes
    POST /secondhand/devices/{id}/sold             mark sold
    GET  /secondhand/devices/{id}/certificate      the wipe certificate
    GET  /secondhand/dealers                       credit scores with the formula
    POST /secondhand/complaints                    {dealer_unit_id, received_on, summary} (office)
    GET  /secondhand/cars                          used cars
    POST /secondhand/cars                          {vin, plate, first_registered_on, grade, inspection_summary}
    POST /secondhand/cars/{id}/sold                mark sold"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from huanxin.secondhand import cars, credit, devices, forms, views
from huanxin.secondhand import repository as repo
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["二手电子产品"])
Text = Annotated[str, Form()]


@router.get("/secondhand/devices")
def device_list(db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return {"devices": [views.device_out(db, d) for d in devices.listed(db, scope)]}


@router.post("/secondhand/devices", status_code=201)
def device_add(body: devices.DeviceInput, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return views.device_out(db, devices.register(db, scope, body))


@router.get("/secondhand/devices/{device_id}")
def device_get(device_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    device = repo.get_device(db, scope, device_id)
    return {**views.device_out(db, device), "wipes": [views.wipe_out(w) for w in repo.wipes_of(db, device.id)]}


@router.post("/secondhand/devices/{device_id}/wipes", status_code=201)
async def wipe_add(device_id: int, db: DbSession, scope: CurrentScope, method: Text = "", passes: Text = "",
                   includes_random_pass: Text = "", media_type: Text = "", tool_name: Text = "",
                   tool_version: Text = "", operator: Text = "", verified: Text = "",
                   verification_method: Text = "", wiped_at: Text = "",
                   evidence: Annotated[UploadFile | None, File()] = None) -> dict[str, Any]:
    await run_in_threadpool(repo.get_own_device, db, scope, device_id)  # 403/404 before the file is read
    data = await forms.wipe_input(method=method, passes=passes, includes_random_pass=includes_random_pass,
                            media_type=media_type, tool_name=tool_name, tool_version=tool_version, operator=operator,
                            verified=verified, verification_method=verification_method, wiped_at=wiped_at,
                            evidence=evidence)
    # The database work off the event loop, like every sync route's.
    row = await run_in_threadpool(forms.record_or_note_refusal, db, scope, device_id, data)
    return views.wipe_out(row)


@router.post("/secondhand/devices/{device_id}/list")
def device_list_for_resale(device_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return views.device_out(db, devices.list_for_resale(db, scope, device_id))


@router.post("/secondhand/devices/{device_id}/sold")
def device_sold(device_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return views.device_out(db, devices.mark_sold(db, scope, device_id))


@router.get("/secondhand/devices/{device_id}/certificate")
def device_certificate(device_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return views.certificate(db, scope, device_id).as_dict()


@router.get("/secondhand/dealers")
def dealer_scores(db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return {"formula": credit.FORMULA, "dealers": [
        {"dealer_unit_id": s.dealer_unit_id, "dealer_name": s.dealer_name, "complaints": s.complaints,
         "failed_verifications": s.failed_verifications, "refusals": s.refusals, "score": s.score}
        for s in credit.scores(db, scope)]}


@router.post("/secondhand/complaints", status_code=201)
def complaint_add(body: credit.ComplaintInput, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    row = credit.record_complaint(db, scope, body)
    return {"id": row.id, "dealer_unit_id": row.dealer_unit_id, "received_on": row.received_on.isoformat(),
            "summary": row.summary}


@router.get("/secondhand/cars")
def car_list(db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return {"grades": cars.GRADES, "cars": [views.car_out(db, c) for c in cars.listed(db, scope)]}


@router.post("/secondhand/cars", status_code=201)
def car_add(body: cars.CarInput, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return views.car_out(db, cars.register(db, scope, body))


@router.post("/secondhand/cars/{car_id}/sold")
def car_sold(car_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return views.car_out(db, cars.mark_sold(db, scope, car_id))
