"""Pages of the tradein domain: the resident's page, the retailer portal, the review queue and the
office's statistics, each in its own module and included here."""

from __future__ import annotations

from fastapi import APIRouter

from huanxin.tradein import resident_pages, retailer_pages, review_pages, stats_pages

router = APIRouter(include_in_schema=False)
for _module in (resident_pages, retailer_pages, review_pages, stats_pages):
    router.include_router(_module.router)
