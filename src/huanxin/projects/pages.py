"""Pages of the key project library (重点项目库), one router for the app.

- enterprise: 我的项目 (its projects, their status and returned comments), 申报项目 (the declaration
  with its equipment list), changes while draft or returned, submission (this module);
- county and department reviewers, and the office at its level: 项目审核, the queue with deadline
  lights, and the project page with approve and return (pages_review);
- office: 项目库 with totals and charts by field and region, and 申报批次 (pages_office);
- leader: the same library, batches and projects, read only (no form is shown to the role).

The declaration form is read by pages_forms (money typed in 万元 or 元 into integer fen); an error
of the shared check (schemas.validate_project) is shown beside its input, with the form as sent."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from huanxin.errors import DomainError, Forbidden
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import enterprises as enterprises_service
from huanxin.projects import pages_declare as declare
from huanxin.projects import pages_forms as forms
from huanxin.projects import pages_office, pages_review, service
from huanxin.projects import pages_views as views
from huanxin.projects import repository as repo
from huanxin.projects import review as review_rules
from huanxin.projects.models import Project
from huanxin.projects.schemas import ProjectInput
from huanxin.tradein.pages.support import new_key, once
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
VALUES_ATTR = "project_form_values"  # request.state: the form as sent, for the page shown again


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _require_enterprise(scope: Scope) -> None:
    if scope.role != Role.ENTERPRISE:
        raise Forbidden("只有企业账号可以申报项目；县（市、区）和部门请在“项目审核”中查看")


def _require_declarer(scope: Scope) -> None:
    """An enterprise declares its own projects; a county or the office may declare for one."""
    if scope.role not in declare.DECLARING:
        repo.require_reader(scope)
        raise Forbidden("只有企业、县（市、区）和专班办公室可以申报项目；行业主管部门请在“项目审核”中查看")


@router.get("/projects", response_class=HTMLResponse)
def projects_home(scope: CurrentScope) -> Response:
    """Each role's own entry: its projects, its queue, or the library."""
    if scope.role == Role.ENTERPRISE:
        return _see_other("/projects/mine")
    if scope.role in (Role.COUNTY, Role.DEPARTMENT):
        return _see_other("/projects/review")
    if scope.role in (Role.OFFICE, Role.LEADER):
        return _see_other("/projects/library")
    raise Forbidden("您的角色无权查看重点项目库")


@router.get("/projects/mine", response_class=HTMLResponse)
def my_projects(request: Request, db: DbSession, scope: CurrentScope, status: str = "", field: str = "",
                q: str = "", page: int = 1) -> Response:
    _require_enterprise(scope)
    request.state.scope = scope
    filters = views.filters_from_query(status=status, field=field, q=q, page=page)
    found = service.list_projects(db, scope, filters)
    enterprise = _own_enterprise_or_none(db, scope)
    return render(request, "projects/mine.html", page=found, f=filters, query=views.query_of(filters),
                  comments=views.returned_comments(db, found.items), can_declare=enterprise is not None,
                  regions={}, **views.common())


def _own_enterprise_or_none(db: DbSession, scope: Scope) -> Any:
    try:
        return enterprises_service.own_enterprise(db, scope)
    except DomainError:
        return None


# ---- the declaration form -----------------------------------------------------------------------

def _form(request: Request, db: DbSession, scope: Scope, values: forms.FormValues, *, project: Project | None,
          key: str = "") -> Response:
    request.state.scope = scope
    action = f"/projects/{project.id}/edit" if project else "/projects/new"
    comment = views.returned_comment(db, project) if project else ""
    choosing = project is None and declare.declares_for_others(scope)
    listed, more = declare.options(db, scope) if choosing else ([], False)
    return render(request, "projects/form.html", values=values, project=project, action=action,
                  key=key or new_key(), enterprise_name=_enterprise_name(db, scope, project),
                  returned_comment=comment, choosing_enterprise=choosing, enterprise_choices=listed,
                  more_enterprises=more, back_url="/projects/mine" if scope.role == Role.ENTERPRISE else "/projects",
                  regions=declare.regions(db, scope), origins=forms.ORIGINS, **views.common())


def _enterprise_name(db: DbSession, scope: Scope, project: Project | None) -> str:
    """Whose project the form is: the enterprise's own, or the one a county or the office declared for."""
    if project is not None:
        found = repo.enterprises_of(db, [project.enterprise_id]).get(project.enterprise_id)
        return found.name if found else ""
    if scope.role == Role.ENTERPRISE:
        return enterprises_service.own_enterprise(db, scope).name
    return ""


def _sent_values(call: FormCall) -> forms.FormValues:
    found = getattr(call.request.state, VALUES_ATTR, None)
    return found.with_blank_rows() if isinstance(found, forms.FormValues) else forms.FormValues().with_blank_rows()


def _sent_key(call: FormCall) -> str:
    return str(getattr(call.request.state, VALUES_ATTR + "_key", "") or "")


@router.get("/projects/new", response_class=HTMLResponse)
def new_project(request: Request, db: DbSession, scope: CurrentScope) -> Response:
    _require_declarer(scope)
    if scope.role == Role.ENTERPRISE:
        region = enterprises_service.own_enterprise(db, scope).region_code
    else:
        region = (scope.region_code or "") if scope.role == Role.COUNTY else ""
    return _form(request, db, scope, forms.new_values(region).with_blank_rows(), project=None)


def _on_new(call: FormCall) -> Response:
    return _form(call.request, call.db, call.scope, _sent_values(call), project=None, key=_sent_key(call))


async def _read(request: Request) -> tuple[forms.FormValues, str, str]:
    """The form as sent (kept for the page shown again after an error), its button and key."""
    sent = await request.form()
    values = forms.values_from_form(sent)
    for name in (declare.FIELD, declare.CODE_FIELD):  # the enterprise chosen by a county or the office
        values.text[name] = str(sent.get(name) or "")[:40]
    key = str(sent.get("idempotency_key") or "")
    setattr(request.state, VALUES_ATTR, values)
    setattr(request.state, VALUES_ATTR + "_key", key)
    return values, str(sent.get("action") or "save"), key


def _input(values: forms.FormValues) -> tuple[ProjectInput, tuple[int, ...]]:
    parsed = forms.parse(values)
    try:
        return ProjectInput(**parsed.data), parsed.rows
    except ValidationError as exc:
        raise forms.from_validation(exc, parsed.rows) from None


def _saved(project: Project, submitted: bool) -> str:
    return f"/projects/{project.id}?done={'submitted' if submitted else 'saved'}"


@router.post("/projects/new", response_class=HTMLResponse)
@form_page(_on_new, form="project")
async def create_project(request: Request, db: DbSession, scope: CurrentScope) -> Response:
    _require_declarer(scope)
    values, action, key = await _read(request)
    if action == "add_row":
        return await run_in_threadpool(_form, request, db, scope, values.with_blank_rows(1), project=None, key=key)

    def work() -> Response:
        enterprise_id = _chosen_enterprise(db, scope, values)
        data, rows = _input(values)

        def create() -> str:
            try:
                project = service.create_project(db, scope, data, enterprise_id=enterprise_id)
                if action == "submit":
                    service.submit_project(db, scope, project.id)
            except DomainError as exc:
                raise forms.on_form(exc, rows) from None
            return _saved(project, action == "submit")

        return once(db, scope, key, {"action": action, "enterprise_id": enterprise_id,
                                     **data.model_dump(mode="json")}, create)

    return await run_in_threadpool(work)


def _chosen_enterprise(db: DbSession, scope: Scope, values: forms.FormValues) -> int | None:
    """The enterprise a county or the office declares for (None: an enterprise declares its own)."""
    if not declare.declares_for_others(scope):
        return None
    return declare.chosen(db, scope, values.get(declare.FIELD), values.get(declare.CODE_FIELD)).id


@router.get("/projects/{project_id}/edit", response_class=HTMLResponse)
def edit_project(request: Request, project_id: int, db: DbSession, scope: CurrentScope) -> Response:
    project = _editable(db, scope, project_id)
    equipment = service.equipment_of(db, [project.id])[project.id]
    return _form(request, db, scope, forms.values_from_project(project, equipment).with_blank_rows(), project=project)


def _editable(db: DbSession, scope: Scope, project_id: int) -> Project:
    project = service.get_project(db, scope, project_id)
    _require_declarer(scope)
    review_rules.require_editor(db, scope, project, "修改")
    return project


def _on_edit(call: FormCall) -> Response:
    project = _editable(call.db, call.scope, int(call.args["project_id"]))
    return _form(call.request, call.db, call.scope, _sent_values(call), project=project, key=_sent_key(call))


@router.post("/projects/{project_id}/edit", response_class=HTMLResponse)
@form_page(_on_edit, form="project")
async def update_project(request: Request, project_id: int, db: DbSession, scope: CurrentScope) -> Response:
    values, action, _ = await _read(request)

    def work() -> Response:
        project = _editable(db, scope, project_id)
        if action == "add_row":
            return _form(request, db, scope, values.with_blank_rows(1), project=project)
        data, rows = _input(values)
        try:
            service.update_project(db, scope, project_id, data)
            if action == "submit":
                service.submit_project(db, scope, project_id)
        except DomainError as exc:
            raise forms.on_form(exc, rows) from None
        return _see_other(_saved(project, action == "submit"))

    return await run_in_threadpool(work)


@router.post("/projects/{project_id}/submit")
@form_page(lambda c: pages_review.project_page(c.request, int(c.args["project_id"]), c.db, c.scope), form="submit")
def submit_project(project_id: int, db: DbSession, scope: CurrentScope) -> Response:
    service.submit_project(db, scope, project_id)
    return _see_other(f"/projects/{project_id}?done=submitted")


# The lists and batches before the project page: /projects/review is not a project's number.
router.include_router(pages_office.router)
router.include_router(pages_review.router)
