"""The 贴息 schedule against hand-computed cases (actual/360, start day counted and end day not,
floored to the fen, calendar quarters), on the shipped dated parameters of projects/funding."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from huanxin.financing.schedule import TrancheTerms, loan_schedule, quarter_bounds, quarter_totals

D = dt.date


def test_tranche_disbursed_mid_quarter_accrues_from_its_day() -> None:
    # 100万元 from 2025-02-15: Feb 15–28 (14 days) + March (31) = 45 days in Q1;
    # 1,000,000 × 1.5% × 45 / 360 = 1,875.00元.
    rows = loan_schedule([TrancheTerms(1, 100_000_000, D(2025, 2, 15))], term_months=36)
    first = rows[0]
    assert (first.quarter, first.start_on, first.end_on, first.days) == ("2025Q1", D(2025, 2, 15), D(2025, 4, 1), 45)
    assert first.rate_bp == 150 and first.amount_fen == 187_500
    assert "算头不算尾" in first.basis
    # Q2 is a whole quarter: 91 days → 1,000,000 × 1.5% × 91 / 360 = 3,791.666… → 3,791.66元
    assert quarter_totals(rows)["2025Q2"] == 379_166


def test_rate_point_change_on_its_date_splits_the_period() -> None:
    # 10万元 from 2024-07-01: 1 point until 2024-07-24 (24 days), 1.5 points from 2024-07-25 (68 days).
    rows = loan_schedule([TrancheTerms(1, 10_000_000, D(2024, 7, 1))], term_months=36)
    q3 = [r for r in rows if r.quarter == "2024Q3"]
    assert [(r.start_on, r.days, r.rate_bp, r.amount_fen) for r in q3] == [
        (D(2024, 7, 1), 24, 100, 6_666),   # 100,000 × 1% × 24 / 360 = 66.666… → 66.66元
        (D(2024, 7, 25), 68, 150, 28_333),  # 100,000 × 1.5% × 68 / 360 = 283.333… → 283.33元
    ]


def test_early_repayment_stops_the_subsidy_on_that_date() -> None:
    # 36万元 from 2025-01-01, repaid 2025-02-10: 40 days (Jan 31 + Feb 1–9) → 360,000 × 1.5% × 40 / 360 = 600元
    rows = loan_schedule([TrancheTerms(1, 36_000_000, D(2025, 1, 1))], term_months=36,
                         repaid_early_on=D(2025, 2, 10))
    assert [(r.quarter, r.days, r.amount_fen) for r in rows] == [("2025Q1", 40, 60_000)]


def test_two_years_at_most_from_each_disbursement() -> None:
    # a 5-year loan from 2025-05-20: subsidised to 2027-05-19, 730 days over 9 quarters
    rows = loan_schedule([TrancheTerms(1, 100_000_000, D(2025, 5, 20))], term_months=60)
    assert rows[0].quarter == "2025Q2" and rows[0].days == 42  # May 20–31 (12) + June (30)
    assert rows[-1].quarter == "2027Q2" and rows[-1].end_on == D(2027, 5, 20) and rows[-1].days == 49
    assert sum(r.days for r in rows) == 730
    assert len({r.quarter for r in rows}) == 9


def test_a_shorter_term_ends_the_subsidy_first() -> None:
    rows = loan_schedule([TrancheTerms(1, 100_000_000, D(2025, 5, 20))], term_months=12)
    assert rows[-1].end_on == D(2026, 5, 20) and sum(r.days for r in rows) == 365


def test_each_tranche_has_its_own_start_and_two_years() -> None:
    rows = loan_schedule([TrancheTerms(1, 60_000_000, D(2025, 1, 10)), TrancheTerms(2, 40_000_000, D(2025, 3, 1))],
                         term_months=36)
    q1 = [(r.tranche_id, r.days, r.amount_fen) for r in rows if r.quarter == "2025Q1"]
    # Jan 10–31 (22) + Feb (28) + Mar (31) = 81 days: 600,000 × 1.5% × 81 / 360 = 2,025元;
    # March: 400,000 × 1.5% × 31 / 360 = 516.666… → 516.66元
    assert q1 == [(1, 81, 202_500), (2, 31, 51_666)]
    assert max(r.end_on for r in rows if r.tranche_id == 1) == D(2027, 1, 10)
    assert max(r.end_on for r in rows if r.tranche_id == 2) == D(2027, 3, 1)


def test_2024_notice_counts_from_the_day_the_supplier_was_paid() -> None:
    rows = loan_schedule([TrancheTerms(1, 36_000_000, D(2025, 1, 1), reached_supplier_on=D(2025, 1, 11))],
                         term_months=36)
    assert rows[0].start_on == D(2025, 1, 11) and rows[0].days == 80


def test_2026_notice_counts_from_the_disbursement() -> None:
    rows = loan_schedule([TrancheTerms(1, 36_000_000, D(2026, 2, 2), reached_supplier_on=D(2026, 2, 12))],
                         term_months=36)
    assert rows[0].start_on == D(2026, 2, 2)


@settings(max_examples=150, deadline=None)
@given(amount=st.integers(1, 10**12), start=st.dates(D(2024, 3, 7), D(2026, 12, 31)), term=st.integers(1, 120),
       repaid_after=st.one_of(st.none(), st.integers(0, 1000)))
def test_rows_tile_the_period_by_quarter_and_never_exceed_the_exact_amount(
        amount: int, start: dt.date, term: int, repaid_after: int | None) -> None:
    repaid = start + dt.timedelta(days=repaid_after) if repaid_after is not None else None
    rows = loan_schedule([TrancheTerms(1, amount, start)], term_months=term, repaid_early_on=repaid)
    days = sum(r.days for r in rows)
    assert days <= 731 and (repaid is None or rows == [] or rows[-1].end_on <= repaid)
    for before, after in zip(rows, rows[1:], strict=False):
        assert before.end_on == after.start_on  # no gap, no overlap
    for r in rows:
        first, after_last = quarter_bounds(r.quarter)
        assert first <= r.start_on < r.end_on <= after_last and r.days == (r.end_on - r.start_on).days
        assert r.amount_fen == r.base_fen * r.rate_bp * r.days // 3_600_000  # floored to the fen
    exact = Fraction(sum(amount * r.rate_bp * r.days for r in rows), 3_600_000)
    paid = sum(r.amount_fen for r in rows)
    assert paid <= exact and (not rows or exact - paid < len(rows))  # each row loses less than 1 fen
