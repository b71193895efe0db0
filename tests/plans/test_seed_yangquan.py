"""The curated 阳泉市 plan (yangquan-2024.yaml) checked against its seed text (征求意见稿)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from huanxin.indicators.catalogue import catalogue
from huanxin.plans.plan_document import PLANS_DIR, PlanDoc, TaskDoc, load_plan_document

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "003_feba5a0c55e4da3f.txt"
PLAN = PLANS_DIR / "yangquan-2024.yaml"

COUNTY_REGIONS = {"140302", "140303", "140311", "140321", "140322"}


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
def body(source: str) -> str:
    """The plan body: everything before the attachment line 附件：…"""
    return source.split("\n附件：", 1)[0]


@pytest.fixture(scope="module")
def goals(source: str) -> str:
    """二、总体要求 up to 三、重点任务."""
    return source.split("二、总体要求", 1)[1].split("三、重点任务", 1)[0]


@pytest.fixture(scope="module")
def doc() -> PlanDoc:
    return load_plan_document(PLAN)


def by_level(doc: PlanDoc, level: str) -> list[TaskDoc]:
    return [t for t in doc.iter_tasks() if t.level == level]


def sub(doc: PlanDoc, n: int) -> TaskDoc:
    """The sub_measure numbered (n) — numbering runs (1)…(44) through the whole plan."""
    matches = [t for t in by_level(doc, "sub_measure") if re.sub(r"[（()）]", "", t.no or "") == str(n)]
    assert len(matches) == 1, n
    return matches[0]


def key_task(doc: PlanDoc, action_no: str, no: str) -> TaskDoc:
    action = next(t for t in doc.tasks if t.no == action_no)
    return next(k for k in action.children if k.no == no)


# --- metadata -----------------------------------------------------------------------------------


def test_metadata(doc: PlanDoc, flat: str) -> None:
    assert doc.key == "yangquan-2024"
    assert doc.city == "140300"
    assert doc.title == "阳泉市推动大规模设备更新和消费品以旧换新工作任务分工方案"
    assert doc.issuer == "阳泉市人民政府"
    assert doc.status == "征求意见稿"
    assert doc.doc_number is None
    assert doc.issued_on is None
    assert doc.source_file == SEED.name
    assert len(doc.implements) == 1 and "晋政发〔2024〕10号" in doc.implements[0]
    assert doc.responsibility_rule is None  # the draft has no 逗号前为牵头单位-style rule
    assert doc.implementers_note == "以下均需各县区人民政府落实,不再一一列出"
    for item in [doc.title, "（征求意见稿）", doc.status, *doc.implements, doc.implementers_note]:
        assert squash(item) in flat, item
    assert doc.notes, "judgement calls (inferred issuer etc.) must be recorded"


# --- units --------------------------------------------------------------------------------------


def test_units(doc: PlanDoc, flat: str) -> None:
    lookup = doc.unit_lookup()
    assert len(doc.units) == 36
    counties = {u.region: u.name for u in doc.units if u.kind == "county"}
    assert set(counties) == COUNTY_REGIONS
    # spellings that must land on the same unit
    same = [
        ("市城市管理局", "市城管局"),
        ("国网阳泉分公司", "国网阳泉供电公司"),
        ("人行阳泉分行", "中国人民银行阳泉分行"),
        ("市发展改革委", "市发展和改革委员会"),
    ]
    for a, b in same:
        assert lookup[a] == lookup[b], (a, b)
    kinds = {u.name: u.kind for u in doc.units}
    assert kinds[lookup["国网阳泉分公司"]] == "enterprise"
    assert kinds[lookup["市工信局"]] == "department"
    # every alias (the spellings the plan uses) is found in the text
    for unit in doc.units:
        for alias in unit.aliases:
            assert alias in flat, alias
    # every unit named in a 负责 clause of the body or in the attachment member list is known
    names: set[str] = set()
    for clause in re.findall(r"[（(]([^（）()]*负责[^（）()]*)[）)]", flat.split("附件：")[0]):
        head = (
            clause.split("按照职责分工负责")[0]
            if "按照职责分工负责" in clause
            else clause.rsplit("负责", 1)[0]
        )
        names |= {n for n in re.split(r"[、，,]", head) if n}
    members = flat.split("成员单位：", 1)[1].split("。", 1)[0]
    names |= set(members.split("、"))
    names -= {"各县区人民政府", "市直各有关部门"}
    assert names <= set(lookup), names - set(lookup)


# --- targets ------------------------------------------------------------------------------------


GOALS = [  # (indicator, year, kind, value, baseline_year, comparator)
    ("equipment_investment", 2027, "growth", 25, 2023, "以上"),
    ("energy_saving_level_share", 2027, "pp_increase", 15, 2023, "以上"),
    ("env_a_level_capacity_share", 2027, "pp_increase", 13, 2023, "以上"),
    ("scrapped_car_recycling", 2027, "multiple", 1, 2023, "约"),
    ("used_car_transactions", 2027, "growth", 45, 2023, None),
    ("waste_appliance_recycling", 2027, "growth", 30, 2023, None),
]

BODY = [  # (indicator, year, kind, value, unit, comparator, aspirational, annual)
    ("farm_machinery_scrappage_subsidy_coverage", 2027, "level", 100, "%", "达到", False, False),
    ("farm_mechanisation_rate", 2027, "level", 75, "%", "达到", False, False),
    ("tourism_equipment_renewed", 2024, "level", 30, "台（套）", None, True, False),
    ("elderly_home_adaptation_households", 2025, "level", 2636, "户", None, False, False),
    ("msw_resource_utilisation_rate", 2025, "level", 65, "%", "以上", False, False),
    ("tech_transfer_demo_enterprises_new", 2027, "level", 3, "家", "以上", False, True),
    ("pilot_test_bases_new", 2027, "level", 3, "家", None, False, True),
]


def test_goal_targets(doc: PlanDoc, goals: str) -> None:
    got = [
        (t.indicator, t.year, t.kind, t.value, t.baseline_year, t.comparator)
        for t in doc.targets
        if t.section == "goals"
    ]
    assert got == GOALS
    g = squash(goals)
    for t in doc.targets:
        if t.section == "goals":
            assert squash(t.text) in g, t.text
            assert str(int(t.value)) in t.text or t.value == 1 and "一倍" in t.text
    # the numbers printed in the goals section are exactly the ones captured
    assert sorted(int(n) for n in re.findall(r"(?<![\d年])(\d+)(?:%|个)", g)) == [13, 15, 25, 30, 45]


def test_body_targets(doc: PlanDoc, body: str) -> None:
    got = [
        (t.indicator, t.year, t.kind, t.value, t.unit, t.comparator, t.aspirational, t.annual)
        for t in doc.targets
        if t.section == "body"
    ]
    assert got == BODY
    b = squash(body.split("三、重点任务", 1)[1])
    for t in doc.targets:
        if t.section == "body":
            assert squash(t.text) in b, t.text
            assert str(int(t.value)) in t.text
            assert t.aspirational == ("力争" in t.text)
            assert t.annual == ("每年" in t.text)


def test_targets_verbatim_and_known(doc: PlanDoc, flat: str) -> None:
    known = catalogue()
    assert len(doc.targets) == 13
    for t in doc.targets:
        assert squash(t.text) in flat, t.text
        assert t.indicator in known, t.indicator
        if t.kind in ("growth", "pp_increase", "multiple"):
            assert t.baseline_year == 2023
    pp = [t for t in doc.targets if t.kind == "pp_increase"]
    assert all(t.unit == "个百分点" for t in pp)
    for q in doc.qualitative_targets:
        assert squash(q.text) in flat, q.text
    assert [q.text for q in doc.qualitative_targets][-1] == "再生材料在资源供给中的占比持续提升"


# --- tasks --------------------------------------------------------------------------------------


def test_task_counts_match_text(doc: PlanDoc, body: str) -> None:
    lines = [ln.strip() for ln in body.splitlines()]
    tasks_part = body.split("三、重点任务", 1)[1]
    t_lines = [ln.strip() for ln in tasks_part.splitlines()]
    actions = [ln for ln in lines if re.match(r"^[三四五]、", ln)]
    key_tasks = [ln for ln in t_lines if re.match(r"^[（(][一二三四五六七八九十]+[）)]", ln)]
    measures = [ln for ln in t_lines if re.match(r"^\d+\.", ln)]
    subs = [ln for ln in t_lines if re.match(r"^[（(]\s*\d+\s*[）)]", ln)]
    assert len(actions) == len(by_level(doc, "action")) == 3
    assert len(key_tasks) == len(by_level(doc, "key_task")) == 13
    assert len(measures) == len(by_level(doc, "measure")) == 15
    assert len(subs) == len(by_level(doc, "sub_measure")) == 44
    # 1.…15. and (1)…(44) run continuously through the plan
    assert [int(re.match(r"\d+", ln).group()) for ln in measures] == list(range(1, 16))
    assert [int(re.search(r"\d+", ln).group()) for ln in subs] == list(range(1, 45))
    assert [t.no for t in doc.tasks] == ["三、", "四、", "五、"]
    assert [len(t.children) for t in doc.tasks] == [4, 5, 4]


def test_responsibility_clauses(doc: PlanDoc, body: str) -> None:
    clauses = re.findall(r"[（(]([^（）()]*负责[^（）()]*)[）)]", squash(body))
    with_clause = [t for t in doc.iter_tasks() if t.responsibility]
    assert len(clauses) == len(with_clause) == 53
    assert [squash(t.responsibility or "") for t in with_clause] == clauses
    joint = sum("按照职责分工负责" in c for c in clauses)
    assert joint == sum(t.mode == "joint" for t in doc.iter_tasks()) == 45
    assert len(clauses) - joint == sum(t.mode == "lead_only" for t in doc.iter_tasks()) == 8
    # every sub_measure and every key task of 四、五 carries its clause; no action or 1.–15. measure does
    for t in doc.iter_tasks():
        has = t.level == "sub_measure" or (t.level == "key_task" and t.text is not None)
        assert bool(t.responsibility) == has, t.title
    assert all(t.all_counties for t in doc.iter_tasks())
    assert all(t.mode != "lead_co" for t in doc.iter_tasks())  # the draft never names a 牵头 unit


def test_task_texts_verbatim(doc: PlanDoc, flat: str) -> None:
    for t in doc.iter_tasks():
        assert squash(t.title) in flat, t.title
        if t.text:
            assert squash(t.text) in flat, t.title
        if t.responsibility:
            assert squash(t.responsibility) in flat, t.title
    kinds = {k.title: k.action for k in doc.tasks[0].children}
    assert kinds == {
        "实施重点领域设备更新行动": "equipment",
        "实施消费品以旧换新行动": "consumer",
        "实施畅通资源循环利用链条行动": "recycling",
        "实施标准提升衔接行动": "standards",
    }
    assert [t.action for t in doc.tasks] == ["other", "guarantee", "mechanism"]


def canon(doc: PlanDoc, names: list[str]) -> list[str]:
    lookup = doc.unit_lookup()
    return [lookup[n] for n in names]


def test_sampled_task_units(doc: PlanDoc) -> None:
    t1 = sub(doc, 1)
    assert t1.title == "分行业确定设备更新和技术改造重点"
    assert (t1.mode, t1.joint, t1.all_counties) == ("joint", ["市工信局", "市能源局"], True)

    t2 = sub(doc, 2)
    assert (t2.mode, t2.joint) == ("joint", ["市工信局", "市能源局", "国网阳泉分公司"])
    assert canon(doc, t2.joint)[2] == "国网山西省电力公司阳泉供电公司"

    t7 = sub(doc, 7)
    assert (t7.mode, t7.lead, t7.joint) == ("lead_only", ["市城市管理局"], [])

    t24 = sub(doc, 24)
    assert t24.title == "支持节能与新能源汽车消费"
    assert t24.joint == ["市能源局", "市财政局", "市交通局", "市商务局", "国网阳泉分公司"]

    t39 = sub(doc, 39)
    assert t39.joint == ["市工信局", "市财政局", "市商务局", "市科技局", "市供销社"]

    t44 = sub(doc, 44)
    assert t44.joint == [
        "市市场监管局",
        "市能源局",
        "市发展改革委",
        "市工信局",
        "市农业农村局",
        "市交通局",
        "市生态环境局",
    ]

    tax = key_task(doc, "四、", "（二）")
    assert (tax.title, tax.mode, tax.lead) == ("落实税收支持政策", "lead_only", ["市税务局"])
    assert canon(doc, tax.lead) == ["国家税务总局阳泉市税务局"]

    finance = key_task(doc, "四、", "（三）")
    assert finance.joint == ["市财政局", "市发展改革委", "国家金融监督管理总局阳泉监管分局", "人行阳泉分行"]

    policy = key_task(doc, "五、", "（三）")
    assert policy.all_counties and policy.joint[0] == "市工信局" and len(policy.joint) == 9

    lead_only = sorted(
        int(re.sub(r"\D", "", t.no or "")) for t in by_level(doc, "sub_measure") if t.mode == "lead_only"
    )
    assert lead_only == [7, 9, 15, 17, 18, 29, 33]


def test_attachment(doc: PlanDoc, flat: str) -> None:
    assert len(doc.attachments) == 1
    att = doc.attachments[0]
    assert att.kind == "mechanism"
    assert att.title == "阳泉市推动大规模设备更新和消费品以旧换新局际联席会议机制"
    assert att.tasks == []
    text = squash(att.text or "")
    assert text in flat
    for part in ["一、主要职责", "二、组成人员", "成员单位：", "三、工作要求", "3.加强部门联动"]:
        assert part in text, part
    assert text.endswith("协调推动重点项目建设。")
