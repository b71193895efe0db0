"""Input validation of observations and baselines, from a form, the API or a sheet row.

Every error is a FieldError naming the field in Chinese; callers turn it into InvalidInput (one
entry) or into a row-level report (an import), before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from huanxin.errors import InvalidInput
from huanxin.indicators import repository as repo
from huanxin.indicators.access import CityContext, may_enter
from huanxin.indicators.catalogue import IndicatorDef, catalogue
from huanxin.orgs.scope import Scope

MIN_YEAR, MAX_YEAR = 2015, 2035
DEFAULT_BASE_YEAR = 2023
MAX_NOTE = 500

# The Chinese name of each input field, as the entry form and the import sheet call it.
LABELS = {
    "indicator_code": "指标代码",
    "region_code": "地区代码",
    "year": "年份",
    "month": "月份",
    "value": "数值",
    "note": "备注",
}


@dataclass(frozen=True)
class ObservationInput:
    """Raw input from a form, the API or a sheet row: strings or numbers, checked by `clean`."""

    indicator_code: Any
    region_code: Any
    year: Any
    month: Any
    value: Any
    note: Any = None


@dataclass(frozen=True)
class CleanObservation:
    indicator_code: str
    region_code: str
    year: int
    month: int
    value: float
    note: str | None

    @property
    def key(self) -> repo.ObsKey:
        return (self.indicator_code, self.region_code, self.year, self.month)


@dataclass(frozen=True)
class BaselineInput:
    indicator_code: Any
    region_code: Any
    year: Any
    value: Any
    note: Any = None
    correct: bool = False


@dataclass(frozen=True)
class CleanBaseline:
    indicator: IndicatorDef
    region_code: str
    year: int
    value: float
    note: str | None


class FieldError(ValueError):
    """A bad field: `field` is the input's name, the message is in Chinese and names the field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message

    def invalid(self) -> InvalidInput:
        return InvalidInput(self.message, field=self.field)


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def as_text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # Excel hands back 512000 as 512000.0
    return str(raw).strip()


def parse_int(raw: Any, field: str, low: int, high: int) -> int:
    label = LABELS[field]
    if is_blank(raw):
        raise FieldError(field, f"{label}不能为空")
    try:
        number = float(as_text(raw).replace(",", ""))
    except ValueError:
        raise FieldError(field, f"{label}“{as_text(raw)}”不是有效的整数") from None
    if not number.is_integer():
        raise FieldError(field, f"{label}“{as_text(raw)}”须为整数")
    if not low <= number <= high:
        raise FieldError(field, f"{label}须在 {low} 到 {high} 之间，收到 {int(number)}")
    return int(number)


def parse_value(raw: Any, indicator: IndicatorDef) -> float:
    if is_blank(raw):
        raise FieldError("value", "数值不能为空")
    if isinstance(raw, bool):
        raise FieldError("value", f"数值“{raw}”不是有效数字")
    text = as_text(raw).replace(",", "").replace("，", "")
    if indicator.unit == "%" and text.endswith("%"):
        text = text[:-1]
    try:
        number = float(text)
    except ValueError:
        raise FieldError("value", f"数值“{as_text(raw)}”不是有效数字") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise FieldError("value", f"数值“{as_text(raw)}”不是有效数字")
    if indicator.unit == "%" and not 0 <= number <= 100:
        raise FieldError("value", f"数值须在 0 到 100 之间（“{indicator.name}”以 % 计），收到 {number:g}")
    if number < 0:
        raise FieldError("value", f"数值不能为负数（“{indicator.name}”），收到 {number:g}")
    return number


def parse_indicator(raw: Any) -> IndicatorDef:
    if is_blank(raw):
        raise FieldError("indicator_code", "指标代码不能为空")
    code = as_text(raw)
    indicator = catalogue().get(code)
    if indicator is None:
        raise FieldError("indicator_code", f"指标代码“{code}”不在指标目录中")
    return indicator


def parse_region(raw: Any, ctx: CityContext, *, default_city: bool) -> str:
    if is_blank(raw):
        if default_city:
            return ctx.city_code
        raise FieldError("region_code", "地区代码不能为空（全市数据填本市代码 " + ctx.city_code + "）")
    code = as_text(raw)
    if code not in ctx.regions:
        raise FieldError("region_code", f"地区代码“{code}”不是{ctx.city_name}或其所辖县（市、区）的代码")
    return code


def parse_note(raw: Any) -> str | None:
    if is_blank(raw):
        return None
    note = as_text(raw)
    if len(note) > MAX_NOTE:
        raise FieldError("note", f"备注不能超过 {MAX_NOTE} 字")
    return note


def clean_observation(
    raw: ObservationInput, ctx: CityContext, *, default_city: bool = True
) -> CleanObservation:
    """`default_city`: a blank region is the city and a blank month the full year (entry form, API)."""
    indicator = parse_indicator(raw.indicator_code)
    month = 12 if is_blank(raw.month) and default_city else parse_int(raw.month, "month", 1, 12)
    return CleanObservation(
        indicator_code=indicator.code,
        region_code=parse_region(raw.region_code, ctx, default_city=default_city),
        year=parse_int(raw.year, "year", MIN_YEAR, MAX_YEAR),
        month=month,
        value=parse_value(raw.value, indicator),
        note=parse_note(raw.note),
    )


def clean_baseline(raw: BaselineInput, ctx: CityContext) -> CleanBaseline:
    """A blank region is the city, a blank year the default base year (2023)."""
    indicator = parse_indicator(raw.indicator_code)
    region = parse_region(raw.region_code, ctx, default_city=True)
    year = DEFAULT_BASE_YEAR if is_blank(raw.year) else parse_int(raw.year, "year", MIN_YEAR, MAX_YEAR)
    return CleanBaseline(
        indicator=indicator,
        region_code=region,
        year=year,
        value=parse_value(raw.value, indicator),
        note=parse_note(raw.note),
    )


def check_rows(
    scope: Scope, ctx: CityContext, rows: Iterable[tuple[int, ObservationInput]]
) -> tuple[list[tuple[int, CleanObservation]], list[dict[str, Any]]]:
    """Every row of an import checked, with the user's right to enter it and repeats within the file:
    the clean rows and one error (row, column, message) per refused row."""
    clean: list[tuple[int, CleanObservation]] = []
    errors: list[dict[str, Any]] = []
    seen: dict[repo.ObsKey, int] = {}

    def fail(row: int, field: str, message: str) -> None:
        column = LABELS.get(field, field)
        errors.append(
            {"row": row, "column": column, "field": field, "message": f"第{row}行「{column}」：{message}"}
        )

    for row, raw in rows:
        try:
            item = clean_observation(raw, ctx, default_city=False)
        except FieldError as error:
            fail(row, error.field, error.message)
            continue
        refusal = may_enter(scope, ctx, item.indicator_code, item.region_code)
        if refusal:
            fail(row, "indicator_code", refusal)
        elif item.key in seen:
            fail(row, "month", f"与第{seen[item.key]}行的指标、地区和期间重复")
        else:
            seen[item.key] = row
            clean.append((row, item))
    return clean, errors
