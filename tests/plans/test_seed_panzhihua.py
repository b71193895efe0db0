"""Check the curated 攀枝花 plan (panzhihua-2024.yaml) against its seed text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from huanxin.plans.plan_document import PLANS_DIR, load_plan_document

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "001_98629c5a0e9233dd.txt"
PLAN = PLANS_DIR / "panzhihua-2024.yaml"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def raw() -> str:
    if not SEED.exists():
        pytest.skip(f"seed text {SEED} not available (shared seeds folder beside the repo is absent)")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def src(raw: str) -> str:
    return squash(raw)


@pytest.fixture(scope="module")
def body(src: str) -> str:
    return src[src.index("二、突出重点领域，实施设备更新行动") : src.index("附件：推动大规模设备更新")]


@pytest.fixture(scope="module")
def doc():
    return load_plan_document(PLAN)


def by_title(nodes, title):
    for node in nodes:
        if node.title == title:
            return node
        found = by_title(node.children, title)
        if found is not None:
            return found
    return None


def walk(nodes):
    for node in nodes:
        yield node
        yield from walk(node.children)


def test_metadata(doc, src):
    assert doc.key == "panzhihua-2024"
    assert doc.city == "510400"
    assert doc.doc_number == "攀府发〔2024〕11号"
    assert str(doc.issued_on) == "2024-07-05"
    assert doc.issuer == "攀枝花市人民政府"
    assert doc.status == "印发"
    assert doc.title == "攀枝花市推动大规模设备更新和消费品以旧换新实施方案"
    expected = (doc.doc_number, doc.issuer, doc.title, "2024年7月5日", doc.responsibility_rule, doc.implementers_note)
    for value in expected:
        assert squash(value) in src
    assert doc.responsibility_rule == "逗号前为牵头单位，下同"
    assert doc.implementers_note == "各项任务均需各县（区）人民政府、钒钛高新区管委会贯彻落实，不再单独列出"
    for item in doc.implements:
        assert squash(item) in src, item


def test_units(doc, src):
    lookup = doc.unit_lookup()
    counties = {u.region: u.name for u in doc.units if u.kind == "county"}
    assert counties == {
        "510402": "东区人民政府",
        "510403": "西区人民政府",
        "510411": "仁和区人民政府",
        "510421": "米易县人民政府",
        "510422": "盐边县人民政府",
    }
    assert {u.name: u.kind for u in doc.units}["钒钛高新区管委会"] == "zone"
    named = {n for t in doc.iter_tasks() for n in (*t.lead, *t.co, *t.joint)}
    assert named <= set(lookup)
    for name in named:  # every spelling used by a task is printed in the plan
        assert name in src, name
    # 30 departments/agencies + 东区人民政府 + 钒钛高新区管委会 are assigned work
    assert len(named) == 32
    assert len(doc.units) == 37


def test_target_texts_are_verbatim(doc, src):
    for target in doc.targets:
        assert squash(target.text) in src, target.text
    for target in doc.qualitative_targets:
        assert squash(target.text) in src, target.text


GOALS = [
    # indicator, year, kind, value, baseline_year, aspirational
    ("equipment_investment", 2027, "growth", 25, 2023, False),
    ("below_baseline_capacity_exit", 2027, "level", 100, None, False),
    ("benchmark_capacity_share", 2027, "level", 30, None, False),
    ("digital_rd_tool_penetration", 2027, "level", 90, None, False),
    ("key_process_cnc_rate", 2027, "level", 75, None, False),
    ("scrapped_car_recycling", 2027, "multiple", 1, 2023, False),
    ("used_car_transactions", 2027, "growth", 50, 2023, False),
    ("waste_appliance_recycling", 2027, "growth", 35, 2023, False),
    ("water_drain_pipe_km", 2027, "level", 370, None, True),
    ("gas_pipe_km", 2027, "level", 330, None, True),
    ("elevators_installed", 2027, "level", 300, None, True),
    ("sewage_plants_upgraded", 2027, "level", 8, None, True),
]


def test_goals_targets(doc, src):
    goals = [t for t in doc.targets if t.section == "goals"]
    got = [(t.indicator, t.year, t.kind, t.value, t.baseline_year, t.aspirational) for t in goals]
    assert got == GOALS
    goal_text = src[src.index("到2027年，全市工业") : src.index("二、突出重点领域")]
    for t in goals:
        assert squash(t.text) in goal_text
    units = {t.indicator: (t.unit, t.comparator) for t in goals}
    assert units["benchmark_capacity_share"] == ("%", "超过")
    assert units["water_drain_pipe_km"] == ("公里", "以上")
    assert units["elevators_installed"] == ("部", "以上")
    assert units["scrapped_car_recycling"][0] == "倍"
    # 分别超过90%、75%: two targets from one clause
    both = [t for t in goals if "分别超过90%、75%" in t.text]
    assert [(t.indicator, t.value) for t in both] == [("digital_rd_tool_penetration", 90), ("key_process_cnc_rate", 75)]
    # the four 力争 targets and nothing else are aspirational
    assert {t.indicator for t in goals if t.aspirational} == {
        "water_drain_pipe_km", "gas_pipe_km", "elevators_installed", "sewage_plants_upgraded"}
    assert "力争" in goal_text and goal_text.count("力争") == 1


def test_body_and_attachment_targets(doc, body, src):
    rest = [(t.section, t.indicator, t.value, t.unit, t.aspirational) for t in doc.targets if t.section != "goals"]
    assert rest == [
        ("body", "new_bus_nev_share", 100, "%", False),
        ("body", "passenger_ship_inspection_compliance", 100, "%", False),
        ("body", "school_equipment_renewal_institutions", 11, "所", False),
        ("body", "circular_transformation_parks", 3, "个", False),
        ("body", "tax_policy_outreach_coverage", 100, "%", False),
        ("attachment", "circular_transformation_parks", 3, "个", False),
        ("attachment", "project_financing_matching_coverage", 100, "%", True),
    ]
    attachment = src[src.index("推动大规模设备更新和消费品以旧换新重点任务清单重点任务") :]
    for t in doc.targets:
        if t.section == "body":
            assert squash(t.text) in body
        if t.section == "attachment":
            assert squash(t.text) in attachment
    assert len(doc.qualitative_targets) == 6


def level_counts(nodes):
    counts: dict[str, int] = {}
    for node in walk(nodes):
        counts[node.level] = counts.get(node.level, 0) + 1
    return counts


def test_body_task_counts(doc, raw, body):
    assert level_counts(doc.tasks) == {"action": 6, "key_task": 17, "measure": 26}
    numbered_actions = [t for t in doc.tasks if t.no]
    # 二、…六、 headings of the body (一、总体要求 holds the goals)
    body_raw = raw[raw.index("二、突出重点领域") : raw.index("附件：推动")]
    headings = re.findall(r"(?m)^([二三四五六七八九])、", body_raw)
    assert [t.no for t in numbered_actions] == [h + "、" for h in headings]
    # （一）…（十七）: key tasks, printed with full- or half-width brackets
    numerals = re.findall(r"[（(]([一二三四五六七八九十]+)[)）]", body)
    key_tasks = [t for t in walk(doc.tasks) if t.level == "key_task"]
    assert [re.sub(r"[（()）]", "", t.no) for t in key_tasks] == numerals
    assert len(numerals) == 17


def test_body_brackets_match_responsibilities(doc, body):
    # every unit bracket in the body: （市…） / (市…) / （人民银行…）, possibly containing 县（区）
    brackets = re.findall(r"[（(]((?:市|人民银行)[^（）()]*(?:[（(]区[)）][^（）()]*)*)[)）]", body)
    brackets = [b.split("。逗号前为牵头单位")[0] for b in brackets]
    assigned = [t for t in walk(doc.tasks) if t.responsibility]
    assert len(brackets) == 33
    assert len(assigned) == len(brackets)
    assert [t.responsibility for t in assigned] == brackets
    assert sum(t.level == "measure" for t in assigned) == 26
    assert sum(t.level == "key_task" for t in assigned) == 7
    for t in assigned:
        assert squash(t.text) in body
        assert t.all_counties
        assert t.mode in ("lead_co", "joint")
        if t.mode == "lead_co":
            assert "，" in t.responsibility or "," in t.responsibility
    assert sum(t.mode == "joint" for t in assigned) == 6


def test_attachment(doc, raw):
    (att,) = doc.attachments
    assert att.title == "推动大规模设备更新和消费品以旧换新重点任务清单"
    assert att.kind == "key_measures"
    assert level_counts(att.tasks) == {"action": 5, "key_task": 18, "measure": 45}
    table = raw[raw.index("推动大规模设备更新和消费品 以旧换新重点任务清单") :].splitlines()
    rows = [line for line in table if "\t" in line and not line.startswith("重点任务")]
    assert len(rows) == 45
    measures = [t for t in walk(att.tasks) if t.level == "measure"]
    # the last filled cell of each row is the 牵头责任单位, in the same order
    assert [t.responsibility for t in measures] == [[c for c in r.split("\t") if c.strip()][-1].strip() for r in rows]
    assert [a.no for a in att.tasks] == ["一、", "二、", "三、", "四、", "五、"]
    for t in measures:
        if t.responsibility.endswith("按职责分工负责"):
            assert t.mode == "joint"
        else:
            assert t.mode == "lead_only" and t.lead == t.responsibility.split("、") and not t.co


SAMPLES = {
    # title: (lead, co, joint)
    "分类施策推进重点领域升级改造": (
        ["市经济和信息化局"],
        ["市发展改革委", "市科技局", "市生态环境局", "市应急管理局", "市国资委", "市市场监管局"],
        [],
    ),
    "推进市政基础设施设备更新改造": (
        ["市公安局", "市住房城乡建设局", "市城管执法局"], ["市发展改革委", "市生态环境局"], []),
    "推动航空领域装备提质和铁路系统电气化水平提升": ([], [], ["市发展改革委", "市经济和信息化局", "市科技局"]),
    "支持老旧农机报废更新，农机装备提档升级": (
        ["市农业农村局", "市发展改革委"], ["市市场监管局", "市林业局"], []),
    "推动家装消费品换新": (
        ["市住房城乡建设局", "市商务局"],
        ["市发展改革委", "市民政局", "市市场监管局", "人民银行攀枝花市分行", "攀枝花金融监管分局", "市公积金中心"],
        [],
    ),
    "加快配套完善地方标准": (["市市场监管局"], ["市经济和信息化局", "市卫生健康委", "市消防救援支队"], []),
    "用好专项再贷款政策": (
        ["人民银行攀枝花市分行"],
        [
            "市发展改革委", "市经济和信息化局", "市生态环境局", "市住房城乡建设局",
            "市交通运输局", "市农业农村局", "市城管执法局",
        ],
        [],
    ),
    "落实税收支持政策": ([], [], ["市财政局", "市税务局"]),
    "加大设备更新领域信贷投入": (
        ["市财政局", "市经济和信息化局", "人民银行攀枝花市分行"], ["市发展改革委", "攀枝花金融监管分局"], []),
}


@pytest.mark.parametrize("title", list(SAMPLES))
def test_sampled_body_units(doc, title):
    node = by_title(doc.tasks, title)
    assert node is not None, title
    assert (node.lead, node.co, node.joint) == SAMPLES[title]


def test_sampled_attachment_units(doc):
    tasks = doc.attachments[0].tasks
    base = by_title(tasks, "加大国家大宗固体废弃物综合利用示范基地建设力度")
    assert base.lead == ["市发展改革委", "市经济和信息化局", "东区人民政府", "钒钛高新区管委会"]
    assert doc.unit_lookup()["东区人民政府"] == "东区人民政府"
    assert by_title(tasks, "制定《攀枝花市建筑和市政基础设施设备更新工作专项实施方案》").lead == [
        "市住房城乡建设局", "市城管执法局"]
    assert by_title(tasks, "通过简化流程、开辟绿色通道等方式,提高老旧汽车报废注销业务便利化水平").lead == ["市公安局"]
    assert by_title(tasks, "开展汽车以旧换新").level == "key_task"
    standards = by_title(tasks, "强化各类标准的宣贯实施")
    assert standards.mode == "joint" and standards.joint == [] and standards.lead == []
