"""Car scrapping (汽车报废更新): an old car old enough to scrap (by fuel and first registration,
and in the applicant's name by a date where the rule asks it), scrapped and deregistered, and a
new car bought: an NEV, or a fuel car up to a displacement when a fuel car was scrapped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from huanxin.tradein.rules.context import Evaluation, Found, yuan
from huanxin.tradein.rules.model import EMISSION_STANDARDS

PROOFS: tuple[str, ...] = ("scrap_cert", "deregistration")

FUEL_LABELS = {"petrol": "汽油车", "diesel": "柴油车", "other": "其他燃料车", "nev": "新能源车"}


def cutoff_name(fuel: str) -> str:
    """Diesel and other fuels share one cut-off."""
    return {"petrol": "petrol", "nev": "nev"}.get(fuel, "diesel")


def rules(ev: Evaluation) -> None:
    fuel = old_car_fuel_is_given(ev)
    if fuel is not None:
        old_car_registered_by_cutoff(ev, fuel)
        old_car_emission_standard_within_limit(ev, fuel)
    old_car_in_applicant_name_by_cutoff(ev)
    amount = new_car_amount(ev, fuel)
    if ev.eligible and amount is not None:
        ev.amount_fen = amount


def old_car_fuel_is_given(ev: Evaluation) -> str | None:
    fuel = ev.case.old_vehicle_fuel
    if fuel is None:
        ev.fail("old_car_fuel_is_given", "未填报旧车燃料类型")
    return fuel


def old_car_registered_by_cutoff(ev: Evaluation, fuel: str) -> None:
    cutoff = ev.param(f"old_car.registered_by.{cutoff_name(fuel)}")
    registered = ev.case.old_vehicle_registered_on
    label = FUEL_LABELS[fuel]
    if registered is None:
        ev.fail("old_car_registered_by_cutoff", "未填报旧车注册登记日期", cutoff)
    elif registered > cutoff.value:
        ev.fail("old_car_registered_by_cutoff",
                f"旧{label}注册登记日期 {registered.isoformat()} 晚于 {cutoff.value.isoformat()}，"
                "不属于可报废补贴的旧车",
                cutoff, registered.isoformat())
    else:
        ev.step("old_car_registered_by_cutoff",
                f"旧{label}于 {registered.isoformat()} 注册登记，不晚于 {cutoff.value.isoformat()}", cutoff)


def old_car_emission_standard_within_limit(ev: Evaluation, fuel: str) -> None:
    standard = ev.case.old_emission_standard
    if fuel == "nev" or standard is None:
        return
    limit = ev.param("old_car.max_emission_standard")
    if EMISSION_STANDARDS.index(standard) > EMISSION_STANDARDS.index(limit.value):
        ev.fail("old_car_emission_standard_within_limit", f"旧车排放标准为{standard}，须为{limit.value}及以下",
                limit, standard)
    else:
        ev.step("old_car_emission_standard_within_limit", f"旧车排放标准{standard}，在{limit.value}及以下", limit)


def old_car_in_applicant_name_by_cutoff(ev: Evaluation) -> None:
    cutoff = ev.optional_param("old_car.owned_by") if ev.has_param("old_car.owned_by") else None
    if cutoff is None:
        return
    since = ev.case.old_vehicle_owned_since
    if since is None:
        ev.fail("old_car_in_applicant_name_by_cutoff", "未填报旧车登记在本人名下的日期", cutoff)
    elif since > cutoff.value:
        ev.fail("old_car_in_applicant_name_by_cutoff",
                f"旧车 {since.isoformat()} 才登记在本人名下，须在 {cutoff.value.isoformat()} 前（含当日）", cutoff,
                since.isoformat())
    else:
        ev.step("old_car_in_applicant_name_by_cutoff", f"旧车自 {since.isoformat()} 登记在本人名下", cutoff)


def new_car_amount(ev: Evaluation, old_fuel: str | None) -> int | None:
    new_fuel = ev.case.new_vehicle_fuel
    if new_fuel is None:
        ev.fail("new_car_kind", "未填报新车类型（新能源或燃油）")
        return None
    if new_fuel == "nev":
        amount = ev.param("amount.nev")
        return _granted(ev, amount, "报废旧车并购买新能源乘用车")
    if old_fuel == "nev":
        ev.fail("new_car_kind", "报废新能源车后购买燃油车不在补贴范围（须购买新能源车）")
        return None
    limit = ev.param("new_fuel_max_displacement_l")
    displacement = ev.case.new_vehicle_displacement_l
    if displacement is None:
        ev.fail("new_fuel_car_displacement", "未填报新燃油车排量", limit)
        return None
    if displacement > limit.value:
        ev.fail("new_fuel_car_displacement", f"新燃油车排量 {displacement:g} 升超过 {limit.value:g} 升",
                limit, displacement)
        return None
    ev.step("new_fuel_car_displacement", f"新燃油车排量 {displacement:g} 升，不超过 {limit.value:g} 升", limit)
    return _granted(ev, ev.param("amount.fuel"), f"报废燃油车并购买 {limit.value:g} 升及以下燃油乘用车")


def _granted(ev: Evaluation, amount: Found, what: str) -> int:
    ev.step("scrap_amount", f"{what}：补贴 {yuan(amount.value)} 元", amount)
    ev.say(f"{what}，补贴 {yuan(amount.value)} 元")
    return int(amount.value)


def reserve(value: Callable[[str], Any], category: str) -> int:
    return max(int(value("amount.nev")), int(value("amount.fuel")))
