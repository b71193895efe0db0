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
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huanxin.config import get_settings, refusal_to_start
from huanxin.financing import api as financing_api
from huanxin.financing import pages as financing_pages
from huanxin.financing import pages_loans as financing_loan_pages
from huanxin.indicators import api as indicators_api
from huanxin.indicators import pages as indicators_pages
from huanxin.kit import parse_process
from huanxin.ledger import api as ledger_api
from huanxin.ledger import pages as ledger_pages
from huanxin.matching.catalogue import api as matching_api
from huanxin.matching.catalogue import pages as matching_pages
from huanxin.orgs import api as orgs_api
from huanxin.orgs import pages as orgs_pages
from huanxin.plans import api as plans_api
from huanxin.plans import exports as plans_exports
from huanxin.plans import import_api, import_pages
from huanxin.plans import pages as plans_pages
from huanxin.projects import api as projects_api
from huanxin.projects import batches_api as project_batches_api
from huanxin.projects import enterprise_pages, enterprises_api
from huanxin.projects import pages as projects_pages
from huanxin.projects.lists import api as project_lists_api
from huanxin.projects.lists import pages as project_lists_pages
from huanxin.recycling.bookings import api as recycling_bookings_api
from huanxin.recycling.bookings import pages as recycling_bookings_pages
from huanxin.recycling.dispatch import api as recycling_dispatch_api
from huanxin.recycling.dispatch import pages as recycling_dispatch_pages
from huanxin.recycling.invoicing import api as recycling_invoicing_api
from huanxin.recycling.invoicing import pages as recycling_invoicing_pages
from huanxin.recycling.network import api as recycling_network_api
from huanxin.recycling.network import pages as recycling_network_pages
from huanxin.recycling.scrapped import api as recycling_scrapped_api
from huanxin.recycling.scrapped import pages as recycling_scrapped_pages
from huanxin.recycling.statistics import api as recycling_statistics_api
from huanxin.recycling.statistics import pages as recycling_statistics_pages
from huanxin.recycling.weighing import api as recycling_weighing_api
from huanxin.recycling.weighing import pages as recycling_weighing_pages
from huanxin.secondhand import api as secondhand_api
from huanxin.secondhand import pages as secondhand_pages
from huanxin.tradein import api as tradein_api
from huanxin.tradein import pages as tradein_pages
from huanxin.tradein.payouts import api as payouts_api
from huanxin.tradein.programmes import whatif_api
from huanxin.tradein.retailers import api as retailers_api
from huanxin.web import errors
from huanxin.web.body_limit import BodyLimit
from huanxin.web.params import BOUNDED_INPUTS
from huanxin.web.peak import PeakRoutes

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Chart.js comes from npm (package.json at the repository root) and is served by the app itself:
# government networks are often offline, so no CDN.
VENDOR_DIR = Path(__file__).resolve().parents[3] / "node_modules" / "chart.js" / "dist"
# Swagger UI for /api/docs, from npm the same way (swagger-ui-dist): the docs work offline too.
SWAGGER_DIR = Path(__file__).resolve().parents[3] / "node_modules" / "swagger-ui-dist"
SWAGGER_URL = "/vendor/swagger-ui"
DOCS_URL = "/api/docs"


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    refusal = refusal_to_start(settings)  # also when uvicorn is started by hand, not by `huanxin serve`
    if refusal is not None:
        raise RuntimeError(refusal)
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
    parse_process.shutdown_parser()  # the upload parse process this worker started, if any


def create_app() -> FastAPI:
    # docs_url and redoc_url off: FastAPI's own pages load their assets from a CDN (see _add_docs).
    app = FastAPI(title="焕新 Huanxin API", version="0.1.0", docs_url=None, redoc_url=None,
                  openapi_url="/api/v1/openapi.json",
                  lifespan=_lifespan, dependencies=[BOUNDED_INPUTS])  # web.params: ints and text in range
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if VENDOR_DIR.exists():
        app.mount("/vendor/chartjs", StaticFiles(directory=VENDOR_DIR), name="chartjs")
    _add_docs(app)
    # The API first, the trade-in API (the peak-load routes) first of all: routes are matched in
    # the order they are added, and the pages add many.
    for api in (tradein_api, payouts_api, retailers_api, whatif_api, orgs_api, plans_api, indicators_api, import_api,
                ledger_api, projects_api, project_batches_api, project_lists_api, enterprises_api,
                recycling_network_api, recycling_bookings_api, recycling_dispatch_api, recycling_weighing_api,
                recycling_invoicing_api, recycling_statistics_api, recycling_scrapped_api, secondhand_api, matching_api,
                financing_api):
        app.include_router(api.router, prefix="/api/v1")
    for module in (
        orgs_pages, plans_pages, indicators_pages, plans_exports, import_pages, ledger_pages, tradein_pages,
        project_lists_pages, projects_pages,  # the lists' /projects/lists… before /projects/{project_id}
        enterprise_pages,
        recycling_network_pages, recycling_bookings_pages, recycling_dispatch_pages, recycling_weighing_pages,
        recycling_invoicing_pages,
        recycling_statistics_pages,
        recycling_scrapped_pages,
        secondhand_pages,
        matching_pages,
        financing_pages, financing_loan_pages,
    ):
        app.include_router(module.router)

    app.add_middleware(BodyLimit, routes=app.routes)  # every body, by route and kind (web.body_limit)
    app.add_middleware(PeakRoutes, api=app)  # inside TimingHeaders: its headers go on these answers too
    app.add_middleware(TimingHeaders)
    return app


def _add_docs(app: FastAPI) -> None:
    """/api/docs: Swagger UI with its script, style sheet and icon served by the app itself."""
    if SWAGGER_DIR.exists():
        app.mount(SWAGGER_URL, StaticFiles(directory=SWAGGER_DIR), name="swagger-ui")
    openapi_url = app.openapi_url or ""
    redirect_url = f"{DOCS_URL}/oauth2-redirect"

    @app.get(DOCS_URL, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=openapi_url, title=f"{app.title} · 接口文档",
                                   oauth2_redirect_url=redirect_url,
                                   swagger_js_url=f"{SWAGGER_URL}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{SWAGGER_URL}/swagger-ui.css",
                                   swagger_favicon_url=f"{SWAGGER_URL}/favicon-32x32.png")

    @app.get(redirect_url, include_in_schema=False)
    def api_docs_oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()


# Pages load scripts and style sheets only from /static and /vendor: no inline <script>, no
# on*= handlers, no javascript: links (a script that an escaping slip let into a page does not
# run). Inline style attributes stay allowed (progress bars carry their width): they run no code.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# The interactive API documentation (Swagger UI, served from /vendor/swagger-ui) is started by an
# inline script: those two pages (no data of ours on them) get what they need, and nothing else.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({DOCS_URL, f"{DOCS_URL}/oauth2-redirect"})
_COMMON = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}
_PAGE_HEADERS = {"Content-Security-Policy": PAGE_POLICY, **_COMMON}  # built once: every request uses one
_DOCS_HEADERS = {"Content-Security-Policy": DOCS_POLICY, **_COMMON}


def security_headers(path: str) -> dict[str, str]:
    return _DOCS_HEADERS if path in DOCS_PATHS else _PAGE_HEADERS


class TimingHeaders:
    """Server-Timing and the security headers (security_headers) on every HTTP response, the
    peak-load routes' and the error answers' included. A plain ASGI middleware: the
    `@app.middleware("http")` kind runs each request through an extra task and memory stream
    on the event loop, which every request of the worker shares."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        secure = security_headers(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
                for name, value in secure.items():
                    headers.setdefault(name, value)  # a route that set its own (e.g. a download) keeps it
            await send(message)

        await self.app(scope, receive, send_with_headers)
