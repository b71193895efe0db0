"""Downloads and uploads of the ledger: Excel round-trip and the .docx briefing."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
