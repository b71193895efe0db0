"""Expected benefits from the equipment list: motor replacements → kWh, tce and CO2 a year, with the method
stated; None with the reason wherever the list does not carry what is needed."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pytest

from huanxin.projects import benefits

ON = dt.date(2026, 3, 1)


@dataclass
class Line:
    side: str
    rated_power_kw: float | None
    efficiency_pct: float | None
    quantity: int = 1
    category: str = "motor"


def expected_kwh(kw: float, hours: float, old: float, new: float, units: int = 1) -> float:
    return kw * hours * (1 / (old / 100) - 1 / (new / 100)) * units


def test_a_replacement_pair_saves_power_times_hours_times_the_inverse_efficiencies() -> None:
    result = benefits.estimate([Line("retired", 11, 88.0), Line("new", 11, 93.3)], on=ON)
    kwh = expected_kwh(11, 4000, 88.0, 93.3)
    assert result.computed and result.replaced_units == 1 and result.hours_per_year == 4000
    assert math.isclose(result.electricity_saved_kwh or 0, round(kwh, 1))
    assert math.isclose(result.energy_saved_tce or 0, round(kwh * 0.1229 / 1000, 3))
    assert math.isclose(result.co2_cut_t or 0, round(kwh * 0.5306 / 1000, 3))
    for words in ("4000小时", "0.1229 kgce/kWh", "GB/T 2589-2020", "0.5306", "生态环境部"):
        assert words in result.method


def test_the_hours_and_the_emission_factor_can_be_overridden() -> None:
    result = benefits.estimate(
        [Line("retired", 11, 88.0), Line("new", 11, 93.3)], on=ON, hours_per_year=6000, co2_kg_per_kwh=0.2
    )
    kwh = expected_kwh(11, 6000, 88.0, 93.3)
    assert math.isclose(result.electricity_saved_kwh or 0, round(kwh, 1))
    assert math.isclose(result.co2_cut_t or 0, round(kwh * 0.2 / 1000, 3))
    assert "6000小时" in result.method and "调用方提供" in result.method


def test_units_pair_by_rated_power_as_many_as_both_sides_have() -> None:
    items = [
        Line("retired", 15, 89.0, quantity=3),
        Line("new", 15, 93.9, quantity=2),
        Line("new", 30, 94.9),  # added capacity, no retired 30 kW motor: no saving counted
    ]
    result = benefits.estimate(items, on=ON)
    assert result.replaced_units == 2
    assert math.isclose(result.electricity_saved_kwh or 0, round(expected_kwh(15, 4000, 89.0, 93.9, 2), 1))


def test_other_equipment_is_left_out_of_the_motor_sum() -> None:
    items = [
        Line("retired", 11, 88.0),
        Line("new", 11, 93.3),
        Line("retired", 11, 50.0, category="pump"),
        Line("new", 11, 99.0, category="pump"),
    ]
    result = benefits.estimate(items, on=ON)
    assert result.replaced_units == 1


@pytest.mark.parametrize(
    ("items", "words"),
    [
        ([Line("new", 11, 93.3, category="boiler")], "没有电动机"),
        ([Line("retired", 11, None), Line("new", 11, 93.3)], "缺少"),
        ([Line("retired", 11, 88.0), Line("new", None, 93.3)], "缺少"),
        ([Line("retired", 11, 88.0), Line("new", 15, 93.9)], "配对"),
        ([Line("retired", 11, 120.0), Line("new", 11, 93.3)], "缺少"),
    ],
)
def test_without_the_data_there_is_no_figure_and_the_declared_one_stays(items: list[Line], words: str) -> None:
    result = benefits.estimate(items, on=ON)
    assert not result.computed
    assert result.energy_saved_tce is None and result.co2_cut_t is None
    assert words in result.method and "沿用项目申报值" in result.method


@pytest.mark.parametrize("hours", [0, -1, 9000, float("nan")])
def test_impossible_hours_are_refused(hours: float) -> None:
    result = benefits.estimate([Line("retired", 11, 88.0), Line("new", 11, 93.3)], on=ON, hours_per_year=hours)
    assert not result.computed and "年运行小时数" in result.method


def test_the_factors_cite_their_sources() -> None:
    assert benefits.coal_factor(ON).value == 0.1229
    assert "GB/T 2589-2020" in benefits.coal_factor(ON).source
    assert benefits.co2_factor(ON).value == 0.5306
    assert "2023年电力二氧化碳排放因子" in benefits.co2_factor(ON).source
    assert benefits.default_hours() == 4000
