"""Expected benefits of a renewal project computed from its equipment list, where the data allows:
electricity saved by motor replacements, in standard coal (tce) and CO2, with the method stated in
Chinese. Where the list does not carry what is needed the figures are None with the reason, and the
project keeps the figures it declared.

Method: a retired motor and a new motor of the same rated power P (kW) are a replacement pair (units
paired in list order, as many as both sides have); each pair saves P × hours × (1/η_old − 1/η_new) kWh a
year (the same shaft output drawn at two efficiencies). New motors without a retired counterpart add
capacity and save nothing here. The factors (hours, kgce/kWh, kgCO2/kWh) are dated data citing their
source: projects/efficiency/tables/benefit_factors.yaml."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

import yaml

from huanxin.kit import clock
from huanxin.projects.efficiency.tables import TABLES_DIR


class MotorLine(Protocol):
    @property
    def side(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def rated_power_kw(self) -> float | None: ...
    @property
    def efficiency_pct(self) -> float | None: ...
    @property
    def quantity(self) -> int: ...


@dataclass(frozen=True)
class Factor:
    value: float
    source: str


@dataclass(frozen=True)
class Benefits:
    energy_saved_tce: float | None  # per year
    co2_cut_t: float | None  # per year
    electricity_saved_kwh: float | None  # per year
    method: str  # Chinese sentence: how the figures were computed, or why there are none
    replaced_units: int = 0
    hours_per_year: float = 0.0

    @property
    def computed(self) -> bool:
        return self.energy_saved_tce is not None


@cache
def _factors() -> dict[str, Any]:
    data = yaml.safe_load((TABLES_DIR / "benefit_factors.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _dated(name: str, on: dt.date) -> Factor:
    values: dict[dt.date, dict[str, Any]] = _factors()[name]["values"]
    known = sorted(day for day in values if day <= on)
    # Before the first dated value, the earliest one is the best there is (the factors are references).
    entry = values[known[-1] if known else min(values)]
    return Factor(float(entry["value"]), " ".join(str(entry["source"]).split()))


def default_hours() -> float:
    return float(_factors()["hours_per_year"]["value"])


def coal_factor(on: dt.date) -> Factor:
    return _dated("electricity_kgce_per_kwh", on)


def co2_factor(on: dt.date) -> Factor:
    return _dated("co2_kg_per_kwh", on)


def _usable(value: float | None, low: float, high: float) -> bool:
    return value is not None and math.isfinite(value) and low < value < high


def _units(lines: Iterable[MotorLine], side: str) -> dict[float, list[float]]:
    """Rated power → the efficiency (as a fraction) of each unit on that side, in list order."""
    by_power: dict[float, list[float]] = defaultdict(list)
    for line in lines:
        if line.side != side or line.category != "motor":
            continue
        if not (_usable(line.rated_power_kw, 0, math.inf) and _usable(line.efficiency_pct, 0, 100)):
            continue
        assert line.rated_power_kw is not None and line.efficiency_pct is not None
        quantity = line.quantity if isinstance(line.quantity, int) and line.quantity > 0 else 1
        by_power[float(line.rated_power_kw)].extend([line.efficiency_pct / 100] * quantity)
    return by_power


def _none(reason: str) -> Benefits:
    return Benefits(None, None, None, f"{reason}，无法由设备清单测算节能量，沿用项目申报值")


def estimate(
    equipment: Iterable[MotorLine],
    *,
    hours_per_year: float | None = None,
    on: dt.date | None = None,
    co2_kg_per_kwh: float | None = None,
) -> Benefits:
    """Yearly savings of the motor replacements in `equipment` (retired and new lines of one project).
    `hours_per_year` overrides the default; `co2_kg_per_kwh` a regional factor the caller cites."""
    lines = list(equipment)
    hours = default_hours() if hours_per_year is None else hours_per_year
    if not _usable(hours, 0, 8784):
        return _none("年运行小时数应大于0且不超过8784小时")
    if not any(line.category == "motor" for line in lines):
        return _none("设备清单中没有电动机")
    retired, new = _units(lines, "retired"), _units(lines, "new")
    if not retired or not new:
        return _none("电动机缺少淘汰或新购一侧的额定功率和实测效率")
    kwh = 0.0
    units = 0
    for power, old_effs in retired.items():
        for eta_old, eta_new in zip(old_effs, new.get(power, []), strict=False):
            kwh += power * hours * (1 / eta_old - 1 / eta_new)
            units += 1
    if units == 0:
        return _none("没有额定功率相同的淘汰与新购电动机可配对")
    day = on or clock.today()
    coal = coal_factor(day)
    co2 = (
        co2_factor(day) if co2_kg_per_kwh is None else Factor(co2_kg_per_kwh, "项目所在地区电力排放因子（调用方提供）")
    )
    tce = kwh * coal.value / 1000
    co2_t = kwh * co2.value / 1000
    method = (
        f"按{units}台额定功率相同的淘汰与新购电动机配对测算：年节电量 = 额定功率 × 年运行{hours:g}小时 × "
        f"（1/旧电机效率 − 1/新电机效率），合计 {kwh:,.0f} kWh；折标准煤系数 {coal.value} kgce/kWh（{coal.source}），"
        f"折合 {tce:,.2f} tce；二氧化碳排放因子 {co2.value} kgCO2/kWh（{co2.source}），减排 {co2_t:,.2f} t"
    )
    return Benefits(round(tce, 3), round(co2_t, 3), round(kwh, 1), method, units, hours)
