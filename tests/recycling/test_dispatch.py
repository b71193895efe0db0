"""The dispatch planner on small instances: every plan passes the independent checker, and what a
dispatcher would notice holds: late or impossible bookings are reported with a reason, both weight and
volume bind, shifts end on time, a re-plan keeps what was already driven, both depots are used."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from huanxin.recycling.dispatch.check import check_plan
from huanxin.recycling.dispatch.problem import Depot, DispatchPlan, DispatchProblem, Stop, Vehicle
from huanxin.recycling.dispatch.solomon import read_solomon
from huanxin.recycling.dispatch.solve import (
    REASON_VOLUME,
    REASON_WEIGHT,
    REASON_WINDOW,
    plan_routes,
)
from huanxin.recycling.dispatch.travel import Euclidean

C101 = Path(__file__).resolve().parents[3] / "shared" / "data" / "vrp" / "solomon" / "C101.txt"
DAY = 10_000


def stop(sid: str, x: float, y: float = 0, *, w: int = 1, v: int = 1, start: int = 0, end: int = DAY) -> Stop:
    return Stop(sid, x, y, start, end, 10, w, v)


def vehicle(vid: str, depot: str = "D", *, w: int = 100, v: int = 100, end: int = DAY, **kw: object) -> Vehicle:
    return Vehicle(vid, depot, w, v, 0, end, **kw)  # type: ignore[arg-type]


def problem(stops: list[Stop], vehicles: list[Vehicle], depots: list[Depot] | None = None) -> DispatchProblem:
    return DispatchProblem(tuple(depots or [Depot("D", 0, 0, 0, DAY)]), tuple(stops), tuple(vehicles), Euclidean(1))


def solve(p: DispatchProblem) -> DispatchPlan:
    plan = plan_routes(p, seconds=0.5)
    assert check_plan(p, plan) == []
    return plan


def routed(plan: DispatchPlan, vid: str) -> list[str]:
    route = next(r for r in plan.routes if r.vehicle_id == vid)
    return [v.ref for v in route.visits if v.kind == "stop"]


def reasons(plan: DispatchPlan) -> dict[str, str]:
    return {u.stop_id: u.reason for u in plan.unserved}


def test_first_25_customers_of_c101_route_cleanly() -> None:
    if not C101.exists():
        pytest.skip(f"{C101} not present (the shared data folder sits beside the repository)")
    p = read_solomon(C101, customers=25)
    plan = solve(p)
    assert plan.unserved == () and plan.lateness == 0
    assert sorted(sid for r in plan.routes for sid in routed(plan, r.vehicle_id)) == sorted(s.id for s in p.stops)


def test_a_generated_windowed_instance_routes_cleanly() -> None:
    rng = random.Random(3)
    stops = []
    for k in range(30):
        opens = rng.randrange(0, 600)
        stops.append(
            stop(
                f"s{k}", rng.uniform(-50, 50), rng.uniform(-50, 50), w=rng.randint(1, 20), start=opens, end=opens + 300
            )
        )
    p = problem(stops, [vehicle(f"v{k}", w=80) for k in range(8)])
    plan = solve(p)
    assert plan.unserved == () and plan.lateness == 0
    assert all(max(v.load_weight_g for v in r.visits) <= 80 for r in plan.routes)


def test_a_window_no_vehicle_can_reach_is_reported_with_a_reason() -> None:
    p = problem([stop("near", 5), stop("far", 500, end=100)], [vehicle("v1")])
    plan = solve(p)
    assert reasons(plan) == {"far": REASON_WINDOW}
    assert routed(plan, "v1") == ["near"]


def test_weight_binds_and_an_overweight_booking_is_reported() -> None:
    p = problem(
        [stop("a", 10, w=6), stop("b", -10, w=6), stop("heavy", 3, w=11)], [vehicle(f"v{k}", w=10) for k in (1, 2)]
    )
    plan = solve(p)
    assert reasons(plan) == {"heavy": REASON_WEIGHT}
    assert sorted(len(routed(plan, r.vehicle_id)) for r in plan.routes) == [1, 1]


def test_volume_binds_and_a_bulky_booking_is_reported() -> None:
    p = problem(
        [stop("a", 10, v=6), stop("b", -10, v=6), stop("sofa", 3, v=11)], [vehicle(f"v{k}", v=10) for k in (1, 2)]
    )
    plan = solve(p)
    assert reasons(plan) == {"sofa": REASON_VOLUME}
    assert sorted(len(routed(plan, r.vehicle_id)) for r in plan.routes) == [1, 1]


def test_a_reload_at_the_depot_empties_the_vehicle() -> None:
    p = problem(
        [stop("a", 10, w=6), stop("b", 20, w=6), stop("c", 30, w=6)], [vehicle("v1", w=10, reload_depot_ids=("D",))]
    )
    plan = solve(p)
    assert plan.unserved == ()
    assert sum(v.kind == "reload" for v in plan.routes[0].visits) == 2


def test_the_shift_end_is_respected() -> None:
    p = problem([stop("near", 10), stop("far", 400)], [vehicle("v1", end=500)])
    plan = solve(p)
    assert routed(plan, "v1") == ["near"] and set(reasons(plan)) == {"far"}
    assert plan.routes[0].end <= 500


def test_a_replan_keeps_the_fixed_prefix_in_order() -> None:
    stops = [stop(f"s{k}", x) for k, x in enumerate([10, 20, 30, -10, -20])]
    p = problem(stops, [vehicle("v1", fixed=("s2", "s0")), vehicle("v2")])
    plan = solve(p)
    assert routed(plan, "v1")[:2] == ["s2", "s0"]
    assert plan.unserved == ()


def test_two_depots_are_both_used() -> None:
    depots = [Depot("west", -1000, 0, 0, DAY), Depot("east", 1000, 0, 0, DAY)]
    stops = [stop(f"w{k}", -1000 + 10 * k, 5) for k in range(4)] + [stop(f"e{k}", 1000 - 10 * k, 5) for k in range(4)]
    p = problem(stops, [vehicle("vw", "west", end=1500), vehicle("ve", "east", end=1500)], depots)
    plan = solve(p)
    assert plan.unserved == ()
    assert sorted(routed(plan, "vw")) == [f"w{k}" for k in range(4)]
    assert sorted(routed(plan, "ve")) == [f"e{k}" for k in range(4)]


def test_the_checker_catches_a_hand_broken_plan() -> None:
    p = problem([stop("a", 10, w=6), stop("b", 20, w=6, end=40)], [vehicle("v1", w=20)])
    plan = solve(p)
    route = plan.routes[0]
    reversed_route = replace(route, visits=tuple(reversed(route.visits)))
    assert any("时刻" in f for f in check_plan(p, replace(plan, routes=(reversed_route,))))
    overloaded = replace(p, vehicles=(vehicle("v1", w=10),))
    assert any("超出载重" in f for f in check_plan(overloaded, plan))
    twice = replace(route, visits=route.visits + route.visits[:1])
    assert any("2 次" in f for f in check_plan(p, replace(plan, routes=(twice,))))
    dropped = replace(route, visits=route.visits[:1])
    assert any("既未排入" in f for f in check_plan(p, replace(plan, routes=(dropped,))))
    late = replace(p, vehicles=(vehicle("v1", w=20, end=30),))
    assert any("班次结束" in f for f in check_plan(late, plan))
