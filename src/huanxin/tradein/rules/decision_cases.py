"""Decision cases as data: YAML files under `cases/` that policy staff write (inputs and the
decision they expect); the test suite runs every case of every file.

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

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from huanxin.errors import InvalidInput
from huanxin.tradein.rules.engine import evaluate, topup_due
from huanxin.tradein.rules.model import case_from_dict

CASES_DIR = Path(__file__).with_name("cases")
FILE_KEYS = {"programme", "defaults", "cases", "description"}
CASE_KEYS = {"name", "input", "on", "known_on", "expect", "topup"}
EXPECT_KEYS = {"eligible", "amount_fen", "by_source", "reason", "quotas", "exclusive_keys", "required_proofs",
               "reserve_fen", "error_field"}


@dataclass(frozen=True)
class DecisionCase:
    file: str
    name: str
    input: dict[str, Any]
    expect: dict[str, Any]
    on: dt.date | None = None
    known_on: dt.date | None = None
    topup: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"


def case_files(directory: Path = CASES_DIR) -> list[Path]:
    return sorted(directory.rglob("*.yaml"))


def load_case_file(file: Path) -> list[DecisionCase]:
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    where = file.name
    if not isinstance(data, dict) or set(data) - FILE_KEYS or not isinstance(data.get("cases"), list):
        raise InvalidInput(f"{where}：应含 cases 列表（可选 programme、defaults、description）", field=where)
    defaults = {**({"programme": data["programme"]} if "programme" in data else {}), **(data.get("defaults") or {})}
    out = []
    for i, raw in enumerate(data["cases"], start=1):
        raw = _on_key(raw)
        if isinstance(raw, dict) and isinstance(raw.get("topup"), dict):
            raw["topup"] = _on_key(raw["topup"])
        if not isinstance(raw, dict) or set(raw) - CASE_KEYS or not {"name", "input", "expect"} <= set(raw):
            raise InvalidInput(f"{where} 第 {i} 个案例应含 name、input、expect", field="cases")
        unknown = set(raw["expect"]) - EXPECT_KEYS
        if unknown:
            names = ", ".join(sorted(unknown))
            raise InvalidInput(f"{where}「{raw['name']}」expect 含未知字段 {names}", field="expect")
        given = {**defaults, **raw["input"]}
        given.setdefault("applied_on", given.get("invoice_date"))
        out.append(DecisionCase(where, str(raw["name"]), given, dict(raw["expect"]), raw.get("on"), raw.get("known_on"),
                                raw.get("topup")))
    return out


def _on_key(raw: Any) -> Any:
    """YAML 1.1 reads a bare `on:` key as true; give it its name back."""
    if isinstance(raw, dict) and True in raw:
        return {("on" if k is True else k): v for k, v in raw.items()}
    return raw


def all_cases(directory: Path = CASES_DIR) -> list[DecisionCase]:
    return [case for file in case_files(directory) for case in load_case_file(file)]


def check(case: DecisionCase) -> list[str]:
    """Differences between the decision and what the case expects (empty: the case holds)."""
    expect = case.expect
    try:
        decision = evaluate(case_from_dict(case.input), case.on, known_on=case.known_on)
    except InvalidInput as exc:
        if "error_field" in expect:
            if exc.field == expect["error_field"]:
                return []
            return [f"错误字段为 {exc.field}，应为 {expect['error_field']}"]
        return [f"意外的输入错误：{exc.message}（字段 {exc.field}）"]
    if "error_field" in expect:
        return [f"应报输入错误（字段 {expect['error_field']}），实际给出了决定"]
    problems = []
    for name in ("eligible", "amount_fen", "reserve_fen"):
        if name in expect and getattr(decision, name) != expect[name]:
            problems.append(f"{name} 为 {getattr(decision, name)}，应为 {expect[name]}")
    if "by_source" in expect and decision.by_source != expect["by_source"]:
        problems.append(f"by_source 为 {decision.by_source}，应为 {expect['by_source']}")
    if "reason" in expect and not any(expect["reason"] in r for r in decision.reasons):
        problems.append(f"理由中没有“{expect['reason']}”：{decision.reasons}")
    for name in ("exclusive_keys", "required_proofs"):
        if name in expect and sorted(getattr(decision, name)) != sorted(expect[name]):
            problems.append(f"{name} 为 {getattr(decision, name)}，应为 {expect[name]}")
    if "quotas" in expect:
        got = [q.to_dict() for q in decision.quotas]
        for wanted in expect["quotas"]:
            if not any(all(q.get(k) == v for k, v in wanted.items()) for q in got):
                problems.append(f"名额要求中没有 {wanted}：{got}")
    if case.topup:
        owed = topup_due(case_from_dict(case.input), case.topup["paid_fen"], case.topup["on"])
        if owed != case.topup["expect_fen"]:
            problems.append(f"补发差额为 {owed}，应为 {case.topup['expect_fen']}")
    return problems
