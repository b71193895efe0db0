"""Supply–demand matching: quality on a labelled set, beside a text baseline, then speed at scale.

The labelled set (built here, seeded): 24 equipment classes of the taxonomy, each with five sizes
on a ladder whose steps exceed the 20 % a single written size allows. Per class and size, products
written as suppliers write them: four that fit (a local one, its cheaper twin from another province,
a 专精特新 one from elsewhere in the province, a 首台(套) one), and the near-misses of issue 18 — the
next size up, an 准入-level and a below-准入 model, one no longer for sale, one whose 首台(套) has
expired, and one of another class written with the same words (电机控制器 for 电动机). Demands are
written as enterprises write them: the class or only its group (电动机, 叉车), the size in the
parameters, in the text (55千瓦) or in a designation (CPD30 = 3 t), some requiring 节能水平 or a
首台(套) credential, a budget above the local price.

Relevance is the hand-set truth (`relevant`): the product's class is the demand's or lies under it,
its size is in the demand's range, it may be sold, its level is at least 准入 and the one required,
a required credential is valid. A violator (`violates`) breaks a hard constraint: another class (not
even a sibling), not for sale, below 准入 or the required level, a required credential missing or
expired. The baseline ranks the products of the demand's class (and the classes under it) by BM25 text
similarity alone. Printed for both: precision@5 (over min(5, relevant)), recall@10, nDCG@10, the share of
demands with a violator in the top 10, and the local-first rate (pairs that fit equally — same class,
size, level, credentials, both within budget — where the one from the demand's city ranks above the
one from another province).

Then the timing: 10,000 demands against 100,000 products drawn from the same templates (catalogue
build = jieba tokens + BM25 index, then ranking the top 10 of each demand, breakdowns included).

    python bench/matching.py              # labelled set, then 10,000 × 100,000
    python bench/matching.py --quick      # labelled set, then 1,000 × 10,000
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402

from huanxin.matching import text  # noqa: E402
from huanxin.matching.rank import Catalogue, rank  # noqa: E402
from huanxin.matching.records import EFFICIENCY_RANK, Credential, Demand, Product  # noqa: E402
from huanxin.matching.taxonomy import Taxonomy, load  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from matching_sheets import SHEETS, Sheet  # noqa: E402  (the hand-written class sheets)

ON = dt.date(2026, 12, 1)
HOMES = ["512002", "512021", "510402", "510411", "430502", "430582", "140302"]  # buyers' counties
OTHER_PROVINCE = ["440304", "320505", "330106"]  # 深圳福田, 苏州姑苏, 杭州西湖: non-local suppliers


def fmt(value: float) -> str:
    return f"{value:g}"


def written(template: str, value: float) -> str:
    return template.replace("{v}", fmt(value)).replace("{d}", str(int(round(value * 10))))


def param_of(taxonomy: Taxonomy, key: str) -> str:
    param = taxonomy.param_of(key)
    assert param is not None
    return param


PROVINCE_MATE = {"51": "510104", "43": "430102", "14": "140105"}  # 成都锦江, 长沙芙蓉, 太原小店
ROLES_FIT = ("local", "twin", "province", "firstset")


@dataclass
class Labelled:
    demands: list[Demand]
    products: list[Product]
    size: dict[str, float]  # hand-set size of each product
    wanted: dict[str, tuple[float, float]]  # hand-set size range of each demand


def _product(key: str, name: str, region: str, level: str | None, price: int, *, pid: str,
             credentials: tuple[Credential, ...] = (), for_sale: bool = True) -> Product:
    grade = {"advanced": 1, "saving": 2, "entry": 3}.get(level or "")
    return Product(id=pid, category=key, name=name, region=region, efficiency_level=level, efficiency_grade=grade,
                   price_min_fen=price, delivery_days=30, credentials=credentials, for_sale=for_sale)


def _slot_products(sheet: Sheet, i: int, v: float, home: str, other: str, price: int) -> list[tuple[Product, float]]:
    eff = sheet.efficiency
    level = "saving" if eff else None
    pid = f"{sheet.key}-{i}"
    mate = PROVINCE_MATE[home[:2]]
    bigger = sheet.sizes[i + 1] if i + 1 < len(sheet.sizes) else v * 1.5
    made = [
        (_product(sheet.key, written(sheet.products[0], v), home, level, price, pid=f"{pid}-local"), v),
        (_product(sheet.key, written(sheet.products[0], v), other, level, int(price * 0.85), pid=f"{pid}-twin"), v),
        (_product(sheet.key, written(sheet.products[1], v), mate, "advanced" if eff else None, int(price * 1.05),
                  pid=f"{pid}-province", credentials=(Credential("specialised", dt.date(2027, 12, 31)),)), v),
        (_product(sheet.key, written(sheet.products[2], v), other, level, int(price * 1.1), pid=f"{pid}-firstset",
                  credentials=(Credential("first_set", dt.date(2028, 6, 30)),)), v),
        (_product(sheet.key, written(sheet.products[0], bigger), home, level, price, pid=f"{pid}-bigger"), bigger),
        (_product(sheet.key, written(sheet.products[2], v), home, level, price, pid=f"{pid}-withdrawn",
                  for_sale=False), v),
        (_product(sheet.key, written(sheet.products[2], v), other, level, price, pid=f"{pid}-expired",
                  credentials=(Credential("first_set", dt.date(2025, 12, 31)),)), v),
        (_product(sheet.near[0], written(sheet.near[1], v), home, level, price, pid=f"{pid}-near"), v),
    ]
    if eff:
        made += [(_product(sheet.key, written(sheet.products[1], v), home, "entry", int(price * 0.9),
                           pid=f"{pid}-entry"), v),
                 (_product(sheet.key, written(sheet.products[0], v), home, "below", int(price * 0.7),
                           pid=f"{pid}-below"), v)]
    return made


def _slot_demands(sheet: Sheet, taxonomy: Taxonomy, i: int, v: float, home: str, budget: int
                  ) -> list[tuple[Demand, tuple[float, float]]]:
    param = param_of(taxonomy, sheet.key)
    group = taxonomy.nodes[sheet.key].parent or sheet.key
    single = (v, v * 1.2)  # what a single written size means (matching.params.SINGLE_SIZE_SPAN)
    eff = "saving" if sheet.efficiency and i % 2 == 0 else None
    second = written(sheet.designation, v) + " " + sheet.plain if sheet.designation else written(sheet.demands[1], v)
    base = f"{sheet.key}-{i}"
    return [
        (Demand(id=f"{base}-a", category=sheet.key, name=written(sheet.demands[0], v), region=home,
                budget_fen=budget), single),
        (Demand(id=f"{base}-b", category=group, name=sheet.plain, region=home, budget_fen=budget,
                params={param: (v * 0.95, v * 1.15)}, min_efficiency=eff), (v * 0.95, v * 1.15)),
        (Demand(id=f"{base}-c", category=sheet.key, name=second, region=home, budget_fen=budget,
                min_efficiency=None if eff else ("saving" if sheet.efficiency else None),
                required_credentials=("first_set",) if i % 2 else ()), single),
    ]


def labelled(taxonomy: Taxonomy) -> Labelled:
    from huanxin.matching import params

    data = Labelled([], [], {}, {})
    for number, sheet in enumerate(SHEETS):
        for i, v in enumerate(sheet.sizes):
            home = HOMES[(number + i) % len(HOMES)]
            other = OTHER_PROVINCE[(number + i) % len(OTHER_PROVINCE)]
            price = 50_000_00 * (i + 1) * (1 + number % 4)
            for product, size in _slot_products(sheet, i, v, home, other, price):
                param = taxonomy.param_of(product.category)
                found = params.parse(product.name, param) if param else None  # as the import would
                data.products.append(replace(product, params={param: found} if param and found else {}))
                data.size[product.id] = size
            for demand, wanted in _slot_demands(sheet, taxonomy, i, v, home, int(price * 1.2)):
                param = param_of(taxonomy, demand.category) if taxonomy.param_of(demand.category) else None
                if param and param not in demand.params and (found := params.parse(demand.name, param)):
                    demand = replace(demand, params={param: params.as_range(found)})
                data.demands.append(demand)
                data.wanted[demand.id] = wanted
    return data


def _level_ok(demand: Demand, product: Product) -> bool:
    level = product.efficiency_level
    if level == "below":
        return False
    if demand.min_efficiency:
        return level is not None and EFFICIENCY_RANK[level] >= EFFICIENCY_RANK[demand.min_efficiency]
    return True


def _credentials_ok(demand: Demand, product: Product) -> bool:
    return all(any(c.kind == kind and c.valid_on(ON) for c in product.credentials)
               for kind in demand.required_credentials)


def relevant(data: Labelled, taxonomy: Taxonomy, demand: Demand, product: Product) -> bool:
    under = product.category == demand.category or demand.category in taxonomy.ancestors(product.category)
    low, high = data.wanted[demand.id]
    return (under and low <= data.size[product.id] <= high + 1e-9 and product.for_sale
            and _level_ok(demand, product) and _credentials_ok(demand, product))


def violates(taxonomy: Taxonomy, demand: Demand, product: Product) -> bool:
    d, p = demand.category, product.category
    related = d == p or d in taxonomy.ancestors(p) or p in taxonomy.ancestors(d) or (
        taxonomy.nodes[d].parent == taxonomy.nodes[p].parent and taxonomy.nodes[d].level == 3)
    return not related or not product.for_sale or not _level_ok(demand, product) or not _credentials_ok(demand, product)


@dataclass
class Figures:
    precision5: float
    recall10: float
    ndcg10: float
    violated: float  # share of demands with a violator in the top 10
    local_first: float
    pairs: int


def baseline(cat: Catalogue, demand: Demand, top: int) -> list[str]:
    """Category filter (the demand's class and the classes under it) and BM25 similarity alone."""
    taxonomy = cat.taxonomy
    rows = np.concatenate([cat.by_class[key] for key in cat.by_class
                           if key == demand.category or demand.category in taxonomy.ancestors(key)])
    similarity = cat.index.similarity_all(text.tokens(f"{demand.name} {demand.spec}"))[rows]
    order = np.lexsort((rows, -similarity))[:top]
    return [cat.products[int(row)].id for row in rows[order]]


def _pairs(data: Labelled, demand: Demand, fitting: list[Product]) -> list[tuple[str, str]]:
    """(local, non-local) pairs that fit equally well (module docstring)."""
    def key(p: Product) -> tuple[object, ...]:
        return (p.category, data.size[p.id], p.efficiency_level,
                tuple(sorted(c.kind for c in p.credentials if c.valid_on(ON))))
    within = [p for p in fitting if demand.budget_fen is None or (p.price_min_fen or 0) <= demand.budget_fen]
    local = [p for p in within if p.region[:4] == demand.region[:4]]
    far = [p for p in within if p.region[:2] != demand.region[:2]]
    return [(a.id, b.id) for a in local for b in far if key(a) == key(b)]


def measure(data: Labelled, taxonomy: Taxonomy, ranked: dict[str, list[str]]) -> Figures:
    by_id = {p.id: p for p in data.products}
    p5 = r10 = nd = bad = 0.0
    good_pairs = pairs = 0
    for demand in data.demands:
        fitting = [p for p in data.products if relevant(data, taxonomy, demand, p)]
        wanted = {p.id for p in fitting}
        got = ranked[demand.id][:10]
        hits = [pid in wanted for pid in got]
        p5 += sum(hits[:5]) / max(1, min(5, len(wanted)))
        r10 += sum(hits) / max(1, len(wanted))
        ideal = sum(1 / math.log2(k + 2) for k in range(min(10, len(wanted))))
        nd += sum(1 / math.log2(k + 2) for k, hit in enumerate(hits) if hit) / ideal if ideal else 1.0
        bad += any(violates(taxonomy, demand, by_id[pid]) for pid in got)
        place = {pid: k for k, pid in enumerate(got)}
        for local, far in _pairs(data, demand, fitting):
            if local in place or far in place:
                pairs += 1
                good_pairs += place.get(local, 99) < place.get(far, 99)
    n = len(data.demands)
    return Figures(p5 / n, r10 / n, nd / n, bad / n, good_pairs / pairs if pairs else 1.0, pairs)


def quality() -> None:
    taxonomy = load()
    data = labelled(taxonomy)
    started = time.perf_counter()
    cat = Catalogue(data.products, taxonomy)
    engine = {r.demand_id: [m.product_id for m in r.matches] for r in rank(data.demands, cat, top=10, on=ON)}
    spent = time.perf_counter() - started
    plain = {d.id: baseline(cat, d, 10) for d in data.demands}
    classes = {d.category for d in data.demands if taxonomy.nodes[d.category].level == 3}
    print(f"labelled set: {len(data.demands)} demands ({len(classes)} classes, "
          f"{sum(taxonomy.nodes[d.category].level < 3 for d in data.demands)} written at group level), "
          f"{len(data.products)} products; engine {spent:.2f} s")
    print(f"{'':10} {'P@5':>6} {'R@10':>6} {'nDCG@10':>8} {'violator@10':>12} {'local-first':>12}")
    for name, ranked in (("baseline", plain), ("engine", engine)):
        f = measure(data, taxonomy, ranked)
        print(f"{name:10} {f.precision5:6.3f} {f.recall10:6.3f} {f.ndcg10:8.3f} {f.violated:11.1%} "
              f"{f.local_first:11.1%} ({f.pairs} pairs)")


PHRASES = ["防护等级IP55", "质保三年", "节能认证", "含安装调试", "远程运维", "国产化率90%", "低噪声", "智能监控",
           "免费培训", "一年包换", "源头工厂", "现货供应", "支持定制", "整机出口", "物联网接口", "省级示范产品"]


def synthetic(taxonomy: Taxonomy, products: int, demands: int, seed: int = 7) -> tuple[list[Demand], list[Product]]:
    """Catalogue and demands at scale, from the same sheets, with a unique model number each."""
    rng = random.Random(seed)
    regions = HOMES + OTHER_PROVINCE + list(PROVINCE_MATE.values())
    levels = ["advanced", "saving", "saving", "entry", "below", None]
    made: list[Product] = []
    for n in range(products):
        sheet = rng.choice(SHEETS)
        v = rng.choice(sheet.sizes)
        param = param_of(taxonomy, sheet.key)
        credentials = tuple(Credential(kind, ON + dt.timedelta(days=rng.randint(-400, 900)))
                            for kind in ("first_set", "specialised", "green") if rng.random() < 0.1)
        made.append(Product(
            id=f"S{n}", category=sheet.key, region=rng.choice(regions),
            name=f"{written(rng.choice(sheet.products), v)} 型号HX-{rng.randint(10000, 99999)}",
            spec=" ".join(rng.sample(PHRASES, 3)), params={param: v},
            efficiency_level=rng.choice(levels) if sheet.efficiency else None,
            price_min_fen=rng.randint(1, 50) * 100_000_00, delivery_days=rng.randint(7, 90),
            credentials=credentials, for_sale=rng.random() > 0.02))
    wanted: list[Demand] = []
    for n in range(demands):
        sheet = rng.choice(SHEETS)
        v = rng.choice(sheet.sizes)
        wanted.append(Demand(
            id=f"Q{n}", category=sheet.key if rng.random() < 0.7 else (taxonomy.nodes[sheet.key].parent or ""),
            name=written(rng.choice(sheet.demands), v), region=rng.choice(HOMES),
            params={param_of(taxonomy, sheet.key): (v, v * 1.2)}, budget_fen=rng.randint(5, 60) * 100_000_00,
            min_efficiency="saving" if sheet.efficiency and rng.random() < 0.4 else None,
            required_credentials=("first_set",) if rng.random() < 0.05 else (), needed_within_days=60))
    return wanted, made


def timing(products: int, demands: int) -> None:
    taxonomy = load()
    wanted, made = synthetic(taxonomy, products, demands)
    started = time.perf_counter()
    text.prepare(taxonomy.words())
    loaded = time.perf_counter()
    cat = Catalogue(made, taxonomy)
    built = time.perf_counter()
    results = rank(wanted, cat, top=10, on=ON)
    done = time.perf_counter()
    shown = sum(len(r.matches) for r in results)
    print(f"timing: {demands:,} demands × {products:,} products: jieba load {loaded - started:.1f} s, "
          f"catalogue (tokens + BM25) {built - loaded:.1f} s, ranking {done - built:.1f} s "
          f"({(done - built) / demands * 1000:.2f} ms a demand, {shown:,} breakdowns), "
          f"total {done - started:.1f} s")
    # The worst case for the catalogue build: texts whose Chinese phrases never repeat (no cache hit).
    jieba = text._jieba(())
    sample = [f"{p.name} {p.spec}" for p in made[:2000]]
    tick = time.perf_counter()
    for line in sample:
        list(jieba.cut_for_search(line, HMM=False))  # type: ignore[attr-defined]
    each = (time.perf_counter() - tick) / len(sample)
    print(f"jieba without the phrase cache: {each * 1000:.3f} ms a product "
          f"(≈ {each * products:.0f} s for {products:,} products of unique text)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 × 10,000 for the timing")
    parser.add_argument("--no-timing", action="store_true")
    args = parser.parse_args()
    quality()
    if not args.no_timing:
        timing(10_000 if args.quick else 100_000, 1_000 if args.quick else 10_000)


if __name__ == "__main__":
    main()
