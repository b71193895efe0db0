"""Decision cases as data, for every rules domain: YAML files that policy staff write, each case an
input and the decision it expects; a domain's test runs every case of every file.

    description: …                      # optional
    defaults: {field: industry}         # merged into every input
    cases:
      - name: 固定资产投资恰为2000万元，符合门槛
        on: 2025-03-01                  # decision date (optional)
        known_on: 2024-12-01            # only what had been announced by then (optional)
        input: {…}
        expect: {…}                     # the keys the domain's CaseFormat allows

A domain describes its files with a `CaseFormat` (the expectation keys, any further case or file
keys, and how an input is completed) and checks a case with `check_case`, giving the function that
decides it and the one that compares the decision with the expectation. `error_field` is common to
all: the input is bad, and deciding it raises InvalidInput naming this field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from huanxin.errors import InvalidInput

BASE_FILE_KEYS = ("defaults", "cases", "description")
BASE_CASE_KEYS = frozenset({"name", "input", "on", "known_on", "expect"})

Decided = TypeVar("Decided")


@dataclass(frozen=True)
class CaseFormat:
    expect_keys: frozenset[str]
    case_keys: frozenset[str] = frozenset()  # further keys of a case (e.g. `topup`), kept in `extra`
    file_keys: tuple[str, ...] = ()  # further keys of a file, each merged into every input (e.g. `programme`)
    complete: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # fills an input's implied fields


@dataclass(frozen=True)
class DecisionCase:
    file: str
    name: str
    input: dict[str, Any]
    expect: dict[str, Any]
    on: Any = None  # a date (YAML reads it as one); the domain's decide checks it
    known_on: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"

    @property
    def topup(self) -> dict[str, Any] | None:
        value = self.extra.get("topup")
        return value if isinstance(value, dict) else None


def case_files(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.yaml"))


def all_cases(directory: Path, fmt: CaseFormat) -> list[DecisionCase]:
    return [case for file in case_files(directory) for case in load_case_file(file, fmt)]


def load_case_file(file: Path, fmt: CaseFormat) -> list[DecisionCase]:
    where = file.name
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{where}：YAML 格式错误：{exc}", field=where) from exc
    file_keys = (*fmt.file_keys, *BASE_FILE_KEYS)
    if not isinstance(data, dict) or set(data) - set(file_keys) or not isinstance(data.get("cases"), list):
        optional = "、".join(k for k in file_keys if k != "cases")
        raise InvalidInput(f"{where}：应含 cases 列表（可选 {optional}）", field=where)
    defaults = {**{k: data[k] for k in fmt.file_keys if k in data}, **(data.get("defaults") or {})}
    return [_case(where, i, raw, defaults, fmt) for i, raw in enumerate(data["cases"], start=1)]


def _case(where: str, number: int, raw: Any, defaults: dict[str, Any], fmt: CaseFormat) -> DecisionCase:
    raw = _on_key(raw)
    allowed = BASE_CASE_KEYS | fmt.case_keys
    if not isinstance(raw, dict) or set(raw) - allowed or not {"name", "input", "expect"} <= set(raw):
        raise InvalidInput(f"{where} 第 {number} 个案例应含 name、input、expect", field="cases")
    if not isinstance(raw["input"], dict) or not isinstance(raw["expect"], dict):
        raise InvalidInput(f"{where}「{raw['name']}」的 input 与 expect 应为映射", field="cases")
    unknown = set(raw["expect"]) - fmt.expect_keys - {"error_field"}
    if unknown:
        names = ", ".join(sorted(unknown))
        raise InvalidInput(f"{where}「{raw['name']}」expect 含未知字段 {names}", field="expect")
    given = {**defaults, **raw["input"]}
    if fmt.complete is not None:
        given = fmt.complete(given)
    extra = {k: _on_key(raw[k]) for k in fmt.case_keys if k in raw}
    return DecisionCase(where, str(raw["name"]), given, dict(raw["expect"]), raw.get("on"), raw.get("known_on"), extra)


def _on_key(raw: Any) -> Any:
    """YAML 1.1 reads a bare `on:` key as true; give it its name back."""
    if isinstance(raw, dict) and True in raw:
        return {("on" if k is True else k): v for k, v in raw.items()}
    return raw


def check_case(
    case: DecisionCase,
    decide: Callable[[DecisionCase], Decided],
    compare: Callable[[Decided, Mapping[str, Any]], list[str]],
) -> list[str]:
    """Differences between the decision and what the case expects (empty: the case holds)."""
    expect = case.expect
    try:
        decision = decide(case)
    except InvalidInput as exc:
        if "error_field" in expect:
            if exc.field == expect["error_field"]:
                return []
            return [f"错误字段为 {exc.field}，应为 {expect['error_field']}"]
        return [f"意外的输入错误：{exc.message}（字段 {exc.field}）"]
    if "error_field" in expect:
        return [f"应报输入错误（字段 {expect['error_field']}），实际给出了决定"]
    return compare(decision, expect)


def differences(got: Mapping[str, Any], expect: Mapping[str, Any], names: tuple[str, ...]) -> list[str]:
    """`name 为 x，应为 y` for each named expectation the decision does not meet."""
    return [f"{name} 为 {got[name]}，应为 {expect[name]}"
            for name in names if name in expect and got[name] != expect[name]]


def reason_missing(reasons: list[str], wanted: str | None) -> list[str]:
    """The expected words are not in any reason."""
    if wanted is None or any(wanted in r for r in reasons):
        return []
    return [f"理由中没有“{wanted}”：{reasons}"]
