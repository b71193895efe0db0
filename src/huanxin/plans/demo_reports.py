"""The demo's generated report versions of each round item, written with bulk inserts.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from huanxin.kit.clock import CHINA, now, today
from huanxin.plans import service as plans_service
from huanxin.plans.demo_narratives import ACCEPT_NOTES, RETURN_REASONS, _narrative
from huanxin.plans.demo_profiles import TaskProfile
from huanxin.plans.demo_rounds import RoundSpec
from huanxin.plans.models import Plan, Report, RoundItem, Task


@dataclass
class ReportDraft:
    """One version of a report, before its round item has an id."""

    version: int
    status: str
    pct: int
    narrative: str
    figures: list[dict[str, Any]]
    submitted_at: dt.datetime
    review_note: str | None = None
    reviewed_at: dt.datetime | None = None


def _outcome(
    plan: Plan, profile: TaskProfile, unit_id: int, spec: RoundSpec, laggard: bool, rng: random.Random
) -> tuple[str, list[ReportDraft]]:
    """The round item's status and the report versions behind it."""
    pct = profile.unit_progress(plan, spec.opened_on, unit_id)
    task = profile.task
    first = _submitted_at(spec, rng)
    r = rng.random()
    if spec.kind == "closed":
        if r < 0.04:
            return "pending", []  # missed a round long ago: the round was closed anyway
        if r < 0.10:
            return "accepted", _returned_then(spec, pct, task, first, "accepted", rng)
        return "accepted", [_version(1, "accepted", pct, task, first, rng, reviewed=True)]
    if spec.kind == "overdue":
        if laggard:
            if rng.random() < 0.5:
                return "pending", []
            return "returned", [_returned(1, pct, task, first, rng)]
        if r < 0.12:
            return "submitted", [_version(1, "submitted", pct, task, first, rng)]
        if r < 0.17:
            return "submitted", _returned_then(spec, pct, task, first, "submitted", rng)
        return "accepted", [_version(1, "accepted", pct, task, first, rng, reviewed=True)]
    # current round: due in two days, so many units have not reported yet
    if r < 0.28:
        return "pending", []
    if r < 0.33:
        return "pending", [_version(1, "draft", pct, task, first, rng, draft=True)]
    if r < 0.38:
        return "returned", [_returned(1, pct, task, first, rng)]
    if r < 0.68:
        return "submitted", [_version(1, "submitted", pct, task, first, rng)]
    return "accepted", [_version(1, "accepted", pct, task, first, rng, reviewed=True)]


def _submitted_at(spec: RoundSpec, rng: random.Random) -> dt.datetime:
    window = max((min(spec.due_on, today()) - spec.opened_on).days, 1)
    day = spec.opened_on + dt.timedelta(days=rng.randint(0, window - 1))
    moment = dt.datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59), tzinfo=CHINA)
    return min(moment, now() - dt.timedelta(minutes=rng.randint(30, 600)))


def _later(moment: dt.datetime, rng: random.Random, max_days: int = 3) -> dt.datetime:
    """A review or a resubmission a little after `moment`, never in the future."""
    later = moment + dt.timedelta(days=rng.randint(0, max_days), hours=rng.randint(1, 8))
    return min(later, now() - dt.timedelta(minutes=rng.randint(5, 25)))


def _version(
    version: int,
    status: str,
    pct: int,
    task: Task,
    at: dt.datetime,
    rng: random.Random,
    *,
    reviewed: bool = False,
    draft: bool = False,
) -> ReportDraft:
    narrative, figures = _narrative(task.title, task.action, pct, rng)
    if draft:
        narrative = narrative.split("。")[0]  # a draft is half-written
    return ReportDraft(
        version=version,
        status=status,
        pct=pct,
        narrative=narrative,
        figures=figures,
        submitted_at=at,
        review_note=rng.choice(ACCEPT_NOTES) if reviewed else None,
        reviewed_at=_later(at, rng) if reviewed else None,
    )


def _returned(version: int, pct: int, task: Task, at: dt.datetime, rng: random.Random) -> ReportDraft:
    # A returned report often claimed more than its narrative supports.
    draft = _version(version, "returned", min(100, pct + rng.choice((0, 5, 10))), task, at, rng)
    draft.review_note = rng.choice(RETURN_REASONS)
    draft.reviewed_at = _later(at, rng)
    return draft


def _returned_then(
    spec: RoundSpec, pct: int, task: Task, first: dt.datetime, final: str, rng: random.Random
) -> list[ReportDraft]:
    returned = _returned(1, pct, task, first, rng)
    assert returned.reviewed_at is not None
    again = _version(
        2, final, pct, task, _later(returned.reviewed_at, rng), rng, reviewed=final == "accepted"
    )
    return [returned, again]


def _report_row(
    item: dict[str, Any], item_id: int, draft: ReportDraft, users: dict[int, int]
) -> dict[str, Any]:
    pct = draft.pct
    return {
        "round_item_id": item_id,
        "task_id": item["task_id"],
        "unit_id": item["unit_id"],
        "version": draft.version,
        "status": draft.status,
        "progress_pct": pct,
        "task_status": "completed" if pct >= 100 else ("in_progress" if pct > 0 else "not_started"),
        "narrative": draft.narrative,
        "figures": draft.figures,
        "submitted_at": draft.submitted_at,
        "submitted_by": users.get(item["unit_id"]),
        "review_note": draft.review_note,
        "reviewed_at": draft.reviewed_at,
        "idempotency_key": None,
    }


def _insert_items_and_reports(
    session: Session, drafts: list[tuple[dict[str, Any], list[ReportDraft]]], users: dict[int, int]
) -> list[dict[str, Any]]:
    """Bulk inserts: the items first (their ids come back in order), then every report version."""
    items = [item for item, _ in drafts]
    item_ids = list(
        session.scalars(insert(RoundItem).returning(RoundItem.id, sort_by_parameter_order=True), items)
    )
    rows = [
        _report_row(item, item_id, version, users)
        for (item, versions), item_id in zip(drafts, item_ids, strict=True)
        for version in versions
    ]
    if rows:
        session.execute(insert(Report), rows)
    return rows


def _apply_latest_reports(session: Session, rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """As the reporting service does: a task's figure and status roll up from each lead unit's
    latest report (plans.parts, docs/ledger.md); the latest submitted report of each task is
    returned with the rolled-up status, which is what a close-out request looks at."""
    latest: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row["status"] == "draft":
            continue
        seen = latest.get(row["task_id"])
        if seen is None or row["submitted_at"] >= seen["submitted_at"]:
            latest[row["task_id"]] = row
    session.expire_all()  # the reports were written set-wise: let the ORM read them
    for task_id, row in latest.items():
        task = session.get(Task, task_id)
        assert task is not None
        task.progress_pct, task.status = plans_service.rolled_up(session, task)
        task.last_reported_at = row["submitted_at"]
        latest[task_id] = {**row, "task_status": task.status, "progress_pct": task.progress_pct}
    session.flush()
    return latest
