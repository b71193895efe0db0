"""The interest-subsidy (贴息) schedule of a loan, as pure functions over its tranches.

Each tranche accrues from its start (the date the money reached the supplier when the notice in
force counts from then, else its disbursement date) for min(loan term, interest_subsidy.max_months)
months, stopped by an early repayment on its date; the day count is actual/360, the start day
counted and the end day not (算头不算尾). The rate points come from the dated parameters of
projects/funding (interest_subsidy.rate): a change on its date splits the period. Each piece is cut
by calendar quarter and floored to the fen on its own, since each quarter is paid on its own.
The parameters and the 360-day year are those of projects.funding.interest_subsidy, not copies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from huanxin.projects.funding.context import default_parameters
from huanxin.projects.funding.interest_subsidy import DAYS_IN_YEAR, add_months, rate_pieces_of
from huanxin.rules.amounts import money, percent, rate_bp
from huanxin.rules.parameters import DatedValue, ParameterSet

RATE = "interest_subsidy.rate"
MAX_MONTHS = "interest_subsidy.max_months"
START_EVENT = "interest_subsidy.start_event"


@dataclass(frozen=True)
class TrancheTerms:
    tranche_id: int
    amount_fen: int
    disbursed_on: dt.date
    reached_supplier_on: dt.date | None = None


@dataclass(frozen=True)
class ScheduleRow:
    tranche_id: int
    quarter: str  # 2025Q1
    start_on: dt.date
    end_on: dt.date  # the first day not counted
    days: int
    base_fen: int
    rate_bp: int
    amount_fen: int
    basis: str


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def next_quarter_start(day: dt.date) -> dt.date:
    month = ((day.month - 1) // 3 + 1) * 3 + 1
    return dt.date(day.year + 1, 1, 1) if month > 12 else dt.date(day.year, month, 1)


def quarter_bounds(quarter: str) -> tuple[dt.date, dt.date]:
    """[first day, first day of the next quarter) of "2025Q1"."""
    year, number = int(quarter[:4]), int(quarter[5:])
    first = dt.date(year, 3 * (number - 1) + 1, 1)
    return first, next_quarter_start(first)


def subsidy_start(tranche: TrancheTerms, parameters: ParameterSet, known_on: dt.date | None = None) -> dt.date:
    """The notice in force on the disbursement says from when: 划付供应商账户之日 (2024 notices)
    or 贷款发放之日 (财金〔2026〕2号). Without a supplier date the disbursement stands in."""
    event = parameters.lookup(START_EVENT, tranche.disbursed_on, known_on)
    counts_from_supplier = event is not None and "供应商" in str(event.value)
    if counts_from_supplier and tranche.reached_supplier_on is not None:
        return tranche.reached_supplier_on
    return tranche.disbursed_on


def subsidy_end(start: dt.date, term_months: int, repaid_early_on: dt.date | None, parameters: ParameterSet,
                known_on: dt.date | None = None) -> dt.date:
    """The first day not subsidised: the term or the cap from the start, or the early repayment."""
    cap = parameters.lookup(MAX_MONTHS, start, known_on)
    months = min(term_months, int(cap.value)) if cap is not None else 0
    end = add_months(start, months)
    if repaid_early_on is not None and repaid_early_on < end:
        end = max(start, repaid_early_on)
    return end


def rate_pieces(parameters: ParameterSet, start: dt.date, end: dt.date,
                known_on: dt.date | None = None) -> list[tuple[dt.date, dt.date, DatedValue]]:
    """The rate over [start, end) in pieces, cut as the funding rules' estimate cuts it."""
    return rate_pieces_of(parameters, RATE, start, end, known_on)


def by_quarter(start: dt.date, end: dt.date) -> Iterable[tuple[dt.date, dt.date]]:
    begin = start
    while begin < end:
        until = min(end, next_quarter_start(begin))
        yield begin, until
        begin = until


def amount_of(base_fen: int, bp: int, days: int) -> int:
    """base × rate × days ÷ 360, floored to the fen (integer arithmetic: never a float)."""
    return base_fen * bp * days // (10000 * DAYS_IN_YEAR)


def tranche_rows(tranche: TrancheTerms, term_months: int, repaid_early_on: dt.date | None,
                 parameters: ParameterSet, known_on: dt.date | None = None) -> list[ScheduleRow]:
    start = subsidy_start(tranche, parameters, known_on)
    end = subsidy_end(start, term_months, repaid_early_on, parameters, known_on)
    rows: list[ScheduleRow] = []
    for begin, until, dated in rate_pieces(parameters, start, end, known_on):
        bp = rate_bp(dated.value)
        for q_begin, q_until in by_quarter(begin, until):
            days = (q_until - q_begin).days
            amount = amount_of(tranche.amount_fen, bp, days)
            last = q_until - dt.timedelta(days=1)
            basis = (f"本金{money(tranche.amount_fen)} × 年贴息率{percent(dated.value)} × {days}天 ÷ {DAYS_IN_YEAR}"
                     f" = {money(amount)}（{q_begin} 至 {last}，算头不算尾，不足1分舍去；{dated.source}）")
            rows.append(ScheduleRow(tranche.tranche_id, quarter_of(q_begin), q_begin, q_until, days,
                                    tranche.amount_fen, bp, amount, basis))
    return rows


def loan_schedule(tranches: Sequence[TrancheTerms], term_months: int, repaid_early_on: dt.date | None = None,
                  parameters: ParameterSet | None = None, known_on: dt.date | None = None) -> list[ScheduleRow]:
    """Every tranche's rows, ordered by quarter, then start, then tranche."""
    params = parameters or default_parameters()
    rows = [row for t in tranches for row in tranche_rows(t, term_months, repaid_early_on, params, known_on)]
    return sorted(rows, key=lambda r: (r.quarter, r.start_on, r.tranche_id))


def quarter_totals(rows: Iterable[ScheduleRow]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for row in rows:
        totals[row.quarter] = totals.get(row.quarter, 0) + row.amount_fen
    return dict(sorted(totals.items()))
