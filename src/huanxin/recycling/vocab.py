"""The words of recycling: every key stored in a recycling row, with what a person reads, and the
planning norms the coverage analysis measures the network against (each with its source)."""

from __future__ import annotations

SITE_LEVELS: dict[str, str] = {
    "point": "社区回收点",
    "station": "街道中转站",
    "centre": "区县分拣中心",
    "cabinet": "智能回收柜",
    "bulky_store": "大件暂存点",
}
# Levels that serve households directly (what the coverage analysis counts per area).
HOUSEHOLD_LEVELS = ("point", "cabinet")
# Levels that are also the fleet's depots and reload places.
DEPOT_LEVELS = ("station", "centre")

SITE_STATUSES: dict[str, str] = {"planned": "规划中", "operating": "运营中", "suspended": "暂停", "closed": "已关闭"}

# Categories a resident can book, with the unit they are priced in: appliances and furniture by
# the piece (the nine-ministry notice's 废旧家电家具), everything else by the kilogram.
CATEGORIES: dict[str, str] = {
    "paper": "废纸",
    "plastic": "废塑料",
    "metal": "废金属",
    "glass": "废玻璃",
    "textile": "废旧纺织品",
    "small_appliance": "小家电",
    "air_conditioner": "空调",
    "refrigerator": "冰箱",
    "washing_machine": "洗衣机",
    "television": "电视机",
    "computer": "电脑",
    "phone": "手机",
    "furniture": "旧家具",
}
PIECE_CATEGORIES = frozenset({"air_conditioner", "refrigerator", "washing_machine", "television", "computer",
                              "phone", "furniture"})
# 废弃电器电子产品 (the appliance-recycling indicator counts these pieces).
APPLIANCE_CATEGORIES = frozenset({"small_appliance", "air_conditioner", "refrigerator", "washing_machine",
                                  "television", "computer", "phone"})
UNITS: dict[str, str] = {"kg": "公斤", "piece": "件"}


def unit_of(category: str) -> str:
    return "piece" if category in PIECE_CATEGORIES else "kg"


# Planning norms (recycling-facts.md, "Network"): one community point per 1,000 urban households
# and per 1,500 households in towns, points of 8–10 m² (Shanghai's norm, citing SB/T 10719-2012);
# the service radius is the city's choice (500 m is the walking distance most city norms use for a
# community facility; configurable, not from a national standard).
DEFAULT_HOUSEHOLDS_PER_POINT_URBAN = 1000
DEFAULT_HOUSEHOLDS_PER_POINT_TOWN = 1500
DEFAULT_SERVICE_RADIUS_M = 500
# A street transfer station of at least 500 m² (same source).
MIN_STATION_AREA_M2 = 500
