"""The app factory: every domain's pages and JSON API (/api/v1) on one FastAPI app."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from huanxin.indicators import api as indicators_api
from huanxin.indicators import pages as indicators_pages
from huanxin.ledger import api as ledger_api
from huanxin.ledger import pages as ledger_pages
from huanxin.orgs import api as orgs_api
from huanxin.orgs import pages as orgs_pages
from huanxin.plans import api as plans_api
from huanxin.plans import exports as plans_exports
from huanxin.plans import import_api, import_pages
from huanxin.plans import pages as plans_pages
from huanxin.tradein import api as tradein_api
from huanxin.tradein import pages as tradein_pages
from huanxin.tradein import retailers_api, whatif_api
from huanxin.web import errors

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Chart.js comes from npm (package.json at the repository root) and is served by the app itself:
# government networks are often offline, so no CDN.
VENDOR_DIR = Path(__file__).resolve().parents[3] / "node_modules" / "chart.js" / "dist"


def create_app() -> FastAPI:
    app = FastAPI(title="焕新 Huanxin API", version="0.1.0", docs_url="/api/docs", openapi_url="/api/v1/openapi.json")
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if VENDOR_DIR.exists():
        app.mount("/vendor/chartjs", StaticFiles(directory=VENDOR_DIR), name="chartjs")
    for module in (
        orgs_pages, plans_pages, indicators_pages, plans_exports, import_pages, ledger_pages, tradein_pages,
    ):
        app.include_router(module.router)
    for api in (orgs_api, plans_api, indicators_api, import_api, ledger_api, tradein_api, retailers_api, whatif_api):
        app.include_router(api.router, prefix="/api/v1")

    @app.middleware("http")
    async def timing(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    return app
