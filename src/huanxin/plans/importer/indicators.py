"""Maps the subject of a target ("规模以上工业企业数字化研发设计工具普及率") to the indicator catalogue.

First come keyword rules for the indicators that every plan under 国发〔2024〕7号 sets (设备投资,
数字化研发设计工具普及率, 报废汽车回收量 …); each rule also says which wordings it must not take, so
that a combined target ("供排水、燃气等管道") is not forced onto one of its parts. Then every catalogue
entry competes by how much of its name the subject contains, with a bonus when units agree. Below the
threshold the importer proposes a new indicator named after the subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from huanxin.indicators.catalogue import IndicatorDef, catalogue

MATCH_THRESHOLD = 0.5
INTERCHANGEABLE = {"个", "座", "处", "家", "所"}  # generic counters a plan may use for one another
COUNT_UNITS = {"个", "座", "家", "所", "处", "项", "部", "台", "套", "辆", "户", "场", "条", "台（套）", "艘", "名"}


@dataclass(frozen=True)
class Rule:
    code: str
    needs: tuple[str, ...]  # every pattern must occur in the subject
    unless: str | None = None  # no match if this occurs
    units: tuple[str, ...] = ()  # for level targets: the units the indicator can be stated in


RULES: tuple[Rule, ...] = (
    Rule("equipment_investment", (r"设备(?:工器具)?(?:购置)?投资",)),
    Rule("digital_rd_tool_penetration", (r"数字化研发设计工具",)),
    Rule("key_process_cnc_rate", (r"数控化率",)),
    Rule("benchmark_capacity_share", (r"标杆水平",), unless=r"基准水平以下|低于.{0,6}基准"),
    Rule("below_baseline_capacity_exit", (r"基准水平", r"以下|低于"),),
    Rule("energy_saving_level_share", (r"节能水平", r"用能设备|能效"), unless=r"标杆"),
    Rule("env_a_level_capacity_share", (r"环保绩效", r"A"), unless=r"B级|引领性"),
    Rule("used_to_new_car_ratio", (r"二手车", r"新车"),),
    Rule("scrapped_car_recycling", (r"报废(?:汽车|机动车)", r"回收"),),
    Rule("scrapped_car_dismantling", (r"报废(?:汽车|机动车)", r"拆解"), unless=r"回收"),
    Rule("used_car_transactions", (r"二手车", r"交易"), unless=r"新车|出口"),
    Rule("waste_appliance_recycling_rate", (r"废旧家电", r"回收率"),),
    Rule("waste_appliance_recycling", (r"废旧家电", r"回收"), unless=r"回收率"),
    Rule("nev_stock", (r"新能源汽车", r"保有量"),),
    Rule("water_drain_pipe_km", (r"(?:供排水|供水|排水)(?:管网|管道|管线)",), unless=r"燃气", units=("公里", "千米")),
    Rule("gas_pipe_km", (r"燃气", r"管网|管道|管线"), unless=r"供排水|供水|排水", units=("公里", "千米")),
    Rule("elevators_installed", (r"加装", r"电梯"), unless=r"更新|改造|大修", units=("部", "台")),
    Rule("elevators_renewed", (r"更新|改造", r"电梯"), unless=r"加装", units=("部", "台")),
    Rule("sewage_plant_upgrade_rate", (r"污水处理厂", r"提标"), units=("%",)),
    Rule("sewage_plants_upgraded", (r"污水处理厂",), unless=r"提标改造率", units=("座", "个")),
    Rule("farm_mechanisation_rate", (r"综合机械化率",)),
)


@dataclass(frozen=True)
class Match:
    code: str | None
    name: str | None
    score: float


def _bigrams(text: str) -> set[str]:
    chars = re.sub(r"[^\u4e00-\u9fa5A-Za-z0-9]", "", text)
    return {chars[i:i + 2] for i in range(len(chars) - 1)}


@cache
def _name_grams() -> dict[str, set[str]]:
    # "数量/长度/比例" at the end of a name are how the catalogue names a measure, not how plans say it.
    return {code: _bigrams(re.sub(r"(?:数量|长度|场次|户数)$", "", d.name)) for code, d in catalogue().items()}


def _unit_fit(definition: IndicatorDef, kind: str, unit: str) -> float:
    if kind != "level":
        return 0.0
    if unit == definition.unit:
        return 0.15
    if unit == "%" or definition.unit == "%":
        return -0.35
    if {unit, definition.unit} <= INTERCHANGEABLE:
        return 0.0
    return -0.25  # 场 is not 辆: a count of events is not a count of cars


def _by_rule(subject: str, kind: str, unit: str) -> str | None:
    known = catalogue()
    for rule in RULES:
        if rule.code not in known or not all(re.search(p, subject) for p in rule.needs):
            continue
        if rule.unless and re.search(rule.unless, subject):
            continue
        if kind == "level" and rule.units and unit not in rule.units:
            continue
        return rule.code
    return None


def match(subject: str, context: str, kind: str, unit: str) -> Match:
    """The catalogue indicator for a target's subject, its score, or no code (propose a new one)."""
    known = catalogue()
    code = _by_rule(subject, kind, unit)
    if code:
        return Match(code, known[code].name, 1.0)
    subject_grams, context_grams = _bigrams(subject), _bigrams(context)
    best: tuple[float, str | None] = (0.0, None)
    for code_, grams in _name_grams().items():
        if not grams:
            continue
        strong = len(grams & subject_grams)
        weak = len((grams & context_grams) - subject_grams)
        score = (strong + 0.4 * weak) / len(grams) + _unit_fit(known[code_], kind, unit)
        if score > best[0]:
            best = (score, code_)
    score, found = best
    if found is None or score < MATCH_THRESHOLD:
        return Match(None, None, round(score, 2))
    return Match(found, known[found].name, round(min(score, 0.99), 2))


def proposed_name(subject: str) -> str:
    """A name for a new indicator, from the subject of the target."""
    name = re.sub(r"^(?:全市|全县|全区|我市|城市建成区)", "", subject)
    name = re.sub(r"(?:达到|超过|不低于|不少于|完成|建成|实现|力争|确保|稳步|累计|每年|新增)", "", name)
    return name.strip("，,、的 ")[:40] or "未命名指标"
