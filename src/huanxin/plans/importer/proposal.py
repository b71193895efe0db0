"""The proposal: what the importer read from a document, before a person reviews and commits it.

Its JSON form is the stable schema of `huanxin plan parse --json` and of the import API (see
docs/plan-import.md). Every item carries `source`, the id of the document block it came from, so
the review screen can show the sentence beside the item. `to_plan_doc` turns a reviewed proposal
into the same `PlanDoc` that curated plans use, so both load through `loader.load_plan`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Literal

from pydantic import ConfigDict, Field

from huanxin.kit.limits import Schema
from huanxin.plans.plan_document import (
    ActionKind,
    AttachmentDoc,
    PlanDoc,
    QualitativeTargetDoc,
    TargetDoc,
    TaskDoc,
    TaskLevel,
    UnitDoc,
)

SCHEMA = "huanxin.plan-import/1"


class Model(Schema):
    # A plan's own text (an attachment's table, a long clause) is kept whole: the proposal is held
    # to the request's size (web.body_limit), not to a field's; its numbers to kit.limits.
    model_config = ConfigDict(extra="forbid", str_max_length=None)


class SourceBlock(Model):
    id: int
    zone: Literal["header", "body", "attachment"]
    text: str


class SourceInfo(Model):
    filename: str
    format: Literal["txt", "docx", "pdf"]
    encoding: str | None = None
    chars: int
    blocks: list[SourceBlock]


class PlanInfo(Model):
    key: str
    city: str | None = None
    title: str
    issuer: str
    doc_number: str | None = None
    issued_on: dt.date | None = None
    status: str = "印发"
    implements: list[str] = []
    responsibility_rule: str | None = None
    implementers_note: str | None = None
    # Fields the importer guessed or read from weak evidence (title, issuer, issued_on, city): the
    # review screen marks them for the office to check instead of presenting them as read.
    uncertain: list[Literal["title", "issuer", "issued_on", "city"]] = []


class UnitProposal(Model):
    name: str
    kind: Literal["office", "department", "county", "zone", "town", "agency", "enterprise", "bank"]
    aliases: list[str] = []
    region: str | None = None
    known: bool = False  # already a unit of the city; otherwise the commit creates it
    source: int | None = None


class ProposedIndicator(Model):
    name: str
    unit: str


class TargetProposal(Model):
    id: str
    include: bool = True
    indicator: str | None  # catalogue code, or None when only a new indicator is proposed
    indicator_name: str | None = None
    match_score: float = 0.0
    proposed_indicator: ProposedIndicator | None = None
    year: int
    kind: Literal["level", "growth", "pp_increase", "ratio", "multiple"]
    value: float
    unit: str
    comparator: str | None = None
    aspirational: bool = False
    baseline_year: int | None = None
    cumulative: bool = False
    annual: bool = False
    section: Literal["goals", "body", "attachment"] = "goals"
    text: str
    source: int | None = None


class QualitativeProposal(Model):
    year: int | None = None
    text: str
    source: int | None = None


class TaskProposal(Model):
    id: str
    no: str | None = None
    title: str
    level: TaskLevel
    action: ActionKind | None = None
    text: str | None = None
    responsibility: str | None = None
    mode: Literal["lead_co", "joint", "lead_only", "none"] = "none"
    lead: list[str] = []
    co: list[str] = []
    joint: list[str] = []
    all_counties: bool = False
    deadline: str | None = None
    source: int | None = None
    children: list[TaskProposal] = []


class AttachmentProposal(Model):
    title: str
    kind: Literal["key_measures", "responsibility_list", "members", "mechanism", "other"]
    text: str | None = None
    tasks: list[TaskProposal] = []
    source: int | None = None


class Proposal(Model):
    schema_: str = Field(SCHEMA, alias="schema")
    source: SourceInfo
    plan: PlanInfo
    units: list[UnitProposal]
    targets: list[TargetProposal]
    qualitative_targets: list[QualitativeProposal] = []
    tasks: list[TaskProposal]
    attachments: list[AttachmentProposal] = []
    warnings: list[str] = []

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def iter_tasks(self) -> Iterator[TaskProposal]:
        def walk(nodes: list[TaskProposal]) -> Iterator[TaskProposal]:
            for node in nodes:
                yield node
                yield from walk(node.children)

        yield from walk(self.tasks)
        for attachment in self.attachments:
            yield from walk(attachment.tasks)

    def task(self, task_id: str) -> TaskProposal | None:
        return next((t for t in self.iter_tasks() if t.id == task_id), None)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)


def _task_doc(node: TaskProposal) -> TaskDoc:
    return TaskDoc(
        no=node.no, title=node.title, level=node.level, action=node.action, text=node.text,
        responsibility=node.responsibility, mode=node.mode, lead=list(node.lead), co=list(node.co),
        joint=list(node.joint), all_counties=node.all_counties, deadline=node.deadline,
        children=[_task_doc(c) for c in node.children],
    )


def to_plan_doc(proposal: Proposal, city: str) -> PlanDoc:
    """The reviewed proposal as a PlanDoc; targets left out (include=false) are dropped. Raises
    pydantic's ValidationError, which the commit turns into a message naming the item."""
    plan = proposal.plan
    targets = [
        TargetDoc(indicator=t.indicator or "", year=t.year, kind=t.kind, value=t.value, unit=t.unit,
                  comparator=t.comparator, aspirational=t.aspirational, baseline_year=t.baseline_year,
                  cumulative=t.cumulative, annual=t.annual, section=t.section, text=t.text)
        for t in proposal.targets if t.include
    ]
    return PlanDoc(
        key=plan.key, city=city, title=plan.title, issuer=plan.issuer, doc_number=plan.doc_number,
        issued_on=plan.issued_on, status=plan.status, implements=list(plan.implements),
        source_file=proposal.source.filename, responsibility_rule=plan.responsibility_rule,
        implementers_note=plan.implementers_note,
        units=[UnitDoc(name=u.name, kind=u.kind, aliases=list(u.aliases), region=u.region) for u in proposal.units],
        targets=targets,
        qualitative_targets=[QualitativeTargetDoc(year=q.year, text=q.text) for q in proposal.qualitative_targets],
        tasks=[_task_doc(t) for t in proposal.tasks],
        attachments=[AttachmentDoc(title=a.title, kind=a.kind, text=a.text, tasks=[_task_doc(t) for t in a.tasks])
                     for a in proposal.attachments],
    )
