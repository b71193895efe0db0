"""The shared decision-case runner (huanxin.rules.cases): a domain describes its files and gives
the functions that decide and compare; the runner reads the YAML, reports what does not hold and
treats bad input as an error naming its field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from huanxin.errors import InvalidInput
from huanxin.rules import cases

FORMAT = cases.CaseFormat(expect_keys=frozenset({"doubled"}), case_keys=frozenset({"extra_check"}),
                          file_keys=("unit",), complete=lambda given: {"n": 0, **given})


def decide(case: cases.DecisionCase) -> dict[str, Any]:
    if not isinstance(case.input["n"], int):
        raise InvalidInput("n 应为整数", field="n")
    return {"doubled": case.input["n"] * 2, "unit": case.input.get("unit")}


def compare(decision: dict[str, Any], expect: Mapping[str, Any]) -> list[str]:
    return cases.differences(decision, expect, ("doubled",))


def write(tmp_path: Path, text: str) -> Path:
    file = tmp_path / "c.yaml"
    file.write_text(text, encoding="utf-8")
    return file


def test_file_keys_defaults_and_completion_reach_every_input(tmp_path: Path) -> None:
    file = write(tmp_path, "unit: 分\ndefaults: {n: 2}\ncases:\n"
                           "  - {name: 二的两倍, on: 2025-03-01, input: {}, expect: {doubled: 4},\n"
                           "     extra_check: {on: 1}}\n"
                           "  - {name: 三的两倍写错了, input: {n: 3}, expect: {doubled: 7}}\n"
                           "  - {name: 坏输入, input: {n: x}, expect: {error_field: n}}\n"
                           "  - {name: 坏输入却没报错字段, input: {n: x}, expect: {doubled: 1}}\n")
    first, second, third, fourth = cases.load_case_file(file, FORMAT)
    assert first.input == {"n": 2, "unit": "分"} and first.on == dt.date(2025, 3, 1)
    assert first.extra == {"extra_check": {"on": 1}}  # YAML's bare `on:` read back as its name
    assert cases.check_case(first, decide, compare) == []
    assert cases.check_case(second, decide, compare) == ["doubled 为 6，应为 7"]
    assert cases.check_case(third, decide, compare) == []
    assert cases.check_case(fourth, decide, compare) == ["意外的输入错误：n 应为整数（字段 n）"]
    assert first.id == "c.yaml::二的两倍"


@pytest.mark.parametrize(("text", "message"), [
    ("cases: 1\n", "应含 cases 列表（可选 unit、defaults、description）"),
    ("colour: red\ncases: []\n", "应含 cases 列表"),
    ("cases:\n  - {name: x, input: {}}\n", "第 1 个案例应含 name、input、expect"),
    ("cases:\n  - {name: x, input: {}, expect: {amount: 1}}\n", "expect 含未知字段 amount"),
    ("cases:\n  - {name: x, input: [], expect: {}}\n", "input 与 expect 应为映射"),
    ("cases: [\n", "YAML 格式错误"),
])
def test_a_malformed_case_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        cases.load_case_file(write(tmp_path, text), FORMAT)


def test_reason_words_must_appear_in_a_reason() -> None:
    assert cases.reason_missing(["贷款期限11个月，低于12个月"], "低于12个月") == []
    assert cases.reason_missing(["符合条件"], "低于") == ["理由中没有“低于”：['符合条件']"]
    assert cases.reason_missing([], None) == []
