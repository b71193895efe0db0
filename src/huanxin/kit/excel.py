"""Helpers shared by every .xlsx import (ledger progress, reference prices …)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RowError:
    """One problem in an uploaded sheet, where the user will look for it."""

    row: int  # the Excel row number the user sees (0: the file as a whole)
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}
