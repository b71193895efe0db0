"""From a file to a proposal: read, cut into zones, extract metadata, tasks, units and targets.

Pure: no database. What the importer must know about the city (its units, its counties) comes in a
`CityContext`, so the CLI can parse a file without a database and the web flow can match names to
the city's existing units.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from huanxin.errors import InvalidInput
from huanxin.orgs import regions_table
from huanxin.plans.importer import issuer as issuer_mod
from huanxin.plans.importer import layout as layout_mod
from huanxin.plans.importer import metadata as metadata_mod
from huanxin.plans.importer.normalise import normalise
from huanxin.plans.importer.proposal import (
    AttachmentProposal,
    PlanInfo,
    Proposal,
    ProposedIndicator,
    QualitativeProposal,
    SourceBlock,
    SourceInfo,
    TargetProposal,
    TaskProposal,
    UnitProposal,
)
from huanxin.plans.importer.readers import MAX_BYTES, read_document
from huanxin.plans.importer.tables import TableBuilder
from huanxin.plans.importer.targets import Context, TargetFinder, dedupe
from huanxin.plans.importer.tasks import Node, TreeBuilder
from huanxin.plans.importer.units import UnitBook, kind_of

DEFAULT_HORIZON = 2027  # 国发〔2024〕7号 sets its goals for 2027
# …实现到2027年…的主要目标，制定本方案 / …制定本行动计划。到2027年，全区累计…
OPENING_GOALS = re.compile(r"^(?:为|根据|按照).*(?:(?:19|20)\d\d年.*目标|。[^。]*?(?:到|至|力争)(?:19|20)\d\d年)")


@dataclass
class CityContext:
    code: str | None = None
    # spelling → (canonical name, kind, region) of the units the city already has
    units: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)
    counties: dict[str, str] = field(default_factory=dict)  # 安岳县 → 512021
    key: str | None = None


def city_code_for(name: str | None) -> str | None:
    """The code of the one prefecture or county-level division of this name (None for none or several)."""
    found = [r for r in regions_table.named(name or "") if r.level in ("city", "county")]
    return found[0].code if len(found) == 1 else None


def counties_of(code: str | None) -> dict[str, str]:
    """The divisions directly under a region, by name: a city's counties and districts (泰安市 → 泰山区 …
    肥城市), a province's prefectures; none under a county (its towns are below GB/T 2260's county level)."""
    return {r.name: r.code for r in regions_table.children(code)}


@dataclass
class _PlanRegion:
    code: str | None
    # When the issuer's (or title's) region name is one several divisions bear and the document does not
    # tell which: the name and the candidates, shown to the reviewer instead of a guess.
    ambiguous_name: str = ""
    candidates: tuple[regions_table.Division, ...] = ()


def plan_region(meta: metadata_mod.Metadata, text: str) -> _PlanRegion:
    """The plan's own region: its issuer's, else its title's (山东省人民政府 → 370000, 泰安市人民政府办公室 →
    370900, 宁阳县人民政府 → 370921), against the whole GB/T 2260 table; a name several divisions bear is
    told apart by the provinces and prefectures the document names, or left unresolved."""
    context = issuer_mod.named_regions(text)
    origin = issuer_mod.origin_of(meta.issuer, meta.title, context)
    if origin is not None:
        return _PlanRegion(code=origin.region.code)
    name, candidates = issuer_mod.ambiguity(meta.issuer, meta.title, context)
    return _PlanRegion(code=None, ambiguous_name=name, candidates=candidates)


def parse(filename: str, data: bytes, city: CityContext | None = None, max_bytes: int = MAX_BYTES) -> Proposal:
    source = read_document(filename, data, max_bytes)
    return parse_text(source.text, filename=source.filename, fmt=source.format, encoding=source.encoding, city=city)


def parse_text(text: str, *, filename: str = "plan.txt", fmt: str = "txt", encoding: str | None = "utf-8",
               city: CityContext | None = None) -> Proposal:
    text = normalise(text)
    layout = layout_mod.split(text)
    if not layout.body:
        raise InvalidInput(f"文件“{filename}”中没有识别到方案正文（标题之后没有内容）", field="file")
    meta = metadata_mod.extract(layout)
    city = city or CityContext()
    region = _PlanRegion(code=city.code) if city.code else plan_region(meta, text)
    code = region.code
    units = UnitBook(city.units, city.counties or counties_of(code), city=code)
    comma_rule = meta.responsibility_rule is not None
    builder = TreeBuilder(units, comma_rule=comma_rule, counties_note=meta.implementers_note is not None)
    tree = builder.build(layout.body)
    attachments = _attachments(layout, units, comma_rule)
    targets, qualitative = _targets(layout, tree.goal_blocks, meta)
    counter = _Ids()
    proposal = Proposal(
        source=SourceInfo(filename=filename, format=fmt, encoding=encoding, chars=len(text),
                          blocks=[SourceBlock(id=b.id, zone=b.zone, text=b.text) for b in layout.blocks]),
        plan=PlanInfo(
            key=city.key or _default_key(code, meta), city=code, title=meta.title, issuer=meta.issuer,
            doc_number=meta.doc_number, issued_on=meta.issued_on, status=meta.status, implements=meta.implements,
            responsibility_rule=meta.responsibility_rule, implementers_note=meta.implementers_note,
            uncertain=[*meta.uncertain, *([] if code else ["city"])],
        ),
        units=_units(units, meta, city, code),
        targets=targets,
        qualitative_targets=qualitative,
        tasks=[_task(n, counter) for n in tree.roots],
        attachments=[AttachmentProposal(title=t, kind=k, text=x, tasks=[_task(n, counter) for n in nodes], source=s)
                     for t, k, x, nodes, s in attachments],
    )
    proposal.warnings = _warnings(proposal, region)
    return proposal


class _Ids:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> str:
        self.n += 1
        return f"k{self.n}"


def _task(node: Node, ids: _Ids) -> TaskProposal:
    a = node.assignment
    return TaskProposal(
        id=ids.next(), no=node.no, title=node.title, level=node.level, action=node.action, text=node.text,
        responsibility=node.responsibility, mode=a.mode if a.named or a.mode == "joint" else "none",
        lead=a.lead, co=a.co, joint=a.joint, all_counties=a.all_counties, deadline=node.deadline,
        source=node.block, children=[_task(c, ids) for c in node.children],
    )


def _attachment_kind(title: str, has_tasks: bool) -> str:
    if re.search(r"名单|成员", title):
        return "members"
    if re.search(r"机制|制度|规则", title) and not has_tasks:
        return "mechanism"
    if re.search(r"责任清单|分工|责任分解", title):
        return "responsibility_list"
    if has_tasks or re.search(r"清单|举措|任务", title):
        return "key_measures"
    return "other"


def _attachments(layout: layout_mod.Layout, units: UnitBook,
                 comma_rule: bool) -> list[tuple[str, str, str | None, list[Node], int | None]]:
    out = []
    for zone in layout.attachments:
        result = TableBuilder(units, comma_rule).build(zone)
        text = None if result.tasks else "\n".join(b.text for b in zone.blocks)
        source = zone.blocks[0].id if zone.blocks else None
        out.append((zone.title, _attachment_kind(zone.title, bool(result.tasks)), text, result.tasks, source))
    return out


def _targets(layout: layout_mod.Layout, goal_blocks: set[int],
             meta: metadata_mod.Metadata) -> tuple[list[TargetProposal], list[QualitativeProposal]]:
    # Goals stated in the opening paragraph (…实现到2027年…的主要目标，制定本方案) count as a goals section.
    opening = layout.body[0] if layout.body and OPENING_GOALS.search(layout.body[0].text) else None
    if opening is not None:
        goal_blocks = goal_blocks | {opening.id}
    goals = [b for b in layout.body if b.id in goal_blocks]
    probe = Context(horizon=DEFAULT_HORIZON, first_year=DEFAULT_HORIZON, default_baseline=2023)
    finder = TargetFinder(probe)
    for block in goals:
        finder.scan(block, "goals")
    goal_years = [f.year for f in probe.found]
    horizon = max(goal_years) if goal_years else DEFAULT_HORIZON
    baselines = Counter(f.baseline_year for f in probe.found if f.baseline_year)
    baseline = baselines.most_common(1)[0][0] if baselines else (meta.issued_on.year - 1 if meta.issued_on else 2023)
    ctx = Context(horizon=horizon, first_year=meta.issued_on.year if meta.issued_on else horizon,
                  default_baseline=baseline)
    finder = TargetFinder(ctx)
    for block in layout.body:
        if block.id in goal_blocks:
            finder.scan(block, "goals")
        elif not re.match(r"^(为|根据|按照)", block.text) or block is not layout.body[0]:
            finder.scan(block, "body")
    for zone in layout.attachments:
        for block in zone.blocks:
            finder.scan(block, "attachment")
    targets = [
        TargetProposal(
            id=f"t{i}", include=f.indicator is not None, indicator=f.indicator, indicator_name=f.indicator_name,
            match_score=f.score,
            proposed_indicator=ProposedIndicator(name=f.proposed[0], unit=f.proposed[1]) if f.proposed else None,
            year=f.year, kind=f.kind, value=f.value, unit=f.unit, comparator=f.comparator,
            aspirational=f.aspirational, baseline_year=f.baseline_year if f.kind != "level" and f.kind != "ratio"
            else None, cumulative=f.cumulative, annual=f.annual, section=f.section, text=f.text,
            source=f.block,
        )
        for i, f in enumerate(dedupe(ctx.found), start=1)
    ]
    qualitative = [QualitativeProposal(year=y, text=t, source=b) for y, t, b in ctx.qualitative]
    return targets, qualitative


def _units(book: UnitBook, meta: metadata_mod.Metadata, city: CityContext, code: str | None) -> list[UnitProposal]:
    out = [UnitProposal(name=e.name, kind=e.kind, aliases=e.aliases, region=e.region, known=e.known,
                        source=e.first_block) for e in book.entries()]
    names = {u.name for u in out} | {a for u in out for a in u.aliases}
    if meta.issuer not in names and meta.issuer.endswith(("人民政府", "人民政府办公室", "人民政府办公厅")):
        known = city.units.get(meta.issuer)
        kind = known[1] if known else kind_of(meta.issuer)
        # A county's own government (兰考县人民政府) works in the county's GB/T 2260 code.
        own = issuer_mod.leading_region(meta.issuer) if kind == "county" else None
        out.insert(0, UnitProposal(name=known[0] if known else meta.issuer, kind=kind,
                                   region=known[2] if known else (own.code if own else None),
                                   known=known is not None))
    return out + _county_governments(out, city, code)


def _county_governments(units: list[UnitProposal], city: CityContext, code: str | None) -> list[UnitProposal]:
    """A city new to Huanxin (no units yet) gets its counties and districts proposed as units from the
    GB/T 2260 table (泰安市 → 泰山区人民政府 … 肥城市人民政府), so county users and 各县（市、区） tasks have
    someone to go to; those the plan names are already among the units. A city already running keeps its
    own units, and a province's divisions are prefectures, not county governments."""
    below = regions_table.children(code)
    if city.units or any(d.level == "city" for d in below):
        return []
    named = {u.region for u in units if u.region}
    return [UnitProposal(name=f"{d.name}人民政府", kind="county", region=d.code)
            for d in below if d.level == "county" and d.code not in named]


def _default_key(code: str | None, meta: metadata_mod.Metadata) -> str:
    year = meta.issued_on.year if meta.issued_on else DEFAULT_HORIZON - 3
    return f"{code or 'plan'}-{year}-import"


def _warnings(proposal: Proposal, region: _PlanRegion) -> list[str]:
    warnings = []
    if not proposal.targets:
        warnings.append("未识别到量化目标：请核对方案的目标部分，必要时在导入后手工补充")
    unmapped = [t for t in proposal.targets if t.indicator is None]
    if unmapped:
        warnings.append(f"{len(unmapped)} 个目标的指标不在指标目录中（建议新增指标），默认不导入；"
                        "可在审核页改选目录中的指标后勾选导入")
    if not any(True for _ in proposal.iter_tasks()):
        warnings.append("未识别到任务：方案正文没有“一、（一）1.（1）”或“一是”等层级，也没有附件清单表格")
    unassigned = [t for t in proposal.iter_tasks() if t.responsibility and t.mode == "none"]
    if unassigned:
        warnings.append(f"{len(unassigned)} 个任务的责任单位未能识别，请在审核页补充")
    if proposal.plan.city is None and region.candidates:
        listed = "、".join(issuer_mod.describe(r) for r in region.candidates)
        warnings.append(f"“{region.ambiguous_name}”所称地区有多个同名区划（{listed}），原文未写明所属省市，"
                        "未能确定所属地区：请在导入时指定城市")
    elif proposal.plan.city is None:
        warnings.append("未能从发文机关和标题识别所属地区，请在导入时指定城市")
    return warnings
