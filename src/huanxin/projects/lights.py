"""Green / yellow / red for a project waiting at a level: the ledger's own rule (plans.lights) and
labels (web.labels.LIGHT), applied to the deadline of the level the project waits at.

Deadlines (a house rule of the review chain, not a notice: the calls set only the province's
deadline for the batch, so the levels before it get a fixed share of the time):
- county: 7 days from submission (preliminary review of the declaration, 县区初审);
- department: 10 days from the county's approval (行业主管部门审核);
- office: until the nearest deadline of the city's open batches (the province's date); with no
  open batch, 15 days from the department's approval;
- returned: the enterprise has 10 days to correct and resubmit;
- batched: until its batch's deadline.
Draft, approved (not yet in a batch) and reported projects wait on nobody: no light (None).
The yellow warning comes `yellow_days_before_due` days before (settings, 督查督办 practice: 3 days)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from huanxin.kit.clock import aware, today
from huanxin.plans import lights as ledger_lights
from huanxin.projects import repository as repo
from huanxin.projects.models import Project
from huanxin.web.labels import LIGHT

STAGE_DAYS: dict[str, int] = {"county": 7, "department": 10, "office": 15, "returned": 10}
LABELS = LIGHT


@dataclass(frozen=True)
class ProjectLight:
    light: str  # green | yellow | red
    label: str  # 绿灯 | 黄灯 | 红灯
    due_on: dt.date
    waiting_for: str  # who must act, in Chinese


WAITING_FOR = {"county": "县（市、区）审核", "department": "行业主管部门审核", "office": "专班办公室审核",
               "returned": "企业修改后重新提交", "batched": "专班办公室报送省级"}


def due_on(project: Project, *, open_deadline: dt.date | None, batch_deadline: dt.date | None) -> dt.date | None:
    """When the current level must have acted, or None when nobody is waited on."""
    if project.status == "batched":
        return batch_deadline
    days = STAGE_DAYS.get(project.status)
    if days is None:
        return None
    since = aware(project.stage_since or project.updated_at).date()
    if project.status == "office" and open_deadline is not None:
        return open_deadline
    return since + dt.timedelta(days=days)


def light_for(project: Project, due: dt.date | None, on: dt.date | None = None) -> ProjectLight | None:
    if due is None:
        return None
    day = on or today()
    since = aware(project.stage_since or project.updated_at).date()
    item = ledger_lights.LightInput(status="in_progress", progress_pct=100, due_on=due, owed_due_on=None,
                                    starts_on=min(since, due), schedule_end=due)
    light = ledger_lights.light_of(item, day)
    return ProjectLight(light, LABELS[light], due, WAITING_FOR.get(project.status, ""))


def lights_of(session: Session, projects: list[Project], on: dt.date | None = None) -> dict[int, ProjectLight | None]:
    """The lights of a page of projects (two small queries for the deadlines, whatever the page size)."""
    if not projects:
        return {}
    cities = {p.city_code for p in projects}
    open_deadlines = {c: repo.earliest_open_deadline(session, c) for c in cities}
    batch_deadlines = repo.deadlines_of_batches(session, [p.batch_id for p in projects if p.batch_id is not None])
    result: dict[int, ProjectLight | None] = {}
    for project in projects:
        due = due_on(project, open_deadline=open_deadlines[project.city_code],
                     batch_deadline=batch_deadlines.get(project.batch_id) if project.batch_id else None)
        result[project.id] = light_for(project, due, on)
    return result


def light_of(session: Session, project: Project, on: dt.date | None = None) -> ProjectLight | None:
    return lights_of(session, [project], on)[project.id]
