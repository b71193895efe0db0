"""One evaluation in progress: the rule functions read parameters through it, and every check,
value and failure lands in its trace, so the decision explains itself."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from huanxin.tradein.rules.model import ClaimCase, TraceStep
from huanxin.tradein.rules.parameters import DatedValue
from huanxin.tradein.rules.registry import ProgrammeRules, Rulebook


class MissingParameter(Exception):
    """A parameter has no value on the decision date: the rule is not (yet) in force."""

    def __init__(self, path: str, on: dt.date):
        super().__init__(path)
        self.path = path
        self.on = on


@dataclass(frozen=True)
class Found:
    path: str
    dated: DatedValue

    @property
    def value(self) -> Any:
        return self.dated.value


@dataclass
class Evaluation:
    case: ClaimCase
    programme: ProgrammeRules
    rulebook: Rulebook
    on: dt.date
    known_on: dt.date | None = None
    trace: list[TraceStep] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the resident reads when eligible
    amount_fen: int = 0
    required_proofs: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.failures

    def param(self, name: str, *, absolute: bool = False) -> Found:
        path = name if absolute else self.programme.path(name)
        params = self.rulebook.parameters
        if path not in params and path not in params.overrides:
            raise MissingParameter(path, self.on)
        dated = params.lookup(path, self.on, self.known_on)
        if dated is None:
            raise MissingParameter(path, self.on)
        return Found(path, dated)

    def optional_param(self, name: str) -> Found | None:
        try:
            return self.param(name)
        except MissingParameter:
            return None

    def has_param(self, name: str) -> bool:
        return self.programme.path(name) in self.rulebook.parameters

    def step(self, rule: str, note: str, found: Found | None = None, value: Any = None) -> None:
        if found is not None:
            dated = found.dated
            # A value's note is read by the applicant ("追溯适用于…"): maintainers' caveats on the
            # sources ("待核") are YAML comments in the parameter files, never notes.
            note = note + (f"（{dated.note}）" if dated.note else "")
            self.trace.append(TraceStep(rule, found.path, dated.value, dated.effective_from, dated.source, note))
        else:
            self.trace.append(TraceStep(rule, None, value, None, None, note))

    def fail(self, rule: str, reason: str, found: Found | None = None, value: Any = None) -> None:
        self.failures.append(reason)
        self.step(rule, "不符合：" + reason, found, value)

    def say(self, note: str) -> None:
        self.notes.append(note)


def yuan(fen: int) -> str:
    """12345 → '123.45', 200000 → '2000'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}" if cents == 0 else f"{sign}{whole}.{cents:02d}".rstrip("0")


def percent(rate: float) -> str:
    return f"{round(rate * 100, 4):g}%"


def rate_bp(rate: float) -> int:
    """A rate in basis points, so that amounts are exact integer arithmetic (and equal in NumPy)."""
    return round(rate * 10000)


def rate_amount(price_fen: int, rate: float) -> int:
    """The subsidy at a rate, floored to the fen: never more than the rate gives."""
    return price_fen * rate_bp(rate) // 10000
