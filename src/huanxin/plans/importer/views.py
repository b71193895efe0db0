"""What the review screen shows: the document's blocks beside the proposal, flattened for a table."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from huanxin.plans.importer import service
from huanxin.plans.importer.diff import PlanDiff
from huanxin.plans.importer.proposal import Proposal, SourceBlock, TaskProposal
from huanxin.plans.importer.store import ImportRecord
from huanxin.plans.models import Plan

KIND_LABELS = {"level": "达到值", "growth": "较基期增长（%）", "pp_increase": "较基期提高（百分点）",
               "ratio": "比值", "multiple": "倍数"}
LEVEL_LABELS = {"action": "行动", "key_task": "重点任务", "measure": "举措", "sub_measure": "子举措"}
MODE_LABELS = {"lead_co": "牵头+配合", "joint": "按职责分工共同负责", "lead_only": "牵头", "none": "未列单位"}
UNIT_KINDS = {"office": "市政府", "department": "市直部门", "county": "县（市、区）", "zone": "园区", "town": "镇街",
              "agency": "垂管/直属机构", "enterprise": "企业", "bank": "金融机构"}


@dataclass
class TaskRow:
    task: TaskProposal
    depth: int
    source_label: str  # 正文 or the attachment's title


@dataclass
class ReviewView:
    record: ImportRecord
    proposal: Proposal
    blocks: list[SourceBlock]
    rows: list[TaskRow]
    diff: PlanDiff | None
    diff_error: str | None
    plans: list[Plan]
    committed: Plan | None
    new_units: int
    city: service.CityCheck
    confirm_label: str = service.CONFIRM_LABEL

    kind_labels = KIND_LABELS
    level_labels = LEVEL_LABELS
    mode_labels = MODE_LABELS
    unit_kinds = UNIT_KINDS


def _rows(nodes: list[TaskProposal], depth: int, source: str, out: list[TaskRow]) -> None:
    for node in nodes:
        out.append(TaskRow(node, depth, source))
        _rows(node.children, depth + 1, source, out)


def review_view(session: Session, record: ImportRecord) -> ReviewView:
    p = record.proposal
    rows: list[TaskRow] = []
    _rows(p.tasks, 0, "正文", rows)
    for attachment in p.attachments:
        _rows(attachment.tasks, 0, attachment.title, rows)
    diff = diff_error = None
    try:
        diff = service.diff_for(session, record)
    except Exception as exc:  # the diff is advice; a proposal still being edited may not build yet
        diff_error = str(getattr(exc, "message", exc))
    return ReviewView(
        record=record, proposal=p, blocks=p.source.blocks, rows=rows, diff=diff, diff_error=diff_error,
        plans=service.replaceable_plans(session, record.city), committed=service.committed_plan(session, record),
        new_units=sum(1 for u in p.units if not u.known), city=service.city_check(record.city, p),
    )
