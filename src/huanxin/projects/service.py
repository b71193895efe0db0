"""Use cases of the key project library (重点项目库): declare, update, submit, review, read.

Every function takes (session, scope, …), never commits, audits every change of state, and raises
huanxin.errors: Forbidden (403) for a role without the right, NotFound (404) outside the caller's
scope or city, Conflict (409) for a project in the wrong status, InvalidInput (422) for bad input.
The review steps themselves live in `review.py`; this module is the one door the pages, the API,
the Excel lists and the other helpers call.

Who declares: an enterprise user for its own enterprise; a county user for an enterprise of its
region (the project then built in its region); the office for any enterprise of the city. Who
edits: the same, while the project is a draft or returned (review.may_edit)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from huanxin.errors import Forbidden, InvalidInput, NotFound
from huanxin.kit import audit
from huanxin.kit.clock import now, today
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import benefits, efficiency, review, vocab
from huanxin.projects import repository as repo
from huanxin.projects.models import Enterprise, Project, ProjectEquipment, ProjectStep
from huanxin.projects.repository import Page, ProjectFilters
from huanxin.projects.review import Change
from huanxin.projects.schemas import EquipmentInput, ProjectInput, validate_project

__all__ = ["Change", "Page", "ProjectFilters", "approve_project", "changes_since_last_submission",
           "create_project", "equipment_of", "get_project", "history", "list_projects", "return_project",
           "submit_project", "update_project"]

DECLARING_ROLES = {Role.ENTERPRISE, Role.COUNTY, Role.OFFICE}
# The fields of a declaration copied onto the project row as they are.
PLAIN_FIELDS = ("field", "region_code", "summary", "total_investment_fen", "fixed_asset_fen",
                "equipment_investment_fen", "start_on", "finish_on", "construction", "invested_permille",
                "loan_need_fen", "loan_term_months", "loan_disbursed_on", "loan_signed_on", "relending_batch",
                "other_central_funding")
DECLARED_BENEFIT = "企业申报"


# ---- declaring --------------------------------------------------------------------------------

def _declaring_for(session: Session, scope: Scope, enterprise_id: int | None) -> Enterprise:
    """The enterprise a new project belongs to, once the caller may declare for it."""
    if scope.role not in DECLARING_ROLES:
        repo.require_reader(scope)
        raise Forbidden("您的角色无权填报项目")
    if scope.role == Role.ENTERPRISE:
        own = repo.enterprise_of_unit(session, scope)
        if own is None:
            raise Forbidden("当前账号未关联本市已登记的企业，请先完善企业信息")
        if enterprise_id is not None and enterprise_id != own.id:
            raise NotFound("未找到该企业")
        return own
    if enterprise_id is None:
        raise InvalidInput("请选择项目所属企业", field="enterprise_id")
    enterprise = repo.enterprise_in_city(session, scope.city_code, enterprise_id)
    if scope.role == Role.COUNTY and enterprise.region_code != scope.region_code:
        raise NotFound("未找到该企业")
    return enterprise


def _check_county_region(scope: Scope, data: ProjectInput) -> None:
    if scope.role == Role.COUNTY and data.region_code.strip() != scope.region_code:
        raise InvalidInput("县（市、区）只能填报建设地点在本县区的项目", field="region_code")


def _classify(row: ProjectEquipment) -> str | None:
    """The energy-efficiency level of a line against the national tables (None when it cannot be told)."""
    level = efficiency.classify(row).level
    return level if level in vocab.EFFICIENCY_LEVELS else None


def equipment_rows(lines: list[EquipmentInput]) -> list[ProjectEquipment]:
    rows = []
    for line in lines:
        row = ProjectEquipment(**{**line.model_dump(), "name": line.name.strip(), "model": line.model.strip(),
                                  "supplier": line.supplier.strip()})
        row.efficiency_level = _classify(row)
        rows.append(row)
    return rows


def _apply(project: Project, data: ProjectInput) -> None:
    for name in PLAIN_FIELDS:
        setattr(project, name, getattr(data, name))
    project.region_code = data.region_code.strip()
    project.name = data.name.strip()
    project.directions = list(data.directions)
    project.documents = list(data.documents)
    project.instruments = list(data.instruments)
    project.intended_banks = [b.strip() for b in data.intended_banks]
    _apply_benefits(project, data)


def _apply_benefits(project: Project, data: ProjectInput) -> None:
    """The figures the enterprise declared; where it declared none, what the equipment list allows
    computing (projects.benefits: motor replacements), with the method in Chinese either way."""
    if data.energy_saved_tce is not None or data.co2_cut_t is not None:
        project.energy_saved_tce = data.energy_saved_tce or 0.0
        project.co2_cut_t = data.co2_cut_t or 0.0
        project.benefit_method = DECLARED_BENEFIT
        return
    estimated = benefits.estimate(data.equipment)
    project.energy_saved_tce = estimated.energy_saved_tce or 0.0
    project.co2_cut_t = estimated.co2_cut_t or 0.0
    project.benefit_method = estimated.method


def new_draft(scope: Scope, enterprise_id: int, code: str, data: ProjectInput,
              at: dt.datetime | None = None) -> Project:
    """A draft filled from a checked declaration, not yet in the session: the one way a project is
    made, on the form (create_project) as from a sheet (lists.project_rows.create_all)."""
    at = at or now()
    project = Project(city_code=scope.city_code, code=code, enterprise_id=enterprise_id, status="draft", version=1,
                      created_by=scope.user_id, created_at=at, updated_at=at)
    _apply(project, data)
    return project


def create_project(session: Session, scope: Scope, data: ProjectInput, *, enterprise_id: int | None = None) -> Project:
    """A new draft with its equipment list and the next code of the city's year."""
    enterprise = _declaring_for(session, scope, enterprise_id)
    _check_county_region(scope, data)
    validate_project(data, city_code=scope.city_code, session=session)
    project = new_draft(scope, enterprise.id, repo.next_code(session, scope.city_code, today().year), data)
    session.add(project)
    session.flush()
    repo.replace_equipment(session, project.id, equipment_rows(data.equipment))
    audit.record(session, actor=scope.username, action="project_create", entity="project", entity_id=project.id,
                 city_code=project.city_code,
                 detail={"code": project.code, "enterprise_id": enterprise.id, "name": project.name,
                         "equipment_lines": len(data.equipment)})
    return project


def update_project(session: Session, scope: Scope, project_id: int, data: ProjectInput) -> Project:
    """Replaces the declaration and its equipment list (a draft or a returned project only)."""
    project = repo.visible_project(session, scope, project_id, for_update=True)
    review.require_editor(session, scope, project, "修改")
    _check_county_region(scope, data)
    validate_project(data, city_code=project.city_code, session=session)
    before = review.snapshot(project, repo.equipment_of(session, [project.id])[project.id])
    _apply(project, data)
    project.updated_at = now()
    session.flush()
    repo.replace_equipment(session, project.id, equipment_rows(data.equipment))
    after = review.snapshot(project, repo.equipment_of(session, [project.id])[project.id])
    changed = sorted({c.field for c in review.differences(before, after)})
    audit.record(session, actor=scope.username, action="project_update", entity="project", entity_id=project.id,
                 city_code=project.city_code, detail={"code": project.code, "changed": changed})
    return project


def input_of(project: Project, equipment: list[ProjectEquipment]) -> ProjectInput:
    """A stored project as the declaration it came from (for the edit form and the Excel export)."""
    values: dict[str, Any] = {name: getattr(project, name) for name in PLAIN_FIELDS}
    values.update(name=project.name, directions=list(project.directions or []),
                  documents=list(project.documents or []), instruments=list(project.instruments or []),
                  intended_banks=list(project.intended_banks or []),
                  energy_saved_tce=project.energy_saved_tce if project.benefit_method == DECLARED_BENEFIT else None,
                  co2_cut_t=project.co2_cut_t if project.benefit_method == DECLARED_BENEFIT else None,
                  equipment=[EquipmentInput(**{f: getattr(row, f) for f in EquipmentInput.model_fields})
                             for row in equipment])
    return ProjectInput(**values)


# ---- the review chain -------------------------------------------------------------------------

def submit_project(session: Session, scope: Scope, project_id: int) -> Project:
    """draft | returned → county (version + 1 on a resubmission), with a snapshot for the diff."""
    return review.submit(session, scope, project_id)


def approve_project(session: Session, scope: Scope, project_id: int, comment: str = "") -> Project:
    """county → department → office → approved, each by its own level in its scope."""
    return review.approve(session, scope, project_id, comment)


def return_project(session: Session, scope: Scope, project_id: int, comment: str) -> Project:
    """Back to the enterprise with the reviewer's comment (required)."""
    return review.return_to_enterprise(session, scope, project_id, comment)


# ---- reading ----------------------------------------------------------------------------------

def get_project(session: Session, scope: Scope, project_id: int) -> Project:
    return repo.visible_project(session, scope, project_id)


def list_projects(session: Session, scope: Scope, filters: ProjectFilters) -> Page[Project]:
    return repo.list_page(session, scope, filters)


def counts_by_status(session: Session, scope: Scope, filters: ProjectFilters | None = None) -> dict[str, int]:
    return repo.counts_by_status(session, scope, filters or ProjectFilters())


def history(session: Session, scope: Scope, project_id: int) -> list[ProjectStep]:
    return review.history(session, scope, project_id)


def changes_since_last_submission(session: Session, scope: Scope, project_id: int) -> list[Change]:
    return review.changes_since_last_submission(session, scope, project_id)


def equipment_of(session: Session, project_ids: list[int]) -> dict[int, list[ProjectEquipment]]:
    """The equipment lines of many projects (one query). The ids come from a scoped read."""
    return repo.equipment_of(session, project_ids)


def enterprises_of(session: Session, enterprise_ids: list[int]) -> dict[int, Enterprise]:
    """The enterprises of a page of projects (one query)."""
    return repo.enterprises_of(session, enterprise_ids)


def my_enterprise(session: Session, scope: Scope) -> Enterprise | None:
    """The enterprise an enterprise user acts for, if registered."""
    return repo.enterprise_of_unit(session, scope) if scope.role == Role.ENTERPRISE else None
