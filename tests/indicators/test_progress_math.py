"""The progress rules on plain numbers: every target kind, missing baselines, forecasts, risk."""

from __future__ import annotations

import pytest

from huanxin.indicators.catalogue import IndicatorDef
from huanxin.indicators.forecast import LAST_GROWTH, LINEAR_TREND, forecast, needed_path
from huanxin.indicators.progress import (
    Obs,
    TargetSpec,
    compute,
    format_number,
    target_value_of,
    yearly_values,
)

AMOUNT = IndicatorDef(
    code="equipment_investment",
    name="设备投资规模",
    unit="亿元",
    direction="up",
    action="equipment",
    definition="",
)
SHARE = IndicatorDef(
    code="energy_saving_level_share",
    name="节能水平比例",
    unit="%",
    direction="up",
    action="equipment",
    definition="",
)
EMISSIONS = IndicatorDef(
    code="emissions", name="排放量", unit="万吨", direction="down", action="equipment", definition=""
)


def spec(kind: str, value: float, *, year: int = 2027, **kw: object) -> TargetSpec:
    return TargetSpec(id=1, plan_id=1, indicator_code="x", year=year, kind=kind, value=value, unit="", **kw)  # type: ignore[arg-type]


def run(
    s: TargetSpec,
    ind: IndicatorDef,
    obs: list[tuple[int, int, float]],
    baseline: float | None,
    this_year: int = 2025,
):
    return compute(
        s,
        ind,
        [Obs(y, m, v) for y, m, v in obs],
        baseline,
        start_year=2024,
        end_year=2027,
        this_year=this_year,
    )


@pytest.mark.parametrize(
    ("kind", "value", "baseline", "expected"),
    [
        ("growth", 25, 200.0, 250.0),  # 较2023年增长25%
        ("multiple", 1, 5000.0, 10000.0),  # 翻一番
        ("pp_increase", 15, 40.0, 55.0),  # 提高15个百分点
        ("level", 90, None, 90.0),
        ("ratio", 0.8, None, 0.8),
    ],
)
def test_target_value_in_the_indicators_own_unit(
    kind: str, value: float, baseline: float | None, expected: float
) -> None:
    assert target_value_of(spec(kind, value), baseline) == pytest.approx(expected)


def test_growth_target_progress_is_measured_from_the_baseline() -> None:
    result = run(spec("growth", 25, baseline_year=2023), AMOUNT, [(2024, 12, 220.0)], 200.0)
    assert result.target_value == pytest.approx(250)
    assert result.actual == pytest.approx(220)
    assert result.percent == pytest.approx(40)  # (220-200)/(250-200)
    assert result.needed == [(2023, 200), (2024, 212.5), (2025, 225), (2026, 237.5), (2027, 250)]


@pytest.mark.parametrize("kind", ["growth", "multiple", "pp_increase"])
def test_relative_target_without_baseline_says_so_and_invents_nothing(kind: str) -> None:
    result = run(spec(kind, 10, baseline_year=2023), AMOUNT, [(2024, 12, 220.0), (2025, 12, 240.0)], None)
    assert result.status == "missing_baseline"
    assert "缺少2023年基期值" in result.note
    assert result.target_value is None and result.percent is None
    assert result.forecast is None and result.at_risk is None and result.needed == []


def test_pp_increase_of_a_share() -> None:
    result = run(spec("pp_increase", 15, baseline_year=2023), SHARE, [(2024, 12, 45.0)], 40.0)
    assert result.target_value == 55
    assert result.percent == pytest.approx(5 / 15 * 100)


def test_level_without_baseline_uses_actual_over_target() -> None:
    result = run(spec("level", 90), SHARE, [(2024, 12, 81.0)], None)
    assert result.percent == pytest.approx(90)
    assert "基期值" in result.note and result.needed == []


def test_ratio_target_compares_the_ratio_itself() -> None:
    result = run(spec("ratio", 0.8, year=2025), AMOUNT, [(2024, 12, 0.5), (2025, 12, 0.82)], 0.4)
    assert result.target_value == 0.8
    assert result.status == "achieved" and result.at_risk is False


def test_linear_trend_on_track() -> None:
    # 200 → 215 → 230 (2023–2025): +15 a year reaches 260 in 2027, above 250.
    result = run(
        spec("growth", 25, baseline_year=2023),
        AMOUNT,
        [(2024, 12, 215.0), (2025, 12, 230.0)],
        200.0,
        this_year=2026,
    )
    assert result.forecast is not None and result.forecast.method == LINEAR_TREND
    assert result.forecast.value == pytest.approx(260)
    assert "最小二乘线性趋势" in result.forecast.label
    assert result.at_risk is False and result.status == "on_track"


def test_linear_trend_at_risk() -> None:
    # 200 → 205 → 210: +5 a year gives 220 in 2027, short of 250.
    result = run(
        spec("growth", 25, baseline_year=2023),
        AMOUNT,
        [(2024, 12, 205.0), (2025, 12, 210.0)],
        200.0,
        this_year=2026,
    )
    assert result.forecast is not None and result.forecast.value == pytest.approx(220)
    assert result.at_risk is True and result.status == "at_risk"


def test_two_points_fall_back_to_the_last_growth_rate() -> None:
    result = run(spec("growth", 25, baseline_year=2023), AMOUNT, [(2024, 12, 220.0)], 200.0)
    assert result.forecast is not None and result.forecast.method == LAST_GROWTH
    assert result.forecast.value == pytest.approx(200 * 1.1**4)  # +10% a year from 2023 to 2027
    assert "增长率" in result.forecast.label
    assert result.at_risk is False


def test_down_indicator_is_at_risk_when_forecast_stays_above_target() -> None:
    falling_slowly = run(
        spec("level", 80),
        EMISSIONS,
        [(2023, 12, 100.0), (2024, 12, 98.0), (2025, 12, 96.0)],
        None,
        this_year=2026,
    )
    assert falling_slowly.forecast is not None and falling_slowly.forecast.value == pytest.approx(92)
    assert falling_slowly.at_risk is True
    falling_fast = run(
        spec("level", 80),
        EMISSIONS,
        [(2023, 12, 100.0), (2024, 12, 92.0), (2025, 12, 84.0)],
        None,
        this_year=2026,
    )
    assert falling_fast.at_risk is False


def test_year_to_date_flows_are_annualised_shares_are_not() -> None:
    assert yearly_values([Obs(2025, 6, 60.0)], AMOUNT)[0].value == pytest.approx(120)
    assert yearly_values([Obs(2025, 6, 60.0)], SHARE)[0].value == pytest.approx(60)
    # The full-year figure wins over any year-to-date figure of the same year.
    values = yearly_values([Obs(2025, 6, 60.0), Obs(2025, 12, 130.0)], AMOUNT)
    assert [(v.value, v.estimated) for v in values] == [(130.0, False)]


def test_share_forecast_is_capped_at_100_percent() -> None:
    assert forecast([(2023, 80.0), (2024, 90.0), (2025, 99.0)], 2030, upper=100.0).value == 100.0  # type: ignore[union-attr]
    assert forecast([(2024, 50.0)], 2027) is None


def test_past_target_year_is_judged_on_its_full_year_figure() -> None:
    s = spec("level", 20000, year=2024)
    assert run(s, AMOUNT, [(2024, 12, 19000.0), (2025, 12, 30000.0)], None).status == "missed"
    assert run(s, AMOUNT, [(2024, 12, 21000.0)], None).status == "achieved"


def test_cumulative_target_adds_the_years_up() -> None:
    result = run(spec("level", 500, cumulative=True), AMOUNT, [(2024, 12, 150.0), (2025, 6, 75.0)], None)
    assert result.actual == pytest.approx(225)  # the year-to-date 75 counts as done, not annualised
    assert result.percent == pytest.approx(45)
    assert result.needed[0] == (2023, 0.0) and result.needed[-1] == (2027, 500)
    # 150 a year (2025 annualised from 75 in six months): 0 → 150 → 300 trends to 600 by 2027.
    assert result.forecast is not None and result.forecast.value == pytest.approx(600)
    assert result.at_risk is False


def test_cumulative_target_at_risk_at_a_slow_pace() -> None:
    result = run(spec("level", 500, cumulative=True), AMOUNT, [(2024, 12, 50.0), (2025, 6, 25.0)], None)
    assert result.forecast is not None and result.forecast.value == pytest.approx(200)
    assert result.at_risk is True and result.status == "at_risk"


def test_annual_target_compares_every_year() -> None:
    s = spec("level", 3, annual=True)
    missed_2024 = run(s, AMOUNT, [(2024, 12, 2.0), (2025, 12, 5.0)], None, this_year=2026)
    assert missed_2024.yearly[:2] == [(2024, 2.0, False), (2025, 5.0, True)]
    assert missed_2024.at_risk is True  # a missed year cannot be made good later
    every_year = run(s, AMOUNT, [(2024, 12, 3.0), (2025, 12, 4.0)], None, this_year=2026)
    assert every_year.at_risk is False
    assert every_year.needed == [(2024, 3), (2025, 3), (2026, 3), (2027, 3)]


def test_no_observations_means_no_data() -> None:
    result = run(spec("level", 90), SHARE, [], None)
    assert result.status == "no_data" and result.actual is None and result.at_risk is None


def test_needed_path_and_number_format() -> None:
    assert needed_path(2023, 0, 2025, 10) == [(2023, 0), (2024, 5), (2025, 10)]
    assert format_number(12345.6) == "12,346"
    assert format_number(0.80) == "0.8"
    assert format_number(None) == "—"
