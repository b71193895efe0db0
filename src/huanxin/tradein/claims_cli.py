"""Claim operations for scripts: payout files, reconciliation, expiry of qualifications."""

from __future__ import annotations

import typer

app = typer.Typer()
