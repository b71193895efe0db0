"""Every query of the project library, each scoped by the caller (one place to check a scope).

Who sees which projects (all inside the caller's own city; another city's project answers 404):
- enterprise: the projects of its own enterprise (Enterprise.unit_id == scope.unit_id);
- county: the projects built in its region (Project.region_code == scope.region_code);
- department: the projects of the fields it reviews (FieldReviewer.unit_id == scope.unit_id);
- office, leader: the whole city;
- every other role: none (403).

Built for 50,000 projects per city: a page filters on the indexed (city, status|field|region)
columns, counts with one query, and loads the equipment, the enterprises and the steps of a page
with one query each (never one per project)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, false, func, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from huanxin.db import is_postgres
from huanxin.errors import Forbidden, InvalidInput, NotFound
from huanxin.orgs.models import Unit, User
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import search, vocab
from huanxin.projects.models import Enterprise, FieldReviewer, Project, ProjectBatch, ProjectEquipment, ProjectStep

T = TypeVar("T")

PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 200
# Roles that see projects at all; the others get 403 from every read.
READING_ROLES = {Role.ENTERPRISE, Role.COUNTY, Role.DEPARTMENT, Role.OFFICE, Role.LEADER}
NOT_FOUND = "未找到该项目"


@dataclass(frozen=True)
class ProjectFilters:
    status: str | None = None  # vocab.STATUSES key
    field: str | None = None  # vocab.FIELDS key
    region_code: str | None = None
    enterprise_id: int | None = None
    batch_id: int | None = None
    q: str | None = None  # part of the project's name or code
    # The projects behind an indicator figure (projects.library_figures.source_link): stage
    # "library" is 已入库 and after (indicator_feed.LIBRARY); the start or finish year, and with
    # `until_month` only those from January to the end of that month (a year-to-date figure).
    stage: str | None = None
    start_year: int | None = None
    finish_year: int | None = None
    until_month: int | None = None
    page: int = 1
    per_page: int = PER_PAGE_DEFAULT


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# ---- scope ------------------------------------------------------------------------------------

def enterprise_of_unit(session: Session, scope: Scope) -> Enterprise | None:
    if scope.unit_id is None:
        return None
    found = session.scalar(select(Enterprise).where(Enterprise.unit_id == scope.unit_id,
                                                    Enterprise.city_code == scope.city_code))
    return found


def reviewed_fields(session: Session, scope: Scope) -> list[str]:
    """The fields a department user's unit reviews in its city."""
    if scope.unit_id is None:
        return []
    return list(session.scalars(select(FieldReviewer.field).where(FieldReviewer.city_code == scope.city_code,
                                                                  FieldReviewer.unit_id == scope.unit_id)))


def require_reader(scope: Scope) -> None:
    if scope.role not in READING_ROLES:
        raise Forbidden("您的角色无权查看重点项目库")


def scope_condition(session: Session, scope: Scope) -> ColumnElement[bool]:
    """The WHERE clause of what the caller may see, inside its city."""
    require_reader(scope)
    in_city = Project.city_code == scope.city_code
    if scope.role in (Role.OFFICE, Role.LEADER):
        return in_city
    if scope.role == Role.ENTERPRISE:
        enterprise = enterprise_of_unit(session, scope)
        own = Project.enterprise_id == enterprise.id if enterprise else false()
        return in_city & own
    if scope.role == Role.COUNTY:
        return in_city & (Project.region_code == scope.region_code if scope.region_code else false())
    fields = reviewed_fields(session, scope)
    return in_city & (Project.field.in_(fields) if fields else false())


def in_scope(session: Session, scope: Scope, project: Project) -> bool:
    """Whether one loaded project is the caller's to see (the same rule as `scope_condition`)."""
    require_reader(scope)
    if project.city_code != scope.city_code:
        return False
    if scope.role in (Role.OFFICE, Role.LEADER):
        return True
    if scope.role == Role.ENTERPRISE:
        enterprise = enterprise_of_unit(session, scope)
        return enterprise is not None and project.enterprise_id == enterprise.id
    if scope.role == Role.COUNTY:
        return scope.region_code is not None and project.region_code == scope.region_code
    return project.field in reviewed_fields(session, scope)


def visible_project(session: Session, scope: Scope, project_id: int, *, for_update: bool = False) -> Project:
    """The project, or 404 when it does not exist, is another city's or outside the caller's scope.
    `for_update` locks the row on PostgreSQL, so two reviewers cannot both pass a status check."""
    project = session.get(Project, project_id, with_for_update=for_update)
    if project is None or not in_scope(session, scope, project):
        require_reader(scope)
        raise NotFound(NOT_FOUND)
    return project


# ---- lists ------------------------------------------------------------------------------------

def _filter_conditions(filters: ProjectFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.status:
        if filters.status not in vocab.STATUSES:
            raise InvalidInput(f"状态“{filters.status}”无效，须为{'、'.join(vocab.STATUSES.values())}之一",
                               field="status")
        conditions.append(Project.status == filters.status)
    if filters.field:
        if filters.field not in vocab.FIELDS:
            raise InvalidInput(f"所属领域“{filters.field}”无效", field="field")
        conditions.append(Project.field == filters.field)
    if filters.region_code:
        conditions.append(Project.region_code == filters.region_code)
    if filters.enterprise_id is not None:
        conditions.append(Project.enterprise_id == filters.enterprise_id)
    if filters.batch_id is not None:
        conditions.append(Project.batch_id == filters.batch_id)
    conditions.extend(_figure_conditions(filters))
    q = (filters.q or "").strip()
    if q:
        conditions.append(search.condition(q))
    return conditions


STAGES = {"library": ("approved", "batched", "reported")}  # 已入库、已编入批次、已报送省级
YEARS = range(1900, 2201)


def _year_conditions(column: InstrumentedAttribute[dt.date], year: int | None, until_month: int | None,
                     label: str, name: str) -> list[ColumnElement[bool]]:
    if year is None:
        return []
    if year not in YEARS:
        raise InvalidInput(f"{label}年份“{year}”无效", field=name)
    end = dt.date(year + 1, 1, 1) if until_month in (None, 12) else dt.date(year, int(until_month or 12) + 1, 1)
    return [column >= dt.date(year, 1, 1), column < end]


def _figure_conditions(filters: ProjectFilters) -> list[ColumnElement[bool]]:
    """Stage and start / finish period: the projects an indicator figure counts."""
    conditions: list[ColumnElement[bool]] = []
    if filters.stage:
        if filters.stage not in STAGES:
            raise InvalidInput(f"项目阶段“{filters.stage}”无效，须为“入库项目”", field="stage")
        conditions.append(Project.status.in_(STAGES[filters.stage]))
    if filters.until_month is not None and not 1 <= filters.until_month <= 12:
        raise InvalidInput(f"截止月份“{filters.until_month}”无效，须在1到12之间", field="month")
    conditions += _year_conditions(Project.start_on, filters.start_year, filters.until_month, "开工", "start_year")
    conditions += _year_conditions(Project.finish_on, filters.finish_year, filters.until_month, "完工",
                                   "finish_year")
    return conditions


def _checked_paging(filters: ProjectFilters) -> tuple[int, int]:
    if filters.page < 1:
        raise InvalidInput("页码须为不小于1的整数", field="page")
    if not 1 <= filters.per_page <= PER_PAGE_MAX:
        raise InvalidInput(f"每页条数须在1到{PER_PAGE_MAX}之间", field="per_page")
    return filters.page, filters.per_page


def list_page(session: Session, scope: Scope, filters: ProjectFilters, *, total: int | None = None) -> Page[Project]:
    """One page, newest first, and the total matching (one count query, unless the caller already
    counted them: the library page has the total from its overview).

    The page's ids come first, alone: on PostgreSQL `ORDER BY id DESC` over whole rows walks the
    primary key backwards through the other cities' newer rows, while the ids alone are an
    index-only scan of ix_project_city_id (city_code, id); the 50 rows are then read by id."""
    page, per_page = _checked_paging(filters)
    where = [scope_condition(session, scope), *_filter_conditions(filters)]
    if total is None:
        total = int(session.scalar(select(func.count()).select_from(Project).where(*where)) or 0)
    # A text search matches few rows the planner cannot foresee: ordered by the id itself,
    # PostgreSQL walks the primary key back through every newer row (425 ms for 资阳); by an
    # expression, it finds the city's matches and sorts those (the same order).
    newest = (Project.id + 0).desc() if (filters.q or "").strip() else Project.id.desc()
    ids = list(session.scalars(select(Project.id).where(*where).order_by(newest)
                               .offset((page - 1) * per_page).limit(per_page)))
    items = list(session.scalars(select(Project).where(Project.id.in_(ids)).order_by(Project.id.desc()))) if ids else []
    return Page(items=items, total=total, page=page, per_page=per_page)


def counts_by_status(session: Session, scope: Scope, filters: ProjectFilters) -> dict[str, int]:
    """How many of the caller's projects are in each status (the queue tabs), in one query."""
    where = [scope_condition(session, scope), *_filter_conditions(
        ProjectFilters(field=filters.field, region_code=filters.region_code, enterprise_id=filters.enterprise_id,
                       batch_id=filters.batch_id, q=filters.q, stage=filters.stage, start_year=filters.start_year,
                       finish_year=filters.finish_year, until_month=filters.until_month))]
    if filters.q:
        # a text search reads the rows: find them by (city, id) first rather than walking the
        # (city, status) index row by row for the GROUP BY's order (SQLite: 4x slower at 50,000)
        where = [Project.id.in_(select(Project.id).where(*where))]
    rows = session.execute(select(Project.status, func.count()).where(*where).group_by(Project.status))
    return {str(status): int(count) for status, count in rows}


def equipment_of(session: Session, project_ids: Sequence[int]) -> dict[int, list[ProjectEquipment]]:
    """The equipment lines of many projects in one query, each list in the order declared."""
    result: dict[int, list[ProjectEquipment]] = {pid: [] for pid in project_ids}
    if not project_ids:
        return result
    rows = session.scalars(select(ProjectEquipment).where(ProjectEquipment.project_id.in_(list(project_ids)))
                           .order_by(ProjectEquipment.project_id, ProjectEquipment.position, ProjectEquipment.id))
    for row in rows:
        result[row.project_id].append(row)
    return result


def enterprises_of(session: Session, enterprise_ids: Sequence[int]) -> dict[int, Enterprise]:
    if not enterprise_ids:
        return {}
    rows = session.scalars(select(Enterprise).where(Enterprise.id.in_(set(enterprise_ids))))
    return {e.id: e for e in rows}


def steps_of(session: Session, project_id: int) -> list[ProjectStep]:
    return list(session.scalars(select(ProjectStep).where(ProjectStep.project_id == project_id)
                                .order_by(ProjectStep.at, ProjectStep.id)))


def submission_snapshots(session: Session, project_id: int, limit: int = 2) -> list[ProjectStep]:
    """The latest submissions (newest first) with the content they carried."""
    return list(session.scalars(select(ProjectStep).where(
        ProjectStep.project_id == project_id, ProjectStep.action.in_(("submit", "resubmit")),
        ProjectStep.snapshot.is_not(None)).order_by(ProjectStep.id.desc()).limit(limit)))


# ---- writing helpers --------------------------------------------------------------------------

def enterprise_in_city(session: Session, city_code: str, enterprise_id: int) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None or enterprise.city_code != city_code:
        raise NotFound("未找到该企业")
    return enterprise


def replace_equipment(session: Session, project_id: int, rows: list[ProjectEquipment]) -> None:
    for old in session.scalars(select(ProjectEquipment).where(ProjectEquipment.project_id == project_id)):
        session.delete(old)
    session.flush()
    for position, row in enumerate(rows):
        row.project_id = project_id
        row.position = position
        session.add(row)
    session.flush()


def next_code(session: Session, city_code: str, year: int) -> str:
    """SB-<city>-<year>-<5-digit sequence>, the next free one of the city's year. On PostgreSQL the
    city's creations queue on an advisory lock (SQLite serialises writers anyway), so two
    declarations at once never draw the same number."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(7243013, :key)"), {"key": int(city_code)})
    prefix = f"SB-{city_code}-{year}-"
    last = session.scalar(select(Project.code).where(Project.city_code == city_code, Project.code.like(prefix + "%"))
                          .order_by(Project.code.desc()).limit(1))
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


def user_unit(session: Session, user_id: int | None) -> int | None:
    """The unit of a user (the creator of a project), for who may still edit it."""
    if user_id is None:
        return None
    return session.scalar(select(User.unit_id).where(User.id == user_id))


def user_role(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return session.scalar(select(User.role).where(User.id == user_id))


# ---- field reviewers --------------------------------------------------------------------------

def field_reviewers(session: Session, city_code: str) -> list[FieldReviewer]:
    return list(session.scalars(select(FieldReviewer).where(FieldReviewer.city_code == city_code)
                                .order_by(FieldReviewer.id)))


def department_units(session: Session, city_code: str) -> list[Unit]:
    return list(session.scalars(select(Unit).where(Unit.city_code == city_code, Unit.kind.in_(("department", "agency")))
                                .order_by(Unit.id)))


def unit_in_city(session: Session, city_code: str, unit_id: int) -> Unit | None:
    unit = session.get(Unit, unit_id)
    return unit if unit is not None and unit.city_code == city_code else None


def units_by_id(session: Session, unit_ids: Sequence[int]) -> dict[int, Unit]:
    if not unit_ids:
        return {}
    return {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(set(unit_ids))))}


# ---- batches ----------------------------------------------------------------------------------

def batches_of_city(session: Session, city_code: str) -> list[ProjectBatch]:
    return list(session.scalars(select(ProjectBatch).where(ProjectBatch.city_code == city_code)
                                .order_by(ProjectBatch.id.desc())))


def batch_in_city(session: Session, city_code: str, batch_id: int, *, for_update: bool = False) -> ProjectBatch:
    batch = session.get(ProjectBatch, batch_id, with_for_update=for_update)
    if batch is None or batch.city_code != city_code:
        raise NotFound("未找到该批次")
    return batch


def batch_sizes(session: Session, batch_ids: Sequence[int]) -> dict[int, int]:
    if not batch_ids:
        return {}
    rows = session.execute(select(Project.batch_id, func.count()).where(Project.batch_id.in_(list(batch_ids)))
                           .group_by(Project.batch_id))
    return {int(bid): int(count) for bid, count in rows if bid is not None}


def projects_of_batch(session: Session, batch_id: int) -> list[Project]:
    return list(session.scalars(select(Project).where(Project.batch_id == batch_id).order_by(Project.id)))


def earliest_open_deadline(session: Session, city_code: str) -> dt.date | None:
    """The nearest deadline among the city's open batches: when the office's review must be done."""
    value = session.scalar(select(func.min(ProjectBatch.deadline)).where(ProjectBatch.city_code == city_code,
                                                                         ProjectBatch.status == "open"))
    return value


def deadlines_of_batches(session: Session, batch_ids: Sequence[int]) -> dict[int, dt.date]:
    if not batch_ids:
        return {}
    rows = session.execute(select(ProjectBatch.id, ProjectBatch.deadline).where(ProjectBatch.id.in_(set(batch_ids))))
    return {int(i): d for i, d in rows}


