"""Energy-efficiency levels at the edges of every table: exactly at a limit (不低于: it meets it) and just
below, at listed and intermediate ratings, for every category shipped, and the shares of new capacity."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from huanxin.projects import vocab
from huanxin.projects.efficiency import below_saving, capacity_shares, classify
from huanxin.projects.efficiency.motors import formula_limit, limits_for
from huanxin.projects.efficiency.tables import declared_table, motor_table
from huanxin.projects.models import ProjectEquipment


@dataclass
class Line:
    category: str
    rated_power_kw: float | None = None
    poles: int | None = None
    efficiency_pct: float | None = None
    declared_grade: int | None = None
    side: str = "new"
    quantity: int = 1


LEVEL_OF_GRADE = {1: "advanced", 2: "saving", 3: "entry"}


def motor(kw: float, poles: int, eff: float | None, **kw_args: object) -> Line:
    return Line("motor", kw, poles, eff, **kw_args)  # type: ignore[arg-type]


# --- GB 18613-2020 表1 -------------------------------------------------------------------------------


def test_every_listed_limit_is_met_when_equal_and_missed_just_below() -> None:
    table = motor_table()
    for row in table.rows:
        for index, poles in enumerate(table.poles):
            for grade in (1, 2, 3):
                limit = row.limits[grade][index]
                at = classify(motor(row.kw, poles, limit))
                assert at.level == LEVEL_OF_GRADE[grade], (row.kw, poles, grade, at.reason)
                below = classify(motor(row.kw, poles, round(limit - 0.1, 1)))
                expected = LEVEL_OF_GRADE.get(grade + 1, "below")
                assert below.level == expected, (row.kw, poles, grade, below.reason)


def test_iec_formula_reproduces_grades_2_and_3_of_the_table() -> None:
    """Independent check of the transcribed table: the IEC 60034-30-1 IE4/IE3 formula gives every listed
    value from 0.12 to 200 kW (so GB 18613-2020 grade 2 = IE4 and grade 3 = IE3 at 50 Hz)."""
    table = motor_table()
    checked = 0
    for row in table.rows:
        if row.kw > 200:
            continue
        for index in range(len(table.poles)):
            for grade in (2, 3):
                value = formula_limit(table, grade, row.kw, index)
                assert value is not None, row.kw
                assert math.isclose(value, row.limits[grade][index], abs_tol=1e-9), (row.kw, grade, index)
                checked += 1
    assert checked == 29 * 4 * 2


def test_the_table_cites_its_standard_and_covers_the_legal_range() -> None:
    table = motor_table()
    assert table.standard == "GB 18613-2020"
    assert "表1" in table.citation
    assert table.scope_kw == (0.12, 1000.0)
    assert table.poles == (2, 4, 6, 8)
    assert table.levels == {1: "advanced", 2: "saving", 3: "entry"}


def test_the_result_names_the_numbers_it_compared() -> None:
    result = classify(motor(11, 4, 91.4))
    assert result.level == "entry" and result.label == "准入水平"
    assert result.standard.startswith("GB 18613-2020")
    assert "91.4%" in result.reason and "4极" in result.reason
    assert result.measured and result.grade == 3


def test_below_grade_3_is_below_entry() -> None:
    result = classify(motor(11, 4, 91.3))
    assert result.level == "below"
    assert result.label == vocab.EFFICIENCY_LEVELS["below"]
    assert "低于3级" in result.reason


def test_an_intermediate_rating_uses_the_formula_for_grades_2_and_3() -> None:
    limits = limits_for(12, 4)
    eleven, fifteen = limits_for(11, 4), limits_for(15, 4)
    for grade in (2, 3):
        assert eleven.limits[grade] < limits.limits[grade] < fifteen.limits[grade]
    # Grade 1 has no published coefficients: the next lower listed rating.
    assert limits.limits[1] == eleven.limits[1]
    assert "插值公式" in limits.method and "11 kW" in limits.method
    at = classify(motor(12, 4, limits.limits[2]))
    assert at.level == "saving"
    assert classify(motor(12, 4, round(limits.limits[2] - 0.1, 1))).level == "entry"


@pytest.mark.parametrize(("kw", "lower"), [(0.6, 0.55), (0.7, 0.55), (220, 200), (240, 200), (999, 900)])
def test_where_the_formula_does_not_reach_the_next_lower_rating_applies(kw: float, lower: float) -> None:
    limits = limits_for(kw, 2)
    assert limits.limits == limits_for(lower, 2).limits
    assert "相邻较低档" in limits.method


def test_six_pole_grade_2_steps_between_200_and_315_kw() -> None:
    assert limits_for(200, 6).limits[2] == 96.3
    assert limits_for(250, 6).limits[2] == 96.5
    assert limits_for(315, 6).limits[2] == 96.6


@pytest.mark.parametrize(("kw", "poles"), [(0.1, 4), (1200, 4), (11, 10), (11, 3)])
def test_outside_the_table_without_a_declared_grade_there_is_no_level(kw: float, poles: int) -> None:
    result = classify(motor(kw, poles, 95.0))
    assert result.level is None and result.label == "无法评价"
    assert "GB 18613-2020" in result.reason


def test_outside_the_table_falls_back_to_the_declared_grade() -> None:
    result = classify(motor(1200, 4, 96.0, declared_grade=2))
    assert result.level == "saving"
    assert "1200 kW" in result.reason and "申报" in result.reason
    assert not result.measured


@pytest.mark.parametrize("missing", ["rated_power_kw", "poles", "efficiency_pct"])
def test_a_motor_missing_data_uses_its_declared_grade_and_says_so(missing: str) -> None:
    line = motor(11, 4, 91.4, declared_grade=1)
    setattr(line, missing, None)
    result = classify(line)
    assert result.level == "advanced"
    assert "申报值，未经实测核验" in result.reason and "缺少" in result.reason
    line.declared_grade = None
    assert classify(line).level is None


@pytest.mark.parametrize("eff", [0.0, 100.0, 120.0, -5.0, float("nan")])
def test_an_impossible_efficiency_is_refused(eff: float) -> None:
    result = classify(motor(11, 4, eff))
    assert result.level is None
    assert "实测效率" in result.reason


def test_a_model_row_is_classified_like_any_object() -> None:
    row = ProjectEquipment(
        side="new", category="motor", name="电动机", rated_power_kw=7.5, poles=2, efficiency_pct=93.3, quantity=1
    )
    assert classify(row).level == "advanced"


# --- declared grades (transformers, fans, pumps, compressors, boilers, air conditioners) --------------

DECLARED = ["transformer", "fan", "pump", "air_compressor", "boiler", "air_conditioner"]
STANDARDS = {
    "transformer": "GB 20052-2024",
    "fan": "GB 19761-2020",
    "pump": "GB 19762-2025",
    "air_compressor": "GB 19153-2019",
    "boiler": "GB 24500-2020",
    "air_conditioner": "GB 21455-2019",
}


@pytest.mark.parametrize("category", DECLARED)
@pytest.mark.parametrize("grade", [1, 2, 3])
def test_declared_grade_maps_to_its_level(category: str, grade: int) -> None:
    result = classify(Line(category, declared_grade=grade))
    assert result.level == LEVEL_OF_GRADE[grade]
    assert result.standard.startswith(STANDARDS[category])
    assert "申报值，未经实测核验" in result.reason
    assert not result.measured


@pytest.mark.parametrize("category", DECLARED)
@pytest.mark.parametrize("grade", [None, 0, 4, 5])
def test_a_missing_or_unverified_grade_has_no_level(category: str, grade: int | None) -> None:
    result = classify(Line(category, declared_grade=grade))
    assert result.level is None
    assert STANDARDS[category] in result.reason


def test_every_table_category_is_known_to_the_vocabulary() -> None:
    assert set(declared_table().categories) <= set(vocab.EQUIPMENT_CATEGORIES)
    assert declared_table().categories["transformer"].in_force is not None
    assert str(declared_table().categories["transformer"].in_force) == "2025-02-01"


@pytest.mark.parametrize("category", ["machine_tool", "vehicle", "elevator", "other"])
def test_a_category_without_an_efficiency_standard_is_not_rated(category: str) -> None:
    result = classify(Line(category, declared_grade=1))
    assert result.level is None
    assert "暂无" in result.reason and result.standard == ""


def test_an_unknown_category_is_not_rated() -> None:
    result = classify(Line("spaceship", declared_grade=1))
    assert result.level is None and "未知的设备类别" in result.reason


# --- shares of new capacity ---------------------------------------------------------------------------


def test_shares_weigh_by_rated_power_times_quantity() -> None:
    items = [
        motor(11, 4, 94.6, quantity=2),  # advanced, 22 kW
        motor(22, 4, 94.5),  # saving (2级 94.5), 22 kW
        motor(11, 4, 91.4),  # entry, 11 kW
        motor(55, 4, 90.0, side="retired"),  # old equipment: not in the shares
        Line("vehicle"),  # no standard: unclassified
    ]
    shares = capacity_shares(items)
    assert shares.basis == "capacity" and shares.basis_label.startswith("按额定功率")
    assert shares.total == 55
    assert shares.advanced == 22 and shares.saving_or_better == 44
    assert shares.advanced_permille == 400 and shares.saving_permille == 800
    assert shares.classified_lines == 3 and shares.unclassified_lines == 1
    assert [flag.item.rated_power_kw for flag in shares.below_saving] == [11]


def test_shares_count_units_when_a_rated_power_is_missing() -> None:
    items = [motor(11, 4, 94.6, quantity=3), Line("boiler", declared_grade=3)]
    shares = capacity_shares(items)
    assert shares.basis == "count"
    assert shares.total == 4
    assert shares.advanced_permille == 750 and shares.saving_permille == 750


def test_shares_of_nothing_classifiable_are_empty_not_zero() -> None:
    shares = capacity_shares([Line("vehicle"), motor(11, 4, 95.0, side="retired")])
    assert shares.advanced_permille is None and shares.saving_permille is None
    assert shares.classified_lines == 0 and shares.unclassified_lines == 1


def test_below_saving_flags_new_entry_and_below_lines_only() -> None:
    items = [
        motor(11, 4, 93.3),  # saving: not flagged
        motor(11, 4, 93.2, quantity=2),  # entry: flagged
        motor(11, 4, 80.0),  # below entry: flagged
        motor(11, 4, 80.0, side="retired"),  # old: not flagged
        Line("fan", declared_grade=3),  # entry by declared grade: flagged
        Line("fan"),  # no grade: not flagged, its reason says why
    ]
    flags = below_saving(items)
    assert [flag.result.level for flag in flags] == ["entry", "below", "entry"]
    assert all(flag.item.side == "new" for flag in flags)
