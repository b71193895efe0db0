"""Every decision case written as data under src/huanxin/tradein/rules/cases/ is run here: a
policy officer adds a YAML file and the suite picks it up."""

from __future__ import annotations

from pathlib import Path

import pytest

from huanxin.errors import InvalidInput
from huanxin.tradein.rules.decision_cases import DecisionCase, all_cases, case_files, check, load_case_file
from huanxin.tradein.rules.engine import programmes

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_decision_case(case: DecisionCase) -> None:
    assert check(case) == []


def test_every_programme_has_a_case_file() -> None:
    files = {f.stem for f in case_files()}
    assert set(programmes()) <= files


def test_cases_cover_the_dates_where_car_rules_change() -> None:
    applied = {str(c.input["applied_on"]) for c in CASES if c.file == "car-scrap-2024.yaml"}
    assert {"2024-04-23", "2024-04-24", "2024-08-20"} <= applied


def test_a_case_that_does_not_hold_is_reported(tmp_path: Path) -> None:
    file = tmp_path / "wrong.yaml"
    file.write_text(
        "programme: appliance-2025\ncases:\n  - name: 写错的期望\n"
        "    input: {category: tv, price_fen: 100000, efficiency_grade: 1, invoice_date: 2025-03-01}\n"
        "    expect: {eligible: true, amount_fen: 1, reason: 不存在的理由}\n",
        encoding="utf-8",
    )
    [case] = load_case_file(file)
    problems = check(case)
    assert any("amount_fen 为 20000，应为 1" in p for p in problems)
    assert any("不存在的理由" in p for p in problems)


def test_a_malformed_case_file_is_a_clear_error(tmp_path: Path) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text("cases:\n  - name: x\n    input: {}\n    expect: {amount: 1}\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="expect 含未知字段 amount"):
        load_case_file(file)
