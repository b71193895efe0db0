"""Pages of the scrapped-vehicle registry (/recycling/scrapped): a qualified dismantler's cars with
the form to record a car and its 报废机动车回收证明 and, per car, its deregistration (errors beside
the field); the city's supervisors (office, commerce bureau …) read the city's list with the linked
claim, filter by month and county, and take it as .xlsx."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huanxin.kit.clock import today
from huanxin.orgs.scope import Scope
from huanxin.recycling.invoicing.api import parse_date, parse_month
from huanxin.recycling.scrapped import repository as repo
from huanxin.recycling.scrapped import service, views
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
HOME = "/recycling/scrapped"
Text = Annotated[str, Form()]
DONE = {"vehicle": "已登记报废机动车及其回收证明。", "deregistered": "已登记注销。"}


def _page(request: Request, db: DbSession, scope: Scope, month: str = "", county: str = "",
          done: str = "") -> Response:
    request.state.scope = scope
    chosen = parse_month(month) if month else None
    _, counties = views.names_of(db, scope)
    return render(request, "recycling/scrapped/index.html",
                  vehicles=views.rows_out(db, scope, month=chosen, county=county or None),
                  is_recycler=repo.is_recycler(scope), fuels=service.FUELS,
                  standards=service.EMISSION_STANDARDS, counties=counties, month=month, county=county,
                  today=today().isoformat(), flash=DONE.get(done))


@router.get(HOME, response_class=HTMLResponse)
def home(request: Request, db: DbSession, scope: CurrentScope, month: str = "", county: str = "",
         done: str = "") -> Response:
    return _page(request, db, scope, month, county, done)


@router.get(f"{HOME}/export.xlsx")
def export(db: DbSession, scope: CurrentScope, month: str = "", county: str = "") -> Response:
    chosen = parse_month(month) if month else None
    body = views.sheet(db, scope, month=chosen, county=county or None)
    name = f"scrapped-{chosen:%Y-%m}.xlsx" if chosen else "scrapped.xlsx"
    return Response(body, media_type=views.XLSX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _again(call: FormCall) -> Response:
    return _page(call.request, call.db, call.scope)


def _done(what: str) -> Response:
    return RedirectResponse(f"{HOME}?done={what}", status_code=303)


@router.post(HOME, response_class=HTMLResponse)
@form_page(_again, form="vehicle-new")
def vehicle_submit(db: DbSession, scope: CurrentScope, vin: Text = "", plate: Text = "", owner_name: Text = "",
                   owner_id_number: Text = "", first_registered_on: Text = "", fuel: Text = "",
                   emission_standard: Text = "", received_on: Text = "", certificate_no: Text = "",
                   certificate_issued_on: Text = "") -> Response:
    service.require_dismantler(db, scope)  # the gate before any field is judged
    service.record(db, scope, service.VehicleInput(
        vin=vin[:30], plate=plate[:20], owner_name=owner_name[:60], owner_id_number=owner_id_number[:30],
        first_registered_on=parse_date(first_registered_on, "first_registered_on", "初次登记日期"),
        fuel=fuel[:16], emission_standard=emission_standard[:8],
        received_on=parse_date(received_on, "received_on", "回收（接收）日期"), certificate_no=certificate_no[:60],
        certificate_issued_on=parse_date(certificate_issued_on, "certificate_issued_on", "回收证明出具日期")))
    return _done("vehicle")


@router.post(HOME + "/{scrapped_id}/deregistration", response_class=HTMLResponse)
@form_page(_again, form="dereg-{scrapped_id}")
def deregister_submit(scrapped_id: int, db: DbSession, scope: CurrentScope, number: Text = "",
                      deregistered_on: Text = "") -> Response:
    service.deregister(db, scope, scrapped_id, service.DeregistrationInput(
        number=number[:60], deregistered_on=parse_date(deregistered_on, "deregistered_on", "注销日期")))
    return _done("deregistered")
