"""Properties of every decision: never negative, never above the caps, the fund split sums to
the amount, a better efficiency grade never pays less; and the vectorised batch path agrees
with the one-claim path on random cases."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huanxin.tradein.rules.batch import columns_from_cases, evaluate_batch
from huanxin.tradein.rules.engine import ClaimCase, Decision, evaluate, programmes
from huanxin.tradein.rules.parameters import param

# ---- strategies: random cases across the programmes, dates and prices around the rule changes ----

BATCH_PROGRAMMES = ["appliance-2024", "appliance-2025", "digital-2025", "car-scrap-2024", "car-scrap-2025",
                    "car-replace-2025", "home-decor-city"]
CATEGORIES = sorted({c for p in programmes().values() for c in p.categories})
DAY0 = dt.date(2024, 3, 1)
EDGES = [dt.date(2024, 4, 23), dt.date(2024, 4, 24), dt.date(2024, 7, 31), dt.date(2024, 8, 1), dt.date(2024, 8, 16),
         dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2025, 1, 10), dt.date(2025, 1, 11), dt.date(2025, 1, 19),
         dt.date(2025, 1, 20), dt.date(2025, 12, 31)]
OLD_DATE_EDGES = [dt.date(2011, 6, 30), dt.date(2011, 7, 1), dt.date(2012, 6, 30), dt.date(2012, 7, 1),
                  dt.date(2013, 6, 30), dt.date(2014, 6, 30), dt.date(2014, 7, 1), dt.date(2018, 4, 30),
                  dt.date(2018, 5, 1), dt.date(2018, 12, 31), dt.date(2019, 1, 1), dt.date(2025, 1, 8),
                  dt.date(2025, 1, 9)]

days = st.one_of(st.sampled_from(EDGES), st.integers(0, 700).map(lambda n: DAY0 + dt.timedelta(days=n)))
old_dates = st.one_of(st.none(), st.sampled_from(OLD_DATE_EDGES),
                      st.integers(0, 6600).map(lambda n: dt.date(2007, 1, 1) + dt.timedelta(days=n)))
prices = st.one_of(
    st.sampled_from([1, 99, 100, 149999, 150000, 599999, 600000, 600001, 1000000, 1333333, 1333334]),
    st.integers(1, 3_000_000), st.integers(1, 30_000_000),
)


@st.composite
def claim_cases(draw: st.DrawFn, programme: str | None = None) -> ClaimCase:
    """Mostly plausible cases (inside the programme's period, the proofs it needs, car facts
    filled in) so that many are eligible, mixed with wild ones that exercise every rejection."""
    code = programme or draw(st.sampled_from(BATCH_PROGRAMMES))
    rules = programmes()[code]
    own = list(rules.categories)
    plausible = draw(st.integers(0, 3)) > 0
    span = (rules.ends_on - rules.starts_on).days
    inside = st.integers(0, span).map(lambda n: rules.starts_on + dt.timedelta(days=n))
    invoice = draw(st.one_of(inside, st.sampled_from([rules.starts_on, rules.ends_on]))) if plausible else draw(days)
    needed = {"car-scrap-2024": {"scrap_cert", "deregistration"}, "car-scrap-2025": {"scrap_cert", "deregistration"},
              "car-replace-2025": {"sale_record"}}.get(code, set())
    proofs = set(needed) if plausible and draw(st.integers(0, 4)) else draw(
        st.sets(st.sampled_from(["scrap_cert", "deregistration", "sale_record", "recycling_cert"])))
    return ClaimCase(
        programme=code,
        category=draw(st.sampled_from(own)) if plausible else draw(st.sampled_from(own + CATEGORIES)),
        price_fen=draw(prices if plausible else st.one_of(prices, st.sampled_from([0, -100]))),
        efficiency_grade=draw(st.sampled_from([1, 2, 2, 3]) if plausible else st.one_of(st.none(), st.integers(1, 5))),
        invoice_date=invoice,
        applied_on=invoice + dt.timedelta(days=draw(st.sampled_from([0, 1, 10]) if plausible else st.integers(0, 30))),
        region_code=draw(st.sampled_from(["430500", "512002", "510400"])),
        old_vehicle_fuel=draw(st.sampled_from(["petrol", "diesel", "nev", "other"] + ([] if plausible else [None]))),
        old_vehicle_registered_on=draw(
            st.one_of(st.sampled_from(OLD_DATE_EDGES), old_dates) if plausible else old_dates),
        old_vehicle_owned_since=draw(old_dates),
        old_emission_standard=draw(st.sampled_from([None, None, None, "国二", "国三", "国四", "国五"])),
        new_vehicle_fuel=draw(st.sampled_from(["nev", "fuel"] + ([] if plausible else [None]))),
        new_vehicle_displacement_l=draw(st.one_of(st.none(), st.sampled_from([1.0, 1.5, 2.0, 2.0001, 2.4, 3.0]))),
        old_proof_kinds=frozenset(proofs),
    )


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def decide(case: ClaimCase) -> Decision | None:
    from huanxin.errors import InvalidInput

    try:
        return evaluate(case)
    except InvalidInput:
        return None


def cap_for(decision: Decision, case: ClaimCase) -> int:
    on = decision.decided_on or case.invoice_date
    kind_caps = {
        "appliance": "appliance.cap_per_item", "digital": "digital.cap_per_item",
        "home-decor": "city.home_decor.cap_per_claim",
    }
    for prefix, path in kind_caps.items():
        if case.programme.startswith(prefix):
            return int(param(path, on)[0])
    if case.programme.startswith("car-scrap"):
        return int(param("car.scrap.amount.nev", on)[0])
    return int(param("car.replace.amount.nev", on)[0])


@SETTINGS
@given(claim_cases())
def test_amounts_are_never_negative_never_above_the_cap_and_split_exactly(case: ClaimCase) -> None:
    decision = decide(case)
    if decision is None:
        return
    assert 0 <= decision.amount_fen <= decision.reserve_fen
    assert sum(decision.by_source.values()) == decision.amount_fen
    assert all(v >= 0 for v in decision.by_source.values())
    if decision.eligible:
        assert decision.amount_fen <= cap_for(decision, case)
        assert decision.reasons and decision.trace
    else:
        assert decision.amount_fen == 0 and decision.reasons


@SETTINGS
@given(claim_cases(programme="appliance-2025"), st.integers(1, 4))
def test_a_better_grade_never_pays_less(case: ClaimCase, grade: int) -> None:
    worse = decide(dataclasses.replace(case, efficiency_grade=grade + 1))
    better = decide(dataclasses.replace(case, efficiency_grade=grade))
    if worse is None or better is None:
        return
    assert better.amount_fen >= worse.amount_fen
    assert better.eligible or not worse.eligible


@SETTINGS
@given(claim_cases(programme="digital-2025"), st.integers(1, 1_000_000))
def test_a_higher_price_within_the_limit_never_pays_less(case: ClaimCase, more: int) -> None:
    cheaper = decide(case)
    dearer = decide(dataclasses.replace(case, price_fen=case.price_fen + more))
    if cheaper is None or dearer is None or not dearer.eligible:
        return
    assert dearer.amount_fen >= cheaper.amount_fen


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(claim_cases(), min_size=1, max_size=60), st.booleans())
def test_the_batch_path_equals_the_one_claim_path(cases: list[ClaimCase], explicit_on: bool) -> None:
    columns = columns_from_cases(cases)
    on = dt.date(2025, 2, 1) if explicit_on else None
    if on:
        columns["on"] = np.full(len(cases), np.datetime64(on, "D"))
    batch = evaluate_batch(columns)
    for i, case in enumerate(cases):
        one = decide(case) if on is None else _decide_on(case, on)
        if one is None:
            assert not batch["valid"][i], case
            assert not batch["eligible"][i] and batch["amount_fen"][i] == 0
            continue
        assert batch["valid"][i], case
        assert bool(batch["eligible"][i]) == one.eligible, (case, one.reasons)
        assert int(batch["amount_fen"][i]) == one.amount_fen, (case, one.reasons)
        for source in ("central", "local"):
            assert int(batch[f"by_source.{source}"][i]) == one.by_source.get(source, 0), case


def test_the_batch_path_agrees_on_every_decision_case_file() -> None:
    """The policy staff's cases sit on the boundaries (cut-off dates, price limits, caps)."""
    from huanxin.tradein.rules.batch import BATCH_KINDS
    from huanxin.tradein.rules.decision_cases import all_cases
    from huanxin.tradein.rules.model import case_from_dict

    cases = []
    for spec in all_cases():
        rules = programmes()[spec.input["programme"]]
        if rules.kind in BATCH_KINDS and not rules.conditions and spec.on is None and spec.known_on is None:
            cases.append(case_from_dict(spec.input))
    assert len(cases) > 40
    batch = evaluate_batch(columns_from_cases(cases))
    for i, case in enumerate(cases):
        one = decide(case)
        if one is None:
            assert not batch["valid"][i]
            continue
        assert (bool(batch["eligible"][i]), int(batch["amount_fen"][i])) == (one.eligible, one.amount_fen), case


def _decide_on(case: ClaimCase, on: dt.date) -> Decision | None:
    from huanxin.errors import InvalidInput

    try:
        return evaluate(case, on)
    except InvalidInput:
        return None


def test_the_batch_path_honours_overrides() -> None:
    from huanxin.tradein.rules.registry import default_rulebook

    case = ClaimCase("appliance-2025", "tv", 1_200_000, 1, dt.date(2025, 3, 1), dt.date(2025, 3, 1))
    book = default_rulebook().with_overrides({"appliance.cap_per_item": 150000})
    assert evaluate(case, rulebook=book).amount_fen == 150000
    assert int(evaluate_batch(columns_from_cases([case]), rulebook=book)["amount_fen"][0]) == 150000
