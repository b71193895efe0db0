"""One equipment line → its energy-efficiency level (先进 / 节能 / 准入 / 低于准入), the standard it was
read against and why, in Chinese.

Motors with rated power, poles and a measured efficiency are read against GB 18613-2020 表1; power
transformers with rated capacity and measured no-load and load losses against GB 20052-2024 表1. Every other
category the tables know is classified by the grade the product declares (its energy label), and the
reason says the grade was declared, not measured. Categories without an efficiency standard, and lines
missing what is needed, get level None and a reason, never a guess."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from huanxin.projects import vocab
from huanxin.projects.efficiency.motors import OutOfScope, grade_reached, limits_for
from huanxin.projects.efficiency.tables import declared_table, motor_table, transformer_table

UNRATED_LABEL = "无法评价"


class EquipmentLike(Protocol):
    """What classify reads: a projects.models.ProjectEquipment or any small object with these."""

    @property
    def category(self) -> str: ...
    @property
    def rated_power_kw(self) -> float | None: ...
    @property
    def poles(self) -> int | None: ...
    @property
    def efficiency_pct(self) -> float | None: ...
    @property
    def declared_grade(self) -> int | None: ...


@dataclass(frozen=True)
class EfficiencyResult:
    level: str | None  # vocab.EFFICIENCY_LEVELS key, None when it cannot be told
    label: str  # Chinese, what a person reads
    standard: str  # the standard (and table) it was read against, "" when none
    reason: str  # Chinese: the numbers compared, or why there is no level
    grade: int | None = None  # the standard's grade reached or declared
    measured: bool = False  # True when read from a measured value, False for a declared grade


def _result(
    level: str | None, standard: str, reason: str, grade: int | None = None, measured: bool = False
) -> EfficiencyResult:
    label = vocab.EFFICIENCY_LEVELS[level] if level else UNRATED_LABEL
    return EfficiencyResult(level, label, standard, reason, grade, measured)


def _category_name(category: str) -> str:
    return vocab.EQUIPMENT_CATEGORIES.get(category, category)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def classify_declared(item: EquipmentLike, missing: str = "") -> EfficiencyResult:
    """By the product's declared grade, per the 2024 list's mapping (1级 先进, 2级 节能, 限定值 准入)."""
    table = declared_table()
    name = _category_name(item.category)
    spec = table.categories.get(item.category)
    if spec is None:
        return _result(None, "", f"{name}暂无纳入本系统的能效标准，不作能效评价")
    grade = item.declared_grade
    prefix = f"{missing}；" if missing else ""
    if grade is None:
        return _result(None, spec.citation, f"{prefix}未填写申报能效等级，无法按 {spec.standard} 评价")
    if not 1 <= grade <= spec.max_grade:
        return _result(
            None,
            spec.citation,
            f"{prefix}申报能效等级为{grade}级，超出本系统已核实的 {spec.standard} 等级范围"
            f"（1–{spec.max_grade}级），请人工核对",
        )
    level = table.levels[grade]
    reason = (
        f"{prefix}按申报能效等级{grade}级评定为{vocab.EFFICIENCY_LEVELS[level]}（申报值，未经实测核验；"
        f"依据 {spec.standard}，先进水平≈1级、节能水平不低于2级、准入水平为能效限定值）"
    )
    return _result(level, spec.citation, reason, grade=grade)


def _motor_missing(item: EquipmentLike) -> str:
    missing = [
        label
        for label, value in (
            ("额定功率", item.rated_power_kw),
            ("极数", item.poles),
            ("实测效率", item.efficiency_pct),
        )
        if value is None
    ]
    return "、".join(missing)


def classify_motor(item: EquipmentLike) -> EfficiencyResult:
    table = motor_table()
    missing = _motor_missing(item)
    if missing:
        return classify_declared(item, missing=f"缺少{missing}，无法按 {table.citation} 查表")
    power, poles, efficiency = item.rated_power_kw, item.poles, item.efficiency_pct
    assert power is not None and poles is not None and efficiency is not None  # checked just above
    if not (_is_number(power) and power > 0):
        return _result(None, table.citation, "额定功率应为大于0的数值（kW）")
    if not (_is_number(efficiency) and 0 < efficiency < 100):
        return _result(None, table.citation, "实测效率应为大于0且小于100的百分数")
    try:
        limits = limits_for(float(power), int(poles), table)
    except OutOfScope as exc:
        return classify_declared(item, missing=str(exc))
    grade = grade_reached(float(efficiency), limits)
    shown = "，".join(f"{g}级 {limits.limits[g]:.1f}%" for g in sorted(limits.limits))
    basis = f"实测效率 {efficiency:g}%，限值（{poles}极）：{shown}。{limits.method}"
    if grade is None:
        return _result("below", table.citation, f"低于3级能效限定值（准入水平）。{basis}", measured=True)
    level = table.levels[grade]
    reason = f"达到{grade}级能效（{vocab.EFFICIENCY_LEVELS[level]}）。{basis}"
    return _result(level, table.citation, reason, grade=grade, measured=True)


# Read with getattr: objects made before migration 0018 (demo rows, test doubles) need not carry them.
TRANSFORMER_FIGURES = (("额定容量", "rated_capacity_kva"), ("空载损耗", "no_load_loss_w"), ("负载损耗", "load_loss_w"))


def classify_transformer(item: EquipmentLike) -> EfficiencyResult:
    """Both measured losses within a grade's maxima (不大于) reach it; the best such grade counts."""
    table = transformer_table()
    figures: dict[str, Any] = {attr: getattr(item, attr, None) for _, attr in TRANSFORMER_FIGURES}
    missing = "、".join(label for label, attr in TRANSFORMER_FIGURES if figures[attr] is None)
    if missing:
        return classify_declared(item, missing=f"缺少{missing}，无法按 {table.citation} 查表")
    kva, no_load, load = (float(v) if _is_number(v) else math.nan for v in figures.values())
    if not kva > 0:  # NaN (not a number) fails every comparison
        return _result(None, table.citation, "额定容量应为大于0的数值（kVA）")
    if not (no_load >= 0 and load >= 0):
        return _result(None, table.citation, "空载损耗和负载损耗应为不小于0的数值（W）")
    row = table.row(kva)
    if row is None:
        listed = "、".join(f"{r.kva:g}" for r in table.rows)
        return classify_declared(item, missing=f"额定容量 {kva:g} kVA 不是 {table.standard} 表1 所列容量"
                                               f"（{listed} kVA），无法按实测损耗查表")
    grade = next((g for g in sorted(row.no_load_w) if no_load <= row.no_load_w[g] and load <= row.load_w[g]), None)
    shown = "，".join(f"{g}级 ≤{row.no_load_w[g]:g}/{row.load_w[g]:g} W" for g in sorted(row.no_load_w))
    basis = (f"{kva:g} kVA：实测空载损耗 {no_load:g} W、负载损耗 {load:g} W；限值（空载/负载）：{shown}。"
             "按10kV油浸式电工钢带铁心配电变压器比较，两项损耗均不超过限值方达到该级；干式或非晶合金铁心的请人工核对")
    if grade is None:
        return _result("below", table.citation, f"低于3级能效限定值（准入水平）。{basis}", measured=True)
    level = table.levels[grade]
    return _result(level, table.citation, f"达到{grade}级能效（{vocab.EFFICIENCY_LEVELS[level]}）。{basis}",
                   grade=grade, measured=True)


def classify(item: EquipmentLike) -> EfficiencyResult:
    """The level of one equipment line, old or new. Never raises on bad data: it explains instead."""
    if item.category not in vocab.EQUIPMENT_CATEGORIES:
        return _result(None, "", f"未知的设备类别「{item.category}」，无法评价能效")
    if item.category == "motor":
        return classify_motor(item)
    if item.category == "transformer":
        return classify_transformer(item)
    return classify_declared(item)
