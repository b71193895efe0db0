"""Trade-in decision cases as data: YAML files under `cases/` that policy staff write (inputs and the
decision they expect), read and checked by the shared runner `huanxin.rules.cases`; the test suite
runs every case of every file.

    programme: appliance-2025          # default programme of the file's cases
    defaults: {region_code: "430500"}  # merged into every input
    cases:
      - name: 一级能效冰箱 5000 元，补贴 20%
        input: {category: refrigerator, price_fen: 500000, efficiency_grade: 1, invoice_date: 2025-03-01}
        expect: {eligible: true, amount_fen: 100000, by_source: {central: 90000, local: 10000}, reason: "20%"}

A missing `applied_on` defaults to the invoice date. Optional per case: `on` (decision date),
`known_on` (what had been announced), `topup: {paid_fen, on, expect_fen}`. Optional expectations:
`reason` (a substring of one reason), `quotas` (a list of {key, limit[, money_cap_fen]}),
`exclusive_keys`, `required_proofs`, `reserve_fen`, `error_field` (the input is bad: evaluation
raises InvalidInput naming this field).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from huanxin.rules import cases as shared
from huanxin.rules.cases import DecisionCase as DecisionCase
from huanxin.tradein.rules.engine import evaluate, topup_due
from huanxin.tradein.rules.model import Decision, case_from_dict

CASES_DIR = Path(__file__).with_name("cases")
EXPECT_KEYS = frozenset({"eligible", "amount_fen", "by_source", "reason", "quotas", "exclusive_keys",
                         "required_proofs", "reserve_fen", "error_field"})


def _applied_on_defaults_to_invoice_date(given: dict[str, Any]) -> dict[str, Any]:
    given.setdefault("applied_on", given.get("invoice_date"))
    return given


FORMAT = shared.CaseFormat(expect_keys=EXPECT_KEYS, case_keys=frozenset({"topup"}), file_keys=("programme",),
                           complete=_applied_on_defaults_to_invoice_date)


def case_files(directory: Path = CASES_DIR) -> list[Path]:
    return shared.case_files(directory)


def load_case_file(file: Path) -> list[DecisionCase]:
    return shared.load_case_file(file, FORMAT)


def all_cases(directory: Path = CASES_DIR) -> list[DecisionCase]:
    return shared.all_cases(directory, FORMAT)


def check(case: DecisionCase) -> list[str]:
    """Differences between the decision and what the case expects (empty: the case holds)."""
    return shared.check_case(case, _decide, lambda decision, expect: _compare(case, decision, expect))


def _decide(case: DecisionCase) -> Decision:
    return evaluate(case_from_dict(case.input), case.on, known_on=case.known_on)


def _compare(case: DecisionCase, decision: Decision, expect: Mapping[str, Any]) -> list[str]:
    got = {"eligible": decision.eligible, "amount_fen": decision.amount_fen, "reserve_fen": decision.reserve_fen}
    problems = shared.differences(got, expect, ("eligible", "amount_fen", "reserve_fen"))
    if "by_source" in expect and decision.by_source != expect["by_source"]:
        problems.append(f"by_source 为 {decision.by_source}，应为 {expect['by_source']}")
    problems += shared.reason_missing(decision.reasons, expect.get("reason"))
    for name in ("exclusive_keys", "required_proofs"):
        if name in expect and sorted(getattr(decision, name)) != sorted(expect[name]):
            problems.append(f"{name} 为 {getattr(decision, name)}，应为 {expect[name]}")
    if "quotas" in expect:
        quotas = [q.to_dict() for q in decision.quotas]
        for wanted in expect["quotas"]:
            if not any(all(q.get(k) == v for k, v in wanted.items()) for q in quotas):
                problems.append(f"名额要求中没有 {wanted}：{quotas}")
    topup = case.topup
    if topup:
        owed = topup_due(case_from_dict(case.input), topup["paid_fen"], topup["on"])
        if owed != topup["expect_fen"]:
            problems.append(f"补发差额为 {owed}，应为 {topup['expect_fen']}")
    return problems
