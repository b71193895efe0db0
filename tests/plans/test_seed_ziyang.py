"""The curated 资阳市 plan (ziyang-2024.yaml) checked against its seed text (资府发〔2024〕7号)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from huanxin.indicators.catalogue import catalogue
from huanxin.plans.plan_document import PLANS_DIR, PlanDoc, TaskDoc, load_plan_document

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_a085fa549c824a08.txt"
PLAN = PLANS_DIR / "ziyang-2024.yaml"

# A unit bracket at the end of a body paragraph: the first one is 〔…〕 (it carries the rule sentence and
# contains a nested （区）); the others are （…） / (…) — sometimes mixing full- and half-width — and always
# start with a unit name.
BRACKET = re.compile(r"〔[^〔〕]*〕|[（(](?:市|人行|国家)[^（(）)]*[）)]")


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
def body_flat(flat: str) -> str:
    """The task part of the body: from 二、 up to the attachment line."""
    return flat[flat.index("二、突出重点领域") : flat.index("附件：推动")]


@pytest.fixture(scope="module")
def attachment_rows(source: str) -> list[list[str]]:
    part = source[source.index("推动大规模设备更新和消费品以旧换新 重点举措清单") :]
    return [
        line.split("\t") for line in part.splitlines() if "\t" in line and not line.startswith("重点任务")
    ]


@pytest.fixture(scope="module")
def doc() -> PlanDoc:
    return load_plan_document(PLAN)


def walk(nodes: list[TaskDoc]) -> list[TaskDoc]:
    out: list[TaskDoc] = []
    for node in nodes:
        out.append(node)
        out.extend(walk(node.children))
    return out


def body(doc: PlanDoc) -> list[TaskDoc]:
    return walk(doc.tasks)


def attachment(doc: PlanDoc) -> list[TaskDoc]:
    assert len(doc.attachments) == 1
    return walk(doc.attachments[0].tasks)


def count(nodes: list[TaskDoc], level: str) -> int:
    return sum(1 for n in nodes if n.level == level)


def body_task(doc: PlanDoc, key_no: str, title: str | None = None) -> TaskDoc:
    key = next(k for a in doc.tasks for k in a.children if k.no == key_no)
    if title is None:
        return key
    return next(m for m in key.children if m.title == title)


def att_task(doc: PlanDoc, title: str) -> TaskDoc:
    return next(t for t in attachment(doc) if t.level == "measure" and t.title == title)


# --- metadata -----------------------------------------------------------------------------------


def test_metadata(doc: PlanDoc, flat: str) -> None:
    assert doc.key == "ziyang-2024"
    assert doc.city == "512000"
    assert doc.title == "资阳市推动大规模设备更新和消费品以旧换新实施方案"
    assert doc.issuer == "资阳市人民政府"
    assert doc.doc_number == "资府发〔2024〕7号"
    assert str(doc.issued_on) == "2024-06-04"
    assert doc.status == "印发"
    assert doc.responsibility_rule == "逗号前为牵头单位，下同"
    assert (
        doc.implementers_note
        == "各项任务均需各县（区）政府、高新区管委会、临空经济区管委会贯彻落实，不再单独列出"
    )
    for item in [
        doc.title,
        doc.doc_number,
        doc.issuer,
        "2024年6月4日",
        doc.responsibility_rule,
        doc.implementers_note,
    ]:
        assert squash(item) in flat, item
    assert flat.startswith("资府发〔2024〕7号")


# --- units --------------------------------------------------------------------------------------


def test_units(doc: PlanDoc) -> None:
    lookup = doc.unit_lookup()
    assert len(doc.units) == 39
    counties = {u.name: u.region for u in doc.units if u.kind == "county"}
    assert counties == {"雁江区人民政府": "512002", "安岳县人民政府": "512021", "乐至县人民政府": "512022"}
    zones = {u.name for u in doc.units if u.kind == "zone"}
    assert zones == {"高新区管委会", "临空经济区管委会", "安岳经开区", "乐至经开区"}
    assert lookup["市文化旅游局"] == "市文化广电旅游局"
    assert lookup["人行资阳市分行"] == "人行资阳市分行"


def test_every_bracket_name_resolves(doc: PlanDoc, body_flat: str, attachment_rows: list[list[str]]) -> None:
    lookup = doc.unit_lookup()
    names: set[str] = set()
    for bracket in BRACKET.findall(body_flat):
        inner = bracket[1:-1].split("。")[0]
        inner = re.sub(r"等?按职责分工负责$", "", inner)
        names.update(n.removesuffix("等") for part in re.split(r"[，,]", inner) for n in part.split("、"))
    for row in attachment_rows:
        cell = next((c for c in reversed(row) if c.startswith(("市", "人行"))), "")
        names.update(n for part in cell.split("，") for n in part.split("、") if n)
    missing = sorted(n for n in names if n not in lookup)
    assert not missing
    # every unit spelling actually used by the text is covered, and every lead/co/joint is a real unit
    used = {n for t in doc.iter_tasks() for n in [*t.lead, *t.co, *t.joint]}
    assert used == names


# --- targets ------------------------------------------------------------------------------------


def test_target_texts_are_verbatim(doc: PlanDoc, flat: str) -> None:
    for target in doc.targets:
        assert squash(target.text) in flat, target.text
    for q in doc.qualitative_targets:
        assert squash(q.text) in flat, q.text


def test_goals_targets(doc: PlanDoc, flat: str) -> None:
    goals = [
        (t.indicator, t.year, t.kind, t.value, t.unit, t.baseline_year)
        for t in doc.targets
        if t.section == "goals"
    ]
    assert goals == [
        ("equipment_investment", 2027, "growth", 25, "%", 2023),
        ("digital_rd_tool_penetration", 2027, "level", 90, "%", None),
        ("scrapped_car_recycling", 2027, "multiple", 1, "倍", 2023),
        ("used_car_transactions", 2027, "growth", 50, "%", 2023),
        ("waste_appliance_recycling", 2027, "growth", 35, "%", 2023),
    ]
    goal_section = flat[flat.index("一、工作目标") : flat.index("二、突出重点领域")]
    for t in doc.targets:
        if t.section == "goals":
            assert squash(t.text) in goal_section
    comparators = [t.comparator for t in doc.targets if t.section == "goals"]
    assert comparators == ["以上", "超过", None, None, None]
    assert not any(t.aspirational for t in doc.targets)  # the plan never says 力争


def test_body_targets(doc: PlanDoc, body_flat: str) -> None:
    rows = [
        (t.indicator, t.year, t.kind, t.value, t.unit, t.comparator)
        for t in doc.targets
        if t.section == "body"
    ]
    assert rows == [
        ("pipeline_renewal_km", 2027, "level", 500, "公里", "以上"),
        ("town_sewage_pipe_km", 2027, "level", 100, "公里", "以上"),
        ("sewage_plants_upgraded", 2027, "level", 50, "个", "以上"),
        ("elevators_installed_renewed", 2027, "level", 500, "部", "以上"),
    ]
    for t in doc.targets:
        if t.section == "body":
            assert squash(t.text) in body_flat
    # the body has three "到2027年" clauses; the sewage-plant target shares one with the town pipes
    assert body_flat.count("到2027年") == 3
    assert not [t for t in doc.targets if t.section == "attachment"]


def test_target_indicators_in_catalogue(doc: PlanDoc) -> None:
    known = catalogue()
    for t in doc.targets:
        assert t.indicator in known, t.indicator
    for code in ("pipeline_renewal_km", "town_sewage_pipe_km", "elevators_installed_renewed"):
        assert known[code].unit in {"公里", "部"}


def test_qualitative_goals(doc: PlanDoc) -> None:
    assert [squash(q.text) for q in doc.qualitative_targets] == [
        "重点行业主要用能设备能效基本达到节能水平",
        "环保绩效达到A级水平的产能比例大幅提升",
        "关键工序数控化率达到全省平均水平",
        "再生材料在资源供给中的占比进一步提升",
        "资源循环利用链条基本建立",
    ]


# --- task tree ----------------------------------------------------------------------------------


def test_body_counts(doc: PlanDoc, source: str) -> None:
    nodes = body(doc)
    assert (
        count(nodes, "action"),
        count(nodes, "key_task"),
        count(nodes, "measure"),
        count(nodes, "sub_measure"),
    ) == (
        6,
        17,
        29,
        0,
    )
    # five numbered actions (二、…六、) plus the unnumbered closing paragraph
    assert [a.no for a in doc.tasks] == ["二、", "三、", "四、", "五、", "六、", None]
    # key-task headings are lines of their own: （一）… (十) … （十七）…
    raw_body = source[source.index("二、突出重点领域") : source.index("附件：推动")]
    headings = re.findall(r"^\s*([（(][一二三四五六七八九十]+[）)])", raw_body, flags=re.M)
    assert len(headings) == 17
    assert [k.no for a in doc.tasks for k in a.children] == headings
    assert len(re.findall(r"^\s*[二三四五六]、", raw_body, flags=re.M)) == 5


def test_brackets_match_responsibilities(doc: PlanDoc, body_flat: str) -> None:
    brackets = BRACKET.findall(body_flat)
    assert len(brackets) == 35
    with_resp = [t for t in body(doc) if t.responsibility]
    assert len(with_resp) == 35
    assert sorted(squash(t.responsibility or "") for t in with_resp) == sorted(brackets)
    # 29 titled measures plus six key tasks that are a single paragraph
    assert count(with_resp, "measure") == 29
    assert sorted(t.no or "" for t in with_resp if t.level == "key_task") == sorted(
        ["（七）", "（十一）", "（十二）", "（十三）", "（十六）", "（十七）"]
    )
    assert all(t.all_counties for t in with_resp)


def test_body_texts_are_verbatim(doc: PlanDoc, body_flat: str) -> None:
    for t in body(doc):
        assert squash(t.title) in body_flat, t.title
        if t.text:
            assert squash(t.text) in body_flat, t.title
            if t.responsibility:  # text and bracket are adjacent in the source
                assert squash(t.text) + squash(t.responsibility) in body_flat, t.title


def test_modes(doc: PlanDoc, body_flat: str) -> None:
    brackets = BRACKET.findall(body_flat)
    with_comma = [b for b in brackets if re.search(r"[，,]", b)]
    joint_only = [b for b in brackets if not re.search(r"[，,]", b) and "按职责分工负责" in b]
    assert (len(with_comma), len(joint_only)) == (28, 6)
    modes = [t.mode for t in body(doc) if t.responsibility]
    assert modes.count("lead_co") == len(with_comma)
    assert modes.count("joint") == len(joint_only)
    assert modes.count("lead_only") == len(brackets) - len(with_comma) - len(joint_only) == 1
    for t in body(doc):
        if t.mode == "joint":
            assert t.joint and not t.lead and not t.co
            assert (t.responsibility or "").endswith("按职责分工负责）")


def test_attachment_counts(doc: PlanDoc, attachment_rows: list[list[str]], flat: str) -> None:
    nodes = attachment(doc)
    assert (count(nodes, "action"), count(nodes, "key_task"), count(nodes, "measure")) == (5, 17, 42)
    assert len(attachment_rows) == 42
    assert doc.attachments[0].kind == "key_measures"
    assert squash(doc.attachments[0].title) in flat
    for t in nodes:
        assert squash(t.title) in flat, t.title
        if t.responsibility:
            assert t.responsibility in {c for row in attachment_rows for c in row}
    # one row has no 牵头责任单位 in the source table
    blank = [t for t in nodes if t.level == "measure" and not t.responsibility]
    assert [t.title for t in blank] == ["加快发展“换新+回收”物流体系和新模式"]
    assert [a.action for a in doc.attachments[0].tasks] == [
        "equipment",
        "consumer",
        "recycling",
        "standards",
        "guarantee",
    ]


@pytest.mark.parametrize(
    ("key_no", "title", "lead", "co"),
    [
        (
            "（一）",
            "分类施策推进重点行业产线升级改造",
            ["市经济和信息化局"],
            ["市发展改革委", "市科学技术局", "市生态环境局", "市国资委", "市市场监管局"],
        ),
        (
            "（二）",
            "推进市政基础设施设备更新改造",
            ["市公安局", "市住房城乡建设局", "市市场监管局", "市城管行政执法局"],
            ["市发展改革委", "市生态环境局"],
        ),
        (
            "（三）",
            "支持老旧农业机械升级",
            ["市发展改革委", "市农业农村局"],
            ["市自然资源规划局", "市市场监管局"],
        ),
        ("（四）", "提升文广旅设备水平", ["市文化旅游局"], ["市委宣传部", "市发展改革委"]),
        (
            "（九）",
            "支持二手商品便利交易",
            ["市商务局"],
            ["市发展改革委", "市经济和信息化局", "市公安局", "市国资委", "市市场监管局", "人行资阳市分行"],
        ),
        (
            "(十)",
            "打造再生资源加工利用产业集群",
            ["市发展改革委", "市经济和信息化局", "市商务局"],
            ["市科学技术局", "市国资委", "市供销社"],
        ),
        (
            "（十五）",
            "加大设备更新领域信贷投入",
            ["市经济和信息化局", "人行资阳市分行"],
            ["市发展改革委", "市财政局", "国家金融监管总局资阳监管分局"],
        ),
        ("（十六）", None, ["市自然资源规划局"], ["市住房城乡建设局"]),
        ("（六）", "促进绿色智能家电消费", ["市商务局"], []),
    ],
)
def test_sampled_body_units(
    doc: PlanDoc, key_no: str, title: str | None, lead: list[str], co: list[str]
) -> None:
    task = body_task(doc, key_no, title)
    assert task.lead == lead
    assert task.co == co
    assert task.joint == []


def test_sampled_joint_tasks(doc: PlanDoc) -> None:
    t = body_task(doc, "（七）")
    assert t.mode == "joint"
    assert t.joint == [
        "市发展改革委",
        "市经济和信息化局",
        "市民政局",
        "市住房城乡建设局",
        "市商务局",
        "市市场监管局",
        "市住房公积金管理中心",
    ]
    t = body_task(doc, "（十四）", "落实税收支持政策")
    assert (t.mode, t.joint) == ("joint", ["市财政局", "市税务局"])


def test_sampled_attachment_units(doc: PlanDoc) -> None:
    t = att_task(doc, "深入实施“电动四川”行动和氢能示范应用，推动道路运输领域安全设备更新")
    assert (t.mode, t.lead, t.co) == ("lead_co", ["市交通运输局"], ["市发展改革委", "市经济和信息化局"])
    t = att_task(doc, "推进生活垃圾分类收运网络与再生资源回收网络“两网融合”")
    assert (t.mode, t.lead, t.co) == ("lead_only", ["市城管行政执法局", "市商务局", "市供销社"], [])
    t = att_task(
        doc,
        "优化完善财政金融互动政策，提升制造业企业融资覆盖面和制造业贷款占比，加大对传统产业在设备更新、技术改造、绿色转型发展等方面的资金支持",
    )
    assert t.lead == ["市发展改革委", "市经济和信息化局", "市财政局", "市商务局", "人行资阳市分行"]
    t = att_task(doc, "加强企业技术改造项目、资源回收利用设施用地保障")
    assert (t.lead, t.co) == (["市自然资源规划局"], [])
