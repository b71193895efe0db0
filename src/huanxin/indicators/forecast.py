"""Forecasting an indicator to a target year, and the straight-line path a target needs.

Two methods, chosen by how much history there is, and always named in the result so that a
reader of the cockpit knows what the number rests on:
- three or more annual points: a least-squares linear trend (numpy.polyfit, degree 1);
- exactly two points: the last growth rate, compounded per year (a linear extrapolation when
  the earlier value is zero or negative, where a growth rate means nothing);
- fewer: no forecast ("数据不足").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LINEAR_TREND = "linear_trend"
LAST_GROWTH = "last_growth"
TWO_POINT_LINE = "two_point_line"


@dataclass(frozen=True)
class Forecast:
    year: int
    value: float
    method: str
    label: str  # the method in Chinese, with the data it used


def forecast(points: list[tuple[int, float]], year: int, *, upper: float | None = None) -> Forecast | None:
    """Forecast for `year` from (year, value) points; clipped to [0, upper] (upper=100 for %)."""
    clean = sorted({y: v for y, v in points}.items())
    if len(clean) < 2:
        return None
    if len(clean) >= 3:
        value, method, label = _linear_trend(clean, year)
    else:
        value, method, label = _last_growth(clean, year)
    return Forecast(year=year, value=_clip(value, upper), method=method, label=label)


def _span(points: list[tuple[int, float]]) -> str:
    return f"{points[0][0]}–{points[-1][0]}年共{len(points)}个年度值"


def _linear_trend(points: list[tuple[int, float]], year: int) -> tuple[float, str, str]:
    years = np.array([p[0] for p in points], dtype=float)
    values = np.array([p[1] for p in points], dtype=float)
    slope, intercept = np.polyfit(years, values, 1)
    label = f"最小二乘线性趋势外推（{_span(points)}，年均变化 {slope:+.4g}）"
    return float(slope * year + intercept), LINEAR_TREND, label


def _last_growth(points: list[tuple[int, float]], year: int) -> tuple[float, str, str]:
    (y0, v0), (y1, v1) = points
    if v0 <= 0:
        slope = (v1 - v0) / (y1 - y0)
        return v1 + slope * (year - y1), TWO_POINT_LINE, f"按{y0}–{y1}年两点连线外推（年均变化 {slope:+.4g}）"
    rate = (v1 / v0) ** (1 / (y1 - y0)) - 1
    label = f"按最近一期增长率外推（{y0}–{y1}年年均增长 {rate * 100:+.1f}%；数据不足三年，未用线性趋势）"
    return v1 * (1 + rate) ** (year - y1), LAST_GROWTH, label


def _clip(value: float, upper: float | None) -> float:
    value = max(value, 0.0)  # every catalogue indicator is a count, an amount or a share
    return min(value, upper) if upper is not None else value


def needed_path(
    start_year: int, start_value: float, target_year: int, target_value: float
) -> list[tuple[int, float]]:
    """The straight line from the base-year value to the target, one point per year."""
    if target_year <= start_year:
        return [(target_year, target_value)]
    step = (target_value - start_value) / (target_year - start_year)
    return [(y, start_value + step * (y - start_year)) for y in range(start_year, target_year + 1)]
