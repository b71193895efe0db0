"""JSON API of the province batches (/api/v1/cities/{city}/project-batches…) and of which department
reviews which field (/api/v1/cities/{city}/project-field-reviewers); the projects themselves are in
projects.api."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from huanxin.kit.clock import aware
from huanxin.kit.limits import Schema, ShortText
from huanxin.orgs.scope import Scope
from huanxin.projects import batches, reviewers, vocab
from huanxin.projects.api import ProjectOut, projects_out
from huanxin.projects.models import ProjectBatch
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["重点项目库"])


class BatchIn(Schema):
    name: ShortText = ""
    instrument: ShortText = ""
    deadline: dt.date | None = None


class BatchProjectsIn(Schema):
    project_ids: list[int] = Field(default_factory=list, max_length=1000)


class ReassignIn(Schema):
    field: ShortText = ""
    unit_id: int = 0


class BatchOut(BaseModel):
    id: int
    name: str
    instrument: str
    instrument_label: str
    deadline: dt.date
    status: str
    status_label: str
    projects: int
    created_at: dt.datetime
    sent_at: dt.datetime | None


class BatchDetailOut(BatchOut):
    items: list[ProjectOut]


class AssignmentOut(BaseModel):
    field: str
    field_label: str
    unit_id: int | None
    unit_name: str


BATCH_STATUS = {"open": "编制中", "sent": "已报送省级"}


def _batch(item: ProjectBatch, size: int) -> BatchOut:
    return BatchOut(id=item.id, name=item.name, instrument=item.instrument,
                    instrument_label=vocab.INSTRUMENTS.get(item.instrument, item.instrument), deadline=item.deadline,
                    status=item.status, status_label=BATCH_STATUS.get(item.status, item.status), projects=size,
                    created_at=aware(item.created_at), sent_at=aware(item.sent_at) if item.sent_at else None)


# ---- batches ----------------------------------------------------------------------------------

@router.get("/cities/{city_code}/project-batches", response_model=list[BatchOut])
def list_batches(city_code: str, db: DbSession, scope: CurrentScope) -> list[BatchOut]:
    items = batches.list_batches(db, scope, city_code)
    sizes = batches.batch_sizes(db, [b.id for b in items])
    return [_batch(b, sizes.get(b.id, 0)) for b in items]


@router.post("/cities/{city_code}/project-batches", response_model=BatchOut, status_code=201)
def create_batch(city_code: str, body: BatchIn, db: DbSession, scope: CurrentScope) -> BatchOut:
    scope.require_city(city_code)
    return _batch(batches.create_batch(db, scope, body.name, body.instrument, body.deadline), 0)


def _batch_detail(db: Session, scope: Scope, item: ProjectBatch) -> BatchDetailOut:
    projects = batches.projects_in(db, scope, item)
    return BatchDetailOut(**_batch(item, len(projects)).model_dump(), items=projects_out(db, item.city_code, projects))


@router.get("/cities/{city_code}/project-batches/{project_batch_id}", response_model=BatchDetailOut)
def read_batch(city_code: str, project_batch_id: int, db: DbSession, scope: CurrentScope) -> BatchDetailOut:
    scope.require_city(city_code)
    return _batch_detail(db, scope, batches.get_batch(db, scope, project_batch_id))


@router.post("/cities/{city_code}/project-batches/{project_batch_id}/projects", response_model=BatchDetailOut)
def add_to_batch(city_code: str, project_batch_id: int, body: BatchProjectsIn, db: DbSession,
                 scope: CurrentScope) -> BatchDetailOut:
    scope.require_city(city_code)
    batches.add_to_batch(db, scope, project_batch_id, body.project_ids)
    return _batch_detail(db, scope, batches.get_batch(db, scope, project_batch_id))


@router.post("/cities/{city_code}/project-batches/{project_batch_id}/projects/remove", response_model=BatchDetailOut)
def remove_from_batch(city_code: str, project_batch_id: int, body: BatchProjectsIn, db: DbSession,
                      scope: CurrentScope) -> BatchDetailOut:
    scope.require_city(city_code)
    batches.remove_from_batch(db, scope, project_batch_id, body.project_ids)
    return _batch_detail(db, scope, batches.get_batch(db, scope, project_batch_id))


@router.post("/cities/{city_code}/project-batches/{project_batch_id}/send", response_model=BatchDetailOut)
def send_batch(city_code: str, project_batch_id: int, db: DbSession, scope: CurrentScope) -> BatchDetailOut:
    scope.require_city(city_code)
    return _batch_detail(db, scope, batches.send_batch(db, scope, project_batch_id))


# ---- field reviewers --------------------------------------------------------------------------

@router.get("/cities/{city_code}/project-field-reviewers", response_model=list[AssignmentOut])
def field_reviewers(city_code: str, db: DbSession, scope: CurrentScope) -> list[AssignmentOut]:
    return [AssignmentOut(field=a.field, field_label=a.field_label, unit_id=a.unit_id, unit_name=a.unit_name)
            for a in reviewers.assignments(db, scope, city_code)]


@router.put("/cities/{city_code}/project-field-reviewers", response_model=AssignmentOut)
def reassign(city_code: str, body: ReassignIn, db: DbSession, scope: CurrentScope) -> AssignmentOut:
    a = reviewers.reassign(db, scope, city_code, body.field, body.unit_id)
    return AssignmentOut(field=a.field, field_label=a.field_label, unit_id=a.unit_id, unit_name=a.unit_name)

