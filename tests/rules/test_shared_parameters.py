"""The shared dated-parameter store (huanxin.rules.parameters) as every rules domain uses it: a
domain's own folder loaded once, open dates and flags, and a parameter's values over a period."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from huanxin.errors import InvalidInput
from huanxin.rules.parameters import ParameterDirectory, load_parameters
from huanxin.tradein.rules import parameters as tradein_parameters

D = dt.date

RATE = """
x.rate:
  description: 年贴息率
  unit: rate
  values:
    2024-06-01: {value: 0.01, source: 甲文, retroactive_from: 2024-03-07}
    2024-07-25: {value: 0.015, source: 乙文}
    2026-01-19: {value: 0.015, source: 丙文}
x.until:
  description: 截止日
  unit: open_date
  values:
    2024-06-01: {value: 2024-12-31, source: 甲文}
    2024-12-27: {value: null, source: 丁文, note: 至额度用完为止}
x.required:
  description: 须在清单内
  unit: flag
  values:
    2024-06-01: {value: true, source: 甲文}
"""


def folder(tmp_path: Path, text: str = RATE) -> Path:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "p.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_a_domain_loads_its_own_folder_once_and_looks_values_up_with_their_notice(tmp_path: Path) -> None:
    shipped = ParameterDirectory(folder(tmp_path))
    assert shipped.parameters() is shipped.parameters()
    assert shipped.param("x.rate", D(2024, 4, 1)) == (0.01, D(2024, 3, 7), "甲文")
    assert shipped.param("x.rate", D(2024, 7, 25))[0] == 0.015
    with pytest.raises(InvalidInput, match="尚无取值"):
        shipped.param("x.rate", D(2024, 3, 6))


def test_an_open_date_is_a_date_or_no_limit_and_a_flag_is_true_or_false(tmp_path: Path) -> None:
    params = load_parameters(folder(tmp_path))
    until = params.lookup("x.until", D(2025, 3, 1))
    assert until is not None and until.value is None and until.note == "至额度用完为止"
    known = params.lookup("x.until", D(2025, 3, 1), known_on=D(2024, 12, 1))
    assert known is not None and known.value == D(2024, 12, 31)
    required = params.lookup("x.required", D(2025, 3, 1))
    assert required is not None and required.value is True


@pytest.mark.parametrize(("unit", "value"), [("flag", "yes"), ("flag", 1), ("open_date", "soon"), ("date", None)])
def test_a_value_that_does_not_fit_its_unit_is_refused(tmp_path: Path, unit: str, value: object) -> None:
    text = f"x.a:\n  description: a\n  unit: {unit}\n  values:\n    2025-01-01: {{value: {value!r}, source: s}}\n"
    if value is None:
        text = text.replace("None", "null")
    with pytest.raises(InvalidInput, match=f"与单位 {unit} 不符"):
        load_parameters(folder(tmp_path, text))


def test_the_values_over_a_period_come_in_pieces_split_where_a_value_changes(tmp_path: Path) -> None:
    params = load_parameters(folder(tmp_path))
    pieces = params.segments("x.rate", D(2024, 7, 1), D(2026, 3, 1))
    assert [(a, b, v.source if v else None) for a, b, v in pieces] == [
        (D(2024, 7, 1), D(2024, 7, 25), "甲文"), (D(2024, 7, 25), D(2026, 1, 19), "乙文"),
        (D(2026, 1, 19), D(2026, 3, 1), "丙文")]
    # what had been announced by 2024-07-01: one piece at the old rate
    [(start, end, only)] = params.segments("x.rate", D(2024, 7, 1), D(2025, 7, 1), known_on=D(2024, 7, 1))
    assert (start, end, only and only.value) == (D(2024, 7, 1), D(2025, 7, 1), 0.01)
    # before any value: a piece without one; an empty period: no piece
    assert params.segments("x.rate", D(2024, 3, 1), D(2024, 3, 10))[0] == (D(2024, 3, 1), D(2024, 3, 7), None)
    assert params.segments("x.rate", D(2024, 3, 1), D(2024, 3, 1)) == []


def test_an_override_holds_over_the_whole_period(tmp_path: Path) -> None:
    params = load_parameters(folder(tmp_path)).with_overrides({"x.rate": 0.02})
    [(start, end, value)] = params.segments("x.rate", D(2024, 7, 1), D(2026, 3, 1))
    assert value is not None and value.value == 0.02 and (start, end) == (D(2024, 7, 1), D(2026, 3, 1))


def test_trade_in_reads_its_parameters_through_the_shared_store() -> None:
    assert tradein_parameters.default_parameters() is tradein_parameters.default_parameters()
    assert tradein_parameters.param("appliance.rate.grade1", D(2024, 9, 1))[2] == "发改环资〔2024〕1104号"
