"""Pages of the enterprise list: the office's and a county's 企业库 (filter, export, import, register),
one enterprise's page (its record, editable by who may change it) and an enterprise's own
"本企业信息". A form that fails is shown again with the error beside the field and what was typed
kept (web.form_pages); a first account's temporary password is shown once, never cached."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from huanxin.errors import InvalidInput
from huanxin.kit import uploads
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope
from huanxin.projects import enterprises as service
from huanxin.projects import enterprises_excel as excel
from huanxin.projects import industries, vocab
from huanxin.projects.enterprises_api import enterprise_out
from huanxin.projects.models import Enterprise
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
LIST = "/cities/{city_code}/enterprises"
PROFILE = "/enterprise/profile"
Text = Annotated[str, Form()]
FLASH = {"saved": "已保存。", "imported": "导入完成：新登记 {registered} 家，更新 {updated} 家，未变 {unchanged} 家。"}


def _no_store(page: Response) -> Response:
    page.headers["Cache-Control"] = "no-store"  # phones in full for the office, a password once
    return page


def _form_input(name: str, credit_code: str, industry_code: str, region_code: str, above_scale: str,
                flags: list[str], contact_name: str, contact_phone: str, address: str,
                remove_phone: str = "") -> service.EnterpriseInput:
    return service.EnterpriseInput(
        name=name, credit_code=credit_code, industry_code=industry_code, region_code=region_code,
        above_scale=above_scale in ("1", "on", "yes"), flags=flags, contact_name=contact_name,
        contact_phone=contact_phone, address=address, remove_phone=remove_phone in ("1", "on", "yes"))


def _options(db: DbSession, city_code: str) -> dict[str, Any]:
    return {"regions": service.counties(db, city_code), "flags": vocab.ENTERPRISE_FLAGS,
            "sections": industries.children(None)}


# ---- the list -------------------------------------------------------------------------------------

@router.get(LIST, response_class=HTMLResponse)
def enterprises_page(request: Request, city_code: str, db: DbSession, scope: CurrentScope, region_code: str = "",
                     industry: str = "", flag: str = "", above_scale: str = "", q: str = "", page: int = 1,
                     done: str = "", registered: int = 0, updated: int = 0, unchanged: int = 0) -> Response:
    """企业库: the city's enterprises (a county: its region's), filtered; export, import, register."""
    request.state.scope = scope
    filters = {"region_code": region_code, "industry": industry, "flag": flag, "above_scale": above_scale, "q": q}
    scale = {"": None, "1": True, "0": False}.get(above_scale)
    found = service.list_enterprises(db, scope, city_code, service.EnterpriseFilters(
        region_code=region_code or None, industry=industry or None, flag=flag or None, above_scale=scale,
        q=q or None, page=page))
    regions = service.counties(db, city_code)
    rows = [enterprise_out(db, scope, e, regions) for e in found.items]
    query = urlencode({k: v for k, v in filters.items() if v})
    flash = FLASH.get(done, "").format(registered=registered, updated=updated, unchanged=unchanged) or None
    return _no_store(render(
        request, "projects/enterprises.html", city_code=city_code, city=orgs_service.region_name(db, city_code),
        rows=rows, page=found, filters=filters, query=query, may_register=service.may_register(scope),
        flash=flash, **_options(db, city_code)))


def _on_list(call: FormCall) -> Response:
    return enterprises_page(call.request, call.args["city_code"], call.db, call.scope)


@router.post(LIST, response_class=HTMLResponse)
@form_page(_on_list, form="enterprise-new")
def register_submit(request: Request, city_code: str, db: DbSession, scope: CurrentScope, name: Text = "",
                    credit_code: Text = "", industry_code: Text = "", region_code: Text = "", above_scale: Text = "",
                    flags: Annotated[list[str] | None, Form()] = None, contact_name: Text = "",
                    contact_phone: Text = "", address: Text = "", account_username: Text = "") -> Response:
    account = service.FirstAccount(account_username.strip()) if account_username.strip() else None
    done = service.register(db, scope, city_code, _form_input(
        name, credit_code, industry_code, region_code, above_scale, flags or [], contact_name, contact_phone,
        address), first_account=account)
    if done.password is None:
        return RedirectResponse(f"/cities/{city_code}/enterprises/{done.enterprise.id}?done=saved", status_code=303)
    request.state.scope = scope
    return _no_store(render(request, "projects/enterprise_account.html", enterprise=done.enterprise,
                            username=done.username, password=done.password, city_code=city_code))


@router.get(LIST + "/export.xlsx")
def export(city_code: str, db: DbSession, scope: CurrentScope, region_code: str = "", industry: str = "",
           flag: str = "", above_scale: str = "", q: str = "") -> Response:
    scale = {"": None, "1": True, "0": False}.get(above_scale)
    data = excel.export_workbook(db, scope, city_code, service.EnterpriseFilters(
        region_code=region_code or None, industry=industry or None, flag=flag or None, above_scale=scale,
        q=q or None))
    return Response(data, media_type=excel.XLSX, headers={
        "Content-Disposition": "attachment; filename*=UTF-8''%E4%BC%81%E4%B8%9A%E5%90%8D%E5%BD%95.xlsx",
        "Cache-Control": "no-store"})


@router.post(LIST + "/import", response_class=HTMLResponse)
@form_page(_on_list, form="enterprise-import")
async def import_submit(city_code: str, db: DbSession, scope: CurrentScope,
                        file: Annotated[UploadFile | None, File()] = None) -> Response:
    excel.require_importer(scope, city_code)
    if file is None or not file.filename:
        raise InvalidInput("请选择要导入的 .xlsx 文件", field="file")
    data = await uploads.read_upload(file)
    result = await run_in_threadpool(excel.import_workbook, db, scope, city_code, data, file.filename)
    query = urlencode({"done": "imported", "registered": result.registered, "updated": result.updated,
                       "unchanged": result.unchanged})
    return RedirectResponse(f"/cities/{city_code}/enterprises?{query}", status_code=303)


# ---- one enterprise -------------------------------------------------------------------------------

def _show(request: Request, db: DbSession, scope: Scope, item: Enterprise, *, own: bool,
          done: str = "") -> Response:
    request.state.scope = scope
    return _no_store(render(
        request, "projects/enterprise.html", e=enterprise_out(db, scope, item), item=item, own=own,
        city_code=item.city_code, flash=FLASH.get(done) if done != "imported" else None,
        industry_label=industries.industry_label(item.industry_code), **_options(db, item.city_code)))


@router.get(LIST + "/{enterprise_id}", response_class=HTMLResponse)
def enterprise_page(request: Request, city_code: str, enterprise_id: int, db: DbSession, scope: CurrentScope,
                    done: str = "") -> Response:
    scope.require_city(city_code)
    item = service.get_enterprise(db, scope, enterprise_id)
    return _show(request, db, scope, item, own=False, done=done)


def _on_enterprise(call: FormCall) -> Response:
    return enterprise_page(call.request, call.args["city_code"], call.args["enterprise_id"], call.db, call.scope)


@router.post(LIST + "/{enterprise_id}", response_class=HTMLResponse)
@form_page(_on_enterprise, form="enterprise-edit")
def update_submit(city_code: str, enterprise_id: int, db: DbSession, scope: CurrentScope, name: Text = "",
                  credit_code: Text = "", industry_code: Text = "", region_code: Text = "", above_scale: Text = "",
                  flags: Annotated[list[str] | None, Form()] = None, contact_name: Text = "",
                  contact_phone: Text = "", address: Text = "", remove_phone: Text = "") -> Response:
    scope.require_city(city_code)
    service.update(db, scope, enterprise_id, _form_input(
        name, credit_code, industry_code, region_code, above_scale, flags or [], contact_name, contact_phone,
        address, remove_phone))
    return RedirectResponse(f"/cities/{city_code}/enterprises/{enterprise_id}?done=saved", status_code=303)


# ---- the enterprise's own page --------------------------------------------------------------------

@router.get(PROFILE, response_class=HTMLResponse)
def profile_page(request: Request, db: DbSession, scope: CurrentScope, done: str = "") -> Response:
    """本企业信息: what the city holds about the signed-in enterprise, editable by it."""
    return _show(request, db, scope, service.own_enterprise(db, scope), own=True, done=done)


def _on_profile(call: FormCall) -> Response:
    return profile_page(call.request, call.db, call.scope)


@router.post(PROFILE, response_class=HTMLResponse)
@form_page(_on_profile, form="enterprise-edit")
def profile_submit(db: DbSession, scope: CurrentScope, name: Text = "", industry_code: Text = "",
                   above_scale: Text = "", contact_name: Text = "", contact_phone: Text = "", address: Text = "",
                   remove_phone: Text = "") -> Response:
    own = service.own_enterprise(db, scope)
    # credit code, region and flags are not the enterprise's to change (the service keeps them)
    service.update(db, scope, own.id, _form_input(
        name, own.credit_code, industry_code, own.region_code, above_scale, list(own.flags or []), contact_name,
        contact_phone, address, remove_phone))
    return RedirectResponse(f"{PROFILE}?done=saved", status_code=303)
