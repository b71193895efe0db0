"""Reading an uploaded workbook of lists: every worksheet's rows and merged ranges, parsed in the
upload parse process (kit.parse_process) within the upload limits (kit.uploads), then each sheet
recognised by its name, its title row or its headers.

A county sends its whole survey as one workbook, one sheet per list, often with a 填表说明 sheet
beside them: sheets that are none of the lists are skipped and named in the result."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from huanxin.kit import uploads
from huanxin.kit.parse_process import run_parse
from huanxin.kit.upload_errors import FIELD, UnreadableUpload
from huanxin.projects.lists.cells import Column, is_blank, normalise_header
from huanxin.projects.lists.layouts import IMPORTABLE, Layout

MAX_SHEETS = 12  # a survey workbook has its four lists, the detail sheet and a note or two
HEADER_SEARCH_ROWS = 6  # the header row is among the first rows (title and subtitle above it)
MIN_HEADERS = 3  # a sheet with fewer known headers and no known name is not one of the lists
_MERGE = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,15}:)?mergeCell\s[^>]*?ref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")


@dataclass(frozen=True)
class RawSheet:
    name: str
    rows: list[tuple[int, tuple[Any, ...]]]  # (Excel row number, values), every row from 1
    merges: list[str]  # merged ranges, "C5:C7"


def read_sheets(data: bytes, filename: str | None = None) -> list[RawSheet]:
    """Every worksheet of the upload, read in the parse process. Raises uploads.UploadTooLarge past
    a limit and UnreadableUpload for a file that is not a workbook."""
    lim = uploads.Limits.from_settings()
    if len(data) > lim.max_bytes:
        raise uploads.UploadTooLarge(f"文件超过 {uploads.size_label(lim.max_bytes)} 的上限，请删减内容或分批上传")
    uploads.check_zip(data, lim, filename=filename)
    return run_parse(_parse_sheets, data, lim)


def _parse_sheets(data: bytes, lim: uploads.Limits) -> list[RawSheet]:
    """In the parse process: each sheet's rows (row limit counted first) and merged ranges."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except uploads.NOT_A_WORKBOOK as exc:
        raise UnreadableUpload("文件不是有效的 .xlsx 文件", field=FIELD) from exc
    try:
        sheets = [ws for ws in book.worksheets if isinstance(ws, ReadOnlyWorksheet)]
        if len(sheets) > MAX_SHEETS:
            raise uploads.UploadTooLarge(
                f"工作簿有 {len(sheets)} 个工作表，超过 {MAX_SHEETS} 个的上限，请删去无关的工作表")
        out = []
        for ws in sheets:
            ws.reset_dimensions()  # read to the real end, not the declared one (see kit.uploads)
            sheet = uploads.Sheet(book, ws, lim)
            sheet.check_row_count()
            rows = [(n, values) for n, values in sheet.rows() if any(not is_blank(v) for v in values)]
            out.append(RawSheet(ws.title, rows, _merges(ws)))
        return out
    finally:
        book.close()


def _merges(ws: ReadOnlyWorksheet) -> list[str]:
    """The merged ranges of a sheet, read from its XML (read-only openpyxl does not offer them)."""
    found: list[str] = []
    carry = b""
    with ws._get_source() as source:  # type: ignore[attr-defined]  # private in openpyxl 3.1
        while chunk := source.read(1024 * 1024):
            data = carry + chunk
            cut = max(len(data) - 200, 0)  # a tag cut by the chunk's end is matched next time
            found.extend(m.group(1).decode() for m in _MERGE.finditer(data) if m.start() < cut)
            carry = data[cut:]
        found.extend(m.group(1).decode() for m in _MERGE.finditer(carry))
    return found


# ---- recognising a sheet -------------------------------------------------------------------------

@dataclass
class Found:
    """A sheet recognised as one of the lists: its header row and where each column is."""

    raw: RawSheet
    layout: Layout
    header_row: int
    positions: dict[str, int]  # column key → index in the row
    missing: list[Column] = field(default_factory=list)

    def data_rows(self) -> list[tuple[int, tuple[Any, ...]]]:
        return [(n, values) for n, values in self.raw.rows if n > self.header_row]


def _matches(layout: Layout, header: tuple[Any, ...]) -> dict[str, int]:
    wanted = layout.headers
    found: dict[str, int] = {}
    for index, value in enumerate(header):
        column = wanted.get(normalise_header(value))
        if column is not None and column.key not in found:
            found[column.key] = index
    return found


def _named(layout: Layout, texts: list[str]) -> int:
    """How well the sheet's name or title names the layout: the longest of its names found."""
    names = (layout.title, layout.sheet, *layout.aliases)
    return max((len(name) for name in names for text in texts if name in text), default=0)


def recognise(raw: RawSheet) -> Found | None:
    """The list a sheet holds, by its name or title first, then by the most headers matched."""
    best: tuple[tuple[int, int, int], Found] | None = None
    top = [(n, values) for n, values in raw.rows if n <= HEADER_SEARCH_ROWS]
    for layout in IMPORTABLE:
        for n, values in top:
            positions = _matches(layout, values)
            titles = [normalise_header(v) for m, vs in top if m < n for v in vs if v]
            # The sheet's own name first (a title row may mention another list), then its title.
            score = (_named(layout, [normalise_header(raw.name)]), _named(layout, titles), len(positions))
            if not positions or (score[:2] == (0, 0) and len(positions) < MIN_HEADERS):
                continue
            if best is None or score > best[0]:
                missing = [c for c in layout.columns if c.required and c.imported and c.key not in positions]
                best = (score, Found(raw, layout, n, positions, missing))
    return best[1] if best else None


def merged_in_data(found: Found) -> list[tuple[int, str]]:
    """(row, column letter) of each merged range from the header row down: a merge there hides
    values from every row but the first. Merges in the title rows above are the sheet's layout."""
    out = []
    for ref in found.raw.merges:
        min_col, min_row, _max_col, max_row = range_boundaries(ref if ":" in ref else f"{ref}:{ref}")
        if min_row is None or max_row is None or min_col is None:
            continue
        if max_row >= found.header_row:
            out.append((max(min_row, found.header_row), get_column_letter(min_col)))
    return sorted(out)
