"""JSON API of the list sheets (/api/v1). The city in the path must be the caller's (another city
answers 404); what each user may import and read is the lists' own scope (importer, queries).

    POST /cities/{city}/project-lists/import           multipart `file` (.xlsx, one or several lists)
         → 201 {"upload_id", "counts": {layout: {created, updated, unchanged}}, "sheets", "skipped", …};
         422 with `errors` [{sheet, row, column, message}] for every problem, and nothing written;
         413 past an upload limit (kit.uploads)
    GET  /cities/{city}/project-lists.xlsx?layout=      the lists as .xlsx: `all` (default: the "一表三单"),
         survey | supply | consumer | demand | library
    GET  /cities/{city}/project-lists/template.xlsx     every list to fill, headers only
    GET  /cities/{city}/project-batches/{id}/province.xlsx   省级申报批次表 (office, leader)
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from huanxin.errors import InvalidInput
from huanxin.kit import uploads
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope
from huanxin.projects.lists import export, importer
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["一表三单与项目清单"])
XLSX: dict[int | str, dict[str, Any]] = {200: {"content": {export.XLSX_TYPE: {}}}}
FILENAMES = {"all": "一表三单", "survey": "资源循环利用企业情况调查摸底表", "supply": "设备更新供给清单",
             "consumer": "消费品生产供给清单", "demand": "技术改造项目和设备更新需求清单", "library": "重点项目库"}


def download(data: bytes, filename: str) -> Response:
    # RFC 5987: the Chinese name for browsers that read it, an ASCII fallback for those that don't.
    ascii_name = filename.encode("ascii", "ignore").decode() or "lists.xlsx"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content=data, media_type=export.XLSX_TYPE,
                    headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"})


def layouts_of(layout: str) -> tuple[str, ...]:
    if layout == "all":
        return export.SURVEY_WORKBOOK
    if layout not in export.EXPORTABLE:
        shown = "、".join(FILENAMES[k] for k in ("all", *export.EXPORTABLE))
        raise InvalidInput(f"清单“{layout}”不存在，可选：{shown}", field="layout")
    return (layout,)


def lists_file(db: Session, scope: Scope, layout: str) -> Response:
    data = export.export_lists(db, scope, layouts_of(layout))
    orgs_service.log_operation(db, scope, f"导出{FILENAMES[layout]}", f"lists:{layout}")
    return download(data, f"{FILENAMES[layout]}.xlsx")


def batch_file(db: Session, scope: Scope, batch_id: int) -> Response:
    data = export.export_batch(db, scope, batch_id)
    orgs_service.log_operation(db, scope, "导出省级申报批次表", f"project_batch:{batch_id}")
    return download(data, f"省级申报批次表-{batch_id}.xlsx")


async def import_upload(db: Session, scope: Scope, file: UploadFile) -> importer.ImportResult:
    """Read in chunks up to the limit; the parse (in the parse process) and the writes run in a
    worker thread, off the event loop."""
    importer.require_importer(scope)
    data = await uploads.read_upload(file)

    def work() -> importer.ImportResult:
        result = importer.import_workbook(db, scope, data, file.filename)
        orgs_service.log_operation(db, scope, "导入一表三单清单", f"upload:{result.upload_id} rows:{result.written}")
        return result

    return await run_in_threadpool(work)


@router.post("/cities/{city_code}/project-lists/import", status_code=201)
async def import_lists(city_code: str, db: DbSession, scope: CurrentScope,
                       file: Annotated[UploadFile, File()]) -> JSONResponse:
    scope.require_city(city_code)
    result = await import_upload(db, scope, file)
    return JSONResponse(result.as_dict(), status_code=201)


@router.get("/cities/{city_code}/project-lists.xlsx", responses=XLSX)
def export_lists(city_code: str, db: DbSession, scope: CurrentScope, layout: str = "all") -> Response:
    scope.require_city(city_code)
    return lists_file(db, scope, layout)


@router.get("/cities/{city_code}/project-lists/template.xlsx", responses=XLSX)
def template(city_code: str, scope: CurrentScope) -> Response:
    scope.require_city(city_code)
    importer.require_importer(scope)
    return download(export.export_template(), "一表三单模板.xlsx")


@router.get("/cities/{city_code}/project-batches/{project_batch_id}/province.xlsx",
            responses=XLSX)
def province_sheet(city_code: str, project_batch_id: int, db: DbSession, scope: CurrentScope) -> Any:
    scope.require_city(city_code)
    return batch_file(db, scope, project_batch_id)
