"""JSON API of the ledger (/api/v1): the same use cases as the pages, for scripts and systems."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Header
from pydantic import BaseModel, Field

from huanxin.kit.limits import LongText, Schema, ShortText
from huanxin.plans import ledger as ledger_mod
from huanxin.plans import repository as repo
from huanxin.plans import service, views
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["工作台账"])


class PlanOut(BaseModel):
    id: int
    key: str
    city_code: str
    title: str
    issuer: str
    doc_number: str | None
    issued_on: dt.date | None
    status: str
    implements: list[str]


class TargetOut(BaseModel):
    id: int
    indicator_code: str
    year: int
    kind: str
    value: float
    unit: str
    comparator: str | None
    aspirational: bool
    baseline_year: int | None
    section: str
    text: str


class PlanDetailOut(PlanOut):
    targets: list[TargetOut]


class UnitRef(BaseModel):
    unit_id: int
    name: str
    role: str


class LedgerRowOut(BaseModel):
    task_id: int
    parent_id: int | None
    no: str | None
    title: str
    level: str
    action: str | None
    source: str
    units: list[UnitRef]
    all_counties: bool
    due_on: dt.date | None
    status: str
    progress: float
    light: str


class LedgerOut(BaseModel):
    plan_id: int
    progress: float
    light_counts: dict[str, int]
    progress_by_action: dict[str, float]
    rows: list[LedgerRowOut]


class ReportOut(BaseModel):
    id: int
    unit_id: int
    version: int
    status: str
    task_status: str
    progress_pct: int
    narrative: str
    figures: list[dict[str, Any]]
    submitted_at: dt.datetime
    review_note: str | None


class PartOut(BaseModel):
    """One lead unit's part of the task (docs/ledger.md): done = 100% 已完成 and accepted."""

    unit_id: int
    name: str
    progress_pct: int
    task_status: str
    report_status: str | None
    done: bool


class TaskOut(LedgerRowOut):
    text: str | None
    responsibility: str | None
    reports: list[ReportOut]
    parts: list[PartOut] = []


class RoundIn(Schema):
    title: ShortText
    period: ShortText
    due_on: dt.date
    task_ids: list[int] | None = None
    unit_ids: list[int] | None = None
    include_co_units: bool = False
    include_counties: bool = Field(default=True, description="标注“各县（市、区）落实”的任务也向各县（市、区）生成事项")


class RoundOut(BaseModel):
    id: int
    plan_id: int
    title: str
    period: str
    opened_on: dt.date
    due_on: dt.date
    status: str
    counts: dict[str, int] = {}


class OwedOut(BaseModel):
    item_id: int
    round_id: int
    round_title: str
    due_on: dt.date
    task_id: int
    task_title: str
    status: str
    light: str


class FigureIn(Schema):
    label: ShortText
    value: float
    unit: ShortText = ""


class ReportIn(Schema):
    progress_pct: int = Field(description="完成百分比 0–100")
    task_status: str = Field(description="not_started | in_progress | completed")
    narrative: LongText
    figures: list[FigureIn] = []
    draft: bool = False


class ReviewIn(Schema):
    decision: str = Field(description="accept | return")
    reason: LongText = ""


class ClosureIn(Schema):
    evidence: LongText


class DecisionIn(Schema):
    approve: bool
    note: LongText = ""


def _row_out(row: ledger_mod.LedgerRow) -> dict[str, Any]:
    t = row.task
    return dict(
        task_id=t.id, parent_id=t.parent_id, no=t.no, title=t.title, level=t.level, action=t.action,
        source=t.source, units=[UnitRef(unit_id=u, name=n, role=r) for r, n, u in row.units],
        all_counties=t.all_counties, due_on=t.due_on, status=t.status, progress=round(row.progress, 2),
        light=row.light,
    )


@router.get("/cities/{city_code}/plans", response_model=list[PlanOut])
def list_plans(city_code: str, db: DbSession, scope: CurrentScope) -> list[Any]:
    scope.require_city(city_code)
    scope.require_ledger()
    return [PlanOut.model_validate(p, from_attributes=True) for p in repo.plans_of_city(db, city_code)]


@router.get("/plans/{plan_id}", response_model=PlanDetailOut)
def plan_detail(plan_id: int, db: DbSession, scope: CurrentScope) -> PlanDetailOut:
    plan = repo.get_plan(db, scope, plan_id)
    scope.require_ledger()
    base = PlanOut.model_validate(plan, from_attributes=True).model_dump()
    targets = [TargetOut.model_validate(t, from_attributes=True) for t in repo.targets_of_plan(db, plan.id)]
    return PlanDetailOut(**base, targets=targets)


@router.get("/plans/{plan_id}/ledger", response_model=LedgerOut)
def ledger(
    plan_id: int, db: DbSession, scope: CurrentScope,
    action: str | None = None, unit_id: int | None = None, status: str | None = None, light: str | None = None,
) -> LedgerOut:
    plan = repo.get_plan(db, scope, plan_id)
    built = ledger_mod.build(db, scope, plan)
    rows = ledger_mod.filter_rows(built, action=action, unit_id=unit_id, status=status, light=light)
    return LedgerOut(plan_id=plan.id, progress=round(built.progress, 2), light_counts=built.light_counts,
                     progress_by_action={k: round(v, 2) for k, v in ledger_mod.progress_by_action(built).items()},
                     rows=[LedgerRowOut(**_row_out(r)) for r in rows])


@router.get("/tasks/{task_id}", response_model=TaskOut)
def task_detail(task_id: int, db: DbSession, scope: CurrentScope) -> TaskOut:
    v = views.task_view(db, scope, task_id)
    row = ledger_mod.LedgerRow(task=v.task, depth=0, units=v.units, light=v.light, progress=v.progress)
    parts = [PartOut(unit_id=p.unit_id, name=v.unit_names.get(p.unit_id, ""), progress_pct=p.progress_pct,
                     task_status=p.task_status, report_status=p.report_status, done=p.done) for p in v.parts]
    return TaskOut(**_row_out(row), text=v.task.text, responsibility=v.task.responsibility,
                   reports=[ReportOut.model_validate(r, from_attributes=True) for r in v.reports], parts=parts)


@router.get("/plans/{plan_id}/rounds", response_model=list[RoundOut])
def list_rounds(plan_id: int, db: DbSession, scope: CurrentScope) -> list[RoundOut]:
    plan = repo.get_plan(db, scope, plan_id)
    scope.require_ledger()
    rounds = repo.rounds_of_plan(db, plan.id)
    counts = repo.round_item_counts(db, [r.id for r in rounds])
    return [RoundOut.model_validate(r, from_attributes=True).model_copy(update={"counts": counts.get(r.id, {})})
            for r in rounds]


@router.post("/plans/{plan_id}/rounds", response_model=RoundOut, status_code=201)
def open_round(plan_id: int, body: RoundIn, db: DbSession, scope: CurrentScope) -> RoundOut:
    plan = repo.get_plan(db, scope, plan_id)
    rnd = service.open_round(db, scope, plan, title=body.title, period=body.period, due_on=body.due_on,
                             task_ids=body.task_ids, include_co_units=body.include_co_units,
                             unit_ids=body.unit_ids, include_counties=body.include_counties)
    return RoundOut.model_validate(rnd, from_attributes=True)


@router.post("/rounds/{round_id}/close", response_model=RoundOut)
def close_round(round_id: int, db: DbSession, scope: CurrentScope) -> RoundOut:
    _, rnd = repo.get_round(db, scope, round_id)
    service.close_round(db, scope, rnd)
    return RoundOut.model_validate(rnd, from_attributes=True)


@router.get("/my/items", response_model=list[OwedOut])
def my_items(db: DbSession, scope: CurrentScope) -> list[OwedOut]:
    scope.require_ledger()
    return [OwedOut(item_id=o.item.id, round_id=o.round.id, round_title=o.round.title, due_on=o.round.due_on,
                    task_id=o.task.id, task_title=o.task.title, status=o.item.status, light=o.light)
            for o in views.owed_by_unit(db, scope)]


@router.post("/round-items/{item_id}/reports", response_model=ReportOut, status_code=201)
def submit_report(
    item_id: int, body: ReportIn, db: DbSession, scope: CurrentScope,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> ReportOut:
    item = service.item_for_unit(db, scope, item_id)
    data = service.ReportInput(progress_pct=body.progress_pct, task_status=body.task_status,
                               narrative=body.narrative, figures=[f.model_dump() for f in body.figures],
                               draft=body.draft)
    report = service.submit_report(db, scope, item, data, idempotency_key=idempotency_key)
    return ReportOut.model_validate(report, from_attributes=True)


@router.post("/reports/{report_id}/review", response_model=ReportOut)
def review_report(report_id: int, body: ReviewIn, db: DbSession, scope: CurrentScope) -> ReportOut:
    report = repo.get_report(db, report_id)
    if body.decision == "return":
        service.return_report(db, scope, report, body.reason)
    else:
        service.accept_report(db, scope, report, body.reason)
    return ReportOut.model_validate(report, from_attributes=True)


@router.post("/tasks/{task_id}/closures", status_code=201)
def request_closure(task_id: int, body: ClosureIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    _, task = repo.get_task(db, scope, task_id)
    closure = service.request_closure(db, scope, task, body.evidence, [])
    return {"id": closure.id, "status": closure.status}


@router.post("/closures/{closure_id}/decision")
def decide_closure(closure_id: int, body: DecisionIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    closure = repo.get_closure(db, closure_id)
    service.decide_closure(db, scope, closure, approve=body.approve, note=body.note)
    return {"id": closure.id, "status": closure.status}
