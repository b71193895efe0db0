"""Loads a validated plan document (curated seed or imported text) into the database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, InvalidInput
from huanxin.indicators.catalogue import catalogue
from huanxin.kit import audit
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import Unit
from huanxin.plans.models import Plan, QualitativeTarget, Target, Task, TaskUnit
from huanxin.plans.numbering import is_closing_paragraph, split_number
from huanxin.plans.plan_document import PlanDoc, TaskDoc

BODY = "正文"


def _plan_span(doc: PlanDoc) -> tuple[dt.date, dt.date]:
    start = doc.issued_on or dt.date(2024, 1, 1)
    last_year = max([t.year for t in doc.targets] + [2027])
    return start, dt.date(last_year, 12, 31)


def load_plan(session: Session, doc: PlanDoc, actor: str = "system") -> Plan:
    """Creates the plan, its units, targets and task tree in the caller's transaction."""
    if session.scalar(select(Plan.id).where(Plan.key == doc.key)) is not None:
        raise Conflict(f"方案“{doc.key}”已导入", field="key")
    unknown = sorted({t.indicator for t in doc.targets} - set(catalogue()))
    if unknown:
        raise InvalidInput(f"指标目录中没有这些指标：{'、'.join(unknown)}", field="indicator")
    for unit in doc.units:
        orgs_service.ensure_unit(session, city_code=doc.city, name=unit.name, kind=unit.kind,
                                 aliases=list(unit.aliases), region_code=unit.region)
    starts_on, ends_on = _plan_span(doc)
    plan = Plan(
        key=doc.key, city_code=doc.city, title=doc.title, issuer=doc.issuer, doc_number=doc.doc_number,
        issued_on=doc.issued_on, status=doc.status, implements=list(doc.implements),
        responsibility_rule=doc.responsibility_rule, implementers_note=doc.implementers_note,
        source_file=doc.source_file, starts_on=starts_on, ends_on=ends_on,
    )
    session.add(plan)
    session.flush()
    session.add_all(
        Target(plan_id=plan.id, indicator_code=t.indicator, year=t.year, kind=t.kind, value=t.value, unit=t.unit,
               comparator=t.comparator, aspirational=t.aspirational, baseline_year=t.baseline_year,
               cumulative=t.cumulative, annual=t.annual, region_code=t.region, section=t.section, text=t.text)
        for t in doc.targets
    )
    session.add_all(QualitativeTarget(plan_id=plan.id, year=q.year, text=q.text) for q in doc.qualitative_targets)
    lookup = orgs_service.unit_lookup(session, doc.city)
    _add_tasks(session, plan, [n for n in doc.tasks if not _is_closing(n)], None, "", BODY, None, lookup)
    for index, attachment in enumerate(doc.attachments, start=1):
        if attachment.tasks:
            prefix = f"{9000 + index:04d}"
            root = Task(plan_id=plan.id, parent_id=None, path=prefix, source=attachment.title, no=f"附件{index}",
                        title=attachment.title, level="action", action="other", mode="none", is_leaf=False)
            session.add(root)
            session.flush()
            _add_tasks(session, plan, attachment.tasks, root, prefix + ".", attachment.title, None, lookup)
    audit.record(session, actor=actor, action="load_plan", entity="plan", entity_id=plan.id,
                 city_code=plan.city_code, detail={"key": plan.key, "title": plan.title})
    return plan


def _add_tasks(
    session: Session, plan: Plan, nodes: list[TaskDoc], parent: Task | None, prefix: str, source: str,
    action: str | None, lookup: dict[str, Unit],
) -> None:
    for index, node in enumerate(nodes, start=1):
        node_action = node.action or action
        printed_no, title = split_number(node.title)
        task = Task(
            plan_id=plan.id, parent_id=parent.id if parent else None, path=f"{prefix}{index:04d}", source=source,
            no=node.no or printed_no, title=title, text=node.text, level=node.level, action=node_action,
            responsibility=node.responsibility, mode=node.mode, all_counties=node.all_counties,
            deadline_text=node.deadline, is_leaf=not node.children, due_on=_due_from_text(node.deadline, plan),
        )
        session.add(task)
        session.flush()
        seen: set[int] = set()
        for role, names in (("lead", node.lead), ("joint", node.joint), ("co", node.co)):
            for name in names:
                unit = lookup[name]
                if unit.id in seen:
                    continue  # a unit named twice keeps its strongest role
                seen.add(unit.id)
                session.add(TaskUnit(task_id=task.id, unit_id=unit.id, role=role, name_as_written=name))
        _add_tasks(session, plan, node.children, task, task.path + ".", source, node_action, lookup)


def _is_closing(node: TaskDoc) -> bool:
    """The body's closing words (各地各部门要…) are kept in the document but are not a task."""
    names_units = bool(node.lead or node.co or node.joint)
    return is_closing_paragraph(node.no, node.text or node.title, names_units, bool(node.children))


def _due_from_text(deadline: str | None, plan: Plan) -> dt.date | None:
    """Reads a deadline such as 2024年底前 / 2025年6月底前; anything else leaves the due date to the office."""
    if not deadline:
        return None
    import re

    match = re.search(r"(20\d\d)年(?:(\d{1,2})月)?", deadline)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2) or 12)
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    return next_month - dt.timedelta(days=1)
