"""Funding rules for renewal projects (huanxin.projects.funding): what a reviewer or an enterprise
reads for each instrument, the facts read from a project of the library or from plain data (bad
data names its field), the notices every value cites, and the arithmetic of the estimates."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huanxin.errors import InvalidInput
from huanxin.projects import vocab
from huanxin.projects.funding import evaluate_project, facts_from_dict, facts_from_project
from huanxin.projects.funding.cases import all_cases, decide
from huanxin.projects.funding.context import default_parameters
from huanxin.projects.models import Project, ProjectEquipment

D = dt.date
ON = D(2025, 3, 1)
WAN = 1_000_000  # 1万元 in fen
BASE: dict[str, Any] = {
    "field": "industry", "construction": "under_construction", "total_investment_fen": 5000 * WAN,
    "fixed_asset_fen": 3000 * WAN, "equipment_investment_fen": 2000 * WAN, "retired_original_value_fen": 200 * WAN,
    "invested_permille": 500, "loan_need_fen": 1000 * WAN, "loan_term_months": 36, "intended_banks": ["中国银行"],
    "instruments": ["special_bond", "relending", "interest_subsidy"],
}


def facts(**changes: Any) -> Any:
    return facts_from_dict({**BASE, **changes})


def test_every_instrument_is_answered_with_eligibility_amount_and_chinese_reasons() -> None:
    decision = evaluate_project(facts(), ON)
    assert list(decision.results) == list(vocab.INSTRUMENTS)
    bond = decision["special_bond"]
    assert bond.eligible and bond.estimated_fen == 450 * WAN and bond.requested
    assert "预计支持不超过450万元" in bond.reasons[0]
    assert not decision["central_budget"].requested and not decision["central_budget"].eligible
    assert decision["central_budget"].reasons == ["尚未取得立项（审批、核准或备案）手续"]
    assert decision["relending"].estimated_fen == 600 * WAN
    assert decision.eligible_instruments == ["special_bond", "relending", "interest_subsidy"]
    json.dumps(decision.to_dict(), ensure_ascii=False)  # the CLI and the API print it as it is


def test_a_project_failing_several_conditions_reads_every_reason() -> None:
    bond = evaluate_project(facts(fixed_asset_fen=1000 * WAN, invested_permille=900, other_central_funding=True),
                            ON)["special_bond"]
    assert not bond.eligible and bond.estimated_fen == 0
    assert len(bond.reasons) == 3
    assert any("低于“工业”领域的门槛2000万元" in r for r in bond.reasons)
    assert any("超过80%" in r for r in bond.reasons)
    assert any("不重复支持" in r for r in bond.reasons)


def test_no_reason_shows_a_code_or_a_python_value() -> None:
    codes = re.compile(r"[A-Za-z_]{2,}|None|True|False")
    for case in all_cases():
        if "error_field" in case.expect:
            continue
        for result in decide(case).results.values():
            for text in [*result.reasons, *(step.note for step in result.trace)]:
                assert not codes.search(text), (case.id, text)


def test_every_step_that_read_a_parameter_cites_its_notice() -> None:
    decision = evaluate_project(facts(loan_disbursed_on="2024-08-01", loan_signed_on="2024-07-30"), ON)
    for result in decision.results.values():
        for step in result.trace:
            if step.parameter is not None:
                assert step.parameter in default_parameters() and step.source and step.effective_from


def test_every_shipped_value_cites_its_notice_and_says_when_it_is_uncertain() -> None:
    params = default_parameters().parameters
    assert {p.split(".")[0] for p in params} == set(vocab.INSTRUMENTS)
    for parameter in params.values():
        assert parameter.description
        for value in parameter.values:
            assert value.source.strip()
            if "据公开报道" in value.source:
                assert value.note, (parameter.path, value.key)
    sources = {v.source for p in params.values() for v in p.values}
    for notice in ("财金〔2024〕54号", "发改环资〔2024〕1104号", "财金〔2024〕155号", "财金〔2026〕2号"):
        assert notice in sources
    raised = default_parameters().get("interest_subsidy.rate").at(D(2024, 7, 25))
    assert raised is not None and raised.value == 0.015 and "取该文公布日2024年7月25日" in (raised.note or "")


def test_facts_of_a_project_of_the_library_read_its_equipment_list() -> None:
    project = Project(
        name="电机系统节能改造", field="industry", construction="under_construction", invested_permille=300,
        total_investment_fen=5000 * WAN, fixed_asset_fen=3000 * WAN, equipment_investment_fen=2000 * WAN,
        start_on=D(2025, 1, 1), finish_on=D(2025, 12, 31), documents=["approval"], instruments=["special_bond"],
        loan_need_fen=0, loan_term_months=0, intended_banks=[], loan_disbursed_on=None, other_central_funding=False)
    equipment = [
        ProjectEquipment(side="retired", category="motor", name="旧电机", original_value_fen=150 * WAN, quantity=10),
        ProjectEquipment(side="retired", category="fan", name="旧风机", original_value_fen=50 * WAN, quantity=2),
        ProjectEquipment(side="new", category="motor", name="IE4电机", unit_price_fen=10 * WAN, quantity=10),
    ]
    found = facts_from_project(project, equipment)
    assert found.retired_original_value_fen == 200 * WAN and found.documents == ("approval",)
    decision = evaluate_project(found, ON)
    assert decision["special_bond"].eligible and decision["special_bond"].estimated_fen == 450 * WAN
    assert decision["central_budget"].eligible and not decision["relending"].eligible
    assert decision["relending"].reasons == ["未填报贷款需求"]


def test_an_equipment_list_stands_in_for_the_two_sums() -> None:
    given_list = facts_from_dict({**{k: v for k, v in BASE.items() if k not in (
        "retired_original_value_fen", "equipment_investment_fen")}, "equipment": [
        {"side": "retired", "original_value_fen": 120 * WAN},
        {"side": "new", "quantity": 4, "unit_price_fen": 300 * WAN},
        {"side": "new", "unit_price_fen": 200 * WAN}]})
    assert (given_list.retired_original_value_fen, given_list.equipment_investment_fen) == (120 * WAN, 1400 * WAN)


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"invested_permille": 1200}, "invested_permille", "投资完成比例不能超过100%"),
    ({"invested_permille": -1}, "invested_permille", "投资完成比例"),
    ({"equipment_investment_fen": 5000 * WAN + 1}, "equipment_investment_fen", "设备购置投资不能超过项目总投资"),
    ({"fixed_asset_fen": 5000 * WAN + 1}, "fixed_asset_fen", "固定资产投资不能超过项目总投资"),
    ({"start_on": "2025-06-01", "finish_on": "2025-05-31"}, "finish_on", "早于开工日期"),
    ({"start_on": "2025-13-01"}, "start_on", "应为日期"),
    ({"total_investment_fen": 12.5}, "total_investment_fen", "应为整数（金额单位：分）"),
    ({"total_investment_fen": True}, "total_investment_fen", "应为整数"),
    ({"loan_need_fen": -1}, "loan_need_fen", "之间"),
    ({"field": "mining"}, "field", "可选：industry（工业）"),
    ({"construction": "在建"}, "construction", "under_construction（在建）"),
    ({"instruments": ["bond"]}, "instruments", "含无效取值"),
    ({"documents": "approval"}, "documents", "应为列表"),
    ({"intended_banks": [""]}, "intended_banks", "非空文本"),
    ({"other_central_funding": "否"}, "other_central_funding", "true 或 false"),
    ({"relending_batch": 3}, "relending_batch", "应为 1 或 2"),
    ({"loan_signed_on": "2025-03-01", "loan_disbursed_on": "2025-02-01"}, "loan_disbursed_on", "早于贷款合同签订日期"),
    ({"equipment": [{"side": "new", "unit_price_fen": 1}, {"side": "old"}]}, "equipment", "equipment 第 2 项"),
    ({"equipment": [{"side": "new", "quantity": 0}]}, "equipment", "quantity"),
    ({"fixed_assets_fen": 1}, "fixed_assets_fen", "未知字段：fixed_assets_fen"),
])
def test_bad_facts_are_an_error_naming_the_field(changes: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as info:
        facts(**changes)
    assert info.value.field == field and words in info.value.message


def test_a_missing_required_field_is_named() -> None:
    with pytest.raises(InvalidInput, match="缺少必填字段：fixed_asset_fen（固定资产投资）") as info:
        facts_from_dict({k: v for k, v in BASE.items() if k != "fixed_asset_fen"})
    assert info.value.field == "fixed_asset_fen"


def test_a_proposed_rate_is_tried_without_touching_the_files() -> None:
    proposed = default_parameters().with_overrides({"special_bond.support_rate": 0.1})
    assert evaluate_project(facts(), ON, parameters=proposed)["special_bond"].estimated_fen == 300 * WAN
    assert evaluate_project(facts(), ON)["special_bond"].estimated_fen == 450 * WAN


def test_what_was_known_before_a_notice_decides_as_it_would_have_then() -> None:
    loan = {"loan_signed_on": "2024-02-01", "loan_disbursed_on": "2024-04-01", "loan_term_months": 12}
    today_view = evaluate_project(facts(**loan), ON)["interest_subsidy"]
    before_155 = evaluate_project(facts(**loan), ON, known_on=D(2024, 12, 26))["interest_subsidy"]
    assert today_view.eligible and not before_155.eligible
    assert any("早于 2024-03-07" in r for r in before_155.reasons)
    assert before_155.trace[0].note == "仅采用 2024-12-26 前已公布的政策"


@settings(max_examples=200, deadline=None)
@given(fai=st.integers(min_value=0, max_value=5000 * WAN))
def test_the_special_bond_estimate_is_fifteen_percent_floored_at_and_above_the_threshold(fai: int) -> None:
    bond = evaluate_project(facts(fixed_asset_fen=fai), ON)["special_bond"]
    assert bond.eligible == (fai >= 2000 * WAN)
    if bond.eligible:
        assert bond.estimated_fen * 10000 <= fai * 1500 < (bond.estimated_fen + 1) * 10000


@settings(max_examples=200, deadline=None)
@given(need=st.integers(min_value=1, max_value=2000 * WAN), term=st.integers(min_value=12, max_value=120),
       disbursed=st.dates(min_value=D(2024, 3, 7), max_value=D(2026, 12, 31)))
def test_the_interest_subsidy_never_exceeds_two_years_at_the_highest_rate(need: int, term: int,
                                                                          disbursed: dt.date) -> None:
    subsidy = evaluate_project(facts(loan_need_fen=need, loan_term_months=term, loan_disbursed_on=disbursed.isoformat(),
                                     loan_signed_on=disbursed.isoformat()), ON)["interest_subsidy"]
    assert subsidy.eligible
    # at most 731 days (two years with a 29 February) at 1.5 points on the principal, ÷ 360
    assert 0 <= subsidy.estimated_fen <= need * 150 * 731 // (10000 * 360)
    more = evaluate_project(facts(loan_need_fen=need + 1, loan_term_months=term,
                                  loan_disbursed_on=disbursed.isoformat(), loan_signed_on=disbursed.isoformat()),
                            ON)["interest_subsidy"]
    assert more.estimated_fen >= subsidy.estimated_fen
