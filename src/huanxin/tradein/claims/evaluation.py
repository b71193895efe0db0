"""The claim lifecycle's view of the rules engine: programme facts, categories, fund shares and
decisions. Everything the rules decide comes from `tradein.rules.engine`; nothing is re-decided here."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from huanxin.errors import InvalidInput
from huanxin.tradein.rules import engine as rules_engine
from huanxin.tradein.rules.model import ClaimCase, Decision, case_from_dict
from huanxin.tradein.rules.registry import default_rulebook


def programme_rules(rules_code: str) -> Any:
    return default_rulebook().programme(rules_code)


def categories(rules_code: str, on: dt.date) -> list[str]:
    rules = programme_rules(rules_code)
    return list(rules.categories_on(default_rulebook().parameters, on) or rules.categories)


def category_label(rules_code: str, category: str) -> str:
    return str(programme_rules(rules_code).label(category))


def check_category(rules_code: str, category: str, on: dt.date) -> str:
    value = (category or "").strip()
    allowed = categories(rules_code, on)
    if value not in allowed:
        names = "、".join(f"{c}（{category_label(rules_code, c)}）" for c in allowed)
        raise InvalidInput(f"品类“{value}”不在本活动补贴范围内，可选：{names}", field="category")
    return value


def case(data: dict[str, Any]) -> ClaimCase:
    return case_from_dict({k: v for k, v in data.items() if v is not None})


def evaluate(case_: ClaimCase, on: dt.date | None = None, *, known_on: dt.date | None = None) -> Decision:
    return rules_engine.evaluate(case_, on, known_on=known_on)


@cache
def earliest_rule_date() -> tuple[dt.date, str]:
    """The first date any rule of the parameter files applies to, and the notice that set it: no
    purchase before it can belong to any programme (today 2024-04-24, 商消费函〔2024〕75号)."""
    values = [v for p in default_rulebook().parameters.parameters.values() for v in p.values]
    first = min(values, key=lambda v: v.effective_from)
    return first.effective_from, first.source


def parameter_unit(path: str) -> str | None:
    """The unit of a rules parameter (fen, rate, count …), so that pages show its value in words."""
    parameters = default_rulebook().parameters
    return parameters.get(path).unit if path in parameters else None


def quota_keys(rules_code: str, category: str, on: dt.date) -> list[str]:
    """The per-person quota keys a claim of `category` decided on `on` counts against: the same
    keys the engine hands the claims service (e.g. appliance:air_conditioner:2025, car_replace:2025)."""
    rules = programme_rules(rules_code)
    return [q.key.format(category=category, year=on.year, programme=rules.code) for q in rules.quotas]


def qualification_reserve(rules_code: str, category: str, on: dt.date) -> int:
    return int(rules_engine.qualification_reserve(rules_code, category, on))


def qualification_quotas(rules_code: str, category: str, on: dt.date) -> list[Any]:
    """The per-person quotas a qualification holds: those of a purchase in its category on that day."""
    rules = programme_rules(rules_code)
    day = min(max(on, rules.starts_on), rules.ends_on)  # a purchase inside the rules' own period
    nominal = ClaimCase(programme=rules_code, category=category, price_fen=max(qualification_reserve(
        rules_code, category, on), 100) * 5, efficiency_grade=1, invoice_date=day, applied_on=day)
    decision = evaluate(nominal)
    return list(decision.quotas)


def fund_shares(rules_code: str, on: dt.date) -> dict[str, float]:
    found = default_rulebook().parameters.lookup(programme_rules(rules_code).funding, on)
    if found is None:
        raise InvalidInput(f"活动“{rules_code}”在 {on} 没有资金分担比例", field="programme")
    return {str(k): float(v) for k, v in dict(found.value).items()}
