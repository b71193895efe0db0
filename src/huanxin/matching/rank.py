"""Ranking in bulk: the score of score.py computed with NumPy over a catalogue indexed by class, so
that 10,000 demands against 100,000 products take seconds (bench/matching.py).

A Catalogue holds the products as columns (class, region parts, efficiency rank, key parameter,
prices, delivery, credential end dates) and the BM25 postings. For one demand only the products of
the classes that fit it are scored; the hard constraints are masks; the best `top` are then
re-scored one by one with score.verdict, which gives each its Chinese breakdown — so the shown
numbers always come from the reference score."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from huanxin.matching import text
from huanxin.matching.records import CREDENTIALS, EFFICIENCY_RANK, Demand, Product
from huanxin.matching.score import Verdict, Weights, verdict
from huanxin.matching.taxonomy import EXACT, PARENT, Taxonomy
from huanxin.matching.taxonomy import load as load_taxonomy

Floats = npt.NDArray[np.floating[Any]]  # float64 columns, float32 score matrices
Ints = npt.NDArray[np.int64]
NO_DATE = -1  # credential not held
FOREVER = 10**7  # credential without end date (an ordinal far beyond any day)


@dataclass
class Ranked:
    demand_id: str
    matches: list[Verdict]
    excluded: int  # products of fitting classes removed by a hard constraint
    candidates: int  # products of fitting classes


def _region_columns(products: Sequence[Product]) -> tuple[Ints, Ints, Ints]:
    codes = np.array([int(p.region) for p in products], dtype=np.int64)
    return codes, codes // 100, codes // 10000


@dataclass
class Catalogue:
    products: list[Product]
    taxonomy: Taxonomy
    index: text.TextIndex = field(init=False)
    by_class: dict[str, Ints] = field(init=False)

    def __post_init__(self) -> None:
        products, taxonomy = self.products, self.taxonomy
        text.prepare(taxonomy.words())
        self.index = text.TextIndex.build([text.tokens(f"{p.name} {p.spec}") for p in products])
        classes: dict[str, list[int]] = {}
        for position, product in enumerate(products):
            classes.setdefault(product.category, []).append(position)
        self.by_class = {key: np.array(rows, dtype=np.int64) for key, rows in classes.items()}
        self.county, self.city, self.province = _region_columns(products)
        self.for_sale = np.array([p.for_sale for p in products], dtype=bool)
        self.level = np.array([EFFICIENCY_RANK.get(p.efficiency_level or "", -1) for p in products], dtype=np.int64)
        self.grade_known = np.array([p.efficiency_grade is not None for p in products], dtype=bool)
        self.param = np.array([p.params.get(taxonomy.param_of(p.category) or "", np.nan) for p in products])
        self.price = np.array([np.nan if (v := p.price_min_fen if p.price_min_fen is not None else p.price_max_fen)
                               is None else float(v) for p in products])
        self.delivery = np.array([np.nan if p.delivery_days is None else float(p.delivery_days) for p in products])
        self.until = {kind: self._until(kind) for kind in CREDENTIALS}
        self._fits: dict[str, tuple[Ints, Floats]] = {}

    def _until(self, kind: str) -> Ints:
        """Per product the last day (ordinal) its credential of `kind` is valid; NO_DATE if none."""
        def last(product: Product) -> int:
            days = [FOREVER if c.valid_until is None else c.valid_until.toordinal()
                    for c in product.credentials if c.kind == kind]
            return max(days) if days else NO_DATE
        return np.array([last(p) for p in self.products], dtype=np.int64)

    def fitting(self, category: str, weights: Weights) -> tuple[Ints, Floats]:
        """The products whose class fits `category`, and their class-fit points."""
        key = f"{category}:{weights.exact}:{weights.parent}:{weights.sibling}"
        if key not in self._fits:
            rows, points = [], []
            for klass, fit in self.taxonomy.compatible(category).items():
                if klass in self.by_class:
                    rows.append(self.by_class[klass])
                    value = weights.exact if fit == EXACT else weights.parent if fit == PARENT else weights.sibling
                    points.append(np.full(len(self.by_class[klass]), float(value)))
            self._fits[key] = ((np.concatenate(rows), np.concatenate(points)) if rows
                               else (np.zeros(0, dtype=np.int64), np.zeros(0)))
        return self._fits[key]


@dataclass
class View:
    """The products whose class fits one demand category, with the columns the score reads gathered
    once (and the parts that do not depend on the demand summed): demands of a category share it."""

    rows: Ints
    base: Floats  # class fit + efficiency + valid credentials
    allowed: npt.NDArray[np.bool_]  # may be sold and not below 准入
    level: Ints
    param: Floats
    regions: Ints  # the distinct supplier regions of these products …
    region_of: Ints  # … and which one each product is in
    price: Floats
    delivery: Floats


def _view(cat: Catalogue, category: str, w: Weights, day: int) -> View:
    rows, fit = cat.fitting(category, w)
    level = cat.level[rows]
    efficiency = np.where(level == EFFICIENCY_RANK["advanced"], w.advanced,
                          np.where(level == EFFICIENCY_RANK["saving"], w.saving, 0.0))
    held = sum((cat.until[kind][rows] >= day).astype(np.float64) for kind in CREDENTIALS)
    credentials = np.minimum(np.asarray(held, dtype=np.float64) * w.credential, w.credential_cap)
    regions, region_of = np.unique(cat.county[rows], return_inverse=True)
    allowed = cat.for_sale[rows] & (level != EFFICIENCY_RANK["below"])
    return View(rows, (fit + efficiency + credentials).astype(np.float32), allowed, level, cat.param[rows],
                regions, region_of.reshape(-1), cat.price[rows], cat.delivery[rows])


def _column(values: Sequence[float | None]) -> Floats:
    return np.array([np.nan if value is None else float(value) for value in values])[:, None]


def _allowed(cat: Catalogue, view: View, chunk: Sequence[Demand], day: int) -> npt.NDArray[np.bool_]:
    wanted = np.array([EFFICIENCY_RANK[d.min_efficiency] if d.min_efficiency else -1 for d in chunk])
    # A required level also refuses products that state none (−1), hence −2 when none is required.
    floor = np.where(wanted < 0, -2, wanted)[:, None]
    ok: npt.NDArray[np.bool_] = view.allowed[None, :] & (view.level[None, :] >= floor)
    for i, demand in enumerate(chunk):
        for kind in demand.required_credentials:
            ok[i] &= cat.until[kind][view.rows] >= day
    return ok


def _local(view: View, chunk: Sequence[Demand], w: Weights) -> Floats:
    """Local-supplier points per demand and product, computed on the few distinct regions."""
    region = np.array([int(d.region) for d in chunk])[:, None]
    county = ~np.array([d.region.endswith("00") for d in chunk])[:, None]
    city = np.array([d.region[2:4] != "00" for d in chunk])[:, None]
    table = np.where(county & (view.regions[None, :] == region), w.county,
                     np.where(city & (view.regions[None, :] // 100 == region // 100), w.city,
                              np.where(view.regions[None, :] // 10000 == region // 10000, w.province, 0.0)))
    local: Floats = table.astype(np.float32)[:, view.region_of]
    return local


def _threshold(values: Floats, limits: Sequence[float | None], good: float, bad: float) -> Floats | float:
    """good where the product's value is within the demand's limit, bad above it, 0 when either is
    unknown (a demand without a budget, a product without a price)."""
    if all(limit is None for limit in limits):
        return 0.0
    column = _column(limits)
    points = np.where(values[None, :] <= column, good, bad).astype(np.float32)
    points[:, np.isnan(values)] = 0.0
    points[np.isnan(column[:, 0]), :] = 0.0
    return points


def _points(cat: Catalogue, view: View, chunk: Sequence[Demand], w: Weights) -> Floats:
    total = view.base[None, :] + _local(view, chunk, w)
    param = cat.taxonomy.param_of(chunk[0].category)
    if param is not None and any(param in d.params for d in chunk):
        low = _column([d.params[param][0] if param in d.params else None for d in chunk])
        high = _column([d.params[param][1] if param in d.params else None for d in chunk])
        inside = (view.param[None, :] >= low) & (view.param[None, :] <= high)  # NaN compares False
        points = np.where(inside, w.param_in, w.param_out).astype(np.float32)
        points[:, np.isnan(view.param)] = 0.0
        points[np.isnan(low[:, 0]), :] = 0.0
        total += points
    total += _threshold(view.price, [d.budget_fen for d in chunk], w.price_in, w.price_over)
    total += _threshold(view.delivery, [d.needed_within_days for d in chunk], w.delivery_in, w.delivery_late)
    return total


CHUNK = 64  # demands scored together: a 64 × (products of the class) matrix stays in cache


def _rank_chunk(cat: Catalogue, view: View, chunk: Sequence[Demand], top: int, weights: Weights,
                on: dt.date) -> list[Ranked]:
    if len(view.rows) == 0:
        return [Ranked(demand.id, [], 0, 0) for demand in chunk]
    ok = _allowed(cat, view, chunk, on.toordinal())
    similarity = [cat.index.similarity_all(text.tokens(f"{d.name} {d.spec}")) for d in chunk]
    texts = np.stack([s[view.rows] for s in similarity])
    total = _points(cat, view, chunk, weights) + np.float32(weights.text) * texts
    total[~ok] = -np.inf
    kept = ok.sum(axis=1)
    count = len(view.rows)
    if count > top:
        best_all = np.argpartition(-total, top, axis=1)[:, :top]
    else:
        best_all = np.tile(np.arange(count), (len(chunk), 1))
    found = []
    for i, demand in enumerate(chunk):
        best = best_all[i]
        # Ties go to the earlier product in the catalogue, so a run is reproducible.
        best = best[np.lexsort((view.rows[best], -total[i, best]))][:min(top, int(kept[i]))]
        matches = [verdict(demand, cat.products[int(row)], float(similarity[i][row]), cat.taxonomy, weights, on)
                   for row in view.rows[best]]
        found.append(Ranked(demand.id, matches, excluded=count - int(kept[i]), candidates=count))
    return found


def rank(demands: Sequence[Demand], products: Sequence[Product] | Catalogue, top: int = 10,
         weights: Weights | None = None, on: dt.date | None = None) -> list[Ranked]:
    """Per demand (in the order given) its best `top` products with their breakdown; `on` is the day
    credentials are checked against (today in Asia/Shanghai by default)."""
    if on is None:
        from huanxin.kit.clock import today

        on = today()
    weights = weights or Weights()
    cat = products if isinstance(products, Catalogue) else Catalogue(list(products), load_taxonomy())
    by_category: dict[str, list[int]] = {}
    for position, demand in enumerate(demands):
        by_category.setdefault(demand.category, []).append(position)
    found: dict[int, Ranked] = {}
    for category, positions in by_category.items():
        view = _view(cat, category, weights, on.toordinal())
        for start in range(0, len(positions), CHUNK):
            part = positions[start:start + CHUNK]
            for position, ranked in zip(part, _rank_chunk(cat, view, [demands[p] for p in part], top, weights, on),
                                        strict=True):
                found[position] = ranked
    return [found[position] for position in range(len(demands))]


def explain(cat: Catalogue, demand: Demand, product_id: str, weights: Weights | None = None,
            on: dt.date | None = None) -> Verdict:
    """One product's verdict for one demand, excluded or not: what a buyer asks about a missing one."""
    from huanxin.errors import NotFound
    from huanxin.kit.clock import today

    on = on or today()
    position = next((i for i, p in enumerate(cat.products) if p.id == product_id), None)
    if position is None:
        raise NotFound(f"没有编号为 {product_id} 的产品")
    similarity = cat.index.similarity_all(text.tokens(f"{demand.name} {demand.spec}"))
    return verdict(demand, cat.products[position], float(similarity[position]), cat.taxonomy,
                   weights or Weights(), on)
