"""What the weighing and price forms send, read as a person types it: kilograms with up to three
decimals (→ integer grams, exactly), yuan with up to two (→ fen), whole pieces. A value that cannot
be read is refused naming its field (and line); nothing is rounded silently."""

from __future__ import annotations

import re
from collections.abc import Mapping

from fastapi import Request

from huanxin.errors import InvalidInput
from huanxin.recycling.weighing.service import MAX_LINES, LineInput

LINE_FIELDS = ("category", "gross", "tare", "pieces", "condition")
_ROW = re.compile(r"line-(\d{1,2})-(\w+)")


async def form_values(request: Request) -> dict[str, str]:
    """The sent form as text (a dependency: sync routes then need no await)."""
    form = await request.form()
    return {str(k): str(v) for k, v in form.items() if isinstance(v, str)}


def _decimal(text: str, field: str, label: str, decimals: int, unit: str) -> int:
    cleaned = re.sub(r"[,，\s]", "", text or "").removesuffix(unit)
    if not cleaned:
        return 0
    match = re.fullmatch(r"(\d{1,9})(?:\.(\d*))?", cleaned)
    if match is None:
        raise InvalidInput(f"{label}“{text[:20]}”不是有效数字（单位：{unit}）", field=field)
    digits = match.group(2) or ""
    if len(digits) > decimals:
        raise InvalidInput(f"{label}“{text[:20]}”最多保留{decimals}位小数（单位：{unit}）", field=field)
    scale: int = 10**decimals
    return int(match.group(1)) * scale + int((digits + "0" * decimals)[:decimals] or 0)


def grams(text: str, field: str, label: str) -> int:
    """'12.35' kg → 12,350 g."""
    return _decimal(text, field, label, 3, "公斤")


def fen(text: str, field: str, label: str) -> int:
    """'1.2' 元 → 120 fen."""
    return _decimal(text, field, label, 2, "元")


def rows_of(values: Mapping[str, str]) -> list[dict[str, str]]:
    """The typed rows, in order (a row with nothing typed but its selects is no line)."""
    rows: dict[int, dict[str, str]] = {}
    for key, value in values.items():
        match = _ROW.fullmatch(key)
        if match and int(match.group(1)) < MAX_LINES and match.group(2) in LINE_FIELDS:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = value
    return [rows[i] for i in sorted(rows)]


def _blank(row: Mapping[str, str]) -> bool:
    return not any((row.get(name) or "").strip() for name in ("gross", "tare", "pieces"))


def lines_of(values: Mapping[str, str]) -> list[LineInput]:
    """The weighing lines of the form; the field names keep the row number the page shows, so an
    error from the service lands beside the input it is about."""
    lines: list[LineInput] = []
    rows = rows_of(values)
    kept = [i for i, row in enumerate(rows) if not _blank(row)]
    if kept != list(range(len(kept))):
        first_blank = next(i for i in range(len(rows)) if i not in kept)
        raise InvalidInput(f"第{first_blank + 1}行未填写，请从第一行起依次填写", field=f"line-{first_blank}-gross")
    for i in kept:
        row = rows[i]
        pieces_text = (row.get("pieces") or "").strip()
        if pieces_text and not pieces_text.isdigit():
            raise InvalidInput(f"第{i + 1}行：件数“{pieces_text[:10]}”应为整数", field=f"line-{i}-pieces")
        lines.append(LineInput(
            category=row.get("category", ""), condition=row.get("condition") or "good",
            gross_g=grams(row.get("gross", ""), f"line-{i}-gross", f"第{i + 1}行：毛重"),
            tare_g=grams(row.get("tare", ""), f"line-{i}-tare", f"第{i + 1}行：皮重"),
            pieces=int(pieces_text[:6]) if pieces_text else 0))
    return lines
