"""`plan_routes`: one city-day's routes from a `DispatchProblem`, solved by PyVRP. Pure: no database.

Why the model looks the way it does:

- **Every booking is optional to the solver.** A required booking gets a prize far above any detour
  (a hundred times the longest leg), so the solver serves it whenever any feasible route can, while an
  infeasible one simply stays out instead of making the whole solve infeasible. Bookings no vehicle
  could ever take (too heavy or bulky for every vehicle, a window no vehicle reaches from its depot
  within its shift, no vehicle at all) are kept out before solving; every booking left out is
  reported in `unserved` with a Chinese reason, never silently dropped.
- **Pickups, two dimensions.** Demand is a pickup of (grams, litres); a reload depot empties the vehicle.
- **Fixed prefixes for re-planning.** PyVRP has no "these visits must come first". A vehicle with a
  fixed prefix is simulated through it (from its depot at its shift start, waiting for windows); it then
  gets its own vehicle type that starts at a new depot placed at the last fixed stop's location, opening
  when the vehicle leaves that stop, with the prefix's load already on board (`initial_load`) and its
  home depot as the end. The remaining stops are solved from there and the prefix is put back in front.
- **Times are recomputed, not read back.** The routes' arrival, service and load figures come from the
  same integer matrices given to the solver, walked in the solver's order (`walk`), so the plan and
  the independent checker speak the same units.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime

from huanxin.recycling.dispatch.problem import (
    DispatchPlan,
    DispatchProblem,
    Stop,
    Unserved,
    Vehicle,
    VehicleRoute,
    Visit,
)
from huanxin.recycling.dispatch.travel import IntMatrix

REASON_NO_SHIFT = "无可用班次"
REASON_WEIGHT = "超出车辆载重"
REASON_VOLUME = "超出车辆容积"
REASON_WINDOW = "时间窗内无车辆可达"
REASON_FLEET = "运力或班次时间不足，未能排入"
REASON_OPTIONAL = "可选预约收益低于绕行成本，未排入"


@dataclass(frozen=True)
class _Start:
    """Where and when a vehicle's free part begins, after its fixed prefix if any."""

    point: int
    time: int
    weight: int
    volume: int
    prefix: tuple[Visit, ...]
    distance: int


def plan_routes(problem: DispatchProblem, *, seconds: float, seed: int = 1) -> DispatchPlan:
    depot_at = {d.id: i for i, d in enumerate(problem.depots)}
    stop_at = {s.id: len(problem.depots) + k for k, s in enumerate(problem.stops)}
    points = [(d.x, d.y) for d in problem.depots] + [(s.x, s.y) for s in problem.stops]
    dist, dur = problem.travel.matrices(points)
    stops = {s.id: s for s in problem.stops}
    starts = {v.id: _start(problem, v, dist, dur, depot_at, stop_at) for v in problem.vehicles}
    fixed = {sid for v in problem.vehicles for sid in v.fixed}
    unserved: list[Unserved] = []
    candidates: list[Stop] = []
    for stop in problem.stops:
        if stop.id in fixed:
            continue
        reason = _hopeless(problem, stop, starts, dur, depot_at, stop_at[stop.id])
        if reason:
            unserved.append(Unserved(stop.id, reason))
        else:
            candidates.append(stop)
    routed: dict[str, list[tuple[str, str]]] = {}
    if candidates:
        routed = _solve(problem, candidates, starts, dist, dur, depot_at, stop_at, seconds, seed)
    served = {ref for seq in routed.values() for kind, ref in seq if kind == "stop"}
    for stop in candidates:
        if stop.id not in served:
            unserved.append(Unserved(stop.id, REASON_FLEET if stop.required else REASON_OPTIONAL))
    routes = []
    for vehicle in problem.vehicles:
        seq = routed.get(vehicle.id, [])
        if seq or vehicle.fixed:
            routes.append(walk(problem, vehicle, starts[vehicle.id], seq, dist, dur, depot_at, stop_at, stops))
    lateness = sum(max(0, v.arrival - stops[v.ref].window_end) for r in routes for v in r.visits if v.kind == "stop")
    return DispatchPlan(
        routes=tuple(routes),
        unserved=tuple(unserved),
        total_distance=sum(r.distance for r in routes),
        total_duration=sum(r.duration for r in routes),
        lateness=lateness,
    )


def _start(
    problem: DispatchProblem,
    vehicle: Vehicle,
    dist: IntMatrix,
    dur: IntMatrix,
    depot_at: dict[str, int],
    stop_at: dict[str, int],
) -> _Start:
    depot = problem.depots[depot_at[vehicle.depot_id]]
    here, now = depot_at[vehicle.depot_id], max(vehicle.shift_start, depot.opens)
    weight = volume = travelled = 0
    visits = []
    stops = {s.id: s for s in problem.stops}
    for sid in vehicle.fixed:
        stop, there = stops[sid], stop_at[sid]
        arrival = now + int(dur[here, there])
        begin = max(arrival, stop.window_start)
        travelled += int(dist[here, there])
        weight, volume = weight + stop.weight_g, volume + stop.volume_l
        visits.append(Visit("stop", sid, arrival, begin, begin + stop.service, weight, volume))
        here, now = there, begin + stop.service
    return _Start(here, now, weight, volume, tuple(visits), travelled)


def _hopeless(
    problem: DispatchProblem,
    stop: Stop,
    starts: dict[str, _Start],
    dur: IntMatrix,
    depot_at: dict[str, int],
    point: int,
) -> str:
    """A reason no vehicle can ever take this stop, or "" when some vehicle might."""
    if not problem.vehicles:
        return REASON_NO_SHIFT
    if all(stop.weight_g > v.capacity_weight_g for v in problem.vehicles):
        return REASON_WEIGHT
    if all(stop.volume_l > v.capacity_volume_l for v in problem.vehicles):
        return REASON_VOLUME
    for v in problem.vehicles:
        start, home = starts[v.id], depot_at[v.depot_id]
        arrival = start.time + int(dur[start.point, point])
        back = max(arrival, stop.window_start) + stop.service + int(dur[point, home])
        closes = min(v.shift_end, problem.depots[home].closes)
        fits = stop.weight_g <= v.capacity_weight_g and stop.volume_l <= v.capacity_volume_l
        if fits and arrival <= stop.window_end and back <= closes:
            return ""
    return REASON_WINDOW


def _solve(
    problem: DispatchProblem,
    candidates: list[Stop],
    starts: dict[str, _Start],
    dist: IntMatrix,
    dur: IntMatrix,
    depot_at: dict[str, int],
    stop_at: dict[str, int],
    seconds: float,
    seed: int,
) -> dict[str, list[tuple[str, str]]]:
    """Solve the free part; answer each vehicle's visits after its prefix as (kind, id) pairs."""
    model = pyvrp.Model()
    points = [(d.x, d.y) for d in problem.depots] + [(s.x, s.y) for s in problem.stops]
    locations = [model.add_location(x=x, y=y) for x, y in points]
    depots = [model.add_depot(locations[i], tw_early=d.opens, tw_late=d.closes) for i, d in enumerate(problem.depots)]
    depot_ids = [d.id for d in problem.depots]
    prize = max(10**6, 100 * int(dist.max()))
    for s in candidates:
        model.add_client(
            locations[stop_at[s.id]],
            pickup=[s.weight_g, s.volume_l],
            service_duration=s.service,
            tw_early=s.window_start,
            tw_late=s.window_end,
            prize=prize if s.required else s.prize,
            required=False,
        )
    groups: dict[tuple[object, ...], list[str]] = defaultdict(list)
    for v in problem.vehicles:
        key = (v.depot_id, v.capacity_weight_g, v.capacity_volume_l, v.shift_start, v.shift_end, v.reload_depot_ids)
        groups[(v.id,) if v.fixed else key].append(v.id)
    vehicles = {v.id: v for v in problem.vehicles}
    type_members = []
    for members in groups.values():
        v, start = vehicles[members[0]], starts[members[0]]
        home = depots[depot_at[v.depot_id]]
        first = home
        if v.fixed:
            first = model.add_depot(locations[start.point], tw_early=start.time, tw_late=v.shift_end)
            depot_ids.append(f"起点:{v.id}")
        model.add_vehicle_type(
            len(members),
            capacity=[v.capacity_weight_g, v.capacity_volume_l],
            start_depot=first,
            end_depot=home,
            tw_early=start.time,
            tw_late=v.shift_end,
            initial_load=[start.weight, start.volume],
            reload_depots=[depots[depot_at[r]] for r in v.reload_depot_ids],
        )
        type_members.append(list(members))
    data = model.data()
    matrices: Any = ([np.ascontiguousarray(dist)], [np.ascontiguousarray(dur)])  # numpy's stubs vs PyVRP's
    data = data.replace(distance_matrices=matrices[0], duration_matrices=matrices[1])
    result = pyvrp.solve(data, stop=MaxRuntime(seconds), seed=seed, display=False)
    answer: dict[str, list[tuple[str, str]]] = {}
    if not result.best.is_feasible():
        return answer
    for route in result.best.routes():
        vehicle_id = type_members[route.vehicle_type()].pop(0)
        activities = list(route.schedule())[1:-1]
        seq = []
        for act in activities:
            if act.is_client():
                seq.append(("stop", candidates[act.idx].id))
            else:
                seq.append(("reload", depot_ids[act.idx]))
        answer[vehicle_id] = seq
    return answer


def walk(
    problem: DispatchProblem,
    vehicle: Vehicle,
    start: _Start,
    seq: list[tuple[str, str]],
    dist: IntMatrix,
    dur: IntMatrix,
    depot_at: dict[str, int],
    stop_at: dict[str, int],
    stops: dict[str, Stop],
) -> VehicleRoute:
    """Walk a vehicle's visits with the matrices: arrival, start, departure and load at each."""
    here, now, weight, volume, travelled = start.point, start.time, start.weight, start.volume, start.distance
    visits = list(start.prefix)
    for kind, ref in seq:
        if kind == "stop":
            stop, there = stops[ref], stop_at[ref]
            arrival = now + int(dur[here, there])
            begin = max(arrival, stop.window_start)
            leave = begin + stop.service
            weight, volume = weight + stop.weight_g, volume + stop.volume_l
        else:
            depot, there = problem.depots[depot_at[ref]], depot_at[ref]
            arrival = now + int(dur[here, there])
            begin = leave = max(arrival, depot.opens)
            weight = volume = 0
        travelled += int(dist[here, there])
        visits.append(Visit(kind, ref, arrival, begin, leave, weight, volume))
        here, now = there, leave
    home = depot_at[vehicle.depot_id]
    end = now + int(dur[here, home])
    travelled += int(dist[here, home])
    first = max(vehicle.shift_start, problem.depots[home].opens)
    return VehicleRoute(vehicle.id, first, end, tuple(visits), travelled, end - first)
