"""Form values of the financing pages: amounts typed in yuan (exact, never a float), dates, ids."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from huanxin.errors import InvalidInput
from huanxin.kit.clock import parse_date


def yuan_to_fen(text: str, field: str, label: str) -> int:
    """'1234.5' → 123450; a sign is kept so that the use case refuses it naming the field."""
    cleaned = text.strip().replace(",", "").replace("，", "").removesuffix("元")
    if not cleaned:
        raise InvalidInput(f"请填写{label}（元）", field=field)
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(f"{label}“{text}”不是有效金额", field=field) from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")) or abs(amount) > Decimal(10) ** 13:
        raise InvalidInput(f"{label}“{text}”不是有效金额（最多两位小数）", field=field)
    return int(amount * 100)


def whole(text: str, field: str, label: str) -> int:
    cleaned = text.strip()
    if not cleaned.lstrip("-").isdigit() or len(cleaned) > 12:
        raise InvalidInput(f"{label}须为整数", field=field)
    return int(cleaned)


def percent_to_bp(text: str, field: str, label: str) -> int:
    """'3.1' (per cent) → 310 basis points."""
    return yuan_to_fen(text, field, label)  # the same exact two-decimal reading: 3.10 % = 310 bp


def day(text: str, field: str, label: str) -> dt.date:
    if not text.strip():
        raise InvalidInput(f"请填写{label}", field=field)
    return parse_date(text, label, name=field)


def optional_day(text: str, field: str, label: str) -> dt.date | None:
    return day(text, field, label) if text.strip() else None


def ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.strip().isdigit()]
