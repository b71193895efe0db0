"""E-bikes (电动自行车以旧换新, set by a city): a fixed amount for a new e-bike at or above a
minimum price, the old one handed to an authorised recycler (a proof the programme requires)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from huanxin.tradein.rules.context import Evaluation, yuan

PROOFS: tuple[str, ...] = ("recycling_cert",)


def rules(ev: Evaluation) -> None:
    if not price_at_least_minimum(ev):
        return
    amount = ev.param("amount")
    ev.step("fixed_amount", f"每辆补贴 {yuan(amount.value)} 元", amount)
    ev.say(f"新车价格达标，补贴 {yuan(amount.value)} 元")
    ev.amount_fen = int(amount.value)


def price_at_least_minimum(ev: Evaluation) -> bool:
    minimum = ev.param("min_price")
    price = ev.case.price_fen
    if price < minimum.value:
        ev.fail("price_at_least_minimum", f"新车价格 {yuan(price)} 元低于 {yuan(minimum.value)} 元", minimum, price)
        return False
    ev.step("price_at_least_minimum", f"新车价格 {yuan(price)} 元不低于 {yuan(minimum.value)} 元", minimum)
    return True


def reserve(value: Callable[[str], Any], category: str) -> int:
    return int(value("amount"))
