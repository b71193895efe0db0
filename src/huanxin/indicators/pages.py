"""Pages of the indicators domain: targets and entry, one indicator, the city's cockpit."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from huanxin.errors import InvalidInput
from huanxin.indicators import cockpit_market, service
from huanxin.indicators.catalogue import catalogue
from huanxin.indicators.progress import format_number
from huanxin.kit import uploads
from huanxin.orgs.scope import Scope
from huanxin.web import labels
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FLASH = {
    "observation": "已保存指标数据。",
    "baseline": "已保存基期值。",
    "import": "导入完成：新增 {created} 条，更新 {updated} 条。",
}


def period_label(year: int, month: int) -> str:
    return f"{year}年" if month == 12 else f"{year}年1–{month}月"


def _see_other(url: str, **query: object) -> RedirectResponse:
    return RedirectResponse(f"{url}?{urlencode(query)}" if query else url, status_code=303)


def _flash(ok: str, created: int, updated: int) -> str | None:
    template = FLASH.get(ok)
    return template.format(created=created, updated=updated) if template else None


def _common(request: Request, scope: Scope) -> dict[str, Any]:
    request.state.scope = scope
    return {"fmt": format_number, "period": period_label, "L": labels, "catalogue": catalogue()}


@router.get("/cities/{city_code}/indicators", response_class=HTMLResponse)
def indicators_page(
    request: Request,
    city_code: str,
    db: DbSession,
    scope: CurrentScope,
    ok: str = "",
    created: int = 0,
    updated: int = 0,
) -> Response:
    progress = service.city_progress(db, scope, city_code)
    ctx = service.city_context(db, city_code)
    enterable = service.enterable_codes(scope, ctx)
    return render(
        request,
        "indicators/index.html",
        **_common(request, scope),
        progress=progress,
        ctx=ctx,
        can_enter=service.can_enter_any(scope) and bool(enterable),  # a unit that owns no indicator
        enterable=enterable,
        baselines=service.list_baselines(db, scope, city_code),
        flash=_flash(ok, created, updated),
    )


def _on_indicator_pages(call: FormCall) -> Response:
    """The observation form sits on the indicators page and on each indicator's own page."""
    city_code = call.args["city_code"]
    if call.args.get("back") == "detail":
        return indicator_page(call.request, city_code, call.args["indicator_code"], call.db, call.scope)
    return indicators_page(call.request, city_code, call.db, call.scope)


@router.post("/cities/{city_code}/observations")
@form_page(_on_indicator_pages, form="observation")
def enter_observation(
    city_code: str,
    db: DbSession,
    scope: CurrentScope,
    indicator_code: Annotated[str, Form()] = "",
    region_code: Annotated[str, Form()] = "",
    year: Annotated[str, Form()] = "",
    month: Annotated[str, Form()] = "12",
    value: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    service.record_observation(
        db,
        scope,
        city_code,
        service.ObservationInput(
            indicator_code=indicator_code,
            region_code=region_code,
            year=year,
            month=month,
            value=value,
            note=note,
        ),
    )
    target = (
        f"/cities/{city_code}/indicators/{indicator_code}"
        if back == "detail"
        else f"/cities/{city_code}/indicators"
    )
    return _see_other(target, ok="observation")


@router.post("/cities/{city_code}/observations/import")
@form_page(_on_indicator_pages, form="observation-import")
async def import_observations(
    city_code: str, db: DbSession, scope: CurrentScope, file: Annotated[UploadFile | None, File()] = None
) -> Response:
    service.require_reader(scope, city_code)
    if file is None or not file.filename:
        raise InvalidInput("请选择要导入的 .xlsx 文件", field="file")
    data = await uploads.read_upload(file)  # in chunks, refused past the limit (413)

    def work() -> service.ImportResult:
        # The parse and the writes run in a worker thread, off the event loop.
        return service.import_observations(db, scope, city_code, service.read_sheet(data))

    result = await run_in_threadpool(work)
    return _see_other(
        f"/cities/{city_code}/indicators", ok="import", created=result.created, updated=result.updated
    )


@router.get("/cities/{city_code}/indicators/template.xlsx")
def import_template(city_code: str, scope: CurrentScope) -> Response:
    service.require_reader(scope, city_code)
    return Response(
        service.template_workbook(city_code),
        media_type=XLSX,
        headers={"Content-Disposition": "attachment; filename*=UTF-8''indicators-template.xlsx"},
    )


@router.post("/cities/{city_code}/baselines")
@form_page(_on_indicator_pages, form="baseline")
def enter_baseline(
    city_code: str,
    db: DbSession,
    scope: CurrentScope,
    indicator_code: Annotated[str, Form()] = "",
    region_code: Annotated[str, Form()] = "",
    year: Annotated[str, Form()] = "2023",
    value: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    correct: Annotated[str, Form()] = "",
) -> Response:
    service.set_baseline(
        db,
        scope,
        city_code,
        service.BaselineInput(
            indicator_code=indicator_code,
            region_code=region_code,
            year=year,
            value=value,
            note=note,
            correct=correct in ("1", "on", "true"),
        ),
    )
    return _see_other(f"/cities/{city_code}/indicators", ok="baseline")


@router.get("/cities/{city_code}/indicators/{indicator_code}", response_class=HTMLResponse)
def indicator_page(
    request: Request, city_code: str, indicator_code: str, db: DbSession, scope: CurrentScope, ok: str = ""
) -> Response:
    detail = service.indicator_detail(db, scope, city_code, indicator_code)
    ctx = service.city_context(db, city_code)
    may = service.can_enter_any(scope) and indicator_code in service.enterable_codes(scope, ctx)
    return render(
        request,
        "indicators/detail.html",
        **_common(request, scope),
        d=detail,
        ctx=ctx,
        can_enter=may,
        charts=[t.chart() for t in detail.targets if t.target_value is not None],
        flash=_flash(ok, 0, 0),
    )


@router.get("/cities/{city_code}/cockpit", response_class=HTMLResponse)
def cockpit_page(request: Request, city_code: str, db: DbSession, scope: CurrentScope) -> Response:
    view = service.cockpit(db, scope, city_code)  # refuses another city and a reader not city-wide first
    market = cockpit_market.market_figures(db, scope)
    return render(request, "indicators/cockpit.html", **_common(request, scope), c=view, market=market)
