"""The batches the office compiles for the province (e.g. 2026年第二批超长期特别国债设备更新项目):
open a batch with the province's deadline, put approved projects in (→ batched) or take them out
(→ approved), and send it (open → sent; its projects → reported). Office only; the leader reads.

A project goes only into a batch of an instrument it asked for (Project.instruments): the province
compiles each instrument's list separately."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from huanxin.errors import Conflict, Forbidden, InvalidInput
from huanxin.kit import audit
from huanxin.kit.clock import now, today
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import repository as repo
from huanxin.projects import review, vocab
from huanxin.projects.models import Project, ProjectBatch

READERS = {Role.OFFICE, Role.LEADER}
NAME_MAX = 120


def _require_office(scope: Scope, city_code: str) -> None:
    scope.require_city(city_code)
    if scope.role != Role.OFFICE:
        raise Forbidden("只有专班办公室可以编制和报送项目批次")


def _require_reader(scope: Scope, city_code: str) -> None:
    scope.require_city(city_code)
    if scope.role not in READERS:
        raise Forbidden("您的角色无权查看项目批次")


def _open_batch(session: Session, scope: Scope, batch_id: int) -> ProjectBatch:
    batch = repo.batch_in_city(session, scope.city_code, batch_id, for_update=True)
    _require_office(scope, batch.city_code)
    if batch.status != "open":
        raise Conflict(f"批次“{batch.name}”已报送省级，不能再调整", field="batch_id")
    return batch


def create_batch(session: Session, scope: Scope, name: str, instrument: str, deadline: dt.date | None) -> ProjectBatch:
    _require_office(scope, scope.city_code)
    title = (name or "").strip()
    if not title:
        raise InvalidInput("批次名称不能为空", field="name")
    if len(title) > NAME_MAX:
        raise InvalidInput(f"批次名称不能超过{NAME_MAX}字", field="name")
    if instrument not in vocab.INSTRUMENTS:
        raise InvalidInput(f"支持方式“{instrument}”无效，须为{'、'.join(vocab.INSTRUMENTS.values())}之一",
                           field="instrument")
    if deadline is None:
        raise InvalidInput("报送截止日期不能为空", field="deadline")
    if deadline < today():
        raise InvalidInput("报送截止日期不能早于今天", field="deadline")
    batch = ProjectBatch(city_code=scope.city_code, name=title, instrument=instrument, deadline=deadline,
                         status="open", created_by=scope.user_id, created_at=now())
    session.add(batch)
    session.flush()
    audit.record(session, actor=scope.username, action="project_batch_create", entity="project_batch",
                 entity_id=batch.id, city_code=batch.city_code,
                 detail={"name": title, "instrument": instrument, "deadline": deadline.isoformat()})
    return batch


def _ids(project_ids: int | Sequence[int]) -> list[int]:
    ids = [project_ids] if isinstance(project_ids, int) else list(dict.fromkeys(project_ids))
    if not ids:
        raise InvalidInput("请选择要调整的项目", field="project_ids")
    return ids


def add_to_batch(session: Session, scope: Scope, batch_id: int, project_ids: int | Sequence[int]) -> list[Project]:
    """Approved projects → batched in this open batch (all or none: one wrong project refuses all)."""
    batch = _open_batch(session, scope, batch_id)
    projects = [repo.visible_project(session, scope, pid, for_update=True) for pid in _ids(project_ids)]
    for project in projects:
        if project.status != "approved":
            raise Conflict(f"项目“{project.name}”当前状态为“{vocab.STATUSES.get(project.status, project.status)}”，"
                           "只有已入库的项目可以编入批次", field="project_ids")
        if batch.instrument not in (project.instruments or []):
            raise InvalidInput(f"项目“{project.name}”未申请{vocab.INSTRUMENTS[batch.instrument]}，"
                               "不能编入该批次", field="project_ids")
    for project in projects:
        project.status, project.batch_id, project.stage_since = "batched", batch.id, now()
        session.flush()
        review.add_step(session, scope, project, level="office", action="batch", comment=batch.name)
    return projects


def remove_from_batch(session: Session, scope: Scope, batch_id: int,
                      project_ids: int | Sequence[int]) -> list[Project]:
    """Batched projects of this open batch → approved again."""
    batch = _open_batch(session, scope, batch_id)
    projects = [repo.visible_project(session, scope, pid, for_update=True) for pid in _ids(project_ids)]
    for project in projects:
        if project.batch_id != batch.id or project.status != "batched":
            raise Conflict(f"项目“{project.name}”不在批次“{batch.name}”中", field="project_ids")
    for project in projects:
        project.status, project.batch_id, project.stage_since = "approved", None, now()
        session.flush()
        review.add_step(session, scope, project, level="office", action="unbatch", comment=batch.name)
    return projects


def send_batch(session: Session, scope: Scope, batch_id: int) -> ProjectBatch:
    """open → sent; every project of the batch → reported, with a 'report' step."""
    batch = _open_batch(session, scope, batch_id)
    projects = repo.projects_of_batch(session, batch.id)
    if not projects:
        raise Conflict(f"批次“{batch.name}”中还没有项目，不能报送", field="batch_id")
    at = now()
    batch.status, batch.sent_at = "sent", at
    for project in projects:
        project.status, project.stage_since, project.updated_at = "reported", at, at
    session.flush()
    for project in projects:
        review.add_step(session, scope, project, level="office", action="report", comment=batch.name)
    audit.record(session, actor=scope.username, action="project_batch_send", entity="project_batch",
                 entity_id=batch.id, city_code=batch.city_code,
                 detail={"name": batch.name, "projects": len(projects)})
    return batch


def list_batches(session: Session, scope: Scope, city_code: str | None = None) -> list[ProjectBatch]:
    city = city_code or scope.city_code
    _require_reader(scope, city)
    return repo.batches_of_city(session, city)


def get_batch(session: Session, scope: Scope, batch_id: int) -> ProjectBatch:
    batch = repo.batch_in_city(session, scope.city_code, batch_id)
    _require_reader(scope, batch.city_code)
    return batch


def projects_in(session: Session, scope: Scope, batch: ProjectBatch) -> list[Project]:
    """Every project of a batch (office, leader), in the order they were numbered."""
    _require_reader(scope, batch.city_code)
    return repo.projects_of_batch(session, batch.id)


def batch_sizes(session: Session, batch_ids: Sequence[int]) -> dict[int, int]:
    """How many projects each batch holds (one query)."""
    return repo.batch_sizes(session, batch_ids)
