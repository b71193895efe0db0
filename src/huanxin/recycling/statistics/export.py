"""The monthly figures as a sheet (one row per month and county, the city's total first)."""

from __future__ import annotations

from openpyxl import Workbook

from huanxin.kit.excel import append_row, list_sheet_bytes
from huanxin.recycling.statistics.service import Table


def sheet_bytes(table: Table) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "回收与二手交易统计"
    append_row(sheet, ["月份", "地区", *(f"{m.label}（{m.unit}）" for m in table.measures)])
    for row in table.rows:
        append_row(sheet, [f"{row.month:%Y-%m}", row.region_name, *(row.values[m.code] for m in table.measures)])
    return list_sheet_bytes(book, sheet, [10, 16, *(22 for _ in table.measures)])
