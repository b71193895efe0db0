"""The demo's dispatch rounds: closed ones, one open and overdue, the current one due soon.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class RoundSpec:
    title: str
    period: str
    opened_on: dt.date
    due_on: dt.date
    kind: str  # closed | overdue (open, past due) | current (open, due soon)

    @property
    def is_open(self) -> bool:
        return self.kind != "closed"


def round_schedule(on: dt.date, count: int, first_opened: dt.date = dt.date(2024, 9, 20)) -> list[RoundSpec]:
    """`count` rounds, oldest first: closed ones spread from `first_opened`, then one open round
    ten days overdue and the current one due in two days, so the ledger shows every light."""
    count = max(count, 2)
    last_closed = on - dt.timedelta(days=80)
    older = count - 2
    spacing = (last_closed - first_opened).days / max(older - 1, 1)
    specs = []
    for i in range(older):
        opened = first_opened + dt.timedelta(days=round(i * spacing))
        window = max(5, min(20, int(spacing * 0.7)))
        specs.append(_spec(opened, opened + dt.timedelta(days=window), "closed", spacing))
    specs.append(_spec(on - dt.timedelta(days=40), on - dt.timedelta(days=10), "overdue", 30))
    specs.append(_spec(on - dt.timedelta(days=12), on + dt.timedelta(days=2), "current", 30))
    return specs


def _spec(opened: dt.date, due: dt.date, kind: str, spacing: float) -> RoundSpec:
    if spacing >= 25:
        period = f"{opened.year}年{opened.month}月"
    else:  # more than one round a month (the bench): name the half of the month
        period = f"{opened.year}年{opened.month}月{'上' if opened.day <= 15 else '下'}半月"
    return RoundSpec(title=f"{period}工作调度", period=period, opened_on=opened, due_on=due, kind=kind)
