"""Reading a Solomon VRPTW instance into a `DispatchProblem`, so the benchmark and the tests run the
production planner on published instances with best-known results.

Distances are Euclidean at full precision, scaled by `SCALE` and rounded (the best-known figures we
compare with use unrounded distances); windows and service times are scaled alike because Solomon's
travel time equals distance. The instance's one demand becomes weight; volume is not used (zero)."""

from __future__ import annotations

from pathlib import Path

from huanxin.recycling.dispatch.problem import Depot, DispatchProblem, Stop, Vehicle
from huanxin.recycling.dispatch.travel import Euclidean

SCALE = 1000


def read_solomon(path: Path, *, customers: int | None = None) -> DispatchProblem:
    lines = [ln.split() for ln in path.read_text().splitlines()]
    numeric = [row for row in lines if row and all(_is_number(t) for t in row)]
    fleet, rows = numeric[0], numeric[1:]
    count, capacity = int(fleet[0]), int(fleet[1])
    depot_row, customer_rows = rows[0], rows[1:]
    if customers is not None:
        customer_rows = customer_rows[:customers]
    x, y, _, ready, due, _ = (float(t) for t in depot_row[1:7])
    depot = Depot("depot", x, y, int(ready) * SCALE, int(due) * SCALE)
    stops = tuple(
        Stop(
            id=r[0],
            x=float(r[1]),
            y=float(r[2]),
            window_start=int(float(r[4])) * SCALE,
            window_end=int(float(r[5])) * SCALE,
            service=int(float(r[6])) * SCALE,
            weight_g=int(float(r[3])),
            volume_l=0,
        )
        for r in customer_rows
    )
    vehicles = tuple(Vehicle(f"v{k + 1}", "depot", capacity, 1, depot.opens, depot.closes) for k in range(count))
    return DispatchProblem((depot,), stops, vehicles, Euclidean(SCALE))


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True
