"""The enterprise list (企业名录) as .xlsx: export, and import in the same columns.

The import is all-or-nothing: every row is checked first (a missing column, a merged cell, text
where a code number belongs, a wrong credit code naming the row and the character, an unknown region
or industry code, the same enterprise twice), and the writes run in one savepoint rolled back if a
row is still refused, so a bad file never leaves half a list behind. A row whose credit code is
already registered in the city changes that enterprise (if the importer may change it); the others
are registered. The phone is exported masked (PIPL): a masked phone imported back keeps the stored one.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from openpyxl import Workbook
from openpyxl.utils import range_boundaries
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.errors import DomainError, Forbidden, InvalidInput
from huanxin.kit import audit, pii, uploads
from huanxin.kit.excel import RowError, append_row, cell_text, list_sheet_bytes
from huanxin.kit.parse_process import run_parse
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import enterprise_checks, industries, vocab
from huanxin.projects import enterprises as service
from huanxin.projects.models import Enterprise

SHEET = "企业名录"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YES, NO = "是", "否"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False  # must be present in the header for an import
    width: int = 14


COLUMNS = (
    Column("credit_code", "统一社会信用代码", True, 22),
    Column("name", "企业名称", True, 30),
    Column("industry_code", "行业代码", True, 10),
    Column("industry_name", "行业名称", width=24),  # export only: the import reads the code
    Column("region_code", "所在区县代码", True, 12),
    Column("region_name", "所在区县", width=12),  # export only
    Column("above_scale", "规模以上工业企业", width=10),
    Column("flags", "企业称号", width=30),
    Column("contact_name", "联系人", width=10),
    Column("contact_phone", "联系电话", width=14),
    Column("address", "地址", width=36),
)
HEADER_OF = {c.key: c.header for c in COLUMNS}
FLAG_OF_LABEL = {label: key for key, label in vocab.ENTERPRISE_FLAGS.items()}
SEPARATORS = re.compile(r"[、，,；;/\s]+")


# ---- export ---------------------------------------------------------------------------------------

def export_workbook(session: Session, scope: Scope, city_code: str,
                    filters: service.EnterpriseFilters | None = None) -> bytes:
    items = service.all_enterprises(session, scope, city_code, filters)
    regions = service.counties(session, city_code)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    append_row(sheet, [c.header for c in COLUMNS])
    for e in items:
        phone = service.phone_of(e)
        append_row(sheet, [
            e.credit_code, e.name, e.industry_code[1:] or e.industry_code, industries.industry_name(e.industry_code),
            e.region_code, regions.get(e.region_code, e.region_code), YES if e.above_scale else NO,
            "、".join(service.flag_labels(e)), e.contact_name, pii.mask_phone(phone) if phone else "",
            e.address])
    return list_sheet_bytes(book, sheet, [c.width for c in COLUMNS])


# ---- import ---------------------------------------------------------------------------------------

@dataclass
class ImportResult:
    registered: int = 0
    updated: int = 0
    unchanged: int = 0
    enterprise_ids: list[int] = field(default_factory=list)


class ImportRejected(InvalidInput):
    """The whole file was refused; `errors` lists every row-level problem found."""


def _reject(errors: list[RowError]) -> ImportRejected:
    first = errors[0].message
    more = f"等 {len(errors)} 处错误" if len(errors) > 1 else ""
    return ImportRejected(f"导入失败，未写入任何数据：{first}{more}", field="file",
                          errors=[e.as_dict() for e in errors])


def _file_error(message: str) -> ImportRejected:
    return _reject([RowError(0, "", message)])


@dataclass
class SheetRow:
    number: int
    cells: dict[str, Any]

    def text(self, key: str) -> str:
        return cell_text(self.cells.get(key))


def import_workbook(session: Session, scope: Scope, city_code: str, data: bytes,
                    filename: str | None = None) -> ImportResult:
    """Reads a filled-in list; raises ImportRejected with every row's problems, nothing written then.
    Call it from a worker thread: the parse waits for the upload parse process."""
    service.require_registrar(scope, city_code)
    if filename and not filename.lower().endswith(".xlsx"):
        raise _file_error(f"文件“{filename}”不是 .xlsx 格式，请使用导出的企业名录模板（Excel 2007 及以上）")
    try:
        sheet = uploads.read_rows(data, prefer=SHEET, filename=filename)
        merged = run_parse(merged_ranges, data, SHEET)
    except uploads.UnreadableUpload:
        raise _file_error("文件不是有效的 .xlsx 文件，请使用导出的企业名录模板") from None
    header_row, found = _find_header(sheet)
    missing = [c.header for c in COLUMNS if c.required and c.key not in found]
    if missing:
        names = "、".join(f"“{h}”" for h in missing)
        raise _file_error(f"表头缺少必需的列{names}（请勿删除或改名表头，可先导出名录作模板）")
    errors = _merged_errors(merged, header_row)
    rows = _rows(sheet, header_row, found)
    if not rows and not errors:
        raise _file_error("表格中没有企业行")
    pending = _check_rows(session, scope, city_code, rows, errors)
    if errors:
        raise _reject(sorted(errors, key=lambda e: e.row))
    return _write_all(session, scope, city_code, pending)


def _find_header(sheet: uploads.SheetRows) -> tuple[int, dict[str, int]]:
    wanted = {c.header: c.key for c in COLUMNS}
    best: tuple[int, dict[str, int]] = (0, {})
    for number, values in sheet.rows(1, 5):
        names = [str(v).strip() if v is not None else "" for v in values]
        found = {wanted[name]: i for i, name in enumerate(names) if name in wanted}
        if len(found) > len(best[1]):
            best = (number, found)
    return best


def _rows(sheet: uploads.SheetRows, header_row: int, found: dict[str, int]) -> list[SheetRow]:
    rows = []
    for number, values in sheet.rows(header_row + 1):
        cells = {key: values[i] if i < len(values) else None for key, i in found.items()}
        if all(v is None or str(v).strip() == "" for v in cells.values()):
            continue
        rows.append(SheetRow(number, cells))
    return rows


def _merged_errors(ranges: list[str], header_row: int) -> list[RowError]:
    """A merged cell hides all but its first value: every row it spans would read blank."""
    errors = []
    for ref in ranges:
        _min_col, min_row, _max_col, max_row = range_boundaries(ref)
        if max_row is not None and max_row >= header_row:
            row = max(min_row or 0, header_row)
            errors.append(RowError(row, "", f"第{row}行：单元格 {ref} 是合并单元格，"
                                            "请取消合并并在每一行填写完整后再导入"))
    return errors


@dataclass(frozen=True)
class Pending:
    row: int
    data: service.EnterpriseInput
    existing: Enterprise | None


def _cell_error(row: SheetRow, key: str, message: str) -> RowError:
    header = HEADER_OF.get(key, "")
    text = f"第{row.number}行“{header}”{message}" if header else f"第{row.number}行：{message}"
    return RowError(row.number, header, text)


def _check_rows(session: Session, scope: Scope, city_code: str, rows: list[SheetRow],
                errors: list[RowError]) -> list[Pending]:
    known = {e.credit_code: e for e in session.scalars(select(Enterprise).where(Enterprise.city_code == city_code))}
    seen: dict[str, int] = {}
    pending = []
    for row in rows:
        data = _row_input(row, errors)
        if data is None:
            continue
        try:
            checked = enterprise_checks.check(session, city_code, data)
        except InvalidInput as exc:
            errors.append(_row_problem(row, exc))
            continue
        if checked.credit_code in seen:
            first = seen[checked.credit_code]
            errors.append(_cell_error(row, "credit_code", f"“{checked.credit_code}”与第{first}行重复"))
            continue
        seen[checked.credit_code] = row.number
        existing = known.get(checked.credit_code)
        if existing is not None and not service.may_edit(scope, existing):
            errors.append(_cell_error(row, "credit_code", f"“{checked.credit_code}”已在本市登记，不属于本辖区，"
                                                          "请联系专班办公室修改"))
            continue
        if existing is None and scope.role == Role.COUNTY and checked.region_code != scope.region_code:
            errors.append(_cell_error(row, "region_code",
                                      f"“{checked.region_code}”不是本辖区，县（市、区）只能登记本辖区的企业"))
            continue
        pending.append(Pending(row.number, data, existing))
    return pending


def _row_problem(row: SheetRow, exc: InvalidInput) -> RowError:
    key = exc.field or ""
    header = HEADER_OF.get(key, "")
    return RowError(row.number, header, f"第{row.number}行：{exc.message}")


def _row_input(row: SheetRow, errors: list[RowError]) -> service.EnterpriseInput | None:
    before = len(errors)
    region = _region_code(row, errors)
    above = row.text("above_scale")
    if above not in ("", YES, NO):
        errors.append(_cell_error(row, "above_scale", f"“{above}”无效，请填写“是”或“否”"))
    flags = []
    for label in (p for p in SEPARATORS.split(row.text("flags")) if p):
        key = FLAG_OF_LABEL.get(label) or (label if label in vocab.ENTERPRISE_FLAGS else None)
        if key is None:
            allowed = "、".join(vocab.ENTERPRISE_FLAGS.values())
            errors.append(_cell_error(row, "flags", f"中的“{label}”不是企业称号（应为 {allowed}）"))
        else:
            flags.append(key)
    phone = row.text("contact_phone")
    if len(errors) > before:
        return None
    return service.EnterpriseInput(
        name=row.text("name")[:200], credit_code=row.text("credit_code")[:200],
        industry_code=row.text("industry_code")[:200], region_code=region, above_scale=above == YES, flags=flags,
        contact_name=row.text("contact_name")[:200], address=row.text("address")[:200],
        # our export masks the phone: a masked one means "keep the stored phone"
        contact_phone="" if "*" in phone else phone[:200])


def _region_code(row: SheetRow, errors: list[RowError]) -> str:
    """The region code cell holds a number (Excel keeps 512002 as one); a name or words are refused."""
    raw = row.cells.get("region_code")
    text = row.text("region_code")
    if isinstance(raw, bool) or (text and not re.fullmatch(r"\d{6}", text)):
        errors.append(_cell_error(row, "region_code", f"“{text}”不是6位数字的行政区划代码（如 512002），"
                                                      "请填写代码而非名称"))
        return ""
    return text


def _write_all(session: Session, scope: Scope, city_code: str, pending: list[Pending]) -> ImportResult:
    result = ImportResult()
    savepoint = session.begin_nested()
    current: Pending | None = None
    try:
        for current in pending:
            if current.existing is None:
                registered = service.register(session, scope, city_code, current.data).enterprise
                result.registered += 1
                result.enterprise_ids.append(registered.id)
            else:
                stamp = current.existing.updated_at
                service.update(session, scope, current.existing.id, current.data)
                changed = current.existing.updated_at != stamp
                result.updated += 1 if changed else 0
                result.unchanged += 0 if changed else 1
                result.enterprise_ids.append(current.existing.id)
        audit.record(session, actor=scope.username, action="enterprise_import", entity="city", entity_id=city_code,
                     city_code=city_code, detail={"registered": result.registered, "updated": result.updated,
                                                  "unchanged": result.unchanged})
    except DomainError as exc:
        savepoint.rollback()
        row = current.row if current else 0
        raise _reject([RowError(row, "", f"第{row}行：{exc.message}" if row else exc.message)]) from exc
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return result


# ---- merged cells, read in the parse process ---------------------------------------------------

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
_MERGE = re.compile(rb'<(?:[A-Za-z_][\w.-]{0,15}:)?mergeCell\s[^>]*?ref="([A-Z]{1,3}\d+:[A-Z]{1,3}\d+)"')
_CHUNK = 256 * 1024


def merged_ranges(data: bytes, prefer: str | None = None) -> list[str]:
    """The merged ranges (A3:A5 …) of the sheet `uploads.read_rows` reads (`prefer`, else the first).
    openpyxl's read-only mode does not report them; they sit in the sheet's XML after its rows. The
    upload limits were checked before (kit.uploads); this scans bytes, it parses no cell."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            member = _sheet_member(archive, prefer)
            if member is None:
                return []
            with archive.open(member) as source:
                return list(_scan(source))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, ElementTree.ParseError):
        return []  # the row reader has named the file unreadable already, or will


def _sheet_member(archive: zipfile.ZipFile, prefer: str | None) -> str | None:
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") or "" for r in rels.findall("p:Relationship", _NS)}
    sheets = [(s.get("name"), s.get(f"{{{_NS['r']}}}id")) for s in book.findall("m:sheets/m:sheet", _NS)]
    if not sheets:
        return None
    chosen = next((s for s in sheets if prefer and s[0] == prefer), sheets[0])
    target = targets.get(chosen[1], "")
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _scan(source: Any) -> Iterator[str]:
    carry = b""
    while chunk := source.read(_CHUNK):
        data = carry + chunk
        cut = max(len(data) - 96, 0)  # a tag cut by the chunk's end is matched in the next round
        for match in _MERGE.finditer(data):
            if match.start() < cut:
                yield match.group(1).decode()
        carry = data[cut:]
    for match in _MERGE.finditer(carry):
        yield match.group(1).decode()


def require_importer(scope: Scope, city_code: str) -> None:
    """Import (and the template) is for who registers: the office and the counties."""
    try:
        service.require_registrar(scope, city_code)
    except Forbidden:
        raise Forbidden("只有专班办公室或县（市、区）可以导入企业名录") from None
