"""Energy efficiency of equipment (能效): GB 18613-2020 motor tables and declared grades → 先进 / 节能 / 准入,
and the shares of new capacity at each level."""

from huanxin.projects.efficiency.classify import EfficiencyResult, EquipmentLike, classify
from huanxin.projects.efficiency.shares import Flag, Shares, below_saving, capacity_shares

__all__ = [
    "EfficiencyResult",
    "EquipmentLike",
    "Flag",
    "Shares",
    "below_saving",
    "capacity_shares",
    "classify",
]
