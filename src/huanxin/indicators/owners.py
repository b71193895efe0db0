"""Which unit of a city is responsible for (and may enter) each indicator.

The plans name departments by their own local titles (市经济和信息化局, 市工信局, 市经信局 ...), so
the default owner is found by keywords in the unit's name, not by a fixed name. The office may
enter any indicator; a department enters the indicators its unit owns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Keywords per responsible department, in the order they are tried against a unit's name.
INDUSTRY = ("工信", "经济和信息化", "工业和信息化", "经信", "工业信息化")
COMMERCE = ("商务",)
HOUSING = ("住建", "住房城乡建设", "住房和城乡建设", "城乡建设")
DEVELOPMENT = ("发展改革", "发展和改革", "发改")
POLICE = ("公安",)
AGRICULTURE = ("农业", "农机")
ECOLOGY = ("生态环境", "环保")
TRANSPORT = ("交通",)
EDUCATION = ("教育",)
CULTURE = ("文化", "文旅", "旅游")
CIVIL = ("民政",)
SCIENCE = ("科学技术", "科技")
TAX = ("税务",)
URBAN = ("城管", "城市管理")

DEFAULT_OWNERS: dict[str, tuple[str, ...]] = {
    "equipment_investment": DEVELOPMENT,
    # The key project library's own figures (projects.indicator_feed): the plans give the library
    # (建立全市设备更新和回收循环利用重点项目库) to 市发展改革委, which answers for what it counts.
    "projects_started": DEVELOPMENT,
    "projects_completed": DEVELOPMENT,
    "projects_energy_saved": DEVELOPMENT,
    "circular_transformation_parks": DEVELOPMENT,
    "project_financing_matching_coverage": DEVELOPMENT,
    "digital_rd_tool_penetration": INDUSTRY,
    "key_process_cnc_rate": INDUSTRY,
    "equipment_manufacturing_revenue": INDUSTRY,
    "advanced_equipment_enterprise_share": INDUSTRY,
    "digital_workshops_smart_factories": INDUSTRY,
    "green_factories_provincial": INDUSTRY,
    "benchmark_capacity_share": INDUSTRY,
    "below_baseline_capacity_exit": INDUSTRY,
    "energy_saving_level_share": INDUSTRY,
    "env_a_level_capacity_share": ECOLOGY,
    "scrapped_car_recycling": COMMERCE,
    "scrapped_car_dismantling": COMMERCE,
    "used_car_transactions": COMMERCE,
    "secondhand_electronics_traded": COMMERCE,
    "reverse_invoiced_amount": COMMERCE,
    "used_to_new_car_ratio": COMMERCE,
    "waste_appliance_recycling": COMMERCE,
    "waste_appliance_recycling_rate": COMMERCE,
    "renewable_resource_recycling": COMMERCE,
    "recycling_points_built": COMMERCE,
    "nev_promotion_events": COMMERCE,
    "nev_rural_promotion_events": COMMERCE,
    "renovation_showrooms": COMMERCE,
    "nev_stock": POLICE,
    "water_drain_pipe_km": HOUSING,
    "gas_pipe_km": HOUSING,
    "pipeline_renewal_km": HOUSING,
    "town_sewage_pipe_km": HOUSING,
    "elevators_installed": HOUSING,
    "elevators_renewed": HOUSING,
    "elevators_installed_renewed": HOUSING,
    "sewage_plants_upgraded": HOUSING,
    "sewage_plant_upgrade_rate": HOUSING,
    "msw_resource_utilisation_rate": HOUSING + URBAN,
    "farm_mechanisation_rate": AGRICULTURE,
    "farm_machinery_scrappage_subsidy_coverage": AGRICULTURE,
    "new_bus_nev_share": TRANSPORT,
    "passenger_ship_inspection_compliance": TRANSPORT,
    "school_equipment_renewal_institutions": EDUCATION,
    "tourism_equipment_renewed": CULTURE,
    "elderly_home_adaptation_households": CIVIL,
    "tech_transfer_demo_enterprises_new": SCIENCE,
    "pilot_test_bases_new": SCIENCE,
    "tax_policy_outreach_coverage": TAX,
}

# A department is preferred to an agency of the same name stem; other kinds never own indicators.
_KIND_RANK = {"department": 0, "agency": 1}
# Names that contain a keyword but are not the department meant (住房公积金中心 is not 住建局).
_NOT_OWNERS = ("公积金",)


@dataclass(frozen=True)
class UnitRef:
    id: int
    name: str
    kind: str


def owner_of(indicator_code: str, units: Iterable[UnitRef]) -> UnitRef | None:
    """The city's unit that owns an indicator by default, or None if no unit matches."""
    keywords = DEFAULT_OWNERS.get(indicator_code, ())
    candidates = sorted(
        (u for u in units if u.kind in _KIND_RANK and not any(bad in u.name for bad in _NOT_OWNERS)),
        key=lambda u: (_KIND_RANK[u.kind], u.id),
    )
    for keyword in keywords:  # keyword order first: 住建 beats a looser 城乡建设
        for unit in candidates:
            if keyword in unit.name:
                return unit
    return None


def owners_of_city(units: Iterable[UnitRef], codes: Iterable[str]) -> dict[str, UnitRef | None]:
    listed = list(units)
    return {code: owner_of(code, listed) for code in codes}


def codes_owned_by(unit_id: int, units: Iterable[UnitRef], codes: Iterable[str]) -> set[str]:
    return {code for code, owner in owners_of_city(units, codes).items() if owner and owner.id == unit_id}
