"""JSON API of the plan importer."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["方案导入"])
