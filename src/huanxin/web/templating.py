"""Jinja2 templates shared by every domain's pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from huanxin.orgs.roles import ROLE_LABELS, STAFF_ROLES
from huanxin.projects import library_figures
from huanxin.web import form_pages, labels

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.globals.update(role_labels=ROLE_LABELS, L=labels, **form_pages.TEMPLATE_GLOBALS)


def is_staff(scope: Any) -> bool:
    """Whether the viewer may see staff-only details (codes, parameter paths): government roles only."""
    return scope is not None and getattr(scope, "role", None) in STAFF_ROLES


templates.env.globals["is_staff"] = is_staff
templates.env.globals["target_sentence"] = labels.target_sentence
# The cockpit's library-computed figures link to the projects they count (issue 12, item 7).
templates.env.globals["library_source_link"] = library_figures.source_link
# Every figure with a unit goes through one formatter: counts whole, measures without trailing zeros.
templates.env.filters["quantity"] = labels.quantity


def fen_to_yuan(value: int | None) -> str:
    return "" if value is None else f"{value / 100:,.2f}"


templates.env.filters["yuan"] = fen_to_yuan


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("scope", getattr(request.state, "scope", None))
    form_error = form_pages.form_error_of(request)
    if form_error is not None and name != "error.html":
        # A form shown again after a DomainError (web.form_pages): the page answers the error's status.
        context.setdefault("form_error", form_error)
        status_code = form_error.status_code
    return templates.TemplateResponse(request, name, context, status_code=status_code)
