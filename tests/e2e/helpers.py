"""Finding a task, its lead department's user and a co-unit's user, through the JSON API only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tests.e2e.conftest import Api, Directory

LEAD_ROLES = ("lead", "joint")


@dataclass(frozen=True)
class Assignment:
    plan_id: int
    task_id: int
    title: str
    lead: str  # username of the lead unit's department user
    co: str | None  # username of a co-unit's department user (not the office's own unit), if any


def leaves(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    parents = {r["parent_id"] for r in rows}
    return [r for r in rows if r["task_id"] not in parents]


def pick_assignment(directory: Directory, slug: str, office: Api, plan_id: int) -> Assignment:
    """An open leaf task with exactly one lead unit that has a user; a co-unit user when there is one."""
    rows = office.get(f"/plans/{plan_id}/ledger")["rows"]
    candidates = [r for r in leaves(rows) if r["status"] in ("not_started", "in_progress")
                  and sum(u["role"] in LEAD_ROLES for u in r["units"]) == 1]
    fallback: Assignment | None = None
    for row in candidates:
        lead_name = next(u["name"] for u in row["units"] if u["role"] in LEAD_ROLES)
        lead = directory.department_of_unit(slug, lead_name)
        if lead is None:
            continue
        for unit in (u for u in row["units"] if u["role"] == "co" and u["name"] != office.unit):
            co = directory.department_of_unit(slug, unit["name"])
            if co is not None:
                return Assignment(plan_id, row["task_id"], row["title"], lead, co)
        fallback = fallback or Assignment(plan_id, row["task_id"], row["title"], lead, None)
    assert fallback is not None, f"no task of plan {plan_id} has a lead department with a user"
    return fallback


def other_department(directory: Directory, slug: str, *not_these: str) -> str:
    return next(u for u in directory.departments(slug) if u not in not_these)


def open_round_api(office: Api, plan_id: int, title: str, due_in_days: int, task_ids: list[int]) -> dict[str, Any]:
    from tests.e2e.conftest import china_today

    due = china_today() + dt.timedelta(days=due_in_days)
    return office.post(f"/plans/{plan_id}/rounds", {"title": title, "period": due.strftime("%Y-%m"),
                                                     "due_on": due.isoformat(), "task_ids": task_ids})


def owed_item(api: Api, round_id: int, task_id: int) -> dict[str, Any]:
    owed = api.get("/my/items")
    item = next((o for o in owed if o["round_id"] == round_id and o["task_id"] == task_id), None)
    assert item is not None, f"{api.username} owes nothing for task {task_id} in round {round_id}: {owed}"
    return item
