"""The stored supply catalogue at scale (issue 18): 100,000 products in the database of one city,
10,000 of its projects' demand items ranked through the catalogue's own code path.

bench/matching.py times the engine on records made in memory; this one starts from the tables. The
data (SQLite in bench/out/, rebuilt on each run): 资阳 from bootstrap, its project library from the
projects demo (enough projects for 10,000 new-equipment lines of a class the taxonomy ranks), and
100,000 supply products of its enterprises written from the hand-written sheets (matching.sheets),
each with its own model number, bulk inserted. Then, each timed:

1. `matches.city_catalogue` cold: the 100,000 rows read, turned into records and indexed (jieba + BM25);
   then warm (the cache's stamp query only), which is what every later request pays;
2. the 10,000 demand items read with their projects, made demands by `matches.demand_of` and ranked
   by `engine.rank` with the city's weights (`weights.for_city`) and the page's TOP — the calls
   `matches.for_demand` makes, for all items at once;
3. `matches.for_demand` itself, one request's work, for a sample of items as the office (scope checks,
   ranking, the excluded products with their reasons, the rows of the shown products);
4. `matches.orders` (我为企业找订单) for the supplier with the most products, over the city's open items.

    python bench/matching_catalogue.py            # 100,000 products, 10,000 demand items
    python bench/matching_catalogue.py --quick    # 10,000 products, 1,000 demand items
    python bench/matching_catalogue.py --reuse    # measure again the database the last run built
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from huanxin import demo  # noqa: E402
from huanxin.bootstrap import bootstrap  # noqa: E402
from huanxin.db import make_engine  # noqa: E402
from huanxin.kit.clock import now, today  # noqa: E402
from huanxin.matching import rank as engine  # noqa: E402
from huanxin.matching.catalogue import matches  # noqa: E402
from huanxin.matching.catalogue import weights as city_weights  # noqa: E402
from huanxin.matching.catalogue.models import SupplyProduct  # noqa: E402
from huanxin.matching.records import EQUIPMENT_CATEGORY_CLASSES  # noqa: E402
from huanxin.matching.sheets import SHEETS  # noqa: E402
from huanxin.matching.taxonomy import load as load_taxonomy  # noqa: E402
from huanxin.migrate import upgrade  # noqa: E402
from huanxin.orgs import service as orgs_service  # noqa: E402
from huanxin.orgs.models import User  # noqa: E402
from huanxin.orgs.roles import Role  # noqa: E402
from huanxin.orgs.scope import Scope  # noqa: E402
from huanxin.projects import demo as projects_demo  # noqa: E402
from huanxin.projects.models import Enterprise, Project, ProjectEquipment  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
CITY = ("512000", "ziyang")
BASES = ("440304", "320505", "330106")  # non-local production bases, as in the demo
LEVELS = ("advanced", "saving", "saving", "entry", "below", None)
PHRASES = ("质保三年", "含安装调试", "远程运维", "低噪声", "智能监控", "现货供应", "支持定制", "物联网接口")
SAMPLE = 200  # for_demand calls timed one by one


def build(url: str, products: int, items: int) -> None:
    demo.reset_database(url)
    eng = make_engine(url)
    try:
        upgrade(eng)
        with Session(eng) as session:
            bootstrap(session)
            hashed = session.scalar(select(User.password_hash).where(User.role == Role.OFFICE.value).limit(1))
            assert hashed
            # about 1.6 matchable new lines a demo project: enough projects for `items` of them
            specs = projects_demo.city_specs(session, [CITY], {}, projects_per_city=max(items * 7 // 10, 200))
            projects_demo.generate_city(session, specs[0], random.Random(demo.SEED), today(), hashed,
                                        projects_demo.Summary(), snapshots=False)
            session.flush()
            _products(session, products, random.Random(18))
            session.commit()
    finally:
        eng.dispose()


def _products(session: Session, count: int, rng: random.Random) -> None:
    owners = [(int(i), str(r)) for i, r in session.execute(select(Enterprise.id, Enterprise.region_code)
                                                          .where(Enterprise.city_code == CITY[0]))]
    tax = load_taxonomy()
    at = now()
    rows: list[dict[str, Any]] = []
    for n in range(count):
        sheet = rng.choice(SHEETS)
        size = rng.choice(sheet.sizes)
        owner, home = rng.choice(owners)
        param = tax.param_of(sheet.key)
        level = rng.choice(LEVELS) if sheet.efficiency else None
        low = rng.randint(1, 50) * 100_000_00
        rows.append({
            "city_code": CITY[0], "enterprise_id": owner, "code": f"B{n:06d}", "category": sheet.key,
            "name": f"{rng.choice(sheet.products).replace('{v}', f'{size:g}')} 型号HX-{rng.randint(10000, 99999)}",
            "spec": "，".join(rng.sample(PHRASES, 3)), "params": {param: float(size)} if param else {},
            "efficiency_level": level, "efficiency_grade": {"advanced": 1, "saving": 2, "entry": 3}.get(level or ""),
            "price_min_fen": low, "price_max_fen": low * 115 // 100,
            "region_code": rng.choice(BASES) if rng.random() < 0.25 else home,
            "delivery_days": rng.choice((7, 15, 30, 45, 60)),
            "credentials": [{"kind": "specialised", "valid_until": None}] if rng.random() < 0.1 else [],
            "on_sale": rng.random() > 0.02, "withdrawn_at": None, "created_at": at, "updated_at": at})
        if len(rows) == 10_000:
            session.execute(insert(SupplyProduct), rows)
            rows = []
    if rows:
        session.execute(insert(SupplyProduct), rows)


def _lines(session: Session, items: int) -> list[tuple[ProjectEquipment, Project]]:
    stmt = (select(ProjectEquipment, Project).join(Project, Project.id == ProjectEquipment.project_id)
            .where(Project.city_code == CITY[0], ProjectEquipment.side == "new",
                   ProjectEquipment.category.in_(list(EQUIPMENT_CATEGORY_CLASSES)))
            .order_by(ProjectEquipment.id).limit(items))
    return [(row, project) for row, project in session.execute(stmt)]


def _scope(session: Session, role: Role, unit_id: int | None = None) -> Scope:
    stmt = select(User).where(User.city_code == CITY[0], User.role == role.value)
    if unit_id is not None:
        stmt = stmt.where(User.unit_id == unit_id)
    return orgs_service.scope_of(session.scalars(stmt.order_by(User.id).limit(1)).one())


def measure(url: str, items: int) -> None:
    eng = make_engine(url)
    try:
        with Session(eng) as session:
            count = session.scalar(select(func.count()).select_from(SupplyProduct))
            tick = time.perf_counter()
            cat = matches.city_catalogue(session, CITY[0])
            cold = time.perf_counter() - tick
            tick = time.perf_counter()
            matches.city_catalogue(session, CITY[0])
            warm = time.perf_counter() - tick
            print(f"catalogue: {count:,} stored products: cold {cold:.1f} s (read, records, jieba + BM25), "
                  f"warm {warm * 1000:.1f} ms (stamp query)", flush=True)

            tick = time.perf_counter()
            lines = _lines(session, items)
            demands = [d for row, project in lines if (d := matches.demand_of(row, project)) is not None]
            read = time.perf_counter() - tick
            tick = time.perf_counter()
            ranked = engine.rank(demands, cat, top=matches.TOP, weights=city_weights.for_city(session, CITY[0]))
            took = time.perf_counter() - tick
            shown = sum(len(r.matches) for r in ranked)
            print(f"ranking: {len(demands):,} demand items (read and made demands {read:.1f} s), ranked top "
                  f"{matches.TOP} in {took:.1f} s ({took / max(len(demands), 1) * 1000:.2f} ms an item, "
                  f"{shown:,} breakdowns); total with the cold catalogue {cold + read + took:.1f} s", flush=True)

            office = _scope(session, Role.OFFICE)
            times = []
            for row, _ in random.Random(5).sample(lines, min(SAMPLE, len(lines))):
                tick = time.perf_counter()
                matches.for_demand(session, office, row.id)
                times.append((time.perf_counter() - tick) * 1000)
            times.sort()
            print(f"for_demand (one request, office): {len(times)} items, p50 {statistics.median(times):.0f} ms, "
                  f"p95 {times[int(len(times) * 0.95) - 1]:.0f} ms, max {times[-1]:.0f} ms", flush=True)

            owner_id, owned = session.execute(
                select(SupplyProduct.enterprise_id, func.count()).group_by(SupplyProduct.enterprise_id)
                .order_by(func.count().desc()).limit(1)).one()
            unit = session.scalar(select(Enterprise.unit_id).where(Enterprise.id == owner_id))
            supplier = _scope(session, Role.ENTERPRISE, unit)
            tick = time.perf_counter()
            found = matches.orders(session, supplier)
            print(f"orders (我为企业找订单): a supplier with {owned:,} products, {len(found):,} demands found in "
                  f"{time.perf_counter() - tick:.1f} s", flush=True)
    finally:
        eng.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 products, 1,000 demand items")
    parser.add_argument("--reuse", action="store_true", help="measure the database the last run built")
    args = parser.parse_args()
    products, items = (10_000, 1_000) if args.quick else (100_000, 10_000)
    OUT.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{OUT / 'matching_catalogue.sqlite'}"
    if not args.reuse:
        tick = time.perf_counter()
        build(url, products, items)
        print(f"built in {time.perf_counter() - tick:.1f} s: {products:,} products", flush=True)
    measure(url, items)


if __name__ == "__main__":
    main()
