"""Recycling network: pages routes (filled in by the network work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["再生资源回收"])
