"""What a newer version of a plan changes against the version already loaded: targets and tasks
added, removed and altered, shown before the office commits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from huanxin.plans import repository as repo
from huanxin.plans.models import Plan
from huanxin.plans.plan_document import PlanDoc, TaskDoc


@dataclass(frozen=True)
class TargetFacts:
    indicator: str
    year: int
    kind: str
    baseline_year: int | None
    value: float
    unit: str
    comparator: str | None
    text: str

    @property
    def key(self) -> tuple[str, int, str, int | None]:
        return (self.indicator, self.year, self.kind, self.baseline_year)

    def label(self) -> str:
        base = f"（较{self.baseline_year}年）" if self.baseline_year else ""
        return f"{self.indicator} {self.year}年{base} {self.value:g}{self.unit}{self.comparator or ''}"


@dataclass(frozen=True)
class TaskFacts:
    source: str
    title: str
    lead: frozenset[str]
    co: frozenset[str]
    joint: frozenset[str]
    text: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, re.sub(r"[^\u4e00-\u9fa5A-Za-z0-9]", "", self.title))


@dataclass
class Change:
    label: str
    before: str | None = None
    after: str | None = None


@dataclass
class PlanDiff:
    against_key: str
    against_title: str
    targets_added: list[Change] = field(default_factory=list)
    targets_removed: list[Change] = field(default_factory=list)
    targets_altered: list[Change] = field(default_factory=list)
    tasks_added: list[Change] = field(default_factory=list)
    tasks_removed: list[Change] = field(default_factory=list)
    tasks_altered: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any([self.targets_added, self.targets_removed, self.targets_altered, self.tasks_added,
                        self.tasks_removed, self.tasks_altered])


def _doc_tasks(doc: PlanDoc, lookup: dict[str, str]) -> list[TaskFacts]:
    out: list[TaskFacts] = []

    def walk(nodes: list[TaskDoc], source: str) -> None:
        for n in nodes:
            out.append(TaskFacts(source, n.title, frozenset(lookup.get(x, x) for x in n.lead),
                                 frozenset(lookup.get(x, x) for x in n.co),
                                 frozenset(lookup.get(x, x) for x in n.joint), n.text or ""))
            walk(n.children, source)

    walk(doc.tasks, "正文")
    for attachment in doc.attachments:
        walk(attachment.tasks, attachment.title)
    return out


def _plan_tasks(session: Session, plan: Plan) -> list[TaskFacts]:
    tasks = repo.tasks_of_plan(session, plan.id)
    names = repo.unit_names(session, plan.city_code)
    attachment_roots = {t.id for t in tasks if t.no and t.no.startswith("附件") and t.parent_id is None}
    out = []
    for task in tasks:
        if task.id in attachment_roots:
            continue  # the loader's synthetic root of an attachment, not a task of the document
        roles: dict[str, set[str]] = {"lead": set(), "co": set(), "joint": set()}
        for tu in task.units:
            roles.setdefault(tu.role, set()).add(names.get(tu.unit_id, str(tu.unit_id)))
        out.append(TaskFacts(task.source, task.title, frozenset(roles["lead"]), frozenset(roles["co"]),
                             frozenset(roles["joint"]), task.text or ""))
    return out


def _units_label(t: TaskFacts) -> str:
    parts = []
    for label, names in (("牵头", t.lead), ("配合", t.co), ("共同负责", t.joint)):
        if names:
            parts.append(f"{label}：{'、'.join(sorted(names))}")
    return "；".join(parts) or "未列单位"


def compare(session: Session, plan: Plan, doc: PlanDoc, lookup: dict[str, str]) -> PlanDiff:
    """`lookup` maps every spelling in the new document to the city's canonical unit name."""
    diff = PlanDiff(against_key=plan.key, against_title=plan.title)
    old_targets = {
        (t.indicator_code, t.year, t.kind, t.baseline_year): TargetFacts(
            t.indicator_code, t.year, t.kind, t.baseline_year, t.value, t.unit, t.comparator, t.text)
        for t in repo.targets_of_plan(session, plan.id)
    }
    new_targets = {(t.indicator, t.year, t.kind, t.baseline_year): TargetFacts(
        t.indicator, t.year, t.kind, t.baseline_year, t.value, t.unit, t.comparator, t.text) for t in doc.targets}
    for key, new in new_targets.items():
        old = old_targets.get(key)
        if old is None:
            diff.targets_added.append(Change(new.label(), after=new.text))
        elif (old.value, old.unit, old.comparator) != (new.value, new.unit, new.comparator):
            diff.targets_altered.append(Change(new.label(), before=old.label(), after=new.label()))
    diff.targets_removed = [Change(o.label(), before=o.text) for k, o in old_targets.items() if k not in new_targets]
    _compare_tasks(diff, {t.key: t for t in _plan_tasks(session, plan)}, {t.key: t for t in _doc_tasks(doc, lookup)})
    return diff


def _compare_tasks(diff: PlanDiff, old_tasks: dict[tuple[str, str], TaskFacts],
                   new_tasks: dict[tuple[str, str], TaskFacts]) -> None:
    for key, new in new_tasks.items():
        old = old_tasks.get(key)
        if old is None:
            diff.tasks_added.append(Change(new.title, after=_units_label(new)))
        elif (old.lead, old.co, old.joint) != (new.lead, new.co, new.joint):
            diff.tasks_altered.append(Change(new.title, before=_units_label(old), after=_units_label(new)))
        elif old.text != new.text and old.text and new.text:
            diff.tasks_altered.append(Change(new.title, before="正文措辞", after="措辞有修改"))
    diff.tasks_removed = [Change(o.title, before=_units_label(o)) for k, o in old_tasks.items() if k not in new_tasks]
