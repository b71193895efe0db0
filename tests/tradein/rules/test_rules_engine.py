"""The engine's public behaviour: decisions that explain themselves, bad input as errors,
programmes as data, top-ups, qualification reserves."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from huanxin.errors import InvalidInput
from huanxin.tradein.rules import engine
from huanxin.tradein.rules.engine import ClaimCase, evaluate, programmes, qualification_reserve, split_amount, topup_due
from huanxin.tradein.rules.parameters import PARAMETERS_DIR
from huanxin.tradein.rules.registry import PROGRAMMES_DIR, load_rulebook

D = dt.date


def fridge(**changes: object) -> ClaimCase:
    base: dict[str, object] = dict(programme="appliance-2025", category="refrigerator", price_fen=500000,
                                   efficiency_grade=1, invoice_date=D(2025, 3, 1), applied_on=D(2025, 3, 1),
                                   region_code="430500")
    base.update(changes)
    return ClaimCase(**base)  # type: ignore[arg-type]


def scrap_car(**changes: object) -> ClaimCase:
    base: dict[str, object] = dict(
        programme="car-scrap-2024", category="car", price_fen=15000000, efficiency_grade=None,
        invoice_date=D(2024, 5, 10), applied_on=D(2024, 5, 12), region_code="512000", old_vehicle_fuel="petrol",
        old_vehicle_registered_on=D(2010, 1, 1), new_vehicle_fuel="nev",
        old_proof_kinds=frozenset({"scrap_cert", "deregistration"}),
    )
    base.update(changes)
    return ClaimCase(**base)  # type: ignore[arg-type]


def test_a_decision_carries_its_trace_with_parameters_dates_and_notices() -> None:
    decision = evaluate(scrap_car())
    assert decision.eligible and decision.amount_fen == 2000000
    amount_step = next(t for t in decision.trace if t.parameter == "car.scrap.amount.nev")
    assert amount_step.source == "商消费函〔2024〕392号"
    assert amount_step.effective_from == D(2024, 4, 24)
    assert "追溯" in amount_step.note
    assert decision.decided_on == D(2024, 5, 12)  # cars: the application date
    assert decision.exclusive_keys == ["new_car_vin", "old_car_vin"]


def test_to_dict_is_json_safe() -> None:
    text = json.dumps(evaluate(scrap_car()).to_dict(), ensure_ascii=False)
    back = json.loads(text)
    assert back["by_source"] == {"central": 1800000, "local": 200000}
    assert any(step["source"] == "商消费函〔2024〕392号" for step in back["trace"])


def test_an_ineligible_case_is_a_decision_with_reasons_not_an_error() -> None:
    decision = evaluate(fridge(efficiency_grade=3))
    assert not decision.eligible and decision.amount_fen == 0
    assert decision.reasons == ["能效（水效）等级为3级，须达到2级及以上"]
    assert decision.quotas == []


@pytest.mark.parametrize(("changes", "field"), [
    ({"programme": "appliance-2099"}, "programme"),
    ({"category": "yacht"}, "category"),
    ({"price_fen": -1}, "price_fen"),
    ({"efficiency_grade": 9}, "efficiency_grade"),
    ({"invoice_date": D(2025, 3, 2)}, "invoice_date"),
])
def test_bad_input_raises_invalid_input_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        evaluate(fridge(**changes))
    assert info.value.field == field


def test_appliances_are_decided_by_invoice_date_and_on_overrides_it() -> None:
    assert evaluate(fridge()).decided_on == D(2025, 3, 1)
    decision = evaluate(fridge(category="microwave"), on=D(2024, 9, 1))
    assert not decision.eligible and "微波炉" in decision.reasons[0]


def test_a_2024_car_application_filed_in_january_2025_keeps_the_2024_rules() -> None:
    decision = evaluate(scrap_car(invoice_date=D(2024, 12, 31), applied_on=D(2025, 1, 10)))
    assert decision.eligible and decision.decided_on == D(2024, 12, 31)
    assert "晚于活动截止日" in decision.trace[0].note


def test_topup_for_those_paid_before_the_august_increase() -> None:
    nev, fuel = scrap_car(), scrap_car(new_vehicle_fuel="fuel", new_vehicle_displacement_l=1.6)
    assert topup_due(nev, 1000000, D(2024, 8, 16)) == 1000000
    assert topup_due(fuel, 700000, D(2024, 8, 16)) == 800000
    assert topup_due(nev, 1000000, D(2024, 8, 15)) == 0  # not yet announced
    assert topup_due(nev, 2000000, D(2024, 9, 1)) == 0  # already paid in full
    assert topup_due(scrap_car(old_vehicle_registered_on=D(2015, 1, 1)), 0, D(2024, 9, 1)) == 0  # never eligible


def test_scrapping_and_replacement_share_the_one_new_car_exclusion() -> None:
    scrap = evaluate(scrap_car(programme="car-scrap-2025", invoice_date=D(2025, 3, 1), applied_on=D(2025, 3, 1),
                               old_vehicle_owned_since=D(2020, 1, 1)))
    replace = evaluate(scrap_car(programme="car-replace-2025", invoice_date=D(2025, 3, 1), applied_on=D(2025, 3, 1),
                                 old_proof_kinds=frozenset({"sale_record"})))
    assert scrap.eligible and replace.eligible
    assert "new_car_vin" in scrap.exclusive_keys and "new_car_vin" in replace.exclusive_keys
    assert [q.key for q in replace.quotas] == ["car_replace:2025"]


def test_programmes_lists_every_rules_code() -> None:
    listed = programmes()
    assert {"car-scrap-2024", "car-scrap-2025", "car-replace-2025", "appliance-2024", "appliance-2025",
            "digital-2025", "ebike-city", "home-decor-city"} <= set(listed)
    assert len(listed["appliance-2024"].categories) == 8
    assert len(listed["appliance-2025"].categories) == 12
    assert listed["ebike-city"].level == "city"
    json.dumps(listed["appliance-2025"].to_dict(), ensure_ascii=False)


def test_qualification_reserve_is_the_most_a_claim_can_cost() -> None:
    assert qualification_reserve("appliance-2025", "air_conditioner", D(2025, 3, 1)) == 200000
    assert qualification_reserve("digital-2025", "mobile_phone", D(2025, 3, 1)) == 50000
    assert qualification_reserve("car-scrap-2025", "car", D(2025, 3, 1)) == 2000000
    assert qualification_reserve("car-replace-2025", "car", D(2025, 3, 1)) == 1500000
    assert qualification_reserve("ebike-city", "ebike", D(2024, 6, 1)) == 50000
    with pytest.raises(InvalidInput) as info:
        qualification_reserve("appliance-2024", "microwave", D(2024, 9, 1))
    assert info.value.field == "category"
    with pytest.raises(InvalidInput) as info:
        qualification_reserve("nope", "tv", D(2024, 9, 1))
    assert info.value.field == "programme"


def test_split_amount_sums_exactly() -> None:
    assert split_amount(15, {"central": 9, "local": 1}) == {"central": 14, "local": 1}
    assert split_amount(199999, {"central": 9, "local": 1}) == {"central": 179999, "local": 20000}
    assert split_amount(100, {"central": 1, "province": 1, "city": 1}) == {"central": 34, "province": 33, "city": 33}


def test_a_city_adds_its_own_programme_as_data(tmp_path: Path) -> None:
    """Two files, no code: a programme file that names a kind, and its dated parameters."""
    shutil.copytree(PARAMETERS_DIR, tmp_path / "parameters")
    shutil.copytree(PROGRAMMES_DIR, tmp_path / "programmes")
    (tmp_path / "parameters" / "city" / "ebike-ziyang.yaml").write_text("""
city.ziyang.ebike.categories:
  description: 品类
  unit: list
  values:
    2025-03-01: {value: [ebike], source: 资阳市电动自行车以旧换新方案（示例）}
city.ziyang.ebike.amount:
  description: 每辆补贴（分）
  unit: fen
  values:
    2025-03-01: {value: 40000, source: 资阳市电动自行车以旧换新方案（示例）}
    2025-07-01: {value: 60000, source: 资阳市补充通知（示例）}
city.ziyang.ebike.min_price:
  description: 新车最低价格（分）
  unit: fen
  values:
    2025-03-01: {value: 120000, source: 资阳市电动自行车以旧换新方案（示例）}
city.ziyang.ebike.funding:
  description: 资金来源
  unit: parts
  values:
    2025-03-01: {value: {city: 1}, source: 资阳市电动自行车以旧换新方案（示例）}
""", encoding="utf-8")
    (tmp_path / "programmes" / "ebike-ziyang.yaml").write_text("""
code: ebike-ziyang
name: 资阳市电动自行车以旧换新
kind: ebike
level: city
source: 资阳市电动自行车以旧换新方案（示例）
starts_on: 2025-03-01
ends_on: 2025-12-31
date_basis: invoice_date
parameters: city.ziyang.ebike
categories: {parameter: categories}
funding: city.ziyang.ebike.funding
regions: ["5120"]
required_proofs: [recycling_cert]
quotas:
  - {key: "ebike-ziyang:ebike:programme", limit: 1, label: 每人限一辆}
""", encoding="utf-8")
    book = load_rulebook(tmp_path / "parameters", tmp_path / "programmes")
    case = ClaimCase(programme="ebike-ziyang", category="ebike", price_fen=130000, efficiency_grade=None,
                     invoice_date=D(2025, 8, 1), applied_on=D(2025, 8, 1), region_code="512002",
                     old_proof_kinds=frozenset({"recycling_cert"}))
    decision = evaluate(case, rulebook=book)
    assert decision.eligible and decision.amount_fen == 60000 and decision.by_source == {"city": 60000}
    early = evaluate(ClaimCase(**{**case.__dict__, "invoice_date": D(2025, 5, 1), "applied_on": D(2025, 5, 1)}),
                     rulebook=book)
    assert early.amount_fen == 40000
    elsewhere = evaluate(ClaimCase(**{**case.__dict__, "region_code": "430500"}), rulebook=book)
    assert not elsewhere.eligible and "不在本活动范围内" in elsewhere.reasons[0]
    assert "ebike-ziyang" not in engine.programmes()  # the shipped rulebook is untouched
