"""The queries of the list sheets: survey rows by the caller's scope, enterprises and projects by
the keys a sheet names. Project reads use the library's own scope (repository.scope_condition), so
an export shows a user exactly the projects the library shows them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from huanxin.errors import Forbidden, InvalidInput
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import repository as repo
from huanxin.projects import vocab
from huanxin.projects.models import Enterprise, Project, ProjectEquipment
from huanxin.projects.survey_models import ConsumerSupply, EnterpriseSurvey, ListUpload, SupplyOffering

T = TypeVar("T")
CHUNK = 500  # keys per IN (…): far below SQLite's and PostgreSQL's bind limits
SurveyModel = type[EnterpriseSurvey] | type[SupplyOffering] | type[ConsumerSupply]
# Who reads the survey sheets, and how far: the office and the leader the city, a department the
# city too (the 工信局 runs the 一表三单, 资阳 000 and 攀枝花 001), a county its own region.
SURVEY_READERS = {Role.OFFICE, Role.LEADER, Role.DEPARTMENT, Role.COUNTY}


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def require_survey_reader(scope: Scope) -> None:
    if scope.role not in SURVEY_READERS:
        raise Forbidden("您的角色无权查看“一表三单”调查清单")


def survey_rows(session: Session, scope: Scope, model: SurveyModel) -> list[Any]:
    """The survey rows the caller may read, by region and enterprise."""
    require_survey_reader(scope)
    query = select(model).where(model.city_code == scope.city_code)
    if scope.role == Role.COUNTY:
        query = query.where(model.region_code == (scope.region_code or ""))
    return list(session.scalars(query.order_by(model.region_code, model.credit_code, model.id)))


def survey_rows_of(session: Session, city_code: str, model: SurveyModel, credit_codes: Iterable[str]) -> list[Any]:
    """The city's rows of these enterprises (whatever the region), to update rather than double."""
    codes = sorted(set(credit_codes))
    found: list[Any] = []
    for part in chunks(codes):
        found.extend(session.scalars(select(model).where(model.city_code == city_code,
                                                         model.credit_code.in_(list(part)))))
    return found


def enterprises_by_credit_code(session: Session, city_code: str, credit_codes: Iterable[str]) -> dict[str, Enterprise]:
    codes = sorted(set(credit_codes))
    found: dict[str, Enterprise] = {}
    for part in chunks(codes):
        for enterprise in session.scalars(select(Enterprise).where(Enterprise.city_code == city_code,
                                                                   Enterprise.credit_code.in_(list(part)))):
            found[enterprise.credit_code] = enterprise
    return found


def projects_by_code(session: Session, scope: Scope, codes: Iterable[str]) -> dict[str, Project]:
    """The caller's projects among these codes; another city's or another region's are not found."""
    wanted = sorted(set(codes))
    found: dict[str, Project] = {}
    where = repo.scope_condition(session, scope)
    for part in chunks(wanted):
        for project in session.scalars(select(Project).where(where, Project.code.in_(list(part)))):
            found[project.code] = project
    return found


@dataclass(frozen=True)
class ExportFilters:
    """The library page's filters, for an export of what the page lists."""

    status: str | None = None
    field: str | None = None
    region_code: str | None = None
    enterprise_id: int | None = None
    batch_id: int | None = None
    q: str | None = None


def _filtered(filters: ExportFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.status:
        if filters.status not in vocab.STATUSES:
            raise InvalidInput(f"状态“{filters.status}”无效", field="status")
        where.append(Project.status == filters.status)
    if filters.field:
        if filters.field not in vocab.FIELDS:
            raise InvalidInput(f"所属领域“{filters.field}”无效", field="field")
        where.append(Project.field == filters.field)
    if filters.region_code:
        where.append(Project.region_code == filters.region_code)
    if filters.enterprise_id is not None:
        where.append(Project.enterprise_id == filters.enterprise_id)
    if filters.batch_id is not None:
        where.append(Project.batch_id == filters.batch_id)
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        where.append(or_(Project.name.contains(text, autoescape=True), Project.code.contains(text, autoescape=True)))
    return where


def projects_for_export(session: Session, scope: Scope, fields: Sequence[str] | None = None,
                        filters: ExportFilters | None = None) -> list[Project]:
    where = [repo.scope_condition(session, scope), *_filtered(filters or ExportFilters())]
    if fields:
        where.append(Project.field.in_(list(fields)))
    return list(session.scalars(select(Project).where(*where).order_by(Project.id)))


def equipment_of(session: Session, project_ids: Sequence[int]) -> dict[int, list[ProjectEquipment]]:
    found: dict[int, list[ProjectEquipment]] = {}
    for part in chunks(list(project_ids)):
        found.update(repo.equipment_of(session, part))
    return found


def enterprises_of(session: Session, enterprise_ids: Sequence[int]) -> dict[int, Enterprise]:
    found: dict[int, Enterprise] = {}
    for part in chunks(sorted(set(enterprise_ids))):
        found.update(repo.enterprises_of(session, part))
    return found


def upload_of_file(session: Session, city_code: str, sha256: str) -> ListUpload | None:
    """The city's earlier upload of the very same file, if any."""
    return session.scalar(select(ListUpload).where(ListUpload.city_code == city_code, ListUpload.sha256 == sha256)
                          .order_by(ListUpload.id).limit(1))


def recent_uploads(session: Session, scope: Scope, limit: int = 20) -> list[ListUpload]:
    """The latest uploads the caller may read: a county its own, the city's staff the city's."""
    require_survey_reader(scope)
    query = select(ListUpload).where(ListUpload.city_code == scope.city_code)
    if scope.role == Role.COUNTY:
        query = query.where(ListUpload.region_code == (scope.region_code or ""))
    return list(session.scalars(query.order_by(ListUpload.id.desc()).limit(limit)))
