"""Rules shared by the kinds that pay a share of the price up to a cap."""

from __future__ import annotations

from huanxin.tradein.rules.context import Evaluation, Found, percent, rate_amount, yuan


def amount_at_rate(ev: Evaluation, rate: Found) -> int:
    amount = rate_amount(ev.case.price_fen, rate.value)
    price = yuan(ev.case.price_fen)
    ev.step("amount_at_rate", f"成交价 {price} 元 × {percent(rate.value)} = {yuan(amount)} 元（不足1分舍去）", rate)
    return amount


def capped(ev: Evaluation, amount: int, cap_name: str, what: str) -> int:
    cap = ev.param(cap_name)
    if amount > cap.value:
        ev.step("capped", f"超过{what}上限 {yuan(cap.value)} 元，按上限补贴", cap)
        ev.say(f"已达{what}上限，补贴 {yuan(cap.value)} 元")
        return int(cap.value)
    ev.step("capped", f"未超过{what}上限 {yuan(cap.value)} 元", cap)
    return amount
