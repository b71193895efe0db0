"""Products and demands read from what suppliers and enterprises write: sizes from designations such
as CPD30, the meaning of a single size, Chinese refusals naming the field, and a project's equipment
line as a demand."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from tests.matching.support import demand, product

from huanxin.errors import InvalidInput
from huanxin.matching import params
from huanxin.matching.records import from_equipment


@pytest.mark.parametrize(("text", "param", "value"), [
    ("电动叉车CPD30", "capacity_t", 3.0),
    ("柴油叉车 CPCD50 国四", "capacity_t", 5.0),
    ("叉车 2.5吨", "capacity_t", 2.5),
    ("SCB13-1000/10 干式变压器", "capacity_kva", 1000.0),
    ("S14-M-630/10", "capacity_kva", 630.0),
    ("WNS4-1.25-Q 燃气锅炉", "steam_th", 4.0),
    ("燃气锅炉 10t/h", "steam_th", 10.0),
    ("三相异步电动机 55千瓦", "power_kw", 55.0),
])
def test_sizes_are_read_from_designations_and_units(text: str, param: str, value: float) -> None:
    assert params.parse(text, param) == value


def test_a_boiler_rating_is_not_a_forklift_capacity() -> None:
    assert params.parse("燃气锅炉 10t/h", "capacity_t") is None


def test_a_cpd30_demand_means_three_to_three_point_six_tonnes() -> None:
    wanted = demand(category="电动叉车", name="锂电叉车CPD30 两台", spec="")
    assert wanted.category == "forklift_electric"
    assert wanted.params == {"capacity_t": (3.0, 3.6)}
    item = product("F1", category="forklift_electric", name="电动平衡重叉车 CPD35")
    assert item.params == {"capacity_t": 3.5}


def test_explicit_parameters_win_over_the_text() -> None:
    wanted = demand(params={"power_kw": [50, 60]})
    assert wanted.params == {"power_kw": (50.0, 60.0)}


@pytest.mark.parametrize(("fields", "message"), [
    ({"region": "51200"}, "字段 region（所在地区）应为 6 位行政区划代码"),
    ({"category": "电饭煲"}, "字段 category（设备类别）“电饭煲”不在设备分类中"),
    ({"price_min_fen": "一万元"}, "字段 price_min_fen（最低价（分））应为不小于 0 的整数"),
    ({"price_min_fen": 300, "price_max_fen": 200}, "字段 price_min_fen（最低价）不能高于 price_max_fen（最高价）"),
    ({"efficiency_level": "一级"}, "字段 efficiency_level（能效水平）应为先进水平、节能水平、准入水平或低于准入水平"),
    ({"credentials": [{"kind": "首台(套)", "valid_until": "明年"}]},
     "字段 credentials.valid_until（资质有效期至）应为日期"),
    ({"params": {"power_kw": -1}}, "字段 params.power_kw（关键参数）应为不小于 0 的数字"),
    ({"params": {"weight": 3}}, "字段 params（关键参数）中的 weight 不是已知参数"),
    ({"for_sale": "否"}, "字段 for_sale（是否允许销售）应为 true 或 false"),
    ({"name": ""}, "缺少字段 name（产品名称）"),
])
def test_bad_product_fields_are_refused_naming_the_field(fields: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        product("P1", **fields)
    assert refused.value.message.startswith(message)


def test_bad_demand_fields_are_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match="字段 params.power_kw（关键参数）的下限不能高于上限"):
        demand(params={"power_kw": [60, 50]})
    with pytest.raises(InvalidInput, match="字段 required_credentials（资质）应为首台"):
        demand(required_credentials=["驰名商标"])


@dataclass
class Line:
    id: int = 7
    category: str = "motor"
    name: str = "高效电机"
    model: str = "YE4-250M-4"
    quantity: int = 2
    unit_price_fen: int = 2_000_000
    rated_power_kw: float | None = 55.0
    efficiency_level: str | None = "saving"


def test_a_project_equipment_line_becomes_a_demand() -> None:
    wanted = from_equipment(Line(), region="512002")
    assert wanted is not None
    assert (wanted.id, wanted.category, wanted.params, wanted.min_efficiency, wanted.budget_fen, wanted.quantity) == (
        "E7", "motor_induction", {"power_kw": (55.0, 66.0)}, "saving", 2_000_000, 2)
    assert from_equipment(Line(category="production_line"), region="512002") is None
