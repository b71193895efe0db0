"""The demo's projects of one city: which enterprise declares what, in which field and county, how
much it invests and when it starts, with its equipment list (demo_equipment) and its benefits.

Sizes are set so that the library means something on the cockpit: the equipment investment of
the library projects (approved, batched, reported) started in each year adds up to the city's
2023 equipment investment grown by the city's pace (a lagging city grows at about half the pace
the plans ask, the others a little faster); this year's projects start between January and the
last full month, so the year-to-date figure, annualised as the indicators service does, lands on
the same path."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from huanxin.projects.demo_enterprises import DemoEnterprise
from huanxin.projects.demo_equipment import equipment_lines

LIBRARY = ("approved", "batched", "reported")
# Share of projects in each state (draft … reported); every state gets at least two.
STATE_WEIGHTS = {"draft": 7, "county": 9, "department": 7, "office": 5, "returned": 8, "approved": 36,
                 "batched": 10, "reported": 18}
# Relative size of a field's projects (a power plant's renewal dwarfs a school's).
FIELD_SIZE = {"industry": 1.5, "energy_using": 1.0, "energy_power": 2.2, "construction_municipal": 1.0,
              "transport": 0.8, "logistics": 0.6, "agriculture": 0.3, "grain_oil": 0.5, "education": 0.3,
              "culture_tourism": 0.4, "healthcare": 0.6, "elevator": 0.12, "environment": 1.0, "work_safety": 0.4,
              "recycling": 0.5, "electronic_info": 1.2}
FIELD_DIRECTIONS = {
    "education": ("digital", "domestic"), "healthcare": ("digital", "domestic"), "work_safety": ("work_safety",),
    "elevator": ("work_safety", "energy_saving"), "environment": ("ultra_low_emission", "energy_saving"),
    "transport": ("energy_saving",), "logistics": ("energy_saving", "intelligent"),
}
TITLES = {
    "industry": ("生产线智能化改造及设备更新项目", "高效节能电机及空压系统更新改造项目", "数字化车间建设设备更新项目"),
    "energy_using": ("重点用能设备节能更新改造项目", "电机系统能效提升项目"),
    "energy_power": ("热电联产机组节能改造项目", "配电设备更新改造项目"),
    "construction_municipal": ("供水加压泵站设备更新项目", "污水处理厂提标改造设备更新项目"),
    "transport": ("新能源公交车更新项目",),
    "logistics": ("智慧物流仓储设备更新项目", "新能源物流车更新项目"),
    "agriculture": ("设施农业环境控制设备更新项目",),
    "grain_oil": ("粮油加工生产线设备更新项目", "粮食烘干仓储设备更新项目"),
    "education": ("智慧教室及实训设备更新项目", "实训基地设备更新项目"),
    "culture_tourism": ("景区游乐设施及索道更新项目", "智慧景区设备更新项目"),
    "healthcare": ("医学影像设备更新项目", "诊疗设备更新项目"),
    "elevator": ("老旧住宅电梯更新项目",),
    "environment": ("烟气超低排放改造项目", "曝气系统节能改造项目"),
    "work_safety": ("安全生产监测预警设备更新项目", "安全装备更新项目"),
    "recycling": ("再生资源分拣中心设备更新项目", "废钢加工配送设备更新项目"),
    "electronic_info": ("电子元器件生产线自动化改造项目", "洁净车间设备更新项目"),
}
BANKS = ("中国工商银行", "中国农业银行", "中国银行", "中国建设银行", "交通银行", "国家开发银行", "中国邮政储蓄银行")
WAN = 1_000_000  # 1 万元 in fen: amounts are declared to the 万元
FIRST_YEAR = 2024  # the plans run 2024–2027


@dataclass
class DemoProject:
    """One generated project: its row (ProjectEquipment lines apart) and the enterprise behind it."""

    row: dict[str, Any]
    lines: list[dict[str, Any]]
    enterprise: DemoEnterprise


def states(rng: random.Random, count: int) -> list[str]:
    """`count` states, every one at least twice (when count allows), the rest by STATE_WEIGHTS."""
    names = list(STATE_WEIGHTS)
    fixed = [name for name in names for _ in range(2)][:count]
    drawn = rng.choices(names, weights=list(STATE_WEIGHTS.values()), k=max(0, count - len(fixed)))
    out = fixed + drawn
    rng.shuffle(out)
    return out


def yearly_targets(baseline_yi: float, pace: float, on: dt.date) -> dict[int, float]:
    """Library equipment investment (亿元) per start year: 2023's value grown by `pace` per year;
    this year only up to the last full month."""
    out = {}
    for year in range(FIRST_YEAR, on.year + 1):
        value = baseline_yi * (1 + pace * (year - 2023))
        if year == on.year:
            value *= (on.month - 1) / 12
        if value > 0:
            out[year] = value
    return out


def _start_in(rng: random.Random, year: int, on: dt.date) -> dt.date:
    last = dt.date(year, 12, 31) if year < on.year else dt.date(year, on.month, 1) - dt.timedelta(days=1)
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, (last - dt.date(year, 1, 1)).days))


def _weights(rng: random.Random, fields: list[str]) -> list[float]:
    return [FIELD_SIZE.get(f, 1.0) * math.exp(rng.gauss(0, 0.8)) for f in fields]


def plan_projects(rng: random.Random, enterprises: list[DemoEnterprise], count: int, baseline_yi: float,
                  pace: float, on: dt.date) -> list[tuple[str, DemoEnterprise, dt.date, int]]:
    """(state, enterprise, start date, equipment investment in fen) of each project."""
    chosen = [rng.choice(enterprises) for _ in range(count)]
    wanted = states(rng, count)
    library = [i for i, s in enumerate(wanted) if s in LIBRARY]
    targets = yearly_targets(baseline_yi, pace, on)
    years = list(targets)
    # Reported projects went in an earlier batch: they start in the earlier years.
    year_of: dict[int, int] = {}
    for i in library:
        if not years:
            break
        pool = years[:-1] if wanted[i] == "reported" and len(years) > 1 else years
        year_of[i] = rng.choices(pool, weights=[targets[y] for y in pool])[0]
    amounts: dict[int, int] = {}
    for year in years:
        members = [i for i, y in year_of.items() if y == year]
        weights = _weights(rng, [chosen[i].field for i in members])
        total = sum(weights) or 1.0
        for i, w in zip(members, weights, strict=True):
            amounts[i] = max(WAN * 50, round(targets[year] * 10**10 * w / total / WAN) * WAN)
    typical = sorted(amounts.values())[len(amounts) // 2] if amounts else 5_000 * WAN
    out = []
    for i, (state, enterprise) in enumerate(zip(wanted, chosen, strict=True)):
        # Outside the library: declared for the months ahead, or (drafts, returns) recently.
        start = _start_in(rng, year_of[i], on) if i in year_of else on + dt.timedelta(days=rng.randint(-90, 240))
        amount = amounts.get(i) or max(WAN * 50, round(typical * _weights(rng, [enterprise.field])[0] / WAN) * WAN)
        out.append((state, enterprise, start, amount))
    return out


def _benefits(rng: random.Random, lines: list[dict[str, Any]], equipment_fen: int,
              directions: list[str]) -> tuple[float, float, str]:
    """(tce/year, t CO2/year, method): from the motor pairs when projects.benefits can, else declared."""
    try:
        from huanxin.projects.benefits import estimate
    except ImportError:  # helper H2's module: every project then keeps a declared figure
        pass
    else:
        found = estimate([SimpleNamespace(**line) for line in lines])
        if found.energy_saved_tce is not None and found.energy_saved_tce > 0 and found.co2_cut_t is not None:
            return found.energy_saved_tce, found.co2_cut_t, found.method
    per_wan = rng.uniform(0.01, 0.05) if "energy_saving" in directions else rng.uniform(0.0, 0.01)
    tce = round(equipment_fen / WAN * per_wan, 1)
    return tce, round(tce * 2.66, 1), "企业申报（节能报告或可行性研究报告测算值）"


def _efficiency(lines: list[dict[str, Any]]) -> None:
    """Each line's level as projects.efficiency computes it (left None when it is not installed)."""
    try:
        from huanxin.projects.efficiency import classify
    except ImportError:
        return
    for line in lines:
        line["efficiency_level"] = classify(SimpleNamespace(**line)).level


def project_row(rng: random.Random, *, city_code: str, pid: int, state: str, enterprise: DemoEnterprise,
                start: dt.date, equipment_fen: int, on: dt.date) -> DemoProject:
    """The project's row and its equipment lines (no project_id yet)."""
    field = enterprise.field
    region = enterprise.region_code
    finish = start + dt.timedelta(days=rng.randint(180, 900))
    total = int(equipment_fen / rng.uniform(0.55, 0.88)) // WAN * WAN
    fixed = max(equipment_fen, int(total * rng.uniform(0.85, 0.98)) // WAN * WAN)
    total = max(total, fixed)
    if start > on:
        construction, permille = "planned", 0
    elif finish < on:
        construction, permille = "completed", 1000
    else:
        construction = "under_construction"
        elapsed = (on - start).days / max((finish - start).days, 1)
        permille = min(950, max(50, int(elapsed * 1000 * rng.uniform(0.8, 1.1))))
    directions = list(FIELD_DIRECTIONS.get(field, ("energy_saving", rng.choice(("digital", "intelligent")))))
    lines = equipment_lines(rng, field, equipment_fen, rng.uniform(0.06, 0.35), start.year)
    _efficiency(lines)
    tce, co2, method = _benefits(rng, lines, equipment_fen, directions)
    instruments = ["special_bond"] if rng.random() < 0.75 else ["central_budget"]
    loan = rng.random() < 0.35
    if loan:
        instruments += ["relending", "interest_subsidy"] if rng.random() < 0.6 else ["relending"]
    documents = ["approval"] + [d for d, p in (("energy_review", 0.6), ("eia", 0.7), ("land", 0.3),
                                               ("planning", 0.3), ("construction_permit", 0.4)) if rng.random() < p]
    short = enterprise.name.replace("股份有限公司", "").replace("有限责任公司", "").replace("有限公司", "")
    loan_need = int(total * rng.uniform(0.3, 0.7)) // WAN * WAN if loan else 0
    row = {
        "id": pid, "city_code": city_code, "code": "", "enterprise_id": enterprise.id, "region_code": region,
        "name": f"{short}{rng.choice(TITLES.get(field, ('设备更新项目',)))}"[:200], "field": field,
        "directions": directions, "summary": f"淘汰老旧低效设备，购置{len([x for x in lines if x['side'] == 'new'])}类"
                                             "新设备，实施节能降碳和数字化改造。",
        "total_investment_fen": total, "fixed_asset_fen": fixed, "equipment_investment_fen": equipment_fen,
        "start_on": start, "finish_on": finish, "construction": construction, "invested_permille": permille,
        "documents": documents, "instruments": instruments, "loan_need_fen": loan_need,
        "loan_term_months": rng.choice((24, 36, 48, 60)) if loan else 0,
        "intended_banks": rng.sample(BANKS, rng.randint(1, 3)) if loan else [],
        "loan_disbursed_on": start + dt.timedelta(days=rng.randint(10, 90))
        if loan and state in LIBRARY and start < on - dt.timedelta(days=90) else None,
        "other_central_funding": rng.random() < 0.04, "energy_saved_tce": tce, "co2_cut_t": co2,
        "benefit_method": method, "status": state, "returned_from": None, "version": 1, "batch_id": None,
        "stage_since": None, "created_by": None, "created_at": None, "updated_at": None,
    }
    return DemoProject(row=row, lines=lines, enterprise=enterprise)
