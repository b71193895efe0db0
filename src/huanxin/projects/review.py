"""The review chain: enterprise submits → county → department (by field) → office → approved, with
return and resubmission; and what changed between two submissions.

Who acts at each level: a county user of the project's region (Project.region_code), a department
user of a unit that reviews the project's field (FieldReviewer), the office of the city. The
leader reads only. Separation of duties: whoever declared a project (Project.created_by, a county
or office user declaring for an enterprise) may not approve it at any level.

Every submission stores the declaration as it was then (ProjectStep.snapshot); the changes a
reviewer reads after a resubmission are the differences between the last two submissions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from huanxin.errors import Conflict, Forbidden, InvalidInput
from huanxin.kit import audit
from huanxin.kit.clock import now
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import repository as repo
from huanxin.projects import reviewers, vocab
from huanxin.projects.models import Project, ProjectEquipment, ProjectStep
from huanxin.projects.schemas import EQUIPMENT_LABELS, FIELD_LABELS

REVIEW_ROLES: dict[str, Role] = {"county": Role.COUNTY, "department": Role.DEPARTMENT, "office": Role.OFFICE}
SUBMITTABLE = {"draft", "returned"}
COMMENT_MAX = 2000

# What a snapshot keeps of a project (the declaration), in the order of the form.
SNAPSHOT_FIELDS = tuple(f for f in FIELD_LABELS if f != "equipment")
EQUIPMENT_FIELDS = tuple(EQUIPMENT_LABELS)


@dataclass(frozen=True)
class Change:
    """One difference between two submissions, as a reviewer reads it."""

    field: str  # the ProjectInput field ("equipment" for a line of the equipment list)
    label: str  # in Chinese: 总投资, 设备清单·购置新设备“高效电机”·数量
    before: str
    after: str


# ---- snapshots and differences ---------------------------------------------------------------

def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def snapshot(project: Project, equipment: list[ProjectEquipment]) -> dict[str, Any]:
    """The declaration as plain JSON (dates as ISO text), equipment lines in their order."""
    content: dict[str, Any] = {f: _plain(getattr(project, f)) for f in SNAPSHOT_FIELDS}
    content["equipment"] = [{f: _plain(getattr(line, f)) for f in EQUIPMENT_FIELDS} for line in equipment]
    return content


def _money(fen: Any) -> str:
    return f"{int(fen) / 1_000_000:,.2f}万元" if isinstance(fen, int) else "—"


def _words(keys: Any, labels: dict[str, str]) -> str:
    return "、".join(labels.get(k, k) for k in keys) if keys else "（无）"


def shown(field: str, value: Any) -> str:
    """A snapshot value as a person reads it: labels for keys, 万元 for fen, % for per-mille."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field.endswith("_fen"):
        return _money(value)
    lists = {"directions": vocab.DIRECTIONS, "documents": vocab.DOCUMENTS, "instruments": vocab.INSTRUMENTS}
    if field in lists:
        return _words(value, lists[field])
    singles = {"field": vocab.FIELDS, "construction": vocab.CONSTRUCTION, "side": vocab.EQUIPMENT_SIDES,
               "category": vocab.EQUIPMENT_CATEGORIES}
    if field in singles:
        return singles[field].get(str(value), str(value))
    if field == "invested_permille":
        return f"{int(value) / 10:g}%"
    if field == "intended_banks":
        return "、".join(value) if value else "（无）"
    return str(value)


def _line_key(line: dict[str, Any]) -> tuple[str, str, str, str]:
    return (str(line.get("side")), str(line.get("category")), str(line.get("name")), str(line.get("model")))


def _line_title(line: dict[str, Any]) -> str:
    side = vocab.EQUIPMENT_SIDES.get(str(line.get("side")), str(line.get("side")))
    model = f"（{line['model']}）" if line.get("model") else ""
    return f"{side}“{line.get('name', '')}”{model}"


def _line_summary(line: dict[str, Any]) -> str:
    price = line.get("unit_price_fen") if line.get("side") == "new" else line.get("original_value_fen")
    what = "单价" if line.get("side") == "new" else "原值"
    category = vocab.EQUIPMENT_CATEGORIES.get(str(line.get("category")), "")
    return f"{category} {line.get('quantity', 1)}台（套），{what}{_money(price)}"


def _equipment_changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[Change]:
    # Lines are matched by what names them (side, category, name, model), in order when repeated.
    remaining: dict[tuple[str, str, str, str], list[dict[str, Any]]] = {}
    for line in before:
        remaining.setdefault(_line_key(line), []).append(line)
    changes: list[Change] = []
    for line in after:
        olds = remaining.get(_line_key(line))
        if not olds:
            changes.append(Change("equipment", f"设备清单·新增{_line_title(line)}", "（无）", _line_summary(line)))
            continue
        old = olds.pop(0)
        for name in EQUIPMENT_FIELDS:
            if old.get(name) != line.get(name):
                changes.append(Change("equipment", f"设备清单·{_line_title(line)}·{EQUIPMENT_LABELS[name]}",
                                      shown(name, old.get(name)), shown(name, line.get(name))))
    for olds in remaining.values():
        for old in olds:
            changes.append(Change("equipment", f"设备清单·删除{_line_title(old)}", _line_summary(old), "（已删除）"))
    return changes


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """What changed from one snapshot to the next, in the order of the form."""
    changes = [Change(f, FIELD_LABELS[f], shown(f, before.get(f)), shown(f, after.get(f)))
               for f in SNAPSHOT_FIELDS if before.get(f) != after.get(f)]
    return changes + _equipment_changes(list(before.get("equipment") or []), list(after.get("equipment") or []))


def changes_since_last_submission(session: Session, scope: Scope, project_id: int) -> list[Change]:
    """Under review: the differences between the last two submissions (empty after the first).
    Returned and being corrected: the last submission against the content as it is now, so the
    enterprise sees what it has changed so far."""
    project = repo.visible_project(session, scope, project_id)
    snaps = repo.submission_snapshots(session, project.id, 2)
    if project.status in SUBMITTABLE and snaps:
        current = snapshot(project, repo.equipment_of(session, [project.id])[project.id])
        return differences(snaps[0].snapshot or {}, current)
    if len(snaps) < 2:
        return []
    return differences(snaps[1].snapshot or {}, snaps[0].snapshot or {})


# ---- steps ------------------------------------------------------------------------------------

def add_step(session: Session, scope: Scope, project: Project, *, level: str, action: str, comment: str = "",
             content: dict[str, Any] | None = None) -> ProjectStep:
    step = ProjectStep(project_id=project.id, at=now(), level=level, action=action, actor_id=scope.user_id,
                       actor_name=(scope.display_name or scope.username)[:80], comment=comment,
                       version=project.version, snapshot=content)
    session.add(step)
    audit.record(session, actor=scope.username, action=f"project_{action}", entity="project", entity_id=project.id,
                 city_code=project.city_code,
                 detail={"code": project.code, "level": level, "status": project.status, "version": project.version,
                         "comment": comment})
    session.flush()
    return step


def may_edit(session: Session, scope: Scope, project: Project) -> bool:
    """Its enterprise, or the county or office unit whose user declared it for the enterprise."""
    if scope.role == Role.ENTERPRISE:
        return True  # visible_project already checked it is the enterprise's own
    if scope.role not in (Role.COUNTY, Role.OFFICE):
        return False
    if project.created_by == scope.user_id:
        return True
    creator_role = repo.user_role(session, project.created_by)
    creator_unit = repo.user_unit(session, project.created_by)
    return creator_role == scope.role.value and creator_unit is not None and creator_unit == scope.unit_id


def require_editor(session: Session, scope: Scope, project: Project, doing: str) -> None:
    if scope.role not in (Role.ENTERPRISE, Role.COUNTY, Role.OFFICE):
        raise Forbidden(f"您的角色无权{doing}项目")
    if not may_edit(session, scope, project):
        raise Forbidden(f"只有项目所属企业或代企业填报的单位可以{doing}该项目")
    if project.status not in SUBMITTABLE:
        raise Conflict(f"项目当前状态为“{vocab.STATUSES.get(project.status, project.status)}”，"
                       f"只有草稿或已退回的项目可以{doing}", field="status")


def submit(session: Session, scope: Scope, project_id: int) -> Project:
    project = repo.visible_project(session, scope, project_id, for_update=True)
    require_editor(session, scope, project, "提交")
    equipment = repo.equipment_of(session, [project.id])[project.id]
    if not equipment:
        raise InvalidInput("提交前请填写设备清单（至少一行淘汰旧设备或购置新设备）", field="equipment")
    reviewers.ensure_field_reviewers(session, project.city_code, scope.username)  # a department to go to
    resubmission = project.status == "returned"
    if resubmission:
        project.version += 1
    project.status = "county"
    project.returned_from = None
    project.stage_since = now()
    project.updated_at = project.stage_since
    session.flush()
    add_step(session, scope, project, level="enterprise", action="resubmit" if resubmission else "submit",
             content=snapshot(project, equipment))
    return project


def _review_level(session: Session, scope: Scope, project_id: int, doing: str) -> tuple[Project, str]:
    """The project and the level it waits at, once the caller is shown to be that level's reviewer."""
    if scope.role not in REVIEW_ROLES.values():
        repo.require_reader(scope)
        raise Forbidden(f"您的角色无权{doing}项目")
    project = repo.visible_project(session, scope, project_id, for_update=True)
    level = vocab.REVIEW_LEVEL_OF_STATUS.get(project.status)
    status = vocab.STATUSES.get(project.status, project.status)
    if level is None:
        raise Conflict(f"项目当前状态为“{status}”，不在审核中，不能{doing}", field="status")
    if REVIEW_ROLES[level] != scope.role:
        raise Conflict(f"项目当前状态为“{status}”，不在您的审核环节，不能{doing}", field="status")
    return project, level


def _comment(value: str, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput("退回意见不能为空，请写明需要修改的内容", field="comment")
    if len(text) > COMMENT_MAX:
        raise InvalidInput(f"审核意见不能超过{COMMENT_MAX}字", field="comment")
    return text


def approve(session: Session, scope: Scope, project_id: int, comment: str = "") -> Project:
    project, level = _review_level(session, scope, project_id, "审核通过")
    note = _comment(comment, required=False)
    if project.created_by is not None and project.created_by == scope.user_id:
        raise Forbidden("您是该项目的填报人，不能审核通过自己填报的项目，请由本单位其他人员审核")
    project.status = vocab.NEXT_ON_APPROVAL[level]
    project.stage_since = now()
    project.updated_at = project.stage_since
    session.flush()
    add_step(session, scope, project, level=level, action="approve", comment=note)
    if project.status == "approved":
        from huanxin.projects import indicator_feed  # the feed reads the library; imported late, no cycle

        indicator_feed.refresh_for(session, project)
    return project


def return_to_enterprise(session: Session, scope: Scope, project_id: int, comment: str) -> Project:
    project, level = _review_level(session, scope, project_id, "退回")
    note = _comment(comment, required=True)
    project.status = "returned"
    project.returned_from = level
    project.stage_since = now()
    project.updated_at = project.stage_since
    session.flush()
    add_step(session, scope, project, level=level, action="return", comment=note)
    return project


def history(session: Session, scope: Scope, project_id: int) -> list[ProjectStep]:
    project = repo.visible_project(session, scope, project_id)
    return repo.steps_of(session, project.id)

