"""The .xlsx import sheet of observations: reading an upload into rows, and the empty template.

The columns are the input fields' Chinese names (validation.LABELS), found by their header so
that a department may reorder them; checking the rows is validation's and the import's business.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from huanxin.errors import InvalidInput
from huanxin.indicators.validation import LABELS, ObservationInput, as_text, is_blank
from huanxin.kit import uploads
from huanxin.kit.excel import append_row

SHEET_COLUMNS = tuple(LABELS.values())  # 指标代码, 地区代码, 年份, 月份, 数值, 备注
REQUIRED_COLUMNS = SHEET_COLUMNS[:5]


def read_sheet(data: bytes) -> list[tuple[int, ObservationInput]]:
    """Rows of the first worksheet as (Excel row number, input); columns found by their header.
    Read in the parse process within the upload limits (kit.uploads: rows, columns, inflated size)."""
    try:
        sheet = uploads.read_rows(data)
    except uploads.UnreadableUpload:
        raise InvalidInput("文件不是有效的 .xlsx 工作簿，请用导入模板填写后上传", field="file") from None
    return _read_rows(sheet)


def _read_rows(sheet: uploads.SheetRows) -> list[tuple[int, ObservationInput]]:
    rows = sheet.rows()
    header = [as_text(c) if c is not None else "" for c in next(rows, (0, ()))[1]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            f"导入失败：表头缺少列“{'、'.join(missing)}”（第1行须为 {'、'.join(SHEET_COLUMNS)}）",
            field=missing[0],
        )
    at = {name: header.index(name) for name in SHEET_COLUMNS if name in header}
    out: list[tuple[int, ObservationInput]] = []
    for number, cells in rows:
        if all(is_blank(c) for c in cells):
            continue  # blank lines between blocks are common in hand-made sheets

        def cell(name: str, cells: tuple[Any, ...] = cells) -> Any:
            index = at.get(name)
            return cells[index] if index is not None and index < len(cells) else None

        out.append((number, ObservationInput(**{field: cell(label) for field, label in LABELS.items()})))
    return out


def template_workbook(city_code: str) -> bytes:
    """An empty import sheet with the header and one example row (the city-wide code)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "指标数据"
    # Fixed text today, but written like every export so a later column of user text is safe too.
    append_row(sheet, list(SHEET_COLUMNS))
    append_row(sheet, ["equipment_investment", city_code, 2024, 12, 0, "示例行，请替换；月份12为全年，1–11为累计"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
