"""GB/T 4754-2017 国民经济行业分类: the industry of an enterprise, by code, with its name.

The table (data/gbt4754_2017.csv, its header says where it comes from) holds all four levels: the 20
门类 (A–T), 97 大类, 473 中类 and 1,381 小类. A code is stored as the 门类 letter and the digits
(C3812 电动机制造); people also type the digits alone (3812) or with a space or a dot, which mean
the same code, since the digits decide the 门类."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from huanxin.errors import InvalidInput

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "gbt4754_2017.csv"
LEVELS = {"section": "门类", "division": "大类", "group": "中类", "class": "小类"}
STANDARD = "GB/T 4754-2017"
_SHAPE = re.compile(r"^([A-T])?(\d{2,4})?$")


@dataclass(frozen=True)
class Industry:
    code: str  # C3812
    name: str  # 电动机制造
    level: str  # section | division | group | class
    parent: str | None

    @property
    def digits(self) -> str:
        return self.code[1:]

    @property
    def label(self) -> str:
        """What a screen shows: 3812 电动机制造 (a 门类: C 制造业)."""
        return f"{self.digits or self.code} {self.name}"


@cache
def table() -> dict[str, Industry]:
    rows = (line for line in DATA_FILE.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    return {row["code"]: Industry(row["code"], row["name"], row["level"], row["parent"] or None)
            for row in csv.DictReader(rows)}


@cache
def _section_of_digits() -> dict[str, str]:
    return {item.digits: item.code[0] for item in table().values() if item.level == "division"}


def normalise(raw: str | None) -> str | None:
    """The stored form of a code as typed (C3812 for "3812", "c 3812", "C3812"), or None when it has
    no code's shape. Whether it exists is for `find`."""
    text = re.sub(r"[\s.\-·]", "", (raw or "")).upper()
    match = _SHAPE.match(text)
    if not text or match is None:
        return None
    letter, digits = match.group(1), match.group(2) or ""
    if digits and len(digits) not in (2, 3, 4):
        return None
    if not digits:
        return letter
    section = _section_of_digits().get(digits[:2])
    if section is None or (letter is not None and letter != section):
        return letter + digits if letter else digits  # unknown: `find` says so
    return section + digits


def find(raw: str | None) -> Industry | None:
    code = normalise(raw)
    return table().get(code) if code else None


def industry_name(code: str | None) -> str:
    """The name of a code (电动机制造), or the code itself when it is not in the table, so that a
    screen never shows an empty cell for old data."""
    found = find(code)
    return found.name if found else (code or "")


def industry_label(code: str | None) -> str:
    found = find(code)
    return found.label if found else (code or "")


def validate_industry(raw: str | None, field: str = "industry_code", *, label: str = "所属行业",
                      finest: bool = False) -> str:
    """The stored code, or InvalidInput naming the field. `finest`: only a 小类 is accepted (the
    level the statistical reports use)."""
    text = (raw or "").strip()
    if not text:
        raise InvalidInput(f"“{label}”不能为空，请填写{STANDARD}国民经济行业分类代码（如 3812）", field=field)
    found = find(text)
    if found is None:
        raise InvalidInput(f"“{label}”中的“{text}”不是{STANDARD}国民经济行业分类代码"
                           "（应为门类字母或2—4位数字，如 C、38、381、3812）", field=field)
    if finest and found.level != "class":
        raise InvalidInput(f"“{label}”请填写到小类（4位数字），“{text}”是{LEVELS[found.level]}“{found.name}”",
                           field=field)
    return found.code


def children(code: str | None) -> list[Industry]:
    """The next level under a code (the 门类 for None), in code order."""
    parent = normalise(code) if code else None
    return sorted((i for i in table().values() if i.parent == parent), key=lambda i: i.code)


def search_industries(q: str, limit: int = 20) -> list[Industry]:
    """Codes and names matching `q`: a code's prefix (38, C38, 3812) or words of the name (电动机);
    the finest levels first, since that is what a form needs."""
    text = (q or "").strip()
    if not text:
        return []
    prefix = re.sub(r"[\s.\-·]", "", text).upper()
    if _SHAPE.match(prefix):
        stored = normalise(prefix) or prefix
        hits = [i for i in table().values() if i.code.startswith(stored) or i.digits.startswith(prefix)]
    else:
        words = text.split()
        hits = [i for i in table().values() if all(w in i.name for w in words)]
    rank = {"class": 0, "group": 1, "division": 2, "section": 3}
    return sorted(hits, key=lambda i: (rank[i.level], i.code))[:limit]
