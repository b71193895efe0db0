"""JSON API of the key project library (/api/v1). The city in the path must be the caller's (another
city answers 404), and each project is resolved in the caller's scope (projects.repository).

    GET  /cities/{city}/projects[?status=&field=&region_code=&enterprise_id=&batch_id=&q=&page=&per_page=]
    POST /cities/{city}/projects                           declare (enterprise; county, office for an enterprise) → 201
    GET  /cities/{city}/projects/{id}                      with equipment, history, changes and the light
    PUT  /cities/{city}/projects/{id}                      change a draft or a returned project
    POST /cities/{city}/projects/{id}/submit               draft | returned → county
    POST /cities/{city}/projects/{id}/approve              {"comment": ""} the level it waits at
    POST /cities/{city}/projects/{id}/return               {"comment": "..."} (required) → returned
    GET  /cities/{city}/project-batches                    the office's batches (office, leader)
    POST /cities/{city}/project-batches                    {"name", "instrument", "deadline"} (office) → 201
    GET  /cities/{city}/project-batches/{id}               one batch with its projects
    POST /cities/{city}/project-batches/{id}/projects      {"project_ids": [...]} approved → batched
    POST /cities/{city}/project-batches/{id}/projects/remove  {"project_ids": [...]} batched → approved
    POST /cities/{city}/project-batches/{id}/send          open → sent, its projects → reported
    GET  /cities/{city}/project-field-reviewers            which department reviews each field
    PUT  /cities/{city}/project-field-reviewers            {"field", "unit_id"} (office)

Idempotency: a project moves no money, so no route requires an `Idempotency-Key`. Creating is the
one call whose retry would make a second object, so POST /projects honours the header when sent:
the first request's answer is stored with the key and a retry gets it back (the same key with
another body: 409). The review steps are safe to retry as they are: a second submit or approve
finds the project in another status and answers 409, changing nothing."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from huanxin.kit import idempotency
from huanxin.kit.clock import aware
from huanxin.kit.limits import Schema
from huanxin.orgs.scope import Scope
from huanxin.projects import lights, service, vocab
from huanxin.projects import repository as repo
from huanxin.projects.models import Enterprise, Project, ProjectEquipment, ProjectStep
from huanxin.projects.schemas import ProjectInput, county_regions
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["重点项目库"])
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key")]


# ---- bodies -----------------------------------------------------------------------------------

class ProjectIn(ProjectInput):
    enterprise_id: int | None = None  # county and office: the enterprise declared for


class CommentIn(Schema):
    comment: str = ""


# ---- answers ----------------------------------------------------------------------------------

class LightOut(BaseModel):
    light: str
    label: str
    due_on: dt.date
    waiting_for: str


class ProjectOut(BaseModel):
    id: int
    code: str
    city_code: str
    enterprise_id: int
    enterprise_name: str
    name: str
    field: str
    field_label: str
    directions: list[str]
    direction_labels: list[str]
    region_code: str
    region_name: str
    summary: str
    total_investment_fen: int
    fixed_asset_fen: int
    equipment_investment_fen: int
    start_on: dt.date
    finish_on: dt.date
    construction: str
    construction_label: str
    invested_permille: int
    documents: list[str]
    instruments: list[str]
    instrument_labels: list[str]
    loan_need_fen: int
    loan_term_months: int
    intended_banks: list[str]
    loan_disbursed_on: dt.date | None
    other_central_funding: bool
    energy_saved_tce: float
    co2_cut_t: float
    benefit_method: str
    status: str
    status_label: str
    returned_from: str | None
    returned_from_label: str
    version: int
    batch_id: int | None
    stage_since: dt.datetime | None
    light: LightOut | None
    created_at: dt.datetime
    updated_at: dt.datetime


class EquipmentOut(BaseModel):
    id: int
    side: str
    side_label: str
    category: str
    category_label: str
    name: str
    model: str
    quantity: int
    unit_price_fen: int
    year: int | None
    original_value_fen: int
    fully_depreciated: bool
    rated_power_kw: float | None
    poles: int | None
    efficiency_pct: float | None
    declared_grade: int | None
    efficiency_level: str | None
    efficiency_label: str
    domestic: bool
    supplier: str


class StepOut(BaseModel):
    at: dt.datetime
    level: str
    level_label: str
    action: str
    action_label: str
    actor_name: str
    comment: str
    version: int


class ChangeOut(BaseModel):
    field: str
    label: str
    before: str
    after: str


class ProjectDetailOut(ProjectOut):
    equipment: list[EquipmentOut]
    history: list[StepOut]
    changes: list[ChangeOut]


class ProjectPageOut(BaseModel):
    items: list[ProjectOut]
    total: int
    page: int
    per_page: int
    pages: int
    counts: dict[str, int]


def _labels(keys: list[str] | None, labels: dict[str, str]) -> list[str]:
    return [labels.get(k, k) for k in keys or []]


def _project(item: Project, enterprise: Enterprise | None, regions: dict[str, str],
             light: lights.ProjectLight | None) -> ProjectOut:
    return ProjectOut(
        id=item.id, code=item.code, city_code=item.city_code, enterprise_id=item.enterprise_id,
        enterprise_name=enterprise.name if enterprise else "", name=item.name, field=item.field,
        field_label=vocab.FIELDS.get(item.field, item.field), directions=list(item.directions or []),
        direction_labels=_labels(item.directions, vocab.DIRECTIONS), region_code=item.region_code,
        region_name=regions.get(item.region_code, item.region_code), summary=item.summary,
        total_investment_fen=item.total_investment_fen, fixed_asset_fen=item.fixed_asset_fen,
        equipment_investment_fen=item.equipment_investment_fen, start_on=item.start_on, finish_on=item.finish_on,
        construction=item.construction, construction_label=vocab.CONSTRUCTION.get(item.construction, ""),
        invested_permille=item.invested_permille, documents=list(item.documents or []),
        instruments=list(item.instruments or []), instrument_labels=_labels(item.instruments, vocab.INSTRUMENTS),
        loan_need_fen=item.loan_need_fen, loan_term_months=item.loan_term_months,
        intended_banks=list(item.intended_banks or []), loan_disbursed_on=item.loan_disbursed_on,
        other_central_funding=item.other_central_funding, energy_saved_tce=item.energy_saved_tce,
        co2_cut_t=item.co2_cut_t, benefit_method=item.benefit_method, status=item.status,
        status_label=vocab.STATUSES.get(item.status, item.status), returned_from=item.returned_from,
        returned_from_label=vocab.LEVELS.get(item.returned_from or "", ""), version=item.version,
        batch_id=item.batch_id, stage_since=aware(item.stage_since) if item.stage_since else None,
        light=LightOut(light=light.light, label=light.label, due_on=light.due_on, waiting_for=light.waiting_for)
        if light else None,
        created_at=aware(item.created_at), updated_at=aware(item.updated_at),
    )


def projects_out(db: Session, city_code: str, items: list[Project]) -> list[ProjectOut]:
    """A page of projects with their enterprises, regions and lights (a few queries for the page)."""
    enterprises = service.enterprises_of(db, [p.enterprise_id for p in items])
    regions = county_regions(db, city_code)
    found = lights.lights_of(db, items)
    return [_project(p, enterprises.get(p.enterprise_id), regions, found.get(p.id)) for p in items]


def _equipment(row: ProjectEquipment) -> EquipmentOut:
    return EquipmentOut(
        id=row.id, side=row.side, side_label=vocab.EQUIPMENT_SIDES.get(row.side, row.side), category=row.category,
        category_label=vocab.EQUIPMENT_CATEGORIES.get(row.category, row.category), name=row.name, model=row.model,
        quantity=row.quantity, unit_price_fen=row.unit_price_fen, year=row.year,
        original_value_fen=row.original_value_fen, fully_depreciated=row.fully_depreciated,
        rated_power_kw=row.rated_power_kw, poles=row.poles, efficiency_pct=row.efficiency_pct,
        declared_grade=row.declared_grade, efficiency_level=row.efficiency_level,
        efficiency_label=vocab.EFFICIENCY_LEVELS.get(row.efficiency_level or "", "未评定"), domestic=row.domestic,
        supplier=row.supplier)


def _step(step: ProjectStep) -> StepOut:
    return StepOut(at=aware(step.at), level=step.level, level_label=vocab.LEVELS.get(step.level, step.level),
                   action=step.action, action_label=vocab.ACTIONS.get(step.action, step.action),
                   actor_name=step.actor_name, comment=step.comment, version=step.version)


def _detail(db: Session, scope: Scope, item: Project) -> ProjectDetailOut:
    base = projects_out(db, item.city_code, [item])[0]
    return ProjectDetailOut(
        **base.model_dump(),
        equipment=[_equipment(row) for row in service.equipment_of(db, [item.id])[item.id]],
        history=[_step(s) for s in service.history(db, scope, item.id)],
        changes=[ChangeOut(field=c.field, label=c.label, before=c.before, after=c.after)
                 for c in service.changes_since_last_submission(db, scope, item.id)])


# ---- projects ---------------------------------------------------------------------------------

@router.get("/cities/{city_code}/projects", response_model=ProjectPageOut)
def list_projects(city_code: str, db: DbSession, scope: CurrentScope, status: str | None = None,
                  field: str | None = None, region_code: str | None = None, enterprise_id: int | None = None,
                  batch_id: int | None = None, q: str | None = None, page: int = 1,
                  per_page: int = 50, stage: str | None = None, start_year: int | None = None,
                  finish_year: int | None = None, month: int | None = None) -> ProjectPageOut:
    """`stage=library`, `start_year` / `finish_year` and `month` select the projects behind an
    indicator figure (projects.library_figures.source_link), as the library page does."""
    scope.require_city(city_code)
    filters = service.ProjectFilters(status=status or None, field=field or None, region_code=region_code or None,
                                     enterprise_id=enterprise_id, batch_id=batch_id, q=q, page=page,
                                     per_page=per_page, stage=stage or None, start_year=start_year,
                                     finish_year=finish_year, until_month=month)
    counts = service.counts_by_status(db, scope, filters)
    # the counts by status are of the same filters but the status: the total is among them
    total = counts.get(filters.status, 0) if filters.status else sum(counts.values())
    found = repo.list_page(db, scope, filters, total=total)
    return ProjectPageOut(items=projects_out(db, city_code, found.items), total=found.total, page=found.page,
                          per_page=found.per_page, pages=found.pages, counts=counts)


def _create(db: Session, scope: Scope, body: ProjectIn) -> dict[str, Any]:
    data = ProjectInput(**body.model_dump(exclude={"enterprise_id"}))
    item = service.create_project(db, scope, data, enterprise_id=body.enterprise_id)
    payload: dict[str, Any] = jsonable_encoder(_detail(db, scope, item))
    return payload


@router.post("/cities/{city_code}/projects", response_model=ProjectDetailOut, status_code=201)
def create(city_code: str, body: ProjectIn, db: DbSession, scope: CurrentScope,
           idempotency_key: IdemKey = None) -> JSONResponse:
    scope.require_city(city_code)
    if not idempotency_key:
        return JSONResponse(_create(db, scope, body), status_code=201)
    key = idempotency.checked_key(idempotency_key)
    owner = idempotency.user_owner(scope.user_id)
    request = jsonable_encoder({"city_code": city_code, **body.model_dump()})
    record_id = idempotency.try_claim(db, owner, key, request)
    if record_id is None:
        stored = idempotency.lookup(db, owner, key, request)  # 409 when the body differs
        if stored is None:  # claimed and dropped by a request that failed meanwhile: run it afresh
            return JSONResponse(_create(db, scope, body), status_code=201)
        return JSONResponse(stored.response, status_code=stored.status_code or 201,
                            headers={"Idempotent-Replayed": "true"})
    payload = _create(db, scope, body)
    idempotency.save(db, record_id, 201, payload)
    return JSONResponse(payload, status_code=201)


@router.get("/cities/{city_code}/projects/{project_id}", response_model=ProjectDetailOut)
def read(city_code: str, project_id: int, db: DbSession, scope: CurrentScope) -> ProjectDetailOut:
    scope.require_city(city_code)
    return _detail(db, scope, service.get_project(db, scope, project_id))


@router.put("/cities/{city_code}/projects/{project_id}", response_model=ProjectDetailOut)
def update(city_code: str, project_id: int, body: ProjectInput, db: DbSession,
           scope: CurrentScope) -> ProjectDetailOut:
    scope.require_city(city_code)
    return _detail(db, scope, service.update_project(db, scope, project_id, body))


@router.post("/cities/{city_code}/projects/{project_id}/submit", response_model=ProjectDetailOut)
def submit(city_code: str, project_id: int, db: DbSession, scope: CurrentScope) -> ProjectDetailOut:
    scope.require_city(city_code)
    return _detail(db, scope, service.submit_project(db, scope, project_id))


@router.post("/cities/{city_code}/projects/{project_id}/approve", response_model=ProjectDetailOut)
def approve(city_code: str, project_id: int, body: CommentIn, db: DbSession, scope: CurrentScope) -> ProjectDetailOut:
    scope.require_city(city_code)
    return _detail(db, scope, service.approve_project(db, scope, project_id, body.comment))


@router.post("/cities/{city_code}/projects/{project_id}/return", response_model=ProjectDetailOut)
def return_(city_code: str, project_id: int, body: CommentIn, db: DbSession, scope: CurrentScope) -> ProjectDetailOut:
    scope.require_city(city_code)
    return _detail(db, scope, service.return_project(db, scope, project_id, body.comment))
