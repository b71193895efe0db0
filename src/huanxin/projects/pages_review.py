"""The review pages: 项目审核 (the queue of a county, a department or the office at its level, with
the deadline lights) and the project page every role in scope reads, with approve and return for
the reviewer whose turn it is (a return needs a comment: its error shows on the form)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from huanxin.errors import Forbidden
from huanxin.kit.clock import today
from huanxin.matching.catalogue import matches as matching
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import pages_views as views
from huanxin.projects import repository as repo
from huanxin.projects import review as review_rules
from huanxin.projects import service, vocab
from huanxin.projects.models import Project
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
LEVEL_OF_ROLE = {Role.COUNTY: "county", Role.DEPARTMENT: "department", Role.OFFICE: "office"}
FLASH = {"saved": "草稿已保存。", "submitted": "已提交，等待县（市、区）审核。", "approved": "已审核通过。",
         "returned": "已退回企业修改。"}
Comment = Annotated[str, Form()]


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/projects/review", response_class=HTMLResponse)
def review_queue(request: Request, db: DbSession, scope: CurrentScope, status: str | None = None, field: str = "",
                 region: str = "", enterprise: str = "", q: str = "", page: int = 1) -> Response:
    """The projects at the reviewer's level first (its region, its fields, the city), every other
    status of its scope one tab away."""
    level = LEVEL_OF_ROLE.get(scope.role)
    if level is None:
        repo.require_reader(scope)
        raise Forbidden("项目审核供县（市、区）、行业主管部门和专班办公室使用")
    request.state.scope = scope
    filters = views.filters_from_query(status=level if status is None else status, field=field, region=region,
                                       enterprise=enterprise, q=q, page=page)
    found = service.list_projects(db, scope, filters)
    return render(request, "projects/review.html", page=found, f=filters, level=level,
                  query=views.query_of(dataclasses.replace(filters, status=None)) + f"status={filters.status or ''}&",
                  counts=repo.counts_by_status(db, scope, filters), names=views.enterprise_names(db, found.items),
                  regions=views.regions(db, scope.city_code), lights=views.lights_of(db, found.items),
                  light_rule=views.light_rule(), show_region=scope.role != Role.COUNTY,
                  enterprises=views.enterprise_options(db, scope, filters), **views.common())


def _back(scope: Scope) -> tuple[str, str]:
    if scope.role == Role.ENTERPRISE:
        return "/projects/mine", "我的项目"
    if scope.role in LEVEL_OF_ROLE and scope.role != Role.OFFICE:
        return "/projects/review", "项目审核"
    return "/projects/library", "项目库"


def _review_level(scope: Scope, project: Project) -> str | None:
    """The level the project waits at, when it is the caller's turn to review it."""
    level = vocab.REVIEW_LEVEL_OF_STATUS.get(project.status)
    return level if level is not None and LEVEL_OF_ROLE.get(scope.role) == level else None


def _changes(db: Session, scope: Scope, project: Project) -> tuple[list[Any] | None, str]:
    """本次修改: after a resubmission, what changed since the submission before; while returned,
    what the enterprise has changed so far."""
    if project.version <= 1 and project.status != "returned":
        return None, ""
    found = service.changes_since_last_submission(db, scope, project.id)
    if project.status == "returned":
        return (found, "已修改的内容（与上次提交相比，尚未重新提交）") if found else (None, "")
    return found, f"本次修改（第 {project.version} 版与上次提交相比）"


@router.get("/projects/{project_id}", response_class=HTMLResponse)
def project_page(request: Request, project_id: int, db: DbSession, scope: CurrentScope, done: str = "") -> Response:
    project = service.get_project(db, scope, project_id)
    request.state.scope = scope
    equipment = service.equipment_of(db, [project.id])[project.id]
    back_url, back_label = _back(scope)
    # the enterprise, or the county / office unit that declared it for the enterprise (review.may_edit)
    can_edit = (scope.role in (Role.ENTERPRISE, Role.COUNTY, Role.OFFICE) and project.status in review_rules.SUBMITTABLE
                and review_rules.may_edit(db, scope, project))
    changes, changes_title = _changes(db, scope, project)
    batch = repo.batch_in_city(db, scope.city_code, project.batch_id) if project.batch_id else None
    light, light_note = views.project_light(db, project)
    return render(
        request, "projects/project.html", project=project, equipment=equipment, flash=FLASH.get(done),
        steps=service.history(db, scope, project.id), returned_comment=views.returned_comment(db, project),
        enterprise_name=views.enterprise_names(db, [project]).get(project.enterprise_id, ""),
        regions=views.regions(db, scope.city_code), back_url=back_url, back_label=back_label,
        can_edit=can_edit, review_level=_review_level(scope, project),
        can_review=_review_level(scope, project) is not None, changes=changes, changes_title=changes_title,
        funding=views.funding_rows(project, equipment, today()), funding_note=views.FUNDING_NOTE,
        efficiency_notes=views.efficiency_notes(equipment), batch=batch, light_name=light,
        light_note=light_note, matchable=matching.matchable(project, equipment), **views.common())


def _on_project(call: FormCall) -> Response:
    return project_page(call.request, int(call.args["project_id"]), call.db, call.scope)


@router.post("/projects/{project_id}/approve")
@form_page(_on_project, form="approve")
def approve(project_id: int, db: DbSession, scope: CurrentScope, comment: Comment = "") -> Response:
    service.approve_project(db, scope, project_id, comment)
    return _see_other(f"/projects/{project_id}?done=approved")


@router.post("/projects/{project_id}/return")
@form_page(_on_project, form="return")
def return_project(project_id: int, db: DbSession, scope: CurrentScope, comment: Comment = "") -> Response:
    service.return_project(db, scope, project_id, comment)
    return _see_other(f"/projects/{project_id}?done=returned")
