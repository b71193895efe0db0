"""Every funding decision case written as data under src/huanxin/projects/funding/cases/ is run
here: a policy officer adds a YAML file and the suite picks it up."""

from __future__ import annotations

from pathlib import Path

import pytest

from huanxin.errors import InvalidInput
from huanxin.projects import vocab
from huanxin.projects.funding.cases import all_cases, case_files, check, load_case_file
from huanxin.rules.cases import DecisionCase

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_decision_case(case: DecisionCase) -> None:
    assert check(case) == []


def test_every_instrument_has_cases_that_pass_and_cases_that_fail() -> None:
    assert len(CASES) >= 25
    for instrument in vocab.INSTRUMENTS:
        outcomes = {c.expect[instrument].get("eligible") for c in CASES if instrument in c.expect}
        assert {True, False} <= outcomes, instrument
    assert any("error_field" in c.expect for c in CASES)


def test_the_cases_sit_on_the_thresholds_and_the_dates_where_rules_change() -> None:
    fai = {c.input["fixed_asset_fen"] for c in CASES if c.file == "special-bond.yaml"}
    assert {2_000_000_000, 1_999_999_999, 500_000_000, 499_999_999} <= fai
    permille = {c.input["invested_permille"] for c in CASES if c.file == "special-bond.yaml"}
    assert {0, 800, 801} <= permille
    bond_dates = {str(c.on) for c in CASES if c.file == "special-bond.yaml"}
    assert {"2024-07-24", "2024-07-25", "2024-12-31", "2025-01-01"} <= bond_dates
    terms = {c.input["loan_term_months"] for c in CASES if c.file == "relending.yaml"}
    assert {11, 12} <= terms
    disbursed = {str(c.input.get("loan_disbursed_on")) for c in CASES if c.file == "interest-subsidy.yaml"}
    assert {"2024-03-06", "2024-03-07", "2026-12-31", "2027-01-01"} <= disbursed


def test_every_shipped_case_file_reads() -> None:
    assert {f.name for f in case_files()} >= {"special-bond.yaml", "central-budget.yaml", "relending.yaml",
                                             "interest-subsidy.yaml", "bad-input.yaml"}


def test_a_case_that_does_not_hold_is_reported(tmp_path: Path) -> None:
    file = tmp_path / "wrong.yaml"
    file.write_text(
        "defaults: {field: industry, construction: under_construction, total_investment_fen: 5000000000,\n"
        "           fixed_asset_fen: 3000000000, equipment_investment_fen: 2000000000,\n"
        "           retired_original_value_fen: 200000000, invested_permille: 500}\n"
        "cases:\n  - name: 写错的期望\n    on: 2025-03-01\n    input: {}\n"
        "    expect:\n      special_bond: {eligible: true, estimated_fen: 1, reason: 不存在的理由,\n"
        "                     source: 不存在的文号}\n"
        "      relending: {amount: 1}\n",
        encoding="utf-8")
    [case] = load_case_file(file)
    problems = check(case)
    assert "special_bond：estimated_fen 为 450000000，应为 1" in problems
    assert any("不存在的理由" in p for p in problems) and any("不存在的文号" in p for p in problems)
    assert any(p.startswith("relending 的期望应为") for p in problems)


def test_a_malformed_case_file_is_a_clear_error(tmp_path: Path) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text("cases:\n  - name: x\n    input: {}\n    expect: {bond: {eligible: true}}\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="expect 含未知字段 bond"):
        load_case_file(file)
