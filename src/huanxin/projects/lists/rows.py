"""A recognised sheet's rows as stored values, and the problems found on the way, each naming the
sheet, the Excel row and the column where the user will look."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from huanxin.errors import InvalidInput
from huanxin.projects.lists.cells import CellError, Column, Kind, Lookups, is_blank, parse
from huanxin.projects.lists.workbook import Found, merged_in_data


@dataclass
class Row:
    sheet: str
    number: int  # the Excel row number
    values: dict[str, Any]  # column key → stored value (None: empty)
    bad: bool = False  # a cell of it is wrong (reported): its relations to other rows are not checked


# Words that read on from “第N行“列名””; any other message is set off by a colon.
CONTINUATIONS = ("不", "须", "最多", "超过", "“", "中的", "与", "：", "在")


class Problems:
    """Every problem of an upload, so the user corrects the file once, not once per upload."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, sheet: str, row: int, column: str, message: str) -> None:
        self.items.append({"sheet": sheet, "row": row, "column": column, "message": message})

    def cell(self, sheet: str, row: int, column: Column, message: str) -> None:
        """“第7行“总投资（万元）”不是数字：“约三千”” and the like."""
        separator = "" if message.startswith(CONTINUATIONS) else "："
        self.add(sheet, row, column.header, f"第{row}行“{column.header}”{separator}{message}")

    def whole_file(self, message: str) -> None:
        self.add("", 0, "", message)

    def rejection(self) -> ImportRejected:
        first = self.items[0]
        where = f"工作表“{first['sheet']}”" if first["sheet"] else ""
        more = f"等 {len(self.items)} 处错误" if len(self.items) > 1 else ""
        return ImportRejected(f"导入失败，未写入任何数据：{where}{first['message']}{more}", field="file",
                              errors=list(self.items))


class ImportRejected(InvalidInput):
    """The whole workbook was refused; `errors` lists every problem (sheet, row, column, message)."""


def check_structure(found: Found, problems: Problems) -> bool:
    """Missing columns and merged cells: whether the sheet's rows can be read at all."""
    name = found.raw.name
    for column in found.missing:
        problems.add(name, found.header_row, column.header,
                     f"缺少列“{column.header}”（请勿删除或改名表头，可下载模板对照）")
    for row, letter in merged_in_data(found):
        problems.add(name, row, letter, f"第{row}行{letter}列是合并单元格，请取消合并并在每一行填写完整")
    return not found.missing and not merged_in_data(found)


def parse_rows(found: Found, lookups: Lookups, problems: Problems, *, own_region: str | None) -> list[Row]:
    """Each data row's stored values; a county (`own_region`) may send rows of its own region only."""
    name = found.raw.name
    columns = [c for c in found.layout.columns if c.imported and c.key in found.positions]
    rows = []
    for number, cells in found.data_rows():
        values: dict[str, Any] = {}
        before = len(problems.items)
        for column in columns:
            index = found.positions[column.key]
            raw = cells[index] if index < len(cells) else None
            try:
                values[column.key] = parse(column, raw, lookups)
            except CellError as exc:
                problems.cell(name, number, column, exc.message)
                values[column.key] = None
                continue
            if column.kind == Kind.REGION and own_region and values[column.key] not in (None, own_region):
                shown = lookups.regions.get(own_region, own_region)
                problems.cell(name, number, column, f"“{raw}”不在本辖区（{shown}），县（市、区）只能导入本辖区的行")
        if all(is_blank(v) or v == [] for v in values.values()):
            continue
        rows.append(Row(name, number, values, bad=len(problems.items) > before))
    return rows
