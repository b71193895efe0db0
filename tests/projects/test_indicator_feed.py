"""The library feeds the indicators (issue 12, item 7): on a small hand-made library of 资阳, the
equipment investment, projects started and completed, energy saved and the efficiency shares of
the year to date; projects still in review, drafts and returned ones are left out (as the feed
documents); the cockpit's 设备投资增长 target reads the computed figure against the 2023 baseline;
a stated figure wins over a computed one; and the figures by field and county link to the list."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.projects.support import Library, setup_library

from huanxin.indicators import service as indicators_service
from huanxin.indicators.city_progress import city_progress
from huanxin.kit.clock import now
from huanxin.projects import indicator_feed as feed
from huanxin.projects import library_figures
from huanxin.projects.models import Project, ProjectEquipment

YI = 10**10  # 1 亿元 in fen
CITY = "512000"


_SEQ = itertools.count(1)  # project codes are unique per city and fit the column (30)


def _project(db: Session, lib: Library, status: str, start: str, equipment_yi: float, *, finish: str = "2026-06-30",
             tce: float = 0.0, region: str | None = None, field: str = "industry",
             lines: list[dict[str, Any]] | None = None) -> Project:
    at = now()
    equipment = int(equipment_yi * YI)
    project = Project(
        city_code=CITY, code=f"T-{next(_SEQ):05d}", enterprise_id=lib.enterprise.id,
        region_code=region or lib.region_code, name=f"测试项目{start}", field=field, directions=["energy_saving"],
        total_investment_fen=equipment * 2, fixed_asset_fen=equipment * 2, equipment_investment_fen=equipment,
        start_on=dt.date.fromisoformat(start), finish_on=dt.date.fromisoformat(finish),
        construction="under_construction", invested_permille=500, energy_saved_tce=tce, status=status,
        created_at=at, updated_at=at)
    db.add(project)
    db.flush()
    for position, line in enumerate(lines or []):
        db.add(ProjectEquipment(project_id=project.id, position=position, name="设备", **line))
    db.flush()
    return project


@pytest.fixture()
def lib(db: Session) -> Library:
    lib = setup_library(db, CITY)
    # In the library (approved, batched, reported), started in 2025 …
    _project(db, lib, "approved", "2025-02-10", 1.2, finish="2025-08-31", tce=300.0)
    _project(db, lib, "batched", "2025-05-20", 0.5, finish="2025-12-20", tce=120.5)
    _project(db, lib, "reported", "2025-11-03", 0.3)
    _project(db, lib, "approved", "2025-03-15", 0.4, region=lib.other_region_code, field="healthcare",
             finish="2025-06-10", tce=10.0)
    # … in another year …
    _project(db, lib, "approved", "2024-06-01", 0.8, finish="2025-01-20", tce=50.0)
    # … and not in the library: in review, a draft, a returned one.
    _project(db, lib, "county", "2025-03-01", 2.0)
    _project(db, lib, "office", "2025-04-01", 0.7)
    _project(db, lib, "draft", "2025-01-15", 5.0, finish="2025-03-01", tce=999.0)
    _project(db, lib, "returned", "2025-04-01", 1.0)
    return lib


def _observed(db: Session, code: str, year: int, month: int, region: str = CITY) -> Any:
    scope = feed._feed_scope(CITY)
    found = [o for o in indicators_service.list_observations(db, scope, CITY, indicator_code=code, year=year)
             if o.month == month and o.region_code == region]
    return found[0] if found else None


def test_equipment_investment_counts_library_projects_by_start_date(db: Session, lib: Library) -> None:
    result = feed.feed_indicators(db, CITY, 2025, 6)
    # January–June 2025: 1.2 + 0.5 + 0.4 亿元 (three library projects); in review, draft and returned left out
    assert result.written[feed.EQUIPMENT_INVESTMENT] == pytest.approx(2.1)
    assert result.written[feed.PROJECTS_STARTED] == 3
    obs = _observed(db, feed.EQUIPMENT_INVESTMENT, 2025, 6)
    assert obs.source == "computed" and obs.value == pytest.approx(2.1)
    assert "2025年1-6月开工的已入库项目3个" in obs.note
    assert "审核中项目2个（设备投资2.70亿元）未计入" in obs.note  # the county's and the office's
    full = feed.feed_indicators(db, CITY, 2025, 12)
    assert full.written[feed.EQUIPMENT_INVESTMENT] == pytest.approx(2.4)
    assert feed.feed_indicators(db, CITY, 2024, 12).written[feed.EQUIPMENT_INVESTMENT] == pytest.approx(0.8)


def test_counties_get_their_own_figures(db: Session, lib: Library) -> None:
    result = feed.feed_indicators(db, CITY, 2025, 12)
    assert result.regions_written[(feed.EQUIPMENT_INVESTMENT, lib.region_code)] == pytest.approx(2.0)
    assert result.regions_written[(feed.EQUIPMENT_INVESTMENT, lib.other_region_code)] == pytest.approx(0.4)
    assert _observed(db, feed.PROJECTS_STARTED, 2025, 12, lib.other_region_code).value == 1


def test_completed_projects_and_their_energy_saving_by_finish_date(db: Session, lib: Library) -> None:
    result = feed.feed_indicators(db, CITY, 2025, 12)
    # finished in 2025: the 2024 project (January), the two 2025 ones of 资阳's county and the other county's;
    # the draft that "finished" in March does not count
    assert result.written[feed.PROJECTS_COMPLETED] == 4
    assert result.written[feed.ENERGY_SAVED] == pytest.approx(50.0 + 300.0 + 120.5 + 10.0)
    assert feed.feed_indicators(db, CITY, 2025, 3).written[feed.PROJECTS_COMPLETED] == 1


def test_a_period_without_library_projects_gets_no_figure(db: Session, lib: Library) -> None:
    result = feed.feed_indicators(db, CITY, 2023, 12)
    assert feed.EQUIPMENT_INVESTMENT not in result.written
    assert result.skipped[feed.EQUIPMENT_INVESTMENT] == "当期没有可计入的已入库项目"
    assert _observed(db, feed.EQUIPMENT_INVESTMENT, 2023, 12) is None


def test_the_cockpit_target_reads_the_library_against_the_2023_baseline(db: Session, lib: Library) -> None:
    office = lib.scope(db, lib.office_user)
    indicators_service.set_baseline(db, office, CITY, indicators_service.BaselineInput(
        indicator_code=feed.EQUIPMENT_INVESTMENT, region_code=CITY, year=2023, value=2.0, note="市统计局"))
    feed.feed_indicators(db, CITY, 2025, 12)
    note = _observed(db, feed.EQUIPMENT_INVESTMENT, 2025, 12).note
    assert "2023年基期值2亿元" in note and "市统计局" in note
    target = next(t for t in city_progress(db, office, CITY).targets
                  if t.spec.indicator_code == feed.EQUIPMENT_INVESTMENT)
    # 资阳: 较2023年增长25% by 2027 → 2.5亿元; 2025's 2.4亿元 is 80% of the way from 2.0
    assert target.target_value == pytest.approx(2.5)
    assert target.actual == pytest.approx(2.4)
    assert target.percent == pytest.approx(80.0)


def test_without_a_baseline_the_note_says_so(db: Session, lib: Library) -> None:
    feed.feed_indicators(db, CITY, 2025, 12)
    assert "尚未录入2023年基期值" in _observed(db, feed.EQUIPMENT_INVESTMENT, 2025, 12).note


def test_a_stated_figure_of_the_year_wins(db: Session, lib: Library) -> None:
    office = lib.scope(db, lib.office_user)
    indicators_service.record_observation(db, office, CITY, indicators_service.ObservationInput(
        indicator_code=feed.EQUIPMENT_INVESTMENT, region_code=CITY, year=2025, month=9, value=150.0,
        note="市统计局：1-9月设备工器具购置投资"))
    result = feed.feed_indicators(db, CITY, 2025, 12)
    assert feed.EQUIPMENT_INVESTMENT not in result.written
    assert "以统计数为准" in result.skipped[feed.EQUIPMENT_INVESTMENT]
    assert _observed(db, feed.EQUIPMENT_INVESTMENT, 2025, 12) is None
    assert result.written[feed.PROJECTS_STARTED] == 4  # the other indicators are still computed


def test_a_later_feed_replaces_its_own_figure(db: Session, lib: Library) -> None:
    feed.feed_indicators(db, CITY, 2025, 12)
    _project(db, lib, "approved", "2025-07-01", 1.0)
    feed.feed_indicators(db, CITY, 2025, 12)
    assert _observed(db, feed.EQUIPMENT_INVESTMENT, 2025, 12).value == pytest.approx(3.4)


def test_efficiency_shares_of_the_new_equipment(db: Session, lib: Library) -> None:
    lines = [
        {"side": "new", "category": "pump", "quantity": 2, "rated_power_kw": 30.0, "declared_grade": 1},
        {"side": "new", "category": "air_compressor", "quantity": 1, "rated_power_kw": 40.0, "declared_grade": 2},
        {"side": "new", "category": "fan", "quantity": 4, "rated_power_kw": 25.0, "declared_grade": 3},
        {"side": "retired", "category": "pump", "quantity": 2, "rated_power_kw": 30.0, "declared_grade": 3},
        {"side": "new", "category": "machine_tool", "quantity": 1},  # no efficiency standard: left out
    ]
    _project(db, lib, "approved", "2026-01-05", 0.2, lines=lines)
    result = feed.feed_indicators(db, CITY, 2026, 3)
    # kW: 60 at 先进 (1级), 40 at 节能 (2级), 100 at 准入 (3级) of 200 classified
    assert result.written[feed.SAVING_SHARE] == pytest.approx(50.0)
    assert result.written[feed.ADVANCED_SHARE] == pytest.approx(30.0)
    note = _observed(db, feed.SAVING_SHARE, 2026, 3).note
    assert "按额定功率×数量（kW）" in note and "3行已评价、1行无法评价" in note


def test_figures_by_field_and_county_link_to_the_projects_behind_them(db: Session, lib: Library) -> None:
    office = lib.scope(db, lib.office_user)
    figures = library_figures.library_figures(db, office, CITY, region_names={lib.region_code: "雁江区"})
    year = next(y for y in figures.years if y.year == 2025)
    assert year.count == 4 and year.equipment_yi == pytest.approx(2.4)
    assert year.growth_pct is None  # no baseline entered
    fields = {c.key: c for c in year.by_field}
    assert fields["industry"].label == "工业" and fields["industry"].equipment_yi == pytest.approx(2.0)
    assert fields["healthcare"].count == 1
    assert fields["industry"].link == "/projects/library?stage=library&start_year=2025&field=industry"
    regions = {c.key: c for c in year.by_region}
    assert regions[lib.region_code].label == "雁江区"
    assert regions[lib.other_region_code].link.endswith(f"region={lib.other_region_code}")
    assert figures.in_review_count == 2


def test_another_citys_office_may_not_read_the_figures(db: Session, lib: Library) -> None:
    from huanxin.errors import NotFound

    with pytest.raises(NotFound):
        library_figures.library_figures(db, lib.scope(db, lib.foreign_office_user), CITY)


def test_the_cockpit_links_the_equipment_figure_to_its_projects() -> None:
    link = library_figures.source_link(feed.EQUIPMENT_INVESTMENT, 2025)
    assert link == "/projects/library?stage=library&start_year=2025"
    assert library_figures.source_link("scrapped_car_recycling", 2025) is None


def test_the_offices_approval_moves_the_figures_at_once(db: Session) -> None:
    from tests.projects.support import walked_to

    from huanxin.kit.clock import today

    lib = setup_library(db, CITY)
    year = today().year
    dates = {"start_on": today().replace(day=1).isoformat(), "finish_on": f"{year + 1}-12-31"}
    walked_to(db, lib, "office", **dates)  # 3,000万元 of equipment, waiting at the office
    assert _observed(db, feed.EQUIPMENT_INVESTMENT, year, today().month) is None
    walked_to(db, lib, "approved", **dates)  # the review chain calls feed.refresh_for
    assert _observed(db, feed.EQUIPMENT_INVESTMENT, year, today().month).value == pytest.approx(0.3)
    # a project started last year that enters the library now changes last year's figure too
    walked_to(db, lib, "approved", start_on=f"{year - 1}-05-01", finish_on=f"{year + 1}-06-30")
    assert _observed(db, feed.EQUIPMENT_INVESTMENT, year - 1, 12).value == pytest.approx(0.3)
