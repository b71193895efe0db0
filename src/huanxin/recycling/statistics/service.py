"""The city's monthly figures of recycling and second-hand trade, by county (scrapped cars, used
cars, wiped electronics, reverse invoicing): what the commerce
bureau and the office read each month (issue 17, item 4). Each measure comes from the domain that
records it; this module only lays them side by side.

Who reads: the office, the city's leaders, departments and reviewers read the whole city; a county
reads its own county; everyone else is refused (403)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from huanxin.errors import Forbidden
from huanxin.kit.clock import midnight, today
from huanxin.orgs import service as orgs_service
from huanxin.orgs.roles import CITY_WIDE_READERS, Role
from huanxin.orgs.scope import Scope
from huanxin.recycling.invoicing import statistics as invoicing_statistics
from huanxin.recycling.scrapped import statistics as scrapped_statistics
from huanxin.secondhand import statistics as secondhand_statistics

READERS = CITY_WIDE_READERS | {Role.DEPARTMENT, Role.REVIEWER, Role.COUNTY}
MAX_MONTHS = 36
Key = tuple[str, dt.date]


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    unit: str
    count: Callable[[Session, str, dt.date, dt.date], Counter[Key]]
    fen: bool = False  # an amount in fen, shown in 万元


def _electronics(session: Session, city: str, start: dt.date, end: dt.date) -> Counter[Key]:
    return secondhand_statistics.electronics_sold(session, city, midnight(start), midnight(end))


def _used_cars(session: Session, city: str, start: dt.date, end: dt.date) -> Counter[Key]:
    return secondhand_statistics.used_cars_sold(session, city, midnight(start), midnight(end))


MEASURES: tuple[Measure, ...] = (
    Measure("scrapped_cars", "报废机动车回收（出具回收证明）", "辆", scrapped_statistics.certificates_by_month),
    Measure("used_cars", "二手车交易", "辆", _used_cars),
    Measure("electronics", "二手电子产品交易（经核验清除）", "台", _electronics),
    Measure("reverse_invoiced", "反向开票金额（不含税，已扣红冲）", "万元", invoicing_statistics.invoiced_fen,
            fen=True),
)


@dataclass(frozen=True)
class Row:
    month: dt.date
    region_code: str
    region_name: str
    values: dict[str, float]


@dataclass(frozen=True)
class Table:
    months: list[dt.date]
    measures: tuple[Measure, ...]
    rows: list[Row]  # month by month, the city's total first, then each county with a figure
    totals: dict[str, float]  # over the whole period


def require_reader(scope: Scope) -> None:
    if scope.role not in READERS:
        raise Forbidden("您的角色无权查看回收与二手交易统计")


def months_back(until: dt.date, count: int) -> list[dt.date]:
    """The `count` months ending with `until`'s month, oldest first."""
    first = until.replace(day=1)
    out = []
    for back in range(count - 1, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        out.append(dt.date(year, month + 1, 1))
    return out


def _shown(value: int, measure: Measure) -> float:
    return round(value / 1_000_000, 2) if measure.fen else float(value)  # fen → 万元


def table(session: Session, scope: Scope, months: int = 12, until: dt.date | None = None) -> Table:
    require_reader(scope)
    span = months_back(until or today(), max(1, min(months, MAX_MONTHS)))
    end = (span[-1] + dt.timedelta(days=32)).replace(day=1)
    counts = {m.code: m.count(session, scope.city_code, span[0], end) for m in MEASURES}
    if scope.role == Role.COUNTY:  # a county reads its own county only
        counts = {code: Counter({k: v for k, v in c.items() if k[0] == scope.region_code})
                  for code, c in counts.items()}
    own = scope.region_code if scope.role == Role.COUNTY else None
    # A county's total is its one row; the city's is followed by each county that has a figure.
    regions = [] if own else sorted({region for c in counts.values() for region, _ in c})
    names = {r: orgs_service.region_name(session, r) for r in regions}
    total_code = own or scope.city_code
    total_name = f"{orgs_service.region_name(session, own)}合计" if own else "全市合计"
    rows: list[Row] = []
    for month in reversed(span):
        city = {m.code: _shown(sum(v for (_, mo), v in counts[m.code].items() if mo == month), m) for m in MEASURES}
        rows.append(Row(month, total_code, total_name, city))
        for region in regions:
            values = {m.code: _shown(counts[m.code].get((region, month), 0), m) for m in MEASURES}
            if any(values.values()) and region != scope.city_code:
                rows.append(Row(month, region, names[region], values))
    totals = {m.code: _shown(sum(counts[m.code].values()), m) for m in MEASURES}
    return Table(months=span, measures=MEASURES, rows=rows, totals=totals)
