"""Funding decision cases as data: YAML files under `cases/` that policy staff write, read by the
shared runner (`huanxin.rules.cases`, whose docstring shows a file); tests/projects run every case.

    defaults: {field: industry, construction: under_construction, …}   # merged into every input
    cases:
      - name: 固定资产投资恰为2000万元（不低于，含本数）
        on: 2025-03-01
        input: {fixed_asset_fen: 2000000000}
        expect:
          special_bond: {eligible: true, estimated_fen: 300000000}

`input` holds the JSON fields of docs/projects.md; `expect` names instruments (vocab.INSTRUMENTS),
each with any of `eligible`, `estimated_fen`, `reason` (words found in one reason), `source` (a
notice cited in the trace, e.g. 财金〔2024〕155号), `decided_on`; or `error_field` for bad input.
A case without `on` is decided on today's date: write `on` unless the case is about bad input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from huanxin.errors import InvalidInput
from huanxin.projects import vocab
from huanxin.projects.funding.decision import FundingDecision, InstrumentResult
from huanxin.projects.funding.engine import evaluate_project
from huanxin.projects.funding.facts import facts_from_dict
from huanxin.rules import cases as shared
from huanxin.rules.cases import DecisionCase

CASES_DIR = Path(__file__).with_name("cases")
RESULT_KEYS = ("eligible", "estimated_fen", "reason", "source", "decided_on")
FORMAT = shared.CaseFormat(expect_keys=frozenset(vocab.INSTRUMENTS))


def case_files(directory: Path = CASES_DIR) -> list[Path]:
    return shared.case_files(directory)


def load_case_file(file: Path) -> list[DecisionCase]:
    return shared.load_case_file(file, FORMAT)


def all_cases(directory: Path = CASES_DIR) -> list[DecisionCase]:
    return shared.all_cases(directory, FORMAT)


def check(case: DecisionCase) -> list[str]:
    """Differences between the decision and what the case expects (empty: the case holds)."""
    return shared.check_case(case, decide, compare)


def decide(case: DecisionCase) -> FundingDecision:
    facts = facts_from_dict(case.input)
    return evaluate_project(facts, _date(case.on, "on"), known_on=_date(case.known_on, "known_on"))


def compare(decision: FundingDecision, expect: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    for instrument, wanted in expect.items():
        if instrument == "error_field":
            continue
        if not isinstance(wanted, Mapping) or set(wanted) - set(RESULT_KEYS):
            problems.append(f"{instrument} 的期望应为含 {'、'.join(RESULT_KEYS)} 的映射，收到 {wanted!r}")
            continue
        problems += [f"{instrument}：{p}" for p in _compare_one(decision[instrument], wanted)]
    return problems


def _compare_one(result: InstrumentResult, wanted: Mapping[str, Any]) -> list[str]:
    got = {"eligible": result.eligible, "estimated_fen": result.estimated_fen,
           "decided_on": result.decided_on.isoformat()}
    expect = {**wanted, **({"decided_on": str(wanted["decided_on"])} if "decided_on" in wanted else {})}
    problems = shared.differences(got, expect, ("eligible", "estimated_fen", "decided_on"))
    problems += shared.reason_missing(result.reasons, wanted.get("reason"))
    source = wanted.get("source")
    if source is not None and not any(step.source and source in step.source for step in result.trace):
        problems.append(f"依据中没有“{source}”：{sorted({s.source for s in result.trace if s.source})}")
    return problems


def _date(value: Any, name: str) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"案例的 {name} 应为日期（YYYY-MM-DD），收到 {value!r}", field=name)
