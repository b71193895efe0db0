"""Helpers shared by every .xlsx import (ledger progress, reference prices …) and by every
spreadsheet or CSV export (the export side: `safe_cell`, `append_row`, `safe_csv_writer`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet


@dataclass(frozen=True)
class RowError:
    """One problem in an uploaded sheet, where the user will look for it."""

    row: int  # the Excel row number the user sees (0: the file as a whole)
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


# ---- export: every cell a user's text can reach goes through safe_cell ---------------------
#
# A spreadsheet reads a cell starting with = + - @ (or a tab, CR or LF, which some of them skip
# before looking) as a formula: a narrative or a resident's name like =HYPERLINK("http://…")
# would run in the office's Excel. Following the OWASP advice on CSV injection, such text gets a
# leading apostrophe: spreadsheets treat the cell as text, and people reading the CSV see why.
# The full-width ＝ ＋ － ＠ are included too: whether a spreadsheet takes them for formula signs
# depends on the program and its (Chinese or Japanese) input settings, and the apostrophe costs
# nothing on the rare text that starts with them (the import takes it off again).

FORMULA_TRIGGERS = frozenset("=+-@\t\r\n＝＋－＠")
QUOTE = "'"


def _needs_quote(text: str) -> bool:
    # Apostrophes already in front count too ("'=x" becomes "''=x"), so the import can take off
    # exactly the one apostrophe we added and every text comes back as it was.
    return text.lstrip(QUOTE)[:1] in FORMULA_TRIGGERS  # "" (empty text) is not in the set


def safe_cell(value: Any) -> Any:
    """The value as an export writes it: text that a spreadsheet would read as a formula gets an
    apostrophe in front; numbers, dates and empty cells are left as they are.

    Text that looks like a negative number ("-5") is quoted as well: it is text (an amount or a
    percentage is passed as a number and stays numeric), and telling "-5" from "-5+A1" would mean
    parsing each spreadsheet's formula grammar."""
    if isinstance(value, str) and _needs_quote(value):
        return QUOTE + value
    return value


def unquote_cell(value: Any) -> Any:
    """The import side of `safe_cell`: a cell read back from one of our exports loses the
    apostrophe we added, so an exported sheet uploaded again says what it said before."""
    if isinstance(value, str) and value.startswith(QUOTE) and _needs_quote(value[1:]):
        return value[1:]
    return value


def cell_text(value: Any) -> str:
    """A read cell as the text a user typed: un-quoted (unquote_cell), a whole float as an integer
    (openpyxl reads 13800000000 as 13800000000.0), blank for an empty cell, trimmed."""
    value = unquote_cell(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _xlsx_cell(sheet: Worksheet, value: Any) -> Cell:
    # Row and column are placeholders: `sheet.append` places a Cell it is given in the new row.
    if not isinstance(value, str):
        return Cell(sheet, 1, 1, value)
    # Control characters XML cannot carry (a vertical tab pasted from Word, say) would make
    # openpyxl refuse the whole file; they are dropped before the formula check, so that
    # "\x01=cmd" cannot become "=cmd" after it.
    text = safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    cell = Cell(sheet, 1, 1, text)
    # openpyxl types text starting with "=" as a formula and "#N/A" as an error; ours is text.
    cell.data_type = "s"
    return cell


def append_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """`sheet.append` for exports: every value neutralised, every text cell typed as text."""
    sheet.append([_xlsx_cell(sheet, value) for value in values])


class SafeCsvWriter:
    """`csv.writer` for exports: every value goes through `safe_cell`."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, values: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in values])


def safe_csv_writer(out: TextIO) -> SafeCsvWriter:
    return SafeCsvWriter(out)


def list_sheet_bytes(book: Workbook, sheet: Worksheet, widths: Iterable[float]) -> bytes:
    """A list's finishing touches, the same in every export: column widths, the header row kept in
    view, and the file's bytes."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
