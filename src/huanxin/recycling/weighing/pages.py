"""Recycling weighing: pages routes (filled in by the weighing work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["再生资源回收"])
