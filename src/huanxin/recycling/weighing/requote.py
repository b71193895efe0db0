"""The explained re-quote: why the final price of a line differs from the price indicated when the
resident booked. Pure (no database): the weighing service gives it what was booked and what was
weighed, and stores the sentence of each line in `Weighing.requote_reason`; the resident reads them
before accepting, and the receipt keeps them.

A weighed line is matched with a booked item of the same category; a weighed line left over takes
a booked item of another category left over (the collector found B where A was booked); what is
still left over is a new item, or a booked item not handed over. Each reason says what it changed:

- weight (or count): 预计 10 公斤，实称 12.35 公斤;
- category: 预约为“废纸”，现场为“废塑料”;
- condition (piece categories): 成色较差，按价格表价的 50% 计价;
- price: the list changed since the booking, 由 ¥1.20/公斤（5月1日起）调整为 ¥1.00/公斤（6月1日起）."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from huanxin.recycling.vocab import CATEGORIES, UNITS

CONDITION_LABELS = {"good": "完好", "fair": "一般", "poor": "较差"}


@dataclass(frozen=True)
class Booked:
    """A booked item: quantity in grams (kg categories) or pieces, the price indicated and the
    date its list entry took effect."""

    category: str
    unit: str
    quantity: int
    unit_price_fen: int
    amount_fen: int
    price_from: dt.date | None = None


@dataclass(frozen=True)
class Weighed:
    """A weighed line: net grams or pieces, the list price that day (and since when), the condition
    with its share, the unit price paid and the amount."""

    category: str
    unit: str
    quantity: int
    list_price_fen: int
    price_from: dt.date
    condition: str
    share_pct: int
    unit_price_fen: int
    amount_fen: int


@dataclass(frozen=True)
class Requote:
    lines: list[str]  # one sentence per weighed line ("" where nothing differs)
    missing: list[str]  # booked items not handed over

    @property
    def changed(self) -> bool:
        return any(self.lines) or bool(self.missing)

    def text(self) -> str:
        return "\n".join([t for t in self.lines if t] + self.missing)


def quantity_text(quantity: int, unit: str) -> str:
    """Grams as kilograms without trailing zeros (12,350 g → 12.35 公斤), pieces as 件."""
    if unit == "piece":
        return f"{quantity}件"
    kg = f"{quantity / 1000:.3f}".rstrip("0").rstrip(".")
    return f"{kg}公斤"


def price_text(fen: int, unit: str) -> str:
    return f"¥{fen / 100:.2f}/{UNITS.get(unit, unit)}"


def money_text(fen: int) -> str:
    return f"¥{fen / 100:.2f}"


def _date(day: dt.date | None) -> str:
    return f"（{day.year}年{day.month}月{day.day}日起执行）" if day else ""


def _match(booked: list[Booked], weighed: list[Weighed]) -> list[Booked | None]:
    """The booked item each weighed line answers for (same category first, then any left over)."""
    free = list(range(len(booked)))
    found: list[Booked | None] = [None] * len(weighed)
    for i, line in enumerate(weighed):
        same = next((j for j in free if booked[j].category == line.category), None)
        if same is not None:
            found[i] = booked[same]
            free.remove(same)
    for i in range(len(weighed)):
        if found[i] is None and free:
            found[i] = booked[free.pop(0)]
    return found


def explain_line(item: Booked | None, line: Weighed) -> str:
    """The sentence of one weighed line, or "" when it is priced as indicated."""
    name = CATEGORIES.get(line.category, line.category)
    if item is None:
        return (f"{name}：预约时未登记该品类，现场新增，按当日价格{price_text(line.unit_price_fen, line.unit)}"
                f"计{quantity_text(line.quantity, line.unit)}，金额{money_text(line.amount_fen)}。")
    reasons: list[str] = []
    if item.category != line.category:
        reasons.append(f"品类不同（预约为“{CATEGORIES.get(item.category, item.category)}”，现场为“{name}”）")
    elif item.quantity != line.quantity:
        verb = "实称" if line.unit == "kg" else "实收"
        what = "重量" if line.unit == "kg" else "数量"
        reasons.append(f"{what}不同（预计{quantity_text(item.quantity, item.unit)}，"
                       f"{verb}{quantity_text(line.quantity, line.unit)}）")
    if line.share_pct != 100:
        reasons.append(f"成色{CONDITION_LABELS.get(line.condition, line.condition)}，按价格表价"
                       f"{price_text(line.list_price_fen, line.unit)}的{line.share_pct}%计价"
                       f"（{price_text(line.unit_price_fen, line.unit)}）")
    if item.category == line.category and item.unit_price_fen != line.list_price_fen:
        reasons.append(f"价格自预约以来调整（由{price_text(item.unit_price_fen, item.unit)}{_date(item.price_from)}"
                       f"调整为{price_text(line.list_price_fen, line.unit)}{_date(line.price_from)}）")
    if not reasons and item.amount_fen == line.amount_fen:
        return ""
    if not reasons:  # same quantity and price, the rounding of a different split
        reasons.append("按实际计量重新计算")
    return (f"{name}：" + "；".join(reasons)
            + f"。金额由{money_text(item.amount_fen)}变为{money_text(line.amount_fen)}。")


def explain(booked: list[Booked], weighed: list[Weighed]) -> Requote:
    """Why each weighed line's amount differs from what was indicated, and what was not handed over."""
    matched = _match(booked, weighed)
    used = {id(m) for m in matched if m is not None}
    missing = [f"{CATEGORIES.get(b.category, b.category)}：预约了{quantity_text(b.quantity, b.unit)}，"
               f"现场未交售，原预估金额{money_text(b.amount_fen)}不再计入。"
               for b in booked if id(b) not in used]
    return Requote(lines=[explain_line(m, w) for m, w in zip(matched, weighed, strict=True)], missing=missing)
