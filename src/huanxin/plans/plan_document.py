"""The structured form of a city plan, as shipped in `huanxin/data/plans/*.yaml`.

This is the contract between the curated seed data (and later the document importer) and the
database loader: a plan document is validated here first, so a bad file fails with a message
naming the place, before anything is written.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

ActionKind = Literal[
    "equipment",  # 设备更新
    "consumer",  # 消费品以旧换新
    "recycling",  # 回收循环利用
    "standards",  # 标准提升
    "supply_demand",  # 产品供需对接 (邵阳)
    "guarantee",  # 政策（要素）保障
    "mechanism",  # 工作机制 / 组织实施
    "other",
]
TaskLevel = Literal["action", "key_task", "measure", "sub_measure"]
TargetKind = Literal["level", "growth", "pp_increase", "ratio", "multiple"]
UnitKind = Literal["office", "department", "county", "zone", "town", "agency", "enterprise", "bank"]
ResponsibilityMode = Literal["lead_co", "joint", "lead_only", "none"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UnitDoc(Strict):
    """One organisation of the city. `name` is canonical; every other spelling is an alias."""

    name: str
    kind: UnitKind
    aliases: list[str] = []
    region: str | None = None  # GB/T 2260 code, for county governments


class TargetDoc(Strict):
    indicator: str  # code in the indicator catalogue
    year: int
    kind: TargetKind
    value: float
    unit: str  # unit of `value`: "%" for growth, "个百分点" for pp_increase, ":1" for ratio, "倍" for multiple
    comparator: str | None = None  # 以上, 超过, 达到, 不低于, 左右, 约 ... as written
    aspirational: bool = False  # 力争
    baseline_year: int | None = None  # required for growth, pp_increase, multiple
    cumulative: bool = False  # 累计
    annual: bool = False  # 每年
    region: str | None = None  # GB/T 2260 code when the target is for one county only
    section: Literal["goals", "body", "attachment"] = "goals"
    text: str  # the source sentence (or clause), verbatim

    @model_validator(mode="after")
    def _baseline_for_relative_kinds(self) -> TargetDoc:
        if self.kind in ("growth", "pp_increase", "multiple") and self.baseline_year is None:
            raise ValueError(f"目标“{self.text[:30]}”为相对基期目标，须填写 baseline_year")
        return self


class QualitativeTargetDoc(Strict):
    year: int | None = None
    text: str


class TaskDoc(Strict):
    no: str | None = None  # numbering as printed: 二、 （一） 1. （1） 一是 ...
    title: str
    level: TaskLevel
    action: ActionKind | None = None  # set on level=action nodes; inherited below
    text: str | None = None  # full text of the measure, verbatim (without the unit bracket)
    responsibility: str | None = None  # the unit clause as printed, verbatim
    mode: ResponsibilityMode = "none"
    lead: list[str] = []  # unit names as written (canonical or alias)
    co: list[str] = []
    joint: list[str] = []  # "按照职责分工负责": all jointly responsible, no lead
    all_counties: bool = False  # "各县区人民政府负责落实 / 不再单独列出"
    deadline: str | None = None  # 时间节点 as printed, e.g. 2024年底前 / 持续推进
    children: list[TaskDoc] = []


class AttachmentDoc(Strict):
    title: str
    kind: Literal["key_measures", "responsibility_list", "members", "mechanism", "other"]
    tasks: list[TaskDoc] = []
    text: str | None = None  # for attachments that are not task lists (member lists, mechanisms)


class PlanDoc(Strict):
    key: str  # stable slug, e.g. ziyang-2024
    city: str  # GB/T 2260 code of the city (or county-level city) running the plan
    title: str
    issuer: str
    doc_number: str | None = None
    issued_on: dt.date | None = None
    status: str  # 印发 / 征求意见稿 / ...
    implements: list[str] = []  # higher-level documents cited, as printed
    source_file: str
    responsibility_rule: str | None = None  # the rule sentence, e.g. 逗号前为牵头单位，下同
    implementers_note: str | None = None  # e.g. 各项任务均需各县（区）政府…贯彻落实，不再单独列出
    units: list[UnitDoc]
    targets: list[TargetDoc]
    qualitative_targets: list[QualitativeTargetDoc] = []
    tasks: list[TaskDoc]
    attachments: list[AttachmentDoc] = []
    notes: list[str] = Field(default_factory=list)  # curator's notes on judgement calls

    @model_validator(mode="after")
    def _units_resolve(self) -> PlanDoc:
        known = self.unit_lookup()
        for task in self.iter_tasks():
            for name in [*task.lead, *task.co, *task.joint]:
                if name not in known:
                    raise ValueError(f"任务“{task.title[:30]}”中的单位“{name}”不在 units 名单（含别名）中")
        return self

    def unit_lookup(self) -> dict[str, str]:
        """Every spelling of every unit, mapped to its canonical name."""
        lookup: dict[str, str] = {}
        for unit in self.units:
            for spelling in (unit.name, *unit.aliases):
                if lookup.setdefault(spelling, unit.name) != unit.name:
                    raise ValueError(f"单位名称“{spelling}”同时属于两个单位")
        return lookup

    def iter_tasks(self) -> list[TaskDoc]:
        """All task nodes, body then attachments, depth first."""
        out: list[TaskDoc] = []

        def walk(nodes: list[TaskDoc]) -> None:
            for node in nodes:
                out.append(node)
                walk(node.children)

        walk(self.tasks)
        for attachment in self.attachments:
            walk(attachment.tasks)
        return out


PLANS_DIR = Path(__file__).resolve().parent.parent / "data" / "plans"


def load_plan_document(path: Path) -> PlanDoc:
    return PlanDoc.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def shipped_plan_documents() -> list[PlanDoc]:
    return [load_plan_document(p) for p in sorted(PLANS_DIR.glob("*.yaml"))]


if __name__ == "__main__":  # python -m huanxin.plans.plan_document FILE...: validate curated files
    from huanxin.indicators.catalogue import catalogue

    for arg in sys.argv[1:]:
        doc = load_plan_document(Path(arg))
        unknown = {t.indicator for t in doc.targets} - set(catalogue())
        if unknown:
            sys.exit(f"{arg}: 指标目录中没有 {sorted(unknown)}")
        print(f"{arg}: ok, {len(doc.units)} units, {len(doc.targets)} targets, {len(doc.iter_tasks())} tasks")
