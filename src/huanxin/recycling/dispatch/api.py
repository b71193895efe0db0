"""Recycling dispatch: api routes (filled in by the dispatch work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["再生资源回收"])
