"""Pages of the list sheets: 一表三单, where a county (or the office, or the 工信局 for the survey and
supply sheets) uploads its lists and everyone downloads theirs; the library's and a batch's Excel
downloads that the library pages link (by the route names projects.pages_office looks up).

An upload that fails is shown again on the same page with every problem in a table (sheet, row,
column, what is wrong), and nothing has been written; one that succeeds redirects to the page with
what it wrote."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huanxin.errors import InvalidInput
from huanxin.kit.clock import aware
from huanxin.orgs import service as orgs_service
from huanxin.orgs.roles import Role
from huanxin.projects.lists import api, export, importer, queries
from huanxin.projects.lists.layouts import LAYOUTS
from huanxin.projects.survey_models import ListUpload
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
FORM = "lists-import"
DOWNLOADS = ("all", "survey", "supply", "demand", "consumer", "library")


def _summary(upload: ListUpload) -> list[dict[str, Any]]:
    """What an upload wrote, list by list, in words."""
    return [{"title": LAYOUTS[key].title, **counts} for key, counts in (upload.summary or {}).items()
            if key in LAYOUTS]


@router.get("/projects/lists", response_class=HTMLResponse, name="projects_lists")
def lists_page(request: Request, db: DbSession, scope: CurrentScope, upload: int = 0) -> Response:
    queries.require_survey_reader(scope)
    request.state.scope = scope
    recent = queries.recent_uploads(db, scope)
    done = next((u for u in recent if u.id == upload), None)
    return render(request, "projects/lists.html", form=FORM, may_import=scope.role in importer.IMPORTERS,
                  projects_too=scope.role in (Role.OFFICE, Role.COUNTY),
                  downloads=[(key, api.FILENAMES[key]) for key in DOWNLOADS], done=done,
                  done_summary=_summary(done) if done else [],
                  recent=[{"id": u.id, "at": aware(u.created_at), "filename": u.filename,
                           "summary": _summary(u)} for u in recent])


def _on_lists_page(call: FormCall) -> Response:
    return lists_page(call.request, call.db, call.scope)


@router.post("/projects/lists/import")
@form_page(_on_lists_page, form=FORM)
async def import_page(request: Request, db: DbSession, scope: CurrentScope,
                      file: Annotated[UploadFile | None, File()] = None) -> Response:
    request.state.scope = scope
    importer.require_importer(scope)
    if file is None or not file.filename:
        raise InvalidInput("请选择要导入的清单文件（.xlsx）", field="file")
    result = await api.import_upload(db, scope, file)
    return RedirectResponse(f"/projects/lists?upload={result.upload_id}", status_code=303)


@router.get("/projects/lists/export.xlsx", name="projects_lists_export")
def lists_download(db: DbSession, scope: CurrentScope, layout: str = "all") -> Response:
    return api.lists_file(db, scope, layout)


@router.get("/projects/lists/template.xlsx")
def template_download(scope: CurrentScope) -> Response:
    importer.require_importer(scope)
    return api.download(export.export_template(), "一表三单模板.xlsx")


@router.get("/projects/library.xlsx", name="projects_library_export")
def library_download(db: DbSession, scope: CurrentScope, status: str = "", field: str = "", region: str = "",
                     enterprise: str = "", q: str = "") -> Response:
    """The library as the library page filters it (its query string)."""
    filters = queries.ExportFilters(
        status=status or None, field=field or None, region_code=region or None,
        enterprise_id=int(enterprise) if enterprise.strip().isdigit() and len(enterprise) < 19 else None,
        q=q.strip()[:100] or None)
    data = export.export_library(db, scope, filters)
    orgs_service.log_operation(db, scope, "导出重点项目库", "lists:library")
    return api.download(data, f"{api.FILENAMES['library']}.xlsx")


@router.get("/projects/batches/{project_batch_id}/province.xlsx", name="projects_batch_export")
def batch_download(project_batch_id: int, db: DbSession, scope: CurrentScope) -> Response:
    return api.batch_file(db, scope, project_batch_id)
