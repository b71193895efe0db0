"""`huanxin projects evaluate`: projects as JSON Lines in, one funding decision per line out
(fields in docs/projects.md, "huanxin projects evaluate"). Every line gets its own answer: a line
that cannot be read or whose facts are bad names its line number and field, and the run goes on.
Nothing is read from or written to the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from huanxin.errors import DomainError, InvalidInput
from huanxin.projects.funding.engine import evaluate_project
from huanxin.projects.funding.facts import facts_from_dict
from huanxin.rules.jsonlines import parse_line, plain

LINE_KEYS = ("id", "on", "known_on")  # about the line, not the project: echoed or used to decide it


def answers(lines: Iterable[bytes | str | None], today: dt.date) -> Iterator[dict[str, Any]]:
    """One answer per non-blank line, in order, numbered as in the file."""
    for number, line in enumerate(lines, start=1):
        if line is not None and not line.strip():
            continue
        yield answer_line(number, line, today)


def answer_line(number: int, line: bytes | str | None, today: dt.date) -> dict[str, Any]:
    try:
        data = parse_line(number, line, "一个项目")
    except InvalidInput as exc:
        return refused(number, None, exc.message, exc.field)
    line_id = data.get("id") if plain(data.get("id")) else None  # echoed back, never a structure
    try:
        on = _date(data, "on") or today
        known_on = _date(data, "known_on")
        if known_on is not None and known_on > today:
            raise InvalidInput(f"known_on {known_on} 晚于今天：只能问过去某日已公布的政策", field="known_on")
        facts = facts_from_dict({k: v for k, v in data.items() if k not in LINE_KEYS})
        decision = evaluate_project(facts, on, known_on=known_on)
    except DomainError as exc:
        return refused(number, line_id, f"第 {number} 行：{exc.message}", exc.field)
    return {"line": number, "id": line_id, "ok": True, **decision.to_dict()}


def refused(number: int, line_id: Any, message: str, field: str | None) -> dict[str, Any]:
    return {"line": number, "id": line_id, "ok": False, "error": message, "field": field}


def _date(data: dict[str, Any], name: str) -> dt.date | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidInput(f"字段 {name} 应为日期（YYYY-MM-DD），收到 {value!r}", field=name)
