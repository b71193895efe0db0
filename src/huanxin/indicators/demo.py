"""The demo's indicator baselines (2023) and observations, sized by city, some lagging.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from huanxin.indicators.catalogue import catalogue
from huanxin.indicators.models import Baseline, Observation
from huanxin.indicators.progress import is_flow
from huanxin.kit.clock import today
from huanxin.orgs.models import User
from huanxin.orgs.roles import Role
from huanxin.plans.demo_closures import _at
from huanxin.plans.models import Plan, Target
from huanxin.projects.indicator_feed import CITY_CODES as LIBRARY_COMPUTED

# Rough size of each seed city relative to 资阳 (GDP and population), for magnitudes.
CITY_SCALE = {"ziyang": 1.0, "panzhihua": 1.1, "shaoyang": 1.8, "yangquan": 0.9, "anqiu": 0.5}
# 2023 values of a city of scale 1.0, for indicators whose targets are relative to 2023.
MAGNITUDE_2023 = {
    "equipment_investment": 130.0,
    "equipment_manufacturing_revenue": 110.0,
    "scrapped_car_recycling": 6000,
    "scrapped_car_dismantling": 12000,
    "used_car_transactions": 30000,
    "waste_appliance_recycling": 150000,
    "waste_appliance_recycling_rate": 25.0,
    "energy_saving_level_share": 45.0,
    "env_a_level_capacity_share": 18.0,
    "nev_stock": 15000,
}
# Annual amounts, for the baseline guess (the indicators service decides what a flow is for progress).
FLOW = {
    "equipment_investment",
    "equipment_manufacturing_revenue",
    "scrapped_car_recycling",
    "scrapped_car_dismantling",
    "used_car_transactions",
    "waste_appliance_recycling",
    "nev_promotion_events",
    "nev_rural_promotion_events",
    "tourism_equipment_renewed",
    "tech_transfer_demo_enterprises_new",
    "pilot_test_bases_new",
}
STOCK = {"nev_stock"}
INTEGER_UNITS = {"辆", "台", "场", "家", "个", "座", "所", "部", "户", "台（套）"}
BASE_YEAR = 2023


def generate_indicators(session: Session, plan: Plan, rng: random.Random, scale: float = 1.0) -> None:
    """2023 baselines and observations 2023 → last year plus this year to date, for every
    indicator the plan sets a target for; about a third of them lag behind their path."""
    targets = list(session.scalars(select(Target).where(Target.plan_id == plan.id).order_by(Target.id)))
    groups: dict[tuple[str, str], list[Target]] = defaultdict(list)
    for t in targets:
        groups[(t.indicator_code, t.region_code or plan.city_code)].append(t)
    keys = sorted(groups)
    at_risk = set(rng.sample(keys, max(1, len(keys) // 3))) if len(keys) > 1 else set()
    office = session.scalar(
        select(User.id).where(User.city_code == plan.city_code, User.role == Role.OFFICE.value)
    )
    baselines, observations = [], []
    for key in keys:
        code, region = key
        series = _series(code, groups[key], rng, scale, lagging=key in at_risk)
        stamp = {
            "city_code": plan.city_code,
            "indicator_code": code,
            "region_code": region,
            "entered_by": office,
        }
        baselines.append(
            {
                **stamp,
                "year": BASE_YEAR,
                "value": series[(BASE_YEAR, 12)],
                "note": "演示数据：2023年统计值",
                "entered_at": _at(dt.date(BASE_YEAR + 1, 3, 20), 10),
            }
        )
        for (year, month), value in series.items():
            if code in LIBRARY_COMPUTED and year > BASE_YEAR:
                continue  # after the base year the library's projects give these (projects.indicator_feed)
            observations.append(
                {
                    **stamp,
                    "year": year,
                    "month": month,
                    "value": value,
                    "source": "imported",
                    "note": "演示数据" if month == 12 else f"演示数据：1-{month}月累计",
                    "entered_at": _at(_published(year, month), 10),
                }
            )
    if baselines:
        session.execute(insert(Baseline), baselines)
        session.execute(insert(Observation), observations)


def _published(year: int, month: int) -> dt.date:
    """Statistics come out about three weeks after the period."""
    first = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first + dt.timedelta(days=20)


def _series(
    code: str, targets: list[Target], rng: random.Random, scale: float, *, lagging: bool
) -> dict[tuple[int, int], float]:
    """Observations read the way the indicators service reads them: full years as month 12,
    this year's figure to date (a running sum for flows, a level for shares and stocks), and
    yearly amounts, not running totals, where a target counts 2024–2027 累计."""
    indicator = catalogue()[code]
    pace = rng.uniform(0.5, 0.8) if lagging else rng.uniform(1.04, 1.12)
    if any(t.cumulative for t in targets):
        year_value = _cumulative_amounts(targets, pace, rng)
    else:
        year_value = _level_path(code, indicator.unit, targets, pace, rng, scale)
    this_year, ytd_month = today().year, today().month - 1
    out = {(year, 12): _clean(indicator.unit, year_value(year)) for year in range(BASE_YEAR, this_year)}
    if ytd_month >= 1:
        if is_flow(indicator):
            so_far = year_value(this_year) * ytd_month / 12 * rng.uniform(0.95, 1.0)
        else:
            so_far = year_value(this_year - 1 + ytd_month / 12)
        out[(this_year, ytd_month)] = _clean(indicator.unit, so_far)
    return out


def _cumulative_amounts(targets: list[Target], pace: float, rng: random.Random) -> Callable[[float], float]:
    """Each year adds about its share of the cumulative target; 2023, before the plan, a little less."""
    target = max(targets, key=lambda t: t.year)
    per_year = target.value / max(target.year - BASE_YEAR, 1) * pace

    def amount(year: float) -> float:
        return per_year * (0.6 if year <= BASE_YEAR else rng.uniform(0.96, 1.04))

    return amount


def _level_path(
    code: str, unit: str, targets: list[Target], pace: float, rng: random.Random, scale: float
) -> Callable[[float], float]:
    """From the 2023 value along the path the targets ask for, at the indicator's pace."""
    base = _baseline(code, unit, targets, rng, scale)
    anchors = _anchors(base, targets)

    def value(year: float) -> float:
        if year <= BASE_YEAR:
            return base
        return (base + (_interpolate(anchors, year) - base) * pace) * rng.uniform(0.98, 1.02)

    return value


def _baseline(code: str, unit: str, targets: list[Target], rng: random.Random, scale: float) -> float:
    """The 2023 value: read back from a level target when there is one, else a city-sized magnitude."""
    levels = sorted((t for t in targets if t.kind in ("level", "ratio")), key=lambda t: t.year)
    if not levels:
        size = 1.0 if unit == "%" else scale
        return MAGNITUDE_2023.get(code, 50.0) * size * rng.uniform(0.85, 1.15)
    value = levels[0].value
    if unit == "%":
        return rng.uniform(55, 80) if value >= 99 else value * (1 - rng.uniform(0.12, 0.25))
    if unit == ":1":
        return value * rng.uniform(0.6, 0.75)
    if code in FLOW:
        return value * rng.uniform(0.7, 0.85)
    if code in STOCK:
        return value * rng.uniform(0.5, 0.6)
    return value * rng.uniform(0.05, 0.15)  # cumulative counts (km renewed, plants upgraded …) start low


def _target_value(target: Target, base: float) -> float:
    if target.kind == "growth":
        return base * (1 + target.value / 100)
    if target.kind == "multiple":
        return base * (1 + target.value)
    if target.kind == "pp_increase":
        return base + target.value
    return target.value


def _anchors(base: float, targets: list[Target]) -> list[tuple[float, float]]:
    """The path the targets ask for: from the 2023 value through each target, never falling
    (two targets of one plan can disagree; the higher one wins)."""
    points: dict[int, float] = {}
    for t in targets:
        points[t.year] = max(points.get(t.year, 0.0), _target_value(t, base))
    anchors = [(float(BASE_YEAR), base)]
    for year in sorted(points):
        if year > BASE_YEAR:
            anchors.append((float(year), max(points[year], anchors[-1][1])))
    return anchors


def _interpolate(anchors: list[tuple[float, float]], year: float) -> float:
    if len(anchors) == 1:
        return anchors[0][1]
    for (y0, v0), (y1, v1) in zip(anchors, anchors[1:], strict=False):
        if year <= y1:
            return v0 + (v1 - v0) * (year - y0) / (y1 - y0)
    (y0, v0), (y1, v1) = anchors[-2], anchors[-1]
    return v1 + (v1 - v0) / (y1 - y0) * (year - y1) * 0.5  # past the last target: keep growing, slower


def _clean(unit: str, value: float) -> float:
    if unit == "%":
        return round(min(max(value, 0.0), 100.0), 1)
    if unit == ":1":
        return round(max(value, 0.0), 2)
    if unit in INTEGER_UNITS:
        return float(max(0, math.floor(value + 0.5)))
    return round(max(value, 0.0), 2)
