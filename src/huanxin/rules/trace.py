"""What a decision carries to explain itself: one TraceStep per check, value or failure, each
naming its rule, the parameter it read (path, value, date in force, notice) and a note in Chinese
that the applicant reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from huanxin.rules.parameters import DatedValue


@dataclass(frozen=True)
class TraceStep:
    rule: str
    parameter: str | None
    value: Any
    effective_from: dt.date | None
    source: str | None
    note: str  # what the applicant reads: Chinese words only

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "parameter": self.parameter, "value": json_safe(self.value),
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "source": self.source, "note": self.note,
        }


@dataclass(frozen=True)
class Found:
    """A parameter's value as looked up for a decision: its path and the dated value that applied."""

    path: str
    dated: DatedValue

    @property
    def value(self) -> Any:
        return self.dated.value


def traced(rule: str, note: str, found: Found | None = None, value: Any = None) -> TraceStep:
    """The step for a check: with the parameter it read, or with the plain value it looked at.
    A value's own note ("追溯适用于…", "起始日期为选定日期") is read with it, in brackets."""
    if found is None:
        return TraceStep(rule, None, value, None, None, note)
    dated = found.dated
    note = note + (f"（{dated.note}）" if dated.note else "")
    return TraceStep(rule, found.path, dated.value, dated.effective_from, dated.source, note)


_PLAIN = (str, int, float, bool, type(None))


def json_safe(value: Any) -> Any:
    if type(value) in _PLAIN:  # most values of a trace: returned as they are, before any isinstance
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(json_safe(v) for v in value)
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    return value
