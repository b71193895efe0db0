"""The project sheets (技术改造项目和设备更新需求清单, 重点项目库) and their equipment detail sheet:
rows turned into declarations (projects.schemas.ProjectInput) checked by the library's own check
(`validate_project`), written through the library's service, and projects turned back into rows.

A row without 项目编号 is a new project, created as a draft for the enterprise its credit code
names (which must be registered in the city's 企业库). A row with a 项目编号 names a project the
caller can see: unchanged, it is skipped; changed, it updates the project while it is a draft or
returned (the library's own rule), else the row is refused. Equipment lines sit on the detail
sheet, one per row, tied to their project by 项目序号 = the project row's 序号."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pydantic
from sqlalchemy.orm import Session

from huanxin.errors import DomainError, InvalidInput
from huanxin.kit import audit
from huanxin.kit.clock import now, today
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import industries, review, service, vocab
from huanxin.projects import repository as repo
from huanxin.projects.lists import queries
from huanxin.projects.lists.layouts import EQUIPMENT, LIBRARY, Layout
from huanxin.projects.lists.rows import Problems, Row
from huanxin.projects.models import Enterprise, Project, ProjectEquipment
from huanxin.projects.schemas import EquipmentInput, ProjectInput, validate_project

DEFAULT_FIELD = "industry"  # the demand list is the industrial one (工业重点领域)
_LINE_FIELD = re.compile(r"^equipment\[(\d+)\]\.(\w+)$")
_LINE_PREFIX = re.compile(r"^设备清单第\d+行（[^）]*）：")
PROJECT_KEYS = tuple(ProjectInput.model_fields)
LINE_KEYS = tuple(EquipmentInput.model_fields)


@dataclass
class PendingProject:
    row: Row
    data: ProjectInput
    enterprise_id: int
    existing: Project | None = None


@dataclass
class Pending:
    layout: Layout
    create: list[PendingProject] = field(default_factory=list)
    update: list[PendingProject] = field(default_factory=list)
    unchanged: int = 0


def _plain(name: str) -> str:
    return re.sub(r"\s", "", name.replace("(", "（").replace(")", "）"))


def _lines_by_project(lines: list[Row], seqs: set[int], problems: Problems) -> dict[int, list[Row]]:
    by_seq: dict[int, list[Row]] = {}
    column = EQUIPMENT.column("project_seq")
    for line in lines:
        seq = line.values.get("project_seq")
        if seq is None:
            continue  # its cell error is reported already
        if seq not in seqs:
            problems.cell(line.sheet, line.number, column, f"“{seq}”在项目表的“序号”列中没有对应的项目")
            continue
        by_seq.setdefault(seq, []).append(line)
    return by_seq


def _line_input(line: Row) -> EquipmentInput:
    values = {k: v for k, v in line.values.items() if k in LINE_KEYS and v is not None}
    values.setdefault("domestic", True)
    return EquipmentInput(**values)


def _project_input(layout: Layout, row: Row, lines: list[Row]) -> ProjectInput:
    values = {k: v for k, v in row.values.items() if k in PROJECT_KEYS and v is not None}
    if layout is not LIBRARY:
        values.setdefault("field", DEFAULT_FIELD)
    return ProjectInput(**values, equipment=[_line_input(line) for line in lines])


def _report(problems: Problems, layout: Layout, row: Row, lines: list[Row], error: InvalidInput) -> None:
    """The library's check names fields (`equipment_investment_fen`, `equipment[2].unit_price_fen`):
    each becomes the cell of the project row, or of the equipment line's own row."""
    for item in error.errors or [{"field": error.field, "message": error.message}]:
        name, message = str(item.get("field") or ""), str(item.get("message") or error.message)
        match = _LINE_FIELD.match(name)
        if match and int(match.group(1)) < len(lines):
            line = lines[int(match.group(1))]
            column = next((c for c in EQUIPMENT.columns if c.key == match.group(2)), EQUIPMENT.column("name"))
            problems.cell(line.sheet, line.number, column, _LINE_PREFIX.sub("", message))
            continue
        key = "equipment_investment_fen" if name == "equipment" else name
        column = next((c for c in layout.columns if c.key == key), layout.column("name"))
        problems.cell(row.sheet, row.number, column, message)


def _pydantic(problems: Problems, layout: Layout, row: Row, error: pydantic.ValidationError) -> None:
    for item in error.errors():
        where = [str(p) for p in item.get("loc", ())]
        column = next((c for c in layout.columns if where and c.key == where[0]), layout.column("name"))
        problems.cell(row.sheet, row.number, column, f"取值无效（{item.get('msg', '')}）")


def check(session: Session, scope: Scope, layout: Layout, rows: list[Row], lines: list[Row],
          problems: Problems) -> Pending:
    pending = Pending(layout)
    seqs: dict[int, int] = {}
    for row in rows:
        seq = row.values.get("seq")
        if seq is not None and seq in seqs:
            problems.cell(row.sheet, row.number, layout.column("seq"), f"“{seq}”与第{seqs[seq]}行重复")
        elif seq is not None:
            seqs[seq] = row.number
    by_seq = _lines_by_project(lines, set(seqs), problems)
    enterprises = queries.enterprises_by_credit_code(
        session, scope.city_code, [r.values["credit_code"] for r in rows if r.values.get("credit_code")])
    existing = queries.projects_by_code(session, scope, [r.values["code"] for r in rows if r.values.get("code")])
    codes: dict[str, int] = {}
    for row in rows:
        lines_of_row = by_seq.get(row.values.get("seq") or -1, [])
        if row.bad or any(line.bad for line in lines_of_row):
            continue  # its cell errors are reported already; its sums would only repeat them
        enterprise = _enterprise(scope, layout, row, enterprises, problems)
        named, project = _existing(layout, row, existing, codes, problems)
        if enterprise is None or not named:
            continue
        try:
            data = _project_input(layout, row, lines_of_row)
        except pydantic.ValidationError as exc:
            _pydantic(problems, layout, row, exc)
            continue
        try:
            validate_project(data, city_code=scope.city_code, session=session)
        except InvalidInput as exc:
            _report(problems, layout, row, lines_of_row, exc)
            continue
        item = PendingProject(row, data, enterprise.id, project)
        if project is None:
            pending.create.append(item)
        elif _same(session, project, enterprise, data):
            pending.unchanged += 1
        elif _editable(session, scope, layout, row, project, problems):
            pending.update.append(item)
    return pending


def _enterprise(scope: Scope, layout: Layout, row: Row, enterprises: Mapping[str, Enterprise],
                problems: Problems) -> Enterprise | None:
    code = row.values.get("credit_code")
    if code is None:
        return None
    enterprise = enterprises.get(code)
    if enterprise is None:
        problems.cell(row.sheet, row.number, layout.column("credit_code"),
                      f"：本市企业库中没有统一社会信用代码为“{code}”的企业，请先登记企业")
        return None
    named = row.values.get("enterprise_name")
    if named and _plain(named) != _plain(enterprise.name):
        problems.cell(row.sheet, row.number, layout.column("enterprise_name"),
                      f"“{named}”与企业库中该信用代码的企业“{enterprise.name}”不一致")
        return None
    if scope.role == Role.COUNTY and enterprise.region_code != scope.region_code:
        problems.cell(row.sheet, row.number, layout.column("credit_code"),
                      f"：企业“{enterprise.name}”不是本辖区登记的企业，县（市、区）只能为本辖区企业填报项目")
        return None
    return enterprise


def _existing(layout: Layout, row: Row, existing: Mapping[str, Project], codes: dict[str, int],
              problems: Problems) -> tuple[bool, Project | None]:
    """(whether the 项目编号 is right, the project it names: None for a new one)."""
    code = row.values.get("code")
    if not code:
        return True, None
    column = layout.column("code")
    if code in codes:
        problems.cell(row.sheet, row.number, column, f"“{code}”与第{codes[code]}行重复")
        return False, None
    codes[code] = row.number
    project = existing.get(code)
    if project is None:
        # Another city's or another region's project answers like an unknown one.
        problems.cell(row.sheet, row.number, column, f"“{code}”不是您可查看的已有项目；新项目请将项目编号留空")
        return False, None
    return True, project


def _same(session: Session, project: Project, enterprise: Enterprise, data: ProjectInput) -> bool:
    if project.enterprise_id != enterprise.id:
        return False
    held = service.input_of(project, queries.equipment_of(session, [project.id]).get(project.id, []))
    return held.model_dump() == data.model_dump()


def _editable(session: Session, scope: Scope, layout: Layout, row: Row, project: Project,
              problems: Problems) -> bool:
    try:
        review.require_editor(session, scope, project, "通过导入修改")
    except DomainError as exc:
        problems.cell(row.sheet, row.number, layout.column("code"), f"“{project.code}”：{exc.message}")
        return False
    return True


def write(session: Session, scope: Scope, pending: Pending) -> list[int]:
    """Creates the new projects all at once (`create_all`) and updates the named ones through the
    library's service (which checks and audits each); a refusal there still names the row (the
    caller rolls everything back)."""
    ids = create_all(session, scope, pending.create)
    for item in pending.update:
        assert item.existing is not None
        project_id = item.existing.id
        ids.append(_at_row(item, lambda i=item, p=project_id: service.update_project(session, scope, p, i.data)).id)
    return ids


def create_all(session: Session, scope: Scope, items: list[PendingProject]) -> list[int]:
    """The new drafts of a sheet in a few statements instead of service.create_project per row (two
    lookups, a code query, four flushes and an audit append each: 10,000 rows took minutes).

    What create_project checks was checked by `check` for every row already: the enterprise is the
    city's and, for a county, its own (`_enterprise`), the region the county's (parse_rows with
    own_region), the declaration by validate_project. The project rows are filled by the service's
    own helpers, so a project imported and one declared on the form are the same; the codes
    continue the city's sequence of the year from one query (on PostgreSQL under the same advisory
    lock as create_project, held to the end of the transaction); each project still gets its own
    `project_create` audit record."""
    if not items:
        return []
    at = now()
    prefix, first = repo.next_code(session, scope.city_code, today().year).rsplit("-", 1)
    projects = []
    for k, item in enumerate(items):
        projects.append(service.new_draft(scope, item.enterprise_id, f"{prefix}-{int(first) + k:05d}", item.data, at))
    session.add_all(projects)
    session.flush()  # one INSERT … RETURNING for the ids
    lines: list[ProjectEquipment] = []
    for project, item in zip(projects, items, strict=True):
        for position, line in enumerate(service.equipment_rows(item.data.equipment)):
            line.project_id, line.position = project.id, position
            lines.append(line)
    session.add_all(lines)
    session.flush()
    for project, item in zip(projects, items, strict=True):
        audit.record(session, actor=scope.username, action="project_create", entity="project",
                     entity_id=project.id, city_code=project.city_code,
                     detail={"code": project.code, "enterprise_id": item.enterprise_id, "name": project.name,
                             "equipment_lines": len(item.data.equipment), "import_row": item.row.number})
    return [p.id for p in projects]


class RowRefused(Exception):
    def __init__(self, row: Row, error: DomainError) -> None:
        super().__init__(error.message)
        self.row = row
        self.error = error


def _at_row(item: PendingProject, call: Any) -> Project:
    try:
        project: Project = call()
    except DomainError as exc:
        raise RowRefused(item.row, exc) from exc
    return project


# ---- the export's rows ---------------------------------------------------------------------------

def project_values(project: Project, enterprise: Enterprise | None, equipment: list[ProjectEquipment],
                   seq: int) -> dict[str, Any]:
    """One project as its sheet row: the declaration as typed (service.input_of), who declares it,
    and for the library the status and equipment totals."""
    values: dict[str, Any] = service.input_of(project, equipment).model_dump(exclude={"equipment"})
    values.update(seq=seq, code=project.code, enterprise_name=enterprise.name if enterprise else "",
                  credit_code=enterprise.credit_code if enterprise else "",
                  status=vocab.STATUSES.get(project.status, project.status),
                  industry_name=industries.industry_name(enterprise.industry_code) if enterprise else "",
                  retired_value_fen=sum(e.original_value_fen for e in equipment if e.side == "retired"),
                  new_equipment_fen=sum(e.quantity * e.unit_price_fen for e in equipment if e.side == "new"))
    return values


def line_values(line: ProjectEquipment, seq: int) -> dict[str, Any]:
    values: dict[str, Any] = {k: getattr(line, k) for k in LINE_KEYS}
    values.update(project_seq=seq,
                  efficiency_level=vocab.EFFICIENCY_LEVELS.get(line.efficiency_level or "", ""))
    return values
