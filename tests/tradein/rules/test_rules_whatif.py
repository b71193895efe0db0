"""What-if: past claims under a proposed parameter change, and the cost difference."""

from __future__ import annotations

import datetime as dt

import pytest

from huanxin.errors import InvalidInput
from huanxin.tradein.rules.engine import ClaimCase, evaluate
from huanxin.tradein.rules.whatif import what_if

D = dt.date


def tv(price_fen: int, grade: int = 1) -> ClaimCase:
    return ClaimCase("appliance-2025", "tv", price_fen, grade, D(2025, 3, 1), D(2025, 3, 1), "430500")


PAST = [tv(1_200_000), tv(500_000), tv(300_000, grade=2), tv(300_000, grade=3)]


def test_lowering_the_cap_costs_less_for_the_claims_it_binds() -> None:
    result = what_if(PAST, {"appliance.cap_per_item": 150000})
    assert result.count == 4
    assert result.baseline_total_fen == 200000 + 100000 + 45000 + 0
    assert result.proposed_total_fen == 150000 + 100000 + 45000 + 0
    assert result.difference_fen == -50000 and result.changed == 1


def test_admitting_grade_3_makes_claims_newly_eligible() -> None:
    result = what_if(PAST, {"appliance.max_grade": 3, "appliance.rate.grade2": 0.10})
    # grade 3 has no rate of its own: the rule is not in force for it, so it stays ineligible
    assert result.newly_eligible == 0
    assert result.difference_fen == 30000 - 45000
    assert result.changed == 1


def test_what_if_leaves_the_loaded_parameters_alone() -> None:
    what_if(PAST, {"appliance.cap_per_item": 1})
    assert evaluate(PAST[0]).amount_fen == 200000


def test_an_unknown_parameter_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="未知参数"):
        what_if(PAST, {"appliance.cap": 1})


def test_the_retroactive_car_increase_as_a_what_if() -> None:
    car = ClaimCase("car-scrap-2024", "car", 15000000, None, D(2024, 5, 10), D(2024, 5, 12), "512000",
                    old_vehicle_fuel="petrol", old_vehicle_registered_on=D(2010, 1, 1), new_vehicle_fuel="nev",
                    old_proof_kinds=frozenset({"scrap_cert", "deregistration"}))
    result = what_if([car] * 3, {"car.scrap.amount.nev": 1000000})
    assert result.difference_fen == -3_000_000 and result.changed == 3
