"""Digital products (数码产品购新): unit price at most the limit; a rate of the final price
after all discounts; a cap per item."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from huanxin.tradein.rules.context import Evaluation, percent, yuan
from huanxin.tradein.rules.kinds.shared import amount_at_rate, capped

PROOFS: tuple[str, ...] = ()


def rules(ev: Evaluation) -> None:
    if not unit_price_within_limit(ev):
        return
    rate = ev.param("rate")
    ev.say(f"单价不超过上限，按成交价的 {percent(rate.value)} 补贴")
    ev.amount_fen = capped(ev, amount_at_rate(ev, rate), "cap_per_item", "单件")


def unit_price_within_limit(ev: Evaluation) -> bool:
    limit = ev.param("max_unit_price")
    price = ev.case.price_fen
    if price > limit.value:
        ev.fail("unit_price_within_limit", f"单价 {yuan(price)} 元超过 {yuan(limit.value)} 元上限，不予补贴",
                limit, price)
        return False
    ev.step("unit_price_within_limit", f"单价 {yuan(price)} 元不超过 {yuan(limit.value)} 元", limit)
    return True


def reserve(value: Callable[[str], Any], category: str) -> int:
    return int(value("cap_per_item"))
