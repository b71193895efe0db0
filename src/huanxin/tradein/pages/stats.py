"""The office's trade-in statistics (/tradein/stats): claims and amounts by programme, category,
region and retailer, and the budget of every pool, with charts (data as JSON in the page, tables
as the fallback). Every figure is one aggregate (GROUP BY) query: the demo holds a few hundred
thousand claims and the page never loads them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huanxin.errors import Forbidden
from huanxin.ledger import service as ledger_service
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope
from huanxin.tradein import repository as repo
from huanxin.tradein.claims import evaluation
from huanxin.tradein.claims.events import STATUS_LABELS
from huanxin.tradein.models import Claim, Programme, Retailer
from huanxin.tradein.pages.support import SOURCE_LABELS
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
TOP_RETAILERS = 20
# Money the programme has committed to a claim: decided and not (yet) taken back.
COMMITTED = ("approved", "paying", "paid")


def _require_reader(scope: Scope) -> None:
    if scope.role not in repo.CITY_READERS:
        raise Forbidden("以旧换新统计供专班办公室、市政府领导和商务局审核员查看")


def _grouped(db: Session, city_code: str, column: Any, programme_id: int | None) -> dict[Any, dict[str, Any]]:
    """One GROUP BY (key, status): claims and amount per status, pivoted per key."""
    stmt = (select(column, Claim.status, func.count(), func.coalesce(func.sum(Claim.amount_fen), 0))
            .where(Claim.city_code == city_code).group_by(column, Claim.status))
    if programme_id:
        stmt = stmt.where(Claim.programme_id == programme_id)
    out: dict[Any, dict[str, Any]] = {}
    for key, status, n, amount in db.execute(stmt).all():
        row = out.setdefault(key, {"key": key, "counts": {}, "total": 0, "paid_fen": 0, "committed_fen": 0})
        row["counts"][status] = int(n)
        row["total"] += int(n)
        if status == "paid":
            row["paid_fen"] += int(amount)
        if status in COMMITTED:
            row["committed_fen"] += int(amount)
    return out


def _rows(grouped: dict[Any, dict[str, Any]], name: Callable[[Any], str]) -> list[dict[str, Any]]:
    rows = [{**row, "name": name(key)} for key, row in grouped.items()]
    return sorted(rows, key=lambda r: (-r["total"], r["name"]))


def _category_names(programmes: list[Programme]) -> dict[str, str]:
    names: dict[str, str] = {}
    for p in programmes:
        rules = evaluation.programme_rules(p.rules_code)
        for code in rules.categories:
            names.setdefault(code, str(rules.label(code)))
    return names


def _chart(chart_id: str, title: str, rows: list[dict[str, Any]], unit: str = "元") -> dict[str, Any]:
    return {"id": chart_id, "title": title, "unit": unit, "labels": [r["name"] for r in rows],
            "datasets": [{"label": "已发放补贴", "data": [r["paid_fen"] / 100 for r in rows]},
                         {"label": "已批准待发放", "data": [(r["committed_fen"] - r["paid_fen"]) / 100 for r in rows]}],
            "stacked": True}


def _budget(db: Session, city_code: str, programmes: list[Programme]) -> list[dict[str, Any]]:
    pools = ledger_service.pools_of(db, city_code)
    balances = ledger_service.pool_balances(db, pools)
    names = {p.code: p.name for p in programmes}
    rows = []
    for pool in pools:
        b = balances[pool.id]
        rows.append({"programme": names.get(pool.programme_code, pool.programme_code), "name": pool.name,
                     "source": SOURCE_LABELS.get(pool.fund_source, pool.fund_source), "region": pool.region_code,
                     "tranche": pool.tranche, "funded": b.funded, "available": b.available, "reserved": b.reserved,
                     "paid": b.paid})
    return rows


@router.get("/tradein/stats", response_class=HTMLResponse)
def stats_page(request: Request, db: DbSession, scope: CurrentScope, programme_id: int | None = None) -> Response:
    _require_reader(scope)
    city = scope.city_code
    programmes = repo.programmes_of_city(db, city)
    by_id = {p.id: p for p in programmes}
    if programme_id not in by_id:
        programme_id = None
    regions = {r.code: r.name for r in orgs_service.child_regions(db, city)}
    regions[city] = orgs_service.region_name(db, city) + "（市本级）"
    categories = _category_names(programmes)
    by_programme = _rows(_grouped(db, city, Claim.programme_id, programme_id),
                         lambda k: by_id[k].name if k in by_id else str(k))
    by_category = _rows(_grouped(db, city, Claim.category, programme_id), lambda k: categories.get(k, k))
    by_region = _rows(_grouped(db, city, Claim.region_code, programme_id), lambda k: regions.get(k, k))
    retailer_grouped = _grouped(db, city, Claim.retailer_id, programme_id)
    top = sorted(retailer_grouped.values(), key=lambda r: -r["total"])[:TOP_RETAILERS]
    ids = [r["key"] for r in top if r["key"] is not None]
    retailer_names = {r.id: r.name for r in db.scalars(select(Retailer).where(Retailer.id.in_(ids)))} if ids else {}
    by_retailer = _rows({r["key"]: r for r in top},
                        lambda k: retailer_names.get(k, str(k)) if k is not None else "居民网上申请（汽车）")
    totals = {"total": sum(r["total"] for r in by_programme), "paid_fen": sum(r["paid_fen"] for r in by_programme),
              "committed_fen": sum(r["committed_fen"] for r in by_programme),
              "counts": {s: sum(r["counts"].get(s, 0) for r in by_programme) for s in STATUS_LABELS}}
    budget = _budget(db, city, programmes)
    charts = {
        "programme": _chart("by-programme", "按补贴活动：补贴金额（元）", by_programme),
        "category": _chart("by-category", "按品类：补贴金额（元）", by_category),
        "region": _chart("by-region", "按区县：补贴金额（元）", by_region),
        "retailer": _chart("by-retailer", f"按经营主体（前{TOP_RETAILERS}）：补贴金额（元）", by_retailer),
        "budget": {"id": "budget", "title": "预算池：剩余、预留、已发放（元）", "unit": "元", "stacked": True,
                   "labels": [f"{b['programme']}·{b['source']}" + (f"·第{b['tranche']}批" if b["tranche"] > 1 else "")
                              for b in budget],
                   "datasets": [{"label": "剩余可用", "data": [b["available"] / 100 for b in budget]},
                                {"label": "已预留", "data": [b["reserved"] / 100 for b in budget]},
                                {"label": "已发放", "data": [b["paid"] / 100 for b in budget]}]},
    }
    return render(request, "tradein/stats.html", programmes=programmes, programme_id=programme_id,
                  by_programme=by_programme, by_category=by_category, by_region=by_region, by_retailer=by_retailer,
                  retailers_total=len(retailer_grouped), totals=totals, budget=budget, charts=charts,
                  labels=STATUS_LABELS, regions=regions, top_n=TOP_RETAILERS)
