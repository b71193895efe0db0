"""What every feed of computed figures shares: the year-to-date period of a month, the feed's
acting scope, and the precedence rule (a year for which the city has an entered or imported
figure of an indicator gets no computed one; a period with nothing to measure gets no figure
rather than a zero). Each domain computes its own values and hands them here to be written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from huanxin.indicators import service
from huanxin.indicators.catalogue import catalogue
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope

SOURCE = "computed"
STATED = "本年度已有录入或导入的统计数，以统计数为准"
UNKNOWN = "指标目录中没有该指标"


@dataclass
class FeedResult:
    """Indicator → value (the city), (indicator, county) → value, and indicator (or
    "indicator@county") → why it was left alone."""

    written: dict[str, float] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    regions_written: dict[tuple[str, str], float] = field(default_factory=dict)


def year_to_date(year: int, month: int) -> tuple[dt.date, dt.date]:
    """January 1 to the first day after `month` (statistics bureaus publish 累计 figures)."""
    if not 1 <= month <= 12:
        raise ValueError("month must be 1–12")
    return dt.date(year, 1, 1), dt.date(year + (month == 12), month % 12 + 1, 1)


def period_words(year: int, month: int) -> str:
    return f"{year}年" if month == 12 else f"{year}年1-{month}月"


def feed_scope(city_code: str, actor: str, display_name: str) -> Scope:
    """A computation acts for the city's task-force office, without a user row (like the CLI)."""
    return Scope(user_id=0, username=actor, display_name=display_name, role=Role.OFFICE,
                 city_code=city_code, unit_id=None, unit_name=None, region_code=None)


Values = Mapping[str, tuple[float | None, str]]  # indicator → (value or None, note)


def write(session: Session, scope: Scope, year: int, month: int, values: Values, *, empty: str,
          regions: Mapping[str, Values] | None = None) -> FeedResult:
    """Writes the city-level figure of each indicator for (year, month), and each county's of
    `regions` (county code → its values), unless the precedence rule says otherwise (per region: a
    county's entered figure keeps the county's series); `empty` is the reason given for a None."""
    city_code = scope.city_code
    known = catalogue()
    existing = service.list_observations(session, scope, city_code, year=year)
    stated = {(o.indicator_code, o.region_code) for o in existing if o.source != SOURCE}
    result = FeedResult()
    for region, figures in [(city_code, values), *sorted((regions or {}).items())]:
        for code, (value, note) in figures.items():
            label = code if region == city_code else f"{code}@{region}"
            if code not in known:
                result.skipped[label] = UNKNOWN
            elif (code, region) in stated:
                result.skipped[label] = STATED
            elif value is None:
                result.skipped[label] = empty
            else:
                service.record_observation(session, scope, city_code, service.ObservationInput(
                    indicator_code=code, region_code=region, year=year, month=month, value=value,
                    note=note[:500]), source=SOURCE)
                if region == city_code:
                    result.written[code] = value
                else:
                    result.regions_written[(code, region)] = value
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


def feed_report_months(feed: Callable[[Session, str, int, int], FeedResult], session: Session, city_code: str,
                       until: dt.date, since_year: int = 2024) -> int:
    """Runs a domain's month feed at each of `report_months` (the demo's call); returns how many
    observations it wrote, the counties' included."""
    total = 0
    for year, month in report_months(until, since_year):
        result = feed(session, city_code, year, month)
        total += len(result.written) + len(result.regions_written)
    return total
