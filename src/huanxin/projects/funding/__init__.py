"""Funding rules for renewal projects, in the shared engine (`huanxin.rules`): dated parameters
citing their notice (`parameters/*.yaml`), small named rule functions per instrument
(`special_bond`, `central_budget`, `relending`, `interest_subsidy`), decision cases as YAML data
(`cases/*.yaml`). Entry points: `evaluate_project`, `facts_from_project`, `facts_from_dict`, and
the `huanxin projects evaluate` command (`lines`). See docs/projects.md, "资金规则"."""

from __future__ import annotations

from huanxin.projects.funding.decision import FundingDecision, InstrumentResult
from huanxin.projects.funding.engine import evaluate_project
from huanxin.projects.funding.facts import ProjectFacts, facts_from_dict, facts_from_project

__all__ = ["FundingDecision", "InstrumentResult", "ProjectFacts", "evaluate_project", "facts_from_dict",
           "facts_from_project"]
