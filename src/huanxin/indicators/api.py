"""JSON API of the indicators domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["指标监测"])
