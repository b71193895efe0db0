"""Import of a workbook of lists: any of the "一表三单" sheets and the library sheet, one or several in
one file (a county sends its whole survey at once), each recognised by its name, title or headers.

All or nothing: every sheet and every row is checked first and every problem listed at once
(missing column, merged cell, text in a number column, unknown region, industry or credit code,
equipment investment above total …, each naming the sheet, the row and the column); only when
none is left are the rows written, in one savepoint that is rolled back should the library's
service still refuse one, so a bad file never leaves half a survey behind.

Scope: the office imports for the whole city, a county for its own region only (a row of another
region is an error, never skipped in silence); a department (the 工信局 runs the 一表三单) imports
the survey and supply sheets, while projects are declared by their county or the office."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from huanxin.errors import Forbidden
from huanxin.kit import audit, uploads
from huanxin.kit.clock import aware, now
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import enterprises
from huanxin.projects.lists import project_rows, queries, surveys
from huanxin.projects.lists.cells import Lookups
from huanxin.projects.lists.layouts import IMPORTABLE, PROJECT_LAYOUTS, SURVEY_LAYOUTS
from huanxin.projects.lists.project_rows import RowRefused
from huanxin.projects.lists.rows import ImportRejected, Problems, Row, check_structure, parse_rows
from huanxin.projects.lists.workbook import Found, read_sheets, recognise
from huanxin.projects.survey_models import ListUpload

IMPORTERS = {Role.OFFICE, Role.COUNTY, Role.DEPARTMENT}
__all__ = ["ImportRejected", "ImportResult", "import_workbook"]


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class ImportResult:
    upload_id: int | None = None
    counts: dict[str, Counts] = field(default_factory=dict)  # layout key → counts
    sheets: list[dict[str, Any]] = field(default_factory=list)  # {"sheet", "layout", "title", "rows"}
    skipped: list[str] = field(default_factory=list)  # sheets that are none of the lists
    project_ids: list[int] = field(default_factory=list)

    @property
    def written(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {"upload_id": self.upload_id, "counts": {k: c.as_dict() for k, c in self.counts.items()},
                "sheets": self.sheets, "skipped": self.skipped, "project_ids": self.project_ids,
                "written": self.written}


def require_importer(scope: Scope) -> None:
    if scope.role not in IMPORTERS or (scope.role == Role.COUNTY and not scope.region_code):
        raise Forbidden("您的角色不能导入清单：县（市、区）导入本辖区的清单，专班办公室导入全市的清单")


def _recognised(data: bytes, filename: str | None, problems: Problems) -> tuple[list[Found], list[str]]:
    if filename and not filename.lower().endswith(".xlsx"):
        problems.whole_file(f"文件“{filename}”不是 .xlsx 格式，请使用下载的清单模板（Excel 2007 及以上）")
        raise problems.rejection()
    try:
        raws = read_sheets(data, filename)
    except uploads.UnreadableUpload:
        problems.whole_file("文件不是有效的 .xlsx 文件，请使用下载的清单模板")
        raise problems.rejection() from None
    found, skipped = [], []
    for raw in raws:
        sheet = recognise(raw)
        if sheet is None:
            skipped.append(raw.name)
        else:
            found.append(sheet)
    if not found:
        names = "、".join(f"“{layout.title}”" for layout in IMPORTABLE)
        problems.whole_file(f"文件中没有可识别的清单，工作表的名称、标题或表头应为{names}之一（可下载模板对照）")
        raise problems.rejection()
    return found, skipped


def _one_each(found: list[Found], scope: Scope, problems: Problems) -> None:
    seen: dict[str, str] = {}
    for sheet in found:
        key, name = sheet.layout.key, sheet.raw.name
        if key in seen:
            problems.add(name, 0, "", f"工作表“{name}”与“{seen[key]}”都是{sheet.layout.title}，请合并为一个工作表")
        seen.setdefault(key, name)
        if key in PROJECT_LAYOUTS and scope.role == Role.DEPARTMENT:
            problems.add(name, 0, "",
                         f"{sheet.layout.title}中的项目由县（市、区）或专班办公室导入，行业主管部门不能导入")
    if all(k in seen for k in PROJECT_LAYOUTS):
        problems.add(seen["library"], 0, "",
                     "一个文件中只能有需求清单或重点项目库中的一个（设备明细按“项目序号”对应其中的项目），请分开上传")
    if "equipment" in seen and not any(k in seen for k in PROJECT_LAYOUTS):
        problems.add(seen["equipment"], 0, "", "设备明细表须与其项目所在的需求清单或重点项目库放在同一个文件中")


def import_workbook(session: Session, scope: Scope, data: bytes, filename: str | None = None) -> ImportResult:
    """Reads every list in the workbook and writes them all, or raises ImportRejected listing every
    problem, and then nothing has been written. Call it from a worker thread (the parse waits)."""
    require_importer(scope)
    problems = Problems()
    found, skipped = _recognised(data, filename, problems)
    _one_each(found, scope, problems)
    lookups = Lookups(enterprises.counties(session, scope.city_code))
    own_region = scope.region_code if scope.role == Role.COUNTY else None
    rows: dict[str, list[Row]] = {}
    for sheet in found:
        if check_structure(sheet, problems):
            rows[sheet.layout.key] = parse_rows(sheet, lookups, problems, own_region=own_region)
    pending_surveys = [surveys.check(session, scope, surveys.SPECS[key], rows[key], problems)
                       for key in SURVEY_LAYOUTS if key in rows]
    pending_projects = [project_rows.check(session, scope, sheet.layout, rows[sheet.layout.key],
                                           rows.get("equipment", []), problems)
                        for sheet in found if sheet.layout.key in PROJECT_LAYOUTS and sheet.layout.key in rows]
    if any(p.create for p in pending_projects):
        _refuse_a_second_time(session, scope, data, problems)
    if problems:
        raise _rejection(problems)
    result = ImportResult(skipped=skipped, sheets=[
        {"sheet": s.raw.name, "layout": s.layout.key, "title": s.layout.title, "rows": len(rows[s.layout.key])}
        for s in found])
    _write_all(session, scope, data, filename, pending_surveys, pending_projects, result)
    return result


def _refuse_a_second_time(session: Session, scope: Scope, data: bytes, problems: Problems) -> None:
    """The same file twice would declare its new projects twice (a retried upload, a double click):
    survey rows are keyed and harmless, new projects are not."""
    earlier = queries.upload_of_file(session, scope.city_code, hashlib.sha256(data).hexdigest())
    if earlier is not None:
        at = aware(earlier.created_at)
        problems.whole_file(f"该文件已于{at:%Y-%m-%d %H:%M}导入过（上传编号{earlier.id}），其中的新项目已经建立；"
                            "再次导入会重复建立项目。如需修改，请在导出的清单上修改后上传（已有项目带项目编号）")


def _rejection(problems: Problems) -> ImportRejected:
    order = {name: i for i, name in enumerate(dict.fromkeys(p["sheet"] for p in problems.items))}
    problems.items.sort(key=lambda p: (order[p["sheet"]], p["row"]))
    return problems.rejection()


def _write_all(session: Session, scope: Scope, data: bytes, filename: str | None,
               pending_surveys: list[surveys.Pending], pending_projects: list[project_rows.Pending],
               result: ImportResult) -> None:
    savepoint = session.begin_nested()
    try:
        upload = ListUpload(city_code=scope.city_code, region_code=scope.region_code if scope.role == Role.COUNTY
                            else None, uploaded_by=scope.user_id, filename=(filename or "")[:200],
                            sha256=hashlib.sha256(data).hexdigest(), summary={}, created_at=now())
        session.add(upload)
        session.flush()
        for survey in pending_surveys:
            surveys.write(session, survey, upload)
            result.counts[survey.spec.layout.key] = Counts(len(survey.create), len(survey.update), survey.unchanged)
        for projects in pending_projects:
            result.project_ids.extend(project_rows.write(session, scope, projects))
            result.counts[projects.layout.key] = Counts(len(projects.create), len(projects.update),
                                                        projects.unchanged)
        upload.summary = {key: counts.as_dict() for key, counts in result.counts.items()}
        result.upload_id = upload.id
        audit.record(session, actor=scope.username, action="project_lists_import", entity="project_list_upload",
                     entity_id=upload.id, city_code=scope.city_code,
                     detail={"filename": upload.filename, "sha256": upload.sha256, **upload.summary})
        session.flush()
    except RowRefused as refused:
        savepoint.rollback()
        problems = Problems()
        row = refused.row
        problems.add(row.sheet, row.number, "", f"第{row.number}行：{refused.error.message}")
        raise problems.rejection() from refused.error
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
