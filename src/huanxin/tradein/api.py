"""JSON API of the tradein domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["tradein"])
