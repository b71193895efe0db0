"""The network as .xlsx: the sites (export, and import in the same columns) and the city's
service areas (streets and communities with their households, import).

Both imports follow the project's conventions (projects.enterprises_excel): the upload limits
and the parse process of kit.uploads, every problem named by its row and its column in Chinese,
all or nothing (the writes run in a savepoint, rolled back when a row is refused), and every
exported cell neutralised by kit.excel.append_row."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.errors import DomainError, Forbidden, InvalidInput
from huanxin.kit import audit, uploads
from huanxin.kit.excel import RowError, append_row, cell_text, list_sheet_bytes
from huanxin.kit.parse_process import run_parse
from huanxin.orgs.models import Unit
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects.enterprises_excel import merged_ranges
from huanxin.recycling import coords, vocab
from huanxin.recycling.models import ServiceArea, Site
from huanxin.recycling.network import service as network

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SITE_SHEET = "回收站点"
AREA_SHEET = "街道社区"
URBAN, TOWN = "城镇", "乡村"
SEPARATORS = re.compile(r"[、，,；;\n]+")

# key, header, required
SITE_COLUMNS = (
    ("id", "站点编号", False), ("level", "层级", True), ("name", "站点名称", True), ("address", "地址", True),
    ("lat", "纬度", True), ("lon", "经度", True), ("coord_system", "坐标系", True),
    ("opening_hours", "营业时间", False), ("area_m2", "面积（平方米）", False),
    ("capacity", "容量（类别:公斤）", False), ("status", "状态", False), ("region_code", "所在区县代码", False),
    ("operator", "运营企业", False),
)
AREA_COLUMNS = (
    ("street", "街道（乡镇）", True), ("community", "社区（村）", False), ("region_code", "所在区县代码", True),
    ("households", "户数", True), ("urban", "城镇/乡村", False), ("lat", "中心点纬度（WGS-84）", True),
    ("lon", "中心点经度（WGS-84）", True),
)
LEVEL_OF_LABEL = {v: k for k, v in vocab.SITE_LEVELS.items()}
STATUS_OF_LABEL = {v: k for k, v in vocab.SITE_STATUSES.items()}
CATEGORY_OF_LABEL = {v: k for k, v in vocab.CATEGORIES.items()}
COORD_OF_LABEL = {"WGS-84": "wgs84", "WGS84": "wgs84", "GCJ-02": "gcj02", "GCJ02": "gcj02"}
COORD_LABEL = {"wgs84": "WGS-84", "gcj02": "GCJ-02"}


class ImportRejected(InvalidInput):
    """The whole file was refused; `errors` lists every row's problems."""


def _reject(errors: list[RowError]) -> ImportRejected:
    more = f"等 {len(errors)} 处错误" if len(errors) > 1 else ""
    return ImportRejected(f"导入失败，未写入任何数据：{errors[0].message}{more}", field="file",
                          errors=[e.as_dict() for e in errors])


@dataclass
class Row:
    number: int
    cells: dict[str, Any]
    headers: dict[str, str]

    def text(self, key: str) -> str:
        return cell_text(self.cells.get(key))

    def error(self, key: str, message: str) -> RowError:
        header = self.headers.get(key, "")
        return RowError(self.number, header, f"第{self.number}行“{header}”{message}" if header
                        else f"第{self.number}行：{message}")


# ---- reading a sheet -----------------------------------------------------------------------------

def _read(data: bytes, filename: str | None, sheet_name: str,
          columns: tuple[tuple[str, str, bool], ...]) -> tuple[list[Row], list[RowError]]:
    if filename and not filename.lower().endswith(".xlsx"):
        raise _reject([RowError(0, "", f"文件“{filename}”不是 .xlsx 格式，请使用导出的模板（Excel 2007 及以上）")])
    try:
        sheet = uploads.read_rows(data, prefer=sheet_name, filename=filename)
        merged = run_parse(merged_ranges, data, sheet_name)
    except uploads.UnreadableUpload:
        raise _reject([RowError(0, "", "文件不是有效的 .xlsx 文件，请使用导出的模板")]) from None
    wanted = {header: key for key, header, _ in columns}
    header_row, found = 0, dict[str, int]()
    for number, values in sheet.rows(1, 5):
        names = [str(v).strip() if v is not None else "" for v in values]
        hit = {wanted[n]: i for i, n in enumerate(names) if n in wanted}
        if len(hit) > len(found):
            header_row, found = number, hit
    missing = [header for key, header, required in columns if required and key not in found]
    if missing:
        listed = "、".join(f"“{h}”" for h in missing)
        raise _reject([RowError(0, "", f"表头缺少必需的列{listed}（请勿删除或改名表头，可先导出作模板）")])
    errors = [RowError(header_row, "", f"第{header_row}行：单元格 {ref} 是合并单元格，"
                                       "请取消合并并在每一行填写完整后再导入") for ref in merged]
    headers = {key: header for key, header, _ in columns}
    rows = []
    for number, values in sheet.rows(header_row + 1):
        cells = {key: values[i] if i < len(values) else None for key, i in found.items()}
        if all(v is None or str(v).strip() == "" for v in cells.values()):
            continue
        rows.append(Row(number, cells, headers))
    if not rows and not errors:
        raise _reject([RowError(0, "", "表格中没有数据行")])
    return rows, errors


def _number(row: Row, key: str, errors: list[RowError], *, integer: bool = False, blank: float | None = None) -> float:
    raw = row.cells.get(key)
    text = row.text(key)
    if text == "" and blank is not None:
        return blank
    try:
        if isinstance(raw, bool):
            raise ValueError
        value = float(text.replace(",", ""))
        if integer and not value.is_integer():
            raise ValueError
    except ValueError:
        errors.append(row.error(key, f"“{text}”不是{'整数' if integer else '数字'}" if text else "未填写"))
        return 0.0
    return value


def _write(session: Session, pending: list[tuple[int, Callable[[], None]]]) -> None:
    """Runs each row's write in one savepoint: a refusal rolls all of them back."""
    savepoint = session.begin_nested()
    row = 0
    try:
        for number, write in pending:
            row = number
            write()
    except DomainError as exc:
        savepoint.rollback()
        raise _reject([RowError(row, "", f"第{row}行：{exc.message}")]) from exc
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()


# ---- sites: export -----------------------------------------------------------------------------

def _operators(session: Session, city_code: str) -> dict[int, str]:
    return dict(session.execute(select(Unit.id, Unit.name).where(Unit.city_code == city_code,
                                                                 Unit.kind == "recycler")).tuples().all())


def capacity_text(capacity: dict[str, int]) -> str:
    return "；".join(f"{vocab.CATEGORIES.get(k, k)}:{v}" for k, v in capacity.items())


def export_sites(session: Session, scope: Scope) -> bytes:
    operators = _operators(session, scope.city_code)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SITE_SHEET
    append_row(sheet, [header for _, header, _ in SITE_COLUMNS])
    for s in network.sites_of_city(session, scope):
        lat, lon = coords.as_entered(s.lat, s.lon, s.coord_system)
        append_row(sheet, [s.id, vocab.SITE_LEVELS.get(s.level, ""), s.name, s.address, round(lat, 7), round(lon, 7),
                           COORD_LABEL.get(s.coord_system, "WGS-84"), s.opening_hours, s.area_m2,
                           capacity_text(s.capacity_kg), vocab.SITE_STATUSES.get(s.status, ""), s.region_code,
                           operators.get(s.operator_unit_id, "")])
    return list_sheet_bytes(book, sheet, (10, 14, 28, 36, 12, 12, 10, 16, 12, 30, 10, 12, 24))


# ---- sites: import -----------------------------------------------------------------------------

@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0


def _choice(row: Row, key: str, table: dict[str, str], allowed: dict[str, str], errors: list[RowError],
            default: str = "") -> str:
    text = row.text(key)
    if not text and default:
        return default
    value = table.get(text) or table.get(text.upper()) or (text if text in allowed else None)
    if value is None:
        errors.append(row.error(key, f"“{text}”无效，应为 " + "、".join(allowed.values()) if text else "未填写"))
        return ""
    return value


def _capacity(row: Row, errors: list[RowError]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in (p.strip() for p in SEPARATORS.split(row.text("capacity")) if p.strip()):
        label, _, amount = part.replace("：", ":").partition(":")
        category = CATEGORY_OF_LABEL.get(label.strip())
        if category is None or not amount.strip().isdigit():
            errors.append(row.error("capacity", f"中的“{part}”应写成“类别:公斤”，如“废纸:500”"))
            continue
        out[category] = int(amount.strip())
    return out


def _site_input(row: Row, errors: list[RowError], operators: dict[str, int]) -> network.SiteInput | None:
    before = len(errors)
    level = _choice(row, "level", LEVEL_OF_LABEL, vocab.SITE_LEVELS, errors)
    system = _choice(row, "coord_system", COORD_OF_LABEL, COORD_LABEL, errors)
    status = _choice(row, "status", STATUS_OF_LABEL, vocab.SITE_STATUSES, errors, default="operating")
    lat, lon = _number(row, "lat", errors), _number(row, "lon", errors)
    area = int(_number(row, "area_m2", errors, integer=True, blank=0))
    capacity = _capacity(row, errors)
    operator_name = row.text("operator")
    operator = operators.get(operator_name) if operator_name else None
    if operator_name and operator is None:
        errors.append(row.error("operator", f"“{operator_name}”不是本市的回收企业"))
    if len(errors) > before:
        return None
    return network.SiteInput(level=level, name=row.text("name")[:200], address=row.text("address")[:300], lat=lat,
                             lon=lon, coord_system=system, opening_hours=row.text("opening_hours")[:200],
                             area_m2=area, capacity_kg=capacity, status=status,
                             region_code=row.text("region_code")[:20], operator_unit_id=operator)


def import_sites(session: Session, scope: Scope, data: bytes, filename: str | None = None) -> ImportResult:
    """Creates the rows without a number and changes the numbered ones (the caller's own, or any
    of the city for the office); raises ImportRejected with every row's problem, nothing written."""
    if not network.may_write_site(scope):
        raise Forbidden("只有回收企业或专班办公室可以导入回收站点")
    rows, errors = _read(data, filename, SITE_SHEET, SITE_COLUMNS)
    operators = {name: uid for uid, name in _operators(session, scope.city_code).items()}
    pending: list[tuple[int, Callable[[], None]]] = []
    result = ImportResult()
    for row in rows:
        _check_site_row(session, scope, row, errors, operators, pending, result)
    if errors:
        raise _reject(sorted(errors, key=lambda e: e.row))
    _write(session, pending)
    audit.record(session, actor=scope.username, action="recycling_site_import", entity="city",
                 entity_id=scope.city_code, city_code=scope.city_code,
                 detail={"created": result.created, "updated": result.updated})
    return result


def _check_site_row(session: Session, scope: Scope, row: Row, errors: list[RowError], operators: dict[str, int],
                    pending: list[tuple[int, Callable[[], None]]], result: ImportResult) -> None:
    data = _site_input(row, errors, operators)
    if data is None:
        return
    if scope.role == Role.OFFICE and data.operator_unit_id is None:
        errors.append(row.error("operator", "未填写（专班办公室导入时须写明运营企业）"))
        return
    if scope.role != Role.OFFICE:
        data.operator_unit_id = None  # a recycler imports its own sites; the column is informative
    number = row.text("id")
    try:
        network.check_site(session, scope, data)
        if number:
            if not number.isdigit():
                raise InvalidInput(f"“{number}”不是站点编号（新站点请留空）", field="id")
            site_id = int(number)
            try:
                network.writable_site(session, scope, site_id)
            except DomainError:
                raise InvalidInput(f"编号 {site_id} 不是您可以修改的站点（新站点请留空编号）", field="id") from None
            pending.append((row.number, lambda: _count(network.update_site(session, scope, site_id, data))))
            result.updated += 1
        else:
            pending.append((row.number, lambda: _count(network.create_site(session, scope, data))))
            result.created += 1
    except InvalidInput as exc:
        errors.append(row.error(exc.field or "", exc.message) if exc.field in row.headers
                      else RowError(row.number, "", f"第{row.number}行：{exc.message}"))


def _count(_site: Site) -> None:
    """The writes return the site; the import needs nothing of it."""


# ---- service areas: import -----------------------------------------------------------------------

@dataclass
class AreaResult:
    streets: int = 0
    communities: int = 0


def import_areas(session: Session, scope: Scope, data: bytes, filename: str | None = None) -> AreaResult:
    """A street row (no community) or a community row (with its street): each is created or, when
    the city already has it under the same name, its households and centre are updated."""
    network.require_area_writer(scope)
    rows, errors = _read(data, filename, AREA_SHEET, AREA_COLUMNS)
    known = {(a.kind, a.name, a.parent_id): a for a in network.areas_of_city(session, scope.city_code)}
    streets = {a.name: a for (kind, _, _), a in known.items() if kind == "street"}
    checked: list[tuple[Row, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        values = _area_values(row, errors)
        if values is None:
            continue
        key = (values["street"], values["community"])
        if key in seen:
            errors.append(row.error("community" if values["community"] else "street", f"与第{seen[key]}行重复"))
            continue
        seen[key] = row.number
        checked.append((row, values))
    if errors:
        raise _reject(sorted(errors, key=lambda e: e.row))
    result = AreaResult()
    savepoint = session.begin_nested()
    try:
        for _row, v in sorted(checked, key=lambda rv: rv[1]["community"] != ""):  # streets first
            street = streets.get(v["street"])
            if v["community"] == "":
                streets[v["street"]] = _upsert_area(session, scope, street, "street", v["street"], None, v)
                result.streets += 1
                continue
            if street is None:  # a community whose street has no row of its own: the street is its sum
                street = _upsert_area(session, scope, None, "street", v["street"], None, {**v, "households": 0})
                streets[v["street"]] = street
            existing = known.get(("community", v["community"], street.id))
            _upsert_area(session, scope, existing, "community", v["community"], street.id, v)
            result.communities += 1
        audit.record(session, actor=scope.username, action="recycling_area_import", entity="city",
                     entity_id=scope.city_code, city_code=scope.city_code,
                     detail={"streets": result.streets, "communities": result.communities})
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return result


def _area_values(row: Row, errors: list[RowError]) -> dict[str, Any] | None:
    before = len(errors)
    street, community = row.text("street")[:60], row.text("community")[:60]
    if not street:
        errors.append(row.error("street", "未填写"))
    region = row.text("region_code")
    if not re.fullmatch(r"\d{6}", region):
        errors.append(row.error("region_code", f"“{region}”不是6位数字的行政区划代码（如 512002）"))
    households = _number(row, "households", errors, integer=True)
    if not 0 <= households <= 10_000_000:
        errors.append(row.error("households", "应为 0 到 10,000,000 之间的整数"))
    urban = row.text("urban") or URBAN
    if urban not in (URBAN, TOWN):
        errors.append(row.error("urban", f"“{urban}”无效，应为“{URBAN}”或“{TOWN}”"))
    lat, lon = _number(row, "lat", errors), _number(row, "lon", errors)
    if len(errors) == before and not network.LAT_RANGE[0] <= lat <= network.LAT_RANGE[1]:
        errors.append(row.error("lat", "应在 3 到 54 之间（请检查是否与经度填反）"))
    if len(errors) == before and not network.LON_RANGE[0] <= lon <= network.LON_RANGE[1]:
        errors.append(row.error("lon", "应在 73 到 136 之间（请检查是否与纬度填反）"))
    if len(errors) > before:
        return None
    return {"street": street, "community": community, "region_code": region, "households": int(households),
            "urban": urban == URBAN, "lat": lat, "lon": lon}


def _upsert_area(session: Session, scope: Scope, area: ServiceArea | None, kind: str, name: str,
                 parent_id: int | None, v: dict[str, Any]) -> ServiceArea:
    if area is None:
        area = ServiceArea(city_code=scope.city_code, kind=kind, name=name, parent_id=parent_id)
        session.add(area)
    area.region_code, area.households, area.urban = v["region_code"], v["households"], v["urban"]
    area.lat, area.lon = v["lat"], v["lon"]
    session.flush()
    return area
