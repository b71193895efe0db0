"""One column of a list sheet, and how its cells turn into stored values and back.

A column's kind decides both directions, so that what an export writes the import reads back as
the same value: money is stored in integer fen and shown in 万元 (exact: Decimal, never a float
sum), shares in per-mille and shown in %, choices as vocabulary keys and shown by their Chinese
labels, regions as GB/T 2260 codes and shown by name, industries as GB/T 4754 codes.

`parse` raises CellError with the words that follow “第N行“列名”” in the row's error."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from huanxin.errors import InvalidInput
from huanxin.kit.excel import unquote_cell
from huanxin.projects import credit_code, industries
from huanxin.projects.lists.words import NO, YES

FEN_PER_WAN = 1_000_000  # 1万元 = 10,000元 = 1,000,000分
FEN_MAX = 9 * 10**17  # what a 64-bit column holds, with room
LIST_SEPARATORS = re.compile(r"[、，,；;/\n]+")
CHOICE_SEPARATORS = re.compile(r"[、，,；;/\s]+")
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
EXCEL_EPOCH = dt.date(1899, 12, 30)


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    NUMBER = "number"  # a float: tonnes, kW, tce
    MONEY = "money"  # fen, shown in 万元
    PERCENT = "percent"  # per-mille, shown in % with one decimal
    DATE = "date"
    BOOL = "bool"  # 是 / 否
    CHOICE = "choice"  # one vocabulary key, shown by its label
    CHOICES = "choices"  # several keys, labels joined by 、
    NAMES = "names"  # several free texts joined by 、 (intended banks)
    REGION = "region"  # a county of the city, shown by name
    INDUSTRY = "industry"  # GB/T 4754-2017 code
    CREDIT = "credit"  # 统一社会信用代码, GB 32100-2015


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind = Kind.TEXT
    required: bool = False
    width: int = 14
    choices: Mapping[str, str] | None = None
    # Written by the export for people to read (a name beside a code, a status); the import skips it.
    export_only: bool = False
    max_length: int = 200
    # What docs/projects.md says of the column, beyond its header.
    note: str = ""

    @property
    def imported(self) -> bool:
        return not self.export_only


class CellError(Exception):
    """The problem of one cell, in the words that follow the row and the column's name."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalise_header(text: Any) -> str:
    """Headers as people retype them: half-width brackets, spaces, a required-mark star."""
    value = "" if text is None else str(text)
    value = value.replace("(", "（").replace(")", "）").replace("*", "").replace("＊", "")
    return "".join(value.split())


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _text(value: Any) -> str:
    value = unquote_cell(value)  # our export's apostrophe before =, +, -, @ …
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


# ---- reading ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lookups:
    """What parsing a region needs: the city's counties, by code and by name."""

    regions: Mapping[str, str]  # code → name

    def region_code(self, text: str) -> str | None:
        if text in self.regions:
            return text
        return next((code for code, name in self.regions.items() if name == text), None)


def parse(column: Column, raw: Any, lookups: Lookups) -> Any:
    """The stored value of a cell (None for an empty optional cell); CellError when it is wrong."""
    if is_blank(raw):
        if column.required:
            raise CellError("不能为空")
        return [] if column.kind in (Kind.CHOICES, Kind.NAMES) else None
    reader = _READERS[column.kind]
    return reader(column, raw, lookups)


def _read_text(column: Column, raw: Any, _: Lookups) -> str:
    text = _text(raw)
    if len(text) > column.max_length:
        raise CellError(f"超过{column.max_length}个字（实为{len(text)}个）")
    return text


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool | dt.date):
        raise CellError(f"不是数字：“{_text(raw)}”")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise CellError(f"不是数字：“{raw}”")
        return Decimal(repr(raw))  # the shortest text that reads back as this float
    text = _text(raw).replace(",", "").replace("，", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(f"不是数字：“{_text(raw)}”") from None
    if not value.is_finite():
        raise CellError(f"不是数字：“{_text(raw)}”")
    return value


def _read_int(column: Column, raw: Any, _: Lookups) -> int:
    value = _decimal(raw)
    if value != value.to_integral_value():
        raise CellError(f"须为整数：“{_text(raw)}”")
    if value < 0:
        raise CellError(f"不能为负数：“{_text(raw)}”")
    if value > 2**31 - 1:
        raise CellError(f"数值过大：“{_text(raw)}”")
    return int(value)


def _read_number(column: Column, raw: Any, _: Lookups) -> float:
    value = _decimal(raw)
    if value < 0:
        raise CellError(f"不能为负数：“{_text(raw)}”")
    if value > Decimal(10) ** 12:
        raise CellError(f"数值过大：“{_text(raw)}”")
    return float(value)


def _read_money(column: Column, raw: Any, _: Lookups) -> int:
    fen = _decimal(raw) * FEN_PER_WAN
    whole = fen.to_integral_value(rounding=ROUND_HALF_UP)
    # A float cell (a sum Excel computed) may carry a binary remainder far below one fen; typed
    # figures finer than one fen are refused, never rounded away.
    if fen != whole and not (isinstance(raw, float) and abs(fen - whole) < Decimal("0.01")):
        raise CellError(f"最多精确到分（万元后最多6位小数）：“{_text(raw)}”")
    if whole < 0:
        raise CellError(f"不能为负数：“{_text(raw)}”")
    if whole > FEN_MAX:
        raise CellError(f"金额过大：“{_text(raw)}”")
    return int(whole)


def _read_percent(column: Column, raw: Any, _: Lookups) -> int:
    text = _text(raw).rstrip("%％").strip() if isinstance(raw, str) else raw
    permille = _decimal(text) * 10
    if permille != permille.to_integral_value():
        raise CellError(f"最多保留1位小数：“{_text(raw)}”")
    if permille < 0:
        raise CellError(f"不能小于0：“{_text(raw)}”")
    if permille > 1000:
        raise CellError(f"不能超过100%：“{_text(raw)}”")
    return int(permille)


def _read_date(column: Column, raw: Any, _: Lookups) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool) and 20000 < raw < 80000:
        return EXCEL_EPOCH + dt.timedelta(days=int(raw))  # a date cell that lost its format
    match = DATE_TEXT.match(_text(raw))
    if match:
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    raise CellError(f"不是有效日期：“{_text(raw)}”（请按 2025-03-01 格式填写）")


def _read_bool(column: Column, raw: Any, _: Lookups) -> bool:
    if isinstance(raw, bool):
        return raw
    text = _text(raw)
    if text in (YES, "√", "Y", "y", "1", "TRUE", "true"):
        return True
    if text in (NO, "×", "N", "n", "0", "FALSE", "false"):
        return False
    raise CellError(f"须为“{YES}”或“{NO}”：“{text}”")


def _key_of(column: Column, label: str) -> str:
    choices = column.choices or {}
    for key, shown in choices.items():
        if label == shown:
            return key
    allowed = "、".join(choices.values())
    raise CellError(f"“{label}”无效，须为{allowed}之一")


def _read_choice(column: Column, raw: Any, _: Lookups) -> str:
    return _key_of(column, _text(raw))


def _read_choices(column: Column, raw: Any, _: Lookups) -> list[str]:
    """Labels joined by 、 or another separator. A label may hold a 、 itself (立项（审批、核准或备案）),
    so the text is read label by label, the longest known label first, never split blindly."""
    text, keys, at = _text(raw), [], 0
    labels = sorted((column.choices or {}).items(), key=lambda item: -len(item[1]))
    while at < len(text):
        gap = CHOICE_SEPARATORS.match(text, at)
        if gap:
            at = gap.end()
            continue
        match = next((key for key, label in labels if text.startswith(label, at)), None)
        if match is None:
            end = CHOICE_SEPARATORS.search(text, at)
            _key_of(column, text[at:end.start() if end else len(text)])  # raises, naming the bad label
        else:
            keys.append(match)
            at += len((column.choices or {})[match])
    return keys


def _read_names(column: Column, raw: Any, _: Lookups) -> list[str]:
    names = [name.strip() for name in LIST_SEPARATORS.split(_text(raw)) if name.strip()]
    for name in names:
        if len(name) > column.max_length:
            raise CellError(f"中的“{name[:20]}…”超过{column.max_length}个字")
    return names


def _read_region(column: Column, raw: Any, lookups: Lookups) -> str:
    text = _text(raw)
    code = lookups.region_code(text)
    if code is None:
        raise CellError(f"“{text}”不是本市的县（市、区）")
    return code


def _read_industry(column: Column, raw: Any, _: Lookups) -> str:
    text = _text(raw)
    first = text.split()[0] if text.split() else text  # "3812 电动机制造" as a screen shows it
    found = industries.find(first)
    if found is None:
        raise CellError(f"“{text}”不是{industries.STANDARD}的行业代码")
    return found.code


def _read_credit(column: Column, raw: Any, _: Lookups) -> str:
    try:
        return credit_code.validate(_text(raw), field=column.key)
    except InvalidInput as exc:
        # "统一社会信用代码校验位应为…": the column's name is already in front of the message.
        message = exc.message.removeprefix(credit_code.LABEL)
        raise CellError(f"{message}：“{_text(raw)}”") from None


_READERS = {
    Kind.TEXT: _read_text, Kind.INT: _read_int, Kind.NUMBER: _read_number, Kind.MONEY: _read_money,
    Kind.PERCENT: _read_percent, Kind.DATE: _read_date, Kind.BOOL: _read_bool, Kind.CHOICE: _read_choice,
    Kind.CHOICES: _read_choices, Kind.NAMES: _read_names, Kind.REGION: _read_region,
    Kind.INDUSTRY: _read_industry, Kind.CREDIT: _read_credit,
}


# ---- writing ---------------------------------------------------------------------------------

def wan(fen: int) -> Decimal:
    """Fen as 万元, exactly (Decimal): 123456789 fen → 123.456789."""
    return (Decimal(fen) / FEN_PER_WAN).normalize() if fen else Decimal(0)


def wan_2(fen: int) -> Decimal:
    """Fen as 万元 rounded half up to 2 decimals (the province's sheet)."""
    return (Decimal(fen) / FEN_PER_WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def shown(column: Column, value: Any, regions: Mapping[str, str]) -> Any:
    """What the export writes for a stored value."""
    if value is None:
        return None
    kind = column.kind
    if kind == Kind.MONEY:
        return wan(int(value))
    if kind == Kind.PERCENT:
        return (Decimal(int(value)) / 10).normalize()
    if kind == Kind.BOOL:
        return YES if value else NO
    if kind == Kind.CHOICE:
        return (column.choices or {}).get(value, value)
    if kind == Kind.CHOICES:
        return "、".join((column.choices or {}).get(v, v) for v in value)
    if kind == Kind.NAMES:
        return "、".join(value)
    if kind == Kind.REGION:
        return regions.get(value, value)
    return value


NUMBER_FORMATS = {Kind.MONEY: "0.00####", Kind.PERCENT: "0.0", Kind.DATE: "yyyy-mm-dd"}
