"""The traffic-light rule of the ledger, in one place (documented in docs/ledger.md).

- green: done (completed or closed), or on schedule;
- yellow: a report or the task itself is due within `yellow_days_before_due` days, or the
  reported progress lags the straight-line schedule by more than `behind_schedule_points`;
- red: the task's due date, or the due date of a report it owes, has passed.
A parent shows the worst light of its children.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from huanxin.config import get_settings

RANK = {"green": 0, "yellow": 1, "red": 2}
DONE = {"completed", "closed"}


@dataclass(frozen=True)
class LightInput:
    status: str
    progress_pct: int
    due_on: dt.date | None  # the task's own due date
    owed_due_on: dt.date | None  # earliest due date of a report still owed (pending or returned)
    starts_on: dt.date
    schedule_end: dt.date  # due date, or the plan's end, for the straight-line schedule


def expected_progress(today: dt.date, starts_on: dt.date, ends_on: dt.date) -> int:
    if today <= starts_on:
        return 0
    if today >= ends_on:
        return 100
    return round(100 * (today - starts_on).days / max((ends_on - starts_on).days, 1))


def light_of(item: LightInput, today: dt.date) -> str:
    settings = get_settings()
    if item.status in DONE:
        return "green"
    dues = [d for d in (item.due_on, item.owed_due_on) if d is not None]
    if any(d < today for d in dues):
        return "red"
    if any((d - today).days <= settings.yellow_days_before_due for d in dues):
        return "yellow"
    behind = expected_progress(today, item.starts_on, item.schedule_end) - item.progress_pct
    return "yellow" if behind > settings.behind_schedule_points else "green"


def worst(lights: list[str]) -> str:
    return max(lights, key=RANK.__getitem__, default="green")
