"""Pages of the tradein domain: the resident's page, the retailer portal, the review queue, the
office's statistics, retailer management and car applications, each in its own module and
included here."""

from __future__ import annotations

from fastapi import APIRouter

from huanxin.tradein import (
    car_pages,
    resident_pages,
    retailer_admin_pages,
    retailer_pages,
    review_pages,
    stats_pages,
)

router = APIRouter(include_in_schema=False)
for _module in (resident_pages, retailer_pages, review_pages, stats_pages, retailer_admin_pages, car_pages):
    router.include_router(_module.router)
