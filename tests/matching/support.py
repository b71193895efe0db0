"""Small builders for the matching tests: a product or demand from a few fields, as a JSON line would
give them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from huanxin.matching.records import Demand, Product, demand_from_json, product_from_json

ON = dt.date(2026, 12, 1)
ZIYANG_YANJIANG = "512002"  # 资阳市雁江区
ZIYANG_ANYUE = "512021"  # 资阳市安岳县 (same city, another county)
PANZHIHUA = "510402"  # 攀枝花市东区 (same province)
SHENZHEN = "440304"  # 深圳市福田区 (another province)


def product(pid: str, **fields: Any) -> Product:
    data: dict[str, Any] = {"id": pid, "category": "motor_induction", "name": "YE4超高效三相异步电动机 55kW",
                            "region": SHENZHEN, "efficiency_level": "saving"}
    data.update(fields)
    return product_from_json(data)


def demand(**fields: Any) -> Demand:
    data: dict[str, Any] = {"id": "D1", "category": "电动机", "name": "更新三相异步电动机 55千瓦",
                            "region": ZIYANG_YANJIANG}
    data.update(fields)
    return demand_from_json(data)
