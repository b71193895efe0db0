"""The hand-written class sheets of bench/matching.py: they live in huanxin.matching.sheets, which the
demo (huanxin.matching.demo) reads too."""

from __future__ import annotations

from huanxin.matching.sheets import SHEETS, Sheet

__all__ = ["SHEETS", "Sheet"]
