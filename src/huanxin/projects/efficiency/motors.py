"""Three-phase induction motors against GB 18613-2020 表1: the limit of each grade at a rated power and
pole count, and the grade a measured efficiency reaches.

At a listed rating the table's value applies. Between two listed ratings, grades 2 and 3 (IE4, IE3)
follow the IEC 60034-30-1 formula (which reproduces every listed value to 0.1, see the tests); grade 1
(IE5), and the ranges the formula does not cover, take the next LOWER listed rating: the lenient side,
stated in the result so that nobody mistakes it for the standard's own number."""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from huanxin.projects.efficiency.tables import GRADES, MotorRow, MotorTable, motor_table

# Measured values are typed with one decimal; this absorbs float noise so 95.8 meets 95.8 (不低于).
EPSILON = 1e-9


@dataclass(frozen=True)
class MotorLimits:
    power_kw: float
    poles: int
    limits: dict[int, float]  # grade → minimum efficiency, %
    method: str  # Chinese: how the limits were obtained (listed rating, formula, next lower rating)


class OutOfScope(ValueError):
    """The motor is outside 表1 (power or poles); the message is Chinese and names the field."""


def _round_tenth(value: float) -> float:
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def formula_limit(table: MotorTable, grade: int, power_kw: float, pole_index: int) -> float | None:
    """IEC 60034-30-1 value for grades 2/3 where a coefficient range covers the power, else None."""
    for rng in table.formula:
        if rng.low_kw <= power_kw <= rng.high_kw and grade in rng.by_grade:
            co = rng.by_grade[grade]
            x = math.log10(power_kw)
            i = pole_index
            return _round_tenth(co.a[i] * x**3 + co.b[i] * x**2 + co.c[i] * x + co.d[i])
    return None


def _fmt_kw(kw: float) -> str:
    return f"{kw:g}"


def limits_for(power_kw: float, poles: int, table: MotorTable | None = None) -> MotorLimits:
    table = table or motor_table()
    low, high = table.scope_kw
    if not low <= power_kw <= high:
        raise OutOfScope(
            f"额定功率 {_fmt_kw(power_kw)} kW 不在 {table.standard} 表1 的适用范围"
            f"（{_fmt_kw(low)}–{_fmt_kw(high)} kW）内"
        )
    if poles not in table.poles:
        listed = "、".join(str(p) for p in table.poles)
        raise OutOfScope(f"极数 {poles} 不在 {table.standard} 表1 所列极数（{listed} 极）内")
    pole_index = table.poles.index(poles)
    kws = [row.kw for row in table.rows]
    position = bisect_right(kws, power_kw + EPSILON) - 1
    lower: MotorRow = table.rows[position]
    if math.isclose(lower.kw, power_kw, abs_tol=EPSILON):
        limits = {grade: lower.limits[grade][pole_index] for grade in GRADES}
        return MotorLimits(power_kw, poles, limits, f"{table.citation}，额定功率 {_fmt_kw(lower.kw)} kW 档")
    limits = {}
    by_formula: list[int] = []
    for grade in GRADES:
        value = formula_limit(table, grade, power_kw, pole_index)
        if value is None:
            limits[grade] = lower.limits[grade][pole_index]
        else:
            limits[grade] = value
            by_formula.append(grade)
    if by_formula:
        grades = "、".join(f"{g}级" for g in by_formula)
        method = (
            f"{table.citation}：{_fmt_kw(power_kw)} kW 不是表列档位，{grades}限值按 IEC 60034-30-1 插值公式计算"
            f"（保留一位小数），其余等级取相邻较低档 {_fmt_kw(lower.kw)} kW 的限值"
        )
    else:
        method = f"{table.citation}：{_fmt_kw(power_kw)} kW 不是表列档位，取相邻较低档 {_fmt_kw(lower.kw)} kW 的限值"
    return MotorLimits(power_kw, poles, limits, method)


def grade_reached(efficiency_pct: float, limits: MotorLimits) -> int | None:
    """The best grade whose limit the efficiency meets (equal counts: 不低于), None below grade 3."""
    for grade in GRADES:
        if efficiency_pct + EPSILON >= limits.limits[grade]:
            return grade
    return None
