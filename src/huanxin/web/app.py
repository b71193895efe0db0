"""The app factory: every domain's pages and JSON API (/api/v1) on one FastAPI app."""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huanxin.config import get_settings
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
from huanxin.web.peak import PeakRoutes

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Chart.js comes from npm (package.json at the repository root) and is served by the app itself:
# government networks are often offline, so no CDN.
VENDOR_DIR = Path(__file__).resolve().parents[3] / "node_modules" / "chart.js" / "dist"


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
    if settings.gil_switch_interval > 0:
        sys.setswitchinterval(settings.gil_switch_interval)
    if settings.gc_gen0_threshold > 0:
        # What is loaded at start (modules, the rulebook, mappers) is never garbage: leave it out
        # of every collection; and collect the youngest objects less often (a batch of claims
        # makes tens of thousands of short-lived ORM objects, and a collection every 700
        # allocations scanned them again and again: 15 % of the server's CPU at peak load).
        gc.freeze()
        gc.set_threshold(settings.gc_gen0_threshold, 20, 20)
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="焕新 Huanxin API", version="0.1.0", docs_url="/api/docs", openapi_url="/api/v1/openapi.json",
                  lifespan=_lifespan)
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if VENDOR_DIR.exists():
        app.mount("/vendor/chartjs", StaticFiles(directory=VENDOR_DIR), name="chartjs")
    # The API first, the trade-in API (the peak-load routes) first of all: routes are matched in
    # the order they are added, and the pages add many.
    for api in (tradein_api, retailers_api, whatif_api, orgs_api, plans_api, indicators_api, import_api, ledger_api):
        app.include_router(api.router, prefix="/api/v1")
    for module in (
        orgs_pages, plans_pages, indicators_pages, plans_exports, import_pages, ledger_pages, tradein_pages,
    ):
        app.include_router(module.router)

    app.add_middleware(PeakRoutes, api=app)  # inside TimingHeaders: its headers go on these answers too
    app.add_middleware(TimingHeaders)
    return app


class TimingHeaders:
    """Server-Timing and X-Frame-Options on every HTTP response. A plain ASGI middleware: the
    `@app.middleware("http")` kind runs each request through an extra task and memory stream
    on the event loop, which every request of the worker shares."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
                headers["X-Frame-Options"] = "DENY"
            await send(message)

        await self.app(scope, receive, send_with_headers)
