"""Appliances (家电以旧换新): energy or water efficiency grade 2 or better; grade 1 gets the
higher rate; a cap per item. Handing in the old item is not required."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from huanxin.tradein.rules.context import Evaluation, percent
from huanxin.tradein.rules.kinds.shared import amount_at_rate, capped

PROOFS: tuple[str, ...] = ()


def rules(ev: Evaluation) -> None:
    grade = grade_is_given(ev)
    if grade is None or not grade_meets_minimum(ev, grade):
        return
    rate = ev.param(f"rate.grade{grade}")
    ev.say(f"{grade}级能效（水效），按成交价的 {percent(rate.value)} 补贴")
    ev.amount_fen = capped(ev, amount_at_rate(ev, rate), "cap_per_item", "单件")


def grade_is_given(ev: Evaluation) -> int | None:
    grade = ev.case.efficiency_grade
    if grade is None:
        ev.fail("grade_is_given", "未提供能效或水效等级（须见产品能效/水效标识）")
    return grade


def grade_meets_minimum(ev: Evaluation, grade: int) -> bool:
    limit = ev.param("max_grade")
    if grade > limit.value:
        ev.fail("grade_meets_minimum", f"能效（水效）等级为{grade}级，须达到{limit.value}级及以上", limit, grade)
        return False
    ev.step("grade_meets_minimum", f"{grade}级，达到{limit.value}级及以上", limit)
    return True


def reserve(value: Callable[[str], Any], category: str) -> int:
    return int(value("cap_per_item"))
