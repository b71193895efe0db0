"""What-if: evaluate past claims under a proposed parameter change and show the cost difference.
The overrides are layered on the loaded parameters (each replaces its parameter on every date);
the files are not touched."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from huanxin.tradein.rules.engine import evaluate
from huanxin.tradein.rules.model import ClaimCase
from huanxin.tradein.rules.registry import Rulebook, default_rulebook


@dataclass(frozen=True)
class WhatIfResult:
    count: int  # cases evaluated
    baseline_total_fen: int
    proposed_total_fen: int
    difference_fen: int  # proposed − baseline
    changed: int  # cases whose eligibility or amount changes
    newly_eligible: int = 0
    newly_ineligible: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def what_if(
    cases: Iterable[ClaimCase], overrides: Mapping[str, Any], on: dt.date | None = None, *,
    rulebook: Rulebook | None = None,
) -> WhatIfResult:
    baseline_book = rulebook or default_rulebook()
    proposed_book = baseline_book.with_overrides(overrides)
    count = baseline = proposed = changed = gained = lost = 0
    for case in cases:
        before = evaluate(case, on, rulebook=baseline_book)
        after = evaluate(case, on, rulebook=proposed_book)
        count += 1
        baseline += before.amount_fen
        proposed += after.amount_fen
        if (before.eligible, before.amount_fen) != (after.eligible, after.amount_fen):
            changed += 1
        gained += after.eligible and not before.eligible
        lost += before.eligible and not after.eligible
    return WhatIfResult(count, baseline, proposed, proposed - baseline, changed, gained, lost)
