"""Pages of the recycling network: the list of the city's sites with the .xlsx export and imports
(/recycling/network), the site form (new and edit, errors beside the field), the coverage page
(per area the points that serve it, the gaps ranked, the norm with its source, the map) and the
flows table with the form reporting a month's tonnage.

ECharts is served from node_modules by the app itself (no CDN), like Chart.js."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from huanxin.errors import Forbidden, InvalidInput, NotFound
from huanxin.kit import uploads
from huanxin.kit.clock import today
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.recycling import coords, vocab
from huanxin.recycling import repository as repo
from huanxin.recycling.models import Site
from huanxin.recycling.network import excel
from huanxin.recycling.network import service as network
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
NETWORK = "/recycling/network"
Text = Annotated[str, Form()]
ECHARTS = Path(__file__).resolve().parents[4] / "node_modules" / "echarts" / "dist" / "echarts.min.js"
FLASH = {"created": "已登记站点。", "saved": "已保存站点。", "imported": "已导入回收站点。",
         "areas": "已导入街道社区。", "flow": "已登记流向。"}


@router.get(NETWORK + "/echarts.min.js")
def echarts_js() -> Response:
    if not ECHARTS.exists():
        raise NotFound("地图组件未安装（请运行 scripts/setup.sh 安装前端依赖）")
    return FileResponse(ECHARTS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})


# ---- the list ------------------------------------------------------------------------------------

def _list(request: Request, db: DbSession, scope: Scope, done: str = "", counts: str = "") -> Response:
    request.state.scope = scope
    operators = {u.id: u.name for u in repo.recyclers_of_city(db, scope.city_code)}
    sites = network.sites_of_city(db, scope)
    return render(request, "recycling/network/list.html", sites=sites, operators=operators,
                  levels=vocab.SITE_LEVELS, statuses=vocab.SITE_STATUSES, may_write=network.may_write_site(scope),
                  may_edit=lambda s: network.may_write_site(scope, s),
                  may_import_areas=scope.role in network.AREA_WRITERS,
                  may_read_coverage=repo.is_supervisor(scope) or scope.role == Role.RECYCLER,
                  capacity_text=excel.capacity_text, flash=FLASH.get(done), counts=counts)


@router.get(NETWORK, response_class=HTMLResponse)
def network_page(request: Request, db: DbSession, scope: CurrentScope, done: str = "", counts: str = "") -> Response:
    return _list(request, db, scope, done, counts)


def _on_list(call: FormCall) -> Response:
    return _list(call.request, call.db, call.scope)


@router.post(NETWORK + "/sites/import", response_class=HTMLResponse)
@form_page(_on_list, form="site-import")
async def import_sites(db: DbSession, scope: CurrentScope,
                       file: Annotated[UploadFile | None, File()] = None) -> Response:
    if file is None or not file.filename:
        raise InvalidInput("请选择要导入的 .xlsx 文件", field="file")
    data = await uploads.read_upload(file)
    result = await run_in_threadpool(excel.import_sites, db, scope, data, file.filename)
    counts = f"新登记 {result.created} 个，更新 {result.updated} 个"
    return RedirectResponse(f"{NETWORK}?{urlencode({'done': 'imported', 'counts': counts})}", status_code=303)


@router.post(NETWORK + "/areas/import", response_class=HTMLResponse)
@form_page(_on_list, form="area-import")
async def import_areas(db: DbSession, scope: CurrentScope,
                       file: Annotated[UploadFile | None, File()] = None) -> Response:
    network.require_area_writer(scope)
    if file is None or not file.filename:
        raise InvalidInput("请选择要导入的 .xlsx 文件", field="file")
    data = await uploads.read_upload(file)
    result = await run_in_threadpool(excel.import_areas, db, scope, data, file.filename)
    counts = f"街道 {result.streets} 个，社区 {result.communities} 个"
    return RedirectResponse(f"{NETWORK}?{urlencode({'done': 'areas', 'counts': counts})}", status_code=303)


@router.get(NETWORK + "/sites.xlsx")
def export_sites(db: DbSession, scope: CurrentScope) -> Response:
    return Response(excel.export_sites(db, scope), media_type=excel.XLSX, headers={
        "Content-Disposition": "attachment; filename*=UTF-8''%E5%9B%9E%E6%94%B6%E7%AB%99%E7%82%B9.xlsx",
        "Cache-Control": "no-store"})


# ---- the site form -------------------------------------------------------------------------------

def _values_of(site: Site | None) -> dict[str, str]:
    if site is None:
        return {"level": "point", "coord_system": "wgs84", "status": "operating"}
    lat, lon = coords.as_entered(site.lat, site.lon, site.coord_system)
    values = {"level": site.level, "name": site.name, "address": site.address, "lat": f"{lat:.6f}",
              "lon": f"{lon:.6f}", "coord_system": site.coord_system, "opening_hours": site.opening_hours,
              "area_m2": str(site.area_m2), "status": site.status, "region_code": site.region_code,
              "operator_unit_id": str(site.operator_unit_id)}
    values.update({f"cap_{k}": str(v) for k, v in site.capacity_kg.items()})
    return values


def _form(request: Request, db: DbSession, scope: Scope, site: Site | None,
          typed: dict[str, str] | None = None) -> Response:
    """The form, filled from the site or, after an error, with what was typed."""
    request.state.scope = scope
    return render(request, "recycling/network/site.html", site=site,
                  values=typed if typed is not None else _values_of(site),
                  levels=vocab.SITE_LEVELS, statuses=vocab.SITE_STATUSES, coord_systems=network.COORD_SYSTEMS,
                  categories=vocab.CATEGORIES, units=vocab.UNITS, unit_of=vocab.unit_of,
                  recyclers=repo.recyclers_of_city(db, scope.city_code) if scope.role == Role.OFFICE else [],
                  action=f"{NETWORK}/sites/{site.id}" if site else f"{NETWORK}/sites/new")


@router.get(NETWORK + "/sites/new", response_class=HTMLResponse)
def new_site_page(request: Request, db: DbSession, scope: CurrentScope) -> Response:
    if not network.may_write_site(scope):
        raise Forbidden("只有回收企业或专班办公室可以登记回收站点")
    return _form(request, db, scope, None)


@router.get(NETWORK + "/sites/{site_id}", response_class=HTMLResponse)
def site_page(request: Request, site_id: int, db: DbSession, scope: CurrentScope) -> Response:
    return _form(request, db, scope, network.writable_site(db, scope, site_id))


def _number(text: str, name: str, label: str, *, integer: bool = False) -> float:
    text = text.strip().replace(",", "")
    if not text:
        if integer:
            return 0
        raise InvalidInput(f"请填写{label}", field=name)
    try:
        value = float(text)
        if integer and not value.is_integer():
            raise ValueError
    except ValueError:
        raise InvalidInput(f"{label}应为{'整数' if integer else '数字'}", field=name) from None
    return value


async def form_values(request: Request) -> dict[str, str]:
    """The sent form as text (the capacity has one field per category)."""
    form = await request.form()
    return {str(k): str(v) for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


Values = Annotated[dict[str, str], Depends(form_values)]


def _site_input(v: dict[str, str]) -> network.SiteInput:
    capacity = {c: int(_number(v.get(f"cap_{c}", ""), f"cap_{c}", f"{label}的容量", integer=True))
                for c, label in vocab.CATEGORIES.items()}
    operator = v.get("operator_unit_id", "").strip()
    return network.SiteInput(
        level=v.get("level", ""), name=v.get("name", ""), address=v.get("address", ""),
        lat=_number(v.get("lat", ""), "lat", "纬度"), lon=_number(v.get("lon", ""), "lon", "经度"),
        coord_system=v.get("coord_system", ""), opening_hours=v.get("opening_hours", ""),
        area_m2=int(_number(v.get("area_m2", ""), "area_m2", "面积", integer=True)),
        capacity_kg=capacity, status=v.get("status", ""), region_code=v.get("region_code", ""),
        operator_unit_id=int(operator) if operator.isdigit() else None)


def _on_new(call: FormCall) -> Response:
    return _form(call.request, call.db, call.scope, None, call.args["values"])


@router.post(NETWORK + "/sites/new", response_class=HTMLResponse)
@form_page(_on_new, form="site")
def new_site_submit(db: DbSession, scope: CurrentScope, values: Values) -> Response:
    network.create_site(db, scope, _site_input(values))
    return RedirectResponse(f"{NETWORK}?done=created", status_code=303)


def _on_edit(call: FormCall) -> Response:
    site = network.writable_site(call.db, call.scope, call.args["site_id"])
    return _form(call.request, call.db, call.scope, site, call.args["values"])


@router.post(NETWORK + "/sites/{site_id}", response_class=HTMLResponse)
@form_page(_on_edit, form="site")
def site_submit(site_id: int, db: DbSession, scope: CurrentScope, values: Values) -> Response:
    network.update_site(db, scope, site_id, _site_input(values))
    return RedirectResponse(f"{NETWORK}?done=saved", status_code=303)


# ---- coverage ------------------------------------------------------------------------------------

def _int_or_none(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


@router.get(NETWORK + "/coverage", response_class=HTMLResponse)
def coverage_page(request: Request, db: DbSession, scope: CurrentScope, per_point_urban: str = "",
                  per_point_town: str = "", radius_m: str = "") -> Response:
    request.state.scope = scope
    network.require_network_reader(scope)
    error = None
    try:
        norm = network.norm_of(_int_or_none(per_point_urban), _int_or_none(per_point_town), _int_or_none(radius_m))
    except InvalidInput as exc:
        error, norm = exc.message, network.norm_of()
    report = network.coverage_of(db, scope, norm)
    names = {s.id: s.name for s in network.sites_of_city(db, scope)}
    query = urlencode({"per_point_urban": norm.households_per_point_urban,
                       "per_point_town": norm.households_per_point_town, "radius_m": norm.service_radius_m})
    return render(request, "recycling/network/coverage.html", report=report, gaps=report.gaps(), norm=norm,
                  source=network.NORM_SOURCES, site_names=names, error=error,
                  map_src=f"/api/v1/recycling/coverage/map.json?{query}", echarts=f"{NETWORK}/echarts.min.js")


# ---- flows ---------------------------------------------------------------------------------------

def _flows(request: Request, db: DbSession, scope: Scope, done: str = "") -> Response:
    request.state.scope = scope
    flows = network.flows_visible(db, scope)
    sites = network.sites_of_city(db, scope)
    own = [s for s in sites if scope.role == Role.RECYCLER and s.operator_unit_id == scope.unit_id]
    rows = network.monthly_table(db, flows)
    used = [c for c in vocab.CATEGORIES if any(c in r.by_category for r in rows)]
    return render(request, "recycling/network/flows.html", rows=rows, used=used, categories=vocab.CATEGORIES,
                  flows=flows[:200], site_names={s.id: s.name for s in sites}, own_sites=own, sites=sites,
                  leg_label=network.leg_label, kg=_kg, flash=FLASH.get(done),
                  this_month=today().strftime("%Y-%m"))


def _kg(grams: int) -> str:
    return f"{grams / 1000:,.1f}"


@router.get(NETWORK + "/flows", response_class=HTMLResponse)
def flows_page(request: Request, db: DbSession, scope: CurrentScope, done: str = "") -> Response:
    return _flows(request, db, scope, done)


def _on_flow(call: FormCall) -> Response:
    return _flows(call.request, call.db, call.scope)


@router.post(NETWORK + "/flows", response_class=HTMLResponse)
@form_page(_on_flow, form="flow")
def flow_submit(db: DbSession, scope: CurrentScope, from_site_id: Text = "", to_site_id: Text = "",
                month: Text = "", category: Text = "", weight_kg: Text = "") -> Response:
    if not from_site_id.isdigit():
        raise InvalidInput("请选择发出站点", field="from_site_id")
    try:
        first = dt.date.fromisoformat(month.strip() + "-01")
    except ValueError:
        raise InvalidInput("请填写月份（年-月）", field="month") from None
    weight = _number(weight_kg, "weight_kg", "重量（公斤）")
    try:
        network.record_flow(db, scope, network.FlowInput(
            from_site_id=int(from_site_id), to_site_id=int(to_site_id) if to_site_id.isdigit() else None,
            month=first, category=category, weight_g=round(weight * 1000)))
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="weight_kg" if exc.field == "weight_g" else exc.field) from None
    return RedirectResponse(f"{NETWORK}/flows?done=flow", status_code=303)
