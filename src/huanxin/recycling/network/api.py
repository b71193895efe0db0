"""JSON API of the recycling network (/api/v1). Sites are read by everyone of the city and written
by their operator recycler (another recycler's site answers 404) or by the city office; areas are
imported by the office or a department; another city's objects answer 404.

    GET  /recycling/sites[?level=]                 the city's sites
    POST /recycling/sites                          {level, name, address, lat, lon, coord_system, …}
    GET  /recycling/sites/{id}
    POST /recycling/sites/{id}                     the same body: the site changed
    GET  /recycling/sites.xlsx                     the sites as .xlsx (the import's columns)
    POST /recycling/sites/import                   multipart `file` (.xlsx, all or nothing)
    POST /recycling/areas/import                   multipart `file` (.xlsx: streets, communities, households)
    GET  /recycling/coverage[?per_point_urban=&per_point_town=&radius_m=]
    GET  /recycling/coverage/map.json              {boundary, sites, points, routes, gaps} (static/recycling_map.js)
    GET  /recycling/flows                          the flows and the monthly table
    POST /recycling/flows                          {from_site_id, to_site_id, month, category, weight_g}"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from huanxin.kit import uploads
from huanxin.kit.limits import Schema, ShortText
from huanxin.orgs.boundary import city_boundary
from huanxin.orgs.scope import Scope
from huanxin.recycling import coverage, vocab
from huanxin.recycling import repository as repo
from huanxin.recycling.models import Flow
from huanxin.recycling.network import excel, mapdata
from huanxin.recycling.network import service as network
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["再生资源回收"])


class SiteIn(Schema):
    level: ShortText
    name: ShortText
    address: ShortText
    lat: float
    lon: float
    coord_system: ShortText = "wgs84"
    opening_hours: ShortText = ""
    area_m2: int = 0
    capacity_kg: dict[ShortText, int] = {}
    status: ShortText = "operating"
    region_code: ShortText = ""
    area_id: int | None = None
    parent_site_id: int | None = None
    operator_unit_id: int | None = None

    def input(self) -> network.SiteInput:
        return network.SiteInput(**self.model_dump())


class FlowIn(Schema):
    from_site_id: int
    to_site_id: int | None = None
    month: dt.date
    category: ShortText
    weight_g: int


def _operators(db: DbSession, scope: Scope) -> dict[int, str]:
    return {u.id: u.name for u in repo.recyclers_of_city(db, scope.city_code)}


@router.get("/recycling/sites")
def list_sites(db: DbSession, scope: CurrentScope, level: str | None = None) -> dict[str, Any]:
    operators = _operators(db, scope)
    return {"sites": [network.site_out(s, operators) for s in network.sites_of_city(db, scope, level)],
            "levels": vocab.SITE_LEVELS, "statuses": vocab.SITE_STATUSES, "coord_systems": network.COORD_SYSTEMS}


@router.post("/recycling/sites", status_code=201)
def create_site(body: SiteIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return network.site_out(network.create_site(db, scope, body.input()), _operators(db, scope))


@router.get("/recycling/sites.xlsx")
def export_sites(db: DbSession, scope: CurrentScope) -> Response:
    return Response(excel.export_sites(db, scope), media_type=excel.XLSX, headers={
        "Content-Disposition": "attachment; filename*=UTF-8''recycling-sites.xlsx", "Cache-Control": "no-store"})


@router.post("/recycling/sites/import")
async def import_sites(db: DbSession, scope: CurrentScope, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    data = await uploads.read_upload(file)
    result = await run_in_threadpool(excel.import_sites, db, scope, data, file.filename)
    return dataclasses.asdict(result)


@router.get("/recycling/sites/{site_id}")
def read_site(site_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return network.site_out(repo.get_site(db, scope, site_id), _operators(db, scope))


@router.post("/recycling/sites/{site_id}")
def update_site(site_id: int, body: SiteIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return network.site_out(network.update_site(db, scope, site_id, body.input()), _operators(db, scope))


@router.post("/recycling/areas/import")
async def import_areas(db: DbSession, scope: CurrentScope, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    network.require_area_writer(scope)
    data = await uploads.read_upload(file)
    result = await run_in_threadpool(excel.import_areas, db, scope, data, file.filename)
    return dataclasses.asdict(result)


def _area_out(a: coverage.AreaCoverage, rank: int | None) -> dict[str, Any]:
    return {"area_id": a.area_id, "name": a.name, "region_code": a.region_code, "households": a.households,
            "needed_points": a.needed_points, "serving_site_ids": a.serving_site_ids, "gap_points": a.gap_points,
            "unserved_households": a.unserved_households, "nearest_point_m": a.nearest_point_m,
            "covered": a.covered, "gap_rank": rank}


@router.get("/recycling/coverage")
def coverage_report(db: DbSession, scope: CurrentScope, per_point_urban: int | None = None,
                    per_point_town: int | None = None, radius_m: int | None = None) -> dict[str, Any]:
    network.require_network_reader(scope)
    norm = network.norm_of(per_point_urban, per_point_town, radius_m)
    report = network.coverage_of(db, scope, norm)
    ranks = {a.area_id: i for i, a in enumerate(report.gaps(), start=1)}
    return {"norm": {"households_per_point_urban": norm.households_per_point_urban,
                     "households_per_point_town": norm.households_per_point_town,
                     "service_radius_m": norm.service_radius_m, "source": network.NORM_SOURCES},
            "households": report.households, "covered_households": report.covered_households,
            "coverage_permille": report.coverage_permille, "gap_points": report.gap_points,
            "gaps": [_area_out(a, ranks[a.area_id]) for a in report.gaps()],
            "areas": [_area_out(a, ranks.get(a.area_id)) for a in report.areas]}


@router.get("/recycling/coverage/map.json")
def coverage_map(db: DbSession, scope: CurrentScope, per_point_urban: int | None = None,
                 per_point_town: int | None = None, radius_m: int | None = None) -> dict[str, Any]:
    network.require_network_reader(scope)
    norm = network.norm_of(per_point_urban, per_point_town, radius_m)
    areas = network.areas_of_city(db, scope.city_code)
    sites = network.sites_of_city(db, scope)
    return mapdata.coverage_map(areas, sites, coverage.analyse(areas, sites, norm),
                                city_boundary(db, scope.city_code))


def flow_out(f: Flow) -> dict[str, Any]:
    return {"id": f.id, "from_site_id": f.from_site_id, "to_site_id": f.to_site_id, "month": f.month.isoformat(),
            "category": f.category, "category_label": vocab.CATEGORIES.get(f.category), "weight_g": f.weight_g}


@router.get("/recycling/flows")
def list_flows(db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    flows = network.flows_visible(db, scope)
    return {"flows": [flow_out(f) for f in flows], "monthly": [
        {"month": r.month.isoformat()[:7], "total_g": r.total_g, "by_category": r.by_category,
         "by_leg": {network.leg_label(k): v for k, v in r.by_leg.items()}}
        for r in network.monthly_table(db, flows)]}


@router.post("/recycling/flows", status_code=201)
def record_flow(body: FlowIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return flow_out(network.record_flow(db, scope, network.FlowInput(**body.model_dump())))
