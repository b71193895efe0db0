"""JSON Lines in, one JSON decision per line out (fields in docs/tradein.md). A bad line yields a
JSON error object naming the line and the field; the run goes on."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

from huanxin.errors import InvalidInput
from huanxin.tradein.rules.engine import evaluate
from huanxin.tradein.rules.model import case_from_dict

CONTROL_FIELDS = ("id", "on")


def evaluate_lines(stream: Iterable[str]) -> Iterator[str]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        yield json.dumps(evaluate_line(number, line), ensure_ascii=False, separators=(",", ":"))


def evaluate_line(number: int, line: str) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return _error(number, None, f"第 {number} 行不是合法的 JSON：{exc.msg}（第 {exc.colno} 列）", None)
    if not isinstance(data, dict):
        return _error(number, None, f"第 {number} 行应为 JSON 对象", None)
    claim_id = data.pop("id", None)
    try:
        on = _on(data.pop("on", None))
        decision = evaluate(case_from_dict(data), on)
    except InvalidInput as exc:
        return _error(number, claim_id, f"第 {number} 行：{exc.message}", exc.field)
    return {"line": number, "id": claim_id, "ok": True, **decision.to_dict()}


def _on(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"字段 on 应为日期（YYYY-MM-DD），收到 {value!r}", field="on") from None


def _error(number: int, claim_id: Any, message: str, field: str | None) -> dict[str, Any]:
    return {"line": number, "id": claim_id, "ok": False, "error": message, "field": field}
