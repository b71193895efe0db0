"""Pages of the plan importer: upload, review beside the document, commit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from huanxin.errors import Conflict, InvalidInput
from huanxin.indicators.catalogue import catalogue
from huanxin.orgs import service as orgs_service
from huanxin.plans.import_api import read_limited
from huanxin.plans.importer import service, store
from huanxin.plans.importer.store import ImportRecord
from huanxin.plans.importer.views import review_view
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)


def _upload_page(request: Request, db: DbSession, city_code: str, error: str | None = None,
                 status_code: int = 200) -> Response:
    return render(request, "plans/import/upload.html", status_code=status_code, city_code=city_code,
                  city=orgs_service.region_name(db, city_code), error=error)


@router.get("/cities/{city_code}/plans/import", response_class=HTMLResponse)
def upload_form(request: Request, city_code: str, db: DbSession, scope: CurrentScope) -> Response:
    scope.require_city(city_code)
    scope.require_office()
    request.state.scope = scope
    return _upload_page(request, db, city_code)


@router.post("/cities/{city_code}/plans/import")
async def upload(request: Request, city_code: str, db: DbSession, scope: CurrentScope,
                 file: Annotated[UploadFile | None, File()] = None) -> Response:
    scope.require_city(city_code)
    scope.require_office()
    request.state.scope = scope
    if file is None or not file.filename:
        return _upload_page(request, db, city_code, "请选择要导入的方案文件（.txt、.docx 或 .pdf）", 422)
    try:
        data = await read_limited(file)
        # Reading the document and parsing the plan run in a worker thread, off the event loop.
        record = await run_in_threadpool(service.start, db, scope, city_code, file.filename, data)
    except InvalidInput as exc:
        return _upload_page(request, db, city_code, exc.message, 422)
    return RedirectResponse(f"/cities/{city_code}/plans/import/{record.id}", status_code=303)


def _review(request: Request, db: DbSession, record: ImportRecord, status_code: int = 200) -> Response:
    view = review_view(db, record)
    return render(request, "plans/import/review.html", status_code=status_code, v=view,
                  indicators=sorted(catalogue().values(), key=lambda d: d.code))


@router.get("/cities/{city_code}/plans/import/{import_id}", response_class=HTMLResponse)
def review(request: Request, city_code: str, import_id: str, db: DbSession, scope: CurrentScope) -> Response:
    record = service.get(scope, city_code, import_id)
    request.state.scope = scope
    return _review(request, db, record)


@router.post("/cities/{city_code}/plans/import/{import_id}")
async def save_or_commit(request: Request, city_code: str, import_id: str, db: DbSession,
                         scope: CurrentScope) -> Response:
    record = service.get(scope, city_code, import_id)
    request.state.scope = scope
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        service.apply_edits(record, form)
        if form.get("action") == "commit":
            plan = service.commit(db, scope, record)
            service.mark_committed(record, plan)
            return RedirectResponse(f"/plans/{plan.id}/ledger?imported=1", status_code=303)
    except (InvalidInput, Conflict) as exc:
        record.error = exc.message
        store.save(record)
        return _review(request, db, record, status_code=422)
    record.error = None
    store.save(record)
    return RedirectResponse(f"/cities/{city_code}/plans/import/{import_id}?saved=1", status_code=303)
