"""The limits every input is held to, in one place: what a request, a form or a CLI line may carry.

- **Integers** fit the database's 64-bit integer (SQLite INTEGER, PostgreSQL bigint): a larger one
  made the driver raise OverflowError, a 500. Every int of a `Schema` is checked for free; the
  path and query parameters of every route by `huanxin.web.params`; form text by `check_int`.
- **Money** in fen is at most `FEN_MAX` (1 万亿元): no pool, claim or transfer of a city comes
  near it, and it stays far inside the integers a browser's JavaScript holds exactly (2^53).
- **Text** is at most `LONG_TEXT` characters in any field (a narrative, a note, a reason: five
  pages of Chinese; more belongs in an attachment) and `SHORT_TEXT` in a name or a title.
- **Figures** are finite: NaN and Infinity were accepted by the JSON parser and stored as null.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from huanxin.errors import InvalidInput

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
FEN_MAX = 10**14  # 1 万亿元, in fen
SHORT_TEXT = 200
LONG_TEXT = 5_000

ShortText = Annotated[str, StringConstraints(max_length=SHORT_TEXT)]
"""A name, a title, a label, a period: one line."""
LongText = Annotated[str, StringConstraints(max_length=LONG_TEXT)]
"""A narrative, a note, a reason, evidence (the ceiling of every text of a `Schema` anyway)."""
FenAmount = Annotated[int, Field(le=FEN_MAX)]
"""An amount of money in fen, at most `FEN_MAX`. The lower bound is the service's: it says in its
own words that an amount must be more than 0 (成交价格必须大于0元), as it does for the pages."""


def in_int64(value: int) -> bool:
    return INT64_MIN <= value <= INT64_MAX


def out_of_range(label: str) -> str:
    return f"“{label}”超出可接受的范围（须为 {INT64_MIN} 到 {INT64_MAX} 之间的整数）"


def too_long(label: str, limit: int = LONG_TEXT) -> str:
    return f"“{label}”不能超过 {limit} 字"


def check_int(value: int, field: str, label: str) -> int:
    """`value`, or the error naming the field when the database could not store it."""
    if not in_int64(value):
        raise InvalidInput(out_of_range(label), field=field)
    return value


def check_text(value: str, field: str, label: str, limit: int = LONG_TEXT) -> str:
    if len(value) > limit:
        raise InvalidInput(too_long(label, limit), field=field)
    return value


def _scalars(value: Any) -> list[Any]:
    """The value itself, or the items of a list or the values of a dict (one level: what a JSON
    body's `list[int]` or `dict[str, Any]` field holds)."""
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    if isinstance(value, dict):
        return list(value.values())
    return [value]


class Schema(BaseModel):
    """The base of every input model (JSON bodies, CLI lines): finite floats, text of at most
    `LONG_TEXT` characters unless a field says less, and integers that fit 64 bits. A subclass
    gets all three without declaring anything; its own `model_config` is merged with this one."""

    model_config = ConfigDict(allow_inf_nan=False, str_max_length=LONG_TEXT)

    @field_validator("*", mode="after")
    @classmethod
    def _in_range(cls, value: Any) -> Any:
        # One check per field after pydantic's own (about a microsecond for a claim): unlike a
        # constrained type, a new int field cannot forget it. The float check catches what a
        # field typed Any or dict[str, Any] holds (allow_inf_nan covers the fields typed float).
        for item in _scalars(value):
            if type(item) is int and not in_int64(item):
                raise PydanticCustomError("int64_range", "超出可接受的范围（须为 {low} 到 {high} 之间的整数）",
                                          {"low": INT64_MIN, "high": INT64_MAX})
            if type(item) is float and not math.isfinite(item):
                raise PydanticCustomError("finite_number", "须为有限的数值（不接受 NaN 或 Infinity）")
        return value
