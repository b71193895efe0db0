"""Pages of the ledger domain: the public budget page a resident checks before applying."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from huanxin.kit.clock import now
from huanxin.ledger import service
from huanxin.orgs import service as orgs_service
from huanxin.web.deps import DbSession, MaybeScope
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)

REFRESH_SECONDS = 30


@router.get("/budget/{city_code}", response_class=HTMLResponse)
def budget_page(city_code: str, request: Request, db: DbSession, scope: MaybeScope) -> HTMLResponse:
    """Public, no login. Refreshes itself every 30 seconds (a meta refresh: no script needed)."""
    budget, city_name = service.public_budget(db, city_code)
    codes = {v.pool.region_code for p in budget.programmes for v in p.pools}
    regions = {code: orgs_service.region_name(db, code) for code in codes}
    return render(request, "ledger/budget.html", budget=budget, city_name=city_name, regions=regions, as_of=now(),
                  refresh=REFRESH_SECONDS, sources=service.FUND_SOURCES, yuan=service.yuan)
