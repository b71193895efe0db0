"""Extraction on plan-like documents written for these tests, not on the seeds: the conventions
of the genre used differently (labels, X牵头Y配合, 百分之, 翻一番, several years, a division table)."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.plans.importer.documents import COUNTY_MEASURES, NO_TARGETS

from huanxin.plans.importer import parse_text
from huanxin.plans.importer.proposal import Proposal, TargetProposal
from huanxin.plans.importer.responsibility import parse_clause
from huanxin.plans.importer.units import fold_key, kind_of


@pytest.fixture(scope="module")
def county() -> Proposal:
    return parse_text(COUNTY_MEASURES, filename="清河县若干举措.txt")


def target(p: Proposal, indicator: str, year: int) -> TargetProposal:
    found = [t for t in p.targets if t.indicator == indicator and t.year == year]
    assert len(found) == 1, [(t.indicator, t.year) for t in p.targets]
    return found[0]


def task(p: Proposal, title: str):  # type: ignore[no-untyped-def]
    return next(t for t in p.iter_tasks() if t.title == title)


def test_metadata_from_the_notice(county: Proposal) -> None:
    plan = county.plan
    assert plan.title == "清河县推动大规模设备更新和消费品以旧换新若干举措"
    assert plan.issuer == "清河县人民政府办公室"
    assert plan.doc_number == "清政办发〔2024〕21号"
    assert plan.issued_on == dt.date(2024, 8, 12)
    assert plan.status == "印发"
    assert any("国发〔2024〕7号" in d for d in plan.implements)


def test_targets_of_several_years_with_chinese_numbers(county: Proposal) -> None:
    t2024 = target(county, "equipment_investment", 2024)
    assert (t2024.kind, t2024.value, t2024.unit, t2024.baseline_year) == ("growth", 12, "%", 2023)  # 百分之十二
    t2026 = target(county, "equipment_investment", 2026)
    assert (t2026.value, t2026.comparator) == (20, "左右")  # full-width ２０％
    nev = target(county, "nev_stock", 2026)
    assert (nev.kind, nev.value, nev.unit, nev.comparator) == ("level", 23000, "辆", "突破")  # 2.3万辆
    doubled = target(county, "scrapped_car_recycling", 2026)
    assert (doubled.kind, doubled.value, doubled.baseline_year) == ("multiple", 1, 2023)  # 翻一番


def test_respectively_splits_subjects_and_values(county: Proposal) -> None:
    rd = target(county, "digital_rd_tool_penetration", 2026)
    cnc = target(county, "key_process_cnc_rate", 2026)
    assert (rd.value, cnc.value) == (85, 70)
    assert rd.kind == cnc.kind == "level" and rd.comparator == cnc.comparator == "不低于"


def test_body_targets_keep_their_own_year_and_source(county: Proposal) -> None:
    share = target(county, "benchmark_capacity_share", 2025)
    assert share.section == "body" and share.value == 40
    block = next(b for b in county.source.blocks if b.id == share.source)
    assert "标杆水平" in block.text


def test_annual_target_and_new_indicator_proposal(county: Proposal) -> None:
    annual = next(t for t in county.targets if t.annual)
    assert (annual.value, annual.unit, annual.comparator) == (30, "个", "以上")
    assert annual.year == 2024  # 每年 starts in the year of issue
    assert annual.indicator is None and not annual.include
    assert annual.proposed_indicator is not None and "技术改造项目" in annual.proposed_indicator.name
    events = next(t for t in county.targets if t.unit == "场")
    assert (events.value, events.comparator) == (6, "不少于")  # 不少于六场


def test_task_tree_levels_and_numbers(county: Proposal) -> None:
    assert [t.title for t in county.tasks] == ["重点举措", "保障措施"]  # 主要目标 is goals, not a task
    first = county.tasks[0]
    assert (first.level, first.no, first.action) == ("action", "二、", "other")
    key = first.children[0]
    assert (key.level, key.no, key.title) == ("key_task", "（一）", "实施工业设备更新")
    assert [(m.level, m.no) for m in key.children] == [("measure", "1."), ("measure", "2.")]


@pytest.mark.parametrize(("title", "mode", "lead", "co", "joint"), [
    ("推动企业技术改造", "lead_co", ["县工信局", "县发改局"], ["县财政局"], []),  # 责任单位：…；配合单位：…
    ("推进节能降碳改造", "lead_co", ["县发改局"], ["县工信局", "县生态环境局"], []),  # X牵头，Y配合
    ("开展汽车以旧换新", "lead_only", ["县商务局"], [], []),  # 牵头单位：X
    ("开展家电以旧换新", "joint", [], [], ["县商务局", "县供销社"]),  # 按职责分工负责
    ("强化资金保障", "lead_only", ["县财政局"], [], []),  # X负责
    ("加强督导考核", "lead_only", ["县发改局"], [], []),  # X牵头，各有关单位按职责分工负责
])
def test_responsibility_conventions(county: Proposal, title: str, mode: str, lead: list[str], co: list[str],
                                    joint: list[str]) -> None:
    t = task(county, title)
    assert (t.mode, t.lead, t.co, t.joint) == (mode, lead, co, joint)
    assert t.responsibility


def test_division_table_columns_give_lead_co_and_deadline(county: Proposal) -> None:
    attachment = county.attachments[0]
    assert attachment.title == "清河县大规模设备更新和以旧换新重点任务分工表"
    rows = attachment.tasks
    assert [(r.no, r.title, r.lead, r.co, r.deadline) for r in rows][:2] == [
        ("1", "建立设备更新项目库", ["县发改局"], ["县工信局", "县财政局"], "2024年9月底前"),
        ("2", "开展二手车交易便利化改革", ["县商务局"], ["县公安局"], "2024年底前"),
    ]


def test_every_item_links_to_a_block_of_the_document(county: Proposal) -> None:
    ids = {b.id for b in county.source.blocks}
    assert all(t.source in ids for t in county.targets)
    assert all(t.source in ids for t in county.iter_tasks())


def test_document_without_targets_says_so() -> None:
    p = parse_text(NO_TARGETS)
    assert p.targets == []
    assert any("未识别到量化目标" in w for w in p.warnings)
    assert [t.title for t in p.tasks[0].children] == ["摸清底数", "加强宣传"]


def test_comma_rule_sentence_switches_comma_meaning() -> None:
    clause = "（市工信局，市财政局、市商务局按职责分工负责）"
    assert parse_clause(clause, comma_rule=True).lead == ["市工信局"]
    without = parse_clause(clause, comma_rule=False)
    assert (without.mode, without.joint) == ("joint", ["市工信局", "市财政局", "市商务局"])


def test_rule_sentence_and_county_note_inside_the_first_bracket() -> None:
    text = ("某某市推动大规模设备更新和消费品以旧换新实施方案\n\n二、实施设备更新行动\n\n（一）推进工业设备更新\n\n"
            "推动技改。支持企业更新设备。〔市经信局，市发改委。顿号前为牵头单位，下同。各项任务均需各区县政府落实，不再单独列出〕\n\n"
            "推动数字化。建设工业互联网。（市经信局，市发改委、市数据局）\n")
    p = parse_text(text)
    assert p.plan.responsibility_rule and "牵头单位" in p.plan.responsibility_rule
    assert p.plan.implementers_note == "各项任务均需各区县政府落实，不再单独列出"
    second = task(p, "推动数字化")
    assert (second.lead, second.co, second.all_counties) == (["市经信局"], ["市发改委", "市数据局"], True)


@pytest.mark.parametrize(("a", "b"), [
    ("市发展改革委", "市发改委"), ("市发改委", "市发展和改革委员会"), ("市经济和信息化局", "市经信局"),
    ("市住房和城乡建设局", "市住建局"), ("市市场监督管理局", "市市场监管局"),
    ("人行资阳市分行", "中国人民银行资阳分行"),
    ("国家金融监督管理总局邵阳监管分局", "金融监管局邵阳分局"), ("市城市管理局", "市城管局"),
])
def test_alias_spellings_fold_to_one_unit(a: str, b: str) -> None:
    assert fold_key(a) == fold_key(b)


def test_different_units_stay_apart() -> None:
    assert fold_key("市发改委") != fold_key("县发改局")
    assert fold_key("市商务局") != fold_key("市财政局")


@pytest.mark.parametrize(("name", "kind"), [
    ("市商务局", "department"), ("安岳县人民政府", "county"), ("高新区管委会", "zone"), ("市税务局", "agency"),
    ("人民银行攀枝花市分行", "bank"), ("国网阳泉供电公司", "enterprise"),
])
def test_unit_kinds(name: str, kind: str) -> None:
    assert kind_of(name) == kind


def test_aliases_merge_into_one_proposed_unit() -> None:
    text = ("某某市推动设备更新实施方案\n\n二、重点任务\n\n（一）项目库\n\n"
            "建立项目库。梳理项目。（市发展改革委负责）\n\n"
            "（二）政策\n\n争取资金。做好申报。（市发改委、市财政局按职责分工负责）\n")
    p = parse_text(text)
    unit = next(u for u in p.units if "发" in u.name and "改" in u.name)
    assert {unit.name, *unit.aliases} == {"市发展改革委", "市发改委"}
