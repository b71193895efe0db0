"""What-if for policy staff: a proposed parameter change replayed over the city's past claims."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput
from huanxin.orgs.scope import Scope
from huanxin.tradein.models import Claim, Programme
from huanxin.tradein.repository import require_staff
from huanxin.tradein.rules import batch, whatif
from huanxin.tradein.rules.model import CASE_FIELDS, ClaimCase, case_from_dict
from huanxin.tradein.rules.registry import default_rulebook

MAX_CLAIMS = 500_000  # a city's whole history fits; the batch path does a million in about a second


@dataclass(frozen=True)
class CityWhatIf:
    programme: str
    overrides: dict[str, Any]
    count: int
    baseline_total_fen: int
    proposed_total_fen: int
    difference_fen: int
    changed: int
    method: str  # "batch" (vectorised) or "one-by-one" (programmes the batch path does not cover)


def past_cases(session: Session, city_code: str, rules_code: str) -> list[ClaimCase]:
    """Every decided claim's inputs, as the rules saw them."""
    rows = session.scalars(
        select(Claim.inputs).join(Programme, Programme.id == Claim.programme_id)
        .where(Claim.city_code == city_code, Programme.rules_code == rules_code).limit(MAX_CLAIMS)
    )
    return [case_from_dict({k: v for k, v in inputs.items() if k in CASE_FIELDS}) for inputs in rows if inputs]


def what_if_for_city(
    session: Session, scope: Scope, *, rules_code: str, overrides: dict[str, Any],
) -> CityWhatIf:
    require_staff(scope)
    if not overrides:
        raise InvalidInput("请至少给出一个拟调整的参数（参数路径=新值）", field="overrides")
    baseline_book = default_rulebook()
    baseline_book.programme(rules_code)  # unknown programme → InvalidInput naming the field
    proposed_book = baseline_book.with_overrides(overrides)
    cases = past_cases(session, scope.city_code, rules_code)
    if not cases:
        return CityWhatIf(rules_code, overrides, 0, 0, 0, 0, 0, "batch")
    try:
        columns = batch.columns_from_cases(cases)
        before = batch.evaluate_batch(columns, rulebook=baseline_book)
        after = batch.evaluate_batch(columns, rulebook=proposed_book)
    except InvalidInput:
        result = whatif.what_if(cases, overrides, rulebook=baseline_book)
        return CityWhatIf(rules_code, overrides, result.count, result.baseline_total_fen, result.proposed_total_fen,
                          result.difference_fen, result.changed, "one-by-one")
    base_total = int(np.sum(before["amount_fen"]))
    new_total = int(np.sum(after["amount_fen"]))
    changed = int(np.count_nonzero((before["amount_fen"] != after["amount_fen"])
                                   | (before["eligible"] != after["eligible"])))
    return CityWhatIf(rules_code, overrides, len(cases), base_total, new_total, new_total - base_total, changed,
                      "batch")
