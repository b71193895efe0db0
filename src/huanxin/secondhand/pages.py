"""Pages of second-hand trade (/secondhand): a dealer's devices with the forms to register one,
record its wipe, list it for resale and mark it sold (errors beside the field); the city's
supervisors read the city's devices with their wipe status and the dealers' credit scores, and the
office records complaints. The wipe certificate prints (/secondhand/devices/{id}/certificate)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from huanxin.errors import InvalidInput
from huanxin.kit.clock import now
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.secondhand import cars, credit, devices, forms, views, wipe_rules
from huanxin.secondhand import repository as repo
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
HOME = "/secondhand"
Text = Annotated[str, Form()]
CERTIFICATE_CSS = Path(__file__).with_name("certificate.css")
DONE = {"device": "已登记设备。", "wipe": "已登记清除记录。", "listed": "已上架转售。", "sold": "已登记售出。",
        "complaint": "已登记投诉。", "car": "已登记车辆。", "car_sold": "已登记车辆售出。"}


def _page(request: Request, db: DbSession, scope: Scope, done: str = "") -> Response:
    request.state.scope = scope
    rows = devices.listed(db, scope)
    # The records under each device are the dealer's working view; supervisors read the status column.
    wipes = {d.id: [views.wipe_out(w) for w in repo.wipes_of(db, d.id)] for d in rows} if repo.is_dealer(scope) else {}
    return render(request, "secondhand/index.html", devices=[views.device_out(db, d) for d in rows], wipes=wipes,
                  is_dealer=repo.is_dealer(scope), is_office=scope.role == Role.OFFICE,
                  scores=credit.scores(db, scope), formula=credit.FORMULA,
                  dealers=credit.dealers_of_city(db, scope.city_code) if scope.role == Role.OFFICE else [],
                  cars=[views.car_out(db, c) for c in cars.listed(db, scope)], grades=cars.GRADES,
                  device_types=devices.DEVICE_TYPES, media=wipe_rules.MEDIA, methods=wipe_rules.METHODS,
                  now=now().strftime("%Y-%m-%dT%H:%M"), today=now().date().isoformat(), flash=DONE.get(done))


@router.get(HOME, response_class=HTMLResponse)
def home(request: Request, db: DbSession, scope: CurrentScope, done: str = "") -> Response:
    return _page(request, db, scope, done)


def _again(call: FormCall) -> Response:
    return _page(call.request, call.db, call.scope)


def _done(what: str) -> Response:
    return RedirectResponse(f"{HOME}?done={what}", status_code=303)


@router.post(f"{HOME}/devices", response_class=HTMLResponse)
@form_page(_again, form="device-new")
def device_submit(db: DbSession, scope: CurrentScope, device_type: Text = "", brand: Text = "", model: Text = "",
                  imei: Text = "", serial_number: Text = "", media_type: Text = "") -> Response:
    devices.register(db, scope, devices.DeviceInput(device_type=device_type, brand=brand[:60], model=model[:100],
                                                    imei=imei[:30], serial_number=serial_number[:60],
                                                    media_type=media_type))
    return _done("device")


@router.post(HOME + "/devices/{device_id}/wipes", response_class=HTMLResponse)
@form_page(_again, form="wipe-{device_id}")
async def wipe_submit(device_id: int, db: DbSession, scope: CurrentScope, method: Text = "", passes: Text = "",
                      includes_random_pass: Text = "", media_type: Text = "", tool_name: Text = "",
                      tool_version: Text = "", operator: Text = "", verified: Text = "",
                      verification_method: Text = "", wiped_at: Text = "",
                      evidence: Annotated[UploadFile | None, File()] = None) -> Response:
    await run_in_threadpool(repo.get_own_device, db, scope, device_id)
    data = await forms.wipe_input(method=method, passes=passes, includes_random_pass=includes_random_pass,
                                  media_type=media_type, tool_name=tool_name, tool_version=tool_version,
                                  operator=operator, verified=verified, verification_method=verification_method,
                                  wiped_at=wiped_at, evidence=evidence)
    await run_in_threadpool(forms.record_or_note_refusal, db, scope, device_id, data)
    return _done("wipe")


@router.post(HOME + "/devices/{device_id}/list", response_class=HTMLResponse)
@form_page(_again, form="resale-{device_id}")
def list_submit(device_id: int, db: DbSession, scope: CurrentScope) -> Response:
    devices.list_for_resale(db, scope, device_id)
    return _done("listed")


@router.post(HOME + "/devices/{device_id}/sold", response_class=HTMLResponse)
@form_page(_again, form="resale-{device_id}")
def sold_submit(device_id: int, db: DbSession, scope: CurrentScope) -> Response:
    devices.mark_sold(db, scope, device_id)
    return _done("sold")


@router.post(f"{HOME}/complaints", response_class=HTMLResponse)
@form_page(_again, form="complaint")
def complaint_submit(db: DbSession, scope: CurrentScope, dealer_unit_id: Text = "", received_on: Text = "",
                     summary: Text = "") -> Response:
    try:
        day = dt.date.fromisoformat(received_on.strip())
    except ValueError:
        raise InvalidInput("请填写投诉受理日期（年-月-日）", field="received_on") from None
    if not dealer_unit_id.isdigit():
        raise InvalidInput("请选择被投诉的经营者", field="dealer_unit_id")
    credit.record_complaint(db, scope, credit.ComplaintInput(dealer_unit_id=int(dealer_unit_id), received_on=day,
                                                             summary=summary[:500]))
    return _done("complaint")


@router.post(f"{HOME}/cars", response_class=HTMLResponse)
@form_page(_again, form="car-new")
def car_submit(db: DbSession, scope: CurrentScope, vin: Text = "", plate: Text = "", first_registered_on: Text = "",
               grade: Text = "", inspection_summary: Text = "") -> Response:
    try:
        day = dt.date.fromisoformat(first_registered_on.strip()) if first_registered_on.strip() else None
    except ValueError:
        raise InvalidInput("初次登记日期格式应为 年-月-日", field="first_registered_on") from None
    cars.register(db, scope, cars.CarInput(vin=vin[:30], plate=plate[:20], first_registered_on=day, grade=grade[:8],
                                           inspection_summary=inspection_summary[:2000]))
    return _done("car")


@router.post(HOME + "/cars/{car_id}/sold", response_class=HTMLResponse)
@form_page(_again, form="car-{car_id}")
def car_sold_submit(car_id: int, db: DbSession, scope: CurrentScope) -> Response:
    cars.mark_sold(db, scope, car_id)
    return _done("car_sold")


@router.get(HOME + "/devices/{device_id}/certificate", response_class=HTMLResponse)
def certificate_page(device_id: int, request: Request, db: DbSession, scope: CurrentScope) -> Response:
    request.state.scope = scope
    return render(request, "secondhand/certificate.html", cert=views.certificate(db, scope, device_id))


@router.get(f"{HOME}/certificate.css")
def certificate_css() -> Response:
    # Served from here (same origin, so the pages' style-src 'self' allows it) to keep the
    # certificate's print layout beside the certificate.
    return Response(CERTIFICATE_CSS.read_text(encoding="utf-8"), media_type="text/css",
                    headers={"Cache-Control": "public, max-age=3600"})
