"""What the funding rules answer: per instrument (vocab.INSTRUMENTS), eligible or not, the estimated
amount in fen and each reason in Chinese, with the trace that explains it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from huanxin.projects import vocab
from huanxin.rules.trace import TraceStep


@dataclass(frozen=True)
class InstrumentResult:
    instrument: str  # vocab.INSTRUMENTS key
    requested: bool  # the project asks for it (its `instruments`)
    eligible: bool
    estimated_fen: int  # 0 when not eligible or when the rules give no estimate
    reasons: list[str]  # Chinese, no codes: what the enterprise and the reviewers read
    trace: list[TraceStep]
    decided_on: dt.date  # the date whose parameter values applied (for a loan: its disbursement)

    @property
    def label(self) -> str:
        return vocab.INSTRUMENTS[self.instrument]

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument, "label": self.label, "requested": self.requested,
            "eligible": self.eligible, "estimated_fen": self.estimated_fen, "reasons": list(self.reasons),
            "decided_on": self.decided_on.isoformat(), "trace": [t.to_dict() for t in self.trace],
        }


@dataclass(frozen=True)
class FundingDecision:
    decided_on: dt.date
    results: dict[str, InstrumentResult]  # in vocab.INSTRUMENTS order
    known_on: dt.date | None = None

    def __getitem__(self, instrument: str) -> InstrumentResult:
        return self.results[instrument]

    @property
    def eligible_instruments(self) -> list[str]:
        return [key for key, result in self.results.items() if result.eligible]

    def to_dict(self) -> dict[str, Any]:
        return {
            "decided_on": self.decided_on.isoformat(),
            "known_on": self.known_on.isoformat() if self.known_on else None,
            "instruments": {key: result.to_dict() for key, result in self.results.items()},
        }
