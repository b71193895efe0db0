"""Pages of the tradein domain: the resident's page, the retailer portal, the review queue, the
office's statistics, retailer management and car applications, each in its own module and
included here."""

from __future__ import annotations

from fastapi import APIRouter

from huanxin.tradein.pages import car as car_pages
from huanxin.tradein.pages import car_correction as car_correction_pages
from huanxin.tradein.pages import resident as resident_pages
from huanxin.tradein.pages import retailer as retailer_pages
from huanxin.tradein.pages import retailer_admin as retailer_admin_pages
from huanxin.tradein.pages import review as review_pages
from huanxin.tradein.pages import stats as stats_pages

router = APIRouter(include_in_schema=False)
for _module in (resident_pages, retailer_pages, review_pages, stats_pages, retailer_admin_pages, car_pages,
                car_correction_pages):
    router.include_router(_module.router)
