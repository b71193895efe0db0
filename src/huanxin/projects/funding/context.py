"""One instrument's assessment in progress: the rule functions read dated parameters through it
(`special_bond.support_rate` is `param("support_rate")` of the special-bond assessment), and every
check, value and failure lands in its trace, so the result explains itself."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huanxin.projects.funding.decision import InstrumentResult
from huanxin.projects.funding.facts import ProjectFacts
from huanxin.rules.parameters import MissingParameter, ParameterDirectory, ParameterSet
from huanxin.rules.trace import Found, TraceStep, traced

PARAMETERS_DIR = Path(__file__).with_name("parameters")
SHIPPED = ParameterDirectory(PARAMETERS_DIR)


def default_parameters() -> ParameterSet:
    return SHIPPED.parameters()


@dataclass
class Assessment:
    instrument: str
    facts: ProjectFacts
    parameters: ParameterSet
    on: dt.date  # the date whose parameter values apply
    known_on: dt.date | None = None
    earlier: dict[str, InstrumentResult] = field(default_factory=dict)  # instruments assessed before
    trace: list[TraceStep] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # read after the conclusion of an eligible result
    conclusion: str = ""
    estimated_fen: int = 0

    @property
    def eligible(self) -> bool:
        return not self.failures

    def path(self, name: str) -> str:
        return f"{self.instrument}.{name}"

    def param(self, name: str) -> Found:
        path = self.path(name)
        if path not in self.parameters and path not in self.parameters.overrides:
            raise MissingParameter(path, self.on)
        dated = self.parameters.lookup(path, self.on, self.known_on)
        if dated is None:
            raise MissingParameter(path, self.on)
        return Found(path, dated)

    def step(self, rule: str, note: str, found: Found | None = None, value: Any = None) -> None:
        self.trace.append(traced(rule, note, found, value))

    def fail(self, rule: str, reason: str, found: Found | None = None, value: Any = None) -> None:
        self.failures.append(reason)
        self.step(rule, "不符合：" + reason, found, value)

    def check(self, rule: str, ok: bool, passed: str, failed: str, found: Found | None = None,
              value: Any = None) -> bool:
        """One condition: its step when it holds, its reason when it does not."""
        if ok:
            self.step(rule, passed, found, value)
        else:
            self.fail(rule, failed, found, value)
        return ok

    def say(self, note: str) -> None:
        self.notes.append(note)

    def result(self) -> InstrumentResult:
        eligible = self.eligible
        reasons = [self.conclusion or "符合条件", *self.notes] if eligible else list(self.failures)
        return InstrumentResult(
            instrument=self.instrument, requested=self.instrument in self.facts.instruments, eligible=eligible,
            estimated_fen=self.estimated_fen if eligible else 0, reasons=reasons, trace=list(self.trace),
            decided_on=self.on,
        )


def permille_text(permille: int) -> str:
    """805 → '80.5%'."""
    return f"{permille / 10:g}%"
