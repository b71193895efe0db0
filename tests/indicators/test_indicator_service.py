"""Observations, baselines and progress through the service, on the real database and seed plans."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from indicator_helpers import (
    ANQIU,
    PANZHIHUA,
    YANGQUAN,
    ZIYANG,
    count_baselines,
    count_observations,
    username_of_unit,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from huanxin.indicators import service
from huanxin.indicators.service import BaselineInput, ObservationInput
from huanxin.kit.audit import AuditRecord
from huanxin.orgs.scope import Scope

Scopes = Callable[[str], Scope]


def obs(
    code: str, year: object, value: object, *, region: object = ZIYANG, month: object = 12
) -> ObservationInput:
    return ObservationInput(indicator_code=code, region_code=region, year=year, month=month, value=value)


def base(
    code: str,
    value: object,
    *,
    correct: bool = False,
    note: str | None = None,
    city: str = ZIYANG,
    year: object = 2023,
) -> BaselineInput:
    return BaselineInput(
        indicator_code=code, region_code=city, year=year, value=value, note=note, correct=correct
    )


def target_of(db: Session, scope: Scope, city: str, code: str, year: int = 2027):  # type: ignore[no-untyped-def]
    progress = service.city_progress(db, scope, city)
    return next(t for t in progress.targets if t.spec.indicator_code == code and t.spec.year == year)


def test_growth_target_from_entered_baseline_and_observations(db: Session, scope_for: Scopes) -> None:
    office = scope_for("ziyang-office")
    service.set_baseline(db, office, ZIYANG, base("equipment_investment", 200))
    service.record_observation(db, office, ZIYANG, obs("equipment_investment", 2024, 215))
    service.record_observation(db, office, ZIYANG, obs("equipment_investment", 2025, 230))
    t = target_of(db, office, ZIYANG, "equipment_investment")
    assert t.target_value == pytest.approx(250)  # 较2023年增长25%
    assert t.percent == pytest.approx(60)
    assert t.forecast is not None and t.forecast.method == "linear_trend"


def test_multiple_pp_and_ratio_targets_of_the_seed_plans(db: Session, scope_for: Scopes) -> None:
    ziyang, yangquan, anqiu = (
        scope_for("ziyang-office"),
        scope_for("yangquan-office"),
        scope_for("anqiu-office"),
    )
    service.set_baseline(db, ziyang, ZIYANG, base("scrapped_car_recycling", 5000))
    assert target_of(db, ziyang, ZIYANG, "scrapped_car_recycling").target_value == 10000  # 翻一番
    service.set_baseline(db, yangquan, YANGQUAN, base("energy_saving_level_share", 40, city=YANGQUAN))
    assert target_of(db, yangquan, YANGQUAN, "energy_saving_level_share").target_value == 55  # +15 个百分点
    service.record_observation(db, anqiu, ANQIU, obs("used_to_new_car_ratio", 2025, 0.85, region=ANQIU))
    ratio = target_of(db, anqiu, ANQIU, "used_to_new_car_ratio", 2025)
    assert ratio.target_value == 0.8 and ratio.status == "achieved"


def test_missing_baseline_is_reported_not_invented(db: Session, scope_for: Scopes) -> None:
    office = scope_for("ziyang-office")
    service.record_observation(db, office, ZIYANG, obs("used_car_transactions", 2024, 30000))
    t = target_of(db, office, ZIYANG, "used_car_transactions")
    assert t.status == "missing_baseline" and "缺少2023年基期值" in t.note
    assert t.target_value is None and t.percent is None and t.at_risk is None


def test_at_risk_both_ways_on_the_seed_target(db: Session, scope_for: Scopes) -> None:
    office = scope_for("panzhihua-office")
    service.set_baseline(db, office, PANZHIHUA, base("waste_appliance_recycling", 10000, city=PANZHIHUA))
    for year, value in ((2024, 10300), (2025, 10600)):  # +3% a year: well short of +35% by 2027
        service.record_observation(
            db, office, PANZHIHUA, obs("waste_appliance_recycling", year, value, region=PANZHIHUA)
        )
    slow = target_of(db, office, PANZHIHUA, "waste_appliance_recycling")
    assert slow.at_risk is True and slow.target_value == pytest.approx(13500)
    service.record_observation(
        db, office, PANZHIHUA, obs("waste_appliance_recycling", 2025, 12000, region=PANZHIHUA)
    )  # a correction: upsert
    fast = target_of(db, office, PANZHIHUA, "waste_appliance_recycling")
    assert fast.at_risk is False and fast.status == "on_track"


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        (obs("digital_rd_tool_penetration", 2024, 120), "value", "0 到 100"),
        (obs("digital_rd_tool_penetration", 2024, "八十"), "value", "不是有效数字"),
        (obs("used_car_transactions", 2024, -5), "value", "负数"),
        (obs("used_car_transactions", 2014, 5), "year", "2015 到 2035"),
        (obs("used_car_transactions", 2024, 5, month=13), "month", "1 到 12"),
        (obs("used_car_transactions", "二〇二四", 5), "year", "年份"),
        (obs("no_such_indicator", 2024, 5), "indicator_code", "不在指标目录"),
        (obs("used_car_transactions", 2024, 5, region="999999"), "region_code", "地区代码"),
        (obs("used_car_transactions", 2024, 5, region=PANZHIHUA), "region_code", "资阳市"),
    ],
)
def test_bad_values_are_refused_naming_the_field_and_nothing_is_written(
    db: Session, scope_for: Scopes, raw: ObservationInput, field: str, words: str
) -> None:
    before = count_observations(db)
    with pytest.raises(InvalidInput) as caught:
        service.record_observation(db, scope_for("ziyang-office"), ZIYANG, raw)
    assert caught.value.field == field
    assert words in caught.value.message
    assert count_observations(db) == before


def test_county_figure_and_year_to_date_period(db: Session, scope_for: Scopes) -> None:
    saved = service.record_observation(
        db,
        scope_for("ziyang-office"),
        ZIYANG,
        obs("used_car_transactions", 2025, "1,200", region="512021", month=6),
    )
    assert (saved.region_code, saved.month, saved.value, saved.source) == ("512021", 6, 1200.0, "entered")


def test_responsible_department_enters_its_own_indicators_only(db: Session, scope_for: Scopes) -> None:
    commerce = scope_for(username_of_unit(db, ZIYANG, "商务"))
    service.record_observation(db, commerce, ZIYANG, obs("used_car_transactions", 2024, 30000))
    with pytest.raises(Forbidden) as caught:
        service.record_observation(db, commerce, ZIYANG, obs("equipment_investment", 2024, 100))
    assert "发展改革" in caught.value.message  # names the unit that does own it
    industry = scope_for(username_of_unit(db, ZIYANG, "经济和信息化"))
    service.record_observation(db, industry, ZIYANG, obs("digital_rd_tool_penetration", 2024, 85))


def test_leader_reads_but_cannot_enter_and_county_enters_its_own_region(
    db: Session, scope_for: Scopes
) -> None:
    with pytest.raises(Forbidden):
        service.record_observation(
            db, scope_for("ziyang-leader"), ZIYANG, obs("used_car_transactions", 2024, 1)
        )
    county = scope_for("ziyang-county-512021")
    service.record_observation(db, county, ZIYANG, obs("used_car_transactions", 2024, 9000, region="512021"))
    with pytest.raises(Forbidden):
        service.record_observation(
            db, county, ZIYANG, obs("used_car_transactions", 2024, 9000, region="512022")
        )


def test_another_city_is_not_found(db: Session, scope_for: Scopes) -> None:
    before = count_observations(db)
    with pytest.raises(NotFound):
        service.record_observation(
            db, scope_for("panzhihua-office"), ZIYANG, obs("used_car_transactions", 2024, 1)
        )
    with pytest.raises(NotFound):
        service.city_progress(db, scope_for("panzhihua-office"), ZIYANG)
    assert count_observations(db) == before


def test_baseline_once_then_refused_unless_corrected_with_audit(db: Session, scope_for: Scopes) -> None:
    office = scope_for("ziyang-office")
    service.set_baseline(db, office, ZIYANG, base("equipment_investment", 200))
    with pytest.raises(Conflict) as caught:
        service.set_baseline(db, office, ZIYANG, base("equipment_investment", 210))
    assert "已录入" in caught.value.message and "更正" in caught.value.message
    with pytest.raises(InvalidInput) as no_reason:
        service.set_baseline(db, office, ZIYANG, base("equipment_investment", 210, correct=True))
    assert no_reason.value.field == "note"
    corrected = service.set_baseline(
        db, office, ZIYANG, base("equipment_investment", 210, correct=True, note="统计局年报修订")
    )
    assert corrected.value == 210
    record = db.scalar(
        select(AuditRecord)
        .where(AuditRecord.action == "correct_baseline")
        .order_by(AuditRecord.id.desc())
        .limit(1)
    )
    assert record is not None and record.detail["before"] == 200 and record.detail["after"] == 210
    assert target_of(db, office, ZIYANG, "equipment_investment").target_value == pytest.approx(262.5)


def test_only_the_office_enters_baselines_and_bad_ones_write_nothing(db: Session, scope_for: Scopes) -> None:
    before = count_baselines(db)
    with pytest.raises(Forbidden):
        service.set_baseline(
            db, scope_for(username_of_unit(db, ZIYANG, "商务")), ZIYANG, base("used_car_transactions", 1000)
        )
    with pytest.raises(InvalidInput) as caught:
        service.set_baseline(db, scope_for("ziyang-office"), ZIYANG, base("digital_rd_tool_penetration", 101))
    assert caught.value.field == "value"
    assert count_baselines(db) == before


def test_cockpit_counts_headline_risk_and_overdue_units(db: Session, scope_for: Scopes) -> None:
    import datetime as dt

    from huanxin.plans import repository as plans_repo
    from huanxin.plans import service as plans_service

    office = scope_for("ziyang-office")
    plan = plans_repo.plans_of_city(db, ZIYANG)[0]
    today = dt.date.today()
    plans_service.open_round(
        db,
        office,
        plan,
        title="第1轮",
        period="2024年第3季度",
        due_on=today - dt.timedelta(days=3),
        opened_on=today - dt.timedelta(days=30),
    )
    service.set_baseline(db, office, ZIYANG, base("equipment_investment", 200))
    service.record_observation(db, office, ZIYANG, obs("equipment_investment", 2024, 201))
    service.record_observation(db, office, ZIYANG, obs("equipment_investment", 2025, 202))
    view = service.cockpit(db, office, ZIYANG)
    assert view.at_risk_count >= 1
    assert all(t.spec.section == "goals" and not t.spec.aspirational for t in view.headline)
    assert view.plans and view.plans[0].light_counts["red"] > 0
    assert view.overdue and view.overdue[0].tasks  # units that owe overdue reports
    assert any(c["id"] for c in view.charts)


def test_cockpit_is_for_the_office_and_the_leader(db: Session, scope_for: Scopes) -> None:
    service.cockpit(db, scope_for("ziyang-leader"), ZIYANG)
    with pytest.raises(Forbidden):
        service.cockpit(db, scope_for(username_of_unit(db, ZIYANG, "商务")), ZIYANG)
    with pytest.raises(NotFound):
        service.cockpit(db, scope_for("ziyang-office"), PANZHIHUA)
