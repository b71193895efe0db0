"""The two ranked views over the stored catalogue, both with the engine's one score (rank.py):

- a buyer's demand item (a new-equipment line of its project): the city's products ranked, each with
  its Chinese breakdown, and the products of fitting classes that a hard constraint excludes, with
  the reason;
- a supplier's 我为企业找订单: the city's declared demand items that its products fit, ranked by the
  best of its products. What a supplier sees of a demand is its class, specification, quantity,
  county and the buyer's name — never the project's investment or financing figures, nor its budget
  (the price part of the score is left out there).

Both, and the score kept with a contact, use the city's own weights (catalogue.weights)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from huanxin.kit.clock import today
from huanxin.kit.excel import append_row, list_sheet_bytes
from huanxin.matching import rank as engine
from huanxin.matching.catalogue import products as catalogue_products
from huanxin.matching.catalogue import repository as repo
from huanxin.matching.catalogue import weights as city_weights
from huanxin.matching.catalogue.models import SupplyProduct
from huanxin.matching.records import Demand, from_equipment
from huanxin.matching.score import Verdict, exclusion
from huanxin.matching.taxonomy import Taxonomy
from huanxin.matching.taxonomy import load as load_taxonomy
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope
from huanxin.projects.models import Project, ProjectEquipment

TOP = 20
# Excluded products listed on a buyer's page: a city of 100,000 products excludes thousands for one
# item (every withdrawn or below-准入 model of the class); the page says how many and lists the first.
EXCLUDED_SHOWN = 50
_CACHE: dict[str, tuple[tuple[Any, ...], engine.Catalogue]] = {}
_LOCK = threading.Lock()


def taxonomy() -> Taxonomy:
    return load_taxonomy()


def city_catalogue(session: Session, city_code: str) -> engine.Catalogue:
    """The city's catalogue indexed for the engine, rebuilt only when a product changed: building the
    BM25 index tokenises every product (jieba), which a page should not repeat on each request."""
    stamp = repo.catalogue_stamp(session, city_code)
    with _LOCK:
        cached = _CACHE.get(city_code)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    rows = repo.city_products(session, city_code)
    names = repo.enterprise_names(session, {r.enterprise_id for r in rows})
    cat = engine.Catalogue([catalogue_products.as_record(r, names.get(r.enterprise_id, "")) for r in rows], taxonomy())
    with _LOCK:
        _CACHE[city_code] = (stamp, cat)
    return cat


def demand_of(row: ProjectEquipment, project: Project) -> Demand | None:
    return from_equipment(row, project.region_code, taxonomy())


def matchable(project: Project, rows: list[ProjectEquipment]) -> set[int]:
    """The new-equipment lines of the project whose class the catalogue ranks (the project page links
    them to their ranked suppliers)."""
    return {row.id for row in rows if row.side == "new" and demand_of(row, project) is not None}


@dataclass(frozen=True)
class Shown:
    """One product on a buyer's list."""

    product: SupplyProduct
    supplier: str
    score: float
    explanation: str


@dataclass(frozen=True)
class DemandView:
    equipment: ProjectEquipment
    project: Project
    demand: Demand | None
    category_name: str
    matches: list[Shown]
    excluded: list[tuple[SupplyProduct, str, str]]  # product, supplier, reason (the first EXCLUDED_SHOWN)
    excluded_count: int = 0  # all of them


def for_demand(session: Session, scope: Scope, equipment_id: int) -> DemandView:
    row, project = repo.demand_item(session, scope, equipment_id)
    demand = demand_of(row, project)
    tax = taxonomy()
    if demand is None:
        return DemandView(row, project, None, "", [], [])
    cat = city_catalogue(session, scope.city_code)
    weights = city_weights.for_city(session, scope.city_code)
    ranked = engine.rank([demand], cat, top=TOP, weights=weights)[0]
    every = _excluded(cat, demand, tax)
    excluded = every[:EXCLUDED_SHOWN]
    ids = [int(v.product_id) for v in ranked.matches] + [int(v.product_id) for v in excluded]
    rows = repo.products_by_id(session, ids)
    names = repo.enterprise_names(session, {r.enterprise_id for r in rows.values()})
    shown = [Shown(rows[int(v.product_id)], names.get(rows[int(v.product_id)].enterprise_id, ""), round(v.score, 1),
                   v.explanation()) for v in ranked.matches]
    out = [(rows[int(v.product_id)], names.get(rows[int(v.product_id)].enterprise_id, ""), v.excluded or "")
           for v in excluded]
    return DemandView(row, project, demand, tax.name(demand.category), shown, out, len(every))


def _excluded(cat: engine.Catalogue, demand: Demand, tax: Taxonomy) -> list[Verdict]:
    """The products of classes that fit the demand which a hard constraint removes, with the reason
    (products of other classes are not listed: they are simply another kind of equipment). Only the
    fitting classes' products are visited, in catalogue order, and only the constraints are checked
    (no weights involved): at 100,000 products a visit of every product was most of a request."""
    day = today()
    fits = tax.compatible(demand.category)
    rows = [cat.by_class[klass] for klass in fits if klass in cat.by_class]
    found = []
    for position in sorted(int(p) for part in rows for p in part):
        product = cat.products[position]
        reason = exclusion(demand, product, fits[product.category], tax, day)
        if reason is not None:
            found.append(Verdict(product.id, reason))
    return found


def score_of(session: Session, city_code: str, demand: Demand, product: SupplyProduct) -> Verdict:
    """The verdict the buyer saw for this product (kept with the contact)."""
    return engine.explain(city_catalogue(session, city_code), demand, str(product.id),
                          city_weights.for_city(session, city_code))


@dataclass(frozen=True)
class Order:
    """A demand as a supplier sees it: no money of the project (nor its budget), only what to offer."""

    equipment_id: int
    category_name: str
    spec: str
    quantity: int
    region_name: str
    buyer: str
    product_name: str
    score: float
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return {"equipment_id": self.equipment_id, "category": self.category_name, "spec": self.spec,
                "quantity": self.quantity, "region": self.region_name, "buyer": self.buyer,
                "best_product": self.product_name, "score": self.score, "explanation": self.explanation}


def orders(session: Session, scope: Scope, category: str = "") -> list[Order]:
    """我为企业找订单: the city's demand items that one of the caller's products on sale fits, best first;
    `category` (a class name) keeps only the demands of that class."""
    own = [p for p in repo.own_products(session, scope) if p.on_sale]
    if not own:
        return []
    tax = taxonomy()
    cat = engine.Catalogue([catalogue_products.as_record(p) for p in own], tax)
    # The buyer's budget is left out of the supplier's score: "价格在预算内" beside its own price would
    # let a supplier find the budget by changing the price (the rest of the score is the buyer's).
    lines = [(row, project, replace(demand, budget_fen=None))
             for row, project in repo.open_demand_lines(session, scope.city_code)
             if (demand := demand_of(row, project)) is not None]
    ranked = engine.rank([d for _, _, d in lines], cat, top=1,
                         weights=city_weights.for_city(session, scope.city_code))
    by_id = {str(p.id): p for p in own}
    buyers = repo.enterprise_names(session, {project.enterprise_id for _, project, _ in lines})
    regions: dict[str, str] = {}
    found = []
    for (row, project, demand), result in zip(lines, ranked, strict=True):
        if not result.matches:
            continue
        best = result.matches[0]
        if project.region_code not in regions:
            regions[project.region_code] = orgs_service.region_name(session, project.region_code)
        found.append(Order(row.id, tax.name(demand.category), " ".join(p for p in (row.name, row.model) if p),
                           row.quantity, regions[project.region_code], buyers.get(project.enterprise_id, ""),
                           by_id[best.product_id].name, round(best.score, 1), best.explanation()))
    found.sort(key=lambda o: (-o.score, -o.equipment_id))
    return [o for o in found if o.category_name == category] if category else found


ORDER_HEADERS = ("设备类别", "规格要求", "数量", "所在地区", "需求企业", "本企业相符产品", "得分", "评分说明")


def orders_workbook(found: list[Order]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "我为企业找订单"
    append_row(sheet, ORDER_HEADERS)
    for o in found:
        append_row(sheet, [o.category_name, o.spec, o.quantity, o.region_name, o.buyer, o.product_name, o.score,
                           o.explanation])
    return list_sheet_bytes(book, sheet, [16, 30, 8, 14, 28, 30, 8, 60])
