"""Pages of the ledger: plans, the ledger itself, tasks, rounds, a unit's work, reviews."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huanxin.errors import NotFound
from huanxin.indicators.catalogue import catalogue
from huanxin.kit import uploads
from huanxin.kit.clock import parse_date, today
from huanxin.kit.limits import ShortText
from huanxin.orgs import service as orgs_service
from huanxin.plans import ledger as ledger_mod
from huanxin.plans import repository as repo
from huanxin.plans import service, views
from huanxin.plans.forms import parse_figures, parse_int, parse_optional_date, read_uploads
from huanxin.web import labels
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, PageBuilder, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/cities/{city_code}/plans", response_class=HTMLResponse)
def city_plans(request: Request, city_code: str, db: DbSession, scope: CurrentScope) -> Response:
    scope.require_city(city_code)
    scope.require_ledger()
    request.state.scope = scope
    ledgers = [ledger_mod.build(db, scope, p) for p in repo.plans_of_city(db, city_code)]
    return render(request, "plans/list.html", ledgers=ledgers, city=orgs_service.region_name(db, city_code))


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan_detail(request: Request, plan_id: int, db: DbSession, scope: CurrentScope) -> Response:
    plan = repo.get_plan(db, scope, plan_id)
    scope.require_ledger()
    request.state.scope = scope
    return render(request, "plans/plan.html", plan=plan, targets=repo.targets_of_plan(db, plan.id),
                  rounds=repo.rounds_of_plan(db, plan.id), indicators=catalogue())


@router.get("/plans/{plan_id}/ledger", response_class=HTMLResponse)
def ledger_page(
    request: Request, plan_id: int, db: DbSession, scope: CurrentScope,
    action: str = "", unit: str = "", status: str = "", light: str = "", mine: str = "",
) -> Response:
    plan = repo.get_plan(db, scope, plan_id)
    ledger = ledger_mod.build(db, scope, plan)
    unit_id = int(unit) if unit.isdigit() else None
    rows = ledger_mod.filter_rows(ledger, action=action or None, unit_id=unit_id, status=status or None,
                                  light=light or None, mine=bool(mine))
    request.state.scope = scope
    closures = repo.pending_closures(db, plan.id) if scope.is_office else []
    return render(
        request, "plans/ledger.html", plan=plan, ledger=ledger, rows=rows,
        by_action=ledger_mod.progress_by_action(ledger), units=orgs_service.responsible_units(db, plan.city_code),
        filters={"action": action, "unit": unit, "status": status, "light": light, "mine": mine},
        actions=sorted({r.task.action for r in ledger.rows if r.task.action}),
        closures=closures, closure_parts=views.parts_by_task(db, [t for _, t in closures]),
        closure_names=repo.unit_names(db, plan.city_code) if closures else {},
    )


@router.get("/tasks/{task_id}", response_class=HTMLResponse)
def task_page(request: Request, task_id: int, db: DbSession, scope: CurrentScope) -> Response:
    view = views.task_view(db, scope, task_id)
    request.state.scope = scope
    return render(request, "plans/task.html", v=view, idem=secrets.token_urlsafe(16), today=today())


def _on_task_page(task_of: Callable[[FormCall], int]) -> PageBuilder:
    """A form of the task page: the page is shown again, with the error, for the task `task_of` finds."""
    return lambda call: task_page(call.request, task_of(call), call.db, call.scope)


@router.post("/round-items/{item_id}/report")
@form_page(_on_task_page(lambda c: service.item_for_unit(c.db, c.scope, c.args["item_id"]).task_id),
           form="report-{item_id}")
async def submit_report(
    request: Request, item_id: int, db: DbSession, scope: CurrentScope,
    progress_pct: Annotated[str, Form()], task_status: Annotated[str, Form()],
    narrative: Annotated[str, Form()] = "", figures: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "", save: Annotated[str, Form()] = "submit",
    attachments: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    item = service.item_for_unit(db, scope, item_id)
    data = service.ReportInput(
        progress_pct=parse_int(progress_pct, "progress_pct", "完成百分比"),
        task_status=labels.TASK_STATUS_BY_LABEL.get(task_status, task_status),
        narrative=narrative, figures=parse_figures(figures), draft=save == "draft",
    )
    service.submit_report(db, scope, item, data, uploads=await read_uploads(attachments),
                          idempotency_key=idempotency_key or None)
    return _see_other(f"/tasks/{item.task_id}?saved={'draft' if data.draft else 'submitted'}")


@router.post("/reports/{report_id}/review")
@form_page(_on_task_page(lambda c: repo.get_report(c.db, c.args["report_id"]).task_id), form="review-{report_id}")
def review_report(
    report_id: int, db: DbSession, scope: CurrentScope,
    decision: Annotated[str, Form()], reason: Annotated[str, Form()] = "",
) -> Response:
    report = repo.get_report(db, report_id)
    if decision == "return":
        service.return_report(db, scope, report, reason)
    else:
        service.accept_report(db, scope, report, reason)
    return _see_other(f"/tasks/{report.task_id}")


@router.post("/tasks/{task_id}/closure")
@form_page(_on_task_page(lambda c: int(c.args["task_id"])), form="closure")
async def request_closure(
    task_id: int, db: DbSession, scope: CurrentScope,
    evidence: Annotated[str, Form()] = "", attachments: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    _, task = repo.get_task(db, scope, task_id)
    service.request_closure(db, scope, task, evidence, await read_uploads(attachments))
    return _see_other(f"/tasks/{task_id}?saved=closure")


@router.post("/closures/{closure_id}/decide")
@form_page(_on_task_page(lambda c: repo.get_closure(c.db, c.args["closure_id"]).task_id), form="decide-{closure_id}")
def decide_closure(
    closure_id: int, db: DbSession, scope: CurrentScope,
    decision: Annotated[str, Form()], note: Annotated[str, Form()] = "",
) -> Response:
    closure = repo.get_closure(db, closure_id)
    service.decide_closure(db, scope, closure, approve=decision == "approve", note=note)
    return _see_other(f"/tasks/{closure.task_id}")


@router.post("/tasks/{task_id}/schedule")
@form_page(_on_task_page(lambda c: int(c.args["task_id"])), form="schedule")
def set_schedule(
    task_id: int, db: DbSession, scope: CurrentScope,
    due_on: Annotated[str, Form()] = "", weight: Annotated[str, Form()] = "1",
) -> Response:
    _, task = repo.get_task(db, scope, task_id)
    service.set_task_schedule(db, scope, task, due_on=parse_optional_date(due_on, "due_on", "截止日期"),
                              weight=parse_int(weight, "weight", "权重"))
    return _see_other(f"/tasks/{task_id}")


@router.post("/tasks/{task_id}/milestones")
@form_page(_on_task_page(lambda c: int(c.args["task_id"])), form="milestone")
def add_milestone(
    task_id: int, db: DbSession, scope: CurrentScope,
    title: Annotated[ShortText, Form()], due_on: Annotated[str, Form()],
) -> Response:
    _, task = repo.get_task(db, scope, task_id)
    service.add_milestone(db, scope, task, title, parse_date(due_on, "节点日期", name="due_on"))
    return _see_other(f"/tasks/{task_id}")


@router.get("/plans/{plan_id}/rounds", response_class=HTMLResponse)
def rounds_page(request: Request, plan_id: int, db: DbSession, scope: CurrentScope) -> Response:
    plan = repo.get_plan(db, scope, plan_id)
    scope.require_ledger()
    rounds = repo.rounds_of_plan(db, plan.id)
    request.state.scope = scope
    tasks = repo.tasks_of_plan(db, plan.id)
    return render(request, "plans/rounds.html", plan=plan, rounds=rounds, today=today(),
                  counts=repo.round_item_counts(db, [r.id for r in rounds]),
                  actions=sorted({t.action for t in tasks if t.action and t.is_leaf}),
                  units=orgs_service.responsible_units(db, plan.city_code))


@router.post("/plans/{plan_id}/rounds")
@form_page(lambda c: rounds_page(c.request, c.args["plan_id"], c.db, c.scope), form="open-round")
def open_round(
    plan_id: int, db: DbSession, scope: CurrentScope,
    title: Annotated[ShortText, Form()], period: Annotated[ShortText, Form()], due_on: Annotated[str, Form()],
    include_co_units: Annotated[str, Form()] = "", action: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = "",
) -> Response:
    plan = repo.get_plan(db, scope, plan_id)
    task_ids = None
    if action:  # only the leaf tasks of one action (设备更新, 以旧换新 …)
        task_ids = [t.id for t in repo.tasks_of_plan(db, plan.id) if t.is_leaf and t.action == action]
    due = parse_date(due_on, "报送截止日期", name="due_on")
    rnd = service.open_round(db, scope, plan, title=title, period=period, due_on=due,
                             include_co_units=bool(include_co_units), task_ids=task_ids,
                             unit_ids=[int(unit)] if unit.isdigit() else None)
    return _see_other(f"/rounds/{rnd.id}")


@router.get("/rounds/{round_id}", response_class=HTMLResponse)
def round_page(request: Request, round_id: int, db: DbSession, scope: CurrentScope) -> Response:
    view = views.round_view(db, scope, round_id)
    request.state.scope = scope
    return render(request, "plans/round.html", v=view)


@router.post("/rounds/{round_id}/close")
@form_page(lambda c: round_page(c.request, c.args["round_id"], c.db, c.scope), form="close-round")
def close_round(round_id: int, db: DbSession, scope: CurrentScope) -> Response:
    _, rnd = repo.get_round(db, scope, round_id)
    service.close_round(db, scope, rnd)
    return _see_other(f"/rounds/{round_id}")


@router.get("/my/work", response_class=HTMLResponse)
def my_work(request: Request, db: DbSession, scope: CurrentScope) -> Response:
    scope.require_ledger()
    request.state.scope = scope
    owed = views.owed_by_unit(db, scope)
    return render(request, "plans/my_work.html", owed=owed, plans=repo.plans_of_city(db, scope.city_code))


@router.get("/attachments/{attachment_id}")
def download_attachment(attachment_id: int, db: DbSession, scope: CurrentScope) -> Response:
    attachment = repo.get_attachment(db, attachment_id)
    if attachment.report_id is not None:
        report = repo.get_report(db, attachment.report_id)
        repo.get_task(db, scope, report.task_id)
        if not service.can_see_report(scope, report):
            raise NotFound("未找到该附件")
    elif attachment.closure_id is not None:
        closure = repo.get_closure(db, attachment.closure_id)
        repo.get_task(db, scope, closure.task_id)
        if not scope.city_wide and closure.unit_id != scope.unit_id:
            raise NotFound("未找到该附件")
    orgs_service.log_operation(db, scope, "下载附件", attachment.filename)
    # The uploader chose the bytes and the declared type: always a download, never sniffed or shown
    # in our origin (an .html or .svg "attachment" would otherwise run as our page).
    return uploads.serve_upload(attachment.data, attachment.filename, attachment.content_type)
