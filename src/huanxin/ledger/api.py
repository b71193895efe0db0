"""JSON API of the ledger domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["ledger"])
