"""A target whose year is over is judged on that year's own figure, never on later years."""

from __future__ import annotations

from fastapi.testclient import TestClient
from indicator_helpers import SHAOYANG, scope_of
from sqlalchemy.orm import Session
from tests.conftest import login_browser

from huanxin.indicators import service
from huanxin.indicators.catalogue import IndicatorDef
from huanxin.indicators.progress import Obs, TargetSpec, compute
from huanxin.indicators.service import BaselineInput, ObservationInput

INVESTMENT = IndicatorDef(code="equipment_investment", name="设备投资规模", unit="亿元", direction="up",
                          action="equipment", definition="")
# 邵阳: 2024年…设备投资规模较2023年增长8%以上 (baseline 100 → target 108)
GROWTH_2024 = TargetSpec(id=1, plan_id=1, indicator_code="equipment_investment", year=2024, kind="growth",
                         value=8, unit="%", baseline_year=2023)


def judge(observations: list[tuple[int, int, float]]):  # type: ignore[no-untyped-def]
    return compute(GROWTH_2024, INVESTMENT, [Obs(*o) for o in observations], 100.0,
                   start_year=2024, end_year=2027, this_year=2026)


def test_a_2024_target_is_judged_on_2024_even_when_2026_figures_exist() -> None:
    result = judge([(2024, 12, 110.0), (2025, 12, 90.0), (2026, 11, 80.0)])
    assert (result.status_label, result.actual) == ("已达成", 110.0)
    assert result.observed == Obs(2024, 12, 110.0)  # the figure shown beside the target
    assert result.forecast is None


def test_an_incomplete_2024_is_judged_on_its_latest_month_and_says_so() -> None:
    result = judge([(2024, 6, 50.0), (2024, 11, 99.0), (2026, 11, 300.0)])
    assert result.observed == Obs(2024, 11, 99.0)
    assert result.status_label == "已达成"  # 99 in eleven months: 108 for the year
    assert "1–11月" in result.note


def test_no_2024_figure_says_no_data_for_that_year_not_missed() -> None:
    result = judge([(2023, 12, 100.0), (2025, 12, 90.0), (2026, 11, 80.0)])
    assert result.status_label == "无当年数据"
    assert result.at_risk is None and result.observed is None


def test_the_cockpit_shows_a_past_target_with_its_own_years_figure(client: TestClient, db: Session) -> None:
    office = scope_of(db, "shaoyang-office")
    service.set_baseline(db, office, SHAOYANG, BaselineInput(
        indicator_code="equipment_investment", region_code=SHAOYANG, year=2023, value=100))
    for year, month, value in [(2024, 12, 101.0), (2025, 12, 150.0), (2026, 11, 160.0)]:
        service.record_observation(db, office, SHAOYANG, ObservationInput(
            indicator_code="equipment_investment", region_code=SHAOYANG, year=year, month=month, value=value))
    login_browser(client, "shaoyang-office")
    page = client.get(f"/cities/{SHAOYANG}/cockpit").text
    row = next(r for r in page.split("<tr data-target=")[1:] if "较2023年增长8%" in r and "2024年" in r)
    assert "2024年" in row and "未达成" in row and "2026年" not in row
