"""The list sheets written as .xlsx, with the columns the import reads back (projects.lists.layouts):
the "一表三单" (one workbook, one sheet per list: what a county sends), the key project library, an
empty template, and the province's batch sheet (export only).

Sheets are written in streaming mode, so a library of 50,000 projects never holds its cells in
memory. Every text cell goes through kit.excel.safe_cell (formula-looking text gets its apostrophe),
money is 万元 from integer fen (exact: Decimal), dates are date cells."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput
from huanxin.kit.excel import safe_cell
from huanxin.orgs import service as orgs_service
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import batches, enterprises, vocab
from huanxin.projects.funding.engine import evaluate_project
from huanxin.projects.funding.facts import facts_from_project
from huanxin.projects.lists import queries, surveys
from huanxin.projects.lists.cells import NUMBER_FORMATS, Column, Kind, shown, wan_2
from huanxin.projects.lists.layouts import BATCH, DEMAND, EQUIPMENT, IMPORTABLE, LAYOUTS, LIBRARY, Layout
from huanxin.projects.lists.project_rows import line_values, project_values
from huanxin.projects.models import Project, ProjectEquipment

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SURVEY_WORKBOOK = ("survey", "supply", "demand", "consumer")  # the "一表三单", in the plans' order
# The fields the 工信局 reviews (vocab.FIELD_REVIEWER_KEYWORDS): what the industrial demand list holds.
DEMAND_FIELDS = ("industry", "energy_using", "electronic_info")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
EXPORTABLE = ("survey", "supply", "consumer", "demand", "library")
# A streaming (write-only) sheet: its stubs lack the column_dimensions it has.
Sheet = Any


def _cell(ws: Sheet, column: Column | None, value: Any) -> Cell:
    if isinstance(value, str):
        # As kit.excel.append_row does: characters XML cannot carry dropped before the formula
        # check, then the apostrophe, and the cell typed as text (never a formula or an error).
        cell = WriteOnlyCell(ws, safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value)))
        cell.data_type = "s"
        return cell
    cell = WriteOnlyCell(ws, safe_cell(value))
    if column is not None and column.kind in NUMBER_FORMATS and value is not None:
        cell.number_format = NUMBER_FORMATS[column.kind]
    return cell


def _start(wb: Workbook, layout: Layout, title: str, subtitle: str = "") -> Sheet:
    """Title row (it names the list, which is how the import recognises the sheet), an optional
    subtitle, the header row; widths and a frozen header."""
    ws: Sheet = wb.create_sheet(layout.sheet)
    for index, column in enumerate(layout.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    header_row = 3 if subtitle else 2
    ws.freeze_panes = f"A{header_row + 1}"
    heading = _cell(ws, None, title)
    heading.font = Font(bold=True, size=14)
    ws.append([heading])
    if subtitle:
        ws.append([_cell(ws, None, subtitle)])
    headers = []
    for column in layout.columns:
        cell = _cell(ws, None, column.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        headers.append(cell)
    ws.append(headers)
    return ws


def _write(ws: Sheet, layout: Layout, rows: Iterable[Mapping[str, Any]],
           regions: Mapping[str, str]) -> None:
    for values in rows:
        ws.append([_cell(ws, c, shown(c, values.get(c.key), regions)) for c in layout.columns])


def _to_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _place(session: Session, scope: Scope) -> str:
    """Whose list it is: the county's name for a county, the city's otherwise."""
    code = scope.region_code if scope.role == Role.COUNTY and scope.region_code else scope.city_code
    return orgs_service.region_name(session, code)


# ---- the lists -----------------------------------------------------------------------------------

def _project_sheets(session: Session, scope: Scope, wb: Workbook, layout: Layout, place: str,
                    regions: Mapping[str, str], filters: queries.ExportFilters | None = None) -> None:
    fields = DEMAND_FIELDS if layout is DEMAND else None
    projects = queries.projects_for_export(session, scope, fields, filters)
    ids = [p.id for p in projects]
    equipment = queries.equipment_of(session, ids)
    owners = queries.enterprises_of(session, [p.enterprise_id for p in projects])
    _write(_start(wb, layout, f"{place}{layout.title}"), layout,
           (project_values(p, owners.get(p.enterprise_id), equipment.get(p.id, []), seq)
            for seq, p in enumerate(projects, start=1)), regions)
    # The detail sheet's title names its list by a short name only: the full one would make the
    # import take the sheet for the list itself.
    lines = _start(wb, EQUIPMENT, f"{place}{EQUIPMENT.title}（{'需求清单' if layout is DEMAND else '重点项目库'}）")
    _write(lines, EQUIPMENT, (line_values(line, seq) for seq, p in enumerate(projects, start=1)
                              for line in equipment.get(p.id, [])), regions)


def export_lists(session: Session, scope: Scope, keys: Sequence[str] = SURVEY_WORKBOOK,
                 filters: queries.ExportFilters | None = None) -> bytes:
    """The lists named (layout keys), one sheet each, the caller's rows only; a project list brings
    its equipment detail sheet. Default: the whole "一表三单"."""
    unknown = [k for k in keys if k not in EXPORTABLE]
    if unknown or not keys:
        names = "、".join(LAYOUTS[k].title for k in EXPORTABLE)
        raise InvalidInput(f"清单“{'、'.join(unknown)}”不存在，可导出：{names}", field="layout")
    regions = enterprises.counties(session, scope.city_code)
    place = _place(session, scope)
    wb = Workbook(write_only=True)
    for key in keys:
        layout = LAYOUTS[key]
        if key in surveys.SPECS:
            rows = surveys.export_rows(session, scope, surveys.SPECS[key])
            _write(_start(wb, layout, f"{place}{layout.title}"), layout, rows, regions)
        else:
            _project_sheets(session, scope, wb, layout, place, regions, filters)
    return _to_bytes(wb)


def export_library(session: Session, scope: Scope, filters: queries.ExportFilters | None = None) -> bytes:
    """The key project library (重点项目库) as the caller sees it (and the library page's filters
    select), with the equipment detail sheet."""
    return export_lists(session, scope, ("library",), filters)


def export_template() -> bytes:
    """Every list that imports, headers only: what a county fills in."""
    wb = Workbook(write_only=True)
    for layout in IMPORTABLE:
        if layout is LIBRARY:
            continue  # the library is filled by the review chain, the template by the surveys
        _start(wb, layout, layout.title)
    return _to_bytes(wb)


# ---- the province's batch sheet ------------------------------------------------------------------

def _years(project: Project) -> str:
    return f"{project.start_on:%Y.%m}—{project.finish_on:%Y.%m}"


def _progress(project: Project) -> str:
    label = vocab.CONSTRUCTION.get(project.construction, project.construction)
    share = f"{project.invested_permille / 10:g}%"
    return label if project.construction == "planned" else f"{label}，已完成投资{share}"


def _requested_fen(project: Project, equipment: list[ProjectEquipment], instrument: str,
                   on: dt.date) -> int | None:
    """The funding rules' estimate for the batch's instrument (projects.funding), None when the
    project does not qualify or the rules give no figure."""
    result = evaluate_project(facts_from_project(project, equipment), on).results.get(instrument)
    return result.estimated_fen if result is not None and result.eligible and result.estimated_fen else None


def export_batch(session: Session, scope: Scope, batch_id: int) -> bytes:
    """省级申报批次表: one row per project of the batch, in the province's columns (money rounded to
    0.01万元, as the province's sheets state it)."""
    batch = batches.get_batch(session, scope, batch_id)
    projects = batches.projects_in(session, scope, batch)
    equipment = queries.equipment_of(session, [p.id for p in projects])
    owners = queries.enterprises_of(session, [p.enterprise_id for p in projects])
    regions = enterprises.counties(session, batch.city_code)
    city = orgs_service.region_name(session, batch.city_code)
    instrument = vocab.INSTRUMENTS.get(batch.instrument, batch.instrument)
    wb = Workbook(write_only=True)
    subtitle = f"批次：{batch.name}    申请资金类型：{instrument}    报送截止：{batch.deadline:%Y-%m-%d}"
    ws = _start(wb, BATCH, f"{city}{BATCH.title}", subtitle)
    for seq, project in enumerate(projects, start=1):
        owner = owners.get(project.enterprise_id)
        lines = equipment.get(project.id, [])
        requested = _requested_fen(project, lines, batch.instrument, batch.deadline)
        values: dict[str, Any] = {
            "seq": seq, "name": project.name, "enterprise_name": owner.name if owner else "",
            "credit_code": owner.credit_code if owner else "", "field": vocab.FIELDS.get(project.field, project.field),
            "place": regions.get(project.region_code, project.region_code),
            "total_investment": project.total_investment_fen, "fixed_asset": project.fixed_asset_fen,
            "equipment_investment": project.equipment_investment_fen, "years": _years(project),
            "progress": _progress(project), "instrument": instrument, "requested": requested,
            "retired_value": sum(e.original_value_fen for e in lines if e.side == "retired"),
            "documents": "、".join(vocab.DOCUMENTS.get(d, d) for d in project.documents or []),
            "contact_name": owner.contact_name if owner else "",
            "contact_phone": enterprises.shown_phone(scope, owner) if owner else "", "code": project.code,
        }
        ws.append([_cell(ws, c, _batch_value(c, values.get(c.key))) for c in BATCH.columns])
    return _to_bytes(wb)


def _batch_value(column: Column, value: Any) -> Any:
    if column.kind == Kind.MONEY and value is not None:
        return wan_2(int(value))
    return value
