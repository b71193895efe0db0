"""The curated 安丘市 plan (anqiu-2024.yaml) checked against its seed text (安政发〔2024〕13号)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from huanxin.indicators.catalogue import catalogue
from huanxin.plans.plan_document import PLANS_DIR, PlanDoc, TaskDoc, load_plan_document

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "004_674a6e52ef9920f7.txt"
PLAN = PLANS_DIR / "anqiu-2024.yaml"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def source() -> str:
    if not SEED.exists():
        pytest.skip(f"seed text {SEED} not present (the shared seeds folder sits beside the repository)")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def flat(source: str) -> str:
    return squash(source)


@pytest.fixture(scope="module")
def doc() -> PlanDoc:
    return load_plan_document(PLAN)


def by_level(doc: PlanDoc, level: str) -> list[TaskDoc]:
    return [t for t in doc.iter_tasks() if t.level == level]


def find(doc: PlanDoc, key_no: str | None, no: str, action_no: str = "二、") -> TaskDoc:
    action = next(t for t in doc.tasks if t.no == action_no)
    parent = action if key_no is None else next(k for k in action.children if k.no == key_no)
    return next(m for m in parent.children if m.no == no)


# --- metadata -----------------------------------------------------------------------------------


def test_metadata(doc: PlanDoc, flat: str) -> None:
    assert doc.key == "anqiu-2024"
    assert doc.city == "370784"
    assert doc.title == "安丘市推动大规模设备更新和消费品以旧换新行动方案"
    assert doc.issuer == "安丘市人民政府"
    assert doc.doc_number == "安政发〔2024〕13号"
    assert str(doc.issued_on) == "2024-07-23"
    assert doc.status == "印发"
    assert doc.implements == ["国发〔2024〕7号", "鲁政发〔2024〕3号", "潍政字〔2024〕14号"]
    for item in [doc.title, doc.doc_number, doc.issuer, "2024年7月23日", *doc.implements]:
        assert item in flat
    assert SEED.name == doc.source_file


# --- units --------------------------------------------------------------------------------------


def test_every_responsible_unit_in_text_is_a_unit(doc: PlanDoc, flat: str) -> None:
    lookup = doc.unit_lookup()
    clauses = re.findall(r"\((牵头单位[^()]*)\)", flat)
    named = {n for c in clauses for n in re.split(r"[、;；]|牵头单位[:：]|责任单位[:：]", c) if n}
    assert named <= set(lookup)
    assert len(named) == 23
    for unit in doc.units:
        for spelling in (unit.name, *unit.aliases):
            assert spelling in flat, spelling


def test_unit_kinds(doc: PlanDoc) -> None:
    kinds = {u.name: u.kind for u in doc.units}
    assert kinds["潍坊市生态环境局安丘分局"] == "agency"
    assert kinds["国家金融监督管理总局安丘监管支局"] == "agency"
    assert kinds["市税务局"] == "agency"
    assert kinds["市发改局"] == "department"
    assert kinds["各镇政府"] == "town"
    assert kinds["开发区管委会"] == "zone"
    assert doc.unit_lookup()["市政府"] == "安丘市人民政府"
    # the plan names no individual 镇/街道: only the three collective recipients are towns/zones
    assert sorted(u.name for u in doc.units if u.kind in ("town", "zone")) == [
        "各镇政府",
        "开发区管委会",
        "街办",
    ]
    assert len(doc.units) == 27


# --- targets ------------------------------------------------------------------------------------


def test_target_texts_are_verbatim(doc: PlanDoc, flat: str) -> None:
    for target in doc.targets:
        assert squash(target.text) in flat, target.text


def test_target_indicators_are_catalogued(doc: PlanDoc) -> None:
    known = catalogue()
    for target in doc.targets:
        assert target.indicator in known, target.indicator
        if target.kind == "level":
            assert target.unit == known[target.indicator].unit, target.indicator


GOALS = [  # (indicator, year, kind, value, baseline_year)
    ("benchmark_capacity_share", 2025, "level", 35, None),
    ("nev_stock", 2025, "level", 18000, None),
    ("scrapped_car_recycling", 2025, "level", 10000, None),
    ("used_to_new_car_ratio", 2025, "ratio", 0.8, None),
    ("waste_appliance_recycling", 2025, "growth", 15, 2023),
    ("equipment_investment", 2027, "growth", 28, 2023),
    ("below_baseline_capacity_exit", 2027, "level", 100, None),
    ("digital_rd_tool_penetration", 2027, "level", 92, None),
    ("key_process_cnc_rate", 2027, "level", 75, None),
    ("scrapped_car_recycling", 2027, "growth", 30, 2023),
    ("used_car_transactions", 2027, "growth", 45, 2023),
    ("waste_appliance_recycling", 2027, "growth", 30, 2023),
]


def test_goals_targets(doc: PlanDoc, source: str) -> None:
    got = [
        (t.indicator, t.year, t.kind, t.value, t.baseline_year) for t in doc.targets if t.section == "goals"
    ]
    assert got == GOALS
    # every goals-section target text lies inside 一、总体目标
    goals_section = squash(source.split("一、总体目标")[1].split("二、重点任务")[0])
    for t in doc.targets:
        if t.section == "goals":
            assert squash(t.text) in goals_section, t.text
    # the numbers printed in the goals section (years, 国三 aside) are all accounted for
    printed = set(re.findall(r"\d+(?:\.\d+)?", goals_section)) - {"2023", "2025", "2027"}
    assert printed == {"35", "1.8", "1", "0.8", "15", "28", "92", "75", "30", "45"}


def test_goals_target_details(doc: PlanDoc) -> None:
    goals = {(t.indicator, t.year): t for t in doc.targets if t.section == "goals"}
    assert goals[("nev_stock", 2025)].unit == "辆"
    assert goals[("nev_stock", 2025)].comparator == "以上"
    assert goals[("used_to_new_car_ratio", 2025)].unit == ":1"
    assert goals[("scrapped_car_recycling", 2027)].comparator == "约"
    assert goals[("equipment_investment", 2027)].comparator == "以上"
    assert goals[("digital_rd_tool_penetration", 2027)].comparator == "超过"
    assert goals[("key_process_cnc_rate", 2027)].comparator == "超过"
    assert not any(t.aspirational for t in goals.values())
    assert {q.text for q in doc.qualitative_targets} == {
        "国三及以下非营运柴油货车基本淘汰",
        "力争环保绩效达到A、B级和引领性水平的产能比例提升",
    }


BODY = [  # (indicator, year, value, unit, comparator, aspirational, cumulative, annual)
    ("equipment_manufacturing_revenue", 2025, 160, "亿元", "左右", True, False, False),
    ("advanced_equipment_enterprise_share", 2025, 90, "%", "以上", True, False, False),
    ("digital_workshops_smart_factories", 2025, 7, "家", "以上", True, False, False),
    ("green_factories_provincial", 2025, 5, "家", None, True, True, False),
    ("nev_promotion_events", 2024, 2, "场", "以上", False, False, True),
    ("nev_rural_promotion_events", 2024, 2, "场", "不少于", False, False, True),
    ("sewage_plant_upgrade_rate", 2025, 60, "%", "达到", False, False, False),
    ("farm_mechanisation_rate", 2025, 90, "%", "以上", False, False, False),
]


def test_body_targets(doc: PlanDoc, source: str) -> None:
    body = [t for t in doc.targets if t.section == "body"]
    got = [
        (t.indicator, t.year, t.value, t.unit, t.comparator, t.aspirational, t.cumulative, t.annual)
        for t in body
    ]
    assert got == BODY
    assert all(t.kind == "level" for t in body)
    # each body target sits in the measure whose text contains it
    measures = by_level(doc, "measure")
    for t in body:
        assert any(squash(t.text) in squash(m.text or "") for m in measures), t.text
    # body sentences with 力争/到2025年/每年 + a number: all covered
    tasks_part = squash(source.split("二、重点任务")[1])
    assert tasks_part.count("力争到2025年") == 2
    assert tasks_part.count("到2025年") == 4


# --- tasks --------------------------------------------------------------------------------------


def test_task_counts(doc: PlanDoc, source: str, flat: str) -> None:
    lines = [ln.strip() for ln in source.splitlines() if ln.strip()]
    after = lines[lines.index("二、重点任务") :]
    assert (
        len(by_level(doc, "action")) == sum(bool(re.match(r"^[二三四五六七八九]、", ln)) for ln in after) == 2
    )
    assert (
        len(by_level(doc, "key_task"))
        == sum(bool(re.match(r"^\([一二三四五六七八九]\)", ln)) for ln in after)
        == 5
    )
    measure_lines = [ln for ln in after if re.match(r"^[一二三四五六七八九]是", ln)]
    assert len(by_level(doc, "measure")) == len(measure_lines) == 22
    assert by_level(doc, "sub_measure") == []
    with_clause = [t for t in doc.iter_tasks() if t.responsibility]
    assert len(with_clause) == flat.count("(牵头单位") == 22
    assert sum(t.mode == "lead_co" for t in with_clause) == flat.count("责任单位") == 19
    assert sum(t.mode == "lead_only" for t in with_clause) == 3
    # measures per key task, as printed
    counts = {k.no: len(k.children) for k in doc.tasks[0].children}
    assert counts == {"(一)": 4, "(二)": 3, "(三)": 5, "(四)": 4, "(五)": 3}
    assert [m.no for m in doc.tasks[1].children] == ["一是", "二是", "三是"]


def test_task_texts_and_clauses_verbatim(doc: PlanDoc, flat: str) -> None:
    for task in doc.iter_tasks():
        assert squash(task.title) in flat, task.title
        if task.text:
            assert squash(task.text) in flat, task.title
        if task.responsibility:
            assert "(" + squash(task.responsibility) + ")" in flat, task.title
            # the unit lists re-derived from the clause
            names = [n for n in re.split(r"[、;；]|牵头单位[:：]|责任单位[:：]", task.responsibility) if n]
            assert names == [*task.lead, *task.co], task.title


def test_action_kinds(doc: PlanDoc) -> None:
    assert [(t.no, t.title, t.action) for t in doc.tasks] == [
        ("二、", "重点任务", "other"),
        ("三、", "保障措施", "guarantee"),
    ]
    assert [k.action for k in doc.tasks[0].children] == [
        "equipment",
        "consumer",
        "equipment",
        "recycling",
        "standards",
    ]


SAMPLES = [  # (key task no, measure no, action no, title, mode, lead, co)
    ("(一)", "一是", "二、", "突出抓好技术改造", "lead_only", ["市工信局"], []),
    (
        "(一)",
        "四是",
        "二、",
        "推进产业绿色转型",
        "lead_co",
        ["市工信局", "市发改局"],
        ["潍坊市生态环境局安丘分局", "市应急局", "市市场监管局"],
    ),
    (
        "(二)",
        "一是",
        "二、",
        "开展汽车以旧换新",
        "lead_co",
        ["市商务局", "市发改局"],
        ["市工信局", "市公安局", "市交通运输局", "潍坊市生态环境局安丘分局", "市机关事务服务中心"],
    ),
    (
        "(三)",
        "二是",
        "二、",
        "推进交通运输设备更新",
        "lead_co",
        ["市交通运输局", "市公安局", "潍坊市生态环境局安丘分局"],
        ["市住建局"],
    ),
    (
        "(三)",
        "三是",
        "二、",
        "推进教育文旅设施水平提升",
        "lead_co",
        ["市教体局", "市文化和旅游局"],
        ["市委宣传部", "市人社局"],
    ),
    ("(三)", "五是", "二、", "推进医疗卫生设备升级", "lead_only", ["市卫健局"], []),
    (
        "(四)",
        "一是",
        "二、",
        "提升废旧物资处理能力",
        "lead_co",
        ["市发改局", "市商务局"],
        ["市财政局", "潍坊市生态环境局安丘分局", "市机关事务服务中心", "市供销联社"],
    ),
    (
        "(五)",
        "一是",
        "二、",
        "加快重点领域标准制定",
        "lead_co",
        ["市市场监管局"],
        ["市住建局", "市综合行政执法局", "市交通运输局", "市农业农村局", "市卫健局"],
    ),
    (
        None,
        "二是",
        "三、",
        "强化政策支持",
        "lead_co",
        ["市财政局", "市发改局", "市自然资源和规划局", "市税务局"],
        [
            "市工信局",
            "潍坊市生态环境局安丘分局",
            "市交通运输局",
            "市商务局",
            "市市场监管局",
            "市综合行政执法局",
        ],
    ),
    (
        None,
        "三是",
        "三、",
        "优化金融供给",
        "lead_co",
        ["国家金融监督管理总局安丘监管支局"],
        ["市财政局", "市发改局"],
    ),
    (None, "一是", "三、", "加强组织领导", "lead_only", ["市发改局"], []),
]


@pytest.mark.parametrize(("key_no", "no", "action_no", "title", "mode", "lead", "co"), SAMPLES)
def test_sampled_responsibilities(
    doc: PlanDoc,
    key_no: str | None,
    no: str,
    action_no: str,
    title: str,
    mode: str,
    lead: list[str],
    co: list[str],
) -> None:
    task = find(doc, key_no, no, action_no)
    assert task.title == title
    assert task.mode == mode
    assert task.lead == lead
    assert task.co == co
    assert task.joint == []
