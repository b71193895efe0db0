"""The words of the survey sheets that the project vocabulary (projects.vocab) does not hold: the
kinds of resource the recycling survey asks about and the consumer-goods categories.

Resources follow the plans' own lists: 阳泉 (003, item 41) names 煤矸石、粉煤灰、尾矿、赤泥、共伴生矿、
冶炼渣等工业固废 and 废钢铁、废有色金属、废催化剂、废旧家电; 资阳 (000, 推动资源高水平再生利用) 废塑料、
废玻璃、废旧纺织品 and 电器电子产品、报废汽车; 安丘 (004) 废旧动力蓄电池. Consumer categories are the
trade-in's (汽车、电动自行车、家电、家装厨卫、数码产品: 国发〔2024〕7号 and every seed plan)."""

from __future__ import annotations

RESOURCES: dict[str, str] = {
    "coal_gangue": "煤矸石",
    "fly_ash": "粉煤灰",
    "tailings": "尾矿",
    "smelting_slag": "冶炼渣",
    "red_mud": "赤泥",
    "other_solid_waste": "其他工业固体废物",
    "scrap_steel": "废钢铁",
    "scrap_nonferrous": "废有色金属",
    "waste_plastic": "废塑料",
    "waste_glass": "废玻璃",
    "waste_textile": "废旧纺织品",
    "waste_catalyst": "废催化剂",
    "power_battery": "废旧动力蓄电池",
    "appliances": "废旧家电及电器电子产品",
    "end_of_life_vehicle": "报废机动车",
    "waste_equipment": "废旧机电设备",
    "other": "其他再生资源",
}

CONSUMER_CATEGORIES: dict[str, str] = {
    "car": "汽车",
    "e_bike": "电动自行车",
    "appliance": "家用电器",
    "home_fitting": "家装厨卫",
    "furniture": "家具",
    "digital": "手机等数码产品",
    "other": "其他消费品",
}

YES, NO = "是", "否"
