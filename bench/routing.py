"""Routing quality and speed of the recycling dispatch planner (`plan_routes`, the production code).

  .venv/bin/python bench/routing.py [DIR] [--seconds 10] [--quick] [--only PATTERN] [--no-city]

Solomon: every DIR/*.txt (default ../shared/data/vrp/solomon beside the repository) is solved with
`seconds` per instance (--quick: 2 s) and compared with DIR/BKS.csv (its distance_first row when
present, else its first row for the key): key, distance, best-known, gap %, vehicles, seconds; then
`mean gap X.XX% over N instances, max Y.YY%, mean Z.Z s`. Every plan is also run through the
independent checker; a violation is printed and the run exits non-zero.

City day: 2,000 generated bookings around 资阳 (104.63 E, 30.13 N) within about 15 km, 2-hour slots
from 8:00 to 18:00, 5 minutes of service, weight and volume demand, 40 vehicles from 3 depots with
reloads, the haversine model (×1.3 detour, 25 km/h); prints the time, lateness and unserved count.
Goal: under 60 s."""

from __future__ import annotations

import argparse
import csv
import fnmatch
import math
import random
import sys
import time
from pathlib import Path

from huanxin.recycling.dispatch.check import check_plan
from huanxin.recycling.dispatch.problem import Depot, DispatchProblem, Stop, Vehicle
from huanxin.recycling.dispatch.solomon import SCALE, read_solomon
from huanxin.recycling.dispatch.solve import plan_routes
from huanxin.recycling.dispatch.travel import Haversine

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "vrp" / "solomon"


def best_known(path: Path) -> dict[str, tuple[float, int]]:
    best: dict[str, tuple[float, int]] = {}
    with path.open() as handle:
        for row in csv.DictReader(handle):
            key = row["key"]
            if key not in best or row["objective"] == "distance_first":
                best[key] = (float(row["best_known_cost"]), int(row["vehicles"]))
    return best


def solomon(folder: Path, seconds: float, only: str) -> bool:
    bks = best_known(folder / "BKS.csv")
    gaps, times, clean = [], [], True
    print(f"{'key':8} {'distance':>10} {'BKS':>10} {'gap %':>7} {'veh':>4} {'s':>6}")
    for path in sorted(folder.glob("*.txt")):
        key = path.stem
        if not fnmatch.fnmatch(key, only) or key not in bks:
            continue
        problem = read_solomon(path)
        began = time.perf_counter()
        plan = plan_routes(problem, seconds=seconds)
        spent = time.perf_counter() - began
        distance = plan.total_distance / SCALE
        gap = 100 * (distance - bks[key][0]) / bks[key][0]
        gaps.append(gap)
        times.append(spent)
        print(f"{key:8} {distance:10.2f} {bks[key][0]:10.2f} {gap:7.2f} {len(plan.routes):4} {spent:6.1f}", flush=True)
        faults = check_plan(problem, plan)
        if faults or plan.unserved:
            clean = False
            print(f"  {key}: {len(faults)} violations, {len(plan.unserved)} unserved; {faults[:3]}")
    if gaps:
        print(
            f"mean gap {sum(gaps) / len(gaps):.2f}% over {len(gaps)} instances, "
            f"max {max(gaps):.2f}%, mean {sum(times) / len(times):.1f} s"
        )
    return clean


def city_day(bookings: int = 2000, fleet: int = 40, seed: int = 7) -> DispatchProblem:
    rng = random.Random(seed)
    centre_lon, centre_lat = 104.63, 30.13

    def around(radius_km: float) -> tuple[float, float]:
        r, a = radius_km * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
        dlat = r * math.sin(a) / 111.0
        dlon = r * math.cos(a) / (111.0 * math.cos(math.radians(centre_lat)))
        return centre_lon + dlon, centre_lat + dlat

    depots = tuple(Depot(f"场站{k + 1}", *around(10.0), opens=7 * 3600, closes=20 * 3600) for k in range(3))
    stops = []
    for k in range(bookings):
        slot = 8 * 3600 + 2 * 3600 * rng.randrange(5)
        weight, volume = rng.randint(2_000, 60_000), rng.randint(10, 300)
        stops.append(Stop(f"B{k:05d}", *around(15.0), slot, slot + 2 * 3600, 300, weight, volume))
    ids = tuple(d.id for d in depots)
    vehicles = tuple(
        Vehicle(f"车{k + 1:02d}", ids[k % 3], 1_500_000, 8_000, 7 * 3600 + 1800, 19 * 3600, ids) for k in range(fleet)
    )
    return DispatchProblem(depots, tuple(stops), vehicles, Haversine())


def city(seconds: float) -> bool:
    problem = city_day()
    began = time.perf_counter()
    plan = plan_routes(problem, seconds=seconds)
    spent = time.perf_counter() - began
    faults = check_plan(problem, plan)
    print(
        f"city day: {len(problem.stops)} bookings, {len(problem.vehicles)} vehicles, 3 depots: "
        f"{spent:.1f} s (budget {seconds:.0f} s), {len(plan.routes)} routes, "
        f"{plan.total_distance / 1000:.1f} km, lateness {plan.lateness} s, unserved {len(plan.unserved)}, "
        f"checker violations {len(faults)}"
    )
    return not faults


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--quick", action="store_true", help="2 s per instance")
    parser.add_argument("--only", default="*", help="instance pattern, e.g. 'C1*'")
    parser.add_argument("--city-seconds", type=float, default=45.0)
    parser.add_argument("--no-city", action="store_true")
    parser.add_argument("--no-solomon", action="store_true")
    args = parser.parse_args()
    ok = True
    if not args.no_solomon:
        ok = solomon(args.dir, 2.0 if args.quick else args.seconds, args.only) and ok
    if not args.no_city:
        ok = city(args.city_seconds) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
