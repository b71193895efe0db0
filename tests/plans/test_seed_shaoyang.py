"""The curated 邵阳 plan (shaoyang-2024.yaml) checked against its seed text."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from huanxin.indicators.catalogue import catalogue
from huanxin.plans.plan_document import PLANS_DIR, PlanDoc, TaskDoc, load_plan_document

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "002_3c0de72282de6dea.txt"
REGIONS = Path(__file__).resolve().parents[2] / "src" / "huanxin" / "data" / "regions.yaml"

pytestmark = pytest.mark.skipif(
    not SEED.exists(), reason=f"seed text {SEED} is not available (shared seeds folder beside the repo)"
)


def squash(text: str) -> str:
    return re.sub(r"\s", "", text)


@pytest.fixture(scope="module")
def source() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def flat(source: str) -> str:
    return squash(source)


@pytest.fixture(scope="module")
def attachment2(source: str) -> str:
    return source[source.index("附件2\n") :]


@pytest.fixture(scope="module")
def doc() -> PlanDoc:
    return load_plan_document(PLANS_DIR / "shaoyang-2024.yaml")


def walk(nodes: list[TaskDoc]) -> list[TaskDoc]:
    out: list[TaskDoc] = []
    for node in nodes:
        out.append(node)
        out.extend(walk(node.children))
    return out


def responsibility_list(doc: PlanDoc):
    (att,) = [a for a in doc.attachments if a.kind == "responsibility_list"]
    return att


def units_of(doc: PlanDoc, task: TaskDoc) -> tuple[str, list[str], list[str], list[str], bool]:
    lookup = doc.unit_lookup()
    return (
        task.mode,
        [lookup[n] for n in task.lead],
        [lookup[n] for n in task.co],
        [lookup[n] for n in task.joint],
        task.all_counties,
    )


# ---------------------------------------------------------------- metadata


def test_metadata(doc: PlanDoc, flat: str) -> None:
    assert doc.key == "shaoyang-2024"
    assert doc.city == "430500"
    assert doc.title == "邵阳市推动大规模设备更新和消费品以旧换新工作方案"
    assert doc.issuer == "邵阳市人民政府办公室"
    assert doc.doc_number is None
    assert flat.count("〔2024〕") == 1  # only the cited 湘政发〔2024〕5号; the plan prints no 文号 of its own
    assert doc.issued_on == dt.date(2024, 5, 17)
    assert "2024年5月17日" in flat
    assert doc.status == "印发"
    assert doc.source_file == SEED.name
    assert doc.implements == [
        "《湖南省人民政府关于印发〈湖南省推动大规模设备更新和消费品以旧换新实施方案〉的通知》（湘政发〔2024〕5号）"
    ]
    for cited in doc.implements:
        assert squash(cited) in flat
    assert doc.implementers_note == "以下均需各县市区人民政府落实，不再一一列出"
    assert squash(doc.implementers_note) in flat


# ---------------------------------------------------------------- units


def test_units(doc: PlanDoc, flat: str) -> None:
    lookup = doc.unit_lookup()
    assert len(doc.units) == 45
    # every alias is a spelling the plan actually uses
    for unit in doc.units:
        for alias in unit.aliases:
            assert alias in flat, alias
    assert lookup["市发改委"] == "市发改委"
    assert lookup["市住房和城乡建设局"] == "市住建局"
    assert lookup["市交通局"] == "市交通运输局"
    assert lookup["市机关事务局"] == "市机关事务管理局"
    assert lookup["市供销合作社"] == "市供销合作总社"
    assert lookup["人民银行邵阳分行"] == "人民银行邵阳市分行"
    assert (
        lookup["金融监管局邵阳分局"]
        == lookup["国家金融监管总局邵阳监管局"]
        == "国家金融监督管理总局邵阳监管分局"
    )
    zone = next(u for u in doc.units if u.name == "邵阳经济技术开发区管委会")
    assert zone.kind == "zone"
    assert "邵阳经济技术开发区管委会" in flat


def test_county_units_match_regions(doc: PlanDoc) -> None:
    regions = yaml.safe_load(REGIONS.read_text(encoding="utf-8"))
    expected = {r["code"]: r["name"] for r in regions if r.get("parent") == "430500"}
    assert len(expected) == 12
    counties = {u.region: u.name for u in doc.units if u.kind == "county" and u.region}
    assert counties == {code: f"{name}人民政府" for code, name in expected.items()}
    assert any(u.name == "各县市区人民政府" and u.kind == "county" for u in doc.units)


def test_every_named_unit_is_in_its_clause(doc: PlanDoc) -> None:
    for task in doc.iter_tasks():
        for name in [*task.lead, *task.co, *task.joint]:
            assert task.responsibility and name in task.responsibility, (task.title, name)


# ---------------------------------------------------------------- targets


GOALS = [
    # indicator, year, kind, value, baseline_year
    ("equipment_investment", 2024, "growth", 8, 2023),
    ("digital_rd_tool_penetration", 2024, "level", 83, None),
    ("key_process_cnc_rate", 2024, "level", 62, None),
    ("scrapped_car_dismantling", 2024, "level", 18000, None),
    ("used_car_transactions", 2024, "level", 20000, None),
    ("waste_appliance_recycling_rate", 2024, "growth", 10, 2023),
    ("equipment_investment", 2025, "growth", 15, 2023),
    ("digital_rd_tool_penetration", 2025, "level", 86, None),
    ("key_process_cnc_rate", 2025, "level", 68, None),
    ("scrapped_car_dismantling", 2025, "level", 24000, None),
    ("used_car_transactions", 2025, "level", 25000, None),
    ("waste_appliance_recycling_rate", 2025, "growth", 20, 2023),
    ("equipment_investment", 2027, "growth", 25, 2023),
    ("digital_rd_tool_penetration", 2027, "level", 90, None),
    ("key_process_cnc_rate", 2027, "level", 75, None),
    ("scrapped_car_dismantling", 2027, "level", 40000, None),
    ("used_car_transactions", 2027, "level", 45000, None),
    ("waste_appliance_recycling_rate", 2027, "growth", 30, 2023),
]


def test_goal_targets_exact(doc: PlanDoc) -> None:
    got = [
        (t.indicator, t.year, t.kind, t.value, t.baseline_year) for t in doc.targets if t.section == "goals"
    ]
    assert got == GOALS


def test_goal_target_details(doc: PlanDoc) -> None:
    comparators = {
        "equipment_investment": "以上",
        "digital_rd_tool_penetration": "超过",
        "key_process_cnc_rate": "超过",
        "scrapped_car_dismantling": "达到",
        "used_car_transactions": "达到",
        "waste_appliance_recycling_rate": None,
    }
    units = {"scrapped_car_dismantling": "辆", "used_car_transactions": "辆"}
    for t in doc.targets:
        if t.section != "goals":
            continue
        assert t.comparator == comparators[t.indicator], t
        assert t.unit == units.get(t.indicator, "%"), t
        assert not t.aspirational and not t.cumulative and not t.annual
        if t.indicator == "equipment_investment":
            assert t.text.startswith(("2024年", f"到{t.year}年")) and str(t.year) in t.text


def test_body_and_attachment_targets(doc: PlanDoc) -> None:
    got = [
        (t.indicator, t.year, t.kind, t.value, t.unit, t.comparator, t.section)
        for t in doc.targets
        if t.section != "goals"
    ]
    assert got == [("renovation_showrooms", 2027, "level", 10, "个", "以上", "attachment")]


def test_target_texts_are_verbatim(doc: PlanDoc, flat: str) -> None:
    for t in doc.targets:
        assert squash(t.text) in flat, t.text
    for q in doc.qualitative_targets:
        assert squash(q.text) in flat, q.text
    # the magnitudes in the text match the values
    for t in doc.targets:
        if t.unit == "辆":
            wan = re.search(r"([\d.]+)万辆", t.text)
            assert wan and round(float(wan.group(1)) * 10000) == t.value, t.text
        else:
            assert f"{t.value:g}" in t.text, t.text


def test_indicators_are_catalogued(doc: PlanDoc) -> None:
    known = catalogue()
    for t in doc.targets:
        assert t.indicator in known, t.indicator


def test_qualitative_goals(doc: PlanDoc) -> None:
    texts = [q.text for q in doc.qualitative_targets if q.year == 2027]
    assert texts == [
        "重点行业主要用能设备能效基本达到节能水平",
        "环保绩效达到A级水平的产能比例大幅提升",
        "再生材料在资源供给中的占比进一步提升",
    ]


# ---------------------------------------------------------------- tasks


def test_task_texts_are_verbatim(doc: PlanDoc, flat: str) -> None:
    for task in doc.iter_tasks():
        for field in (task.title, task.text, task.responsibility):
            if field:
                assert squash(field) in flat, field


def test_body_tree_matches_numbering(doc: PlanDoc, source: str) -> None:
    sec2 = source[source.index("二、工作要求") : source.index("三、工作保障")]
    sec3 = source[source.index("三、工作保障") : source.index("附件：")]
    count2 = len(re.findall(r"(?m)^\d+\.", sec2))
    count3 = len(re.findall(r"(?m)^\d+\.", sec3))
    assert (count2, count3) == (4, 3)
    assert [(a.no, a.title, a.level, a.action) for a in doc.tasks] == [
        ("二、", "工作要求", "action", "mechanism"),
        ("三、", "工作保障", "action", "mechanism"),
    ]
    assert [len(a.children) for a in doc.tasks] == [count2, count3]
    for action in doc.tasks:
        assert [c.no for c in action.children] == [f"{i}." for i in range(1, len(action.children) + 1)]
        assert all(c.level == "measure" and not c.children for c in action.children)
    levels = [t.level for t in walk(doc.tasks)]
    assert (levels.count("action"), levels.count("key_task"), levels.count("measure")) == (2, 0, 7)


def test_responsibility_list_tree(doc: PlanDoc, attachment2: str, flat: str) -> None:
    att = responsibility_list(doc)
    assert att.title == "邵阳市推动大规模设备更新和消费品以旧换新工作责任清单"
    nodes = walk(att.tasks)
    actions = [n for n in nodes if n.level == "action"]
    key_tasks = [n for n in nodes if n.level == "key_task"]
    measures = [n for n in nodes if n.level == "measure"]
    # one row per 责任单位 cell; every cell ends in 按职责分工负责
    rows = attachment2.count("按职责分工负责")
    assert rows == 35
    assert (len(actions), len(key_tasks), len(measures)) == (6, 25, rows)
    assert [m.no for m in measures] == [str(i) for i in range(1, rows + 1)]
    # the 序号 cells that survive in the text agree with the row order
    printed = re.findall(r"(?m)^\t(\d+)\s*$", attachment2)
    assert printed == [*map(str, range(1, 11)), "16"]
    assert measures[15].title == "支持旧房改造和家装换新"
    after16 = attachment2[attachment2.index("\t16\n") :]
    assert squash(after16).startswith("16推动家装厨卫焕新" + squash(measures[15].text))
    assert [
        (a.title, a.action, len(a.children), len(walk(a.children)) - len(a.children)) for a in actions
    ] == [
        ("实施设备更新行动", "equipment", 7, 12),
        ("实施消费品以旧换新行动", "consumer", 3, 5),
        ("实施回收循环利用行动", "recycling", 4, 4),
        ("实施产品供需对接行动", "supply_demand", 3, 3),
        ("保障措施", "guarantee", 5, 8),
        ("组织实施", "mechanism", 3, 3),
    ]
    for node in [*actions, *key_tasks]:
        assert squash(node.title) in flat, node.title
    # every measure has its 责任单位 cell and (per the rule in row 1) the counties carry it out
    for m in measures:
        assert m.responsibility and m.mode in ("joint", "lead_only") and m.all_counties


def test_members_attachment(doc: PlanDoc, flat: str) -> None:
    (att,) = [a for a in doc.attachments if a.kind == "members"]
    assert att.title == "邵阳市推动大规模设备更新和消费品以旧换新工作专班成员名单"
    assert att.text and squash(att.text) in flat
    assert squash(att.text).startswith("召集人：谢卫东")
    assert squash(att.text).endswith("陈飞雄人民银行邵阳市分行副行长")
    lines = att.text.splitlines()
    assert len(lines) == 2 + 3 + 21  # 召集人 2, 副召集人 3, 成员 21
    assert all(re.search(r"(局长|主任|秘书长|总工程师|总经济师|副关长|副行长)$", line) for line in lines)


def find(doc: PlanDoc, where: str, title: str) -> TaskDoc:
    nodes = walk(doc.tasks) if where == "body" else walk(responsibility_list(doc).tasks)
    hits = [t for t in nodes if t.title == title and t.level == "measure"]
    assert len(hits) == 1, title
    return hits[0]


SAMPLED = {
    # (body | list, title): (mode, lead, co, joint (canonical), all_counties)
    ("list", "加快重点行业设备更新和技术改造"): (
        "joint",
        [],
        [],
        ["市工信局", "市发改委", "市生态环境局", "市应急管理局", "各县市区人民政府"],
        True,
    ),
    ("list", "培育数字经济赋智赋能新模式"): ("joint", [], [], ["市工信局", "市发改委", "市数据局"], True),
    ("list", "加快建筑领域设备更新改造"): (
        "joint",
        [],
        [],
        [
            "市住建局",
            "市城管局",
            "市发改委",
            "市民政局",
            "市市场监管局",
            "市机关事务管理局",
            "市消防救援支队",
        ],
        True,
    ),
    ("list", "推动文旅设备更新提升"): ("joint", [], [], ["市文旅广体局", "市委宣传部", "市市场监管局"], True),
    ("list", "推动家电以旧换新"): (
        "joint",
        [],
        [],
        ["市商务局", "市财政局", "市市场监管局", "市供销合作总社"],
        True,
    ),
    ("list", "支持二手商品流通交易"): (
        "joint",
        [],
        [],
        ["市商务局", "市公安局", "市税务局", "市市场监管局", "邵阳海关"],
        True,
    ),
    ("list", "撬动社会资本参与"): (
        "joint",
        [],
        [],
        ["市政府办", "市发改委", "市财政局", "人民银行邵阳市分行", "国家金融监督管理总局邵阳监管分局"],
        True,
    ),
    ("list", "加强组织领导"): ("lead_only", ["市发改委"], [], [], True),
    ("body", "制定出台方案，压实工作责任"): (
        "joint",
        [],
        [],
        [
            "市工信局",
            "市农业农村局",
            "市住建局",
            "市交通运输局",
            "市教育局",
            "市文旅广体局",
            "市卫健委",
            "市商务局",
        ],
        False,
    ),
    ("body", "建立工作专班"): ("lead_only", ["市发改委"], [], [], False),
    ("body", "全面摸清底数，实行清单管理"): ("none", [], [], [], False),
}


@pytest.mark.parametrize(("where", "title"), list(SAMPLED))
def test_sampled_task_units(doc: PlanDoc, where: str, title: str) -> None:
    assert units_of(doc, find(doc, where, title)) == SAMPLED[(where, title)]
