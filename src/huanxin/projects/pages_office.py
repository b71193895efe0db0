"""The office's pages of the library (the leader reads them, with no form): 项目库, the overview with
counts and investment by status, charts by field and by region, filters, paging and the export
link; and 申报批次, the batches compiled for the province: create one (name, instrument, deadline),
add approved projects, send it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import NoMatchFound

from huanxin.errors import Forbidden, InvalidInput
from huanxin.kit.clock import today
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import batches as batches_service
from huanxin.projects import pages_views as views
from huanxin.projects import repository as repo
from huanxin.projects import service
from huanxin.tradein.pages.support import new_key, once
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
LIBRARY_ROLES = {Role.OFFICE, Role.LEADER, Role.COUNTY, Role.DEPARTMENT}
CANDIDATES = 200  # approved projects offered on a batch page
BATCH_STATUS = {"open": "编制中", "sent": "已报送省级"}
# The Excel exports (projects.lists, helper H6), by route name: linked once they are installed.
LIBRARY_EXPORT = "projects_library_export"
BATCH_EXPORT = "projects_batch_export"
Text = Annotated[str, Form()]


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _url(request: Request, name: str, query: str = "", **params: object) -> str | None:
    try:
        path = str(request.app.url_path_for(name, **params))
    except NoMatchFound:
        return None
    return f"{path}?{query.rstrip('&')}" if query.strip("&") else path


def _require_library(scope: Scope) -> None:
    if scope.role not in LIBRARY_ROLES:
        repo.require_reader(scope)
        raise Forbidden("项目库供专班办公室、市政府领导、行业主管部门和县（市、区）查看")


@router.get("/projects/library", response_class=HTMLResponse)
def library_page(request: Request, db: DbSession, scope: CurrentScope, status: str = "", field: str = "",
                 region: str = "", enterprise: str = "", q: str = "", page: int = 1, stage: str = "",
                 start_year: str = "", finish_year: str = "", month: str = "") -> Response:
    _require_library(scope)
    request.state.scope = scope
    filters = views.filters_from_query(status=status, field=field, region=region, enterprise=enterprise, q=q,
                                       page=page, stage=stage, start_year=start_year, finish_year=finish_year,
                                       month=month)
    regions = views.regions(db, scope.city_code)
    overview = views.library(db, scope, filters, regions)
    # the overview counted the filtered projects already: the list takes its total from there
    found = repo.list_page(db, scope, filters, total=overview["totals"]["count"])
    query = views.query_of(filters)
    return render(request, "projects/library.html", page=found, f=filters, query=query, regions=regions,
                  names=views.enterprise_names(db, found.items),
                  enterprises=views.enterprise_options(db, scope, filters),
                  export_url=_url(request, LIBRARY_EXPORT, query), figure_pairs=views.figure_pairs(filters),
                  figure_note=views.figure_note(filters), **overview, **views.common())


# ---- batches ------------------------------------------------------------------------------------

def _require_batch_reader(scope: Scope) -> None:
    if scope.role not in (Role.OFFICE, Role.LEADER):
        repo.require_reader(scope)
        raise Forbidden("申报批次由专班办公室编制，市政府领导可查看")


def _batch_light(deadline: dt.date, status: str) -> str:
    return views.deadline_light(deadline, today(), done=status == "sent")


@router.get("/projects/batches", response_class=HTMLResponse)
def batches_page(request: Request, db: DbSession, scope: CurrentScope, status: str = "",
                 instrument: str = "") -> Response:
    _require_batch_reader(scope)
    request.state.scope = scope
    found = [b for b in batches_service.list_batches(db, scope)
             if (not status or b.status == status) and (not instrument or b.instrument == instrument)]
    return render(request, "projects/batches.html", batches=found,
                  sizes=batches_service.batch_sizes(db, [b.id for b in found]),
                  batch_lights={b.id: _batch_light(b.deadline, b.status) for b in found},
                  batch_status=BATCH_STATUS, can_manage=scope.is_office, key=new_key(),
                  bf={"status": status, "instrument": instrument}, **views.common())


def _deadline(text: str) -> dt.date:
    value = (text or "").strip()
    if not value:
        raise InvalidInput("请填写省级报送截止日期", field="deadline")
    try:
        return dt.date.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise InvalidInput(f"截止日期“{value[:20]}”不是有效日期，请按 2026-06-30 格式填写", field="deadline") from None


@router.post("/projects/batches")
@form_page(lambda c: batches_page(c.request, c.db, c.scope), form="batch")
def create_batch(db: DbSession, scope: CurrentScope, name: Text, instrument: Text = "", deadline: Text = "",
                 idempotency_key: Text = "") -> Response:
    scope.require_office()
    due = _deadline(deadline)

    def work() -> str:
        batch = batches_service.create_batch(db, scope, name.strip(), instrument, due)
        return f"/projects/batches/{batch.id}"

    return once(db, scope, idempotency_key, {"name": name, "instrument": instrument, "deadline": due}, work)


@router.get("/projects/batches/{project_batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, project_batch_id: int, db: DbSession, scope: CurrentScope,
               done: str = "") -> Response:
    _require_batch_reader(scope)
    request.state.scope = scope
    batch = batches_service.get_batch(db, scope, project_batch_id)
    projects = batches_service.projects_in(db, scope, batch)
    candidates, more = [], False
    if scope.is_office and batch.status == "open":
        # Approved projects that asked for the batch's instrument: the only ones the batch takes.
        approved = service.list_projects(db, scope, repo.ProjectFilters(status="approved", per_page=CANDIDATES))
        candidates = [p for p in approved.items if batch.instrument in (p.instruments or [])]
        more = approved.total > CANDIDATES
    return render(
        request, "projects/batch.html", batch=batch, projects=projects, candidates=candidates,
        candidates_more=more,
        names=views.enterprise_names(db, [*projects, *candidates]),
        regions=views.regions(db, scope.city_code), batch_status=BATCH_STATUS, can_manage=scope.is_office,
        batch_light=_batch_light(batch.deadline, batch.status), send_key=new_key(),
        total_fen=sum(p.total_investment_fen for p in projects),
        equipment_fen=sum(p.equipment_investment_fen for p in projects),
        export_url=_url(request, BATCH_EXPORT, project_batch_id=batch.id),
        flash={"added": "已编入本批。", "removed": "已移出本批。", "sent": "已报送省级。"}.get(done), **views.common())


def _on_batch(call: FormCall) -> Response:
    return batch_page(call.request, int(call.args["project_batch_id"]), call.db, call.scope)


def _ids(values: list[str] | None) -> list[int]:
    ids = [int(v) for v in values or [] if v.strip().isdigit() and len(v.strip()) < 19]
    if not ids:
        raise InvalidInput("请勾选要编入本批的项目", field="project_ids")
    return ids


@router.post("/projects/batches/{project_batch_id}/add")
@form_page(_on_batch, form="add")
def add_projects(project_batch_id: int, db: DbSession, scope: CurrentScope,
                 project_ids: Annotated[list[str] | None, Form()] = None) -> Response:
    scope.require_office()
    batches_service.add_to_batch(db, scope, project_batch_id, _ids(project_ids))
    return _see_other(f"/projects/batches/{project_batch_id}?done=added")


@router.post("/projects/batches/{project_batch_id}/remove")
@form_page(_on_batch, form="remove")
def remove_project(project_batch_id: int, db: DbSession, scope: CurrentScope, project_id: Text = "") -> Response:
    scope.require_office()
    ids = _ids([project_id])
    batches_service.remove_from_batch(db, scope, project_batch_id, ids)
    return _see_other(f"/projects/batches/{project_batch_id}?done=removed")


@router.post("/projects/batches/{project_batch_id}/send")
@form_page(_on_batch, form="send")
def send_batch(project_batch_id: int, db: DbSession, scope: CurrentScope, idempotency_key: Text = "") -> Response:
    scope.require_office()

    def work() -> str:
        batches_service.send_batch(db, scope, project_batch_id)
        return f"/projects/batches/{project_batch_id}?done=sent"

    return once(db, scope, idempotency_key, {"send": project_batch_id}, work)
