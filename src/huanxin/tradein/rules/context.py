"""One evaluation in progress: the rule functions read parameters through it, and every check,
value and failure lands in its trace, so the decision explains itself."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from huanxin.rules.amounts import percent as percent
from huanxin.rules.amounts import rate_amount as rate_amount
from huanxin.rules.amounts import rate_bp as rate_bp
from huanxin.rules.amounts import yuan as yuan
from huanxin.rules.parameters import MissingParameter as MissingParameter
from huanxin.rules.trace import Found as Found
from huanxin.rules.trace import TraceStep, traced
from huanxin.tradein.rules.model import ClaimCase
from huanxin.tradein.rules.registry import ProgrammeRules, Rulebook


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
        # A value's note is read by the applicant ("追溯适用于…"): maintainers' caveats on the
        # sources ("待核") are YAML comments in the parameter files, never notes.
        self.trace.append(traced(rule, note, found, value))

    def fail(self, rule: str, reason: str, found: Found | None = None, value: Any = None) -> None:
        self.failures.append(reason)
        self.step(rule, "不符合：" + reason, found, value)

    def say(self, note: str) -> None:
        self.notes.append(note)
