"""Funding rules for renewal projects: evaluate a project's facts against each instrument's named
rules and dated parameters.

    decision = evaluate_project(facts)              # the parameters in force today
    decision = evaluate_project(facts, on=date)     # … on another date
    decision["special_bond"].eligible, .estimated_fen, .reasons, .trace

Every instrument is assessed, asked for or not (`requested` says which the project asks for). A
project that does not qualify gets eligible=False with its reasons in Chinese; only bad facts raise
InvalidInput (facts_from_dict). The interest subsidy is judged by the notice in force on the loan's
disbursement date (before disbursement, on the decision date); the others on the decision date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from huanxin.kit.clock import today
from huanxin.projects import vocab
from huanxin.projects.funding import central_budget, interest_subsidy, relending, special_bond
from huanxin.projects.funding.context import Assessment, default_parameters
from huanxin.projects.funding.decision import FundingDecision, InstrumentResult
from huanxin.projects.funding.facts import ProjectFacts
from huanxin.rules.parameters import MissingParameter, ParameterSet

Assess = Callable[[Assessment], None]

# In vocab.INSTRUMENTS order; the interest subsidy reads the relending result, so it comes after it.
RULES: dict[str, tuple[Assess, str]] = {
    "special_bond": (special_bond.assess, special_bond.POLICY),
    "central_budget": (central_budget.assess, central_budget.POLICY),
    "relending": (relending.assess, relending.POLICY),
    "interest_subsidy": (interest_subsidy.assess, interest_subsidy.POLICY),
}
assert tuple(RULES) == tuple(vocab.INSTRUMENTS)


def evaluate_project(
    facts: ProjectFacts, on: dt.date | None = None, *, known_on: dt.date | None = None,
    parameters: ParameterSet | None = None,
) -> FundingDecision:
    """Decide every instrument for a project. `on` picks the parameter values (default: today);
    `known_on` restricts them to what had been announced by then (default: everything)."""
    decided = on or today()
    params = parameters or default_parameters()
    results: dict[str, InstrumentResult] = {}
    for instrument, (assess, policy) in RULES.items():
        date = decided
        if instrument == "interest_subsidy":
            date = interest_subsidy.regime_date(facts.loan_disbursed_on, decided)
        results[instrument] = assess_one(instrument, assess, policy, facts, params, date, known_on, results)
    return FundingDecision(decided, results, known_on)


def assess_one(
    instrument: str, assess: Assess, policy: str, facts: ProjectFacts, params: ParameterSet, on: dt.date,
    known_on: dt.date | None, earlier: dict[str, InstrumentResult],
) -> InstrumentResult:
    a = Assessment(instrument, facts, params, on, known_on, dict(earlier))
    if known_on is not None:
        a.step("known_on", f"仅采用 {known_on.isoformat()} 前已公布的政策", value=known_on.isoformat())
    try:
        assess(a)
    except MissingParameter as missing:
        # The path stays in the trace; the reason the enterprise reads has no codes.
        a.fail("rule_in_force", f"{missing.on.isoformat()} 尚无{policy}政策（或其条件尚未公布）", value=missing.path)
    return a.result()
