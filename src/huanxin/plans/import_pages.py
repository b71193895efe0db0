"""Pages of the plan importer: upload, review beside the document, commit."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
