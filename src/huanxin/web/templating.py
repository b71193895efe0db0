"""Jinja2 templates shared by every domain's pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from huanxin.orgs.roles import ROLE_LABELS
from huanxin.web import labels

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.globals.update(role_labels=ROLE_LABELS, L=labels)


def fen_to_yuan(value: int | None) -> str:
    return "" if value is None else f"{value / 100:,.2f}"


templates.env.filters["yuan"] = fen_to_yuan


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("scope", getattr(request.state, "scope", None))
    return templates.TemplateResponse(request, name, context, status_code=status_code)
