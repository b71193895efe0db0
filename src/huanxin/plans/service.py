"""Use cases of the ledger: dispatch rounds, progress reports, review, close-out (销号)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from huanxin.config import get_settings
from huanxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from huanxin.kit import audit
from huanxin.kit.clock import now, today
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope
from huanxin.plans import parts
from huanxin.plans import repository as repo
from huanxin.plans.models import Attachment, Closure, Milestone, Plan, Report, Round, RoundItem, Target, Task

TASK_STATUSES = ("not_started", "in_progress", "completed")


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ReportInput:
    progress_pct: int
    task_status: str
    narrative: str
    figures: list[dict[str, Any]]
    draft: bool = False


def _audit(session: Session, scope: Scope, action: str, entity: str, entity_id: object, **detail: Any) -> None:
    audit.record(session, actor=scope.username, action=action, entity=entity, entity_id=entity_id,
                 city_code=scope.city_code, detail=detail)


# ---- rounds ---------------------------------------------------------------------------------

def open_round(
    session: Session, scope: Scope, plan: Plan, *, title: str, period: str, due_on: dt.date,
    task_ids: list[int] | None = None, include_co_units: bool = False, opened_on: dt.date | None = None,
    unit_ids: list[int] | None = None, include_counties: bool = True,
) -> Round:
    """Opens a round: every chosen leaf task owes a report from its lead (or joint) units, and a
    task marked 各县（市、区）落实 from each county of the city (co-units too if asked; only the
    given units if `unit_ids` narrows it)."""
    scope.require_office()
    scope.require_city(plan.city_code)
    if not title.strip():
        raise InvalidInput("调度轮次标题不能为空", field="title")
    if not period.strip():
        raise InvalidInput("调度期次不能为空（如 2024年第3季度）", field="period")
    opened_on = opened_on or today()
    if due_on < opened_on:
        raise InvalidInput("报送截止日期不能早于开启日期", field="due_on")
    tasks = [t for t in repo.tasks_of_plan(session, plan.id) if t.is_leaf and t.status != "closed"]
    if task_ids is not None:
        wanted = set(task_ids)
        foreign = wanted - {t.id for t in tasks}
        if foreign:
            raise InvalidInput(f"任务 {sorted(foreign)[:5]} 不属于本方案或已销号", field="task_ids")
        tasks = [t for t in tasks if t.id in wanted]
    rnd = Round(plan_id=plan.id, title=title.strip(), period=period.strip(), opened_on=opened_on, due_on=due_on)
    session.add(rnd)
    session.flush()
    owing = owing_units(session, plan.city_code, tasks, include_co_units=include_co_units,
                        include_counties=include_counties)
    wanted_units = set(unit_ids) if unit_ids else None
    items = [
        RoundItem(round_id=rnd.id, task_id=t.id, unit_id=unit_id)
        for t in tasks for unit_id in owing[t.id]
        if wanted_units is None or unit_id in wanted_units
    ]
    if not items:
        raise InvalidInput("所选任务没有需要报送的责任单位", field="task_ids")
    session.add_all(items)
    session.flush()
    _audit(session, scope, "open_round", "round", rnd.id, title=rnd.title, items=len(items))
    return rnd


def owing_units(session: Session, city_code: str, tasks: list[Task], *, include_co_units: bool = False,
                include_counties: bool = True) -> dict[int, list[int]]:
    """Who owes a report on each task in a round (the demo's generated rounds use it too)."""
    roles = {"lead", "joint", "co"} if include_co_units else {"lead", "joint"}
    city_units = orgs_service.units_of_city(session, city_code)
    collectives = {u.id for u in city_units if orgs_service.represented_by_members(u, city_units)}
    counties = [u.id for u in city_units if u.kind == "county" and u.id not in collectives] if include_counties else []
    return {t.id: _owing_units(t, roles, collectives, counties) for t in tasks}


def _owing_units(task: Task, roles: set[str], collectives: set[int], counties: list[int]) -> list[int]:
    """Who owes a report on the task: its units in the asked roles (a collective such as
    各县市区人民政府 through its members), and every county when the plan says 各县（市、区）落实."""
    owing = [tu.unit_id for tu in task.units if tu.role in roles and tu.unit_id not in collectives]
    if task.all_counties:
        owing += [c for c in counties if c not in owing]
    return owing


def close_round(session: Session, scope: Scope, rnd: Round) -> None:
    scope.require_office()
    if rnd.status == "closed":
        raise Conflict("该轮次已关闭")
    rnd.status = "closed"
    _audit(session, scope, "close_round", "round", rnd.id)


# ---- reports --------------------------------------------------------------------------------

def _validate_report(data: ReportInput) -> None:
    if not 0 <= data.progress_pct <= 100:
        raise InvalidInput("完成百分比须在 0 到 100 之间", field="progress_pct")
    if data.task_status not in TASK_STATUSES:
        raise InvalidInput("完成状态须为 未开始、进行中 或 已完成", field="task_status")
    if not data.draft and not data.narrative.strip():
        raise InvalidInput("进展情况不能为空", field="narrative")
    if data.task_status == "completed" and data.progress_pct != 100:
        raise InvalidInput("完成状态为“已完成”时，完成百分比应为 100", field="progress_pct")
    for i, fig in enumerate(data.figures, start=1):
        if not str(fig.get("label", "")).strip():
            raise InvalidInput(f"第 {i} 项量化数据缺少名称", field="figures")
        if not isinstance(fig.get("value"), int | float):
            raise InvalidInput(f"第 {i} 项量化数据“{fig.get('label')}”的数值无效", field="figures")


def submit_report(
    session: Session, scope: Scope, item: RoundItem, data: ReportInput, *,
    uploads: list[Upload] = (), idempotency_key: str | None = None,  # type: ignore[assignment]
) -> Report:
    """Saves a draft or submits a report for one round item of the user's own unit."""
    if idempotency_key:
        previous = repo.report_by_key(session, idempotency_key)
        if previous is not None:
            if previous.round_item_id != item.id or previous.unit_id != scope.unit_id:
                raise Conflict("该幂等键已用于另一份报告", field="Idempotency-Key")
            return previous  # a replay of an acknowledged submission: same answer, nothing new
    plan, rnd = repo.get_round(session, scope, item.round_id)
    if not scope.reports or item.unit_id != scope.unit_id:
        raise Forbidden("只能为本单位的事项报送进展")
    if rnd.status != "open":
        raise Conflict("该调度轮次已关闭，不能再报送")
    if item.status in ("submitted", "accepted"):
        raise Conflict("本轮已报送该事项，请勿重复提交；如需修改，请等待办公室退回")
    _validate_report(data)
    _check_uploads(uploads)
    latest = repo.latest_report_for_item(session, item.id)
    if latest is not None and latest.status == "draft":
        report = latest  # a draft is edited in place until it is submitted
    else:
        report = Report(round_item_id=item.id, task_id=item.task_id, unit_id=item.unit_id,
                        version=(latest.version + 1) if latest else 1)
        session.add(report)
    report.status = "draft" if data.draft else "submitted"
    report.task_status = data.task_status
    report.progress_pct = data.progress_pct
    report.narrative = data.narrative.strip()
    report.figures = data.figures
    report.submitted_at = now()
    report.submitted_by = scope.user_id
    report.idempotency_key = None if data.draft else idempotency_key
    session.flush()
    for up in uploads:
        session.add(Attachment(report_id=report.id, filename=up.filename, content_type=up.content_type,
                               size=len(up.data), data=up.data))
    if not data.draft:
        item.status = "submitted"
        task = session.get(Task, item.task_id)
        assert task is not None
        task.last_reported_at = report.submitted_at
        _refresh_task(session, task)
        _audit(session, scope, "submit_report", "report", report.id, task_id=task.id,
               progress_pct=report.progress_pct, task_status=report.task_status)
    session.flush()
    return report


def task_parts(session: Session, task: Task) -> list[parts.Part]:
    """Each lead unit's part of the task (see huanxin.plans.parts and docs/ledger.md)."""
    return parts.parts_of(task, repo.reports_of_task(session, task.id), _collectives(session, task))


def _collectives(session: Session, task: Task) -> set[int]:
    plan = session.get(Plan, task.plan_id)
    assert plan is not None
    city_units = orgs_service.units_of_city(session, plan.city_code)
    return {u.id for u in city_units if orgs_service.represented_by_members(u, city_units)}


def _refresh_task(session: Session, task: Task) -> None:
    """Keeps the task's figure the roll-up of its lead units' parts after every report, return
    and acceptance: one lead's 100% does not make a jointly-led task 已完成."""
    if task.status == "closed":
        return
    session.flush()
    task.progress_pct, task.status = rolled_up(session, task)


def rolled_up(session: Session, task: Task) -> tuple[int, str]:
    """The task's figure and status from its lead units' parts (the demo's generated reports too)."""
    return parts.roll_up(task_parts(session, task))


def _check_uploads(uploads: list[Upload] | tuple[Upload, ...]) -> None:
    limit = get_settings().max_upload_bytes
    for up in uploads:
        if len(up.data) > limit:
            raise InvalidInput(f"附件“{up.filename}”超过 {limit // (1024 * 1024)} MB", field="attachments")


def return_report(session: Session, scope: Scope, report: Report, reason: str) -> None:
    scope.require_office()
    _, task = repo.get_task(session, scope, report.task_id)
    if report.status != "submitted":
        raise Conflict("只能退回已报送、尚未采纳的报告")
    if not reason.strip():
        raise InvalidInput("请填写退回理由", field="reason")
    report.status = "returned"
    report.review_note = reason.strip()
    report.reviewed_at = now()
    item = repo.get_round_item(session, report.round_item_id)
    item.status = "returned"
    _refresh_task(session, task)  # a returned figure is nobody's: the task falls back to the others
    _audit(session, scope, "return_report", "report", report.id, reason=reason.strip())


def accept_report(session: Session, scope: Scope, report: Report, note: str = "") -> None:
    scope.require_office()
    _, task = repo.get_task(session, scope, report.task_id)
    if report.status != "submitted":
        raise Conflict("只能采纳已报送的报告")
    if report.submitted_by is not None and report.submitted_by == scope.user_id:
        raise Forbidden("报告报送人不能采纳自己报送的报告，请由专班办公室的另一位同志审核", field="report_id")
    report.status = "accepted"
    report.review_note = note.strip() or None
    report.reviewed_at = now()
    repo.get_round_item(session, report.round_item_id).status = "accepted"
    _refresh_task(session, task)
    _audit(session, scope, "accept_report", "report", report.id)


def can_see_report(scope: Scope, report: Report) -> bool:
    """Drafts are the unit's own; the office sees everything submitted; other units see accepted ones."""
    if report.unit_id == scope.unit_id:
        return True
    if report.status == "draft":
        return False
    return scope.city_wide or report.status == "accepted"


# ---- close-out (销号) ------------------------------------------------------------------------

def request_closure(session: Session, scope: Scope, task: Task, evidence: str, uploads: list[Upload]) -> Closure:
    _plan, _ = repo.get_task(session, scope, task.id)
    if not scope.reports or scope.unit_id not in {tu.unit_id for tu in task.units if tu.role in ("lead", "joint")}:
        raise Forbidden("只有该任务的牵头（责任）单位可以申请销号")
    if task.status == "closed":
        raise Conflict("该任务已销号")
    mine = next((p for p in task_parts(session, task) if p.unit_id == scope.unit_id), None)
    if mine is None or mine.task_status != "completed":
        # The request may come before the other leads finish; the approval waits for all of them.
        raise InvalidInput("本单位须先报送“已完成”，才能申请销号", field="task_status")
    if not evidence.strip() and not uploads:
        raise InvalidInput("申请销号须提供佐证材料（说明或附件）", field="evidence")
    if any(c.status == "pending" for c in repo.closures_of_task(session, task.id)):
        raise Conflict("该任务已有待审核的销号申请")
    _check_uploads(uploads)
    closure = Closure(task_id=task.id, unit_id=scope.unit_id or 0, evidence=evidence.strip(),
                      requested_at=now(), requested_by=scope.user_id)
    session.add(closure)
    session.flush()
    for up in uploads:
        session.add(Attachment(closure_id=closure.id, filename=up.filename, content_type=up.content_type,
                               size=len(up.data), data=up.data))
    _audit(session, scope, "request_closure", "closure", closure.id, task_id=task.id)
    return closure


def decide_closure(session: Session, scope: Scope, closure: Closure, *, approve: bool, note: str = "") -> None:
    scope.require_office()
    plan, task = repo.get_task(session, scope, closure.task_id)
    if closure.status != "pending":
        raise Conflict("该销号申请已处理")
    if approve and closure.requested_by is not None and closure.requested_by == scope.user_id:
        # Separation of duties: a user moved into the office keeps their earlier requests, and
        # must not close out their own task; the approval is another person's check.
        raise Forbidden("销号申请人不能审批自己的申请，请由专班办公室的另一位同志审批", field="closure_id")
    if not approve and not note.strip():
        raise InvalidInput("驳回销号申请须说明理由", field="note")
    if approve:
        _require_every_lead_done(session, plan, task)
    closure.status = "approved" if approve else "rejected"
    closure.decided_at = now()
    closure.decided_by = scope.user_id
    closure.decision_note = note.strip() or None
    if approve:
        task.status = "closed"
        task.progress_pct = 100
        task.closed_at = closure.decided_at
    _audit(session, scope, "approve_closure" if approve else "reject_closure", "closure", closure.id, task_id=task.id)


def _require_every_lead_done(session: Session, plan: Plan, task: Task) -> None:
    """A task is closed out only when every lead unit's part is 100% 已完成 and accepted."""
    owing = parts.owing(task_parts(session, task))
    if owing:
        names = repo.unit_names(session, plan.city_code)
        listed = "、".join(parts.describe(p, names.get(p.unit_id, "?")) for p in owing)
        raise Conflict(f"尚有 {len(owing)} 个牵头单位未完成：{listed}。"
                       "各牵头单位的报告均为“已完成”并经采纳后，方可批准销号", field="closure_id")


# ---- task settings --------------------------------------------------------------------------

def set_task_schedule(session: Session, scope: Scope, task: Task, *, due_on: dt.date | None, weight: int) -> None:
    scope.require_office()
    repo.get_task(session, scope, task.id)
    if not 1 <= weight <= 100:
        raise InvalidInput("权重须在 1 到 100 之间", field="weight")
    task.due_on = due_on
    task.weight = weight
    _audit(session, scope, "set_schedule", "task", task.id, due_on=str(due_on), weight=weight)


def add_milestone(session: Session, scope: Scope, task: Task, title: str, due_on: dt.date) -> Milestone:
    scope.require_office()
    repo.get_task(session, scope, task.id)
    if not title.strip():
        raise InvalidInput("节点名称不能为空", field="title")
    milestone = Milestone(task_id=task.id, title=title.strip(), due_on=due_on)
    session.add(milestone)
    session.flush()
    _audit(session, scope, "add_milestone", "milestone", milestone.id, task_id=task.id)
    return milestone


def item_for_unit(session: Session, scope: Scope, item_id: int) -> RoundItem:
    item = repo.get_round_item(session, item_id)
    repo.get_round(session, scope, item.round_id)  # city check: 404 for another city
    if item.unit_id != scope.unit_id and not scope.city_wide:
        raise NotFound("未找到该报送事项")
    return item


# ---- reads offered to other domains ---------------------------------------------------------

def plans_of_city(session: Session, city_code: str) -> list[Plan]:
    return repo.plans_of_city(session, city_code)


def targets_of_plan(session: Session, plan_id: int) -> list[Target]:
    return repo.targets_of_plan(session, plan_id)
