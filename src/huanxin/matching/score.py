"""The one matching score, explainable part by part (docs/matching.md has the table).

Hard constraints exclude a product, with the first reason that applies, in this order: its class does
not fit the demand's (taxonomy.fit is None); it may no longer be sold; its efficiency is below 准入 (the
mandatory standard's limit); it is below the level the demand requires, or states none when one is
required; a credential the demand requires is missing or expired on the day of the ranking.

Every other product gets the sum of these parts, each shown in Chinese with its points:
class fit (exact / parent / sibling), key parameter within the demand's range (or out of it, which
costs points: a wrong size is a poor match, not a forbidden one), text similarity (BM25, 0–1, times
its weight), efficiency level, local supplier (same county, else city, else province: weights a city
sets), each valid credential, price against the budget, delivery time against the need."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from huanxin.errors import InvalidInput
from huanxin.matching.records import CREDENTIALS, EFFICIENCY_LABELS, EFFICIENCY_RANK, Demand, Product
from huanxin.matching.taxonomy import EXACT, PARAMETERS, PARENT, Taxonomy

GRADE_NAMES = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五"}


@dataclass(frozen=True)
class Weights:
    """Points per part. A city may change any of them (local weights above all): from_mapping."""

    exact: float = 40
    parent: float = 30
    sibling: float = 10
    param_in: float = 25
    param_out: float = -30
    text: float = 20  # times the 0–1 similarity
    advanced: float = 15
    saving: float = 8
    county: float = 25
    city: float = 20
    province: float = 10
    credential: float = 5  # each valid one
    credential_cap: float = 10
    price_in: float = 10
    price_over: float = -15
    delivery_in: float = 5
    delivery_late: float = -10

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Weights:
        known = {item.name for item in fields(cls)}
        for key, value in data.items():
            if key not in known:
                raise InvalidInput(f"权重 {key} 不是已知的评分项（见 docs/matching.md）", field=key)
            if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > 1000:
                raise InvalidInput(f"权重 {key} 应为 -1000 到 1000 之间的数字", field=key)
        return cls(**{key: float(value) for key, value in data.items()})


Part = tuple[str, float]


@dataclass(frozen=True)
class Verdict:
    """A product against a demand: excluded with a reason, or scored with its parts."""

    product_id: str
    excluded: str | None
    parts: tuple[Part, ...] = ()

    @property
    def score(self) -> float:
        return sum(points for _, points in self.parts)

    def explanation(self) -> str:
        if self.excluded:
            return f"排除：{self.excluded}"
        return "，".join(f"{label} {points:+.0f}" for label, points in self.parts if round(points) != 0)


def exclusion(demand: Demand, product: Product, fit: str | None, taxonomy: Taxonomy, on: dt.date) -> str | None:
    """The first hard constraint the product breaks (module docstring), in Chinese; None if none."""
    if fit is None:
        return f"类别不符：{taxonomy.name(product.category)}不属于{taxonomy.name(demand.category)}"
    if not product.for_sale:
        return "该型号已不允许销售"
    level = product.efficiency_level
    if level == "below":
        return "能效低于准入水平"
    if demand.min_efficiency:
        wanted = EFFICIENCY_LABELS[demand.min_efficiency]
        if level is None:
            return f"未标明能效水平，需求要求{wanted}及以上"
        if EFFICIENCY_RANK[level] < EFFICIENCY_RANK[demand.min_efficiency]:
            return f"能效为{EFFICIENCY_LABELS[level]}，低于需求要求的{wanted}"
    for kind in demand.required_credentials:
        held = [item for item in product.credentials if item.kind == kind]
        if not held:
            return f"没有需求要求的{CREDENTIALS[kind]}认定"
        if not any(item.valid_on(on) for item in held):
            until = max(item.valid_until for item in held if item.valid_until is not None)
            return f"{CREDENTIALS[kind]}认定已于 {until.isoformat()} 到期"
    return None


def fit_part(fit: str, weights: Weights) -> Part:
    if fit == EXACT:
        return ("同类设备", weights.exact)
    if fit == PARENT:
        return ("所属大类相符", weights.parent)
    return ("同组可替代设备", weights.sibling)


def _number(value: float) -> str:
    return f"{value:g}"


def param_part(demand: Demand, product: Product, param: str | None, weights: Weights) -> Part | None:
    if param is None or param not in demand.params or param not in product.params:
        return None
    label, unit = PARAMETERS[param]
    low, high = demand.params[param]
    value = product.params[param]
    if low <= value <= high:
        return (f"{label}{_number(value)}{unit}符合需求", weights.param_in)
    return (f"{label}{_number(value)}{unit}不在需求的{_number(low)}–{_number(high)}{unit}内", weights.param_out)


def efficiency_part(product: Product, weights: Weights) -> Part | None:
    points = {"advanced": weights.advanced, "saving": weights.saving}.get(product.efficiency_level or "")
    if points is None:
        return None
    grade = product.efficiency_grade
    level = EFFICIENCY_LABELS[product.efficiency_level or ""]
    label = f"能效{GRADE_NAMES[grade]}级" if grade in GRADE_NAMES else f"能效{level}"
    return (label, points)


def local_part(demand: Demand, product: Product, weights: Weights) -> Part | None:
    """Same county, else same city, else same province (GB/T 2260: 2 + 2 + 2 digits)."""
    want, have = demand.region, product.region
    if not want.endswith("00") and want == have:
        return ("本县（区）企业", weights.county)
    if want[2:4] != "00" and want[:4] == have[:4]:
        return ("本市企业", weights.city)
    if want[:2] == have[:2]:
        return ("本省企业", weights.province)
    return None


def credential_part(product: Product, on: dt.date, weights: Weights) -> Part | None:
    if not product.credentials:
        return None
    valid = [kind for kind in CREDENTIALS if any(c.kind == kind and c.valid_on(on) for c in product.credentials)]
    if not valid:
        return None
    points = min(weights.credential * len(valid), weights.credential_cap)
    return ("、".join(CREDENTIALS[kind] for kind in valid), points)


def price_part(demand: Demand, product: Product, weights: Weights) -> Part | None:
    """Within budget when the lowest price asked is not above the budget."""
    price = product.price_min_fen if product.price_min_fen is not None else product.price_max_fen
    if demand.budget_fen is None or price is None:
        return None
    if price <= demand.budget_fen:
        return ("价格在预算内", weights.price_in)
    return ("价格超出预算", weights.price_over)


def delivery_part(demand: Demand, product: Product, weights: Weights) -> Part | None:
    if demand.needed_within_days is None or product.delivery_days is None:
        return None
    if product.delivery_days <= demand.needed_within_days:
        return ("交货期满足", weights.delivery_in)
    return (f"交货期{product.delivery_days}天，晚于要求", weights.delivery_late)


def verdict(demand: Demand, product: Product, similarity: float, taxonomy: Taxonomy, weights: Weights,
            on: dt.date) -> Verdict:
    """The reference score of one product for one demand; rank.py computes the same in bulk."""
    fit = taxonomy.fit(demand.category, product.category)
    reason = exclusion(demand, product, fit, taxonomy, on)
    if reason is not None or fit is None:
        return Verdict(product.id, reason)
    param = taxonomy.param_of(demand.category)
    parts = [fit_part(fit, weights),
             param_part(demand, product, param, weights),
             local_part(demand, product, weights),
             efficiency_part(product, weights),
             ("文本相似", weights.text * similarity) if similarity > 0 else None,
             credential_part(product, on, weights),
             price_part(demand, product, weights),
             delivery_part(demand, product, weights)]
    return Verdict(product.id, None, tuple(part for part in parts if part is not None))
