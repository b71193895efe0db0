"""Dated parameters: loaded with validation, looked up by date, retroactive values, overrides."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from huanxin.errors import InvalidInput
from huanxin.tradein.rules.parameters import PARAMETERS_DIR, default_parameters, load_parameters, param

D = dt.date


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_every_shipped_value_cites_its_notice() -> None:
    params = default_parameters()
    assert params.parameters
    for parameter in params.parameters.values():
        assert parameter.description and parameter.unit
        for value in parameter.values:
            assert value.source.strip()


def test_param_returns_value_effective_date_and_source() -> None:
    assert param("appliance.rate.grade1", D(2024, 9, 1)) == (0.20, D(2024, 8, 1), "发改环资〔2024〕1104号")
    assert param("appliance.quota.air_conditioner", D(2025, 3, 1))[0] == 3
    assert param("digital.max_unit_price", D(2025, 3, 1))[:2] == (600000, D(2025, 1, 20))


def test_the_retroactive_car_increase_applies_from_april_but_was_known_from_august() -> None:
    assert param("car.scrap.amount.nev", D(2024, 5, 1)) == (2000000, D(2024, 4, 24), "商消费函〔2024〕392号")
    assert param("car.scrap.amount.nev", D(2024, 5, 1), known_on=D(2024, 8, 15))[0] == 1000000
    assert param("car.scrap.amount.fuel", D(2024, 5, 1), known_on=D(2024, 8, 16))[0] == 1500000
    with pytest.raises(InvalidInput, match="尚无取值"):
        param("car.scrap.amount.nev", D(2024, 4, 23))


def test_a_change_adds_a_dated_value(tmp_path: Path) -> None:
    write(tmp_path, """
x.rate:
  description: 比例
  unit: rate
  values:
    2025-01-01: {value: 0.15, source: 甲文}
    2025-07-01: {value: 0.10, source: 乙文}
""")
    p = load_parameters(tmp_path).get("x.rate")
    assert p.at(D(2025, 6, 30)).value == 0.15
    assert p.at(D(2025, 7, 1)).value == 0.10
    assert p.at(D(2024, 12, 31)) is None


@pytest.mark.parametrize(("text", "message"), [
    ("x.a:\n  description: a\n  unit: fen\n  values:\n    2025-01-01: {value: 1}\n", "缺少 source"),
    ("x.a:\n  description: a\n  unit: fen\n  values:\n    2025-01-01: {value: 1, source: ''}\n", "缺少 source"),
    ("x.a:\n  description: a\n  unit: fen\n  values:\n    2025-02-01: {value: 1, source: s}\n"
     "    2025-01-01: {value: 2, source: s}\n", "未按升序"),
    ("x.a:\n  description: a\n  unit: fen\n  colour: red\n  values:\n    2025-01-01: {value: 1, source: s}\n",
     "未知字段：colour"),
    ("x.a:\n  description: a\n  unit: fen\n  values:\n    2025-01-01: {value: 1, source: s, valeu: 2}\n",
     "未知字段：valeu"),
    ("x.a:\n  description: a\n  unit: fen\n  values:\n    2025-01-01: {value: -5, source: s}\n", "与单位 fen 不符"),
    ("x.a:\n  description: a\n  unit: rate\n  values:\n    2025-01-01: {value: 15, source: s}\n", "与单位 rate 不符"),
    ("x.a:\n  description: a\n  unit: yuan\n  values:\n    2025-01-01: {value: 1, source: s}\n", "单位 yuan 未知"),
    ("x.a:\n  description: a\n  unit: fen\n  values:\n    soon: {value: 1, source: s}\n", "不是日期"),
    ("x.a:\n  unit: fen\n  values:\n    2025-01-01: {value: 1, source: s}\n", "缺少 description"),
    ("x.a:\n  description: a\n  unit: fen\n  values:\n    2025-01-01:\n      value: 1\n      source: s\n"
     "      retroactive_from: 2025-02-01\n", "retroactive_from"),
])
def test_a_malformed_parameter_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, text)
    with pytest.raises(InvalidInput, match=message) as info:
        load_parameters(tmp_path)
    assert "p.yaml" in info.value.message


def test_overrides_layer_on_without_touching_the_files() -> None:
    before = {f: f.read_bytes() for f in PARAMETERS_DIR.rglob("*.yaml")}
    params = default_parameters()
    proposed = params.with_overrides({"appliance.cap_per_item": 150000})
    assert proposed.lookup("appliance.cap_per_item", D(2025, 3, 1)).value == 150000
    assert params.lookup("appliance.cap_per_item", D(2025, 3, 1)).value == 200000
    assert {f: f.read_bytes() for f in PARAMETERS_DIR.rglob("*.yaml")} == before
    with pytest.raises(InvalidInput, match="未知参数"):
        params.with_overrides({"appliance.nope": 1})
    with pytest.raises(InvalidInput, match="不符"):
        params.with_overrides({"appliance.rate.grade1": 2})
