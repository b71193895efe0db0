"""From a file to a proposal: read, cut into zones, extract metadata, tasks, units and targets.

Pure: no database. What the importer must know about the city (its units, its counties) comes in a
`CityContext`, so the CLI can parse a file without a database and the web flow can match names to
the city's existing units.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from huanxin.errors import InvalidInput
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

REGIONS_FILE = Path(__file__).resolve().parents[2] / "data" / "regions.yaml"
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


@cache
def _regions() -> list[dict[str, str]]:
    return list(yaml.safe_load(REGIONS_FILE.read_text(encoding="utf-8")) or [])


def city_code_for(name: str | None) -> str | None:
    if not name:
        return None
    return next((r["code"] for r in _regions() if r["name"] == name and r["level"] in ("city", "county")), None)


def counties_of(code: str | None) -> dict[str, str]:
    return {r["name"]: r["code"] for r in _regions() if code and r.get("parent") == code}


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
    code = city.code or city_code_for(meta.city_name)
    units = UnitBook(city.units, city.counties or counties_of(code))
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
        units=_units(units, meta, city),
        targets=targets,
        qualitative_targets=qualitative,
        tasks=[_task(n, counter) for n in tree.roots],
        attachments=[AttachmentProposal(title=t, kind=k, text=x, tasks=[_task(n, counter) for n in nodes], source=s)
                     for t, k, x, nodes, s in attachments],
    )
    proposal.warnings = _warnings(proposal)
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


def _units(book: UnitBook, meta: metadata_mod.Metadata, city: CityContext) -> list[UnitProposal]:
    out = [UnitProposal(name=e.name, kind=e.kind, aliases=e.aliases, region=e.region, known=e.known,
                        source=e.first_block) for e in book.entries()]
    names = {u.name for u in out} | {a for u in out for a in u.aliases}
    if meta.issuer not in names and meta.issuer.endswith(("人民政府", "人民政府办公室", "人民政府办公厅")):
        known = city.units.get(meta.issuer)
        out.insert(0, UnitProposal(name=known[0] if known else meta.issuer,
                                   kind=(known[1] if known else kind_of(meta.issuer)),
                                   known=known is not None))
    return out


def _default_key(code: str | None, meta: metadata_mod.Metadata) -> str:
    year = meta.issued_on.year if meta.issued_on else DEFAULT_HORIZON - 3
    return f"{code or 'plan'}-{year}-import"


def _warnings(proposal: Proposal) -> list[str]:
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
    if proposal.plan.city is None:
        warnings.append("未能从标题识别所属城市，请在导入时指定城市")
    return warnings
