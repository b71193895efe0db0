"""Which city department reviews the projects of each field (FieldReviewer).

The defaults come from the unit names: for each field, the keywords of vocab.FIELD_REVIEWER_KEYWORDS
are tried in order against the city's department units (orgs Unit.kind "department" or "agency"),
and the first keyword that some unit's name contains picks the unit (the first such unit by id).
A field no unit matches stays unassigned: its projects wait for the office to name a department
(the office still sees them). The office may reassign any field; every change is audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from huanxin.errors import Forbidden, InvalidInput, NotFound
from huanxin.kit import audit
from huanxin.orgs.models import Unit
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import repository as repo
from huanxin.projects import vocab
from huanxin.projects.models import FieldReviewer

READERS = {Role.OFFICE, Role.LEADER, Role.DEPARTMENT, Role.COUNTY}


@dataclass(frozen=True)
class Assignment:
    field: str
    field_label: str
    unit_id: int | None
    unit_name: str  # "" when no department is assigned


def default_unit(field: str, units: list[Unit]) -> Unit | None:
    for keyword in vocab.FIELD_REVIEWER_KEYWORDS.get(field, ()):
        for unit in units:
            if keyword in unit.name:
                return unit
    return None


def ensure_field_reviewers(session: Session, city_code: str, actor: str = "system") -> list[FieldReviewer]:
    """Adds the default reviewer of every field that has none yet; keeps what exists (the office's
    choices). Idempotent: a second call adds nothing. Returns the rows it added."""
    have = {row.field for row in repo.field_reviewers(session, city_code)}
    missing = [f for f in vocab.FIELDS if f not in have]
    if not missing:
        return []
    units = repo.department_units(session, city_code)
    added = []
    for field in missing:
        unit = default_unit(field, units)
        if unit is not None:
            added.append(FieldReviewer(city_code=city_code, field=field, unit_id=unit.id))
    if added:
        session.add_all(added)
        session.flush()
        audit.record(session, actor=actor, action="project_field_reviewers_default", entity="project_field_reviewer",
                     entity_id=city_code, city_code=city_code,
                     detail={row.field: row.unit_id for row in added})
    return added


def assignments(session: Session, scope: Scope, city_code: str) -> list[Assignment]:
    """Every field with the department that reviews it, in the order of vocab.FIELDS."""
    scope.require_city(city_code)
    if scope.role not in READERS:
        raise Forbidden("您的角色无权查看行业主管部门分工")
    rows = {row.field: row.unit_id for row in repo.field_reviewers(session, city_code)}
    units = repo.units_by_id(session, list(rows.values()))
    return [Assignment(field, label, rows.get(field), units[rows[field]].name if field in rows else "")
            for field, label in vocab.FIELDS.items()]


def reassign(session: Session, scope: Scope, city_code: str, field: str, unit_id: int) -> Assignment:
    """The office names the department that reviews a field (projects already at the department
    level move to the new department's queue with it)."""
    scope.require_city(city_code)
    scope.require_office()
    if field not in vocab.FIELDS:
        raise InvalidInput(f"所属领域“{field}”无效，须为{'、'.join(vocab.FIELDS.values())}之一", field="field")
    unit = repo.unit_in_city(session, city_code, unit_id)
    if unit is None:
        raise NotFound("未找到该单位", field="unit_id")
    if unit.kind not in ("department", "agency"):
        raise InvalidInput(f"“{unit.name}”不是市直部门，不能审核项目", field="unit_id")
    row = next((r for r in repo.field_reviewers(session, city_code) if r.field == field), None)
    before = row.unit_id if row else None
    if row is None:
        row = FieldReviewer(city_code=city_code, field=field, unit_id=unit.id)
        session.add(row)
    else:
        row.unit_id = unit.id
    session.flush()
    audit.record(session, actor=scope.username, action="project_field_reviewer_reassign",
                 entity="project_field_reviewer", entity_id=row.id, city_code=city_code,
                 detail={"field": field, "from_unit_id": before, "to_unit_id": unit.id})
    return Assignment(field, vocab.FIELDS[field], unit.id, unit.name)
