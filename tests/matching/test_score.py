"""The matching score: hard constraints exclude with a Chinese reason, every kept product carries its
breakdown, local suppliers come first when they fit as well, and the bulk ranking agrees with the
one-by-one reference score."""

from __future__ import annotations

import random

import pytest
from tests.matching.support import ON, PANZHIHUA, SHENZHEN, ZIYANG_ANYUE, ZIYANG_YANJIANG, demand, product

from huanxin.errors import InvalidInput
from huanxin.matching.rank import Catalogue, explain, rank
from huanxin.matching.records import Demand, Product
from huanxin.matching.score import Weights
from huanxin.matching.taxonomy import load


def ranked_ids(demands: list[Demand], products: list[Product], weights: Weights | None = None) -> list[str]:
    (result,) = rank(demands, products, top=10, weights=weights, on=ON)
    return [match.product_id for match in result.matches]


def reason(products: list[Product], product_id: str, **demand_fields: object) -> str:
    cat = Catalogue(products, load())
    found = explain(cat, demand(**demand_fields), product_id, on=ON)
    assert found.excluded is not None
    return found.explanation()


def test_another_class_with_the_same_words_is_excluded_with_the_reason() -> None:
    motor = product("M1")
    controller = product("C1", category="motor_controller", name="三相异步电动机控制器 55kW 软启动")
    assert ranked_ids([demand()], [controller, motor]) == ["M1"]
    assert reason([controller, motor], "C1") == "排除：类别不符：电机控制器不属于电动机"


def test_efficiency_below_entry_or_below_the_required_level_is_excluded() -> None:
    below = product("B1", efficiency_level="below")
    entry = product("E1", efficiency_level="entry")
    unknown = product("U1", efficiency_level=None)
    good = product("G1", efficiency_level="advanced")
    items = [below, entry, unknown, good]
    assert ranked_ids([demand()], items) == ["G1", "E1", "U1"]
    assert ranked_ids([demand(min_efficiency="节能水平")], items) == ["G1"]
    assert reason(items, "B1") == "排除：能效低于准入水平"
    assert reason(items, "E1", min_efficiency="saving") == "排除：能效为准入水平，低于需求要求的节能水平"
    assert reason(items, "U1", min_efficiency="saving") == "排除：未标明能效水平，需求要求节能水平及以上"


def test_a_model_no_longer_for_sale_is_excluded() -> None:
    items = [product("W1", for_sale=False), product("G1")]
    assert ranked_ids([demand()], items) == ["G1"]
    assert reason(items, "W1") == "排除：该型号已不允许销售"


def test_a_required_credential_must_be_valid_on_the_day() -> None:
    expired = product("X1", credentials=[{"kind": "首台(套)", "valid_until": "2026-11-30"}])
    valid = product("V1", credentials=[{"kind": "first_set", "valid_until": "2026-12-01"}])
    none = product("N1")
    items = [expired, valid, none]
    assert ranked_ids([demand(required_credentials=["首台(套)"])], items) == ["V1"]
    assert reason(items, "X1", required_credentials=["first_set"]) == "排除：首台(套)认定已于 2026-11-30 到期"
    assert reason(items, "N1", required_credentials=["first_set"]) == "排除：没有需求要求的首台(套)认定"
    # Not required: the expired one is kept, without the credential's points.
    assert set(ranked_ids([demand()], items)) == {"X1", "V1", "N1"}


def test_each_result_shows_its_breakdown_in_chinese() -> None:
    item = product("P1", category="三相异步电动机", region=ZIYANG_ANYUE, efficiency_level="advanced",
                   efficiency_grade=1, price_min_fen=1_800_000,
                   credentials=[{"kind": "专精特新", "valid_until": "2027-12-31"}])
    (result,) = rank([demand(category="motor_induction", budget_fen=2_000_000)], [item], on=ON)
    text = result.matches[0].explanation()
    assert text.startswith("同类设备 +40，额定功率55kW符合需求 +25，本市企业 +20，能效一级 +15，文本相似 +")
    assert text.endswith("，专精特新 +5，价格在预算内 +10")


def test_a_group_level_demand_takes_its_classes_and_a_sibling_scores_less() -> None:
    exact = product("A1", category="motor_induction")
    sibling = product("S1", category="motor_pm", name="永磁同步电动机 55kW")
    assert ranked_ids([demand(category="motor_induction")], [sibling, exact]) == ["A1", "S1"]
    (result,) = rank([demand()], [exact], on=ON)
    assert result.matches[0].explanation().startswith("所属大类相符 +30")


def test_a_size_out_of_range_ranks_below_and_says_so() -> None:
    small = product("S75", name="YE4超高效三相异步电动机 75kW")
    right = product("R55")
    assert ranked_ids([demand()], [small, right]) == ["R55", "S75"]
    (result,) = rank([demand()], [small], on=ON)
    assert "额定功率75kW不在需求的55–66kW内 -30" in result.matches[0].explanation()


def test_a_local_supplier_ranks_above_its_cheaper_non_local_twin() -> None:
    far = product("FAR", region=SHENZHEN, price_min_fen=900_000)
    province = product("PROV", region=PANZHIHUA, price_min_fen=1_000_000)
    city = product("CITY", region=ZIYANG_ANYUE, price_min_fen=1_000_000)
    county = product("COUNTY", region=ZIYANG_YANJIANG, price_min_fen=1_000_000)
    items = [far, province, city, county]
    assert ranked_ids([demand(budget_fen=1_200_000)], items) == ["COUNTY", "CITY", "PROV", "FAR"]
    # A city that weighs local supply at nothing sees the order of the other parts (ties: list order).
    flat = Weights(county=0, city=0, province=0)
    assert ranked_ids([demand(budget_fen=1_200_000)], items, flat) == ["FAR", "PROV", "CITY", "COUNTY"]


def test_over_budget_costs_points() -> None:
    cheap, dear = product("CHEAP", price_min_fen=1_000_000), product("DEAR", price_min_fen=3_000_000)
    assert ranked_ids([demand(budget_fen=2_000_000)], [dear, cheap]) == ["CHEAP", "DEAR"]


def test_city_weights_are_checked() -> None:
    assert Weights.from_mapping({"city": 30}).city == 30
    with pytest.raises(InvalidInput, match="权重 town 不是已知的评分项"):
        Weights.from_mapping({"town": 5})
    with pytest.raises(InvalidInput, match="权重 city 应为"):
        Weights.from_mapping({"city": "高"})


def test_the_bulk_ranking_agrees_with_the_reference_score() -> None:
    rng = random.Random(3)
    regions = [ZIYANG_YANJIANG, ZIYANG_ANYUE, PANZHIHUA, SHENZHEN]
    items = [product(f"P{n}", category=rng.choice(["motor_induction", "motor_pm", "vfd"]),
                     name=f"电动机 {rng.choice([30, 55, 60, 75])}kW {rng.choice(['高效', '永磁', '变频'])}",
                     region=rng.choice(regions), efficiency_level=rng.choice(["advanced", "saving", "entry", None]),
                     price_min_fen=rng.randint(5, 30) * 100_000, for_sale=rng.random() > 0.1)
             for n in range(120)]
    wanted = demand(budget_fen=2_000_000, min_efficiency="entry")
    cat = Catalogue(items, load())
    (result,) = rank([wanted], cat, top=15, on=ON)
    everything = sorted((explain(cat, wanted, p.id, on=ON) for p in items), key=lambda v: -v.score)
    kept = [v for v in everything if v.excluded is None]
    assert [round(m.score, 3) for m in result.matches] == [round(v.score, 3) for v in kept[:15]]
    assert result.excluded == sum(1 for v in everything if v.excluded and "类别不符" not in v.excluded)
