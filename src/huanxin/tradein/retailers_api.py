"""JSON API for retailer admission and fraud review."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["以旧换新经营主体与风控"])
