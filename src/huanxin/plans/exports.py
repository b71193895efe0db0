"""Downloads and uploads of the ledger: Excel round-trip and the .docx briefing.

The router is included without a prefix, so it carries both the page routes (/plans/...) and
their JSON-API twins (/api/v1/plans/...). Every download is written to the operation log.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from huanxin.kit import uploads
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope
from huanxin.plans import briefing, excel
from huanxin.plans import repository as repo
from huanxin.plans.models import Plan
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.templating import render

router = APIRouter()
API = "/api/v1"


def _download(data: bytes, media_type: str, filename: str) -> Response:
    # RFC 5987: the Chinese name for browsers that read it, an ASCII fallback for those that don't.
    ascii_name = filename.encode("ascii", "ignore").decode() or "download"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content=data, media_type=media_type, headers={"Content-Disposition": disposition})


def _ledger_xlsx(db: Session, scope: Scope, plan_id: int) -> Response:
    plan = repo.get_plan(db, scope, plan_id)
    scope.require_ledger()
    data = excel.export_ledger(db, scope, plan)
    orgs_service.log_operation(db, scope, "导出工作台账", f"plan:{plan.id}")
    return _download(data, excel.XLSX_TYPE, f"{plan.key}-ledger-工作台账.xlsx")


def _targets_xlsx(db: Session, scope: Scope, plan_id: int) -> Response:
    plan = repo.get_plan(db, scope, plan_id)
    data = excel.export_targets(db, scope, plan)
    orgs_service.log_operation(db, scope, "导出目标指标", f"plan:{plan.id}")
    return _download(data, excel.XLSX_TYPE, f"{plan.key}-targets-目标指标.xlsx")


def _briefing_docx(db: Session, scope: Scope, plan_id: int, round_id: int) -> Response:
    plan = repo.get_plan(db, scope, plan_id)
    _, rnd = repo.get_round(db, scope, round_id)
    data = briefing.build_briefing(db, scope, plan, rnd)
    orgs_service.log_operation(db, scope, "生成工作信息简报", f"round:{rnd.id}")
    return _download(data, briefing.DOCX_TYPE, f"{plan.key}-round{rnd.id}-工作信息简报.docx")


async def _import(db: Session, scope: Scope, plan: Plan, file: UploadFile) -> excel.ImportResult:
    # Read in chunks up to the limit; the parse and the writes run in a worker thread, so a big
    # sheet does not hold up every other request on the event loop.
    data = await uploads.read_upload(file)

    def work() -> excel.ImportResult:
        result = excel.import_ledger(db, scope, plan, data, file.filename)
        orgs_service.log_operation(db, scope, "导入工作台账", f"plan:{plan.id} rows:{result.imported}")
        return result

    return await run_in_threadpool(work)


# ---- pages ---------------------------------------------------------------------------------

@router.get("/plans/{plan_id}/ledger.xlsx", include_in_schema=False)
def ledger_xlsx_page(plan_id: int, db: DbSession, scope: CurrentScope) -> Response:
    return _ledger_xlsx(db, scope, plan_id)


@router.get("/plans/{plan_id}/targets.xlsx", include_in_schema=False)
def targets_xlsx_page(plan_id: int, db: DbSession, scope: CurrentScope) -> Response:
    return _targets_xlsx(db, scope, plan_id)


@router.get("/plans/{plan_id}/rounds/{round_id}/briefing.docx", include_in_schema=False)
def briefing_page(plan_id: int, round_id: int, db: DbSession, scope: CurrentScope) -> Response:
    return _briefing_docx(db, scope, plan_id, round_id)


@router.post("/plans/{plan_id}/ledger/import", response_class=HTMLResponse, include_in_schema=False)
async def import_page(
    request: Request, plan_id: int, db: DbSession, scope: CurrentScope, file: Annotated[UploadFile, File()],
) -> Response:
    request.state.scope = scope
    plan = await run_in_threadpool(repo.get_plan, db, scope, plan_id)
    try:
        result = await _import(db, scope, plan, file)
    except (excel.ImportRejected, uploads.UploadTooLarge) as exc:
        # The page lists every row's error; the import checked them all before writing anything.
        return render(request, "plans/import_result.html", status_code=exc.status_code, plan=plan,
                      result=None, errors=exc.errors, message=exc.message, filename=file.filename)
    return render(request, "plans/import_result.html", plan=plan, result=result, errors=[], message="",
                  filename=file.filename)


# ---- JSON API ------------------------------------------------------------------------------

class ImportOut(BaseModel):
    imported: int
    unchanged: int
    editor: str
    task_ids: list[int]


@router.get(f"{API}/plans/{{plan_id}}/ledger.xlsx", tags=["工作台账"],
            responses={200: {"content": {excel.XLSX_TYPE: {}}}})
def ledger_xlsx_api(plan_id: int, db: DbSession, scope: CurrentScope) -> Response:
    return _ledger_xlsx(db, scope, plan_id)


@router.get(f"{API}/plans/{{plan_id}}/targets.xlsx", tags=["工作台账"],
            responses={200: {"content": {excel.XLSX_TYPE: {}}}})
def targets_xlsx_api(plan_id: int, db: DbSession, scope: CurrentScope) -> Response:
    return _targets_xlsx(db, scope, plan_id)


@router.get(f"{API}/plans/{{plan_id}}/rounds/{{round_id}}/briefing.docx", tags=["工作台账"],
            responses={200: {"content": {briefing.DOCX_TYPE: {}}}})
def briefing_api(plan_id: int, round_id: int, db: DbSession, scope: CurrentScope) -> Response:
    return _briefing_docx(db, scope, plan_id, round_id)


@router.post(f"{API}/plans/{{plan_id}}/ledger/import", tags=["工作台账"], response_model=ImportOut)
async def import_api(
    plan_id: int, db: DbSession, scope: CurrentScope, file: Annotated[UploadFile, File()],
) -> Any:
    """All-or-nothing: 422 with `errors` (row, column, message) for every bad row, and nothing written;
    413 past an upload limit (bytes, inflated size, rows, columns: huanxin.kit.uploads)."""
    result = await _import(db, scope, await run_in_threadpool(repo.get_plan, db, scope, plan_id), file)
    return ImportOut(imported=result.imported, unchanged=result.unchanged, editor=result.editor,
                     task_ids=result.task_ids)
