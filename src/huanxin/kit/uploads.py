"""The limits every upload obeys, in one place: bytes, inflated size, rows and columns.

An upload is read in three steps, each refusing as early as it can, so that one user's file never
costs the server more than the limits allow (issue 10: a 300 KB .xlsx that inflated to 300 MB froze
the server for half a minute):

1. the request body: `web.body_limit.BodyLimit` (the one ASGI middleware that limits every
   body) cuts a multipart body on a file route over `max_request_bytes` at the door, by its
   Content-Length or while it arrives, with `too_large_request`'s message; `read_upload` then
   reads the file part in chunks and stops one chunk past `max_upload_bytes`;
2. the container (.xlsx and .docx are zip files): `check_zip` reads only the zip's directory and
   refuses too many members, too much inflated data or a bomb-like compression ratio, before any
   parser inflates a byte. Python's zipfile never inflates a member past its declared size (it
   stops there and fails the CRC), so the declared sizes are a safe upper bound;
3. the sheet: `open_sheet` opens it with openpyxl in read-only (streaming) mode, refuses a declared
   dimension over the row or column limit, and `Sheet.rows` stops at the first row past the limit.

The parse itself (opening the workbook and streaming its rows to plain values, or extracting a
.docx's or a .pdf's text) runs in the server worker's parse process (kit.parse_process, `run_parse`),
off the server's GIL. The importer's thread waits for the rows, then validates and writes them as
before. A sheet is also refused by counting its rows' tags before any of them is parsed, so a
sheet past the row limit costs a scan of its bytes, not a parse.

Every refusal is `UploadTooLarge` (kit.upload_errors) (HTTP 413, field "file") with a message naming the limit; raised
in the parse process, it comes back as the same error (domain errors pickle with their field).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse
from starlette.datastructures import UploadFile
from starlette.responses import Response

from huanxin.config import get_settings
from huanxin.kit.parse_process import run_parse

# The refusals are part of this module's face: importers catch and raise them as uploads.X.
from huanxin.kit.upload_errors import FIELD, MIB
from huanxin.kit.upload_errors import UnreadableUpload as UnreadableUpload
from huanxin.kit.upload_errors import UploadTooLarge as UploadTooLarge
from huanxin.kit.upload_errors import size_label as size_label

CHUNK = 256 * 1024
# Zip members smaller than this are not judged by their ratio: a few KB of styles or a blank
# sheet compress 100:1 and harm no one; the total inflated limit covers them anyway.
RATIO_FLOOR = MIB
# What a parser may raise for a file that is not a (sound) workbook: a renamed file, a truncated
# one, a member whose data does not match its declared size (zipfile's CRC check).
_DIMENSION_TAG = f"{{{SHEET_MAIN_NS}}}dimension"
_DATA_TAG = f"{{{SHEET_MAIN_NS}}}sheetData"
# A row's start tag in a sheet's XML, with or without a namespace prefix (<row r="2">, <x:row>),
# not <rowBreaks>; XML text cannot hold a raw "<", so a cell's text never matches.
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,15}:)?row[\s>/]")
_TAG_CARRY = 32  # longer than any match of _ROW_TAG
NOT_A_WORKBOOK: tuple[type[Exception], ...] = (
    zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, EOFError, ParseError,
)


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_columns: int
    max_inflated_bytes: int
    max_members: int
    max_ratio: int

    @classmethod
    def from_settings(cls) -> Limits:
        s = get_settings()
        return cls(max_bytes=s.max_upload_bytes, max_rows=s.max_upload_rows, max_columns=s.max_upload_columns,
                   max_inflated_bytes=s.max_inflated_bytes, max_members=s.max_zip_members,
                   max_ratio=s.max_compression_ratio)


def _name(filename: str | None) -> str:
    return f"“{filename}”" if filename else ""


# ---- 1. the body ---------------------------------------------------------------------------

async def read_upload(upload: UploadFile, max_bytes: int | None = None, *, field: str = FIELD) -> bytes:
    """The uploaded file's bytes, read in chunks; refused one chunk past the limit, so an
    oversize file is never read whole."""
    limit = Limits.from_settings().max_bytes if max_bytes is None else max_bytes
    too_large = UploadTooLarge(f"文件{_name(upload.filename)}超过 {size_label(limit)} 的上限，请删减内容或分批上传",
                               field=field)
    if upload.size is not None and upload.size > limit:
        raise too_large  # the multipart parser counted it already: no need to read a byte
    buffer = bytearray()
    while chunk := await upload.read(CHUNK):
        buffer += chunk
        if len(buffer) > limit:
            raise too_large
    return bytes(buffer)


def too_large_request(limit: int) -> UploadTooLarge:
    """The refusal of an upload request over `max_request_bytes` (web.body_limit answers it)."""
    return UploadTooLarge(f"上传内容超过 {size_label(limit)} 的上限，请删减内容或分批上传")


# ---- 2. the container ----------------------------------------------------------------------

def check_zip(data: bytes, limits: Limits | None = None, *, filename: str | None = None) -> None:
    """Refuses a zip container (.xlsx, .docx) whose directory promises too much, reading only the
    directory. A file that is not a zip at all passes: the importer's parser names it properly."""
    lim = limits or Limits.from_settings()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    name = _name(filename)
    if len(members) > lim.max_members:
        raise UploadTooLarge(f"文件{name}包含 {len(members)} 个部件，超过 {lim.max_members} 个的上限，"
                             "不是正常的 Office 文件")
    inflated = sum(m.file_size for m in members)
    if inflated > lim.max_inflated_bytes:
        limit = size_label(lim.max_inflated_bytes)
        raise UploadTooLarge(f"文件{name}解压后为 {size_label(inflated)}，超过解压后 {limit} 的上限"
                             "（文件内容过多，或是“压缩炸弹”），请删减内容或分批上传")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR and ratio > lim.max_ratio:
            raise UploadTooLarge(f"文件{name}中的部件“{member.filename}”压缩比为 {ratio:.0f}:1，超过 {lim.max_ratio}:1 "
                                 "的上限（疑似“压缩炸弹”），请用 Excel/WPS 重新保存后上传")


# ---- 3. the sheet --------------------------------------------------------------------------

class Sheet:
    """One worksheet opened for streaming, its declared size already checked. Use it in a `with`
    block: the read-only workbook keeps its archive open until closed."""

    def __init__(self, book: Workbook, sheet: ReadOnlyWorksheet, limits: Limits) -> None:
        self._book = book
        self._sheet = sheet
        self.limits = limits

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._book.close()

    def check_row_count(self) -> None:
        """Refuses a sheet holding more rows than the limit by counting the row tags in its XML
        bytes, before any row is parsed: a scan costs a few hundredths of a second where parsing
        the rows up to the limit cost a second of CPU, for a file refused in the end. A sheet
        with more <row> elements than the limit has a row numbered past it (row numbers rise), so
        `rows` would refuse it too, at the same row, with the same message."""
        lim = self.limits
        count, carry = 0, b""
        with self._sheet._get_source() as source:  # type: ignore[attr-defined]  # private in 3.1
            while chunk := source.read(4 * CHUNK):
                data = carry + chunk
                # A tag cut by the chunk's end starts in the carried tail and is counted next time.
                cut = max(len(data) - _TAG_CARRY, 0)
                count += sum(1 for match in _ROW_TAG.finditer(data) if match.start() < cut)
                carry = data[cut:]
                if count > lim.max_rows:
                    break
            count += len(_ROW_TAG.findall(carry)) if count <= lim.max_rows else 0
        if count > lim.max_rows:
            raise _past_row_limit(lim.max_rows + 1, lim.max_rows)

    def rows(self, first: int = 1, last: int | None = None) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(Excel row number, cell values) from row `first`, streamed. Stops with UploadTooLarge at
        the first row past the row limit, or at a row with a value past the column limit; cells
        past the limit that are blank (formatting only) are dropped."""
        lim = self.limits
        stop = lim.max_rows + 1 if last is None else min(last, lim.max_rows + 1)
        # (openpyxl's stubs type the borrowed Worksheet.iter_rows for Worksheet only.)
        values = self._sheet.iter_rows(min_row=first, max_row=stop, values_only=True)  # type: ignore[misc]
        try:
            for number, cells in enumerate(values, start=first):
                if number > lim.max_rows:
                    raise _past_row_limit(number, lim.max_rows)
                if len(cells) > lim.max_columns:
                    _check_width(number, cells, lim.max_columns)
                    cells = cells[: lim.max_columns]
                yield number, cells
        except NOT_A_WORKBOOK as exc:
            raise UnreadableUpload("文件内容已损坏，无法读取", field=FIELD) from exc


def _past_row_limit(number: int, max_rows: int) -> UploadTooLarge:
    return UploadTooLarge(f"文件超过 {max_rows} 行的上限（第 {number} 行），请分批导入", row=number)


def _check_width(number: int, cells: tuple[Any, ...], max_columns: int) -> None:
    for index in range(max_columns, len(cells)):
        value = cells[index]
        if value is not None and str(value).strip() != "":
            column = get_column_letter(index + 1)
            raise UploadTooLarge(f"文件超过 {max_columns} 列的上限（第 {number} 行 {column} 列有内容），请删去多余的列",
                                 row=number)


def open_sheet(data: bytes, *, prefer: str | None = None, filename: str | None = None,
               limits: Limits | None = None) -> Sheet:
    """The worksheet named `prefer` (else the first) of an .xlsx upload, in read-only mode, after
    the byte, container and declared-dimension checks. Raises UploadTooLarge for a limit, and
    UnreadableUpload for a file that is not a workbook."""
    lim = limits or Limits.from_settings()
    if len(data) > lim.max_bytes:
        raise UploadTooLarge(f"文件{_name(filename)}超过 {size_label(lim.max_bytes)} 的上限，请删减内容或分批上传")
    check_zip(data, lim, filename=filename)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except NOT_A_WORKBOOK as exc:
        raise UnreadableUpload("文件不是有效的 .xlsx 文件", field=FIELD) from exc
    try:
        chosen = book[prefer] if prefer and prefer in book.sheetnames else next(iter(book.worksheets), None)
        if not isinstance(chosen, ReadOnlyWorksheet):
            raise UnreadableUpload("文件中没有可读取的工作表", field=FIELD)
        _check_dimension(chosen, lim)
    except BaseException:
        book.close()
        raise
    # The declared dimension bounded what we accept; it no longer bounds what is read: a sheet that
    # declares A1:E10 but holds more rows is read to its real end (and stopped at the limit), not
    # silently cut at row 10 as openpyxl would.
    chosen.reset_dimensions()
    return Sheet(book, chosen, lim)


def _declared_size(sheet: Any) -> None:  # a ReadOnlyWorksheet: its private fields are not in the stubs
    """Reads a read-only sheet's <dimension ref="A1:E200"> and stops at the start of <sheetData>.

    Replaces openpyxl's ReadOnlyWorksheet._get_size (3.1), which load_workbook calls for every
    sheet: when the element is missing (openpyxl's own streaming writer and some other programs
    leave it out) it waits for the *end* of <sheetData>, that is, parses every row of the sheet
    while the workbook is being opened, before any row limit can be checked (1.5 s for 20,000
    rows, ~15 s for 200,000). Missing, the sheet is unsized, as openpyxl leaves it too."""
    with sheet._get_source() as source:
        for _event, element in iterparse(source, events=("start",)):
            if element.tag == _DIMENSION_TAG:
                ref = element.get("ref") or ""
                try:
                    bounds = range_boundaries(ref if ":" in ref else f"{ref}:{ref}")
                except (ValueError, TypeError):
                    return  # a malformed ref: unsized, and the rows are counted as they are read
                if None not in bounds:
                    sheet._min_column, sheet._min_row, sheet._max_column, sheet._max_row = bounds
                return
            if element.tag == _DATA_TAG:
                return


setattr(ReadOnlyWorksheet, "_get_size", _declared_size)  # noqa: B010 (the stubs do not declare it)


def _check_dimension(sheet: ReadOnlyWorksheet, lim: Limits) -> None:
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    if rows > lim.max_rows or columns > lim.max_columns:
        declared = f"{get_column_letter(columns) if columns else 'A'}{rows}"
        raise UploadTooLarge(f"工作表声明的范围到 {declared}（{rows} 行、{columns} 列），超过 {lim.max_rows} 行、"
                             f"{lim.max_columns} 列的上限，请删去多余的行列或分批导入")


# ---- 4. the rows, parsed in the parse process (kit.parse_process) ----------------------------

class SheetRows:
    """A worksheet's rows as plain values (str, int, float, bool, datetime, None), read within the
    limits in the parse process: what an importer validates, in the server's thread."""

    def __init__(self, rows: list[tuple[int, tuple[Any, ...]]]) -> None:
        self._rows = rows  # row n at index n - 1: the stream numbers every row from 1, blank ones too

    def rows(self, first: int = 1, last: int | None = None) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(Excel row number, cell values) from row `first` to row `last` (inclusive), like `Sheet.rows`."""
        yield from self._rows[max(first, 1) - 1: None if last is None else max(last, 0)]


def read_rows(data: bytes, *, prefer: str | None = None, filename: str | None = None,
              limits: Limits | None = None) -> SheetRows:
    """The rows of the worksheet `prefer` (else the first) of an .xlsx upload, parsed in the parse
    process within the limits. The bytes and the zip directory are checked here first (they cost
    nothing to check), so a bomb never reaches a parser. Call it from a worker thread: it waits.
    Raises UploadTooLarge for a limit, UnreadableUpload for a file that is not a workbook."""
    lim = limits or Limits.from_settings()  # read here: the parse process has its own settings
    if len(data) > lim.max_bytes:
        raise UploadTooLarge(f"文件{_name(filename)}超过 {size_label(lim.max_bytes)} 的上限，请删减内容或分批上传")
    check_zip(data, lim, filename=filename)
    return SheetRows(run_parse(_sheet_rows, data, prefer, filename, lim))


def _sheet_rows(data: bytes, prefer: str | None, filename: str | None,
                lim: Limits) -> list[tuple[int, tuple[Any, ...]]]:
    """In the parse process: every row of the sheet, or the limit's error."""
    with open_sheet(data, prefer=prefer, filename=filename, limits=lim) as sheet:
        sheet.check_row_count()
        return list(sheet.rows())


def parse_process_patched() -> bool:
    """Whether openpyxl's size patch is in force in the parse process (for the tests)."""
    return run_parse(_patched)


def _patched() -> bool:
    return getattr(ReadOnlyWorksheet, "_get_size") is _declared_size  # noqa: B009 (not in the stubs)


# ---- serving an uploaded file back -----------------------------------------------------------

# Types a browser shows without running anything. Anything else (text/html, image/svg+xml, a type
# the uploader made up) is served as an opaque download.
SAFE_TYPES = frozenset({
    "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain", "text/csv",
    "application/zip", "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.ms-works", "application/wps-office.docx", "application/wps-office.xlsx",
})


def safe_content_type(declared: str | None) -> str:
    """The uploader's declared type if it is a harmless one, else application/octet-stream."""
    base = (declared or "").split(";", 1)[0].strip().lower()
    if base in SAFE_TYPES:
        return f"{base}; charset=utf-8" if base.startswith("text/") else base
    return "application/octet-stream"


def serve_upload(data: bytes, filename: str, content_type: str | None) -> Response:
    """An uploaded file served back: always as a download (never rendered in our origin), with
    the type sniffing off and a content type from the allow-list."""
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "") or "download"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
    return Response(content=data, media_type=safe_content_type(content_type), headers={
        "Content-Disposition": disposition, "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox", "Cache-Control": "private, no-store",
    })
