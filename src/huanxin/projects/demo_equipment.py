"""The demo's equipment lists: for a project of a field and an equipment investment, the retired and
the new lines a declaration of that field carries (motors with rated power, poles and measured
efficiency; transformers, fans, pumps, compressors, boilers and air conditioners with a declared
grade; machine tools, lines, vehicles, elevators, medical and teaching equipment by price).

The new lines add up to the project's equipment investment exactly (the last line, 安装调试及配套,
takes what is left). Retired motors are paired with new motors of the same rated power, so that
projects.benefits can compute the energy saved. Most new equipment reaches 节能 or 先进; about one
line in eight is only at 准入, which the reviewers see flagged."""

from __future__ import annotations

import random
from typing import Any

# field → (category, weight) of its main equipment
FIELD_MIX: dict[str, list[tuple[str, int]]] = {
    "industry": [("motor", 3), ("air_compressor", 2), ("pump", 1), ("fan", 1), ("transformer", 1),
                 ("machine_tool", 2), ("production_line", 3), ("boiler", 1)],
    "energy_using": [("motor", 3), ("pump", 2), ("fan", 2), ("air_compressor", 2), ("transformer", 2), ("boiler", 1)],
    "energy_power": [("transformer", 3), ("boiler", 2), ("motor", 1), ("pump", 1)],
    "construction_municipal": [("pump", 3), ("fan", 1), ("transformer", 1), ("other", 1)],
    "transport": [("vehicle", 4), ("other", 1)],
    "logistics": [("vehicle", 2), ("production_line", 1), ("other", 1)],
    "agriculture": [("other", 2), ("pump", 1), ("fan", 1)],
    "grain_oil": [("production_line", 3), ("motor", 2), ("boiler", 1)],
    "education": [("teaching", 3), ("it", 2), ("air_conditioner", 1)],
    "culture_tourism": [("other", 2), ("it", 1), ("elevator", 1)],
    "healthcare": [("medical", 4), ("air_conditioner", 1), ("elevator", 1)],
    "elevator": [("elevator", 1)],
    "environment": [("pump", 2), ("fan", 2), ("air_compressor", 1), ("other", 1)],
    "work_safety": [("other", 2), ("it", 1)],
    "recycling": [("production_line", 3), ("motor", 1), ("other", 1)],
    "electronic_info": [("production_line", 3), ("it", 1), ("air_conditioner", 1), ("motor", 1)],
}
# category → (new name, retired name, typical unit price in yuan)
CATALOGUE: dict[str, tuple[str, str, int]] = {
    "motor": ("YE4系列高效三相异步电动机", "Y系列三相异步电动机", 0),  # priced by kW below
    "transformer": ("SCB18型干式电力变压器", "S9型油浸式电力变压器", 260_000),
    "fan": ("高效离心通风机", "4-72型离心通风机", 0),
    "pump": ("高效节能清水离心泵", "IS型清水离心泵", 0),
    "air_compressor": ("永磁变频螺杆空气压缩机", "活塞式空气压缩机", 0),
    "boiler": ("低氮燃气蒸汽锅炉", "燃煤链条蒸汽锅炉", 1_800_000),
    "air_conditioner": ("变频房间空气调节器", "定频房间空气调节器", 6_000),
    "machine_tool": ("五轴联动数控加工中心", "普通卧式车床", 1_600_000),
    "production_line": ("智能化生产线", "老旧生产线", 12_000_000),
    "vehicle": ("纯电动车辆", "国三排放标准柴油车辆", 450_000),
    "elevator": ("曳引式乘客电梯", "使用超过15年的乘客电梯", 420_000),
    "medical": ("64排螺旋CT", "16排螺旋CT", 9_000_000),
    "teaching": ("智慧黑板（交互式教学一体机）", "投影教学设备", 25_000),
    "it": ("国产化服务器", "老旧服务器", 90_000),
    "other": ("专用设备", "老旧专用设备", 600_000),
}
# yuan per kW of a new unit, for equipment priced by power
PER_KW = {"motor": 650, "fan": 900, "pump": 1_100, "air_compressor": 1_500}
MOTOR_KW = (5.5, 7.5, 11, 15, 18.5, 22, 30, 37, 45, 55, 75, 90, 110, 132, 160, 200, 250, 315)
POLES = (2, 4, 4, 4, 6, 8)
SUPPLIERS = ("卧龙电气驱动集团股份有限公司", "佳木斯电机股份有限公司", "特变电工股份有限公司",
             "中国西电电气股份有限公司",
             "开山集团股份有限公司", "南方泵业股份有限公司", "上海鼓风机厂有限公司", "哈尔滨锅炉厂有限责任公司",
             "格力电器股份有限公司", "沈阳机床股份有限公司", "比亚迪汽车工业有限公司", "日立电梯（中国）有限公司",
             "联影医疗科技股份有限公司", "浪潮电子信息产业股份有限公司", "宇通客车股份有限公司")
FEN = 100


def _grade(rng: random.Random) -> int:
    """A new line's grade: 1 (先进) half the time, 2 (节能) most of the rest, 3 (准入) one in eight."""
    return rng.choices((1, 2, 3), weights=(50, 38, 12))[0]


def _motor_efficiency(rng: random.Random, kw: float, poles: int, grade: int | None) -> float | None:
    """A measured efficiency reaching `grade` (None: below 准入, an old motor), read from GB 18613-2020
    through projects.efficiency when it is installed."""
    try:
        from huanxin.projects.efficiency.motors import limits_for
    except ImportError:
        return None
    limits = limits_for(kw, poles).limits
    if grade is None:
        return round(limits[3] - rng.uniform(0.6, 3.5), 1)
    upper = limits[grade - 1] - 0.1 if grade > 1 else limits[1] + 1.0
    return round(rng.uniform(limits[grade], max(limits[grade], upper)), 1)


def _line(side: str, category: str, name: str, model: str, quantity: int, *, position: int,
          unit_price_fen: int = 0, year: int | None = None, original_value_fen: int = 0,
          fully_depreciated: bool = False, rated_power_kw: float | None = None, poles: int | None = None,
          efficiency_pct: float | None = None, declared_grade: int | None = None, domestic: bool = True,
          supplier: str = "") -> dict[str, Any]:
    return {"side": side, "category": category, "name": name, "model": model, "quantity": quantity,
            "unit_price_fen": unit_price_fen, "year": year, "original_value_fen": original_value_fen,
            "fully_depreciated": fully_depreciated, "rated_power_kw": rated_power_kw, "poles": poles,
            "efficiency_pct": efficiency_pct, "declared_grade": declared_grade, "domestic": domestic,
            "efficiency_level": None, "supplier": supplier, "position": position}


def _shares(rng: random.Random, count: int) -> list[float]:
    weights = [rng.uniform(0.5, 2.0) for _ in range(count)]
    total = sum(weights)
    return [w / total for w in weights]


def equipment_lines(rng: random.Random, field: str, equipment_fen: int, retired_ratio: float,
                    first_year: int) -> list[dict[str, Any]]:
    """Retired and new lines of one project (columns of ProjectEquipment, no ids). `retired_ratio`:
    original value of the retired equipment over the new equipment investment."""
    mix = FIELD_MIX.get(field, [("other", 1)])
    picks = rng.choices([c for c, _ in mix], weights=[w for _, w in mix], k=rng.randint(1, 4))
    kinds = list(dict.fromkeys(picks))
    budget = int(equipment_fen * rng.uniform(0.82, 0.94))  # the rest: installation and ancillaries
    new: list[dict[str, Any]] = []
    retired: list[dict[str, Any]] = []
    for category, share in zip(kinds, _shares(rng, len(kinds)), strict=True):
        part = max(int(budget * share), 1)
        made_new, made_old = _kind_lines(rng, category, field, part)
        new.extend(made_new)
        retired.extend(made_old)
    spent = sum(line["unit_price_fen"] * line["quantity"] for line in new)
    rest = max(equipment_fen - spent, 0)
    new.append(_line("new", "other", "安装调试及配套设备", "成套", 1, position=0, unit_price_fen=rest,
                     supplier=rng.choice(SUPPLIERS)))
    _retired_values(rng, retired, int(equipment_fen * retired_ratio), first_year)
    lines = retired + new
    for position, line in enumerate(lines):
        line["position"] = position
    return lines


def _kind_lines(rng: random.Random, category: str, field: str, part_fen: int,
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    new_name, old_name, price_yuan = CATALOGUE[category]
    supplier = rng.choice(SUPPLIERS)
    domestic = rng.random() > 0.06
    if category in PER_KW:
        return _powered(rng, category, new_name, old_name, part_fen, supplier, domestic)
    unit = max(price_yuan * FEN * rng.uniform(0.7, 1.4), FEN)
    quantity = max(1, min(600, int(part_fen // unit)))
    unit_price = max(part_fen // quantity, FEN)  # near the catalogue's price unless the count is capped
    grade = _grade(rng) if category in ("transformer", "boiler", "air_conditioner") else None
    if category == "production_line":
        new_name = f"{'智能化' if field != 'recycling' else '再生资源分拣'}生产线"
    elif category == "vehicle" and field == "logistics":
        new_name, old_name = "新能源物流车", "国三排放标准柴油货车"
    made = [_line("new", category, new_name, _model(rng, category), quantity, position=0, unit_price_fen=unit_price,
                  declared_grade=grade, domestic=domestic, supplier=supplier)]
    old_quantity = max(1, quantity if category not in ("production_line", "other") else rng.randint(1, 3))
    old_grade = 3 if grade is not None and rng.random() < 0.5 else None
    old = [_line("retired", category, old_name, _model(rng, category, old=True), old_quantity, position=0,
                 declared_grade=old_grade)]
    return made, old


def _powered(rng: random.Random, category: str, new_name: str, old_name: str, part_fen: int, supplier: str,
             domestic: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Motors (measured efficiency) and fans, pumps, compressors (declared grade), in pairs of the same
    rated power: the retired unit and the unit that replaces it."""
    made: list[dict[str, Any]] = []
    old: list[dict[str, Any]] = []
    for share in _shares(rng, rng.randint(1, 2)):
        kw = float(rng.choice(MOTOR_KW))
        unit = min(int(kw * PER_KW[category] * FEN * rng.uniform(0.8, 1.3)), max(int(part_fen * share), FEN))
        quantity = max(1, min(400, int(part_fen * share // unit)))
        grade = _grade(rng)
        if category == "motor":
            poles = rng.choice(POLES)
            eff_new = _motor_efficiency(rng, kw, poles, grade)
            eff_old = _motor_efficiency(rng, kw, poles, None if rng.random() < 0.7 else 3)
            made.append(_line("new", category, new_name, f"YE{5 - grade}-{kw:g}kW-{poles}极", quantity, position=0,
                              unit_price_fen=unit, rated_power_kw=kw, poles=poles, efficiency_pct=eff_new,
                              declared_grade=grade, domestic=domestic, supplier=supplier))
            old.append(_line("retired", category, old_name, f"Y-{kw:g}kW-{poles}极", quantity, position=0,
                             rated_power_kw=kw, poles=poles, efficiency_pct=eff_old))
            continue
        made.append(_line("new", category, new_name, f"{_model(rng, category)}-{kw:g}kW", quantity, position=0,
                          unit_price_fen=unit, rated_power_kw=kw, declared_grade=grade, domestic=domestic,
                          supplier=supplier))
        old.append(_line("retired", category, old_name, f"{_model(rng, category, old=True)}-{kw:g}kW", quantity,
                         position=0, rated_power_kw=kw, declared_grade=3 if rng.random() < 0.4 else None))
    return made, old


def _model(rng: random.Random, category: str, *, old: bool = False) -> str:
    letters = {"transformer": ("SCB18-1000/10", "S9-1000/10"), "fan": ("G4-73", "4-72"), "pump": ("KQL", "IS80"),
               "air_compressor": ("LGPM", "W-3/8"), "boiler": ("WNS10-1.25-Q", "DZL10-1.25-AII"),
               "air_conditioner": ("KFR-72LW", "KF-72LW"), "machine_tool": ("VMC850-5X", "C6140"),
               "vehicle": ("ZK6105BEVG", "ZK6100D"), "elevator": ("GeN2-1000", "TKJ1000"),
               "medical": ("uCT 760", "Brightspeed 16"), "teaching": ("HK86", "EB-X05"), "it": ("NF5280M6", "R720")}
    new_model, old_model = letters.get(category, ("ZY-" + str(rng.randint(100, 999)), "LJ-" + str(rng.randint(10, 99))))
    return old_model if old else new_model


def _retired_values(rng: random.Random, retired: list[dict[str, Any]], total_fen: int, first_year: int) -> None:
    """Original values adding up to `total_fen`, years in service, most fully depreciated."""
    for line, share in zip(retired, _shares(rng, len(retired)), strict=True):
        line["year"] = rng.randint(first_year - 18, first_year - 8)
        line["original_value_fen"] = int(total_fen * share) // 100 * 100
        line["fully_depreciated"] = line["year"] <= first_year - 10 or rng.random() < 0.4
