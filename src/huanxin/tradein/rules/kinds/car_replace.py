"""Car replacement (汽车置换更新): the old car sold or transferred out (not scrapped) and a new
car bought; the amount by the new car's kind; once per person per calendar year (a quota in
the programme file)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from huanxin.tradein.rules.context import Evaluation, yuan

PROOFS: tuple[str, ...] = ("sale_record",)


def rules(ev: Evaluation) -> None:
    old_car_in_applicant_name_by_cutoff(ev)
    new_fuel = ev.case.new_vehicle_fuel
    if new_fuel is None:
        ev.fail("new_car_kind", "未填报新车类型（新能源或燃油）")
        return
    amount = ev.param(f"amount.{new_fuel}")
    what = "新能源乘用车" if new_fuel == "nev" else "燃油乘用车"
    ev.step("replace_amount", f"转出旧车并购买{what}：补贴 {yuan(amount.value)} 元", amount)
    ev.say(f"置换更新购买{what}，补贴 {yuan(amount.value)} 元")
    if ev.eligible:
        ev.amount_fen = int(amount.value)


def old_car_in_applicant_name_by_cutoff(ev: Evaluation) -> None:
    """Nationally not set for replacement; a city may add `car.replace.old_car.owned_by`."""
    cutoff = ev.optional_param("old_car.owned_by") if ev.has_param("old_car.owned_by") else None
    if cutoff is None:
        return
    since = ev.case.old_vehicle_owned_since
    if since is None or since > cutoff.value:
        ev.fail("old_car_in_applicant_name_by_cutoff",
                f"旧车须在 {cutoff.value.isoformat()} 前（含当日）登记在本人名下", cutoff)
    else:
        ev.step("old_car_in_applicant_name_by_cutoff", f"旧车自 {since.isoformat()} 登记在本人名下", cutoff)


def reserve(value: Callable[[str], Any], category: str) -> int:
    return max(int(value("amount.nev")), int(value("amount.fuel")))
