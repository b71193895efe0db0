"""Home decoration and kitchen-bath (家装厨卫, set by a city): a rate of the price, a cap per
claim; the per-major claim count and the per-person money cap are quotas the claims service
holds (see the programme file)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from huanxin.tradein.rules.context import Evaluation, percent
from huanxin.tradein.rules.kinds.shared import amount_at_rate, capped

PROOFS: tuple[str, ...] = ()


def rules(ev: Evaluation) -> None:
    rate = ev.param("rate")
    ev.say(f"按成交价的 {percent(rate.value)} 补贴")
    ev.amount_fen = capped(ev, amount_at_rate(ev, rate), "cap_per_claim", "每笔")


def reserve(value: Callable[[str], Any], category: str) -> int:
    return int(value("cap_per_claim"))
