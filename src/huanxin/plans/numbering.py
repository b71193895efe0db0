"""What a task's printed numbering and a plan's closing words look like, shared by the loader (for
curated and imported plans alike) and the importer's task tree.

- A title never carries its number: "（十六）提升…", "5 加快…" or "(12)…" keep the number in `Task.no`
  and the words in `Task.title`, so lists and the ledger's number column show each once.
- The unnumbered closing paragraph of a body (各地各部门（单位）要深刻认识…的重要意义…) exhorts everyone
  and assigns no unit: it is not a task, so it neither appears in the ledger at 0% nor in a county's work.
"""

from __future__ import annotations

import re

# 二、 （一） (一) 1. 1、 （1） (1) 一是 and a bare table number followed by a space ("5 加快…").
LEADING_NUMBER = re.compile(
    r"^\s*("
    r"[一二三四五六七八九十]{1,3}[、.．]"
    r"|[（(][一二三四五六七八九十\d]{1,3}[）)]"
    r"|\d{1,3}[.．、](?!\d)"
    r"|\d{1,3}(?=\s)"
    r"|[一二三四五六七八九十]{1,2}是[，,：:]?"
    r")\s*"
)
CLOSING_OPENING = re.compile(r"^\s*各")  # 各地各部门 / 各有关部门 / 各县（区）…


def split_number(title: str) -> tuple[str | None, str]:
    """The printed number at the start of a title, if any, and the title without it."""
    match = LEADING_NUMBER.match(title)
    if not match or not title[match.end():].strip():
        return None, title  # a title that is only a number stays as it is
    return match.group(1).rstrip("，,：:"), title[match.end():]


def is_closing_paragraph(no: str | None, text: str, names_units: bool, has_children: bool) -> bool:
    """An unnumbered paragraph addressed to everyone (各…要…) that names no unit and has no items."""
    if no or names_units or has_children:
        return False
    return bool(CLOSING_OPENING.match(text)) and "要" in text.lstrip()[:40]
