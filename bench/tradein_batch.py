"""Vectorised rule evaluation against the one-claim path.

Generates N claim cases (default 1,000,000) across the national appliance, digital and car
programmes as NumPy columns, times `evaluate_batch` on all of them, times the one-claim path
(`engine.evaluate`, with its trace and reasons) on a sample, checks that both agree on the
sample, and prints claims per second for both and the ratio. Goal: 1M cases in under 5 s.

    python bench/tradein_batch.py                 # 1,000,000 cases, 20,000-case sample
    python bench/tradein_batch.py --n 200000 --sample 5000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time

import numpy as np

from huanxin.tradein.rules.batch import evaluate_batch
from huanxin.tradein.rules.engine import ClaimCase, evaluate, programmes

MIX = {  # share of claims per programme, roughly the 2025 national mix plus late 2024 claims
    "appliance-2025": 0.45, "digital-2025": 0.30, "appliance-2024": 0.08, "car-scrap-2025": 0.06,
    "car-replace-2025": 0.06, "car-scrap-2024": 0.05,
}


def generate(n: int, seed: int = 2025) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    codes = np.array(list(MIX))
    programme = codes[rng.choice(len(codes), size=n, p=np.array(list(MIX.values())))]
    category = np.empty(n, dtype="<U20")
    invoice = np.empty(n, dtype="datetime64[D]")
    price = np.empty(n, dtype=np.int64)
    rules = programmes()
    for code in codes:
        rows = np.flatnonzero(programme == code)
        cats = np.array(rules[code].categories)
        category[rows] = cats[rng.integers(0, len(cats), rows.size)]
        start, end = np.datetime64(rules[code].starts_on), np.datetime64(rules[code].ends_on)
        span = int((end - start).astype(int)) + 40  # some invoices fall after the programme
        invoice[rows] = start - 10 + rng.integers(0, span, rows.size).astype("timedelta64[D]")
        if code.startswith("car"):
            price[rows] = rng.integers(6_000_000, 40_000_000, rows.size)
        elif code.startswith("digital"):
            price[rows] = rng.integers(50_000, 900_000, rows.size)
        else:
            price[rows] = rng.integers(30_000, 2_000_000, rows.size)
    applied = invoice + rng.integers(0, 15, n).astype("timedelta64[D]")
    registered = np.datetime64("2006-01-01") + rng.integers(0, 365 * 13, n).astype("timedelta64[D]")
    owned = np.datetime64("2015-01-01") + rng.integers(0, 365 * 10 + 30, n).astype("timedelta64[D]")
    fuels = np.array(["petrol", "diesel", "nev", "other"])
    new_fuels = np.array(["nev", "fuel"])
    return {
        "programme": programme,
        "category": category,
        "price_fen": price,
        "efficiency_grade": rng.choice(np.array([1, 2, 3, 0]), size=n, p=[0.45, 0.4, 0.12, 0.03]),
        "invoice_date": invoice,
        "applied_on": applied,
        "region_code": np.full(n, "430500"),
        "old_vehicle_fuel": fuels[rng.choice(4, size=n, p=[0.6, 0.15, 0.2, 0.05])],
        "old_vehicle_registered_on": registered,
        "old_vehicle_owned_since": owned,
        "old_emission_standard": np.full(n, ""),
        "new_vehicle_fuel": new_fuels[rng.integers(0, 2, n)],
        "new_vehicle_displacement_l": rng.choice(np.array([1.0, 1.5, 2.0, 2.4]), size=n),
        "proof.scrap_cert": rng.random(n) < 0.95,
        "proof.deregistration": rng.random(n) < 0.95,
        "proof.sale_record": rng.random(n) < 0.95,
    }


def row_case(cols: dict[str, np.ndarray], i: int) -> ClaimCase:
    def day(name: str) -> dt.date:
        return dt.date.fromisoformat(str(cols[name][i]))

    proofs = frozenset(k for k in ("scrap_cert", "deregistration", "sale_record") if cols[f"proof.{k}"][i])
    return ClaimCase(
        programme=str(cols["programme"][i]), category=str(cols["category"][i]), price_fen=int(cols["price_fen"][i]),
        efficiency_grade=int(cols["efficiency_grade"][i]) or None, invoice_date=day("invoice_date"),
        applied_on=day("applied_on"), region_code=str(cols["region_code"][i]),
        old_vehicle_fuel=str(cols["old_vehicle_fuel"][i]), old_vehicle_registered_on=day("old_vehicle_registered_on"),
        old_vehicle_owned_since=day("old_vehicle_owned_since"), old_emission_standard=None,
        new_vehicle_fuel=str(cols["new_vehicle_fuel"][i]),
        new_vehicle_displacement_l=float(cols["new_vehicle_displacement_l"][i]), old_proof_kinds=proofs,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="batch runs; the best and the first are printed")
    args = parser.parse_args()

    print(f"machine: {platform.machine()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · "
          f"NumPy {np.__version__}")
    t0 = time.perf_counter()
    cols = generate(args.n)
    print(f"generated {args.n:,} cases in {time.perf_counter() - t0:.2f} s")

    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        out = evaluate_batch(cols)
        times.append(time.perf_counter() - t0)
    best = min(times)
    eligible = int(out["eligible"].sum())
    total = int(out["amount_fen"].sum())
    print(f"batch:      {args.n:,} cases in {best:.3f} s (first run {times[0]:.3f} s) = {args.n / best:,.0f} claims/s; "
          f"{eligible:,} eligible, {total / 100:,.2f} yuan; "
          f"goal 1M < 5 s: {'met' if best * 1_000_000 / args.n < 5 else 'NOT met'}")

    rng = np.random.default_rng(7)
    rows = rng.choice(args.n, size=min(args.sample, args.n), replace=False)
    cases = [row_case(cols, int(i)) for i in rows]
    t0 = time.perf_counter()
    decisions = [evaluate(case) for case in cases]
    one_time = time.perf_counter() - t0
    one_rate = len(cases) / one_time
    agree = sum(
        d.eligible == bool(out["eligible"][i]) and d.amount_fen == int(out["amount_fen"][i])
        for d, i in zip(decisions, rows, strict=True)
    )
    print(f"one-claim:  {len(cases):,} cases in {one_time:.3f} s = {one_rate:,.0f} claims/s "
          f"(with trace and reasons); 1M would take {1_000_000 / one_rate:.0f} s")
    print(f"ratio:      batch / one-claim = {args.n / best / one_rate:,.0f}×")
    print(f"agreement:  {agree:,} of {len(cases):,} sampled cases decided identically")


if __name__ == "__main__":
    main()
