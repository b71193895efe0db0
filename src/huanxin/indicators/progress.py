"""Progress against the plans' targets: of one target from its observations (pure functions, no
database; every target of a city's plans is read by indicators.city_progress).

Rules (the cockpit's legend repeats them):
- the target value is stated in the indicator's own unit: growth → baseline × (1 + v/100);
  multiple → baseline × (1 + v) (翻一番 = 1 倍); pp_increase → baseline + v; level and ratio → v.
  Growth, multiple and pp targets without the base-year value say so and compute nothing.
- a year's value is its full-year observation (month 12); failing that the latest year-to-date
  figure, which for flows (辆, 台, 亿元 …) is annualised by 12/month and for shares and stocks
  (%, 比值, 保有量) is taken as it stands. Such values are marked as estimates.
- cumulative targets (2024–2027 累计) add up the yearly values from the plan's first year on;
  annual targets (每年) compare every year's value with the target value.
- % of the way = (actual − start) / (target − start), start being the base-year value (0 for
  cumulative targets); without a base-year value, actual / target.
- at risk: the forecast for the target year falls short of the target, in the indicator's
  direction (below for "up" indicators, above for "down" ones).
- a target whose year is over is judged on that year's own figure (month 12, or the latest month
  of that year, said so), never on later years; without a figure for that year it is 无当年数据.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from huanxin.indicators.catalogue import IndicatorDef
from huanxin.indicators.forecast import Forecast, forecast, needed_path

RELATIVE_KINDS = {"growth", "multiple", "pp_increase"}
# Indicators whose year-to-date figure is already a level, not a running sum.
LEVEL_UNITS = {"%", ":1"}
STOCK_CODES = {"nev_stock", "digital_workshops_smart_factories", "green_factories_provincial"}

STATUS_LABELS = {
    "missing_baseline": "缺少基期值",
    "no_data": "暂无数据",
    "no_year_data": "无当年数据",
    "achieved": "已达成",
    "missed": "未达成",
    "at_risk": "有风险",
    "on_track": "按进度",
    "unknown": "数据不足",
}


@dataclass(frozen=True)
class TargetSpec:
    """What progress needs to know of a plan's target (copied from plans' Target)."""

    id: int
    plan_id: int
    indicator_code: str
    year: int
    kind: str
    value: float
    unit: str
    comparator: str | None = None
    aspirational: bool = False
    baseline_year: int | None = None
    cumulative: bool = False
    annual: bool = False
    region_code: str | None = None
    text: str = ""
    section: str = "goals"

    @classmethod
    def of(cls, target: Any) -> TargetSpec:
        """A copy of a plans' Target row: the fields above, read by name."""
        return cls(**{f.name: getattr(target, f.name) for f in fields(cls)})


@dataclass(frozen=True)
class Obs:
    year: int
    month: int
    value: float


@dataclass(frozen=True)
class YearValue:
    year: int
    value: float
    month: int  # 12 when the year is complete
    estimated: bool
    raw: float  # the figure as observed (year-to-date when month < 12)


@dataclass
class TargetProgress:
    spec: TargetSpec
    indicator: IndicatorDef
    base_year: int
    baseline: float | None
    target_value: float | None
    latest: Obs | None
    actual: float | None  # the latest value comparable with the target (annualised or summed)
    percent: float | None
    needed: list[tuple[int, float]]
    path: list[YearValue]
    forecast: Forecast | None
    at_risk: bool | None
    status: str
    note: str = ""
    yearly: list[tuple[int, float | None, bool | None]] = field(default_factory=list)  # annual targets
    # The observation shown beside the target: the latest one, or for a target year that is over,
    # that year's own (None when there is none); `latest` stays the latest of all.
    observed: Obs | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def chart(self) -> dict[str, Any]:
        """The needed and actual paths as JSON for static/charts.js."""
        return {
            "id": self.spec.id,
            "title": f"{self.indicator.name}（{self.spec.year}年）",
            "unit": self.indicator.unit,
            "target": self.target_value,
            "target_year": self.spec.year,
            "needed": [{"year": y, "value": round(v, 4)} for y, v in self.needed],
            "actual": [
                {"year": p.year, "value": round(p.value, 4), "estimated": p.estimated} for p in self.path
            ],
            "forecast": {"year": self.forecast.year, "value": round(self.forecast.value, 4)}
            if self.forecast
            else None,
            "at_risk": self.at_risk,
        }


def format_number(value: float | None, digits: int = 2) -> str:
    """Figures as a reader expects them: thousands separated, no trailing zeros."""
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def is_flow(indicator: IndicatorDef) -> bool:
    return indicator.unit not in LEVEL_UNITS and indicator.code not in STOCK_CODES


def base_year_of(spec: TargetSpec, start_year: int) -> int:
    """The base year: the target's own, else the year before the plan starts (2023 for 2024 plans)."""
    return spec.baseline_year or start_year - 1


def target_value_of(spec: TargetSpec, baseline: float | None) -> float | None:
    if spec.kind == "growth":
        return None if baseline is None else baseline * (1 + spec.value / 100)
    if spec.kind == "multiple":
        return None if baseline is None else baseline * (1 + spec.value)
    if spec.kind == "pp_increase":
        return None if baseline is None else baseline + spec.value
    return spec.value  # level, ratio


def yearly_values(observations: list[Obs], indicator: IndicatorDef) -> list[YearValue]:
    """One value per year: the full-year figure, else the latest year-to-date one (annualised for flows)."""
    latest: dict[int, Obs] = {}
    for obs in observations:
        if obs.year not in latest or obs.month > latest[obs.year].month:
            latest[obs.year] = obs
    out = []
    for year in sorted(latest):
        obs = latest[year]
        value = obs.value * 12 / obs.month if obs.month < 12 and is_flow(indicator) else obs.value
        out.append(
            YearValue(year=year, value=value, month=obs.month, estimated=obs.month < 12, raw=obs.value)
        )
    return out


def _cumulative(values: list[YearValue], start_year: int) -> list[YearValue]:
    """Running totals from the plan's first year; a year-to-date figure counts as done, not annualised."""
    total = 0.0
    out = []
    for item in values:
        if item.year < start_year:
            continue
        total += item.raw
        out.append(
            YearValue(year=item.year, value=total, month=item.month, estimated=item.estimated, raw=item.raw)
        )
    return out


def _short(value: float, target: float, direction: str) -> bool:
    return value < target if direction == "up" else value > target


def _percent(actual: float, start: float | None, target: float) -> float | None:
    if start is not None and target != start:
        return (actual - start) / (target - start) * 100
    if start is not None:  # target equals the start: either there or not
        return 100.0 if actual == target else 0.0
    return actual / target * 100 if target else None


def compute(
    spec: TargetSpec,
    indicator: IndicatorDef,
    observations: list[Obs],
    baseline: float | None,
    *,
    start_year: int,
    end_year: int,
    this_year: int,
) -> TargetProgress:
    """Progress of one target. `start_year`/`end_year` are the plan's; `this_year` is today's."""
    base_year = base_year_of(spec, start_year)
    target = target_value_of(spec, baseline)
    latest = max(observations, key=lambda o: (o.year, o.month), default=None)
    years = yearly_values(observations, indicator)
    result = TargetProgress(
        spec=spec,
        indicator=indicator,
        base_year=base_year,
        baseline=baseline,
        target_value=target,
        latest=latest,
        actual=None,
        percent=None,
        needed=[],
        path=years,
        forecast=None,
        at_risk=None,
        status="no_data",
        observed=latest,
    )
    past = spec.year < this_year and not spec.annual  # annual targets judge each year on its own
    if past:
        result.observed = max((o for o in observations if o.year == spec.year),
                              key=lambda o: o.month, default=None)
    if spec.kind in RELATIVE_KINDS and baseline is None:
        result.status = "missing_baseline"
        result.note = f"缺少{base_year}年基期值，无法换算目标值；请专班办公室录入基期值"
        own = [y for y in years if y.year == spec.year] if past else years
        result.actual = own[-1].value if own else None  # the figure itself is known, only the target is not
        return result
    assert target is not None
    upper = 100.0 if indicator.unit == "%" else None
    if spec.annual:
        _annual(result, years, target, start_year, max(spec.year, end_year), this_year, upper)
    elif spec.cumulative:
        _cumulative_target(result, years, target, start_year, upper, past)
    else:
        _level(result, years, target, base_year, baseline, upper, past)
    return result


def _judge_own_year(result: TargetProgress, own: YearValue | None, target: float, start: float | None) -> None:
    """A target year that is over: judged on that year's figure only, later years never count."""
    year = result.spec.year
    if own is None:
        result.status = "no_year_data"
        result.note = _joined(result.note, f"没有{year}年的数据，无法判断是否达成")
        return
    result.actual = own.value
    result.percent = _percent(own.value, start, target)
    result.status = "missed" if _short(own.value, target, result.indicator.direction) else "achieved"
    result.at_risk = result.status == "missed"
    if own.estimated:
        how = "折算全年" if is_flow(result.indicator) and not result.spec.cumulative else ""
        result.note = _joined(result.note, f"{year}年全年数据未出，按1–{own.month}月数据{how}判断")


def _joined(note: str, more: str) -> str:
    return f"{note}；{more}" if note else more


def _level(
    result: TargetProgress,
    years: list[YearValue],
    target: float,
    base_year: int,
    baseline: float | None,
    upper: float | None,
    past: bool,
) -> None:
    spec, direction = result.spec, result.indicator.direction
    if baseline is not None:
        result.needed = needed_path(base_year, baseline, spec.year, target)
    elif not result.note:
        result.note = f"未录入{base_year}年基期值：完成度按实际值÷目标值计算，不画需要路径"
    if past:
        _judge_own_year(result, next((y for y in years if y.year == spec.year), None), target, baseline)
        return
    relevant = [y for y in years if y.year <= spec.year]  # a 2024 target is judged on 2024, not on 2025
    if not relevant:
        return
    last = relevant[-1]
    result.actual = last.value
    result.percent = _percent(last.value, baseline, target)
    if last.year == spec.year and not last.estimated:
        result.status = "missed" if _short(last.value, target, direction) else "achieved"
        result.at_risk = result.status == "missed"
        return
    points = [(y.year, y.value) for y in relevant]
    if baseline is not None and all(p[0] != base_year for p in points):
        points.insert(0, (base_year, baseline))
    _forecast(result, points, target, upper, spec.year)


def _cumulative_target(
    result: TargetProgress, years: list[YearValue], target: float, start_year: int, upper: float | None,
    past: bool,
) -> None:
    spec = result.spec
    result.needed = needed_path(start_year - 1, 0.0, spec.year, target)
    running = _cumulative([y for y in years if y.year <= spec.year], start_year)
    result.path = running
    result.note = f"{start_year}–{spec.year}年累计值（各年数值相加）"
    if past:
        _judge_own_year(result, next((y for y in running if y.year == spec.year), None), target, 0.0)
        return
    if not running:
        return
    result.actual = running[-1].value
    result.percent = _percent(result.actual, 0.0, target)
    if running[-1].year == spec.year and not running[-1].estimated:
        result.status = "missed" if _short(result.actual, target, result.indicator.direction) else "achieved"
        result.at_risk = result.status == "missed"
        return
    # Fit the running total; the current year's point uses the annualised figure, the origin is 0.
    annualised = {y.year: y.value for y in years}
    total, points = 0.0, [(start_year - 1, 0.0)]
    for item in running:
        total += annualised[item.year]
        points.append((item.year, total))
    _forecast(result, points, target, upper, spec.year)


def _annual(
    result: TargetProgress,
    years: list[YearValue],
    target: float,
    start_year: int,
    last_year: int,
    this_year: int,
    upper: float | None,
) -> None:
    direction = result.indicator.direction
    by_year = {y.year: y for y in years}
    result.needed = [(y, target) for y in range(start_year, last_year + 1)]
    result.note = f"年度目标：{start_year}–{last_year}年每年均须达到"
    for year in range(start_year, min(last_year, this_year) + 1):
        item = by_year.get(year)
        met = None if item is None else not _short(item.value, target, direction)
        result.yearly.append((year, item.value if item else None, met))
    seen = [y for y in years if start_year <= y.year <= last_year]
    if not seen:
        return
    result.actual = seen[-1].value
    result.percent = _percent(result.actual, None, target)
    missed_years = [y for y, _, met in result.yearly if met is False and not by_year[y].estimated]
    if this_year > last_year:
        result.status = "missed" if missed_years else "achieved"
        result.at_risk = bool(missed_years)
        return
    _forecast(result, [(y.year, y.value) for y in seen], target, upper, last_year)
    if missed_years:  # a year already missed cannot be made good by later years
        result.at_risk, result.status = True, "at_risk"
    elif result.forecast is None and seen[-1].year == this_year:
        result.at_risk = _short(seen[-1].value, target, direction)
        result.status = "at_risk" if result.at_risk else "on_track"


def _forecast(
    result: TargetProgress, points: list[tuple[int, float]], target: float, upper: float | None, year: int
) -> None:
    result.forecast = forecast(points, year, upper=upper)
    if result.forecast is None:
        result.status = "unknown"
        result.note = (result.note + "；" if result.note else "") + "不足两个年度值，暂无法预测"
        return
    result.at_risk = _short(result.forecast.value, target, result.indicator.direction)
    result.status = "at_risk" if result.at_risk else "on_track"
