"""The shares the plans track over NEW equipment: how much of it is at 先进水平 (the benchmark, 标杆)
and how much at 节能水平 or better ("重点行业主要用能设备能效基本达到节能水平"), and which new
lines fall below 节能 and should be flagged to the reviewer.

Weights: rated power × quantity (kW) when every classified new line has a rated power; otherwise the
number of units (quantity), because kW and units cannot be added. `basis` says which was used.
Lines whose level cannot be told (no standard, missing data) stay out of both numerator and
denominator and are counted as unclassified. Shares are whole per-mille (0–1000), as in the models."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from huanxin.projects.efficiency.classify import EfficiencyResult, EquipmentLike, classify

SAVING_OR_BETTER = ("advanced", "saving")
BASIS_LABELS = {"capacity": "按额定功率×数量（kW）", "count": "按台（套）数"}


@dataclass(frozen=True)
class Flag:
    """A new line below 节能水平, with the result that explains it."""

    item: Any
    result: EfficiencyResult


@dataclass(frozen=True)
class Shares:
    basis: str  # "capacity" (kW) or "count" (units)
    total: float  # classified new equipment, in kW or units
    advanced: float
    saving_or_better: float
    advanced_permille: int | None  # None when nothing new could be classified
    saving_permille: int | None
    classified_lines: int
    unclassified_lines: int
    below_saving: list[Flag] = field(default_factory=list)

    @property
    def basis_label(self) -> str:
        return BASIS_LABELS[self.basis]


def _is_new(item: object) -> bool:
    # A bare object without `side` is taken as new: callers pass new equipment lists too.
    return getattr(item, "side", "new") == "new"


def _quantity(item: object) -> int:
    quantity = getattr(item, "quantity", 1)
    return quantity if isinstance(quantity, int) and quantity > 0 else 1


def _permille(part: float, total: float) -> int | None:
    if total <= 0:
        return None
    return min(1000, max(0, round(part * 1000 / total)))


def _classified_new(items: Iterable[EquipmentLike]) -> list[tuple[EquipmentLike, EfficiencyResult]]:
    return [(item, classify(item)) for item in items if _is_new(item)]


def below_saving(items: Iterable[EquipmentLike]) -> list[Flag]:
    """New lines classified below 节能水平 (准入 or below 准入). Unclassified lines are not flagged
    here: their result says what is missing."""
    return [
        Flag(item, result)
        for item, result in _classified_new(items)
        if result.level is not None and result.level not in SAVING_OR_BETTER
    ]


def capacity_shares(items: Iterable[EquipmentLike]) -> Shares:
    pairs = _classified_new(items)
    rated = [(item, result) for item, result in pairs if result.level is not None]
    by_capacity = bool(rated) and all(item.rated_power_kw is not None and item.rated_power_kw > 0 for item, _ in rated)

    def weight(item: EquipmentLike) -> float:
        if by_capacity:
            assert item.rated_power_kw is not None
            return float(item.rated_power_kw) * _quantity(item)
        return float(_quantity(item))

    total = sum(weight(item) for item, _ in rated)
    advanced = sum(weight(item) for item, result in rated if result.level == "advanced")
    saving = sum(weight(item) for item, result in rated if result.level in SAVING_OR_BETTER)
    return Shares(
        basis="capacity" if by_capacity else "count",
        total=total,
        advanced=advanced,
        saving_or_better=saving,
        advanced_permille=_permille(advanced, total),
        saving_permille=_permille(saving, total),
        classified_lines=len(rated),
        unclassified_lines=len(pairs) - len(rated),
        below_saving=[Flag(item, result) for item, result in rated if result.level not in SAVING_OR_BETTER],
    )
