"""The 设备更新供给清单 sheet (layout in docs/matching.md): a supplier's products exported, and imported
in the same columns.

The import is all-or-nothing: every row is read and checked first (a text in a price column, an
unknown class, a parameter that is not a number, a credential that is not one of the four, the same
产品编号 twice), each problem named by its row and column; only when no row is refused are the
products written, in one savepoint. A row whose 产品编号 the supplier already lists changes that
product; the others are added."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook
from pydantic import ValidationError
from sqlalchemy.orm import Session

from huanxin.errors import DomainError, InvalidInput
from huanxin.kit import audit, uploads
from huanxin.kit.excel import RowError, append_row, cell_text, list_sheet_bytes
from huanxin.matching.catalogue import products
from huanxin.matching.catalogue import repository as repo
from huanxin.matching.catalogue.models import SupplyProduct
from huanxin.matching.records import CREDENTIALS, EFFICIENCY_LABELS
from huanxin.matching.taxonomy import PARAMETERS
from huanxin.matching.taxonomy import load as load_taxonomy
from huanxin.orgs.scope import Scope

SHEET = "设备更新供给清单"
YES, NO = "是", "否"
FEN_PER_YUAN = Decimal(100)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    width: int = 14


COLUMNS = (
    Column("code", "产品编号", True, 16),
    Column("category", "设备类别", True, 16),
    Column("name", "产品名称", True, 30),
    Column("spec", "规格型号及说明", width=36),
    Column("param_name", "关键参数", width=16),  # export only: the class's key parameter and unit
    Column("param_value", "关键参数值", width=12),
    Column("efficiency_level", "能效水平", width=12),
    Column("efficiency_grade", "能效等级", width=10),
    Column("price_min", "最低价（元）", width=14),
    Column("price_max", "最高价（元）", width=14),
    Column("region_code", "所在地区代码", width=14),
    Column("delivery_days", "交货期（天）", width=12),
    Column("credentials", "资质及有效期", width=36),
    Column("on_sale", "在售", width=8),
)
HEADER_OF = {c.key: c.header for c in COLUMNS}
# ProductInput's fields → the column a problem is shown in
COLUMN_OF_FIELD = {"code": "code", "category": "category", "name": "name", "spec": "spec", "params": "param_value",
                   "efficiency_level": "efficiency_level", "efficiency_grade": "efficiency_grade",
                   "price_min_fen": "price_min", "price_max_fen": "price_max", "region_code": "region_code",
                   "delivery_days": "delivery_days", "credentials": "credentials", "on_sale": "on_sale"}
SEPARATORS = re.compile(r"[、，,；;\n]+")
CREDENTIAL_OF_LABEL = {label: kind for kind, label in CREDENTIALS.items()}


# ---- export ---------------------------------------------------------------------------------------

def _yuan(fen: int | None) -> Any:
    return None if fen is None else float(Decimal(fen) / FEN_PER_YUAN)


def _credentials_text(row: SupplyProduct) -> str:
    return "、".join(CREDENTIALS.get(c["kind"], c["kind"]) + (f"至{c['valid_until']}" if c.get("valid_until") else "")
                     for c in row.credentials or [])


def export_workbook(session: Session, scope: Scope) -> bytes:
    tax = load_taxonomy()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    append_row(sheet, [c.header for c in COLUMNS])
    for row in repo.own_products(session, scope):
        param = tax.param_of(row.category)
        label = f"{PARAMETERS[param][0]}（{PARAMETERS[param][1]}）" if param else ""
        append_row(sheet, [
            row.code, tax.name(row.category), row.name, row.spec, label,
            (row.params or {}).get(param) if param else None,
            EFFICIENCY_LABELS.get(row.efficiency_level or "", ""), row.efficiency_grade,
            _yuan(row.price_min_fen), _yuan(row.price_max_fen), row.region_code, row.delivery_days,
            _credentials_text(row), YES if row.on_sale else NO])
    return list_sheet_bytes(book, sheet, [c.width for c in COLUMNS])


# ---- import ---------------------------------------------------------------------------------------

class ImportRejected(InvalidInput):
    """The whole file was refused; `errors` lists every row-level problem found."""


def _reject(errors: list[RowError]) -> ImportRejected:
    more = f"等 {len(errors)} 处错误" if len(errors) > 1 else ""
    return ImportRejected(f"导入失败，未写入任何数据：{errors[0].message}{more}", field="file",
                          errors=[e.as_dict() for e in errors])


def _file_error(message: str) -> ImportRejected:
    return _reject([RowError(0, "", message)])


@dataclass(frozen=True)
class ImportResult:
    added: int
    changed: int


class _Row:
    def __init__(self, number: int, cells: dict[str, Any], errors: list[RowError]) -> None:
        self.number, self.cells, self.errors = number, cells, errors

    def text(self, key: str) -> str:
        return cell_text(self.cells.get(key))

    def error(self, key: str, message: str) -> None:
        header = HEADER_OF.get(key, "")
        self.errors.append(RowError(self.number, header, f"第{self.number}行“{header}”{message}"))

    def number_of(self, key: str, what: str) -> Decimal | None:
        raw, text = self.cells.get(key), self.text(key)
        if text == "":
            return None
        if isinstance(raw, bool):
            self.error(key, f"应为{what}")
            return None
        try:
            value = Decimal(str(raw) if isinstance(raw, int | float) else text.replace(",", "").replace("，", ""))
        except InvalidOperation:
            self.error(key, f"应为{what}，“{text}”不是数字")
            return None
        if not value.is_finite() or value < 0:
            self.error(key, f"应为{what}，不能为负数")
            return None
        return value

    def fen(self, key: str) -> int | None:
        value = self.number_of(key, "金额（元，最多两位小数）")
        if value is None:
            return None
        if value != value.quantize(Decimal("0.01")):
            self.error(key, "最多两位小数（元）")
            return None
        return int(value * FEN_PER_YUAN)

    def whole(self, key: str, what: str) -> int | None:
        value = self.number_of(key, what)
        if value is not None and value != value.to_integral_value():
            self.error(key, f"应为{what}")
            return None
        return None if value is None else int(value)


def import_workbook(session: Session, scope: Scope, data: bytes, filename: str | None = None) -> ImportResult:
    """Reads a filled-in sheet; raises ImportRejected with every row's problems, nothing written then.
    Call it from a worker thread: the parse waits for the upload parse process."""
    owner = repo.supplier(session, scope)
    if filename and not filename.lower().endswith(".xlsx"):
        raise _file_error(f"文件“{filename}”不是 .xlsx 格式，请使用导出的供给清单模板（Excel 2007 及以上）")
    try:
        sheet = uploads.read_rows(data, prefer=SHEET, filename=filename)
    except uploads.UnreadableUpload:
        raise _file_error("文件不是有效的 .xlsx 文件，请使用导出的供给清单模板") from None
    header_row, found = _find_header(sheet)
    missing = [c.header for c in COLUMNS if c.required and c.key not in found]
    if missing:
        names = "、".join(f"“{h}”" for h in missing)
        raise _file_error(f"表头缺少必需的列{names}（请勿删除或改名表头，可先导出清单作模板）")
    errors: list[RowError] = []
    inputs = _inputs(sheet, header_row, found, errors)
    if not inputs and not errors:
        raise _file_error("表格中没有产品行")
    for number, item in inputs:
        try:
            products.checked(item, owner)
        except InvalidInput as exc:
            _Row(number, {}, errors).error(COLUMN_OF_FIELD.get(exc.field or "", "code"), f"：{exc.message}")
    if errors:
        raise _reject(sorted(errors, key=lambda e: e.row))
    return _write_all(session, scope, owner.id, inputs)


def _find_header(sheet: uploads.SheetRows) -> tuple[int, dict[str, int]]:
    wanted = {c.header: c.key for c in COLUMNS}
    best: tuple[int, dict[str, int]] = (0, {})
    for number, values in sheet.rows(1, 5):
        names = [str(v).strip() if v is not None else "" for v in values]
        found = {wanted[name]: i for i, name in enumerate(names) if name in wanted}
        if len(found) > len(best[1]):
            best = (number, found)
    return best


def _inputs(sheet: uploads.SheetRows, header_row: int, found: dict[str, int],
            errors: list[RowError]) -> list[tuple[int, products.ProductInput]]:
    seen: dict[str, int] = {}
    inputs = []
    for number, values in sheet.rows(header_row + 1):
        cells = {key: values[i] if i < len(values) else None for key, i in found.items()}
        if all(cell_text(v) == "" for v in cells.values()):
            continue
        row = _Row(number, cells, errors)
        item = _row_input(row)
        if item is None:
            continue
        if item.code in seen:
            row.error("code", f"“{item.code}”与第{seen[item.code]}行重复")
            continue
        seen[item.code] = number
        inputs.append((number, item))
    return inputs


def _row_input(row: _Row) -> products.ProductInput | None:
    before = len(row.errors)
    tax = load_taxonomy()
    category = tax.resolve(row.text("category")) or row.text("category")
    param = tax.param_of(category) if tax.resolve(category) else None
    value = row.number_of("param_value", "数字")
    if value is not None and param is None and tax.resolve(category):
        row.error("param_value", f"：{tax.name(category)}没有关键参数，请留空")
    low, high = row.fen("price_min"), row.fen("price_max")
    grade = row.whole("efficiency_grade", "1 到 5 的整数")
    delivery = row.whole("delivery_days", "整数（天）")
    level = row.text("efficiency_level")
    on_sale = row.text("on_sale")
    if on_sale not in ("", YES, NO):
        row.error("on_sale", f"“{on_sale}”无效，请填写“是”或“否”")
    credentials = _credentials(row)
    if len(row.errors) > before:
        return None
    try:
        return products.ProductInput(
            code=row.text("code")[:64], category=category[:200], name=row.text("name")[:200],
            spec=row.text("spec")[:2000], params={param: float(value)} if param and value is not None else {},
            efficiency_level=level[:200] or None, efficiency_grade=grade, price_min_fen=low, price_max_fen=high,
            region_code=row.text("region_code")[:200], delivery_days=delivery, credentials=credentials,
            on_sale=on_sale != NO)
    except ValidationError as exc:
        where = str(exc.errors()[0]["loc"][0]) if exc.errors() else "code"
        row.error(COLUMN_OF_FIELD.get(where, "code"), "的值不在允许的范围内")
        return None


def _credentials(row: _Row) -> list[products.CredentialInput]:
    found = []
    for part in (p.strip() for p in SEPARATORS.split(row.text("credentials")) if p.strip()):
        label, _, until = part.partition("至")
        kind = CREDENTIAL_OF_LABEL.get(label.strip()) or (label.strip() if label.strip() in CREDENTIALS else None)
        if kind is None:
            row.error("credentials", f"中的“{label}”不是资质（应为 {'、'.join(CREDENTIALS.values())}）")
            continue
        try:
            day = dt.date.fromisoformat(until.strip()) if until.strip() else None
        except ValueError:
            row.error("credentials", f"中的有效期“{until}”应为日期，如 首台(套)至2027-06-30")
            continue
        found.append(products.CredentialInput(kind=kind, valid_until=day))
    return found


def _write_all(session: Session, scope: Scope, enterprise_id: int,
               inputs: list[tuple[int, products.ProductInput]]) -> ImportResult:
    known = set(repo.own_by_code(session, enterprise_id))
    added = changed = 0
    savepoint = session.begin_nested()
    number = 0
    try:
        for row_number, item in inputs:
            number = row_number  # named in the error if the write refuses this row
            products.save(session, scope, item, audit_it=False)
            added, changed = (added + 1, changed) if item.code not in known else (added, changed + 1)
        audit.record(session, actor=scope.username, action="supply_import", entity="enterprise",
                     entity_id=enterprise_id, city_code=scope.city_code, detail={"added": added, "changed": changed})
    except DomainError as exc:
        savepoint.rollback()
        raise _reject([RowError(number, "", f"第{number}行：{exc.message}")]) from exc
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return ImportResult(added, changed)
