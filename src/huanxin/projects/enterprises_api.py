"""JSON API of the enterprise list (/api/v1). Another city's enterprise answers 404; a role without
the right 403 (projects.enterprises says who may do what).

    GET  /cities/{city}/enterprises[?region_code=&industry=&flag=&above_scale=&q=&page=&per_page=]
    POST /cities/{city}/enterprises                      register (office, county) → 201; the office may
         add "account_username" to open the enterprise's first account (temporary password, shown once)
    GET  /cities/{city}/enterprises/export.xlsx          the list as .xlsx (same filters)
    POST /cities/{city}/enterprises/import               multipart `file` (.xlsx, all or nothing)
    GET  /cities/{city}/enterprises/{id}                 one enterprise
    PUT  /cities/{city}/enterprises/{id}                 change it (office; county: its region; itself)
    GET  /me/enterprise | PUT /me/enterprise              an enterprise user's own record
    GET  /industries?q=                                  GB/T 4754-2017 codes and names (search)
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from huanxin.errors import InvalidInput, NotFound
from huanxin.kit import uploads
from huanxin.kit.clock import aware
from huanxin.kit.limits import ShortText
from huanxin.orgs.scope import Scope
from huanxin.projects import enterprises as service
from huanxin.projects import enterprises_excel as excel
from huanxin.projects import industries
from huanxin.projects.models import Enterprise
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["企业库"])


class EnterpriseIn(service.EnterpriseInput):
    account_username: ShortText = ""  # the office: open the first account with this user name


class EnterpriseOut(BaseModel):
    id: int
    city_code: str
    credit_code: str
    name: str
    industry_code: str
    industry_name: str
    region_code: str
    region_name: str
    above_scale: bool
    flags: list[str]
    flag_labels: list[str]
    contact_name: str
    contact_phone: str  # in full for the office and the enterprise itself, else masked
    address: str
    editable: bool
    updated_at: dt.datetime


class RegisteredOut(BaseModel):
    enterprise: EnterpriseOut
    account_username: str | None = None
    temporary_password: str | None = None  # shown once; to be changed at the first sign-in


class EnterpriseListOut(BaseModel):
    items: list[EnterpriseOut]
    total: int
    page: int
    per_page: int


class IndustryOut(BaseModel):
    code: str
    name: str
    level: str
    parent: str | None


class ImportOut(BaseModel):
    registered: int
    updated: int
    unchanged: int
    enterprise_ids: list[int]


def enterprise_out(db: Session, scope: Scope, item: Enterprise, regions: dict[str, str] | None = None) -> EnterpriseOut:
    names = regions if regions is not None else service.counties(db, item.city_code)
    return EnterpriseOut(
        id=item.id, city_code=item.city_code, credit_code=item.credit_code, name=item.name,
        industry_code=item.industry_code, industry_name=industries.industry_name(item.industry_code),
        region_code=item.region_code, region_name=names.get(item.region_code, item.region_code),
        above_scale=item.above_scale, flags=list(item.flags or []), flag_labels=service.flag_labels(item),
        contact_name=item.contact_name, contact_phone=service.shown_phone(scope, item), address=item.address,
        editable=service.may_edit(scope, item), updated_at=aware(item.updated_at))


def _in_city(db: Session, scope: Scope, city_code: str, enterprise_id: int) -> Enterprise:
    scope.require_city(city_code)
    item = service.get_enterprise(db, scope, enterprise_id)
    if item.city_code != city_code:
        raise NotFound(service.NOT_FOUND)
    return item


def _filters(region_code: str, industry: str, flag: str, above_scale: str, q: str, page: int,
             per_page: int) -> service.EnterpriseFilters:
    scale = {"": None, "true": True, "1": True, "false": False, "0": False}
    if above_scale not in scale:
        raise InvalidInput("“规模以上”筛选应为 true 或 false", field="above_scale")
    return service.EnterpriseFilters(region_code=region_code or None, industry=industry or None, flag=flag or None,
                                     above_scale=scale[above_scale], q=q or None, page=page, per_page=per_page)


@router.get("/cities/{city_code}/enterprises", response_model=EnterpriseListOut)
def list_enterprises(city_code: str, db: DbSession, scope: CurrentScope, region_code: str = "", industry: str = "",
                     flag: str = "", above_scale: str = "", q: str = "", page: int = 1,
                     per_page: int = service.PER_PAGE) -> EnterpriseListOut:
    found = service.list_enterprises(db, scope, city_code,
                                     _filters(region_code, industry, flag, above_scale, q, page, per_page))
    regions = service.counties(db, city_code)
    return EnterpriseListOut(items=[enterprise_out(db, scope, e, regions) for e in found.items], total=found.total,
                             page=found.page, per_page=found.per_page)


@router.post("/cities/{city_code}/enterprises", response_model=RegisteredOut, status_code=201)
def register(city_code: str, body: EnterpriseIn, db: DbSession, scope: CurrentScope) -> RegisteredOut:
    account = service.FirstAccount(body.account_username.strip()) if body.account_username.strip() else None
    done = service.register(db, scope, city_code, body, first_account=account)
    return RegisteredOut(enterprise=enterprise_out(db, scope, done.enterprise), account_username=done.username,
                         temporary_password=done.password)


@router.get("/cities/{city_code}/enterprises/export.xlsx")
def export(city_code: str, db: DbSession, scope: CurrentScope, region_code: str = "", industry: str = "",
           flag: str = "", above_scale: str = "", q: str = "") -> Response:
    data = excel.export_workbook(db, scope, city_code, _filters(region_code, industry, flag, above_scale, q, 1, 1))
    return Response(data, media_type=excel.XLSX, headers={
        "Content-Disposition": "attachment; filename*=UTF-8''enterprises.xlsx", "Cache-Control": "no-store"})


@router.post("/cities/{city_code}/enterprises/import", response_model=ImportOut)
async def import_list(city_code: str, db: DbSession, scope: CurrentScope,
                      file: Annotated[UploadFile, File()]) -> ImportOut:
    excel.require_importer(scope, city_code)
    data = await uploads.read_upload(file)
    result = await run_in_threadpool(excel.import_workbook, db, scope, city_code, data, file.filename)
    return ImportOut(registered=result.registered, updated=result.updated, unchanged=result.unchanged,
                     enterprise_ids=result.enterprise_ids)


@router.get("/cities/{city_code}/enterprises/{enterprise_id}", response_model=EnterpriseOut)
def read(city_code: str, enterprise_id: int, db: DbSession, scope: CurrentScope) -> EnterpriseOut:
    return enterprise_out(db, scope, _in_city(db, scope, city_code, enterprise_id))


@router.put("/cities/{city_code}/enterprises/{enterprise_id}", response_model=EnterpriseOut)
def change(city_code: str, enterprise_id: int, body: service.EnterpriseInput, db: DbSession,
           scope: CurrentScope) -> EnterpriseOut:
    item = _in_city(db, scope, city_code, enterprise_id)
    return enterprise_out(db, scope, service.update(db, scope, item.id, body))


@router.get("/me/enterprise", response_model=EnterpriseOut)
def my_enterprise(db: DbSession, scope: CurrentScope) -> EnterpriseOut:
    return enterprise_out(db, scope, service.own_enterprise(db, scope))


@router.put("/me/enterprise", response_model=EnterpriseOut)
def change_my_enterprise(body: service.EnterpriseInput, db: DbSession, scope: CurrentScope) -> EnterpriseOut:
    own = service.own_enterprise(db, scope)
    return enterprise_out(db, scope, service.update(db, scope, own.id, body))


@router.get("/industries", response_model=list[IndustryOut])
def search(scope: CurrentScope, q: str = "", limit: int = 20) -> list[dict[str, Any]]:
    hits = industries.search_industries(q, limit=min(max(limit, 1), 100))
    return [{"code": i.code, "name": i.name, "level": i.level, "parent": i.parent} for i in hits]
