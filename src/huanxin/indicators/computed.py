"""What every feed of computed figures shares: the year-to-date period of a month, the feed's
acting scope, and the precedence rule (a year for which the city has an entered or imported
figure of an indicator gets no computed one; a period with nothing to measure gets no figure
rather than a zero). Each domain computes its own values and hands them here to be written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from huanxin.indicators import service
from huanxin.indicators.catalogue import catalogue
from huanxin.kit.clock import CHINA
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope

SOURCE = "computed"
STATED = "本年度已有录入或导入的统计数，以统计数为准"
UNKNOWN = "指标目录中没有该指标"


@dataclass
class FeedResult:
    written: dict[str, float] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def year_to_date(year: int, month: int) -> tuple[dt.date, dt.date]:
    """January 1 to the first day after `month` (statistics bureaus publish 累计 figures)."""
    if not 1 <= month <= 12:
        raise ValueError("month must be 1–12")
    return dt.date(year, 1, 1), dt.date(year + (month == 12), month % 12 + 1, 1)


def moment(day: dt.date) -> dt.datetime:
    """Midnight of a China day, for comparing with timestamps."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=CHINA)


def period_words(year: int, month: int) -> str:
    return f"{year}年" if month == 12 else f"{year}年1-{month}月"


def feed_scope(city_code: str, actor: str, display_name: str) -> Scope:
    """A computation acts for the city's task-force office, without a user row (like the CLI)."""
    return Scope(user_id=0, username=actor, display_name=display_name, role=Role.OFFICE,
                 city_code=city_code, unit_id=None, unit_name=None, region_code=None)


def write(session: Session, scope: Scope, year: int, month: int, values: Mapping[str, tuple[float | None, str]],
          *, empty: str) -> FeedResult:
    """Writes the city-level figure of each indicator for (year, month) unless the precedence rule
    says otherwise; `empty` is the reason given for a value of None."""
    city_code = scope.city_code
    known = catalogue()
    existing = service.list_observations(session, scope, city_code, year=year)
    stated = {o.indicator_code for o in existing if o.region_code == city_code and o.source != SOURCE}
    result = FeedResult()
    for code, (value, note) in values.items():
        if code not in known:
            result.skipped[code] = UNKNOWN
        elif code in stated:
            result.skipped[code] = STATED
        elif value is None:
            result.skipped[code] = empty
        else:
            service.record_observation(session, scope, city_code, service.ObservationInput(
                indicator_code=code, region_code=city_code, year=year, month=month, value=value,
                note=note[:500]), source=SOURCE)
            result.written[code] = value
    session.flush()
    return result


def report_months(until: dt.date, since_year: int = 2024) -> list[tuple[int, int]]:
    """Quarter ends and the last full month, from `since_year` to the month before `until`: the
    months the demo feeds (a deployment runs each feed every month end)."""
    months: list[tuple[int, int]] = []
    for year in range(since_year, until.year + 1):
        last = 12 if year < until.year else until.month - 1
        chosen = {m for m in (3, 6, 9, 12) if m <= last} | ({last} if last >= 1 else set())
        months += [(year, m) for m in sorted(chosen)]
    return months
